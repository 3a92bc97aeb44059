//! Typed errors of the biology layer.

/// What can go wrong in the biology layer.
#[derive(Debug, thiserror::Error)]
pub enum BioError {
    /// A tissue catalogue file is unreadable or invalid.
    #[error("{file}: {message}")]
    Tissues {
        /// The file.
        file: String,
        /// What is wrong (with the table and key).
        message: String,
    },
    /// A tissue name that the catalogue does not have.
    #[error("unknown tissue '{name}'; the catalogue has: {known}")]
    UnknownTissue {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: String,
    },
    /// A rule parameter out of range.
    #[error("rule parameter {name} = {value}: {why}")]
    Parameter {
        /// The parameter (its key in the rule's table).
        name: &'static str,
        /// The value given.
        value: f64,
        /// What is wrong and what would be right.
        why: String,
    },
    /// A parameter out of range (names the parameter).
    #[error("{0}")]
    Invalid(String),
    /// From the solver.
    #[error(transparent)]
    Fem(#[from] callus_fem::FemError),
    /// From the mesh.
    #[error(transparent)]
    Mesh(#[from] callus_mesh::MeshError),
}
