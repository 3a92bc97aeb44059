//! The daily loop (MODEL.md §5) as a [`Simulation`] whose methods are the phases of a day:
//!
//! 1. **distract**: each distraction step is a poroelastic transient on the current configuration,
//!    which the step's displacement then updates;
//! 2. **grow**: after each step, a layer is inserted at the growth plane while an element beside it
//!    is too tall, and the soft tissue is rezoned;
//! 3. **load**: the physiological load cycle, where one acts;
//! 4. **differentiate**: the stimulus of the day per element, the rule, the tissue state;
//! 5. **diffuse**: the cells diffuse over the day, and the materials follow the new state;
//! 6. **observe**: the stiffness test and the day's observables (MODEL.md §6);
//! 7. **write**: the day goes to the run's sink.
//!
//! The state that lives on the mesh is one [`State`], carried through a layer insertion by one call;
//! the mesh in its current configuration is the [`Body`]'s, and every solver takes it.
//!
//! Choices, each a scenario key:
//! - the stimulus of the day (`numerics.stimulus`): the envelope of the step peaks and the load
//!   cycle (`maximum`, default), of the step peaks only, of the states just before the next step
//!   (`relaxed`), or of the load only ([`crate::state::DayEnvelopes`]). A day with no mechanical
//!   event (latency without load) leaves the tissue history as it is: the rule has nothing to read;
//! - pre-traction (`numerics.pretraction`, default off): each element's effective stress at the
//!   end of a step is carried into the next steps as an initial stress (so the distraction force
//!   accumulates, Reina-Romo et al. 2010), relaxing as exp(−t/τ) with τ =
//!   `numerics.pretraction_relaxation_days`. Off, each step starts stress-free on the configuration
//!   it left (the tissue has grown into it).

use std::time::Instant;

use callus_bio::cells::CellDiffusion;
use callus_bio::rules::MechanoRule;
use callus_bio::state::{MixingLaws, TissueState};
use callus_bio::stimulus::MechanicalState;
use callus_bio::tissue::TissueCatalogue;
use callus_bio::vascularity::{Vascularity, VascularityParams};
use callus_bio::{BioError, Fractions};
use callus_mesh::{Field, Mesh, RegionId};

use crate::body::{Body, Rezoning};
use crate::checkpoint::{Checkpoint, VERSION};
use crate::error::{at, DayError, During};
use crate::materials::Materials;
use crate::mechanics::{AxialLoad, Mechanics, StepStart, Stepping};
use crate::model::Model;
use crate::observe::{
    bone_nodes, bridged, fixator_load_share, gap_length, healed_day, intact_stiffness,
    interfragmentary_movement, regenerate_fractions, vascularised, volume,
};
use crate::protocol::{Day, Step, DAY_S};
use crate::record::{
    DayReport, ForceSample, HistoryRow, Outcome, RezoningDrift, RunReport, RunSink, Snapshot,
    Summary, TimeShares,
};
use crate::scenario::{Loading, Rhythm, Scenario, TimeStepping};
use crate::state::{DayEnvelopes, Site, State};
use crate::SimError;

/// How to run, besides the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimOptions {
    /// Threads of the factorizations (1, the default: sequential; assembly runs on the rayon
    /// pool of the caller).
    pub threads: usize,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions { threads: 1 }
    }
}

/// What a day has gathered for its row, besides the state.
#[derive(Clone, Copy, Debug, Default)]
struct DayLog {
    peak_force_n: Option<f64>,
    residual_force_n: Option<f64>,
    step_strain: Option<f64>,
    load_movement_mm: Option<f64>,
}

/// Contents of the state (mm³), to measure what a rezoning changes.
#[derive(Clone, Copy, Debug, Default)]
struct Contents {
    tissue: [f64; 6],
    regenerate: f64,
    cells: f64,
    phi: f64,
}

impl RezoningDrift {
    /// Takes the changes from `before` to `after` one rezoning made.
    /// `inflow_mm3` is each tissue's volume that entered the regenerate from the fixed tissues
    /// ([`crate::remap`]): the drift is the change it does not account for.
    fn take(&mut self, before: &Contents, after: &Contents, inflow_mm3: &[f64; 6]) {
        let change = |a: f64, b: f64| if a > 0.0 { (b - a).abs() / a } else { 0.0 };
        let tissue = (0..6)
            .map(|t| (after.tissue[t] - before.tissue[t] - inflow_mm3[t]).abs() / before.regenerate)
            .fold(0.0, f64::max);
        self.tissue = self.tissue.max(tissue);
        let inflow: f64 = inflow_mm3.iter().sum();
        self.inflow = self.inflow.max(inflow / before.regenerate);
        self.cells = self.cells.max(change(before.cells, after.cells));
        self.vascularity = self.vascularity.max(change(before.phi, after.phi));
    }
}

