//! Linear solves with prescribed dofs: a static problem ([`StaticSolve`]) and backward Euler for a
//! first-order system ([`BackwardEuler`]), one driver for every transient of callus (the
//! distraction steps and the load cycle of the simulation, the cell diffusion, the verification
//! problems of `callus validate`).
//!
//! Backward Euler for a linear first-order system, written for the unknowns x at t_{n+1}:
//!
//! ```text
//! A(Δt) x_{n+1} = C x_n + f_{n+1},    A(Δt) = A₀ + Δt·A₁
//! ```
//!
//! - Biot u–p (MODEL.md §1, pressure rows negated): A₀ = [K −Q; −Qᵀ −S], A₁ = [0 0; 0 −H],
//!   C = [0 0; −Qᵀ −S] ([`crate::problem::Discretisation::assemble_biot`]).
//! - Diffusion M ċ + K c = 0: A₀ = M, A₁ = K, C = M.
//!
//! A new Δt costs a linear combination and a numeric refactorization on the same symbolic analysis,
//! never an assembly; a factorization serves every step of the same Δt. The prescribed dofs are
//! eliminated symmetrically ([`crate::bc`]); their values may change from step to step (a ramp)
//! without a new factorization, since the lifting of the eliminated columns is kept.

use std::time::Instant;

use crate::bc::{Constraints, Lifting};
use crate::dofs::{DofKind, DofMap};
use crate::pattern::{mul_vec, Matrix};
use crate::problem::Discretisation;
pub use crate::problem::Operators;
use crate::solver::{Factorization, SymbolicFactorization};
use crate::FemError;

/// What the solves of a driver cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SolveStats {
    /// Numeric factorizations done.
    pub factorizations: usize,
    /// Solves done.
    pub solves: usize,
    /// Time in numeric factorizations (s), including the linear combination and the elimination.
    pub factorization_s: f64,
    /// Time in right-hand sides and triangular solves (s).
    pub solve_s: f64,
}

impl std::ops::AddAssign for SolveStats {
    fn add_assign(&mut self, o: SolveStats) {
        self.factorizations += o.factorizations;
        self.solves += o.solves;
        self.factorization_s += o.factorization_s;
        self.solve_s += o.solve_s;
    }
}

/// A matrix with its prescribed dofs eliminated, factorized, and the lifting that turns loads into
/// right-hand sides for any values of those dofs.
struct Eliminated<'d> {
    factor: Factorization<'d>,
    lifting: Lifting,
}

impl<'d> Eliminated<'d> {
    /// Eliminates `constraints` from `system` (overwritten) and factorizes it, into the buffers of
    /// `reuse` when given (same pattern, same constrained dofs).
    fn new(
        symbolic: &'d SymbolicFactorization,
        kinds: &[DofKind],
        constraints: &Constraints,
        system: &mut Matrix,
        reuse: Option<Factorization<'d>>,
    ) -> Result<Self, FemError> {
        let lifting = constraints.apply_to_matrix(symbolic.pattern(), system, kinds);
        let factor = match reuse {
            Some(mut f) => {
                f.refactorize(system)?;
                f
            }
            None => symbolic.factorize(system)?,
        };
        Ok(Eliminated { factor, lifting })
    }

    /// Turns the load `rhs` into the solution for the prescribed `constraints`.
    fn solve(&self, constraints: &Constraints, rhs: &mut [f64]) {
        self.lifting.apply_to_rhs(constraints, rhs);
        self.factor.solve_in_place(rhs);
    }
}

/// Checks that `dof` is prescribed by `constraints`, then gives it `value` (the set of prescribed
/// dofs is fixed with the factorization).
fn prescribe(constraints: &mut Constraints, dof: usize, value: f64) {
    assert!(
        constraints.holds(dof),
        "dof {dof} was not prescribed when the system was factorized"
    );
    constraints.set(dof, value);
}

/// A linear static problem A x = f with prescribed dofs, factorized once, solved for any load and
/// any values of the same prescribed dofs.
pub struct StaticSolve<'d> {
    system: Eliminated<'d>,
    unknowns: usize,
    constraints: Constraints,
    /// What the solves cost.
    pub stats: SolveStats,
}

impl<'d> StaticSolve<'d> {
    /// Factorizes `a` (unconstrained, on `disc`'s pattern; it is not changed) with the dofs of
    /// `constraints` prescribed.
    pub fn new(
        disc: &'d Discretisation,
        a: &Matrix,
        constraints: Constraints,
    ) -> Result<Self, FemError> {
        let t = Instant::now();
        let mut system = a.clone();
        let eliminated = Eliminated::new(
            &disc.symbolic,
            disc.dofs.kinds(),
            &constraints,
            &mut system,
            None,
        )?;
        Ok(StaticSolve {
            system: eliminated,
            unknowns: disc.dofs.len(),
            constraints,
            stats: SolveStats {
                factorizations: 1,
                factorization_s: t.elapsed().as_secs_f64(),
                ..SolveStats::default()
            },
        })
    }

