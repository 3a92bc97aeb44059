//! What a run emits (MODEL.md §6): a row of observables per day, the distraction force at every
//! time level, the fields of a day and the summary, handed to a [`RunSink`] as the run goes. The
//! simulation writes no file: callus-io's sinks do (CSV, HDF5, VTU, plots), the command line wires
//! them.
//!
//! Units are in the names (mm, N, MPa, s, day). The table rows keep their fields in column order:
//! a table's columns are the fields of its rows, in order.

use callus_bio::Fractions;
use callus_mesh::{Field, Mesh};
use serde::{Deserialize, Serialize};

use crate::checkpoint::Checkpoint;
use crate::mechanics::Timings;
use crate::scenario::{Phase, Scenario};

/// One day of the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryRow {
    /// Day since the osteotomy (day 0).
    pub day: u32,
    /// Phase of the protocol.
    pub phase: Phase,
    /// Gap length at the end of the day (mm).
    pub gap_mm: f64,
    /// Drained axial stiffness of the construct (N/mm).
    pub callus_stiffness_n_per_mm: f64,
    /// The same as % of an intact bone of the same length.
    pub stiffness_pct_intact: f64,
    /// Torsional stiffness (N·mm/rad), 3D only (empty in 2D).
    pub torsional_stiffness_nmm_per_rad: Option<f64>,
    /// Share of an axial load the fixator would carry in parallel with the construct,
    /// k_f / (k_f + k_construct) (MODEL.md §6: healed below 0.1).
    pub fixator_load_fraction: f64,
    /// Regenerate tissue fractions (volume-weighted), one column each (`granulation_fraction`, …).
    #[serde(flatten, with = "callus_bio::fractions::as_columns")]
    pub fractions: Fractions,
    /// Largest step peak of the day (N; empty without steps).
    pub peak_force_n: Option<f64>,
    /// Force just before the next step, after the day's last step (N).
    pub residual_force_n: Option<f64>,
    /// Largest nominal strain of a step (step / gap length).
    pub step_strain: Option<f64>,
    /// Interfragmentary strain under the physiological load: the shortening of the gap between the
    /// bone ends at the peak of the load over the gap length.
    pub load_strain: Option<f64>,
    /// Mean cell concentration in the regenerate (0..1).
    pub mean_cell_concentration: f64,
    /// Volume fraction of the regenerate with φ ≥ 0.6 (MODEL.md §4b; empty without vascularity).
    pub vascularised_fraction: Option<f64>,
    /// Length of the avascular zone (φ < 0.6) along the bone axis, at r = 0 (mm; empty without
    /// vascularity or an axis).
    pub avascular_width_on_axis_mm: Option<f64>,
    /// The avascular volume of the regenerate over its section at the growth plane: the zone's
    /// width as a volume-weighted mean over the section (mm; empty without vascularity).
    pub avascular_width_mean_mm: Option<f64>,
    /// Whether bone joins the two segments.
    pub bridged: bool,
    /// Elements in the mesh (grows with layer insertions).
    pub elements: usize,
    /// Tallest element beside the growth plane (mm).
    pub max_plane_element_height_mm: f64,
    /// Worst element of the current mesh: smallest scaled Jacobian at an element node, curved sides
    /// included (1 for a square, ≤ 0 for an element turned over; `callus_fem::shape::min_scaled_jacobian`).
    pub min_element_quality: f64,
}

/// One time level of a distraction step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForceSample {
    /// Time since the osteotomy (s).
    pub time_s: f64,
    /// Day.
    pub day: u32,
    /// Step of the day (0-based).
    pub step: usize,
    /// Distraction force on the moving segment (N, tension positive).
    pub force_n: f64,
}

/// Where the run's time went (s).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct TimeShares {
    /// Mechanics (see [`Timings`]).
    #[serde(flatten)]
    pub mechanics: Timings,
    /// Rule, tissue state, materials and cell diffusion.
    pub biology_s: f64,
    /// Observables other than the stiffness solve (fractions, bridging), gap growth.
    pub bookkeeping_s: f64,
    /// Writing files (the sinks' time).
    pub output_s: f64,
}

/// The largest change of content over one rezoning, as a fraction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RezoningDrift {
    /// Of any tissue's volume in the regenerate, over the regenerate's volume, besides what entered
    /// from the fixed tissues ([`crate::remap`]).
    pub tissue: f64,
    /// Volume that entered the regenerate from the fixed tissues (marrow drawn into the gap, which
    /// the rezoning's mesh then counts in the regenerate), over the regenerate's volume.
    pub inflow: f64,
    /// Of the cells' content ∫ c dV over the mesh.
    pub cells: f64,
    /// Of the vascularity's content ∫ φ dV over the mesh (0 without vascularity).
    pub vascularity: f64,
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
    /// First day the fixator's load share is below 10 % (MODEL.md §6), if any.
    pub healed_day: Option<u32>,
    /// Healed day per cm of lengthening (days/cm, the clinical healing index), if healed.
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
    /// The largest change of content one rezoning made ([`crate::rezone`] keeps the state with
    /// its element and node while the nodes move; MODEL.md §5 asks for ≤ 1 %).
    pub rezoning_drift: RezoningDrift,
    /// Elements at the end.
    pub final_elements: usize,
    /// Unknowns of the u–p system (displacements and vertex pressures) on the first day's mesh.
    pub mechanics_dofs_start: usize,
    /// The same on the last day's mesh (it grows with the gap's layers).
    pub mechanics_dofs_end: usize,
    /// Wall time (s).
    pub run_time_s: f64,
    /// Time shares.
    pub time: TimeShares,
    /// The scenario as run.
    pub scenario: Scenario,
}

