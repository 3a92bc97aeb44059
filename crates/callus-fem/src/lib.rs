//! # callus-fem
//!
//! The finite-element solver of callus (physics: `shared/MODEL.md` §1): element kernels for drained
//! elasticity, Biot poroelasticity with Taylor–Hood elements and scalar diffusion, in plane strain,
//! axisymmetry and 3D ([`element`], [`quadrature`], [`shape`]); the sparsity pattern and its
//! matrices, sprs `CsMat`s sharing the pattern's index arrays ([`pattern`]), and parallel assembly
//! into them ([`assembly`]); discretisations that hold only what depends on the connectivity and
//! assemble on whichever configuration of the mesh they are given ([`problem`]); sparse
//! LDLᵀ/Cholesky with a METIS nested-dissection ordering on views of the same arrays ([`solver`]);
//! for large problems, MINRES ([`krylov`]) with a block preconditioner ([`iterative`]) whose
//! displacement block is a smoothed-aggregation multigrid ([`amg`]); adaptive time levels
//! ([`stepping`]); boundary conditions ([`bc`]); one backward-Euler driver and a static solve ([`integrate`]), which
//! the simulation and the verification problems ([`verification`]) share.
//!
//! Units: mm, N, MPa, s.

pub mod amg;
pub mod assembly;
pub mod bc;
pub mod dofs;
pub mod element;
mod error;
pub mod integrate;
pub mod iterative;
pub mod krylov;
pub mod material;
pub mod pattern;
pub mod post;
pub mod problem;
pub mod quadrature;
pub mod shape;
pub mod solver;
pub mod stepping;
pub mod verification;

pub use element::Idealisation;
pub use error::{FemError, PivotError};
