//! # callus-io
//!
//! The files of callus. A run's folder ([`run_files`]: [`RunFiles`], the [`callus_sim::RunSink`]
//! that writes it as the run goes, and [`run`], which runs a scenario into a folder) and a sweep's
//! ([`sweep`]), in the formats users read them with:
//! - tables as CSV and HDF5 from the same columns ([`table`], [`results_h5`]);
//! - fields as VTU with a PVD time series for ParaView ([`vtu`]) and in HDF5 with an XDMF
//!   description ([`results_h5`]);
//! - plots as SVG and PNG ([`plots`]); the summary as JSON.
//!
//! Every file is written to a temporary name and renamed ([`atomic`]), so an interrupted run leaves
//! no half-written file. Dependencies run one way: cli → io → sim → {bio, fem} → mesh.

pub mod atomic;
pub mod checkpoint;
mod error;
mod fnv;
pub mod plots;
pub mod results_h5;
pub mod run_files;
pub mod sweep;
pub mod table;
pub mod vtu;

pub use error::IoError;
pub use run_files::{run, RunFiles, RunOptions};