/// Counts and results kept over the run.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Record {
    history: Vec<HistoryRow>,
    forces: Vec<ForceSample>,
    bridging_day: Option<u32>,
    layers: usize,
    rezonings: usize,
    rezonings_refused: usize,
    drift: RezoningDrift,
    /// Unknowns of the u–p system on the first day's mesh.
    mechanics_dofs_start: usize,
}

/// A run of a scenario (see the module docs).
pub struct Simulation {
    scenario: Scenario,
    scenario_file: String,
    options: SimOptions,
    catalogue: TissueCatalogue,
    /// Regions rezoned after growth (`numerics.rezone_regions`).
    rezoned: Vec<RegionId>,
    rule: Box<dyn MechanoRule>,
    plan: Vec<Day>,
    body: Body,
    state: State,
    mechanics: Mechanics,
    cells: CellDiffusion,
    /// The vascularity problem (`vascularity.enabled`; MODEL.md §4b).
    vascularity: Option<Vascularity>,
    materials: Materials,
    /// Young's modulus of cortical bone (MPa), for the intact reference.
    e_cortical_mpa: f64,
    record: Record,
    shares: TimeShares,
    started: Instant,
    /// Wall time of the run before this process took it up from a checkpoint (s).
    elapsed_before_s: f64,
    /// Index in the plan of the first day this process runs (0, or the day after a checkpoint).
    first_day: usize,
}

/// The solvers on the connectivity of a mesh: set up at the start, after every layer insertion
/// and on resuming (they hold no state of the run).
struct Solvers {
    mechanics: Mechanics,
    cells: CellDiffusion,
    vascularity: Option<Vascularity>,
}

impl Solvers {
    fn new(mesh: &Mesh, scenario: &Scenario, threads: usize) -> Result<Solvers, DayError> {
        let ideal = scenario.geometry.idealisation.idealisation();
        let mechanics =
            Mechanics::new(mesh, ideal, &scenario.boundary, stepping(scenario), threads)?
                .with_solver(scenario.numerics.linear_solver.into());
        // The diffusion problems follow the mechanics: iterative where its factor would not fit.
        let iterative = mechanics.is_iterative()?;
        Ok(Solvers {
            mechanics,
            cells: CellDiffusion::new(mesh, ideal, scenario.cells.clone())?
                .with_iterative_solver(iterative),
            vascularity: new_vascularity(mesh, scenario)?
                .map(|v| v.with_iterative_solver(iterative)),
        })
    }
}

impl Simulation {
    /// Sets up a run of `scenario` (`scenario_file` names it in messages and the summary): the
    /// scenario is validated and checked against its mesh before any work.
    pub fn new(
        scenario: &Scenario,
        scenario_file: &str,
        options: SimOptions,
    ) -> Result<Simulation, SimError> {
        Simulation::start(scenario, scenario_file, options, None)
    }

    /// Sets up the rest of a run of `scenario` from `checkpoint` (written by [`Self::checkpoint`]
    /// after a day of the same scenario): the days after it give the numbers an uninterrupted run
    /// gives. A checkpoint of another scenario or version is refused ([`Checkpoint::check`]).
    pub fn resume(
        scenario: &Scenario,
        scenario_file: &str,
        options: SimOptions,
        checkpoint: Checkpoint,
    ) -> Result<Simulation, SimError> {
        Simulation::start(scenario, scenario_file, options, Some(checkpoint))
    }

