//! The built-in osteotomy generator: region volumes against the analytic 2π ∫ r dA integrals (2D)
//! and the revolved polygons (3D), boundary sets in the right places, bad parameters refused.

mod common;

use std::f64::consts::PI;

use callus_mesh::generate::{
    axisymmetric, exterior_facets, revolved, OsteotomyGeometry, Revolution, SolidElements,
};
use callus_mesh::{ElementKind, Mesh, MeshError};
use common::{facet_sharing, region_volumes, rel};

/// Exact volumes (mm³) of the regions of the solid of revolution described by `g`.
fn exact_volumes(g: &OsteotomyGeometry) -> Vec<(&'static str, f64)> {
    let (ri, ro) = (g.inner_radius_mm(), g.outer_radius_mm);
    let rc = ro + g.callus_thickness_mm;
    let rs = rc + g.soft_tissue_thickness_mm;
    let ring = |a: f64, b: f64| PI * (b * b - a * a);
    vec![
        ("marrow", ring(0.0, ri) * 2.0 * g.segment_length_mm),
        ("cortex", ring(ri, ro) * 2.0 * g.segment_length_mm),
        ("gap", ring(0.0, ro) * g.gap_mm),
        ("periosteal_callus", ring(ro, rc) * g.callus_length_mm),
        ("soft_tissue", ring(rc, rs) * g.callus_length_mm),
    ]
}

fn coords_rz(mesh: &Mesh, n: usize) -> (f64, f64) {
    let x = mesh.coords()[n];
    if mesh.dim() == 2 {
        (x[0], x[1])
    } else {
        (x[0].hypot(x[1]), x[2])
    }
}

/// Every boundary set lies where its name says.
fn check_sets(mesh: &Mesh, g: &OsteotomyGeometry) {
    let (ri, ro) = (g.inner_radius_mm(), g.outer_radius_mm);
    let end = 0.5 * g.gap_mm + g.segment_length_mm;
    let on = |set: &str, test: &dyn Fn(f64, f64) -> bool| {
        let s = mesh.set(set).unwrap();
        assert!(!s.nodes.is_empty(), "{set} is empty");
        for &n in &s.nodes {
            let (r, z) = coords_rz(mesh, n);
            assert!(test(r, z), "{set}: node at r = {r}, z = {z}");
        }
    };
    let eps = 1e-9;
    on("proximal_end", &|r, z| {
        (z + end).abs() < eps && r <= ro + eps
    });
    on("distal_end", &|r, z| (z - end).abs() < eps && r <= ro + eps);
    // The pins' sets: the cortex of each end face, every cortex node of it.
    for (set, z_end) in [("proximal_end_cortex", -end), ("distal_end_cortex", end)] {
        on(set, &|r, z| {
            (z - z_end).abs() < eps && r >= ri - 1e-6 && r <= ro + 1e-6
        });
        let face = mesh
            .set(if z_end < 0.0 {
                "proximal_end"
            } else {
                "distal_end"
            })
            .unwrap();
        let in_cortex = face
            .nodes
            .iter()
            .filter(|&&n| coords_rz(mesh, n).0 >= ri - 1e-6)
            .count();
        assert_eq!(mesh.set(set).unwrap().nodes.len(), in_cortex, "{set}");
    }
    on("periosteum", &|r, z| {
        (r - ro).abs() < 1e-6 && z.abs() >= 0.5 * g.gap_mm - eps
    });
    on("endosteum", &|r, z| {
        (r - ri).abs() < 1e-6 && z.abs() >= 0.5 * g.gap_mm - eps
    });
    on("growth_plane", &|_, z| z.abs() < eps);
    on("proximal_osteotomy", &|r, z| {
        (z + 0.5 * g.gap_mm).abs() < eps && r <= ro + 1e-6
    });
    on("distal_osteotomy", &|r, z| {
        (z - 0.5 * g.gap_mm).abs() < eps && r <= ro + 1e-6
    });
    on("axis", &|r, _| r.abs() < eps);
    on("soft_tissue_surface", &|r, _| {
        r > ro + g.callus_thickness_mm - 1e-6
    });
    // The growth plane crosses the whole section, and its facets belong to the elements below it.
    let plane = mesh.set("growth_plane").unwrap();
    let r_max = plane
        .nodes
        .iter()
        .map(|&n| coords_rz(mesh, n).0)
        .fold(0.0, f64::max);
    assert!(
        rel(
            r_max,
            ro + g.callus_thickness_mm + g.soft_tissue_thickness_mm
        ) < 1e-9
    );
    let z_index = if mesh.dim() == 2 { 1 } else { 2 };
    assert!(plane
        .facets
        .iter()
        .all(|f| mesh.element_centroid(f.element)[z_index] < 0.0));
}

#[test]
fn axisymmetric_default_region_volumes_are_exact() {
    let g = OsteotomyGeometry::default();
    let mesh = axisymmetric(&g).unwrap();
    assert_eq!(
        mesh.kind_counts(),
        vec![(ElementKind::Quad4, mesh.num_elements())]
    );
    let v = region_volumes(&mesh);
    for (name, exact) in exact_volumes(&g) {
        assert!(
            rel(v[name], exact) < 1e-12,
            "{name}: {} vs {exact}",
            v[name]
        );
    }
    check_sets(&mesh, &g);
    // A conforming quad mesh: no facet shared by more than two elements.
    assert_eq!(facet_sharing(&mesh).1, 2);
}

