//! The mechanics of a day on the current configuration (MODEL.md §1, §5, §6): the poroelastic
//! transient of a distraction step, the physiological load cycle, and the drained stiffness test.
//!
//! Boundary conditions (names from the scenario's `[boundary]`): the fixed set is clamped; the moving
//! set is held laterally and moved along the bone axis (+z; +y in 2D) by the step, or, for the load
//! cycle, left free axially on a spring to ground (the fixator) and pushed; the drained sets have
//! p = 0; in axisymmetry u_r = 0 on the axis. Each solve is an increment from the configuration of
//! the mesh it is given: the displacement starts from zero, the pore pressure from what the previous
//! step left.
//!
//! The transients run on callus-fem's backward-Euler driver
//! ([`callus_fem::integrate::BackwardEuler`]): the operators are assembled once per step
//! (configuration and tissue), a new Δt costs a linear combination and a numeric refactorization.
//! [`Mechanics`] holds what depends on the connectivity only; the mesh (the one current
//! configuration of the run) is an argument of every solve.

use std::time::Instant;

use rayon::prelude::*;

use callus_bio::stimulus::{Envelope, MechanicalState};
use callus_fem::bc::{
    add_traction, spring_to_ground, Constraints, ReactionRows, RigidPlate, Spring,
};
use callus_fem::dofs::DofKind;
use callus_fem::dofs::Fields;
use callus_fem::integrate::{
    BackwardEuler, IterativeSetup, LinearSolver, Operators, SolveStats, StaticSolve,
};
use callus_fem::iterative::{rigid_body_modes, IterativeParams};
use callus_fem::material::Biot;
use callus_fem::pattern::Matrix;
use callus_fem::post::PointState;
use callus_fem::problem::{doubling_schedule, Discretisation};
use callus_fem::stepping::{AdaptiveParams, AdaptiveSchedule, TimeLevels, Verdict};
use callus_fem::{FemError, Idealisation};
use callus_mesh::Mesh;

use crate::materials::Materials;
use crate::protocol::Step;
use crate::scenario::{Boundary, LoadPath};

/// Time stepping of a distraction step's transient: Δt starts at `first_s` and grows up to
/// `max_s`, adaptively (from an error estimate, [`callus_fem::stepping`]) when `tolerance` is
/// given, else doubling every `steps_per_level` steps; it is cut to land on the end of the ramp.
/// The defaults are the built-in scenario's (`[numerics]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stepping {
    /// First Δt (s): 6 s, a tenth of the default 60 s ramp.
    pub first_s: f64,
    /// Steps before Δt doubles, without a tolerance: 4.
    pub steps_per_level: usize,
    /// Largest Δt (s): 3600 s.
    pub max_s: f64,
    /// Adaptive stepping's local error per step, relative to the largest pore pressure: 0.02.
    pub tolerance: Option<f64>,
}

impl Default for Stepping {
    fn default() -> Self {
        Stepping {
            first_s: 6.0,
            steps_per_level: 4,
            max_s: 3600.0,
            tolerance: Some(0.02),
        }
    }
}

impl Stepping {
    /// The time levels of a transient from 0 to `end_s` that lands on `marks` (s; the forcing
    /// changes its rate there), starting from the state `x0` of a problem with dofs `kinds`.
    fn levels(&self, end_s: f64, marks: &[f64], kinds: &[DofKind], x0: &[f64]) -> TimeLevels {
        match self.tolerance {
            Some(tolerance) => {
                let params = AdaptiveParams {
                    first_s: self.first_s,
                    max_s: self.max_s,
                    tolerance,
                };
                TimeLevels::Adaptive(AdaptiveSchedule::new(
                    params,
                    (0.0, end_s),
                    marks,
                    &[],
                    kinds,
                    x0,
                ))
            }
            None => TimeLevels::listed(doubling_schedule(
                0.0,
                end_s,
                self.first_s,
                self.steps_per_level,
                self.max_s,
                marks,
            )),
        }
    }
}

/// How the mechanics solves its linear systems.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SolverChoice {
    /// Sparse LDLᵀ/Cholesky with METIS ([`callus_fem::solver`]).
    #[default]
    Direct,
    /// MINRES with a multigrid block preconditioner ([`callus_fem::iterative`]).
    Iterative,
    /// Direct while the u–p factor has fewer than [`ITERATIVE_FROM_FACTOR_ENTRIES`] entries,
    /// iterative from there on.
    Auto,
}

