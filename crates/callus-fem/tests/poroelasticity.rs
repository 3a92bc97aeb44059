//! Biot poroelasticity verification against closed forms (MODEL.md §8): Terzaghi consolidation in
//! axisymmetric and 3D columns, the drained and undrained limits, and the confined ramp-and-hold of
//! a granulation-tissue column.
//!
//! Column: height h, base (z = 0) fixed axially and impermeable, lateral walls on rollers and
//! impermeable, top drained (p = 0) and loaded (a traction, or a prescribed displacement).

use std::f64::consts::PI;

use callus_fem::bc::{add_traction, Constraints};
use callus_fem::dofs::Fields;
use callus_fem::material::{Biot, Elastic};
use callus_fem::problem::{doubling_schedule, Discretisation};
use callus_fem::solver::Factorization;
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{brick, rectangle, SolidElements};
use callus_mesh::Mesh;

/// What loads the top of the column.
#[derive(Clone, Copy)]
enum TopLoad {
    /// Compressive traction q (MPa) from t > 0.
    Traction(f64),
    /// Downward displacement ramp to `depth` (mm) over `ramp` (s), then held.
    Ramp { depth: f64, ramp: f64 },
}

/// State of the column at one output time.
#[derive(Clone, Copy, Debug)]
struct Sample {
    t: f64,
    /// Pore pressure (MPa) at the base and at z = h/2.
    p_base: f64,
    p_mid: f64,
    /// Settlement of the top (mm, positive down).
    settlement: f64,
    /// Axial reaction at the base (N, positive in compression).
    base_force: f64,
}

