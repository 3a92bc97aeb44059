//! Errors of the files: each names the file and keeps its source.

use std::path::{Path, PathBuf};

/// What can go wrong writing (or reading back) a run's or a sweep's files.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The operating system refused a file or folder.
    #[error("{}: {source}", path.display())]
    File {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// HDF5 could not write or read a file.
    #[error("{}: HDF5: {source}", path.display())]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// HDF5's error (with its error stack).
        source: hdf5::Error,
    },
    /// A plot could not be drawn.
    #[error("{}: drawing the plot: {source}", path.display())]
    Plot {
        /// The plot's file.
        path: PathBuf,
        /// plotters' error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A field does not fit the mesh it is written with (a bug of the caller).
    #[error("{}: {message}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// Which field, and its size.
        message: String,
    },
    /// A sweep's shards cannot be merged, or a shard's record is unreadable (names the file and
    /// what to do).
    #[error("{}: {message}", path.display())]
    Shards {
        /// The shard record or folder.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// A checkpoint cannot be read, or cannot continue the run (names the file and what to do).
    #[error("{}: {message}", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The simulation stopped (its own error names the day and the cause).
    #[error(transparent)]
    Simulation(#[from] callus_sim::SimError),
}

/// Maps an I/O error on `path` to [`IoError::File`].
pub(crate) fn file(path: &Path) -> impl FnOnce(std::io::Error) -> IoError + '_ {
    move |source| IoError::File {
        path: path.to_path_buf(),
        source,
    }
}