/// [`SolverChoice::Auto`] solves iteratively when the LDLᵀ factor of the u–p matrix would hold this
/// many entries (12 GB, half of the 24 GiB machine of benches/README.md): the direct path is faster
/// wherever it fits (measured up to 416k dofs), and its factor grows faster than the unknowns (3D
/// default geometry: 435 M entries at 236k dofs, 906 M at 416k), so that a 1M-dof model fits only
/// iteratively, whose memory is linear (about 15 kB per dof).
pub const ITERATIVE_FROM_FACTOR_ENTRIES: usize = 1_500_000_000;

/// Where the time goes (s), for the run's report.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Timings {
    /// Assembling matrices and load vectors.
    pub assembly_s: f64,
    /// Numeric factorizations.
    pub factorization_s: f64,
    /// Triangular solves.
    pub solve_s: f64,
    /// Element states, envelopes and reactions.
    pub postprocessing_s: f64,
    /// Numeric factorizations done.
    pub factorizations: usize,
    /// Solves done.
    pub solves: usize,
    /// Adaptive time steps rejected and redone.
    #[serde(default)]
    pub rejected_steps: usize,
    /// MINRES iterations of the iterative solves (0 when every solve is direct).
    #[serde(default)]
    pub krylov_iterations: usize,
}

impl Timings {
    fn add_solves(&mut self, s: SolveStats) {
        self.factorization_s += s.factorization_s;
        self.solve_s += s.solve_s;
        self.factorizations += s.factorizations;
        self.solves += s.solves;
        self.krylov_iterations += s.krylov_iterations;
    }
}

impl std::ops::AddAssign for Timings {
    fn add_assign(&mut self, o: Timings) {
        self.assembly_s += o.assembly_s;
        self.postprocessing_s += o.postprocessing_s;
        self.rejected_steps += o.rejected_steps;
        self.add_solves(SolveStats {
            factorizations: o.factorizations,
            solves: o.solves,
            krylov_iterations: o.krylov_iterations,
            factorization_s: o.factorization_s,
            solve_s: o.solve_s,
        });
    }
}

/// The state a distraction step starts from.
#[derive(Clone, Copy, Debug)]
pub struct StepStart<'a> {
    /// Pore pressure per node left by the previous step (MPa).
    pub pressure_mpa: &'a [f64],
    /// Effective stress per element carried from earlier steps (pre-traction), if any (MPa).
    pub prestress_mpa: Option<&'a [[[f64; 3]; 3]]>,
}

/// The physiological load cycle (MODEL.md §5): a compressive axial load on the moving segment,
/// carried by the construct in parallel with the fixator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AxialLoad {
    /// Compressive load (N).
    pub load_n: f64,
    /// Axial stiffness of the fixator (N/mm): a spring to ground.
    pub fixator_stiffness_n_per_mm: f64,
    /// Loading time (s), in [`AxialLoad::STEPS`] backward-Euler steps from rest.
    pub ramp_s: f64,
    /// How the load and the fixator reach the bone.
    pub path: LoadPath,
}

impl AxialLoad {
    /// Backward-Euler steps of the loading ramp.
    pub const STEPS: usize = 5;
}

/// What one distraction step leaves.
pub struct StepOutcome {
    /// Per element, the envelope of its states over the step.
    pub peak: Vec<Envelope>,
    /// Per element, the state at the end of the step (just before the next).
    pub relaxed: Vec<MechanicalState>,
    /// Per node, the displacement of the step (mm).
    pub displacement: Vec<[f64; 3]>,
    /// Per node, the pore pressure at the end (MPa; 0 on mid-side nodes).
    pub pressure: Vec<f64>,
    /// Per element, the effective stress at the end (MPa).
    pub effective_stress: Vec<[[f64; 3]; 3]>,
    /// (time since the step began (s), distraction force (N, tension positive)) at each time level.
    pub forces: Vec<(f64, f64)>,
}

