//! Gap growth by layer insertion at the growth plane, in 2D (Quad4, Quad9, Tri3, Tri6) and 3D (Tet4,
//! Tet10, Hex8 + Wedge6): volumes add up exactly, the mesh stays conforming, state carried by the map
//! is conserved, and boundary sets that cross the plane continue across the new layer.
//!
//! Geometry: the built-in osteotomy (and the Gmsh meshes of meshes/), growth plane at z = 0 across
//! the whole section (radius r_s = 15 mm); layers of 0.25 mm.

mod common;

use std::f64::consts::PI;

use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, revolved, OsteotomyGeometry, Revolution, SolidElements};
use callus_mesh::geometry::{axisymmetric_volume, element_measure};
use callus_mesh::gmsh::read_msh;
use callus_mesh::growth::{insert_layer, NodeSource};
use callus_mesh::Mesh;
use common::{facet_sharing, fixture, rel, total_measure, workspace_mesh};

const H: f64 = 0.25;

/// Total measure the slab adds: revolved (2D) π r_s² h, or for a 3D mesh whose plane is an inscribed
/// n-gon (revolved mesh) the measure of the plane's facets times h.
fn plane_area(mesh: &Mesh) -> f64 {
    let set = mesh.set("growth_plane").unwrap();
    set.facets
        .iter()
        .map(|&f| {
            let x: Vec<[f64; 3]> = mesh
                .facet_nodes(f)
                .iter()
                .take(if mesh.dim() == 2 { 2 } else { 3 })
                .map(|&n| mesh.coords()[n])
                .collect();
            if mesh.dim() == 2 {
                // Revolved area of the segment: 2π r̄ L.
                PI * (x[0][0] + x[1][0]) * ((x[1][0] - x[0][0]).abs())
            } else {
                let verts = mesh.element(f.element).kind.facets()[f.local as usize]
                    .vertices
                    .len();
                let pts: Vec<[f64; 3]> = mesh
                    .facet_nodes(f)
                    .iter()
                    .take(verts)
                    .map(|&n| mesh.coords()[n])
                    .collect();
                // Area of a planar polygon in z = 0: shoelace.
                0.5 * (0..pts.len())
                    .map(|i| {
                        pts[i][0] * pts[(i + 1) % pts.len()][1]
                            - pts[(i + 1) % pts.len()][0] * pts[i][1]
                    })
                    .sum::<f64>()
                    .abs()
            }
        })
        .sum()
}

/// Nodes (2D) or edges (3D) on the rim of the growth plane: those that belong to one plane facet only.
fn plane_rim(mesh: &Mesh) -> usize {
    let mut count = std::collections::HashMap::new();
    for &f in &mesh.set("growth_plane").unwrap().facets {
        let e = mesh.element(f.element);
        let v: Vec<usize> = e.kind.facets()[f.local as usize]
            .vertices
            .iter()
            .map(|&i| e.nodes[i])
            .collect();
        for i in 0..v.len() {
            let key = if mesh.dim() == 2 {
                (v[i], v[i])
            } else {
                (
                    v[i].min(v[(i + 1) % v.len()]),
                    v[i].max(v[(i + 1) % v.len()]),
                )
            };
            *count.entry(key).or_insert(0) += 1;
        }
    }
    count.values().filter(|&&c| c == 1).count()
}

fn volume(mesh: &Mesh) -> f64 {
    if mesh.dim() == 2 {
        (0..mesh.num_elements())
            .map(|e| axisymmetric_volume(mesh, e))
            .sum()
    } else {
        total_measure(mesh)
    }
}

