//! The mechanics of a day on the current configuration (MODEL.md §1, §5, §6): the poroelastic
//! transient of a distraction step, the physiological load cycle, and the drained stiffness test.
//!
//! Boundary conditions (names from the scenario's `[boundary]`): the fixed set is clamped; the moving
//! set is held laterally and moved along the bone axis (+z; +y in 2D) by the step, or, for the load
//! cycle, left free axially on a spring to ground (the fixator) and pushed; the drained sets have
//! p = 0; in axisymmetry u_r = 0 on the axis. Each solve is an increment from the current
//! configuration: the displacement starts from zero, the pore pressure from what the previous step
//! left.
//!
//! Backward Euler (callus-fem's module docs): A(Δt) = A₀ + Δt·(A₁ − A₀), so a new Δt costs a
//! linear combination and a numeric refactorization on the same symbolic analysis, never an
//! assembly; both matrices are assembled once per step (configuration and tissue).

use callus_bio::stimulus::{Envelope, MechanicalState};
use callus_fem::bc::{add_spring_to_ground, add_traction, reaction, Constraints, Spring};
use callus_fem::dofs::Fields;
use callus_fem::material::{Biot, Elastic};
use callus_fem::post::PointState;
use callus_fem::problem::{doubling_schedule, Discretisation};
use callus_fem::solver::Factorization;
use callus_fem::{FemError, Idealisation};
use callus_mesh::Mesh;

use crate::scenario::Boundary;

/// Time stepping of a transient.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stepping {
    /// First Δt (s).
    pub first_s: f64,
    /// Steps before Δt doubles.
    pub steps_per_level: usize,
    /// Largest Δt (s).
    pub max_s: f64,
}

/// Where the time goes (s), for the run's report.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
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

/// The mechanics problems on the current mesh: Biot u–p and drained elasticity.
pub struct Mechanics {
    biot: Discretisation,
    elastic: Discretisation,
    boundary: Boundary,
    ideal: Idealisation,
    /// A₀ = A(Δt = 0), unconstrained (its displacement rows give reactions for every Δt).
    a0: Vec<f64>,
    /// A₁ − A₀ = −H on the pressure block.
    slope: Vec<f64>,
    /// The previous-state matrix C.
    c: Vec<f64>,
    scratch: Vec<f64>,
    /// Time spent so far.
    pub timings: Timings,
}

/// How the rule reads the fluid velocity of an element: `porosity[e]` divides the Darcy flux (1 for
/// the flux itself).
fn to_mechanical(states: &[PointState], porosity: &[f64]) -> Vec<MechanicalState> {
    states
        .iter()
        .zip(porosity)
        .map(|(s, &n)| MechanicalState::from_point(s, n))
        .collect()
}

fn clock() -> std::time::Instant {
    std::time::Instant::now()
}

impl Mechanics {
    /// Sets up both problems on `mesh` (its connectivity and current node positions).
    pub fn new(
        mesh: &Mesh,
        ideal: Idealisation,
        boundary: &Boundary,
        threads: usize,
    ) -> Result<Mechanics, FemError> {
        let biot = Discretisation::new(mesh, ideal, Fields::DisplacementPressure, threads)?;
        let elastic = Discretisation::new(mesh, ideal, Fields::Displacement, threads)?;
        let n = biot.new_values();
        Ok(Mechanics {
            a0: n.clone(),
            slope: n.clone(),
            c: n.clone(),
            scratch: n,
            biot,
            elastic,
            boundary: boundary.clone(),
            ideal,
            timings: Timings::default(),
        })
    }

    /// Moves the nodes (mm) to the current configuration.
    pub fn set_coords(&mut self, coords: &[[f64; 3]]) -> Result<(), FemError> {
        self.biot.set_coords(coords)?;
        self.elastic.set_coords(coords)
    }

    /// The mesh in its current configuration.
    pub fn mesh(&self) -> &Mesh {
        self.biot.mesh()
    }

    fn axial(&self) -> usize {
        self.ideal.dim() - 1
    }