impl StepOutcome {
    /// Scales the strains of the step's states (peak and relaxed) by `factor`, the other
    /// measures kept: the increment of a part of the step.
    pub fn scale_strains(&mut self, factor: f64) {
        self.peak.iter_mut().for_each(|e| e.scale_strain(factor));
        self.relaxed.iter_mut().for_each(|s| s.scale_strain(factor));
    }
}

/// What one load cycle leaves.
pub struct LoadOutcome {
    /// Per element, the envelope of its states over the loading.
    pub peak: Vec<Envelope>,
    /// Per node, the displacement at the peak of the load (mm).
    pub displacement: Vec<[f64; 3]>,
}

/// Drained stiffness of the construct.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stiffness {
    /// Axial (N/mm).
    pub axial_n_per_mm: f64,
    /// Torsional about the bone axis (N·mm/rad), 3D only.
    pub torsion_nmm_per_rad: Option<f64>,
}

/// The mechanics problems on the connectivity of the current mesh: Biot u–p and drained elasticity.
pub struct Mechanics {
    biot: Discretisation,
    elastic: Discretisation,
    boundary: Boundary,
    ideal: Idealisation,
    stepping: Stepping,
    solver: SolverChoice,
    /// The Biot operators, re-assembled for every step and load cycle.
    operators: Operators,
    /// The drained stiffness, re-assembled for every stiffness test.
    stiffness: Matrix,
    /// Time spent so far.
    pub timings: Timings,
}

/// How the rule reads the fluid velocity of an element: `divisor[e]` divides the Darcy flux.
fn to_mechanical(states: &[PointState], divisor: &[f64]) -> Vec<MechanicalState> {
    states
        .iter()
        .zip(divisor)
        .map(|(s, &n)| MechanicalState::from_point(s, n))
        .collect()
}

/// Takes each element's state (read through `divisor`, as [`to_mechanical`]) into its envelope, in
/// parallel.
fn absorb(peak: &mut [Envelope], states: &[PointState], divisor: &[f64]) {
    peak.par_iter_mut()
        .zip(states)
        .zip(divisor)
        .for_each(|((env, s), &n)| env.absorb(&MechanicalState::from_point(s, n)));
}

impl Mechanics {
    /// Unknowns of the u–p system: displacement components on every node and the pore pressure
    /// on every vertex (Taylor–Hood).
    pub fn dofs(&self) -> usize {
        self.biot.dofs.len()
    }

    /// Sets up both problems on the connectivity of `mesh`.
    pub fn new(
        mesh: &Mesh,
        ideal: Idealisation,
        boundary: &Boundary,
        stepping: Stepping,
        threads: usize,
    ) -> Result<Mechanics, FemError> {
        let biot = Discretisation::new(mesh, ideal, Fields::DisplacementPressure, threads)?;
        let elastic = Discretisation::new(mesh, ideal, Fields::Displacement, threads)?;
        Ok(Mechanics {
            operators: Operators::zeros(&biot.assembler.pattern),
            stiffness: elastic.zeros(),
            biot,
            elastic,
            boundary: boundary.clone(),
            ideal,
            stepping,
            solver: SolverChoice::Direct,
            timings: Timings::default(),
        })
    }

    /// Solves as `solver` says (default: direct).
    pub fn with_solver(mut self, solver: SolverChoice) -> Self {
        self.solver = solver;
        self
    }

    /// Whether the problems are solved iteratively ([`SolverChoice::Auto`] asks the u–p
    /// problem's symbolic analysis for the size of its factor).
    pub fn is_iterative(&self) -> Result<bool, FemError> {
        Ok(match self.solver {
            SolverChoice::Direct => false,
            SolverChoice::Iterative => true,
            SolverChoice::Auto => {
                self.biot.symbolic()?.factor_nnz() >= ITERATIVE_FROM_FACTOR_ENTRIES
            }
        })
    }