    fn start(
        scenario: &Scenario,
        scenario_file: &str,
        options: SimOptions,
        checkpoint: Option<Checkpoint>,
    ) -> Result<Simulation, SimError> {
        let started = Instant::now();
        scenario.validate(scenario_file)?;
        let plan = scenario.protocol.plan();
        let Model {
            mesh,
            fixed,
            catalogue,
            rezoned,
        } = Model::build(scenario, scenario_file)?;
        let plane = &scenario.boundary.growth_plane;
        let mut resumed = None;
        let body = match checkpoint {
            None => Body::new(mesh, plane)?,
            Some(c) => {
                let checked = c.check(scenario, plan.len()).and_then(|()| c.fits());
                checked.map_err(|reason| SimError::Checkpoint { reason })?;
                let Checkpoint {
                    mesh,
                    reference,
                    state,
                    record,
                    shares,
                    elapsed_s,
                    next_day,
                    ..
                } = c;
                resumed = Some((state, record, shares, elapsed_s, next_day));
                Body::resume(mesh, &reference, plane)?
            }
        };
        let Solvers {
            mechanics,
            cells,
            vascularity,
        } = Solvers::new(body.mesh(), scenario, options.threads)?;
        let (state, record, shares, elapsed_before_s, first_day) = match resumed {
            Some(resumed) => resumed,
            None => {
                let tissue = TissueState::new(
                    fixed,
                    scenario.tissues.window_days,
                    MixingLaws {
                        permeability: scenario.tissues.permeability_mixing,
                        modulus: scenario.tissues.modulus_mixing,
                    },
                    &catalogue,
                )?;
                let nodes = body.mesh().num_nodes();
                let phi = vascularity
                    .as_ref()
                    .map_or_else(|| vec![0.0; nodes], Vascularity::initial);
                let state = State::new(nodes, cells.initial(), phi, tissue);
                let record = Record {
                    mechanics_dofs_start: mechanics.dofs(),
                    ..Record::default()
                };
                (state, record, TimeShares::default(), 0.0, 0)
            }
        };
        let materials = Materials::new(
            &state.elements.tissue,
            &cells.element_means(body.mesh(), &state.nodes.cells)?,
            &catalogue,
            scenario.numerics.fluid_velocity,
        )?;
        let e_cortical_mpa = catalogue.get("cortical_bone")?.youngs_modulus_mpa;
        Ok(Simulation {
            body,
            plan,
            rule: scenario.rule.rule(),
            scenario: scenario.clone(),
            scenario_file: scenario_file.to_string(),
            options,
            catalogue,
            rezoned,
            state,
            mechanics,
            cells,
            vascularity,
            materials,
            e_cortical_mpa,
            record,
            shares,
            started,
            elapsed_before_s,
            first_day,
        })
    }

    /// The state after the day at `next_day - 1` in the plan, for [`Self::resume`] to continue
    /// from `next_day`.
    pub fn checkpoint(&self, next_day: usize) -> Checkpoint {
        Checkpoint {
            version: VERSION.to_string(),
            scenario_toml: Checkpoint::physics_toml(&self.scenario),
            day: self.plan[next_day - 1].day,
            next_day,
            mesh: self.body.mesh().clone(),
            reference: self.body.reference().to_vec(),
            state: self.state.clone(),
            record: self.record.clone(),
            shares: self.shares_so_far(),
            elapsed_s: self.elapsed_s(),
        }
    }

    /// The days of the plan, in order.
    pub fn plan(&self) -> &[Day] {
        &self.plan
    }

    /// Index in the plan of the first day [`Self::run`] runs (after a checkpoint's day when
    /// resumed).
    pub fn first_day(&self) -> usize {
        self.first_day
    }

    fn elapsed_s(&self) -> f64 {
        self.elapsed_before_s + self.started.elapsed().as_secs_f64()
    }

