//! Biot poroelasticity verification against closed forms (MODEL.md §8): Terzaghi consolidation in
//! axisymmetric and 3D columns, the drained and undrained limits, and the confined ramp-and-hold of
//! a granulation-tissue column. The column problem and the closed forms are
//! `callus_fem::verification` (shared with `callus validate`).
//!
//! Column: height h, base (z = 0) fixed axially and impermeable, lateral walls on rollers and
//! impermeable, top drained (p = 0) and loaded (a traction, or a prescribed displacement).

use std::f64::consts::PI;

use callus_fem::dofs::{DofMap, Fields};
use callus_fem::material::{Biot, Elastic};
use callus_fem::problem::doubling_schedule;
use callus_fem::stepping::{AdaptiveParams, AdaptiveSchedule, TimeLevels};
use callus_fem::verification::{
    column_3d, column_axisymmetric, ramp_and_hold_exact, run_column, terzaghi_constants,
    terzaghi_exact, ColumnRun, TopLoad,
};
use callus_fem::Idealisation;
use callus_mesh::Mesh;

/// MODEL.md §8 Terzaghi set (MOOSE poro_elasticity tests): h = 10, λ = 2, G = 3, K_f = 8, n = 0.1,
/// α = 0.6 (K_s = 10), k = 1.5, q = 1.
fn terzaghi_material() -> Biot {
    Biot::from_constituents(Elastic::from_lame(2.0, 3.0), 10.0, 8.0, 0.1, 1.5)
}

/// p(z, t) and U(t) for the MODEL.md set.
fn exact(z: f64, t: f64) -> (f64, f64) {
    let (c, p0) = terzaghi_constants(&terzaghi_material(), 1.0);
    terzaghi_exact(10.0, c, p0, z, t)
}

#[test]
fn terzaghi_constants_and_series_match_model_md() {
    let (c, p0) = terzaghi_constants(&terzaghi_material(), 1.0);
    assert!(
        (c - 13.953_488_37).abs() < 1e-7 && (p0 - 0.697_674_42).abs() < 1e-8,
        "c = {c}, p0 = {p0}"
    );
    for (t, p_0, p_5, u) in [
        (0.1, 0.697674, 0.695747, 0.133290),
        (1.0, 0.616239, 0.454592, 0.421461),
        (2.0, 0.445585, 0.315929, 0.592676),
        (5.0, 0.158836, 0.112314, 0.855064),
        (10.0, 0.028401, 0.020083, 0.974084),
    ] {
        let (a, uu) = exact(0.0, t);
        let (b, _) = exact(5.0, t);
        assert!(
            (a - p_0).abs() < 2e-6 && (b - p_5).abs() < 2e-6 && (uu - u).abs() < 2e-6,
            "t = {t}: {a} {b} {uu}"
        );
    }
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
    let samples = run_column(
        mesh,
        ideal,
        m,
        TopLoad::Traction(q),
        true,
        TimeLevels::listed(times),
        &outputs,
    )
    .unwrap()
    .samples;
    assert_eq!(samples.len(), 4);
    for s in samples {
        let (p0, u) = exact(0.0, s.t);
        let (p5, _) = exact(5.0, s.t);
        let u_num = (s.settlement - w_undrained) / (w_drained - w_undrained);
        eprintln!("{ideal:?} t = {:>4}: p(0) {:.6} vs {p0:.6}, p(5) {:.6} vs {p5:.6}, U {u_num:.6} vs {u:.6}", s.t, s.p_base, s.p_mid);
        for (num, reference, what) in [
            (s.p_base, p0, "p(z=0)"),
            (s.p_mid, p5, "p(z=5)"),
            (u_num, u, "U"),
        ] {
            assert!(
                (num - reference).abs() < 0.01 * reference,
                "{ideal:?} t = {}: {what} {num} vs {reference}",
                s.t
            );
        }
    }
}