    /// How `disc` (the u–p problem when `biot` materials are given, else the elastic one) is
    /// solved on `mesh`: directly, or by MINRES with the rigid motions of `mesh` and, for u–p, the
    /// fixed-stress pressure mass of `biot`.
    fn linear_solver(
        &self,
        mesh: &Mesh,
        disc: &Discretisation,
        biot: Option<&[Biot]>,
    ) -> Result<LinearSolver, FemError> {
        if !self.is_iterative()? {
            return Ok(LinearSolver::Direct);
        }
        let fixed_stress = match biot {
            Some(materials) => {
                let mut fs = disc.zeros();
                disc.assemble_fixed_stress(mesh, materials, &mut fs)?;
                Some(fs)
            }
            None => None,
        };
        Ok(LinearSolver::Iterative(Box::new(IterativeSetup {
            modes: rigid_body_modes(mesh, &disc.dofs, self.ideal),
            fixed_stress,
            params: IterativeParams::default(),
        })))
    }

    fn axial(&self) -> usize {
        self.ideal.dim() - 1
    }

    /// Clamped fixed set, laterally held moving set (axially `moving_axial` if given, else free),
    /// axis, drained sets.
    fn constraints(
        &self,
        mesh: &Mesh,
        disc: &Discretisation,
        moving_axial: Option<f64>,
    ) -> Result<Constraints, FemError> {
        let b = &self.boundary;
        let mut bc = Constraints::new();
        if self.ideal == Idealisation::Axisymmetric {
            bc.axisymmetric_axis(mesh, &disc.dofs);
        }
        for c in 0..self.ideal.dim() {
            bc.displacement_on_set(mesh, &disc.dofs, &b.fixed_set, c, 0.0)?;
            if c != self.axial() {
                bc.displacement_on_set(mesh, &disc.dofs, &b.moving_set, c, 0.0)?;
            } else if let Some(v) = moving_axial {
                bc.displacement_on_set(mesh, &disc.dofs, &b.moving_set, c, v)?;
            }
        }
        if disc.dofs.fields() == Fields::DisplacementPressure {
            for set in &b.drained_sets {
                bc.pressure_on_set(mesh, &disc.dofs, set, 0.0)?;
            }
        }
        Ok(bc)
    }

    /// Assembles the Biot operators for `materials` on `mesh`.
    fn assemble(&mut self, mesh: &Mesh, materials: &Materials) -> Result<(), FemError> {
        let t = Instant::now();
        self.biot
            .assemble_biot(mesh, &materials.biot, &mut self.operators)?;
        self.timings.assembly_s += t.elapsed().as_secs_f64();
        Ok(())
    }

    /// One distraction step on `mesh` from `start`: the moving set pulled `step.amount_mm` along
    /// the bone axis over `step.ramp_s`, then held for the rest of `step.interval_s`.
    pub fn distraction_step(
        &mut self,
        mesh: &Mesh,
        materials: &Materials,
        step: &Step,
        start: StepStart,
    ) -> Result<StepOutcome, FemError> {
        self.assemble(mesh, materials)?;
        let moving = ReactionRows::on_set(
            mesh,
            &self.biot.dofs,
            &self.boundary.moving_set,
            self.axial(),
        )?;
        let mut load = vec![0.0; self.biot.dofs.len()];
        if let Some(prestress) = start.prestress_mpa {
            let t = Instant::now();
            self.biot.add_initial_stress(mesh, prestress, &mut load)?;
            self.timings.assembly_s += t.elapsed().as_secs_f64();
        }
        let held_by_prestress: f64 = moving.dofs().iter().map(|&d| load[d]).sum();
        let mut peak = vec![Envelope::default(); mesh.num_elements()];
        let mut x = self.initial_state(start.pressure_mpa);
        let mut levels =
            self.stepping
                .levels(step.interval_s, &[step.ramp_s], self.biot.dofs.kinds(), &x);
        let mut before = x.clone();
        let mut forces = Vec::new();
        let t = Instant::now();
        let map = self.biot.biot_state_map(mesh, &materials.biot)?;
        let mut states = vec![PointState::default(); mesh.num_elements()];
        let mut post_s = t.elapsed().as_secs_f64();
        let constraints = self.constraints(mesh, &self.biot, Some(0.0))?;
        let how = self.linear_solver(mesh, &self.biot, Some(&materials.biot))?;
        let mut stepper =
            BackwardEuler::new(&self.biot, &self.operators, constraints).with_solver(how);
        while let Some(dt) = levels.next_dt() {
            let t1 = levels.time() + dt;
            let u_axial = step.amount_mm * (t1 / step.ramp_s).min(1.0);
            for &d in moving.dofs() {
                stepper.prescribe(d, u_axial);
            }
            before.copy_from_slice(&x);
            stepper.step(dt, &mut x, Some(&load))?;
            if levels.judge(&x) == Verdict::Rejected {
                std::mem::swap(&mut x, &mut before);
                continue;
            }
            let t = Instant::now();
            forces.push((t1, moving.force(&self.operators.a0, &x) - held_by_prestress));
            self.biot.biot_states_into(&map, &x, &mut states);
            absorb(&mut peak, &states, &materials.velocity_divisor);
            post_s += t.elapsed().as_secs_f64();
        }
        let stats = stepper.stats;
        self.timings.add_solves(stats);
        self.timings.postprocessing_s += post_s;
        self.timings.rejected_steps += levels.rejected();
        Ok(StepOutcome {
            peak,
            relaxed: to_mechanical(&states, &materials.velocity_divisor),
            displacement: self.nodal_displacement(mesh, &x),
            pressure: (0..mesh.num_nodes())
                .map(|n| self.biot.dofs.p(n).map_or(0.0, |d| x[d]))
                .collect(),
            effective_stress: states.iter().map(|s| s.effective_stress_mpa).collect(),
            forces,
        })
    }