/// The fields of a day on the mesh in its current configuration (the VTU and HDF5 field files).
pub struct Snapshot<'a> {
    /// Day since the osteotomy.
    pub day: u32,
    /// The mesh, nodes where the tissue is that day.
    pub mesh: &'a Mesh,
    /// Per element: tissue fractions, phenotype, stimulus, E, k, cells.
    pub cell_fields: Vec<Field<'a>>,
    /// Per node: displacement since day 0, pore pressure, cells.
    pub point_fields: Vec<Field<'a>>,
}

/// A day done, as a sink sees it.
pub struct DayReport<'a> {
    /// The rows of the days done, this day's last.
    pub history: &'a [HistoryRow],
    /// Every time level of the distraction steps so far.
    pub forces: &'a [ForceSample],
    /// Days in the plan.
    pub days_in_plan: usize,
    /// Whether the scenario asks for the fields today (every `output.field_every_days`, and the
    /// last day).
    pub fields_due: bool,
    pub(crate) fields: &'a dyn Fn() -> Snapshot<'a>,
    /// Whether the scenario asks for a checkpoint after today (every
    /// `output.checkpoint_every_days` days done, not after the last day).
    pub checkpoint_due: bool,
    pub(crate) checkpoint: &'a dyn Fn() -> Checkpoint,
}

impl<'a> DayReport<'a> {
    /// This day's row.
    pub fn row(&self) -> &'a HistoryRow {
        self.history.last().expect("a report follows a day")
    }

    /// The fields of the day (computed on demand).
    pub fn fields(&self) -> Snapshot<'a> {
        (self.fields)()
    }

    /// The state after today, from which the run can continue ([`crate::Simulation::resume`];
    /// computed on demand).
    pub fn checkpoint(&self) -> Checkpoint {
        (self.checkpoint)()
    }
}

/// A run done, as a sink sees it.
pub struct RunReport<'a> {
    /// The summary.
    pub summary: &'a Summary,
    /// Every day's row.
    pub history: &'a [HistoryRow],
    /// Every time level of the distraction steps.
    pub forces: &'a [ForceSample],
}

/// What a run returns: the summary and the whole history.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The summary.
    pub summary: Summary,
    /// One row per day.
    pub history: Vec<HistoryRow>,
    /// Every time level of the distraction steps.
    pub forces: Vec<ForceSample>,
}

/// Why a sink could not take a report (its own error, boxed: the simulation keeps it as the source
/// of [`crate::SimError::Output`]).
pub type OutputError = Box<dyn std::error::Error + Send + Sync>;

/// Where a run's reports go, as the run goes: files, a progress bar, a test's memory.
pub trait RunSink {
    /// After each day.
    fn day(&mut self, day: &DayReport) -> Result<(), OutputError>;
    /// After the last day.
    fn finish(&mut self, run: &RunReport) -> Result<(), OutputError>;
}

/// No output (the [`Outcome`] has everything).
impl RunSink for () {
    fn day(&mut self, _: &DayReport) -> Result<(), OutputError> {
        Ok(())
    }
    fn finish(&mut self, _: &RunReport) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Both sinks, the first first.
impl<A: RunSink, B: RunSink> RunSink for (A, B) {
    fn day(&mut self, day: &DayReport) -> Result<(), OutputError> {
        self.0.day(day)?;
        self.1.day(day)
    }
    fn finish(&mut self, run: &RunReport) -> Result<(), OutputError> {
        self.0.finish(run)?;
        self.1.finish(run)
    }
}

impl<S: RunSink + ?Sized> RunSink for &mut S {
    fn day(&mut self, day: &DayReport) -> Result<(), OutputError> {
        (**self).day(day)
    }
    fn finish(&mut self, run: &RunReport) -> Result<(), OutputError> {
        (**self).finish(run)
    }
}

/// A sink that calls a function after each day (progress).
pub struct OnDay<F>(pub F);

impl<F: FnMut(&DayReport)> RunSink for OnDay<F> {
    fn day(&mut self, day: &DayReport) -> Result<(), OutputError> {
        (self.0)(day);
        Ok(())
    }
    fn finish(&mut self, _: &RunReport) -> Result<(), OutputError> {
        Ok(())
    }
}
