//! The daily loop (MODEL.md §5): each day, the day's distraction steps (poroelastic transients on
//! the current configuration, which is updated after each step, with a layer inserted at the growth
//! plane whenever an element beside it grows too tall), the physiological load cycle if one acts,
//! the stimulus of the day per element, the rule, the tissue state, cell diffusion over the day and
//! new material properties; then the day's observables and, on output days, the fields.
//!
//! Choices, each a scenario key:
//! - the stimulus of the day (`numerics.stimulus`): the envelope ([`Envelope`]) of the step peaks
//!   and the load cycle (`maximum`, default), of the step peaks only, of the states just before the
//!   next step (`relaxed`), or of the load only. A day with no mechanical event (latency without
//!   load) leaves the tissue history as it is: the rule has nothing to read;
//! - pre-traction (`numerics.pretraction`, default off): each element's effective stress at the
//!   end of a step is carried into the next steps as an initial stress (so the distraction force
//!   accumulates, Reina-Romo et al. 2010), relaxing as exp(−t/τ) with τ =
//!   `numerics.pretraction_relaxation_days`. Off, each step starts stress-free on the configuration
//!   it left (the tissue has grown into it).

use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;

use callus_bio::cells::CellDiffusion;
use callus_bio::rules::Phenotype;
use callus_bio::state::{ElementTissue, TissueState};
use callus_bio::stimulus::Envelope;
use callus_bio::Fractions;
use callus_mesh::vtu::Field;
use callus_mesh::Mesh;

use crate::growth::{plane_mask, plane_rows, split_rows, tallest_beside_plane};
use crate::materials::Materials;
use crate::mechanics::{AxialLoad, DistractionStep, Mechanics, StepStart, Stepping, Timings};
use crate::model::Model;
use crate::observe::{
    bone_nodes, bridged, gap_length, intact_stiffness, interfragmentary_movement,
    regenerate_fractions,
};
use crate::output::{ForceSample, HistoryRow, RunDirectory};
use crate::protocol::DAY_S;
use crate::rezone::{rezone, worst_quality_in, Rezoned};
use crate::scenario::{FluidVelocity, Loading, NewLayer, Scenario, StimulusChoice};
use crate::SimError;

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Directory for the outputs (created).
    pub out_dir: PathBuf,
    /// Threads for the factorizations (1 = sequential).
    pub threads: usize,
    /// Write ParaView fields on output days.
    pub fields: bool,
}

/// Where the run's time went (s).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct TimeShares {
    /// Mechanics (see [`Timings`]).
    #[serde(flatten)]
    pub mechanics: Timings,
    /// Rule, tissue state, materials and cell diffusion.
    pub biology_s: f64,
    /// Observables other than the stiffness solve (fractions, bridging), gap growth.
    pub bookkeeping_s: f64,
    /// Writing files.
    pub output_s: f64,
}

/// What a run reports (also `summary.json`).
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// callus version.
    pub version: String,
    /// The scenario file (or "built-in default").
    pub scenario_file: String,
    /// First day a bone path joins the segments, if any.
    pub bridging_day: Option<u32>,
    /// Bridging day per cm of lengthening (days/cm), if bridged.
    pub healing_index_days_per_cm: Option<f64>,
    /// Stiffness on the last day (N/mm).
    pub final_stiffness_n_per_mm: f64,
    /// The same as % of intact bone.
    pub final_stiffness_pct_intact: f64,
    /// Largest step peak force of the run (N).
    pub max_peak_force_n: Option<f64>,
    /// Final regenerate fractions.
    pub final_fractions: Fractions,
    /// Final gap length (mm).
    pub final_gap_mm: f64,
    /// Days simulated.
    pub days: usize,
    /// Layers inserted at the growth plane.
    pub layers_inserted: usize,
    /// Rezonings taken ([`crate::rezone`]).
    pub rezonings: usize,
    /// Rezonings refused because they would have made an element worse (the positions the step
    /// left were kept).
    pub rezonings_refused: usize,
    /// Elements at the end.
    pub final_elements: usize,
    /// Wall time (s).
    pub run_time_s: f64,
    /// Time shares.
    pub time: TimeShares,
    /// The scenario as run.
    pub scenario: Scenario,
}