    /// The time shares with the mechanics' since its last set-up.
    fn shares_so_far(&self) -> TimeShares {
        let mut shares = self.shares;
        shares.mechanics += self.mechanics.timings;
        shares
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs every day of the plan, handing each to `sink`, and returns the summary and the
    /// history.
    pub fn run(mut self, sink: &mut dyn RunSink) -> Result<Outcome, SimError> {
        for index in self.first_day..self.plan.len() {
            let day = self.plan[index].clone();
            let mut log = DayLog::default();
            self.state.elements.start_day();
            for step in &day.steps {
                self.distract(&day, step, &mut log)?;
                self.grow(&day, step)?;
            }
            self.load(&day, &mut log)?;
            self.differentiate(&day)?;
            self.diffuse(&day)?;
            self.check_finite(&day)?;
            self.observe(&day, &log)?;
            self.write(index, sink)?;
        }
        self.finish(sink)
    }

    /// A distraction step: the poroelastic transient from the configuration the last step left,
    /// then the new configuration.
    fn distract(&mut self, day: &Day, step: &Step, log: &mut DayLog) -> Result<(), SimError> {
        let gap_before = self.gap_mm().map_err(at(day.day, During::Observables))?;
        let num = &self.scenario.numerics;
        let mesh = self.body.mesh();
        let start = StepStart {
            pressure_mpa: &self.state.nodes.pressure_mpa,
            prestress_mpa: num
                .pretraction
                .then_some(self.state.elements.prestress_mpa.as_slice()),
        };
        let mut outcome = self
            .mechanics
            .distraction_step(mesh, &self.materials, step, start)
            .map_err(at(day.day, During::Step(step.index)))?;
        if self.scenario.protocol.rhythm == Rhythm::Continuous {
            // MODEL.md §4b: the strain that feeds the rule and the vessel gates is that of a
            // part of the day-long ramp (one minute, as a 1440-step automatic distractor makes
            // it, Aarnes et al. 2002); the fluid velocity is the ramp's own.
            let part = num.continuous_strain_increment_s.min(step.ramp_s);
            outcome.scale_strains(part / step.ramp_s);
        }
        let t0 = day.day as f64 * DAY_S + step.start_s;
        self.record
            .forces
            .extend(outcome.forces.iter().map(|&(t, force_n)| ForceSample {
                time_s: t0 + t,
                day: day.day,
                step: step.index,
                force_n,
            }));
        let peak = outcome.forces.iter().map(|s| s.1).fold(f64::MIN, f64::max);
        log.peak_force_n = Some(log.peak_force_n.map_or(peak, |p| p.max(peak)));
        log.residual_force_n = outcome.forces.last().map(|s| s.1);
        let strain = step.amount_mm / gap_before;
        log.step_strain = Some(log.step_strain.map_or(strain, |s| s.max(strain)));
        let prestress_decay = num.pretraction.then(|| {
            let tau_s = num.pretraction_relaxation_days * DAY_S;
            (-step.interval_s / tau_s).exp()
        });
        self.body.displace(&outcome.displacement);
        self.state.take_step(outcome, prestress_decay);
        Ok(())
    }

    /// Gap growth after a step: layers at the growth plane while an element beside it is too tall
    /// (at most 4: a split takes a third off both rows), rezoning after a layer or when an element
    /// of the soft tissue got poor; then the check that no element turned over.
    fn grow(&mut self, day: &Day, step: &Step) -> Result<(), SimError> {
        let t = Instant::now();
        let num = &self.scenario.numerics;
        let mut grown = false;
        for _ in 0..4 {
            let too_tall = self.body.tallest_beside_plane() > num.max_element_height_mm;
            if !too_tall {
                break;
            }
            let insertion = self
                .body
                .insert_layer()
                .map_err(at(day.day, During::Growth))?;
            self.state.carry(
                &insertion,
                self.scenario.tissues.new_layer,
                self.scenario.vascularity.new_layer_value,
            );
            self.record.layers += 1;
            grown = true;
        }
        let rezoned = &self.rezoned;
        let mut remapped = false;
        if !rezoned.is_empty()
            && (grown || self.body.worst_quality_in(rezoned) < num.rezone_below_quality)
        {
            // The drift is measured where the positions before are a valid mesh (a step may leave
            // an element of the soft tissue turned over, which the rezoning then mends).
            let before = self.contents().ok();
            let from = self.body.mesh().coords().to_vec();
            let iterative = self
                .mechanics
                .is_iterative()
                .map_err(at(day.day, During::Rezoning))?;
            match self
                .body
                .rezone(rezoned, iterative)
                .map_err(at(day.day, During::Rezoning))?
            {
                Rezoning::Taken => {
                    self.record.rezonings += 1;
                    let ideal = self.scenario.geometry.idealisation.idealisation();
                    let remap = self
                        .state
                        .remap(self.body.mesh(), ideal, &from)
                        .map_err(at(day.day, During::Rezoning))?;
                    // After a layer the vascularity problem is set up anew below, and holds then.
                    if let Some(v) = self.vascularity.as_ref().filter(|_| !grown) {
                        v.hold(&mut self.state.nodes.vascularity, day.day);
                    }
                    remapped = true;
                    if let Some(before) = before {
                        let after = self.contents().map_err(at(day.day, During::Rezoning))?;
                        self.record.drift.take(&before, &after, &remap.inflow_mm3);
                    }
                }
                Rezoning::Refused => self.record.rezonings_refused += 1,
            }
        }
        self.shares.bookkeeping_s += t.elapsed().as_secs_f64();
        if remapped && !grown {
            self.update_materials(day.day)?;
        }
        if grown {
            self.shares.mechanics += self.mechanics.timings;
            let solvers = Solvers::new(self.body.mesh(), &self.scenario, self.options.threads)
                .map_err(at(day.day, During::Growth))?;
            (self.mechanics, self.cells, self.vascularity) =
                (solvers.mechanics, solvers.cells, solvers.vascularity);
            if let Some(v) = &self.vascularity {
                v.hold(&mut self.state.nodes.vascularity, day.day);
            }
            let t = Instant::now();
            self.update_materials(day.day)?;
            self.shares.biology_s += t.elapsed().as_secs_f64();
        }
        let (worst, quality) = self.body.worst_element();
        if quality <= 0.0 {
            let mesh = self.body.mesh();
            return Err(SimError::Inverted {
                day: day.day,
                step: step.index,
                element: mesh.element_tags()[worst],
                region: mesh.region_names()[mesh.element(worst).region].clone(),
                quality,
            });
        }
        Ok(())
    }

    /// The physiological load cycle, on the days of the phases it acts in.
    fn load(&mut self, day: &Day, log: &mut DayLog) -> Result<(), SimError> {
        let Loading::CyclicAxial {
            load_n,
            phases,
            load_ramp_s,
        } = &self.scenario.loading
        else {
            return Ok(());
        };
        if !phases.contains(&day.phase) {
            return Ok(());
        }
        let load = AxialLoad {
            load_n: *load_n,
            fixator_stiffness_n_per_mm: self.scenario.fixator.stiffness_n_per_mm,
            ramp_s: *load_ramp_s,
            path: self.scenario.fixator.load_path,
        };
        let mesh = self.body.mesh();
        let outcome = self
            .mechanics
            .load_cycle(mesh, &self.materials, &load)
            .map_err(at(day.day, During::Load))?;
        let (b, elements) = (&self.scenario.boundary, &mut self.state.elements);
        log.load_movement_mm = Some(
            interfragmentary_movement(
                mesh,
                &b.proximal_bone_surface,
                &b.distal_bone_surface,
                &bone_nodes(mesh, &elements.tissue),
                &outcome.displacement,
            )
            .map_err(at(day.day, During::Load))?,
        );
        for (today, peak) in elements.today.iter_mut().zip(outcome.peak) {
            today.load = peak;
        }
        Ok(())
    }

    /// The stimulus of the day per element (`numerics.stimulus`), the rule, and the day's vote in
    /// the tissue state; nothing on a day without a mechanical event.
    fn differentiate(&mut self, day: &Day) -> Result<(), SimError> {
        let t = Instant::now();
        let choice = self.scenario.numerics.stimulus;
        let elements = &mut self.state.elements;
        let stimuli: Vec<_> = elements.today.iter().map(|e| e.stimulus(choice)).collect();
        if stimuli.iter().any(|s| s.state().is_some()) {
            // With vascularity: its parameters and each element's φ, which gate the bone votes.
            let gate = self
                .vascularity
                .as_ref()
                .map(|v| {
                    let phi = v.element_means(self.body.mesh(), &self.state.nodes.vascularity);
                    phi.map(|phi| (v.params(), phi))
                })
                .transpose()
                .map_err(at(day.day, During::Vascularity))?;
            let mut votes = vec![None; stimuli.len()];
            for (e, stimulus) in stimuli.iter().enumerate() {
                if let (false, Some(s)) = (elements.is_fixed(e), stimulus.state()) {
                    let class = self.rule.classify(s);
                    votes[e] = Some(match &gate {
                        Some((p, phi)) => p.split_vote(class.phenotype, phi[e]),
                        None => Fractions::pure(class.phenotype),
                    });
                    elements.vote[e] = Some(class);
                }
            }
            elements
                .tissue
                .record_votes(&votes)
                .map_err(at(day.day, During::Differentiation))?;
        }
        self.shares.biology_s += t.elapsed().as_secs_f64();
        Ok(())
    }

    /// Cell diffusion and vascularity over the day on the current configuration, side by side
    /// (neither reads the other); the materials of the new state.
    fn diffuse(&mut self, day: &Day) -> Result<(), SimError> {
        let t = Instant::now();
        let mesh = self.body.mesh();
        let (cells, cell_solver) = (&mut self.state.nodes.cells, &mut self.cells);
        let phi = &mut self.state.nodes.vascularity;
        let today = &self.state.elements.today;
        let (diffused, vascularised) = rayon::join(
            || -> Result<(), BioError> {
                cell_solver.advance(mesh, cells, 1.0)?;
                cells.iter_mut().for_each(|c| *c = c.clamp(0.0, 1.0));
                Ok(())
            },
            || match &mut self.vascularity {
                Some(v) => {
                    let p = v.params();
                    let (gate, damage): (Vec<f64>, Vec<f64>) = today
                        .iter()
                        .map(|t| (vessel_growth_gate(p, t), vessel_damage(p, t)))
                        .unzip();
                    v.advance(mesh, phi, day.day, 1.0, &gate, &damage)
                        .map(|_| ())
                }
                None => Ok(()),
            },
        );
        diffused.map_err(at(day.day, During::Cells))?;
        vascularised.map_err(at(day.day, During::Vascularity))?;
        self.update_materials(day.day)?;
        self.shares.biology_s += t.elapsed().as_secs_f64();
        Ok(())
    }

    /// Stops the run if a field of the state or a material holds a value that is not a number,
    /// naming the node or element (their external tags).
    fn check_finite(&self, day: &Day) -> Result<(), SimError> {
        let m = &self.materials;
        let material = [
            ("Young's modulus", &m.youngs_modulus_mpa),
            ("permeability", &m.mobility_mm4_per_ns),
        ]
        .into_iter()
        .find_map(|(name, v)| Some((name, Site::Element(v.iter().position(|x| !x.is_finite())?))));
        let Some((field, site)) = self.state.first_not_finite().or(material) else {
            return Ok(());
        };
        let mesh = self.body.mesh();
        let site = match site {
            Site::Node(n) => format!("node {}", mesh.node_tags()[n]),
            Site::Element(e) => format!(
                "element {} (region '{}')",
                mesh.element_tags()[e],
                mesh.region_names()[mesh.element(e).region]
            ),
        };
        Err(SimError::NotFinite {
            day: day.day,
            field,
            site,
        })
    }

    /// The materials of the state now, on `day`.
    fn update_materials(&mut self, day: u32) -> Result<(), SimError> {
        let mesh = self.body.mesh();
        let element_cells = self
            .cells
            .element_means(mesh, &self.state.nodes.cells)
            .map_err(at(day, During::Cells))?;
        self.materials = Materials::new(
            &self.state.elements.tissue,
            &element_cells,
            &self.catalogue,
            self.scenario.numerics.fluid_velocity,
        )
        .map_err(at(day, During::Differentiation))?;
        Ok(())
    }

    /// What the state holds now: each tissue's volume in the regenerate, its volume, and ∫ c dV
    /// and ∫ φ dV over the mesh (mm³).
    fn contents(&self) -> Result<Contents, DayError> {
        let (mesh, ideal) = (
            self.body.mesh(),
            self.scenario.geometry.idealisation.idealisation(),
        );
        let elements = &self.state.elements;
        let cells = self.cells.element_means(mesh, &self.state.nodes.cells)?;
        let phi = match &self.vascularity {
            Some(v) => v.element_means(mesh, &self.state.nodes.vascularity)?,
            None => vec![0.0; mesh.num_elements()],
        };
        let mut c = Contents::default();
        for e in 0..mesh.num_elements() {
            let v = volume(mesh, ideal, e);
            c.cells += cells[e] * v;
            c.phi += phi[e] * v;
            if !elements.is_fixed(e) {
                c.regenerate += v;
                let f = elements.tissue.fractions(e).values();
                for (t, f) in c.tissue.iter_mut().zip(f) {
                    *t += f * v;
                }
            }
        }
        Ok(c)
    }

    /// The gap now (mm): between the bone surfaces facing it, on their nodes on bone.
    fn gap_mm(&self) -> Result<f64, callus_mesh::MeshError> {
        let (b, mesh) = (&self.scenario.boundary, self.body.mesh());
        gap_length(
            mesh,
            &b.proximal_bone_surface,
            &b.distal_bone_surface,
            &bone_nodes(mesh, &self.state.elements.tissue),
        )
    }

    /// The stiffness test and the day's row (MODEL.md §6).
    fn observe(&mut self, day: &Day, log: &DayLog) -> Result<(), SimError> {
        let mesh = self.body.mesh();
        let stiffness = self
            .mechanics
            .stiffness(mesh, &self.materials)
            .map_err(at(day.day, During::Stiffness))?;
        if !stiffness.axial_n_per_mm.is_finite() {
            return Err(SimError::NotFinite {
                day: day.day,
                field: "callus stiffness",
                site: "the drained stiffness test".into(),
            });
        }
        let t = Instant::now();
        let (b, ideal) = (
            &self.scenario.boundary,
            self.scenario.geometry.idealisation.idealisation(),
        );
        let elements = &self.state.elements;
        let gap = self.gap_mm().map_err(at(day.day, During::Observables))?;
        let cortical: Vec<bool> = (0..mesh.num_elements())
            .map(|e| elements.is_cortical(e))
            .collect();
        let intact = intact_stiffness(
            mesh,
            ideal,
            &cortical,
            self.e_cortical_mpa,
            (&b.fixed_set, &b.moving_set),
            gap,
        )
        .map_err(at(day.day, During::Observables))?;
        let is_bridged = bridged(mesh, &elements.tissue, &b.fixed_set, &b.moving_set)
            .map_err(at(day.day, During::Observables))?;
        if is_bridged && self.record.bridging_day.is_none() {
            self.record.bridging_day = Some(day.day);
        }
        let k_f = self.scenario.fixator.stiffness_n_per_mm;
        let regenerate: Vec<usize> = (0..mesh.num_elements())
            .filter(|&e| !elements.is_fixed(e))
            .collect();
        let mean_cells = regenerate
            .iter()
            .map(|&e| self.materials.cells[e])
            .sum::<f64>()
            / regenerate.len().max(1) as f64;
        let vascular = match &self.vascularity {
            Some(v) => {
                let phi = &self.state.nodes.vascularity;
                let phi_elements = v
                    .element_means(mesh, phi)
                    .map_err(at(day.day, During::Vascularity))?;
                let is_regenerate: Vec<bool> = (0..mesh.num_elements())
                    .map(|e| !elements.is_fixed(e))
                    .collect();
                Some(
                    vascularised(
                        mesh,
                        ideal,
                        &is_regenerate,
                        phi,
                        &phi_elements,
                        &b.growth_plane,
                    )
                    .map_err(at(day.day, During::Observables))?,
                )
            }
            None => None,
        };
        let row = HistoryRow {
            day: day.day,
            phase: day.phase,
            gap_mm: gap,
            callus_stiffness_n_per_mm: stiffness.axial_n_per_mm,
            stiffness_pct_intact: 100.0 * stiffness.axial_n_per_mm / intact,
            torsional_stiffness_nmm_per_rad: stiffness.torsion_nmm_per_rad,
            fixator_load_fraction: fixator_load_share(stiffness.axial_n_per_mm, k_f),
            fractions: regenerate_fractions(mesh, ideal, &elements.tissue).0,
            peak_force_n: log.peak_force_n,
            residual_force_n: log.residual_force_n,
            step_strain: log.step_strain,
            load_strain: log.load_movement_mm.map(|m| m / gap),
            mean_cell_concentration: mean_cells,
            vascularised_fraction: vascular.map(|v| v.fraction),
            avascular_width_on_axis_mm: vascular.and_then(|v| v.width_on_axis_mm),
            avascular_width_mean_mm: vascular.map(|v| v.width_mean_mm),
            bridged: is_bridged,
            elements: mesh.num_elements(),
            max_plane_element_height_mm: self.body.tallest_beside_plane(),
            min_element_quality: self.body.worst_element().1,
        };
        self.record.history.push(row);
        self.shares.bookkeeping_s += t.elapsed().as_secs_f64();
        Ok(())
    }

    /// Hands the day to the sink.
    fn write(&mut self, index: usize, sink: &mut dyn RunSink) -> Result<(), SimError> {
        let t = Instant::now();
        let day = self.plan[index].day;
        let last = index + 1 == self.plan.len();
        let fields = || self.snapshot(day);
        let checkpoint = || self.checkpoint(index + 1);
        let every = self.scenario.output.checkpoint_every_days as usize;
        let report = DayReport {
            history: &self.record.history,
            forces: &self.record.forces,
            days_in_plan: self.plan.len(),
            fields_due: day.is_multiple_of(self.scenario.output.field_every_days) || last,
            fields: &fields,
            checkpoint_due: every > 0 && (index + 1).is_multiple_of(every) && !last,
            checkpoint: &checkpoint,
        };
        let written = sink.day(&report);
        self.shares.output_s += t.elapsed().as_secs_f64();
        written.map_err(|source| SimError::Output { day, source })
    }

    /// The summary, handed to the sink with the whole history.
    fn finish(mut self, sink: &mut dyn RunSink) -> Result<Outcome, SimError> {
        self.shares.mechanics += self.mechanics.timings;
        let record = self.record;
        let last = record.history.last().expect("validated: the plan has days");
        let lengthening_cm = self.scenario.protocol.lengthening_mm / 10.0;
        let healed = healed_day(
            record
                .history
                .iter()
                .map(|r| (r.day, r.callus_stiffness_n_per_mm)),
            self.scenario.fixator.stiffness_n_per_mm,
        );
        let summary = Summary {
            version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_file: self.scenario_file,
            bridging_day: record.bridging_day,
            healed_day: healed,
            healing_index_days_per_cm: healed.map(|d| d as f64 / lengthening_cm),
            final_stiffness_n_per_mm: last.callus_stiffness_n_per_mm,
            final_stiffness_pct_intact: last.stiffness_pct_intact,
            max_peak_force_n: record
                .history
                .iter()
                .filter_map(|r| r.peak_force_n)
                .reduce(f64::max),
            final_fractions: last.fractions,
            final_gap_mm: last.gap_mm,
            days: record.history.len(),
            layers_inserted: record.layers,
            rezonings: record.rezonings,
            rezonings_refused: record.rezonings_refused,
            rezoning_drift: record.drift,
            final_elements: self.body.mesh().num_elements(),
            mechanics_dofs_start: record.mechanics_dofs_start,
            mechanics_dofs_end: self.mechanics.dofs(),
            run_time_s: self.elapsed_before_s + self.started.elapsed().as_secs_f64(),
            time: self.shares,
            scenario: self.scenario,
        };
        let report = RunReport {
            summary: &summary,
            history: &record.history,
            forces: &record.forces,
        };
        sink.finish(&report).map_err(|source| SimError::Output {
            day: last.day,
            source,
        })?;
        Ok(Outcome {
            summary,
            history: record.history,
            forces: record.forces,
        })
    }

    /// The fields of `day` on the current mesh.
    pub fn snapshot(&self, day: u32) -> Snapshot<'_> {
        let elements = &self.state.elements;
        let fractions: Vec<Fractions> = (0..elements.tissue.len())
            .map(|e| elements.tissue.fractions(e))
            .collect();
        let mut cell_fields: Vec<Field> = Fractions::NAMES
            .iter()
            .enumerate()
            .map(|(i, name)| {
                Field::owned(
                    Fractions::column(name),
                    1,
                    fractions.iter().map(|f| f.values()[i]).collect(),
                )
            })
            .collect();
        let m = &self.materials;
        cell_fields.extend([
            Field::owned("phenotype", 1, elements.phenotype_field()),
            Field::owned("stimulus", 1, elements.stimulus_field()),
            Field::owned(
                "relaxed_distortional_strain",
                1,
                elements.today_field(|t| &t.relaxed, MechanicalState::distortional_strain),
            ),
            Field::owned(
                "step_peak_distortional_strain",
                1,
                elements.today_field(|t| &t.step_peak, MechanicalState::distortional_strain),
            ),
            Field::owned(
                "step_peak_dilatational_strain",
                1,
                elements.today_field(|t| &t.step_peak, MechanicalState::dilatational_strain),
            ),
            Field::borrowed("youngs_modulus_mpa", 1, &m.youngs_modulus_mpa),
            Field::borrowed("permeability_mm4_per_ns", 1, &m.mobility_mm4_per_ns),
            Field::borrowed("cell_concentration", 1, &m.cells),
        ]);
        let mesh = self.body.mesh();
        let nodes = &self.state.nodes;
        // The element means exist for any mesh a day ends on (no element is inverted).
        if let Some(Ok(phi)) =
            (self.vascularity.as_ref()).map(|v| v.element_means(mesh, &nodes.vascularity))
        {
            cell_fields.push(Field::owned("vascularity", 1, phi));
        }
        let point_fields = vec![
            Field::owned(
                "displacement_mm",
                3,
                nodes.displacement_mm.iter().flatten().copied().collect(),
            ),
            Field::borrowed("pore_pressure_mpa", 1, &nodes.pressure_mpa),
            Field::borrowed("cell_concentration", 1, &nodes.cells),
            Field::borrowed("vascularity", 1, &nodes.vascularity),
        ];
        Snapshot {
            day,
            mesh: self.body.mesh(),
            cell_fields,
            point_fields,
        }
    }
}