/// Inserts two layers and checks everything the module promises.
fn grow_and_check(mut mesh: Mesh, layers_per_facet: usize) {
    let lateral_sets: Vec<String> = ["axis", "soft_tissue_surface"]
        .iter()
        .filter(|s| mesh.set(s).is_ok_and(|s| !s.facets.is_empty()))
        .map(|s| s.to_string())
        .collect();
    for _ in 0..2 {
        let before = mesh.clone();
        let (v0, slab) = (volume(&before), plane_area(&before) * H);
        let (exterior0, _) = facet_sharing(&before);
        let plane_facets = before.set("growth_plane").unwrap().facets.len();
        let set_sizes: Vec<usize> = lateral_sets
            .iter()
            .map(|s| before.set(s).unwrap().facets.len())
            .collect();

        let map = insert_layer(&mut mesh, "growth_plane", H).unwrap();

        // Volumes add up exactly; old elements keep theirs (nodes only translate).
        assert!(
            rel(volume(&mesh), v0 + slab) < 1e-12,
            "{} vs {}",
            volume(&mesh),
            v0 + slab
        );
        for e in 0..before.num_elements() {
            assert!(rel(element_measure(&mesh, e), element_measure(&before, e)) < 1e-12);
        }
        assert_eq!(map.new_elements.len(), plane_facets * layers_per_facet);
        assert_eq!(
            mesh.num_elements(),
            before.num_elements() + map.new_elements.len()
        );
        assert_eq!(mesh.num_nodes(), before.num_nodes() + map.new_nodes.len());
        // Conforming: every facet is shared by at most two elements, and the only new exterior facets
        // are the layer's outer sides (a hole or a hanging layer would add many).
        let (exterior1, most) = facet_sharing(&mesh);
        assert_eq!(most, 2);
        let lateral_per_rim = if mesh.element(0).kind.linear() == callus_mesh::ElementKind::Tet4 {
            2
        } else {
            1
        };
        assert_eq!(
            exterior1 - exterior0,
            plane_rim(&before) * lateral_per_rim,
            "{exterior0} → {exterior1}"
        );
        // Per-element state: old values kept (so their content is conserved), each new element
        // a copy of the element below it.
        let density: Vec<f64> = (0..before.num_elements())
            .map(|e| 1.0 + (e % 7) as f64)
            .collect();
        let mut carried = density.clone();
        map.carry_elements(&mut carried);
        let content = |m: &Mesh, d: &[f64]| -> f64 {
            d.iter()
                .enumerate()
                .map(|(e, v)| v * element_measure(m, e))
                .sum()
        };
        let old = before.num_elements();
        assert!(rel(content(&mesh, &carried[..old]), content(&before, &density)) < 1e-12);
        for (i, &below) in map.new_elements.iter().enumerate() {
            assert_eq!(carried[old + i], density[below]);
        }
        // Nodal state: a field linear in the radius is carried exactly (copies and mid-nodes alike).
        let radius = |m: &Mesh| -> Vec<f64> {
            m.coords()
                .iter()
                .map(|x| if m.dim() == 2 { x[0] } else { x[0].hypot(x[1]) })
                .collect()
        };
        let mut carried = radius(&before);
        map.carry_nodes(&mut carried);
        let mut positions = before.coords().to_vec();
        map.carry_nodes(&mut positions);
        if mesh.dim() == 2 {
            for (a, b) in carried.iter().zip(radius(&mesh)) {
                assert!((a - b).abs() < 1e-12);
            }
        }
        // Vectors are carried component by component: in 2D the radial coordinate is the radius.
        if mesh.dim() == 2 {
            for (x, r) in positions.iter().zip(&carried) {
                assert_eq!(x[0], *r);
            }
        }
        for (i, s) in map.new_nodes.iter().enumerate() {
            if let NodeSource::Copy(p) = *s {
                let (x, c) = (before.coords()[p], mesh.coords()[map.old_num_nodes + i]);
                let up = if mesh.dim() == 2 { 1 } else { 2 };
                assert!((c[up] - x[up] - H).abs() < 1e-12);
            }
        }
        // Distal bone end moved by H, proximal did not.
        let zmax = |m: &Mesh| m.bounding_box().1[m.dim() - 1];
        let zmin = |m: &Mesh| m.bounding_box().0[m.dim() - 1];
        assert!((zmax(&mesh) - zmax(&before) - H).abs() < 1e-12);
        assert_eq!(zmin(&mesh), zmin(&before));
        // Lateral sets gained facets on the layer; the growth plane stayed put.
        for (s, n0) in lateral_sets.iter().zip(&set_sizes) {
            assert!(
                mesh.set(s).unwrap().facets.len() > *n0,
                "{s} continues across the layer"
            );
        }
        assert_eq!(mesh.set("growth_plane").unwrap().facets.len(), plane_facets);
        // New elements are in the region of the element below: gap, callus, soft tissue.
        for (i, &below) in map.new_elements.iter().enumerate() {
            assert_eq!(
                mesh.element(map.old_num_elements + i).region,
                mesh.element(below).region
            );
        }
    }
}

