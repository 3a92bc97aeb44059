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

use crate::bc::{Constraints, Lifting, PlateMotion, RigidPlate};
use crate::dofs::DofKind;
use crate::iterative::{IterativeParams, IterativeSolve};
use crate::pattern::{mul_vec, Matrix};
use crate::problem::Discretisation;
pub use crate::problem::Operators;
use crate::solver::Factorization;
use crate::FemError;

/// What the solves of a driver cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SolveStats {
    /// Numeric factorizations (direct) or preconditioner set-ups (iterative) done.
    pub factorizations: usize,
    /// Solves done.
    pub solves: usize,
    /// MINRES iterations over all solves (iterative path; 0 for direct solves).
    pub krylov_iterations: usize,
    /// Time in numeric factorizations or preconditioner set-ups (s), including the linear
    /// combination and the elimination.
    pub factorization_s: f64,
    /// Time in right-hand sides and solves (s).
    pub solve_s: f64,
}

impl std::ops::AddAssign for SolveStats {
    fn add_assign(&mut self, o: SolveStats) {
        self.factorizations += o.factorizations;
        self.solves += o.solves;
        self.krylov_iterations += o.krylov_iterations;
        self.factorization_s += o.factorization_s;
        self.solve_s += o.solve_s;
    }
}

/// How a driver solves its eliminated systems.
#[derive(Clone, Debug, Default)]
pub enum LinearSolver {
    /// Sparse LDLᵀ/Cholesky with the discretisation's METIS ordering ([`crate::solver`]).
    #[default]
    Direct,
    /// MINRES with the block preconditioner of [`crate::iterative`].
    Iterative(Box<IterativeSetup>),
}

impl LinearSolver {
    /// The solver of a scalar (diffusion, Laplace) problem of `unknowns` dofs: when `iterative`, the
    /// multigrid alone with the constants as near-null space (the null space of the
    /// conductance), else direct.
    pub fn for_scalar(iterative: bool, unknowns: usize) -> LinearSolver {
        if !iterative {
            return LinearSolver::Direct;
        }
        LinearSolver::Iterative(Box::new(IterativeSetup {
            modes: vec![vec![1.0; unknowns]],
            fixed_stress: None,
            params: IterativeParams::default(),
        }))
    }

    /// The same solver with MINRES stopping at `tolerance` of ‖b‖_{M⁻¹} (no change to a direct
    /// one).
    pub fn with_krylov_tolerance(mut self, tolerance: f64) -> LinearSolver {
        if let LinearSolver::Iterative(setup) = &mut self {
            setup.params.krylov.tolerance = tolerance;
        }
        self
    }
}

/// What the iterative path needs besides the matrix.
#[derive(Clone, Debug)]
pub struct IterativeSetup {
    /// The near-null space of the displacement block ([`crate::iterative::rigid_body_modes`]).
    pub modes: Vec<Vec<f64>>,
    /// For u–p: the fixed-stress pressure mass
    /// ([`Discretisation::assemble_fixed_stress`]); none for a displacement-only problem.
    pub fixed_stress: Option<Matrix>,
    /// Multigrid and MINRES parameters.
    pub params: IterativeParams,
}

/// A factorization, or a preconditioner with MINRES's buffers.
enum Solver<'d> {
    Direct(Factorization<'d>),
    Iterative {
        solve: Box<IterativeSolve>,
        x: Vec<f64>,
    },
}

/// A matrix with its prescribed dofs eliminated, factorized (or preconditioned), and the lifting that
/// turns loads into right-hand sides for any values of those dofs.
struct Eliminated<'d> {
    solver: Solver<'d>,
    lifting: Lifting,
}

impl<'d> Eliminated<'d> {
    /// Eliminates `constraints` from `system` (overwritten) and factorizes it (or sets up its
    /// preconditioner), into the buffers of `reuse` when given (same pattern, same constrained dofs;
    /// for the iterative path also the same operators at another Δt, which changes the pressure
    /// block alone: the displacement block's multigrid is kept).
    fn new(
        disc: &'d Discretisation,
        how: &LinearSolver,
        constraints: &Constraints,
        system: &mut Matrix,
        reuse: Option<Solver<'d>>,
    ) -> Result<Self, FemError> {
        let kinds = disc.dofs.kinds();
        let lifting = constraints.apply_to_matrix(&disc.assembler.pattern, system, kinds);
        let solver = match (how, reuse) {
            (LinearSolver::Direct, Some(Solver::Direct(mut f))) => {
                f.refactorize(system)?;
                Solver::Direct(f)
            }
            (LinearSolver::Direct, _) => Solver::Direct(disc.symbolic()?.factorize(system)?),
            // Same operators, new Δt: only the pressure block changed.
            (LinearSolver::Iterative(_), Some(Solver::Iterative { mut solve, x })) => {
                solve.refresh_pressure(system)?;
                Solver::Iterative { solve, x }
            }
            (LinearSolver::Iterative(setup), _) => Solver::Iterative {
                solve: Box::new(IterativeSolve::new(
                    system,
                    kinds,
                    disc.dofs.dim(),
                    &setup.modes,
                    setup.fixed_stress.as_ref(),
                    setup.params,
                )?),
                x: vec![0.0; kinds.len()],
            },
        };
        Ok(Eliminated { solver, lifting })
    }

