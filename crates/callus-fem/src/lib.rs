//! # callus-fem
//!
//! The finite-element solver of callus (physics: `shared/MODEL.md` §1): element kernels for drained
//! elasticity, Biot poroelasticity with Taylor–Hood elements and scalar diffusion, in plane strain,
//! axisymmetry and 3D; quadrature; the sparsity pattern and parallel assembly; sparse LDLᵀ/Cholesky
//! with a METIS nested-dissection ordering; boundary conditions and time stepping.
//!
//! Units: mm, N, MPa, s.

// Kernels index arrays as the equations do (K[i][j] += B[i][c] D[c][e] ...); iterator rewrites
// would hide the formulas.
#![allow(clippy::needless_range_loop)]

pub mod element;
pub mod material;
pub mod quadrature;
pub mod shape;

pub use element::Idealisation;
