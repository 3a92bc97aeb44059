//! Errors of a run.

use std::path::PathBuf;

use crate::scenario::ScenarioError;

/// Why a run could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario is invalid, or does not fit the mesh (names the key).
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// From the mesh.
    #[error(transparent)]
    Mesh(#[from] callus_mesh::MeshError),
    /// From the solver.
    #[error(transparent)]
    Fem(#[from] callus_fem::FemError),
    /// From the biology.
    #[error(transparent)]
    Bio(#[from] callus_bio::BioError),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// An HDF5 file could not be written or read.
    #[error("{}: HDF5: {message}", path.display())]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// HDF5's error.
        message: String,
    },
    /// The simulation failed on a day (names the day and what happened).
    #[error("day {day}: {message}")]
    Day {
        /// Day of the protocol.
        day: u32,
        /// What happened.
        message: String,
    },
}