#[test]
fn element_size_controls_the_gap_and_grading_the_rest() {
    let g = OsteotomyGeometry {
        element_size_mm: 0.25,
        ..Default::default()
    };
    let mesh = axisymmetric(&g).unwrap();
    let mut heights: Vec<(f64, f64)> = Vec::new(); // (|z| of centre, height) along the axis column
    for e in mesh.elements() {
        let x: Vec<[f64; 3]> = e.nodes.iter().map(|&n| mesh.coords()[n]).collect();
        if x.iter().any(|p| p[0] == 0.0) {
            let (lo, hi) = x
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p[1]), b.max(p[1])));
            heights.push((0.5 * (lo + hi), hi - lo));
        }
    }
    heights.sort_by(|a, b| a.0.total_cmp(&b.0));
    let in_gap: Vec<f64> = heights
        .iter()
        .filter(|h| h.0.abs() < 0.5)
        .map(|h| h.1)
        .collect();
    assert_eq!(in_gap.len(), 4, "1 mm gap at 0.25 mm: 4 elements");
    let upper: Vec<f64> = heights.iter().filter(|h| h.0 > 0.0).map(|h| h.1).collect();
    assert!(
        upper.windows(2).all(|w| w[1] >= w[0] * (1.0 - 1e-9)),
        "sizes grow away from the gap: {upper:?}"
    );
    assert!(upper.last().unwrap() <= &(g.max_element_size_mm * 1.5));
}

#[test]
fn no_soft_tissue_and_callus_as_long_as_the_gap() {
    let g = OsteotomyGeometry {
        soft_tissue_thickness_mm: 0.0,
        callus_length_mm: 1.0,
        ..Default::default()
    };
    let mesh = axisymmetric(&g).unwrap();
    assert!(mesh.region_id("soft_tissue").is_none());
    let v = region_volumes(&mesh);
    for (name, exact) in exact_volumes(&g)
        .into_iter()
        .filter(|(n, _)| *n != "soft_tissue")
    {
        assert!(rel(v[name], exact) < 1e-12, "{name}");
    }
    assert!(
        !mesh.set("soft_tissue_surface").unwrap().facets.is_empty(),
        "the callus's outer face takes its place"
    );
}

/// 3D: a polygon of n sides inscribed in a circle has area (n/2)·sin(2π/n)·r², so every revolved
/// region's volume is the exact one times n·sin(2π/n)/(2π).
#[test]
fn revolved_hex_and_tet_meshes_have_the_revolved_polygon_volumes() {
    let g = OsteotomyGeometry::default_3d();
    for elements in [SolidElements::Hex, SolidElements::Tet] {
        let rev = Revolution {
            segments: 12,
            elements,
        };
        let mesh = revolved(&g, rev).unwrap();
        let n = rev.segments as f64;
        let factor = n * (2.0 * PI / n).sin() / (2.0 * PI);
        let v = region_volumes(&mesh);
        for (name, exact) in exact_volumes(&g) {
            assert!(
                rel(v[name], exact * factor) < 1e-10,
                "{elements:?} {name}: {} vs {}",
                v[name],
                exact * factor
            );
        }
        check_sets(&mesh, &g);
        assert_eq!(facet_sharing(&mesh).1, 2, "{elements:?}: conforming");
        let kinds: Vec<ElementKind> = mesh.kind_counts().into_iter().map(|(k, _)| k).collect();
        match elements {
            SolidElements::Hex => assert_eq!(kinds, [ElementKind::Hex8, ElementKind::Wedge6]),
            SolidElements::Tet => assert_eq!(kinds, [ElementKind::Tet4]),
        }
        // Hex8/Wedge6 and Tet4 meshes of the same grid have the same boundary surface.
        assert!(!exterior_facets(&mesh).is_empty());
    }
}

#[test]
fn bad_parameters_are_refused_by_name() {
    let cases: Vec<(OsteotomyGeometry, &str)> = vec![
        (
            OsteotomyGeometry {
                gap_mm: -1.0,
                ..Default::default()
            },
            "gap_mm",
        ),
        (
            OsteotomyGeometry {
                gap_mm: f64::NAN,
                ..Default::default()
            },
            "gap_mm",
        ),
        (
            OsteotomyGeometry {
                cortical_thickness_mm: 12.0,
                ..Default::default()
            },
            "cortical_thickness_mm",
        ),
        (
            OsteotomyGeometry {
                callus_length_mm: 0.5,
                ..Default::default()
            },
            "callus_length_mm",
        ),
        (
            OsteotomyGeometry {
                grading: 0.5,
                ..Default::default()
            },
            "grading",
        ),
        (
            OsteotomyGeometry {
                element_size_mm: 1e-6,
                ..Default::default()
            },
            "element_size_mm",
        ),
        (
            OsteotomyGeometry {
                soft_tissue_thickness_mm: -2.0,
                ..Default::default()
            },
            "soft_tissue_thickness_mm",
        ),
    ];
    for (g, key) in cases {
        match axisymmetric(&g) {
            Err(MeshError::Invalid(msg)) => assert!(msg.contains(key), "{msg}"),
            other => panic!("{key}: expected an error, got {other:?}"),
        }
    }
    let e = revolved(
        &OsteotomyGeometry::default_3d(),
        Revolution {
            segments: 2,
            elements: SolidElements::Tet,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("segments"));
}
