//! The verification problems of MODEL.md §8 as library code, so that the test suite and
//! `callus validate` run the same thing: a confined poroelastic column (Terzaghi consolidation,
//! ramp-and-hold, drained/undrained limits) and the Lamé thick-walled cylinder; with their closed forms.
//!
//! Column: height h along the last axis, base fixed axially and impermeable, lateral walls on
//! rollers and impermeable, top drained (optional) and loaded by a traction or a displacement ramp.

use std::f64::consts::PI;

use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{brick, rectangle, SolidElements};
use callus_mesh::Mesh;

use crate::bc::{add_normal_pressure, add_traction, Constraints, ReactionRows};
use crate::dofs::Fields;
use crate::integrate::{BackwardEuler, Operators, SolveStats, StaticSolve};
use crate::material::{Biot, Elastic};
use crate::problem::Discretisation;
use crate::stepping::{TimeLevels, Verdict};
use crate::{FemError, Idealisation};

/// What loads the top of the column.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TopLoad {
    /// Compressive traction q (MPa) from t > 0.
    Traction(f64),
    /// Downward displacement ramp to `depth_mm` over `ramp_s`, then held.
    Ramp {
        /// Final depth (mm).
        depth_mm: f64,
        /// Ramp duration (s).
        ramp_s: f64,
    },
}

/// The column's state at one output time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColumnSample {
    /// Time (s).
    pub t: f64,
    /// Pore pressure at the base (MPa).
    pub p_base: f64,
    /// Pore pressure at mid-height (MPa).
    pub p_mid: f64,
    /// Settlement of the top (mm, positive down).
    pub settlement: f64,
    /// Axial reaction at the base (N, positive in compression).
    pub base_force: f64,
}

/// A Quad9 axisymmetric column of radius `radius` (one element wide, `n` high).
pub fn column_axisymmetric(h: f64, radius: f64, n: usize) -> Result<Mesh, FemError> {
    Ok(elevate(
        &rectangle([0.0, radius], [0.0, h], 1, n)?,
        QuadraticQuad::Quad9,
    )?)
}

/// A Tet10 square column of side `side` (one cell wide, `n` high).
pub fn column_3d(h: f64, side: f64, n: usize) -> Result<Mesh, FemError> {
    Ok(elevate(
        &brick(
            [0.0, side],
            [0.0, side],
            [0.0, h],
            [1, 1, n],
            SolidElements::Tet,
        )?,
        QuadraticQuad::Quad9,
    )?)
}

/// A run of the column: its samples and what the solves cost.
#[derive(Clone, Debug)]
pub struct ColumnRun {
    /// The state at each output time reached.
    pub samples: Vec<ColumnSample>,
    /// Factorizations and solves (rejected adaptive steps included).
    pub stats: SolveStats,
    /// Time steps accepted.
    pub steps: usize,
}

