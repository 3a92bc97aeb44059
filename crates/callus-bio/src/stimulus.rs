//! The mechanical state the rules read at one point, as plain data (so rules can be tested and
//! compared without the solver), with the derived measures they use.

use serde::{Deserialize, Serialize};

use callus_fem::post::{max_shear_strain, octahedral_shear_strain, principal, PointState};

/// What the mechano-regulation rules need at one point. Tension positive; pressure positive in
/// compression.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MechanicalState {
    /// Strain (or strain increment) tensor, tensor shears.
    pub strain: [[f64; 3]; 3],
    /// Fluid velocity relative to the solid (mm/s).
    pub fluid_velocity_mm_per_s: [f64; 3],
    /// Pore pressure (MPa).
    pub pore_pressure_mpa: f64,
    /// Hydrostatic total stress tr(σ)/3 (MPa, tension positive).
    pub hydrostatic_stress_mpa: f64,
}

impl MechanicalState {
    /// From a solver point state; `porosity` turns the Darcy flux into the seepage velocity q/n
    /// (MODEL.md §1: the velocity the Prendergast rule uses), or pass 1 to use the flux itself.
    pub fn from_point(p: &PointState, porosity: f64) -> MechanicalState {
        MechanicalState {
            strain: p.strain,
            fluid_velocity_mm_per_s: p.fluid_velocity_mm_per_s(porosity),
            pore_pressure_mpa: p.pressure_mpa,
            hydrostatic_stress_mpa: p.hydrostatic_stress_mpa(),
        }
    }

    /// Principal strains, largest first.
    pub fn principal_strains(&self) -> [f64; 3] {
        principal(&self.strain)
    }

    /// Octahedral shear strain (2/3)√((ε1−ε2)² + (ε2−ε3)² + (ε3−ε1)²).
    pub fn octahedral_shear_strain(&self) -> f64 {
        octahedral_shear_strain(&self.principal_strains())
    }

    /// Maximum shear strain ε1 − ε3.
    pub fn max_shear_strain(&self) -> f64 {
        max_shear_strain(&self.principal_strains())
    }

    /// Largest absolute principal strain.
    pub fn max_abs_principal_strain(&self) -> f64 {
        self.principal_strains()
            .iter()
            .fold(0.0f64, |m, e| m.max(e.abs()))
    }

    /// Speed of the fluid relative to the solid (mm/s).
    pub fn fluid_speed_mm_per_s(&self) -> f64 {
        self.fluid_velocity_mm_per_s
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
    }

    /// Hydrostatic pressure −tr(σ)/3 (MPa, compression positive).
    pub fn hydrostatic_pressure_mpa(&self) -> f64 {
        -self.hydrostatic_stress_mpa
    }
}