fn column_2d(h: f64, radius: f64, ny: usize) -> Mesh {
    elevate(
        &rectangle([0.0, radius], [0.0, h], 1, ny).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap()
}

fn column_3d(h: f64, side: f64, nz: usize) -> Mesh {
    elevate(
        &brick(
            [0.0, side],
            [0.0, side],
            [0.0, h],
            [1, 1, nz],
            SolidElements::Tet,
        )
        .unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap()
}

/// Steps the column through `times` (backward Euler) and samples it at `outputs`.
fn run_column(
    mesh: &Mesh,
    ideal: Idealisation,
    material: Biot,
    load: TopLoad,
    drained_top: bool,
    times: &[f64],
    outputs: &[f64],
) -> Vec<Sample> {
    let disc = Discretisation::new(mesh, ideal, Fields::DisplacementPressure, 1).unwrap();
    let dofs = &disc.dofs;
    let axial = ideal.dim() - 1;
    let h = mesh.bounding_box().1[axial];
    let top_uz = |t: f64| match load {
        TopLoad::Traction(_) => None,
        TopLoad::Ramp { depth, ramp } => Some(-depth * (t / ramp).min(1.0)),
    };
    let constraints = |t: f64| {
        let mut c = Constraints::new();
        c.displacement_on_set(mesh, dofs, "bottom", axial, 0.0)
            .unwrap();
        let walls: &[(&str, usize)] = if ideal == Idealisation::ThreeD {
            &[("left", 0), ("right", 0), ("front", 1), ("back", 1)]
        } else {
            &[("left", 0), ("right", 0)]
        };
        for &(set, comp) in walls {
            c.displacement_on_set(mesh, dofs, set, comp, 0.0).unwrap();
        }
        if drained_top {
            c.pressure_on_set(mesh, dofs, "top", 0.0).unwrap();
        }
        if let Some(uz) = top_uz(t) {
            c.displacement_on_set(mesh, dofs, "top", axial, uz).unwrap();
        }
        c
    };
    let mut force = vec![0.0; dofs.len()];
    if let TopLoad::Traction(q) = load {
        let mut t = [0.0; 3];
        t[axial] = -q;
        add_traction(mesh, ideal, dofs, "top", t, &mut force).unwrap();
    }
    let materials = vec![material; mesh.num_elements()];
    let pattern = &disc.assembler.pattern;
    let mut c_matrix = disc.new_values();
    let (mut a, mut a_unconstrained) = (disc.new_values(), disc.new_values());
    let vertex_at = |z: f64| {
        (0..mesh.num_nodes())
            .find(|&n| dofs.p(n).is_some() && (mesh.coords()[n][axial] - z).abs() < 1e-9)
            .expect("a vertex at that height")
    };
    let (base, mid) = (
        dofs.p(vertex_at(0.0)).unwrap(),
        dofs.p(vertex_at(0.5 * h)).unwrap(),
    );
    let top_node = mesh.set("top").unwrap().nodes[0];
    let base_uz: Vec<usize> = mesh
        .set("bottom")
        .unwrap()
        .nodes
        .iter()
        .map(|&n| dofs.u(n, axial))
        .collect();

    let mut x = vec![0.0; dofs.len()];
    let mut samples = Vec::new();
    let mut current: Option<(f64, Factorization, callus_fem::bc::Lifting)> = None;
    for w in times.windows(2) {
        let (t0, t1) = (w[0], w[1]);
        let dt = t1 - t0;
        if current
            .as_ref()
            .is_none_or(|(d, _, _)| (d - dt).abs() > 1e-12 * dt)
        {
            disc.assemble_biot(&materials, dt, &mut a, &mut c_matrix)
                .unwrap();
            a_unconstrained.copy_from_slice(&a);
            let lifting = constraints(t1).apply_to_matrix(pattern, &mut a, dofs.kinds());
            current = Some((dt, disc.symbolic.factorize(&a).unwrap(), lifting));
        }
        let (_, factor, lifting) = current.as_ref().unwrap();
        let mut rhs = vec![0.0; dofs.len()];
        pattern.mul_vec(&c_matrix, &x, &mut rhs);
        for (r, f) in rhs.iter_mut().zip(&force) {
            *r += f;
        }
        lifting.apply_to_rhs(&constraints(t1), &mut rhs);
        factor.solve_in_place(&mut rhs);
        x = rhs;
        if outputs.iter().any(|&o| (o - t1).abs() < 1e-9 * o.max(1.0)) {
            let mut internal = vec![0.0; dofs.len()];
            pattern.mul_vec(&a_unconstrained, &x, &mut internal);
            samples.push(Sample {
                t: t1,
                p_base: x[base],
                p_mid: x[mid],
                settlement: -x[dofs.u(top_node, axial)],
                base_force: base_uz.iter().map(|&d| internal[d]).sum::<f64>(),
            });
        }
    }
    samples
}

/// MODEL.md §8 Terzaghi set (MOOSE poro_elasticity tests): h = 10, λ = 2, G = 3, K_f = 8, n = 0.1,
/// α = 0.6 (K_s = 10), k = 1.5, q = 1.
fn terzaghi_material() -> Biot {
    Biot::from_constituents(Elastic::from_lame(2.0, 3.0), 10.0, 8.0, 0.1, 1.5)
}

/// p(z, t) = (4p0/π) Σ (−1)^(k−1)/(2k−1) cos((2k−1)πz/2h) exp(−(2k−1)²π²ct/4h²), z from the base;
/// and the degree of consolidation U(t) = 1 − Σ 8/((2k−1)²π²) exp(−(2k−1)²π²ct/4h²).
fn terzaghi_exact(z: f64, t: f64) -> (f64, f64) {
    let (h, p0, c) = (10.0, 0.697_674_42, 13.953_488_37);
    let (mut p, mut u) = (0.0, 1.0);
    for k in 1..200 {
        let m = (2 * k - 1) as f64;
        let decay = (-m * m * PI * PI * c * t / (4.0 * h * h)).exp();
        p += 4.0 * p0 / PI * if k % 2 == 1 { 1.0 } else { -1.0 } / m
            * (m * PI * z / (2.0 * h)).cos()
            * decay;
        u -= 8.0 / (m * m * PI * PI) * decay;
    }
    (p, u)
}

fn check_terzaghi(mesh: &Mesh, ideal: Idealisation) {
    let m = terzaghi_material();
    let (h, q) = (10.0, 1.0);
    let h_a = m.skeleton.confined_modulus();
    let (w_drained, w_undrained) = (
        q * h / h_a,
        q * h / (h_a + m.alpha * m.alpha / m.inv_biot_modulus_per_mpa),
    );
    let outputs = [1.0, 2.0, 5.0, 10.0];
    // Backward Euler is first order: Δt up to 0.005 keeps the lag at t = 10 (p ≈ 0.028) under 1 %.
    let times = doubling_schedule(0.0, 10.0, 1e-4, 16, 0.005, &outputs);
    let samples = run_column(mesh, ideal, m, TopLoad::Traction(q), true, &times, &outputs);
    assert_eq!(samples.len(), 4);
    for s in samples {
        let (p0, u) = terzaghi_exact(0.0, s.t);
        let (p5, _) = terzaghi_exact(5.0, s.t);
        let u_num = (s.settlement - w_undrained) / (w_drained - w_undrained);
        eprintln!("{ideal:?} t = {:>4}: p(0) {:.6} vs {p0:.6}, p(5) {:.6} vs {p5:.6}, U {u_num:.6} vs {u:.6}", s.t, s.p_base, s.p_mid);
        for (num, exact, what) in [
            (s.p_base, p0, "p(z=0)"),
            (s.p_mid, p5, "p(z=5)"),
            (u_num, u, "U"),
        ] {
            assert!(
                (num - exact).abs() < 0.01 * exact,
                "{ideal:?} t = {}: {what} {num} vs {exact}",
                s.t
            );
        }
    }
}

#[test]
fn terzaghi_series_matches_the_table_of_model_md() {
    for (t, p0, p5, u) in [
        (0.1, 0.697674, 0.695747, 0.133290),
        (1.0, 0.616239, 0.454592, 0.421461),
        (10.0, 0.028401, 0.020083, 0.974084),
    ] {
        let (a, uu) = terzaghi_exact(0.0, t);
        let (b, _) = terzaghi_exact(5.0, t);
        assert!(
            (a - p0).abs() < 2e-6 && (b - p5).abs() < 2e-6 && (uu - u).abs() < 2e-6,
            "t = {t}: {a} {b} {uu}"
        );
    }
}

#[test]
fn terzaghi_consolidation_axisymmetric_column() {
    check_terzaghi(&column_2d(10.0, 1.0, 20), Idealisation::Axisymmetric);
}

#[test]
fn terzaghi_consolidation_3d_column() {
    check_terzaghi(&column_3d(10.0, 1.0, 20), Idealisation::ThreeD);
}

/// Undrained limit: with no drainage anywhere the fluid cannot leave, and the column responds with
/// the undrained confined modulus H_A + α²M at once: settlement q h / (H_A + α²M) and
/// p = αM q / (H_A + α²M) everywhere, at any time. Drained limit (top drained, t → ∞): settlement
/// q h / H_A and p → 0. Also K_u = K + α²M.
#[test]
fn drained_and_undrained_limits() {
    let m = terzaghi_material();
    let mesh = column_2d(10.0, 1.0, 10);
    let h_a = m.skeleton.confined_modulus();
    let m_biot = 1.0 / m.inv_biot_modulus_per_mpa;
    let undrained = 10.0 / (h_a + m.alpha * m.alpha * m_biot);
    let p0 = m.alpha * m_biot / (h_a + m.alpha * m.alpha * m_biot);
    let times = doubling_schedule(0.0, 100.0, 1.0, 4, 50.0, &[]);
    let sealed = run_column(
        &mesh,
        Idealisation::Axisymmetric,
        m,
        TopLoad::Traction(1.0),
        false,
        &times,
        &[1.0, 100.0],
    );
    for s in &sealed {
        assert!(
            (s.settlement - undrained).abs() < 1e-10 * undrained,
            "t = {}: {} vs {undrained}",
            s.t,
            s.settlement
        );
        assert!(
            (s.p_base - p0).abs() < 1e-10 && (s.p_mid - p0).abs() < 1e-10,
            "t = {}: p {} {} vs {p0}",
            s.t,
            s.p_base,
            s.p_mid
        );
    }
    let times = doubling_schedule(0.0, 1e4, 1e-3, 2, 500.0, &[]);
    let drained = run_column(
        &mesh,
        Idealisation::Axisymmetric,
        m,
        TopLoad::Traction(1.0),
        true,
        &times,
        &[1e4],
    );
    assert!(
        (drained[0].settlement - 10.0 / h_a).abs() < 1e-9 * 10.0 / h_a,
        "{} vs {}",
        drained[0].settlement,
        10.0 / h_a
    );
    assert!(drained[0].p_base.abs() < 1e-9);
    assert!(
        (m.undrained_bulk_modulus() - (m.skeleton.bulk_modulus() + m.alpha * m.alpha * m_biot))
            .abs()
            < 1e-12
    );
}

/// Confined ramp-and-hold (MODEL.md §7–8): granulation tissue (E = 0.2 MPa, ν = 0.167,
/// k = 1e-14 m⁴/Ns = 1e-2 mm⁴/Ns, incompressible constituents), h = 2 mm, a 0.25 mm step over a 60 s
/// ramp, then held. Closed form with τ = h²/(H_A k):
/// σ(t ≤ t0) = (H_A ε0/t0)[t + 2τ Σ (1 − e^(−n²π²t/τ))/(n²π²)], σ(∞) = H_A ε0.
#[test]
fn confined_ramp_and_hold_of_granulation_tissue() {
    let m = Biot::incompressible(
        Elastic {
            youngs_modulus_mpa: 0.2,
            poisson_ratio: 0.167,
        },
        1e-2,
    );
    let (h, depth, ramp, radius) = (2.0, 0.25, 60.0, 1.0);
    let h_a = m.skeleton.confined_modulus();
    let eps0 = depth / h;
    let tau = h * h / (h_a * m.mobility_mm4_per_ns);
    let series = |t: f64| {
        (1..2000)
            .map(|n| (n * n) as f64 * PI * PI)
            .map(|a| (1.0 - (-a * t / tau).exp()) / a)
            .sum::<f64>()
    };
    let peak = h_a * eps0 / ramp * (ramp + 2.0 * tau * series(ramp));
    let equilibrium = h_a * eps0;
    assert!(
        (peak * 1e3 - 168.5).abs() < 0.5 && (equilibrium * 1e3 - 26.8).abs() < 0.05,
        "the closed form gives MODEL.md's {peak} / {equilibrium}"
    );

    let mesh = column_2d(h, radius, 40);
    let mut times = doubling_schedule(0.0, ramp, 0.05, usize::MAX, 0.05, &[]);
    times.extend(
        doubling_schedule(ramp, 40.0 * tau, 0.05, 10, 2000.0, &[])
            .into_iter()
            .skip(1),
    );
    let end = *times.last().unwrap();
    let s = run_column(
        &mesh,
        Idealisation::Axisymmetric,
        m,
        TopLoad::Ramp { depth, ramp },
        true,
        &times,
        &[ramp, end],
    );
    let area = PI * radius * radius;
    let (sigma_peak, sigma_end) = (s[0].base_force / area, s[1].base_force / area);
    eprintln!(
        "ramp-and-hold: peak {:.2} kPa (closed form {:.2}), equilibrium {:.3} kPa ({:.3})",
        sigma_peak * 1e3,
        peak * 1e3,
        sigma_end * 1e3,
        equilibrium * 1e3
    );
    assert!((sigma_peak - peak).abs() < 0.02 * peak);
    assert!((sigma_end - equilibrium).abs() < 0.02 * equilibrium);
}
