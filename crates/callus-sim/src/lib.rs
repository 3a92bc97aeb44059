//! # callus-sim
//!
//! The distraction osteogenesis simulation (shared/MODEL.md §5–7): the scenario a run is configured
//! by ([`scenario`]) and the protocol's day-by-day plan ([`protocol`]). The daily loop, observables
//! and outputs build on these.

pub mod protocol;
pub mod scenario;

pub use scenario::{Scenario, ScenarioError};