    /// The u–p state of the start of a step: no displacement yet, the nodal pressures given.
    fn initial_state(&self, pressure: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.biot.dofs.len()];
        for (n, &p) in pressure.iter().enumerate() {
            if let Some(d) = self.biot.dofs.p(n) {
                x[d] = p;
            }
        }
        x
    }

    /// One physiological load cycle (see [`AxialLoad`]) on `mesh`, from rest: the load ramped in
    /// [`AxialLoad::STEPS`] backward-Euler steps, carried by the construct in parallel with the
    /// fixator, through the pins ([`LoadPath::Pins`]: the pinned set as one rigid plate held by the
    /// fixator, a multi-point constraint, [`callus_fem::bc::RigidPlate`]) or as a uniform traction
    /// on the moving set with the fixator spread over it ([`LoadPath::EndFace`]).
    pub fn load_cycle(
        &mut self,
        mesh: &Mesh,
        materials: &Materials,
        load: &AxialLoad,
    ) -> Result<LoadOutcome, FemError> {
        self.assemble(mesh, materials)?;
        let axial = self.axial();
        let constraints = self.constraints(mesh, &self.biot, None)?;
        let how = self.linear_solver(mesh, &self.biot, Some(&materials.biot))?;
        let dt = load.ramp_s / AxialLoad::STEPS as f64;
        let stepper = BackwardEuler::new(&self.biot, &self.operators, constraints);
        // The load of a unit force (N) on the moving set: none through a plate (it takes its
        // force itself), or the traction's nodal forces.
        let (stepper, unit_load) = match load.path {
            LoadPath::Pins => {
                let plate = RigidPlate::on_set(
                    mesh,
                    &self.biot.dofs,
                    &self.boundary.pinned_set,
                    axial,
                    load.fixator_stiffness_n_per_mm,
                )?;
                (stepper.with_rigid_plate(plate)?, None)
            }
            LoadPath::EndFace => {
                let moving = &self.boundary.moving_set;
                let spring = Spring {
                    set: moving.clone(),
                    component: axial,
                    stiffness_n_per_mm: load.fixator_stiffness_n_per_mm,
                };
                let fixator = spring_to_ground(mesh, self.ideal, &self.biot.dofs, &spring)?;
                let mut unit = vec![0.0; self.biot.dofs.len()];
                let mut traction = [0.0; 3];
                traction[axial] = 1.0;
                add_traction(
                    mesh,
                    self.ideal,
                    &self.biot.dofs,
                    moving,
                    traction,
                    &mut unit,
                )?;
                let area: f64 = mesh
                    .set(moving)?
                    .nodes
                    .iter()
                    .map(|&n| unit[self.biot.dofs.u(n, axial)])
                    .sum();
                unit.iter_mut().for_each(|u| *u /= area);
                (stepper.with_supports(fixator), Some(unit))
            }
        };
        let mut stepper = stepper.with_solver(how);
        let mut peak = vec![Envelope::default(); mesh.num_elements()];
        let mut x = vec![0.0; self.biot.dofs.len()];
        let mut f = vec![0.0; x.len()];
        let t = Instant::now();
        let map = self.biot.biot_state_map(mesh, &materials.biot)?;
        let mut states = vec![PointState::default(); mesh.num_elements()];
        let mut post_s = t.elapsed().as_secs_f64();
        for k in 1..=AxialLoad::STEPS {
            let force_n = -load.load_n * k as f64 / AxialLoad::STEPS as f64;
            match &unit_load {
                None => {
                    stepper.push_plate(force_n);
                    stepper.step(dt, &mut x, None)?;
                }
                Some(unit) => {
                    for (fi, u) in f.iter_mut().zip(unit) {
                        *fi = force_n * u;
                    }
                    stepper.step(dt, &mut x, Some(&f))?;
                }
            }
            let t = Instant::now();
            self.biot.biot_states_into(&map, &x, &mut states);
            absorb(&mut peak, &states, &materials.velocity_divisor);
            post_s += t.elapsed().as_secs_f64();
        }
        let stats = stepper.stats;
        self.timings.add_solves(stats);
        self.timings.postprocessing_s += post_s;
        Ok(LoadOutcome {
            peak,
            displacement: self.nodal_displacement(mesh, &x),
        })
    }

    /// Per node, the displacement (mm) in the Biot solution `x`.
    fn nodal_displacement(&self, mesh: &Mesh, x: &[f64]) -> Vec<[f64; 3]> {
        (0..mesh.num_nodes())
            .map(|n| {
                let mut u = [0.0; 3];
                for (c, v) in u.iter_mut().enumerate().take(self.ideal.dim()) {
                    *v = x[self.biot.dofs.u(n, c)];
                }
                u
            })
            .collect()
    }

    /// The drained stiffness of the construct on `mesh` (MODEL.md §6): the moving set pushed
    /// axially towards the fixed one (and, in 3D, twisted about the bone axis, the z axis through
    /// x = y = 0), all other components of both ends held; stiffness = reaction / imposed motion.
    pub fn stiffness(&mut self, mesh: &Mesh, materials: &Materials) -> Result<Stiffness, FemError> {
        const SHORTENING_MM: f64 = 0.01;
        const TWIST_RAD: f64 = 0.01;
        let t = Instant::now();
        let disc = &self.elastic;
        disc.assemble_elastic(mesh, &materials.elastic, &mut self.stiffness)?;
        self.timings.assembly_s += t.elapsed().as_secs_f64();
        let axial = self.axial();
        let constraints = self.constraints(mesh, disc, Some(-SHORTENING_MM))?;
        let how = self.linear_solver(mesh, disc, None)?;
        let mut solve = StaticSolve::with_solver(disc, &self.stiffness, constraints, &how)?;
        let moving = ReactionRows::on_set(mesh, &disc.dofs, &self.boundary.moving_set, axial)?;
        let u = solve.solve(None)?;
        let force = moving.force(&self.stiffness, &u);
        let mut torsion_nmm_per_rad = None;
        if self.ideal == Idealisation::ThreeD {
            let nodes = &mesh.set(&self.boundary.moving_set)?.nodes;
            for &n in nodes {
                let x = mesh.coords()[n];
                solve.prescribe(disc.dofs.u(n, 0), -TWIST_RAD * x[1]);
                solve.prescribe(disc.dofs.u(n, 1), TWIST_RAD * x[0]);
                solve.prescribe(disc.dofs.u(n, 2), 0.0);
            }
            let u = solve.solve(None)?;
            let mut r = vec![0.0; u.len()];
            callus_fem::pattern::mul_vec(&self.stiffness, &u, &mut r);
            let torque: f64 = nodes
                .iter()
                .map(|&n| {
                    let x = mesh.coords()[n];
                    x[0] * r[disc.dofs.u(n, 1)] - x[1] * r[disc.dofs.u(n, 0)]
                })
                .sum();
            torsion_nmm_per_rad = Some(torque / TWIST_RAD);
        }
        self.timings.add_solves(solve.stats);
        Ok(Stiffness {
            axial_n_per_mm: -force / SHORTENING_MM,
            torsion_nmm_per_rad,
        })
    }
}
