//! The rigid plate (a multi-point constraint: the nodes of a set share one axial motion, pushed by a
//! force and held by a spring, [`callus_fem::bc::RigidPlate`]) against closed forms.

use std::f64::consts::PI;

use callus_fem::bc::{add_traction, Constraints, RigidPlate};
use callus_fem::dofs::Fields;
use callus_fem::integrate::{BackwardEuler, Operators};
use callus_fem::material::{Biot, Elastic};
use callus_fem::problem::Discretisation;
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::rectangle;
use callus_mesh::Mesh;

const INNER_RADIUS: f64 = 1.5;
const OUTER_RADIUS: f64 = 3.0;
const LENGTH: f64 = 6.0;
const FORCE_N: f64 = -100.0;
const FIXATOR_N_PER_MM: f64 = 50.0;
const NU: f64 = 0.3;

/// The solid cylinder r ≤ 3 mm, 0 ≤ z ≤ 6 mm as 6 × 6 axisymmetric Quad9 (the core r < 1.5 mm and
/// the ring are whole elements).
fn cylinder() -> Mesh {
    elevate(
        &rectangle([0.0, OUTER_RADIUS], [0.0, LENGTH], 6, 6).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap()
}

/// Whether element `e` lies in the core (its first vertex inside r < 1.5 mm).
fn in_core(mesh: &Mesh, e: usize) -> bool {
    let centroid_r: f64 = mesh.element(e).nodes[..4]
        .iter()
        .map(|&n| mesh.coords()[n][0])
        .sum::<f64>()
        / 4.0;
    centroid_r < INNER_RADIUS
}

/// The base on rollers (u_z = 0) and the axis (u_r = 0).
fn supports(mesh: &Mesh, disc: &Discretisation) -> Constraints {
    let mut bc = Constraints::new();
    bc.displacement_on_set(mesh, &disc.dofs, "bottom", 1, 0.0)
        .unwrap();
    bc.axisymmetric_axis(mesh, &disc.dofs);
    bc
}

/// Goal: a rigid plate on the top of a composite cylinder, pushed by F and held by a fixator spring
/// k, takes the closed form of two bars and a spring in parallel, U = F / ((E₁A₁ + E₂A₂)/L + k),
/// and shares F between body and spring; the field is uniaxial stress in each part (the outer
/// surface moves u_r = −ν ε R). A uniform traction of the same force instead moves the soft core's
/// top far more than the ring's: the plate is what keeps the end flat.
///
/// Mesh: r ≤ 3 mm, L = 6 mm, 6 × 6 Quad9, axisymmetric; core r < 1.5 mm E₁ = 10 MPa, ring
/// E₂ = 1000 MPa, ν = 0.3 both (so the parts do not pull on each other laterally).
/// Boundary: base on rollers, axis u_r = 0; the plate on the top's axial dofs, F = −100 N,
/// k = 50 N/mm. A static problem as one backward-Euler step (A₁ = C = 0).
#[test]
fn rigid_plate_on_a_composite_cylinder_takes_the_parallel_bars_closed_form() {
    let mesh = cylinder();
    let disc =
        Discretisation::new(&mesh, Idealisation::Axisymmetric, Fields::Displacement, 1).unwrap();
    let materials: Vec<Elastic> = (0..mesh.num_elements())
        .map(|e| Elastic {
            youngs_modulus_mpa: if in_core(&mesh, e) { 10.0 } else { 1000.0 },
            poisson_ratio: NU,
        })
        .collect();
    let mut k = disc.zeros();
    disc.assemble_elastic(&mesh, &materials, &mut k).unwrap();
    let operators = Operators {
        a0: k,
        ..Operators::zeros(&disc.assembler.pattern)
    };
    let plate = RigidPlate::on_set(&mesh, &disc.dofs, "top", 1, FIXATOR_N_PER_MM).unwrap();
    let mut stepper = BackwardEuler::new(&disc, &operators, supports(&mesh, &disc))
        .with_rigid_plate(plate.clone())
        .unwrap();
    stepper.push_plate(FORCE_N);
    let mut x = vec![0.0; disc.dofs.len()];
    stepper.step(1.0, &mut x, None).unwrap();

    let core_area = PI * INNER_RADIUS.powi(2);
    let ring_area = PI * (OUTER_RADIUS.powi(2) - INNER_RADIUS.powi(2));
    let body_stiffness = (10.0 * core_area + 1000.0 * ring_area) / LENGTH;
    let expected = FORCE_N / (body_stiffness + FIXATOR_N_PER_MM);
    let motion = stepper.plate_motion().unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs();
    assert!(
        close(motion.displacement_mm, expected),
        "{motion:?} vs U = {expected}"
    );
    for &d in plate.rows.dofs() {
        assert!(
            close(x[d], expected),
            "tied dof {d}: {} vs {expected}",
            x[d]
        );
    }
    assert!(
        close(motion.body_force_n, body_stiffness * expected),
        "{motion:?}"
    );
    assert!(
        close(motion.body_force_n + motion.support_force_n, FORCE_N),
        "{motion:?}"
    );
    let strain = expected / LENGTH;
    for &n in &mesh.set("right").unwrap().nodes {
        let u_r = x[disc.dofs.u(n, 0)];
        assert!(
            close(u_r, -NU * strain * OUTER_RADIUS),
            "node {n}: u_r = {u_r}"
        );
    }

    // The same force as a uniform traction on the free top (no plate, no spring).
    let mut f = vec![0.0; disc.dofs.len()];
    let area = PI * OUTER_RADIUS.powi(2);
    add_traction(
        &mesh,
        Idealisation::Axisymmetric,
        &disc.dofs,
        "top",
        [0.0, FORCE_N / area, 0.0],
        &mut f,
    )
    .unwrap();
    let mut free = BackwardEuler::new(&disc, &operators, supports(&mesh, &disc));
    let mut y = vec![0.0; disc.dofs.len()];
    free.step(1.0, &mut y, Some(&f)).unwrap();
    // |u_z| on the top's axis (core) and outer edge (ring).
    let top_at = |r: f64| {
        let top = &mesh.set("top").unwrap().nodes;
        let n = top
            .iter()
            .find(|&&n| (mesh.coords()[n][0] - r).abs() < 1e-12);
        y[disc.dofs.u(*n.unwrap(), 1)].abs()
    };
    let (core, ring) = (top_at(0.0), top_at(OUTER_RADIUS));
    assert!(
        core > 5.0 * ring,
        "a traction should not keep the top flat: core {core} mm, ring {ring} mm"
    );
}

/// Goal: a plate on dofs that are also prescribed (here the clamped base) is refused with an
/// error naming a node, not a panic.
#[test]
fn a_plate_on_a_prescribed_set_is_refused() {
    let mesh = cylinder();
    let disc =
        Discretisation::new(&mesh, Idealisation::Axisymmetric, Fields::Displacement, 1).unwrap();
    let operators = Operators::zeros(&disc.assembler.pattern);
    let plate = RigidPlate::on_set(&mesh, &disc.dofs, "bottom", 1, 0.0).unwrap();
    let e = BackwardEuler::new(&disc, &operators, supports(&mesh, &disc))
        .with_rigid_plate(plate)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        e.contains("node") && e.contains("rigid plate; give the plate a set"),
        "{e}"
    );
}

