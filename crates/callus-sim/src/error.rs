//! Errors of a run: typed, each with its source, naming the day, the step or element, and the fix.

use crate::record::OutputError;
use crate::scenario::ScenarioError;

/// Why a run could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario is invalid, or does not fit the mesh (names the key).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Setting up: from the mesh.
    #[error(transparent)]
    Mesh(#[from] callus_mesh::MeshError),
    /// Setting up: from the solver.
    #[error(transparent)]
    Fem(#[from] callus_fem::FemError),
    /// Setting up: from the biology.
    #[error(transparent)]
    Bio(#[from] callus_bio::BioError),
    /// A phase of a day failed.
    #[error("day {day}, {during}: {source}")]
    Day {
        /// Day of the protocol.
        day: u32,
        /// The phase.
        during: During,
        /// What failed.
        source: DayError,
    },
    /// A distraction step turned an element over.
    #[error("day {day}, distraction step {step}: element {element} (region '{region}') is turned over (its worst scaled Jacobian is {quality:.3}); take smaller steps (more a day: protocol.rhythm), insert layers earlier (numerics.max_element_height_mm) or rezone more (numerics.rezone_regions, numerics.rezone_below_quality)")]
    Inverted {
        /// Day of the protocol.
        day: u32,
        /// Step of the day (0-based).
        step: usize,
        /// External tag of the element.
        element: u64,
        /// Its region.
        region: String,
        /// Its smallest scaled Jacobian at a node (≤ 0).
        quality: f64,
    },
    /// A field of the state (or a material, or the stiffness) holds a value that is not a number.
    #[error("day {day}: the {field} is not a number at {site}; the run stops (the days done and the last checkpoint stay in the output folder). A material value (the tissue table), a load or a time step out of range usually causes it: check them, and run again (--resume continues from the checkpoint)")]
    NotFinite {
        /// Day of the protocol.
        day: u32,
        /// The field.
        field: &'static str,
        /// Where: `node N` or `element T (region 'R')` with the external tags, or the test.
        site: String,
    },
    /// A checkpoint cannot continue this run.
    #[error("the checkpoint cannot continue this run: {reason}")]
    Checkpoint {
        /// Why.
        reason: crate::checkpoint::CheckpointMismatch,
    },
    /// A sink could not take a day's (or the run's) report.
    #[error("day {day}: writing the outputs: {source}")]
    Output {
        /// Day of the protocol (the last one for the run's report).
        day: u32,
        /// The sink's error.
        source: OutputError,
    },
}

/// The phase of a day that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum During {
    /// A distraction step (0-based within the day).
    Step(usize),
    /// Inserting a layer at the growth plane.
    Growth,
    /// Rezoning the soft tissue.
    Rezoning,
    /// The physiological load cycle.
    Load,
    /// The rule and the tissue state.
    Differentiation,
    /// Cell diffusion.
    Cells,
    /// The vascularity (MODEL.md §4b).
    Vascularity,
    /// The drained stiffness test.
    Stiffness,
    /// Gap, fractions, bridging.
    Observables,
}

impl std::fmt::Display for During {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            During::Step(k) => write!(f, "distraction step {k}"),
            During::Growth => f.write_str("gap growth"),
            During::Rezoning => f.write_str("rezoning"),
            During::Load => f.write_str("the load cycle"),
            During::Differentiation => f.write_str("differentiation"),
            During::Cells => f.write_str("cell diffusion"),
            During::Vascularity => f.write_str("vascularity"),
            During::Stiffness => f.write_str("the stiffness test"),
            During::Observables => f.write_str("the observables"),
        }
    }
}

/// What failed in a phase of a day.
#[derive(Debug, thiserror::Error)]
pub enum DayError {
    /// The solver.
    #[error(transparent)]
    Fem(#[from] callus_fem::FemError),
    /// The biology.
    #[error(transparent)]
    Bio(#[from] callus_bio::BioError),
    /// The mesh.
    #[error(transparent)]
    Mesh(#[from] callus_mesh::MeshError),
}

/// A set-up error (of the solvers on a mesh) as the error of a run that has not started a day.
impl From<DayError> for SimError {
    fn from(e: DayError) -> SimError {
        match e {
            DayError::Fem(e) => SimError::Fem(e),
            DayError::Bio(e) => SimError::Bio(e),
            DayError::Mesh(e) => SimError::Mesh(e),
        }
    }
}

/// Maps an error of a phase to [`SimError::Day`].
pub(crate) fn at<E: Into<DayError>>(day: u32, during: During) -> impl FnOnce(E) -> SimError {
    move |e| SimError::Day {
        day,
        during,
        source: e.into(),
    }
}