/// Progress of a run, after each day.
pub struct Progress<'a> {
    /// Days done.
    pub done: usize,
    /// Days in the plan.
    pub total: usize,
    /// The day's row.
    pub row: &'a HistoryRow,
}

/// Everything that lives on the mesh and must follow a layer insertion.
struct Fields {
    /// Reference mesh (connectivity; flat growth plane).
    reference: Mesh,
    /// Current node positions (mm).
    current: Vec<[f64; 3]>,
    /// Displacement since day 0 per node (mm).
    displacement: Vec<[f64; 3]>,
    /// Pore pressure per node (MPa).
    pressure: Vec<f64>,
    /// Cell concentration per node.
    cells: Vec<f64>,
    /// Tissue state.
    state: TissueState,
    /// Carried effective stress per element (MPa).
    prestress: Vec<[[f64; 3]; 3]>,
    /// Stimulus value of the last rule evaluation per element (NaN where none).
    stimulus: Vec<f64>,
    /// Phenotype index of the last evaluation per element (−1 for none / fixed).
    phenotype: Vec<f64>,
    /// Whether an element is cortical bone (intact reference).
    cortical: Vec<bool>,
}

impl Fields {
    fn mesh(&self) -> Mesh {
        let mut m = self.reference.clone();
        m.coords_mut().copy_from_slice(&self.current);
        m
    }
}

fn materials(
    f: &Fields,
    mesh: &Mesh,
    model: &Model,
    fluid: FluidVelocity,
) -> Result<Materials, SimError> {
    Ok(Materials::new(
        mesh,
        &f.state,
        &f.cells,
        &model.catalogue,
        fluid,
    )?)
}