    /// Turns the load `rhs` into the solution for the prescribed `constraints`; an iterative solve
    /// of `system` (the eliminated matrix) starts from `guess`. Returns the Krylov iterations.
    fn solve(
        &mut self,
        system: &Matrix,
        constraints: &Constraints,
        rhs: &mut [f64],
        guess: &[f64],
    ) -> Result<usize, FemError> {
        self.lifting.apply_to_rhs(constraints, rhs);
        match &mut self.solver {
            Solver::Direct(f) => {
                f.solve_in_place(rhs);
                Ok(0)
            }
            Solver::Iterative { solve, x } => {
                x.copy_from_slice(guess);
                for (d, v) in constraints.iter() {
                    x[d] = v;
                }
                let iterations = solve.solve(system, rhs, x)?;
                rhs.copy_from_slice(x);
                Ok(iterations)
            }
        }
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
    eliminated: Eliminated<'d>,
    system: Matrix,
    constraints: Constraints,
    last: Vec<f64>,
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
        Self::with_solver(disc, a, constraints, &LinearSolver::Direct)
    }

    /// As [`StaticSolve::new`], solving as `how` says.
    pub fn with_solver(
        disc: &'d Discretisation,
        a: &Matrix,
        constraints: Constraints,
        how: &LinearSolver,
    ) -> Result<Self, FemError> {
        let t = Instant::now();
        let mut system = a.clone();
        let eliminated = Eliminated::new(disc, how, &constraints, &mut system, None)?;
        Ok(StaticSolve {
            eliminated,
            system,
            constraints,
            last: vec![0.0; disc.dofs.len()],
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

    /// The solution for the load `f` (none: no load) and the prescribed values (an iterative solve
    /// starts from the last solution).
    pub fn solve(&mut self, f: Option<&[f64]>) -> Result<Vec<f64>, FemError> {
        let t = Instant::now();
        let mut x = match f {
            Some(f) => f.to_vec(),
            None => vec![0.0; self.last.len()],
        };
        self.stats.krylov_iterations +=
            self.eliminated
                .solve(&self.system, &self.constraints, &mut x, &self.last)?;
        self.last.copy_from_slice(&x);
        self.stats.solves += 1;
        self.stats.solve_s += t.elapsed().as_secs_f64();
        Ok(x)
    }
}

/// A rigid plate in a backward-Euler driver: its force, the constraints of its unit motion, and that
/// motion's response and reaction for the current factorization.
struct PlateDriver {
    plate: RigidPlate,
    force_n: f64,
    unit: Constraints,
    unit_response: Option<(Vec<f64>, f64)>,
    motion: PlateMotion,
}

impl PlateDriver {
    /// The body's reaction on the plate's rows in the state `x`: the internal forces A₀ x (the
    /// displacement rows of A(Δt), which Δt does not change), with the driver's supports.
    fn reaction(&self, a0: &Matrix, supports: &[(usize, f64)], x: &[f64]) -> f64 {
        let rows = &self.plate.rows;
        let on_rows: f64 = supports
            .iter()
            .filter(|&&(d, _)| rows.contains(d))
            .map(|&(d, k)| k * x[d])
            .sum();
        rows.force(a0, x) + on_rows
    }
}

/// Backward Euler on [`Operators`] with prescribed dofs (module docs), keeping the factorization of
/// the last Δt.
pub struct BackwardEuler<'d> {
    disc: &'d Discretisation,
    how: LinearSolver,
    operators: &'d Operators,
    constraints: Constraints,
    supports: Vec<(usize, f64)>,
    plate: Option<PlateDriver>,
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
            disc,
            how: LinearSolver::Direct,
            operators,
            constraints,
            supports: Vec::new(),
            plate: None,
            system: operators.a0.clone(),
            rhs: vec![0.0; disc.dofs.len()],
            current: None,
            stats: SolveStats::default(),
        }
    }

