//! Volume means of nodal fields (the c and φ of an element, MODEL.md §4 and §4b), against hand
//! integrals.

use callus_fem::dofs::Fields;
use callus_fem::problem::Discretisation;
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::rectangle;

/// Goal: the mean weighs each node by ∫ N_a dV, not equally.
///
/// Mesh: one Quad9 on the unit square (plane strain), and one Quad9 on [1, 2] × [0, 1] revolved
/// about the axis (axisymmetric). Fields: 1 on the centre node only, whose ∫ N dA is 16/36 of
/// the square (an equal-weight mean gives 1/9); and f = r on the ring, whose volume mean is
/// ∫ r · 2πr dr / ∫ 2πr dr = (7/3)/(3/2) = 14/9 (the equal-weight mean gives 3/2).
#[test]
fn element_means_weigh_nodes_by_their_shape_function_integrals() {
    let square = elevate(
        &rectangle([0.0, 1.0], [0.0, 1.0], 1, 1).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let disc = Discretisation::new(&square, Idealisation::PlaneStrain, Fields::Scalar, 1).unwrap();
    let centre = (0..square.num_nodes())
        .find(|&n| {
            let x = square.coords()[n];
            (x[0] - 0.5).abs() < 1e-12 && (x[1] - 0.5).abs() < 1e-12
        })
        .unwrap();
    let mut f = vec![0.0; square.num_nodes()];
    f[centre] = 1.0;
    let means = disc.element_means(&square, &f).unwrap();
    assert!((means[0] - 16.0 / 36.0).abs() < 1e-14, "{}", means[0]);

    let ring = elevate(
        &rectangle([1.0, 2.0], [0.0, 1.0], 1, 1).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let disc = Discretisation::new(&ring, Idealisation::Axisymmetric, Fields::Scalar, 1).unwrap();
    let r: Vec<f64> = ring.coords().iter().map(|x| x[0]).collect();
    let means = disc.element_means(&ring, &r).unwrap();
    assert!((means[0] - 14.0 / 9.0).abs() < 1e-13, "{}", means[0]);
    assert!(disc.element_means(&ring, &r[1..]).is_err());
}

/// Goal: the masses kept for the means follow the configuration: the same configuration gets the
/// same (kept) masses, a moved mesh gets new ones and the means of its new shape.
///
/// Mesh: the Quad9 ring [1, 2] × [0, 1] (axisymmetric), field f = the node's initial r. Moved:
/// every node shifted by +1 in r, so the ring is [2, 3] and the weights grow with the radius: the
/// mean of the same nodal values becomes ∫ (r − 1) · 2πr dr / ∫ 2πr dr over [2, 3] =
/// (19/3 − 5/2)/(5/2) = 23/15.
#[test]
fn kept_masses_follow_the_configuration() {
    let mut ring = elevate(
        &rectangle([1.0, 2.0], [0.0, 1.0], 1, 1).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let disc = Discretisation::new(&ring, Idealisation::Axisymmetric, Fields::Scalar, 1).unwrap();
    let r: Vec<f64> = ring.coords().iter().map(|x| x[0]).collect();
    let first = disc.element_means(&ring, &r).unwrap()[0];
    assert!((first - 14.0 / 9.0).abs() < 1e-13, "{first}");
    ring.coords_mut().iter_mut().for_each(|x| x[0] += 1.0);
    let moved = disc.element_means(&ring, &r).unwrap()[0];
    assert!((moved - 23.0 / 15.0).abs() < 1e-13, "{moved}");
    let kept = disc.element_masses(&ring).unwrap();
    assert!(std::sync::Arc::ptr_eq(
        &kept,
        &disc.element_masses(&ring).unwrap()
    ));
    ring.coords_mut().iter_mut().for_each(|x| x[0] -= 1.0);
    let back = disc.element_masses(&ring).unwrap();
    assert!(!std::sync::Arc::ptr_eq(&kept, &back));
    assert_eq!(back.means(&ring, &r).unwrap()[0], first);
}