/// Runs a scenario (see the module docs), writing its files into `options.out_dir`.
pub fn run(
    scenario: &Scenario,
    scenario_file: &str,
    options: &RunOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Summary, SimError> {
    let started = Instant::now();
    let mut shares = TimeShares::default();
    let model = Model::build(scenario, scenario_file)?;
    let ideal = scenario.geometry.idealisation.idealisation();
    let b = &scenario.boundary;
    let num = &scenario.numerics;
    let stepping = Stepping {
        first_s: num.first_time_step_s,
        steps_per_level: num.steps_per_level,
        max_s: num.max_time_step_s,
    };
    let rule = scenario.rule.rule();
    let mut out = RunDirectory::create(
        &options.out_dir,
        &scenario.to_toml(),
        scenario.geometry.idealisation.name(),
    )?;
    let e_cortical = model.catalogue.get("cortical_bone")?.youngs_modulus_mpa;

    let reference = model.mesh.clone();
    let mut cell_problem = CellDiffusion::new(&reference, ideal, scenario.cells.clone())?;
    let n_el = reference.num_elements();
    let mut f = Fields {
        current: reference.coords().to_vec(),
        displacement: vec![[0.0; 3]; reference.num_nodes()],
        pressure: vec![0.0; reference.num_nodes()],
        cells: cell_problem.initial(),
        state: TissueState::new(
            model.fixed.clone(),
            scenario.tissues.window_days,
            scenario.tissues.permeability_mixing,
            &model.catalogue,
        )?,
        prestress: vec![[[0.0; 3]; 3]; n_el],
        stimulus: vec![f64::NAN; n_el],
        phenotype: vec![-1.0; n_el],
        cortical: model
            .fixed
            .iter()
            .map(|t| t.as_deref() == Some("cortical_bone"))
            .collect(),
        reference,
    };
    let mut mech = Mechanics::new(&f.reference, ideal, b, stepping, options.threads)?;
    let mut current = f.mesh();
    let mut rows = plane_rows(&f.reference, &b.growth_plane)?;
    let mut is_plane = plane_mask(&f.reference, &b.growth_plane)?;
    let plan = scenario.protocol.plan();
    let mut history: Vec<HistoryRow> = Vec::with_capacity(plan.len());
    let mut forces: Vec<ForceSample> = Vec::new();
    let mut bridging_day = None;
    let mut layers = 0;
    let (mut rezonings, mut refused) = (0, 0);
    let tau_s = num.pretraction_relaxation_days * DAY_S;

    for (index, day) in plan.iter().enumerate() {
        let fail = |e: &dyn std::fmt::Display| SimError::Day {
            day: day.day,
            message: e.to_string(),
        };
        let t = Instant::now();
        let mut mat = materials(&f, &current, &model, num.fluid_velocity)?;
        shares.biology_s += t.elapsed().as_secs_f64();
        let n = f.reference.num_elements();
        let mut env_steps = vec![Envelope::default(); n];
        let mut env_relaxed = vec![Envelope::default(); n];
        let mut env_load = vec![Envelope::default(); n];
        let (mut peak_force, mut residual_force, mut step_strain) =
            (None::<f64>, None, None::<f64>);
        for (k, step) in day.steps.iter().enumerate() {
            let end = day.steps.get(k + 1).map_or(DAY_S, |s| s.start_s);
            let gap_before = gap_length(
                &current,
                &b.proximal_bone_surface,
                &b.distal_bone_surface,
                &bone_nodes(&current, &f.state),
            )?;
            let outcome = mech
                .distraction_step(
                    &current,
                    &mat,
                    &DistractionStep {
                        amount_mm: step.amount_mm,
                        ramp_s: step.ramp_s,
                        interval_s: end - step.start_s,
                    },
                    StepStart {
                        pressure_mpa: &f.pressure,
                        prestress_mpa: num.pretraction.then_some(f.prestress.as_slice()),
                    },
                )
                .map_err(|e| fail(&e))?;
            let t0 = day.day as f64 * DAY_S + step.start_s;
            for &(t, force) in &outcome.forces {
                forces.push(ForceSample {
                    time_s: t0 + t,
                    day: day.day,
                    step: k,
                    force_n: force,
                });
            }
            let peak = outcome.forces.iter().map(|s| s.1).fold(f64::MIN, f64::max);
            peak_force = Some(peak_force.map_or(peak, |p: f64| p.max(peak)));
            residual_force = outcome.forces.last().map(|s| s.1);
            let strain = step.amount_mm / gap_before;
            step_strain = Some(step_strain.map_or(strain, |s| s.max(strain)));
            for e in 0..n {
                env_steps[e].merge(&outcome.peak[e]);
                env_relaxed[e].absorb(&outcome.relaxed[e]);
            }
            for ((x, total), u) in f
                .current
                .iter_mut()
                .zip(&mut f.displacement)
                .zip(&outcome.displacement)
            {
                for c in 0..3 {
                    x[c] += u[c];
                    total[c] += u[c];
                }
            }
            f.pressure = outcome.pressure;
            if num.pretraction {
                let decay = (-(end - step.start_s) / tau_s).exp();
                for (p, s) in f.prestress.iter_mut().zip(&outcome.effective_stress) {
                    for i in 0..3 {
                        for j in 0..3 {
                            p[i][j] = (p[i][j] + s[i][j]) * decay;
                        }
                    }
                }
            }
            // Gap growth: split the rows beside the plane while one is too tall.
            let t = Instant::now();
            let mut grown = false;
            // At most a few layers per step: a split takes ⅓ off both rows, so more would only
            // mean a step far longer than an element.
            let mut splits = 0;
            while splits < 4
                && tallest_beside_plane(&f.reference, &f.current, &is_plane, &rows)
                    > num.max_element_height_mm
            {
                splits += 1;
                let (moved, ins) = split_rows(&mut f.reference, &f.current, &b.growth_plane, &rows)
                    .map_err(|e| fail(&e))?;
                f.current = moved;
                f.displacement = {
                    let comps: Vec<Vec<f64>> = (0..3)
                        .map(|c| {
                            ins.carry_node_values(
                                &f.displacement.iter().map(|x| x[c]).collect::<Vec<_>>(),
                            )
                        })
                        .collect();
                    (0..comps[0].len())
                        .map(|i| [comps[0][i], comps[1][i], comps[2][i]])
                        .collect()
                };
                f.pressure = ins.carry_node_values(&f.pressure);
                f.cells = ins.carry_node_values(&f.cells);
                let source: Vec<Option<usize>> = ins
                    .new_elements
                    .iter()
                    .map(
                        |&below| match (scenario.tissues.new_layer, f.state.element(below)) {
                            (NewLayer::Granulation, ElementTissue::Regenerate(_)) => None,
                            _ => Some(below),
                        },
                    )
                    .collect();
                f.state.extend(&source);
                f.prestress = ins.carry_element_values(&f.prestress, |e| f.prestress[e]);
                f.stimulus = ins.carry_element_values(&f.stimulus, |e| f.stimulus[e]);
                f.phenotype = ins.carry_element_values(&f.phenotype, |e| f.phenotype[e]);
                f.cortical = ins.carry_element_values(&f.cortical, |e| f.cortical[e]);
                env_steps = ins.carry_element_values(&env_steps, |e| env_steps[e]);
                env_relaxed = ins.carry_element_values(&env_relaxed, |e| env_relaxed[e]);
                env_load = ins.carry_element_values(&env_load, |e| env_load[e]);
                rows = plane_rows(&f.reference, &b.growth_plane)?;
                is_plane = plane_mask(&f.reference, &b.growth_plane)?;
                layers += 1;
                grown = true;
            }
            if !model.rezoned.is_empty()
                && (grown
                    || worst_quality_in(&f.reference, &f.current, &model.rezoned)
                        < num.rezone_below_quality)
            {
                match rezone(&f.reference, &f.current, &model.rezoned).map_err(|e| fail(&e))? {
                    Rezoned::Moved(x) => {
                        f.current = x;
                        rezonings += 1;
                    }
                    Rezoned::Refused { .. } => refused += 1,
                }
            }
            shares.bookkeeping_s += t.elapsed().as_secs_f64();
            if grown {
                shares.mechanics = add(shares.mechanics, mech.timings);
                mech = Mechanics::new(&f.reference, ideal, b, stepping, options.threads)?;
                cell_problem = CellDiffusion::new(&f.reference, ideal, scenario.cells.clone())?;
            }
            current = f.mesh();
            if grown {
                let t = Instant::now();
                mat = materials(&f, &current, &model, num.fluid_velocity)?;
                shares.biology_s += t.elapsed().as_secs_f64();
            }
        }
        let n = f.reference.num_elements();
        let mut load_movement_mm = None;
        if let Loading::CyclicAxial {
            load_n,
            fixator_stiffness_n_per_mm,
            phases,
            load_ramp_s,
        } = &scenario.loading
        {
            if phases.contains(&day.phase) {
                let outcome = mech
                    .load_cycle(
                        &current,
                        &mat,
                        &AxialLoad {
                            load_n: *load_n,
                            fixator_stiffness_n_per_mm: *fixator_stiffness_n_per_mm,
                            ramp_s: *load_ramp_s,
                        },
                    )
                    .map_err(|e| fail(&e))?;
                load_movement_mm = Some(interfragmentary_movement(
                    &current,
                    &b.proximal_bone_surface,
                    &b.distal_bone_surface,
                    &bone_nodes(&current, &f.state),
                    &outcome.displacement,
                )?);
                env_load = outcome.peak;
            }
        }

        // The stimulus of the day, the rule and the tissue state.
        let t = Instant::now();
        let mut day_env = vec![Envelope::default(); n];
        for e in 0..n {
            match num.stimulus {
                StimulusChoice::Maximum => {
                    day_env[e].merge(&env_steps[e]);
                    day_env[e].merge(&env_load[e]);
                }
                StimulusChoice::StepPeak => day_env[e].merge(&env_steps[e]),
                StimulusChoice::Relaxed => day_env[e].merge(&env_relaxed[e]),
                StimulusChoice::Load => day_env[e].merge(&env_load[e]),
            }
        }
        if day_env.iter().any(|e| e.state().is_some()) {
            let mut phenotypes: Vec<Option<Phenotype>> = vec![None; n];
            for e in 0..n {
                if let (ElementTissue::Regenerate(_), Some(s)) =
                    (f.state.element(e), day_env[e].state())
                {
                    let class = rule.classify(s);
                    phenotypes[e] = Some(class.phenotype);
                    f.phenotype[e] = class.phenotype.index() as f64;
                    f.stimulus[e] = class.stimulus.unwrap_or(f64::NAN);
                }
            }
            f.state.record_day(&phenotypes)?;
        }
        cell_problem
            .advance(&current, &mut f.cells, 1.0)
            .map_err(|e| fail(&e))?;
        f.cells.iter_mut().for_each(|c| *c = c.clamp(0.0, 1.0));
        mat = materials(&f, &current, &model, num.fluid_velocity)?;
        shares.biology_s += t.elapsed().as_secs_f64();

        // Observables.
        let stiffness = mech.stiffness(&current, &mat).map_err(|e| fail(&e))?;
        let t = Instant::now();
        let mesh = &current;
        let gap = gap_length(
            mesh,
            &b.proximal_bone_surface,
            &b.distal_bone_surface,
            &bone_nodes(mesh, &f.state),
        )?;
        let (fr, _) = regenerate_fractions(mesh, ideal, &f.state);
        let intact = intact_stiffness(
            mesh,
            ideal,
            &f.cortical,
            e_cortical,
            (&b.fixed_set, &b.moving_set),
            gap,
        )?;
        let is_bridged = bridged(mesh, &f.state, &b.fixed_set, &b.moving_set)?;
        if is_bridged && bridging_day.is_none() {
            bridging_day = Some(day.day);
        }
        let regenerate: Vec<usize> = (0..n)
            .filter(|&e| matches!(f.state.element(e), ElementTissue::Regenerate(_)))
            .collect();
        let mean_cells =
            regenerate.iter().map(|&e| mat.cells[e]).sum::<f64>() / regenerate.len().max(1) as f64;
        let row = HistoryRow {
            day: day.day,
            phase: day.phase,
            gap_mm: gap,
            callus_stiffness_n_per_mm: stiffness.axial_n_per_mm,
            stiffness_pct_intact: 100.0 * stiffness.axial_n_per_mm / intact,
            torsional_stiffness_nmm_per_rad: stiffness.torsion_nmm_per_rad,
            granulation_fraction: fr.granulation,
            fibrous_fraction: fr.fibrous,
            cartilage_fraction: fr.cartilage,
            immature_bone_fraction: fr.immature_bone,
            mature_bone_fraction: fr.mature_bone,
            marrow_fraction: fr.marrow,
            peak_force_n: peak_force,
            residual_force_n: residual_force,
            step_strain,
            load_strain: load_movement_mm.map(|m| m / gap),
            mean_cell_concentration: mean_cells,
            bridged: is_bridged,
            elements: n,
            max_plane_element_height_mm: tallest_beside_plane(
                &f.reference,
                &f.current,
                &is_plane,
                &rows,
            ),
            min_element_quality: worst_quality_in(
                &f.reference,
                &f.current,
                &(0..f.reference.region_names().len()).collect::<Vec<_>>(),
            ),
        };
        shares.bookkeeping_s += t.elapsed().as_secs_f64();

        let t = Instant::now();
        let last = index + 1 == plan.len();
        if options.fields && (day.day % scenario.output.field_every_days == 0 || last) {
            write_fields(&mut out, day.day, &f, &mat)?;
        }
        history.push(row);
        // Every day, so that a run that stops (an error, a kill) leaves the days it finished.
        out.write_histories(&history, &forces)?;
        shares.output_s += t.elapsed().as_secs_f64();
        progress(&Progress {
            done: index + 1,
            total: plan.len(),
            row: history.last().expect("just pushed"),
        });
    }
    shares.mechanics = add(shares.mechanics, mech.timings);
    let last = history.last().ok_or_else(|| SimError::Day {
        day: 0,
        message: "the protocol has no days".into(),
    })?;
    let lengthening_cm = scenario.protocol.lengthening_mm / 10.0;
    let summary = Summary {
        version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: scenario_file.to_string(),
        bridging_day,
        healing_index_days_per_cm: bridging_day.map(|d| d as f64 / lengthening_cm),
        final_stiffness_n_per_mm: last.callus_stiffness_n_per_mm,
        final_stiffness_pct_intact: last.stiffness_pct_intact,
        max_peak_force_n: history
            .iter()
            .filter_map(|r| r.peak_force_n)
            .reduce(f64::max),
        final_fractions: Fractions {
            granulation: last.granulation_fraction,
            fibrous: last.fibrous_fraction,
            cartilage: last.cartilage_fraction,
            immature_bone: last.immature_bone_fraction,
            mature_bone: last.mature_bone_fraction,
            marrow: last.marrow_fraction,
        },
        final_gap_mm: last.gap_mm,
        days: history.len(),
        layers_inserted: layers,
        rezonings,
        rezonings_refused: refused,
        final_elements: f.reference.num_elements(),
        run_time_s: started.elapsed().as_secs_f64(),
        time: shares,
        scenario: scenario.clone(),
    };
    crate::plots::run_plots(&options.out_dir.join("plots"), &history, &forces)?;
    out.finish_results(&history, &forces)?;
    // Last: a sweep's --resume takes a folder with summary.json as finished.
    out.write_summary(&summary)?;
    Ok(summary)
}

fn add(a: Timings, b: Timings) -> Timings {
    Timings {
        assembly_s: a.assembly_s + b.assembly_s,
        factorization_s: a.factorization_s + b.factorization_s,
        solve_s: a.solve_s + b.solve_s,
        postprocessing_s: a.postprocessing_s + b.postprocessing_s,
        factorizations: a.factorizations + b.factorizations,
        solves: a.solves + b.solves,
    }
}

fn write_fields(
    out: &mut RunDirectory,
    day: u32,
    f: &Fields,
    mat: &Materials,
) -> Result<(), SimError> {
    let n = f.reference.num_elements();
    let fractions: Vec<[f64; 6]> = (0..n).map(|e| f.state.fractions(e).values()).collect();
    let column = |i: usize| fractions.iter().map(|x| x[i]).collect::<Vec<f64>>();
    let names = [
        "granulation_fraction",
        "fibrous_fraction",
        "cartilage_fraction",
        "immature_bone_fraction",
        "mature_bone_fraction",
        "marrow_fraction",
    ];
    let columns: Vec<Vec<f64>> = (0..6).map(column).collect();
    let mut cell_fields: Vec<Field> = names
        .iter()
        .zip(&columns)
        .map(|(name, values)| Field {
            name,
            components: 1,
            values,
        })
        .collect();
    cell_fields.extend([
        Field {
            name: "phenotype",
            components: 1,
            values: &f.phenotype,
        },
        Field {
            name: "stimulus",
            components: 1,
            values: &f.stimulus,
        },
        Field {
            name: "youngs_modulus_mpa",
            components: 1,
            values: &mat.youngs_modulus_mpa,
        },
        Field {
            name: "permeability_mm4_per_ns",
            components: 1,
            values: &mat.mobility_mm4_per_ns,
        },
        Field {
            name: "cell_concentration",
            components: 1,
            values: &mat.cells,
        },
    ]);
    let displacement: Vec<f64> = f.displacement.iter().flatten().copied().collect();
    let point_fields = [
        Field {
            name: "displacement_mm",
            components: 3,
            values: &displacement,
        },
        Field {
            name: "pore_pressure_mpa",
            components: 1,
            values: &f.pressure,
        },
        Field {
            name: "cell_concentration",
            components: 1,
            values: &f.cells,
        },
    ];
    out.write_fields(day, &f.mesh(), &cell_fields, &point_fields)
}