    /// Solves as `how` says (default: direct).
    pub fn with_solver(mut self, how: LinearSolver) -> Self {
        self.how = how;
        self
    }

    /// Adds constant diagonal terms (dof, value) to every A(Δt), after the combination and before
    /// the elimination: elastic supports such as [`crate::bc::spring_to_ground`].
    pub fn with_supports(mut self, supports: Vec<(usize, f64)>) -> Self {
        self.supports = supports;
        self
    }

    /// Ties the dofs of `plate` into one rigid motion ([`RigidPlate`]), pushed from the next step
    /// on by the force of [`BackwardEuler::push_plate`] (0 N until then). A dof that is also
    /// prescribed (a plate on a clamped set) is refused, naming its node.
    pub fn with_rigid_plate(mut self, plate: RigidPlate) -> Result<Self, FemError> {
        if let Some(&d) = plate
            .rows
            .dofs()
            .iter()
            .find(|&&d| self.constraints.holds(d))
        {
            return Err(FemError::Invalid(format!(
                "node {} is both held by a boundary condition and tied to a rigid plate; \
                 give the plate a set that is not prescribed along its axis",
                self.disc.dofs.node_of(d)
            )));
        }
        for &d in plate.rows.dofs() {
            self.constraints.set(d, 0.0);
        }
        let mut unit = Constraints::new();
        for (d, _) in self.constraints.iter() {
            unit.set(d, 0.0);
        }
        for &d in plate.rows.dofs() {
            unit.set(d, 1.0);
        }
        self.plate = Some(PlateDriver {
            plate,
            force_n: 0.0,
            unit,
            unit_response: None,
            motion: PlateMotion::default(),
        });
        Ok(self)
    }

    /// The force (N, along the plate's component) on the rigid plate from the next step on.
    pub fn push_plate(&mut self, force_n: f64) {
        self.plate.as_mut().expect("a rigid plate").force_n = force_n;
    }

    /// The rigid plate's motion after the last step (none without a plate).
    pub fn plate_motion(&self) -> Option<PlateMotion> {
        self.plate.as_ref().map(|p| p.motion)
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
            let pattern = &self.disc.assembler.pattern;
            for &(d, v) in &self.supports {
                let k = pattern.find(d, d).expect("diagonal in pattern");
                self.system.data_mut()[k] += v;
            }
            let reuse = self.current.take().map(|(_, e)| e.solver);
            let eliminated = Eliminated::new(
                self.disc,
                &self.how,
                &self.constraints,
                &mut self.system,
                reuse,
            )?;
            self.current = Some((dt, eliminated));
            if let Some(p) = &mut self.plate {
                p.unit_response = None;
            }
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
        let load_on_plate = match (&self.plate, f) {
            (Some(p), Some(f)) => p.plate.rows.dofs().iter().map(|&d| f[d]).sum(),
            _ => 0.0,
        };
        let (_, eliminated) = self.current.as_mut().expect("factorized above");
        self.stats.krylov_iterations +=
            eliminated.solve(&self.system, &self.constraints, &mut self.rhs, x)?;
        self.stats.solves += 1;
        if let Some(p) = &mut self.plate {
            if p.unit_response.is_none() {
                let mut unit = vec![0.0; self.rhs.len()];
                self.stats.krylov_iterations +=
                    eliminated.solve(&self.system, &p.unit, &mut unit, x)?;
                self.stats.solves += 1;
                let reaction = p.reaction(&self.operators.a0, &self.supports, &unit);
                p.unit_response = Some((unit, reaction));
            }
            let (unit, unit_reaction) = p.unit_response.as_ref().expect("made above");
            // R(x⁰) is the internal force less the load applied on the plate's rows.
            let base_reaction =
                p.reaction(&self.operators.a0, &self.supports, &self.rhs) - load_on_plate;
            let u = (p.force_n - base_reaction) / (unit_reaction + p.plate.support_n_per_mm);
            for (xi, ui) in self.rhs.iter_mut().zip(unit) {
                *xi += u * ui;
            }
            p.motion = PlateMotion {
                displacement_mm: u,
                body_force_n: base_reaction + u * unit_reaction,
                support_force_n: u * p.plate.support_n_per_mm,
            };
        }
        self.stats.solve_s += t.elapsed().as_secs_f64();
        if let Some(dof) = self.rhs.iter().position(|v| !v.is_finite()) {
            return Err(FemError::NotFinite {
                node: self.disc.dofs.node_of(dof),
                unknown: match self.disc.dofs.kinds()[dof] {
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
