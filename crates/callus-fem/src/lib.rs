//! # callus-fem
//!
//! The finite-element solver of callus (physics: `shared/MODEL.md` §1): element kernels for drained
//! elasticity, Biot poroelasticity with Taylor–Hood elements and scalar diffusion, in plane strain,
//! axisymmetry and 3D; quadrature; the sparsity pattern and parallel assembly; sparse LDLᵀ/Cholesky
//! with a METIS nested-dissection ordering; boundary conditions and time stepping.
//!
//! Units: mm, N, MPa, s.

pub mod assembly;
pub mod bc;
pub mod dofs;
pub mod element;
mod error;
pub mod integrate;
pub mod material;
pub mod pattern;
pub mod post;
pub mod problem;
pub mod quadrature;
pub mod shape;
pub mod solver;
pub mod verification;

pub use element::Idealisation;
pub use error::{FemError, PivotError};
