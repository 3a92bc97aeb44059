//! Typed errors of the solver.

/// What can go wrong assembling or solving.
#[derive(Debug, thiserror::Error)]
pub enum FemError {
    /// An element's Jacobian is not positive at a quadrature point.
    #[error("element {tag} (region '{region}'): {source}")]
    BadElement {
        /// External tag of the element.
        tag: u64,
        /// Its region.
        region: String,
        /// Where and how.
        source: crate::element::BadJacobian,
    },
    /// The factorization failed (a matrix that should be definite or quasi-definite is not:
    /// usually too few boundary conditions, so that a rigid motion or a pressure level is free).
    #[error("the {what} factorization failed: {detail}. Check that the boundary conditions fix every rigid motion (and, for Biot, the pressure somewhere or a compressible fluid)")]
    Factorization {
        /// LLᵀ or LDLᵀ.
        what: &'static str,
        /// faer's message.
        detail: String,
    },
    /// METIS failed.
    #[error("METIS nested dissection failed with status {0}")]
    Ordering(i32),
    /// Inconsistent input (sizes, unknown set, a value that is not a number).
    #[error("{0}")]
    Invalid(String),
    /// From the mesh layer.
    #[error(transparent)]
    Mesh(#[from] callus_mesh::MeshError),
}