/// Steps the column (from rest) through the time `levels` (listed, or adaptive with the outputs
/// among their marks) with the simulation's backward-Euler driver ([`BackwardEuler`]: one
/// factorization per Δt), and samples it at the `outputs` times.
pub fn run_column(
    mesh: &Mesh,
    ideal: Idealisation,
    material: Biot,
    load: TopLoad,
    drained_top: bool,
    mut levels: TimeLevels,
    outputs: &[f64],
) -> Result<ColumnRun, FemError> {
    let disc = Discretisation::new(mesh, ideal, Fields::DisplacementPressure, 1)?;
    let dofs = &disc.dofs;
    let axial = ideal.dim() - 1;
    let h = mesh.bounding_box().1[axial];
    let mut constraints = Constraints::new();
    constraints.displacement_on_set(mesh, dofs, "bottom", axial, 0.0)?;
    let walls: &[(&str, usize)] = if ideal == Idealisation::ThreeD {
        &[("left", 0), ("right", 0), ("front", 1), ("back", 1)]
    } else {
        &[("left", 0), ("right", 0)]
    };
    for &(set, comp) in walls {
        constraints.displacement_on_set(mesh, dofs, set, comp, 0.0)?;
    }
    if drained_top {
        constraints.pressure_on_set(mesh, dofs, "top", 0.0)?;
    }
    let top = ReactionRows::on_set(mesh, dofs, "top", axial)?;
    let mut force = vec![0.0; dofs.len()];
    match load {
        TopLoad::Traction(q) => {
            let mut t = [0.0; 3];
            t[axial] = -q;
            add_traction(mesh, ideal, dofs, "top", t, &mut force)?;
        }
        TopLoad::Ramp { .. } => {
            for &d in top.dofs() {
                constraints.set(d, 0.0);
            }
        }
    }
    let materials = vec![material; mesh.num_elements()];
    let mut operators = Operators::zeros(&disc.assembler.pattern);
    disc.assemble_biot(mesh, &materials, &mut operators)?;
    let vertex_at = |z: f64| {
        (0..mesh.num_nodes())
            .find(|&n| dofs.p(n).is_some() && (mesh.coords()[n][axial] - z).abs() < 1e-9 * h)
            .ok_or_else(|| FemError::Invalid(format!("the column has no vertex at height {z}")))
    };
    let (base, mid) = (
        dofs.p(vertex_at(0.0)?).unwrap(),
        dofs.p(vertex_at(0.5 * h)?).unwrap(),
    );
    let top_node = mesh.set("top")?.nodes[0];
    let base_rows = ReactionRows::on_set(mesh, dofs, "bottom", axial)?;

    let mut stepper = BackwardEuler::new(&disc, &operators, constraints);
    let mut x = vec![0.0; dofs.len()];
    let mut before = x.clone();
    let mut samples = Vec::new();
    let mut steps = 0;
    while let Some(dt) = levels.next_dt() {
        let t1 = levels.time() + dt;
        if let TopLoad::Ramp { depth_mm, ramp_s } = load {
            for &d in top.dofs() {
                stepper.prescribe(d, -depth_mm * (t1 / ramp_s).min(1.0));
            }
        }
        before.copy_from_slice(&x);
        stepper.step(dt, &mut x, Some(&force))?;
        if levels.judge(&x) == Verdict::Rejected {
            std::mem::swap(&mut x, &mut before);
            continue;
        }
        steps += 1;
        if outputs.iter().any(|&o| (o - t1).abs() < 1e-9 * o.max(1.0)) {
            samples.push(ColumnSample {
                t: t1,
                p_base: x[base],
                p_mid: x[mid],
                settlement: -x[dofs.u(top_node, axial)],
                // The displacement rows of A₀ are the forces (A₁ and C have none there).
                base_force: base_rows.force(&operators.a0, &x),
            });
        }
    }
    Ok(ColumnRun {
        samples,
        stats: stepper.stats,
        steps,
    })
}

/// Terzaghi's series for a column of height h with consolidation coefficient c and initial
/// pressure p0: p(z, t) (z from the impermeable base) and the degree of consolidation U(t).
pub fn terzaghi_exact(h: f64, c: f64, p0: f64, z: f64, t: f64) -> (f64, f64) {
    let (mut p, mut u) = (0.0, 1.0);
    for k in 1..400 {
        let m = (2 * k - 1) as f64;
        let decay = (-m * m * PI * PI * c * t / (4.0 * h * h)).exp();
        let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
        p += sign * 4.0 * p0 / PI / m * (m * PI * z / (2.0 * h)).cos() * decay;
        u -= 8.0 / (m * m * PI * PI) * decay;
    }
    (p, u)
}

/// Consolidation coefficient c = k / (1/M + α²/H_A) and initial pressure p0 = α q / (α² + H_A/M)
/// of a confined column under load q.
pub fn terzaghi_constants(m: &Biot, q: f64) -> (f64, f64) {
    let h_a = m.skeleton.confined_modulus();
    let c = m.mobility_mm4_per_ns / (m.inv_biot_modulus_per_mpa + m.alpha * m.alpha / h_a);
    let p0 = m.alpha * q / (m.alpha * m.alpha + h_a * m.inv_biot_modulus_per_mpa);
    (c, p0)
}