/// Goal: adaptive backward Euler (callus_fem::stepping) on Terzaghi's problem converges as a
/// first-order method under error control should: the local error is ∝ Δt², so a tolerance four
/// times finer halves Δt and the global error (ratio 0.5 ± 0.15 between tolerances 0.02, 0.005
/// and 0.00125); the finest meets the 1 % of the fixed-schedule test above (pressures relative to
/// the initial pressure p0 of the series, and U); the simulation's default 0.02 takes under a tenth
/// of that schedule's steps.
/// Mesh: the axisymmetric column (h = 10 mm, 20 Quad9), MODEL.md §8 set, q = 1 MPa, boundary
/// conditions as above; Δt from 1e-4 s, at most 10 s; outputs t = 1, 2, 5, 10 s.
#[test]
fn terzaghi_consolidation_with_adaptive_steps_converges_with_the_tolerance() {
    let m = terzaghi_material();
    let mesh = column_axisymmetric(10.0, 1.0, 20).unwrap();
    let (h, q) = (10.0, 1.0);
    let h_a = m.skeleton.confined_modulus();
    let (w_drained, w_undrained) = (
        q * h / h_a,
        q * h / (h_a + m.alpha * m.alpha / m.inv_biot_modulus_per_mpa),
    );
    let (_, p0) = terzaghi_constants(&m, q);
    let outputs = [1.0, 2.0, 5.0, 10.0];
    let ideal = Idealisation::Axisymmetric;
    let run = |levels| {
        run_column(
            &mesh,
            ideal,
            m,
            TopLoad::Traction(q),
            true,
            levels,
            &outputs,
        )
        .unwrap()
    };
    // The schedule measures the pressure dofs of the column's dof map.
    let dofs = DofMap::new(&mesh, ideal.dim(), Fields::DisplacementPressure);
    let adaptive = |tolerance| {
        let params = AdaptiveParams {
            first_s: 1e-4,
            max_s: 10.0,
            tolerance,
        };
        let x0 = vec![0.0; dofs.len()];
        run(TimeLevels::Adaptive(AdaptiveSchedule::new(
            params,
            (0.0, 10.0),
            &[],
            &outputs,
            dofs.kinds(),
            &x0,
        )))
    };
    // Largest error over the outputs: pressures relative to p0, and U.
    let errors = |r: &ColumnRun| {
        assert_eq!(r.samples.len(), 4);
        r.samples.iter().fold((0.0_f64, 0.0_f64), |(ep, eu), s| {
            let (pb, u) = exact(0.0, s.t);
            let (pm, _) = exact(5.0, s.t);
            let u_num = (s.settlement - w_undrained) / (w_drained - w_undrained);
            let ep_here = (s.p_base - pb).abs().max((s.p_mid - pm).abs()) / p0;
            (ep.max(ep_here), eu.max((u_num - u).abs()))
        })
    };
    let fixed = run(TimeLevels::listed(doubling_schedule(
        0.0, 10.0, 1e-4, 16, 0.005, &outputs,
    )));
    let runs: Vec<(f64, ColumnRun)> = [0.02, 0.005, 0.00125]
        .into_iter()
        .map(|tol| (tol, adaptive(tol)))
        .collect();
    let mut previous: Option<(f64, f64)> = None;
    for (tol, r) in &runs {
        let (ep, eu) = errors(r);
        eprintln!(
            "tolerance {tol}: pressure error {ep:.5} p0, U error {eu:.5}; {} steps, {} factorizations (fixed schedule: {} steps, {})",
            r.steps, r.stats.factorizations, fixed.steps, fixed.stats.factorizations
        );
        if let Some((ep0, eu0)) = previous {
            assert!(
                (ep / ep0 - 0.5).abs() < 0.15,
                "pressure error ratio {}",
                ep / ep0
            );
            assert!((eu / eu0 - 0.5).abs() < 0.15, "U error ratio {}", eu / eu0);
        }
        previous = Some((ep, eu));
    }
    let (tol, finest) = &runs[2];
    let (ep, eu) = errors(finest);
    assert!(ep < 0.01 && eu < 0.01, "tolerance {tol}: {ep} {eu}");
    let (tol, default) = &runs[0];
    assert_eq!(*tol, 0.02);
    assert!(default.steps * 10 < fixed.steps);
}

#[test]
fn terzaghi_consolidation_axisymmetric_column() {
    check_terzaghi(
        &column_axisymmetric(10.0, 1.0, 20).unwrap(),
        Idealisation::Axisymmetric,
    );
}

#[test]
fn terzaghi_consolidation_3d_column() {
    check_terzaghi(&column_3d(10.0, 1.0, 20).unwrap(), Idealisation::ThreeD);
}

/// Undrained limit: with no drainage anywhere the fluid cannot leave, and the column responds with
/// the undrained confined modulus H_A + α²M at once: settlement q h / (H_A + α²M) and
/// p = αM q / (H_A + α²M) everywhere, at any time. Drained limit (top drained, t → ∞): settlement
/// q h / H_A and p → 0. Also K_u = K + α²M.
#[test]
fn drained_and_undrained_limits() {
    let m = terzaghi_material();
    let mesh = column_axisymmetric(10.0, 1.0, 10).unwrap();
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
        TimeLevels::listed(times),
        &[1.0, 100.0],
    )
    .unwrap()
    .samples;
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
        TimeLevels::listed(times),
        &[1e4],
    )
    .unwrap()
    .samples;
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
/// ramp, then held; τ = h²/(H_A k). Peak 168.5 kPa and equilibrium 26.8 kPa within 2 %.
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
    let peak = ramp_and_hold_exact(h_a, eps0, ramp, tau, ramp);
    let equilibrium = h_a * eps0;
    assert!(
        (peak * 1e3 - 168.5).abs() < 0.5 && (equilibrium * 1e3 - 26.8).abs() < 0.05,
        "the closed form gives MODEL.md's {peak} / {equilibrium}"
    );

    let mesh = column_axisymmetric(h, radius, 40).unwrap();
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
        TopLoad::Ramp {
            depth_mm: depth,
            ramp_s: ramp,
        },
        true,
        TimeLevels::listed(times),
        &[ramp, end],
    )
    .unwrap()
    .samples;
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
    assert!(
        (ramp_and_hold_exact(h_a, eps0, ramp, tau, end) - equilibrium).abs() < 1e-6 * equilibrium
    );
}
