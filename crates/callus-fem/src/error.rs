//! Typed errors of the solver.

use faer::linalg::cholesky::ldlt::factor::LdltError;
use faer::linalg::cholesky::llt::factor::LltError;

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
    /// The symbolic analysis of a pattern failed (an index overflow, or out of memory).
    #[error("the symbolic factorization of {unknowns} unknowns failed: {source}")]
    Symbolic {
        /// Unknowns of the system.
        unknowns: usize,
        /// faer's error.
        source: faer::sparse::FaerError,
    },
    /// A numeric factorization met a pivot it cannot take: a matrix that should be definite or
    /// quasi-definite is not.
    #[error("the {factorization} factorization failed ({source}). {BOUNDARY_ADVICE}")]
    Pivot {
        /// LLᵀ or LDLᵀ.
        factorization: &'static str,
        /// faer's error, with the pivot.
        source: PivotError,
    },
    /// The factorization went through, but a test solve shows the matrix singular (round-off
    /// stood in for zero pivots).
    #[error("the {factorization} factorization failed: the matrix is singular (a test solve is off by {miss:.1e}). {BOUNDARY_ADVICE}")]
    Singular {
        /// LLᵀ or LDLᵀ.
        factorization: &'static str,
        /// Largest error of the test solve.
        miss: f64,
    },
    /// A solve gave a value that is not a number (NaN or infinite): the system had a material
    /// value, a load or a time step that is zero, infinite or not a number, or is too badly
    /// conditioned to solve.
    #[error("the solution is not a number at node {node} (0-based; {unknown}) after a time step of {dt:e} (s; days for cells and vascularity): a material value (modulus, permeability) or a load is zero, infinite or out of range, or the time step is; check the tissue table and the scenario's [numerics]")]
    NotFinite {
        /// The first node (0-based index) whose value is not finite.
        node: usize,
        /// Which of its unknowns.
        unknown: &'static str,
        /// The time step (s; days for the cells and the vascularity).
        dt: f64,
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

/// What usually makes a system singular.
const BOUNDARY_ADVICE: &str = "Check that the boundary conditions fix every rigid motion (and, for Biot, the pressure somewhere or a compressible fluid), and that no material value (a modulus, a permeability) is zero or many orders of magnitude away from the others (the tissue table's units: MPa, m⁴/(N·s))";

/// A pivot a factorization could not take (faer's errors, which name it).
#[derive(Debug, thiserror::Error)]
pub enum PivotError {
    /// LLᵀ: a pivot that is not positive.
    #[error(transparent)]
    Llt(LltError),
    /// LDLᵀ: a zero pivot.
    #[error(transparent)]
    Ldlt(LdltError),
}