/// Confined ramp-and-hold closed form (incompressible constituents): total stress (MPa, compression
/// positive) at time t for a strain ε0 applied over t0 to a column with τ = h²/(H_A k).
pub fn ramp_and_hold_exact(h_a: f64, eps0: f64, t0: f64, tau: f64, t: f64) -> f64 {
    let series = |s: f64| {
        (1..4000)
            .map(|n| (n * n) as f64 * PI * PI)
            .map(|a| (1.0 - (-a * s / tau).exp()) / a)
            .sum::<f64>()
    };
    if t <= t0 {
        h_a * eps0 / t0 * (t + 2.0 * tau * series(t))
    } else {
        let relax: f64 = (1..4000)
            .map(|n| (n * n) as f64 * PI * PI)
            .map(|a| ((-a * (t - t0) / tau).exp() - (-a * t / tau).exp()) / a)
            .sum();
        h_a * eps0 / t0 * (t0 + 2.0 * tau * relax)
    }
}

/// Lamé: radial displacement (mm) of a thick-walled cylinder (radii a < b, internal pressure p,
/// plane strain ε_z = 0) at radius r: u_r = (1 + ν) p a² / (E (b² − a²)) · ((1 − 2ν) r + b²/r).
pub fn lame_exact(m: &Elastic, a: f64, b: f64, p: f64, r: f64) -> f64 {
    let (e, nu) = (m.youngs_modulus_mpa, m.poisson_ratio);
    (1.0 + nu) * p * a * a / (e * (b * b - a * a)) * ((1.0 - 2.0 * nu) * r + b * b / r)
}

