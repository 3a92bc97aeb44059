//! Gmsh import on files written by real Gmsh (4.15, `gmsh` PyPI wheel; see meshes/make_meshes.py):
//! every supported format (MSH 4.1 ASCII and binary, MSH 2.2 ASCII) and element order, checked
//! against the geometry they describe.

mod common;

use std::f64::consts::PI;

use callus_mesh::gmsh::{read_msh, read_msh_with_report};
use callus_mesh::{ElementKind, Mesh};
use common::{fixture, region_volumes, rel, workspace_mesh};

const ALL_SETS: [&str; 11] = [
    "axis",
    "distal_end",
    "distal_end_cortex",
    "distal_osteotomy",
    "endosteum",
    "growth_plane",
    "periosteum",
    "proximal_end",
    "proximal_end_cortex",
    "proximal_osteotomy",
    "soft_tissue_surface",
];

/// Revolved volumes (mm³) of the regions of meshes/ovine_axisymmetric.geo: straight-edged regions,
/// so a 2D mesh of any order reproduces them to round-off.
fn ovine_region_volumes() -> [(&'static str, f64); 5] {
    let (ri, ro, g, l, cth, cl, st) = (7.0, 10.0, 1.0, 15.0, 3.0, 12.0, 2.0);
    let rc = ro + cth;
    [
        ("marrow", PI * ri * ri * 2.0 * l),
        ("cortex", PI * (ro * ro - ri * ri) * 2.0 * l),
        ("gap", PI * ro * ro * g),
        ("periosteal_callus", PI * (rc * rc - ro * ro) * cl),
        ("soft_tissue", PI * ((rc + st) * (rc + st) - rc * rc) * cl),
    ]
}

fn check_axisymmetric(mesh: &Mesh, kinds: &[ElementKind]) {
    assert_eq!(mesh.dim(), 2);
    let present: Vec<ElementKind> = mesh.kind_counts().into_iter().map(|(k, _)| k).collect();
    assert_eq!(present, kinds);
    let volumes = region_volumes(mesh);
    for (name, exact) in ovine_region_volumes() {
        let v = volumes[name];
        assert!(rel(v, exact) < 1e-10, "{name}: {v} vs {exact}");
    }
    for name in ALL_SETS {
        let set = mesh.set(name).unwrap();
        assert!(!set.facets.is_empty(), "{name} has no facets");
    }
    // Set geometry: the axis is at r = 0, the growth plane at z = 0, the periosteum at r = 10.
    let x = mesh.coords();
    assert!(mesh
        .set("axis")
        .unwrap()
        .nodes
        .iter()
        .all(|&n| x[n][0].abs() < 1e-12));
    assert!(mesh
        .set("growth_plane")
        .unwrap()
        .nodes
        .iter()
        .all(|&n| x[n][1].abs() < 1e-12));
    assert!(mesh
        .set("periosteum")
        .unwrap()
        .nodes
        .iter()
        .all(|&n| (x[n][0] - 10.0).abs() < 1e-9));
    let plane = mesh.set("growth_plane").unwrap();
    let r_max = plane.nodes.iter().map(|&n| x[n][0]).fold(0.0, f64::max);
    assert!(
        (r_max - 15.0).abs() < 1e-9,
        "the growth plane spans the section: r up to {r_max}"
    );
}

#[test]
fn msh41_ascii_linear_triangles() {
    let (mesh, report) = read_msh_with_report(workspace_mesh("ovine_axisymmetric.msh")).unwrap();
    assert_eq!(report.format, "4.1 ASCII");
    check_axisymmetric(&mesh, &[ElementKind::Tri3]);
}

#[test]
fn msh41_ascii_quadratic_triangles() {
    let mesh = read_msh(fixture("gmsh/axisym_v41_ascii_tri6.msh")).unwrap();
    check_axisymmetric(&mesh, &[ElementKind::Tri6]);
    // Facet sets carry the mid-edge nodes: a chain of n edges has 2n + 1 nodes.
    let axis = mesh.set("axis").unwrap();
    assert_eq!(axis.nodes.len(), 2 * axis.facets.len() + 1);
    // Mid-edge nodes of straight edges sit at the midpoints.
    for e in mesh.elements() {
        for (i, &[a, b]) in e.kind.edges().iter().enumerate() {
            let (xa, xb, xm) = (
                mesh.coords()[e.nodes[a]],
                mesh.coords()[e.nodes[b]],
                mesh.coords()[e.nodes[3 + i]],
            );
            for d in 0..2 {
                assert!((0.5 * (xa[d] + xb[d]) - xm[d]).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn msh41_binary_recombined_quads() {
    let (mesh, report) = read_msh_with_report(fixture("gmsh/axisym_v41_binary_quad.msh")).unwrap();
    assert_eq!(report.format, "4.1 binary");
    check_axisymmetric(&mesh, &[ElementKind::Tri3, ElementKind::Quad4]);
}

#[test]
fn msh22_ascii_linear_triangles() {
    let (mesh, report) = read_msh_with_report(fixture("gmsh/axisym_v22_ascii_tri3.msh")).unwrap();
    assert_eq!(report.format, "2.2 ASCII");
    check_axisymmetric(&mesh, &[ElementKind::Tri3]);
}

#[test]
fn msh22_ascii_quadratic_quads() {
    let mesh = read_msh(fixture("gmsh/axisym_v22_ascii_quad9.msh")).unwrap();
    check_axisymmetric(&mesh, &[ElementKind::Tri6, ElementKind::Quad9]);
}

#[test]
fn same_mesh_in_three_encodings_reads_the_same() {
    let a = read_msh(fixture("tiny_v41.msh")).unwrap();
    let b = read_msh(fixture("tiny_v41_binary.msh")).unwrap();
    let c = read_msh(fixture("tiny_v22.msh")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.coords(), c.coords());
    assert_eq!(a.num_elements(), c.num_elements());
    assert_eq!(a.set("axis").unwrap().nodes, c.set("axis").unwrap().nodes);
    assert_eq!(a.region_names(), ["gap", "cortex"]);
}

/// 3D files: volumes of the straight-sided tetrahedra differ from the cylinders' by at most the
/// chordal error of the smallest circle (r = 7 mm) cut into chords no longer than the Gmsh size h:
/// 1 − sin(θ)/θ ≈ θ²/6 with θ = h/r; the whole bone (an
/// inscribed polyhedron) is smaller than the exact cylinder, and every region and every set but
/// `axis` (no curve in a 3D OCC model) is there.
fn check_3d(mesh: &Mesh, kind: ElementKind, gmsh_size_mm: f64) {
    let chordal = (gmsh_size_mm / 7.0).powi(2) / 6.0;
    assert_eq!(mesh.dim(), 3);
    assert_eq!(mesh.kind_counts(), vec![(kind, mesh.num_elements())]);
    let volumes = region_volumes(mesh);
    for (name, exact) in ovine_region_volumes() {
        let v = volumes[name];
        assert!(
            rel(v, exact) < chordal,
            "{name}: {v} vs {exact} (bound {chordal})"
        );
    }
    let bone = volumes["marrow"] + volumes["cortex"];
    assert!(bone < PI * 100.0 * 30.0, "inscribed: {bone}");
    for name in ALL_SETS.iter().filter(|&&n| n != "axis") {
        assert!(!mesh.set(name).unwrap().facets.is_empty(), "{name}");
    }
    let x = mesh.coords();
    assert!(mesh
        .set("growth_plane")
        .unwrap()
        .nodes
        .iter()
        .all(|&n| x[n][2].abs() < 1e-12));
    assert!(mesh
        .set("periosteum")
        .unwrap()
        .nodes
        .iter()
        .all(|&n| (x[n][0].hypot(x[n][1]) - 10.0).abs() < 1e-6));
}

#[test]
fn msh41_binary_tetrahedra() {
    check_3d(
        &read_msh(fixture("gmsh/ovine3d_v41_binary_tet4.msh")).unwrap(),
        ElementKind::Tet4,
        4.0,
    );
    check_3d(
        &read_msh(workspace_mesh("ovine_3d.msh")).unwrap(),
        ElementKind::Tet4,
        2.0,
    );
}

#[test]
fn msh41_ascii_quadratic_tetrahedra() {
    check_3d(
        &read_msh(fixture("gmsh/ovine3d_v41_ascii_tet10.msh")).unwrap(),
        ElementKind::Tet10,
        5.0,
    );
}

/// A surface drawn clockwise (−z normal) gives clockwise elements: they are re-ordered on import,
/// counted in the report, and the mesh is the same as the counter-clockwise one.
#[test]
fn clockwise_surfaces_are_reoriented() {
    let text = std::fs::read_to_string(fixture("tiny_v41.msh")).unwrap();
    let (head, rest) = text.split_once("$Elements\n").unwrap();
    let (body, tail) = rest.split_once("$EndElements").unwrap();
    let reversed: Vec<String> = body
        .lines()
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            if t.len() == 5 {
                format!("{} {} {} {} {}", t[0], t[1], t[4], t[3], t[2]) // quad 0-1-2-3 → 0-3-2-1
            } else {
                l.to_string()
            }
        })
        .collect();
    let cw = format!(
        "{head}$Elements\n{}\n$EndElements{tail}",
        reversed.join("\n")
    );
    let (mesh, report) =
        callus_mesh::gmsh::parse_msh(cw.as_bytes(), std::path::Path::new("cw.msh")).unwrap();
    assert_eq!(report.reoriented_elements, 8);
    let original = read_msh(fixture("tiny_v41.msh")).unwrap();
    assert_eq!(region_volumes(&mesh), region_volumes(&original));
    assert!(mesh.min_quality().unwrap().0 > 0.99);
}