/// Goal: the rigid plate in the Biot u–p driver gives the undrained and the drained closed forms of
/// a poroelastic column under a constant plate force with a fixator spring: U = F / (E' A / L + k)
/// with E' the undrained Young's modulus E_u = 9 K_u G / (3 K_u + G), K_u = K + α² M, when no fluid
/// can leave (every boundary impermeable: the state is uniform and undrained at any Δt), and the
/// drained E when the top drains and Δt is long (10¹² s).
///
/// Mesh: the cylinder above, axisymmetric, u–p Taylor–Hood. Material: E = 1 MPa, ν = 0 (so that
/// E_u can reach 3G = 1.5 E), K_s = 20 MPa, K_f = 10 MPa, n = 0.5, k = 1e-2 mm⁴/(N·s) (α ≈ 0.98,
/// K_u/K ≈ 40, E_u ≈ 1.48 MPa: the two limits 48 % apart).
/// Boundary: base on rollers, axis; the plate on the top, F = −100 N, k = 50 N/mm.
#[test]
fn rigid_plate_on_a_poroelastic_column_gives_the_undrained_and_drained_limits() {
    let mesh = cylinder();
    let disc = Discretisation::new(
        &mesh,
        Idealisation::Axisymmetric,
        Fields::DisplacementPressure,
        1,
    )
    .unwrap();
    let skeleton = Elastic {
        youngs_modulus_mpa: 1.0,
        poisson_ratio: 0.0,
    };
    let material = Biot::from_constituents(skeleton, 20.0, 10.0, 0.5, 1e-2);
    let mut operators = Operators::zeros(&disc.assembler.pattern);
    disc.assemble_biot(&mesh, &vec![material; mesh.num_elements()], &mut operators)
        .unwrap();
    let (bulk, shear) = (skeleton.bulk_modulus(), skeleton.shear_modulus());
    let undrained_bulk = bulk + material.alpha.powi(2) / material.inv_biot_modulus_per_mpa;
    let undrained_e = 9.0 * undrained_bulk * shear / (3.0 * undrained_bulk + shear);
    let area = PI * OUTER_RADIUS.powi(2);
    let closed_form = |e: f64| FORCE_N / (e * area / LENGTH + FIXATOR_N_PER_MM);
    let plate = RigidPlate::on_set(&mesh, &disc.dofs, "top", 1, FIXATOR_N_PER_MM).unwrap();
    for (drained_top, dt, e) in [(false, 1.0, undrained_e), (true, 1e12, 1.0)] {
        let mut bc = supports(&mesh, &disc);
        if drained_top {
            bc.pressure_on_set(&mesh, &disc.dofs, "top", 0.0).unwrap();
        }
        let mut stepper = BackwardEuler::new(&disc, &operators, bc)
            .with_rigid_plate(plate.clone())
            .unwrap();
        stepper.push_plate(FORCE_N);
        let mut x = vec![0.0; disc.dofs.len()];
        stepper.step(dt, &mut x, None).unwrap();
        let u = stepper.plate_motion().unwrap().displacement_mm;
        let expected = closed_form(e);
        assert!(
            (u - expected).abs() <= 1e-6 * expected.abs(),
            "drained top {drained_top}: U = {u} vs {expected}"
        );
    }
    assert!(
        undrained_e > 1.4,
        "the case must tell undrained from drained: {undrained_e}"
    );
}
