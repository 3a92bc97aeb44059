//! Degree elevation Tri3 → Tri6, Quad4 → Quad8/Quad9, Tet4 → Tet10: mid-edge nodes shared between
//! neighbours and at the edge midpoints, geometry and boundary sets carried over.

mod common;

use std::collections::HashSet;

use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, revolved, OsteotomyGeometry, Revolution, SolidElements};
use callus_mesh::gmsh::read_msh;
use callus_mesh::{ElementKind, Mesh};
use common::{fixture, region_volumes, rel, workspace_mesh};

fn unique_edges(mesh: &Mesh) -> usize {
    let mut edges = HashSet::new();
    for e in mesh.elements() {
        for &[a, b] in e.kind.edges() {
            let (a, b) = (e.nodes[a], e.nodes[b]);
            edges.insert((a.min(b), a.max(b)));
        }
    }
    edges.len()
}

/// Elevation adds exactly one node per edge (plus one per Quad9), each at its edge's midpoint, keeps
/// region volumes, and every facet set gains its mid-edge nodes.
fn check(linear: &Mesh, quad: QuadraticQuad, expected: &[ElementKind]) -> Mesh {
    let q = elevate(linear, quad).unwrap();
    let centres = if quad == QuadraticQuad::Quad9 {
        linear
            .kind_counts()
            .iter()
            .filter(|(k, _)| *k == ElementKind::Quad4)
            .map(|(_, n)| n)
            .sum()
    } else {
        0
    };
    assert_eq!(
        q.num_nodes(),
        linear.num_nodes() + unique_edges(linear) + centres
    );
    let kinds: Vec<ElementKind> = q.kind_counts().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, expected);
    for e in q.elements() {
        let nv = e.kind.num_vertices();
        for (i, &[a, b]) in e.kind.edges().iter().enumerate() {
            let (xa, xb, xm) = (
                q.coords()[e.nodes[a]],
                q.coords()[e.nodes[b]],
                q.coords()[e.nodes[nv + i]],
            );
            for d in 0..3 {
                assert!((0.5 * (xa[d] + xb[d]) - xm[d]).abs() < 1e-12);
            }
        }
    }
    let (v0, v1) = (region_volumes(linear), region_volumes(&q));
    for (name, v) in v0 {
        assert!(rel(v1[&name], v) < 1e-12, "{name}");
    }
    for (name, set) in linear.sets() {
        let qs = q.set(name).unwrap();
        assert_eq!(qs.facets, set.facets, "{name}: the same facets");
        let all: HashSet<usize> = qs.facets.iter().flat_map(|&f| q.facet_nodes(f)).collect();
        assert!(
            all.iter().all(|n| qs.nodes.contains(n)),
            "{name}: every facet node is in the set"
        );
        assert!(
            set.nodes.iter().all(|n| qs.nodes.contains(n)),
            "{name}: old nodes kept"
        );
    }
    q
}

#[test]
fn quad4_to_quad9_and_quad8() {
    let linear = axisymmetric(&OsteotomyGeometry::default()).unwrap();
    let q9 = check(&linear, QuadraticQuad::Quad9, &[ElementKind::Quad9]);
    check(&linear, QuadraticQuad::Quad8, &[ElementKind::Quad8]);
    // A chain of n edges along the axis has 2n + 1 nodes once quadratic.
    let axis = q9.set("axis").unwrap();
    assert_eq!(axis.nodes.len(), 2 * axis.facets.len() + 1);
}

#[test]
fn tri3_to_tri6_on_a_gmsh_mesh() {
    let linear = read_msh(workspace_mesh("ovine_axisymmetric.msh")).unwrap();
    let q = check(&linear, QuadraticQuad::Quad9, &[ElementKind::Tri6]);
    // Gmsh's own second-order mesh of the same geometry has the same structure.
    let gmsh_tri6 = read_msh(fixture("gmsh/axisym_v41_ascii_tri6.msh")).unwrap();
    let ratio = |m: &Mesh| m.num_nodes() as f64 / m.num_elements() as f64;
    assert!((ratio(&q) - ratio(&gmsh_tri6)).abs() < 0.2);
}

#[test]
fn mixed_tri3_quad4_mesh() {
    let linear = read_msh(fixture("gmsh/axisym_v41_binary_quad.msh")).unwrap();
    check(
        &linear,
        QuadraticQuad::Quad9,
        &[ElementKind::Tri6, ElementKind::Quad9],
    );
}

#[test]
fn tet4_to_tet10_with_the_node_only_axis_set() {
    let linear = revolved(
        &OsteotomyGeometry::default_3d(),
        Revolution {
            segments: 8,
            elements: SolidElements::Tet,
        },
    )
    .unwrap();
    let q = check(&linear, QuadraticQuad::Quad9, &[ElementKind::Tet10]);
    // The axis (a node set in 3D) gains the mid-nodes of the edges along it: 2n + 1 nodes.
    let (a0, a1) = (linear.set("axis").unwrap(), q.set("axis").unwrap());
    assert_eq!(a1.nodes.len(), 2 * a0.nodes.len() - 1);
    assert!(a1
        .nodes
        .iter()
        .all(|&n| q.coords()[n][0] == 0.0 && q.coords()[n][1] == 0.0));
    check(
        &read_msh(workspace_mesh("ovine_3d.msh")).unwrap(),
        QuadraticQuad::Quad9,
        &[ElementKind::Tet10],
    );
}

#[test]
fn elevating_a_quadratic_mesh_changes_nothing_and_hexes_are_refused() {
    let q = read_msh(fixture("gmsh/axisym_v41_ascii_tri6.msh")).unwrap();
    assert_eq!(elevate(&q, QuadraticQuad::Quad9).unwrap(), q);
    let hex = revolved(
        &OsteotomyGeometry::default_3d(),
        Revolution {
            segments: 6,
            elements: SolidElements::Hex,
        },
    )
    .unwrap();
    let e = elevate(&hex, QuadraticQuad::Quad9).unwrap_err();
    assert!(
        e.to_string().contains("Hex8") && e.to_string().contains("Tet10"),
        "{e}"
    );
}