#[test]
fn quad4_layers_on_the_axisymmetric_default() {
    let mesh = axisymmetric(&OsteotomyGeometry::default()).unwrap();
    let axis_len = |m: &Mesh| m.set("axis").unwrap().facets.len();
    let n0 = axis_len(&mesh);
    grow_and_check(mesh.clone(), 1);
    let mut m = mesh;
    insert_layer(&mut m, "growth_plane", H).unwrap();
    assert_eq!(axis_len(&m), n0 + 1, "one more axis facet per layer");
}

#[test]
fn quad9_layers() {
    grow_and_check(
        elevate(
            &axisymmetric(&OsteotomyGeometry::default()).unwrap(),
            QuadraticQuad::Quad9,
        )
        .unwrap(),
        1,
    );
}

#[test]
fn tri3_and_tri6_layers_on_gmsh_meshes() {
    grow_and_check(
        read_msh(workspace_mesh("ovine_axisymmetric.msh")).unwrap(),
        2,
    );
    grow_and_check(
        read_msh(fixture("gmsh/axisym_v41_ascii_tri6.msh")).unwrap(),
        2,
    );
}

#[test]
fn tet4_and_tet10_layers() {
    let tets = revolved(
        &OsteotomyGeometry::default_3d(),
        Revolution {
            segments: 8,
            elements: SolidElements::Tet,
        },
    )
    .unwrap();
    grow_and_check(tets.clone(), 3);
    grow_and_check(elevate(&tets, QuadraticQuad::Quad9).unwrap(), 3);
    // An unstructured Gmsh tetrahedral mesh, whose plane facets Gmsh may give to either side.
    grow_and_check(
        read_msh(fixture("gmsh/ovine3d_v41_binary_tet4.msh")).unwrap(),
        3,
    );
}

#[test]
fn hex8_and_wedge6_layers() {
    let mesh = revolved(
        &OsteotomyGeometry::default_3d(),
        Revolution {
            segments: 8,
            elements: SolidElements::Hex,
        },
    )
    .unwrap();
    let axis0 = mesh.set("axis").unwrap().nodes.len();
    grow_and_check(mesh.clone(), 1);
    let mut m = mesh;
    insert_layer(&mut m, "growth_plane", H).unwrap();
    assert_eq!(
        m.set("axis").unwrap().nodes.len(),
        axis0 + 1,
        "the node-only axis set gains the copy on the axis"
    );
}

#[test]
fn bad_requests_are_refused() {
    let mut mesh = axisymmetric(&OsteotomyGeometry::default()).unwrap();
    let before = mesh.clone();
    for h in [0.0, -1.0, f64::NAN] {
        assert!(insert_layer(&mut mesh, "growth_plane", h)
            .unwrap_err()
            .to_string()
            .contains("positive"));
    }
    assert!(insert_layer(&mut mesh, "no_such_set", H)
        .unwrap_err()
        .to_string()
        .contains("no_such_set"));
    // The axis runs along the bone: not a plane across it.
    assert!(insert_layer(&mut mesh, "axis", H)
        .unwrap_err()
        .to_string()
        .contains("parallel"));
    // The proximal osteotomy surface does not span the section: the callus crosses it.
    let e = insert_layer(&mut mesh, "proximal_osteotomy", H)
        .unwrap_err()
        .to_string();
    assert!(e.contains("crosses"), "{e}");
    assert_eq!(
        mesh, before,
        "a refused insertion leaves the mesh untouched"
    );
}