/// Solves the Lamé cylinder on an axisymmetric n × 1 slice [a, b] × [0, 0.5] (Quad4, or quadratic
/// if `quad` is given) and returns the nodal radii and radial displacements.
pub fn lame_solve(
    m: &Elastic,
    a: f64,
    b: f64,
    p: f64,
    n: usize,
    quad: Option<QuadraticQuad>,
) -> Result<Vec<(f64, f64)>, FemError> {
    let mut mesh = rectangle([a, b], [0.0, 0.5], n, 1)?;
    if let Some(q) = quad {
        mesh = elevate(&mesh, q)?;
    }
    let ideal = Idealisation::Axisymmetric;
    let disc = Discretisation::new(&mesh, ideal, Fields::Displacement, 1)?;
    let mut k = disc.zeros();
    disc.assemble_elastic(&mesh, &vec![*m; mesh.num_elements()], &mut k)?;
    let mut f = vec![0.0; disc.dofs.len()];
    add_normal_pressure(&mesh, ideal, &disc.dofs, "left", p, &mut f)?;
    let mut axial = Constraints::new();
    for node in 0..mesh.num_nodes() {
        axial.set(disc.dofs.u(node, 1), 0.0);
    }
    let u = StaticSolve::new(&disc, &k, axial)?.solve(Some(&f))?;
    Ok((0..mesh.num_nodes())
        .map(|n| (mesh.coords()[n][0], u[disc.dofs.u(n, 0)]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: the ramp-and-hold closed form obeys what linear consolidation must: the stress after
    /// the ramp is the ramp's continued minus the same ramp started t0 later (superposition), the
    /// two branches meet at t0, and the hold relaxes to the drained H_A ε0.
    ///
    /// Parameters: H_A = 2 MPa, ε0 = 0.01, ramp t0 = 3 s, τ = 5 s; the continued ramp is the
    /// closed form's ramp branch with the same rate ε0/t0 over a longer ramp (100 s).
    #[test]
    fn ramp_and_hold_is_a_ramp_minus_a_later_ramp() {
        let (h_a, eps0, t0, tau) = (2.0, 0.01, 3.0, 5.0);
        let long = 100.0;
        let ramp = |s: f64| ramp_and_hold_exact(h_a, eps0 * long / t0, long, tau, s);
        for t in [3.5, 4.0, 7.0, 12.0, 30.0] {
            let hold = ramp_and_hold_exact(h_a, eps0, t0, tau, t);
            let superposed = ramp(t) - ramp(t - t0);
            assert!(
                (hold - superposed).abs() < 1e-12,
                "t = {t}: {hold} vs {superposed}"
            );
        }
        let at = ramp_and_hold_exact(h_a, eps0, t0, tau, t0);
        let after = ramp_and_hold_exact(h_a, eps0, t0, tau, t0 * (1.0 + f64::EPSILON));
        assert!((at - after).abs() < 1e-9 * at, "{at} vs {after}");
        let relaxed = ramp_and_hold_exact(h_a, eps0, t0, tau, 400.0 * tau);
        assert!((relaxed - h_a * eps0).abs() < 1e-12, "{relaxed}");
        assert!(
            at > 1.5 * h_a * eps0,
            "the ramp's peak {at} stands above the drained value"
        );
    }

    /// Goal: Terzaghi's constants from their formulas with every parameter distinct: c = k / (1/M +
    /// α²/H_A) does not depend on the load, p0 = α q / (α² + H_A/M) is proportional to it.
    ///
    /// Parameters: E = 3 MPa, ν = 0.2 (H_A = 10/3 MPa), α = 0.8, 1/M = 0.05 /MPa, k = 2 mm⁴/(N·s),
    /// q = 2.5 MPa: c = 2 / (0.05 + 0.64·0.3) = 2/0.242, p0 = 2 / (0.64 + 1/6).
    #[test]
    fn terzaghi_constants_by_hand() {
        let m = Biot {
            skeleton: Elastic {
                youngs_modulus_mpa: 3.0,
                poisson_ratio: 0.2,
            },
            alpha: 0.8,
            inv_biot_modulus_per_mpa: 0.05,
            mobility_mm4_per_ns: 2.0,
        };
        let (c, p0) = terzaghi_constants(&m, 2.5);
        assert!((c - 2.0 / 0.242).abs() < 1e-12 * c, "{c}");
        assert!((p0 - 2.0 / (0.64 + 1.0 / 6.0)).abs() < 1e-12, "{p0}");
        assert_eq!(terzaghi_constants(&m, 1.0).0, c);
    }

    /// Goal: the Lamé closed form meets its boundary conditions: with u_r(r) from `lame_exact`,
    /// σ_rr = λ (u_r' + u_r/r) + 2μ u_r' (plane strain) is −p at the bore r = a and 0 at the outer
    /// surface r = b (u_r = A r + B/r is in equilibrium for any A, B; the two conditions fix them).
    ///
    /// Parameters: E = 1000 MPa, ν = 0.3, a = 5 mm, b = 10 mm, p = 2.5 MPa; u_r' by central
    /// differences (h = 1e-4 mm).
    #[test]
    fn lame_closed_form_meets_its_boundary_tractions() {
        let m = Elastic {
            youngs_modulus_mpa: 1000.0,
            poisson_ratio: 0.3,
        };
        let (a, b, p) = (5.0, 10.0, 2.5);
        let (lambda, mu) = (m.lambda(), m.shear_modulus());
        let sigma_rr = |r: f64| {
            let h = 1e-4;
            let u = lame_exact(&m, a, b, p, r);
            let du = (lame_exact(&m, a, b, p, r + h) - lame_exact(&m, a, b, p, r - h)) / (2.0 * h);
            lambda * (du + u / r) + 2.0 * mu * du
        };
        assert!((sigma_rr(a) + p).abs() < 1e-6, "σ_rr(a) = {}", sigma_rr(a));
        assert!(sigma_rr(b).abs() < 1e-6, "σ_rr(b) = {}", sigma_rr(b));
    }
}
