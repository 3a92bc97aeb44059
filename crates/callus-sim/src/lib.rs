//! # callus-sim
//!
//! The distraction osteogenesis simulation (shared/MODEL.md §5–7): the scenario a run is configured
//! by ([`scenario`]), the protocol's day-by-day plan ([`protocol`]), the model it builds
//! ([`model`]), the mechanics of a day ([`mechanics`]), gap growth ([`growth`]), the observables
//! ([`observe`]), the daily loop ([`run`]) and its files ([`output`]: tables in [`table`], HDF5 in [`results_h5`]), rezoning after gap growth
//! ([`rezone`]), rate × rhythm sweeps ([`sweep`]) and SVG plots of both ([`plots`]).

mod error;
pub mod growth;
pub mod materials;
pub mod mechanics;
pub mod model;
pub mod observe;
pub mod output;
pub mod plots;
pub mod protocol;
pub mod results_h5;
pub mod rezone;
pub mod run;
pub mod scenario;
pub mod sweep;
pub mod table;

pub use error::SimError;
pub use scenario::{Scenario, ScenarioError};