/// The vascularity problem of `scenario` on `mesh`, if it is enabled.
fn new_vascularity(mesh: &Mesh, scenario: &Scenario) -> Result<Option<Vascularity>, BioError> {
    let p = &scenario.vascularity;
    if !p.enabled {
        return Ok(None);
    }
    let ideal = scenario.geometry.idealisation.idealisation();
    Vascularity::new(mesh, ideal, p.clone()).map(Some)
}

/// The growth gate g of an element's day (MODEL.md §4b): the smaller of the gates of its
/// relaxed states and of the load cycle's peak; 1 on a day without a mechanical event.
fn vessel_growth_gate(p: &VascularityParams, today: &DayEnvelopes) -> f64 {
    [&today.relaxed, &today.load]
        .into_iter()
        .filter_map(|e| e.state())
        .map(|s| p.growth_gate(s.distortional_strain(), s.dilatational_strain()))
        .fold(1.0, f64::min)
}

/// The damage h of an element's day (MODEL.md §4b): that of its step peaks; 0 without steps.
fn vessel_damage(p: &VascularityParams, today: &DayEnvelopes) -> f64 {
    today.step_peak.state().map_or(0.0, |s| {
        p.damage(s.distortional_strain(), s.dilatational_strain())
    })
}

/// The transient time stepping of the scenario's `[numerics]`.
fn stepping(s: &Scenario) -> Stepping {
    Stepping {
        first_s: s.numerics.first_time_step_s,
        steps_per_level: s.numerics.steps_per_level,
        max_s: s.numerics.max_time_step_s,
        tolerance: (s.numerics.time_stepping == TimeStepping::Adaptive)
            .then_some(s.numerics.time_step_tolerance),
    }
}