    /// Clamped fixed set, laterally held moving set (axially `moving_axial` if given, else free),
    /// axis, drained sets.
    fn constraints(
        &self,
        disc: &Discretisation,
        moving_axial: Option<f64>,
    ) -> Result<Constraints, FemError> {
        let mesh = disc.mesh();
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

    /// Assembles A₀, A₁ − A₀ and C for `materials` on the current configuration.
    fn assemble(&mut self, materials: &[Biot]) -> Result<(), FemError> {
        let t = clock();
        self.biot
            .assemble_biot(materials, 0.0, &mut self.a0, &mut self.c)?;
        // C does not depend on Δt: the second one lands in the scratch, overwritten later anyway.
        self.biot
            .assemble_biot(materials, 1.0, &mut self.slope, &mut self.scratch)?;
        for (s, a) in self.slope.iter_mut().zip(&self.a0) {
            *s -= a;
        }
        self.timings.assembly_s += t.elapsed().as_secs_f64();
        Ok(())
    }

    fn initial_state(&self, pressure: &[f64]) -> Vec<f64> {
        let mut x = vec![0.0; self.biot.dofs.len()];
        for (n, &p) in pressure.iter().enumerate() {
            if let Some(d) = self.biot.dofs.p(n) {
                x[d] = p;
            }
        }
        x
    }

    /// One distraction step of `amount_mm`, ramped over `ramp_s` and held to `interval_s`, from the
    /// nodal pore pressure `pressure` left by the previous step, with an optional carried effective
    /// stress per element (pre-traction). `porosity[e]` turns fluxes into the velocities the rule reads.
    #[allow(clippy::too_many_arguments)]
    pub fn distraction_step(
        &mut self,
        materials: &[Biot],
        porosity: &[f64],
        amount_mm: f64,
        ramp_s: f64,
        interval_s: f64,
        stepping: Stepping,
        pressure: &[f64],
        prestress: Option<&[[[f64; 3]; 3]]>,
    ) -> Result<StepOutcome, FemError> {
        self.assemble(materials)?;
        let times = doubling_schedule(
            0.0,
            interval_s,
            stepping.first_s,
            stepping.steps_per_level,
            stepping.max_s,
            &[ramp_s],
        );
        let mut bc = self.constraints(&self.biot, Some(0.0))?;
        let moving: Vec<usize> = self
            .mesh()
            .set(&self.boundary.moving_set)?
            .nodes
            .iter()
            .map(|&n| self.biot.dofs.u(n, self.axial()))
            .collect();
        let mut load = vec![0.0; self.biot.dofs.len()];
        if let Some(s) = prestress {
            let t = clock();
            self.biot.add_initial_stress(s, &mut load)?;
            self.timings.assembly_s += t.elapsed().as_secs_f64();
        }
        let held_by_prestress: f64 = moving.iter().map(|&d| load[d]).sum();
        let n_el = self.mesh().num_elements();
        let mut peak = vec![Envelope::default(); n_el];
        let mut x = self.initial_state(pressure);
        let mut rhs = vec![0.0; x.len()];
        let mut forces = Vec::with_capacity(times.len());
        let mut last_states = Vec::new();
        let pattern = &self.biot.assembler.pattern;
        let kinds = self.biot.dofs.kinds();
        let mut factor: Option<Factorization> = None;
        let mut lifting = None;
        let mut current_dt = f64::NAN;
        for w in times.windows(2) {
            let (t1, dt) = (w[1], w[1] - w[0]);
            let same_dt = (dt - current_dt).abs() <= 1e-9 * dt; // false for the first (NaN)
            if !same_dt {
                let t = clock();
                for ((s, a), h) in self.scratch.iter_mut().zip(&self.a0).zip(&self.slope) {
                    *s = a + dt * h;
                }
                lifting = Some(bc.apply_to_matrix(pattern, &mut self.scratch, kinds));
                match &mut factor {
                    None => factor = Some(self.biot.symbolic.factorize(&self.scratch)?),
                    Some(f) => f.refactorize(&self.scratch)?,
                }
                self.timings.factorization_s += t.elapsed().as_secs_f64();
                self.timings.factorizations += 1;
                current_dt = dt;
            }
            let t = clock();
            let u_axial = amount_mm * (t1 / ramp_s).min(1.0);
            for &d in &moving {
                bc.set(d, u_axial);
            }
            pattern.mul_vec(&self.c, &x, &mut rhs);
            for (r, l) in rhs.iter_mut().zip(&load) {
                *r += l;
            }
            lifting
                .as_ref()
                .expect("set with the factor")
                .apply_to_rhs(&bc, &mut rhs);
            factor
                .as_ref()
                .expect("factorized above")
                .solve_in_place(&mut rhs);
            std::mem::swap(&mut x, &mut rhs);
            self.timings.solve_s += t.elapsed().as_secs_f64();
            self.timings.solves += 1;

            let t = clock();
            let force = reaction(
                pattern,
                &self.a0,
                &x,
                &self.biot.dofs,
                self.biot.mesh(),
                &self.boundary.moving_set,
                self.axial(),
            )? - held_by_prestress;
            forces.push((t1, force));
            let states = self.biot.biot_element_states(materials, &x)?;
            let mech = to_mechanical(&states, porosity);
            for (env, s) in peak.iter_mut().zip(&mech) {
                env.absorb(s);
            }
            last_states = states;
            self.timings.postprocessing_s += t.elapsed().as_secs_f64();
        }
        let mesh = self.biot.mesh();
        let displacement = self.nodal_displacement(&x);
        let pressure = (0..mesh.num_nodes())
            .map(|n| self.biot.dofs.p(n).map_or(0.0, |d| x[d]))
            .collect();
        Ok(StepOutcome {
            peak,
            relaxed: to_mechanical(&last_states, porosity),
            displacement,
            pressure,
            effective_stress: last_states.iter().map(|s| s.effective_stress_mpa).collect(),
            forces,
        })
    }

    /// One physiological load cycle: a compressive axial load `load_n` (N) on the moving set, ramped
    /// over `ramp_s` in 5 backward-Euler steps from rest, carried by the callus in parallel with a
    /// fixator of axial stiffness `fixator_n_per_mm` (a spring to ground on the moving set).
    pub fn load_cycle(
        &mut self,
        materials: &[Biot],
        porosity: &[f64],
        load_n: f64,
        fixator_n_per_mm: f64,
        ramp_s: f64,
    ) -> Result<LoadOutcome, FemError> {
        const STEPS: usize = 5;
        self.assemble(materials)?;
        let dt = ramp_s / STEPS as f64;
        let t = clock();
        let axial = self.axial();
        let moving = self.boundary.moving_set.clone();
        for ((s, a), h) in self.scratch.iter_mut().zip(&self.a0).zip(&self.slope) {
            *s = a + dt * h;
        }
        let pattern = &self.biot.assembler.pattern;
        add_spring_to_ground(
            self.biot.mesh(),
            self.ideal,
            &self.biot.dofs,
            pattern,
            &mut self.scratch,
            &Spring {
                set: moving.clone(),
                component: axial,
                stiffness_n_per_mm: fixator_n_per_mm,
            },
        )?;
        let bc = self.constraints(&self.biot, None)?;
        let lifting = bc.apply_to_matrix(pattern, &mut self.scratch, self.biot.dofs.kinds());
        let factor = self.biot.symbolic.factorize(&self.scratch)?;
        self.timings.factorization_s += t.elapsed().as_secs_f64();
        self.timings.factorizations += 1;
        let mut unit = vec![0.0; self.biot.dofs.len()];
        let mut traction = [0.0; 3];
        traction[axial] = 1.0;
        add_traction(
            self.biot.mesh(),
            self.ideal,
            &self.biot.dofs,
            &moving,
            traction,
            &mut unit,
        )?;
        let nodes = self.biot.mesh().set(&moving)?.nodes.clone();
        let area: f64 = nodes
            .iter()
            .map(|&n| unit[self.biot.dofs.u(n, axial)])
            .sum();
        let mut peak = vec![Envelope::default(); self.mesh().num_elements()];
        let mut x = vec![0.0; self.biot.dofs.len()];
        let mut rhs = vec![0.0; x.len()];
        for k in 1..=STEPS {
            let t = clock();
            let scale = -load_n / area * k as f64 / STEPS as f64;
            pattern.mul_vec(&self.c, &x, &mut rhs);
            for (r, u) in rhs.iter_mut().zip(&unit) {
                *r += scale * u;
            }
            lifting.apply_to_rhs(&bc, &mut rhs);
            factor.solve_in_place(&mut rhs);
            std::mem::swap(&mut x, &mut rhs);
            self.timings.solve_s += t.elapsed().as_secs_f64();
            self.timings.solves += 1;
            let t = clock();
            let states = self.biot.biot_element_states(materials, &x)?;
            for (env, s) in peak.iter_mut().zip(&to_mechanical(&states, porosity)) {
                env.absorb(s);
            }
            self.timings.postprocessing_s += t.elapsed().as_secs_f64();
        }
        Ok(LoadOutcome {
            peak,
            displacement: self.nodal_displacement(&x),
        })
    }

    /// Per node, the displacement (mm) in the Biot solution `x`.
    fn nodal_displacement(&self, x: &[f64]) -> Vec<[f64; 3]> {
        (0..self.biot.mesh().num_nodes())
            .map(|n| {
                let mut u = [0.0; 3];
                for (c, v) in u.iter_mut().enumerate().take(self.ideal.dim()) {
                    *v = x[self.biot.dofs.u(n, c)];
                }
                u
            })
            .collect()
    }

    /// The drained stiffness of the construct (MODEL.md §6): the moving set pushed axially towards
    /// the fixed one (and, in 3D, twisted about the bone axis, the z axis through x = y = 0), all
    /// other components of both ends held; stiffness = reaction / imposed motion.
    pub fn stiffness(&mut self, materials: &[Elastic]) -> Result<Stiffness, FemError> {
        const SHORTENING_MM: f64 = 0.01;
        const TWIST_RAD: f64 = 0.01;
        let t = clock();
        let disc = &self.elastic;
        let mut free = disc.new_values();
        disc.assemble_elastic(materials, &mut free)?;
        self.timings.assembly_s += t.elapsed().as_secs_f64();
        let t = clock();
        let axial = self.axial();
        let mut bc = self.constraints(disc, Some(-SHORTENING_MM))?;
        let mut k = free.clone();
        let lifting = bc.apply_to_matrix(&disc.assembler.pattern, &mut k, disc.dofs.kinds());
        let factor = disc.symbolic.factorize(&k)?;
        self.timings.factorization_s += t.elapsed().as_secs_f64();
        self.timings.factorizations += 1;
        let solve = |bc: &Constraints| {
            let mut u = vec![0.0; disc.dofs.len()];
            lifting.apply_to_rhs(bc, &mut u);
            factor.solve_in_place(&mut u);
            u
        };
        let t = clock();
        let u = solve(&bc);
        let force = reaction(
            &disc.assembler.pattern,
            &free,
            &u,
            &disc.dofs,
            disc.mesh(),
            &self.boundary.moving_set,
            axial,
        )?;
        let mut torsion_nmm_per_rad = None;
        if self.ideal == Idealisation::ThreeD {
            let nodes = &disc.mesh().set(&self.boundary.moving_set)?.nodes;
            for &n in nodes {
                let x = disc.mesh().coords()[n];
                bc.set(disc.dofs.u(n, 0), -TWIST_RAD * x[1]);
                bc.set(disc.dofs.u(n, 1), TWIST_RAD * x[0]);
                bc.set(disc.dofs.u(n, 2), 0.0);
            }
            let u = solve(&bc);
            let mut r = vec![0.0; u.len()];
            disc.assembler.pattern.mul_vec(&free, &u, &mut r);
            let torque: f64 = nodes
                .iter()
                .map(|&n| {
                    let x = disc.mesh().coords()[n];
                    x[0] * r[disc.dofs.u(n, 1)] - x[1] * r[disc.dofs.u(n, 0)]
                })
                .sum();
            torsion_nmm_per_rad = Some(torque / TWIST_RAD);
        }
        self.timings.solve_s += t.elapsed().as_secs_f64();
        Ok(Stiffness {
            axial_n_per_mm: -force / SHORTENING_MM,
            torsion_nmm_per_rad,
        })
    }
}