    /// Gives the prescribed `dof` a new value (it must have been prescribed in [`StaticSolve::new`]).
    pub fn prescribe(&mut self, dof: usize, value: f64) {
        prescribe(&mut self.constraints, dof, value);
    }

    /// The solution for the load `f` (none: no load) and the prescribed values.
    pub fn solve(&mut self, f: Option<&[f64]>) -> Vec<f64> {
        let t = Instant::now();
        let mut x = match f {
            Some(f) => f.to_vec(),
            None => vec![0.0; self.unknowns],
        };
        self.system.solve(&self.constraints, &mut x);
        self.stats.solves += 1;
        self.stats.solve_s += t.elapsed().as_secs_f64();
        x
    }
}

/// Backward Euler on [`Operators`] with prescribed dofs (module docs), keeping the factorization of
/// the last Δt.
pub struct BackwardEuler<'d> {
    symbolic: &'d SymbolicFactorization,
    dofs: &'d DofMap,
    operators: &'d Operators,
    constraints: Constraints,
    supports: Vec<(usize, f64)>,
    system: Matrix,
    rhs: Vec<f64>,
    current: Option<(f64, Eliminated<'d>)>,
    /// What the solves cost.
    pub stats: SolveStats,
}

impl<'d> BackwardEuler<'d> {
    /// Backward Euler for `operators` (on `disc`'s pattern) with the dofs of `constraints`
    /// prescribed (their values may change between steps: [`BackwardEuler::prescribe`]).
    pub fn new(
        disc: &'d Discretisation,
        operators: &'d Operators,
        constraints: Constraints,
    ) -> BackwardEuler<'d> {
        BackwardEuler {
            symbolic: &disc.symbolic,
            dofs: &disc.dofs,
            operators,
            constraints,
            supports: Vec::new(),
            system: operators.a0.clone(),
            rhs: vec![0.0; disc.dofs.len()],
            current: None,
            stats: SolveStats::default(),
        }
    }

    /// Adds constant diagonal terms (dof, value) to every A(Δt), after the combination and before
    /// the elimination: elastic supports such as [`crate::bc::spring_to_ground`].
    pub fn with_supports(mut self, supports: Vec<(usize, f64)>) -> Self {
        self.supports = supports;
        self
    }

    /// Gives the prescribed `dof` a new value from the next step on (it must be prescribed).
    pub fn prescribe(&mut self, dof: usize, value: f64) {
        prescribe(&mut self.constraints, dof, value);
    }

    /// One step of `dt`: x (x_n on entry, of the system's size) becomes x_{n+1}, under the load
    /// f_{n+1} (none: no load). A solution that is not finite is an error naming its node
    /// ([`FemError::NotFinite`]), and leaves x as it was.
    pub fn step(&mut self, dt: f64, x: &mut Vec<f64>, f: Option<&[f64]>) -> Result<(), FemError> {
        let same_dt = matches!(&self.current, Some((d, _)) if (dt - d).abs() <= 1e-9 * dt);
        if !same_dt {
            let t = Instant::now();
            let ops = self.operators;
            for ((s, a), h) in self
                .system
                .data_mut()
                .iter_mut()
                .zip(ops.a0.data())
                .zip(ops.a1.data())
            {
                *s = a + dt * h;
            }
            let pattern = self.symbolic.pattern();
            for &(d, v) in &self.supports {
                let k = pattern.find(d, d).expect("diagonal in pattern");
                self.system.data_mut()[k] += v;
            }
            let reuse = self.current.take().map(|(_, e)| e.factor);
            let eliminated = Eliminated::new(
                self.symbolic,
                self.dofs.kinds(),
                &self.constraints,
                &mut self.system,
                reuse,
            )?;
            self.current = Some((dt, eliminated));
            self.stats.factorizations += 1;
            self.stats.factorization_s += t.elapsed().as_secs_f64();
        }
        let t = Instant::now();
        mul_vec(&self.operators.c, x, &mut self.rhs);
        if let Some(f) = f {
            for (r, l) in self.rhs.iter_mut().zip(f) {
                *r += l;
            }
        }
        let (_, eliminated) = self.current.as_ref().expect("factorized above");
        eliminated.solve(&self.constraints, &mut self.rhs);
        self.stats.solves += 1;
        self.stats.solve_s += t.elapsed().as_secs_f64();
        if let Some(dof) = self.rhs.iter().position(|v| !v.is_finite()) {
            return Err(FemError::NotFinite {
                node: self.dofs.node_of(dof),
                unknown: match self.dofs.kinds()[dof] {
                    DofKind::Displacement(_) => "displacement",
                    DofKind::Pressure => "pore pressure",
                    DofKind::Scalar => "the scalar field",
                },
                dt,
            });
        }
        std::mem::swap(x, &mut self.rhs);
        Ok(())
    }
}
