//! The vascularised fraction and the width of the avascular central zone (MODEL.md §6) against a
//! hand-computed field.

use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::rectangle;
use callus_sim::observe::vascularised;

/// Goal: the avascular zone's width on the axis and over the section, and the vascularised
/// fraction.
///
/// Mesh: [0, 2] × [0, 2] mm in (r, z), 2 × 2 Quad9, axisymmetric, all regenerate; the section is
/// the set `bottom` (area π·2² = 4π mm²). Field: φ = z/2, so φ < 0.6 below z = 1.2: on the axis
/// 1.2 mm. The element means are 0.25 (lower row) and 0.75 (upper): the lower row, of volume
/// π·2²·1 = 4π mm³, is avascular, so the mean width is 4π / 4π = 1 mm and the vascularised
/// fraction 0.5.
#[test]
fn avascular_zone_of_a_linear_field() {
    let mesh = elevate(
        &rectangle([0.0, 2.0], [0.0, 2.0], 2, 2).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let phi: Vec<f64> = mesh.coords().iter().map(|x| x[1] / 2.0).collect();
    let means: Vec<f64> = (0..mesh.num_elements())
        .map(|e| mesh.element_centroid(e)[1] / 2.0)
        .collect();
    let regenerate = vec![true; mesh.num_elements()];
    let v = vascularised(
        &mesh,
        Idealisation::Axisymmetric,
        &regenerate,
        &phi,
        &means,
        "bottom",
    )
    .unwrap();
    assert!((v.width_on_axis_mm.unwrap() - 1.2).abs() < 1e-12, "{v:?}");
    assert!((v.width_mean_mm - 1.0).abs() < 1e-12, "{v:?}");
    assert!((v.fraction - 0.5).abs() < 1e-12, "{v:?}");
    let plane = vascularised(
        &mesh,
        Idealisation::PlaneStrain,
        &regenerate,
        &phi,
        &means,
        "bottom",
    )
    .unwrap();
    assert_eq!(plane.width_on_axis_mm, None);
    assert!((plane.width_mean_mm - 1.0).abs() < 1e-12);
}
