//! # callus-sim
//!
//! The distraction osteogenesis simulation (shared/MODEL.md §5–7). A [`Simulation`] runs a
//! [`Scenario`] day by day; its methods are the phases of a day ([`simulation`]) and it hands every
//! day to a [`RunSink`] ([`record`]: what a run emits). It writes no file: callus-io does.
//!
//! - The input: the scenario ([`scenario`], TOML over a commented default or a literature preset,
//!   [`presets`]), the protocol's day-by-day plan ([`protocol`]), the model it builds and checks
//!   against its mesh ([`model`]).
//! - The state: the body, its mesh in the current configuration and its reference ([`body`]); every
//!   per-node and per-element field, carried through a layer insertion by one call ([`state`]); the
//!   materials of the elements ([`materials`]).
//! - The phases' machinery: the mechanics of a day ([`mechanics`]), gap growth ([`growth`]) and
//!   rezoning ([`rezone`]), the observables ([`observe`]).
//! - Checkpoints: the whole state after a day, from which a run continues ([`checkpoint`]).
//! - Studies: the cases of a grid over rates, rhythms and any keys, or of a Latin hypercube, and
//!   their shards ([`sweep`]); the statistics of a sampled study ([`sensitivity`]).

pub mod body;
pub mod checkpoint;
mod error;
pub mod growth;
pub mod materials;
pub mod mechanics;
pub mod model;
pub mod observe;
pub mod presets;
pub mod protocol;
pub mod record;
pub mod remap;
pub mod rezone;
pub mod scenario;
pub mod sensitivity;
pub mod simulation;
pub mod state;
pub mod sweep;

pub use checkpoint::{Checkpoint, CheckpointMismatch};
pub use error::{DayError, During, SimError};
pub use record::{DayReport, Outcome, RunReport, RunSink, Summary};
pub use scenario::{Scenario, ScenarioError};
pub use simulation::{SimOptions, Simulation};
