//! # callus-bio
//!
//! The mechanobiology of callus (shared/MODEL.md §2–4), independent of the solver: it takes the
//! mechanical state per element as plain data and returns tissue state and material properties.
//! - [`tissue`]: the tissue catalogue (Lacroix & Prendergast 2002), a replaceable TOML file.
//! - [`stimulus`] and [`rules`]: the mechanical state of a point and the mechano-regulation rules
//!   (Prendergast/Lacroix, deviatoric strain, Claes & Heigele, Carter) behind one trait.
//! - [`cells`]: mesenchymal stem cell diffusion, solved with callus-fem's diffusion element.
//! - [`state`]: per-element phenotype history, fractions and rule-of-mixtures properties;
//!   [`fractions`]: the one type of tissue fractions.
//!
//! Units: mm, N, MPa, s; biology in days.

pub mod cells;
mod error;
pub mod fractions;
pub mod rules;
pub mod state;
pub mod stimulus;
pub mod tissue;
pub mod vascularity;

pub use error::BioError;
pub use fractions::Fractions;
