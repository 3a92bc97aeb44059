//! The material of every element for the solvers, from the tissue state and the cells (MODEL.md
//! §4: rule of mixtures), and the fields a run reports from it.

use callus_bio::state::TissueState;
use callus_bio::tissue::TissueCatalogue;
use callus_bio::BioError;
use callus_fem::material::{Biot, Elastic};

use crate::scenario::FluidVelocity;

/// Per-element materials, computed once per tissue state (after the day's biology, and after a
/// layer insertion adds elements).
pub struct Materials {
    /// Biot material (the distraction steps and the load cycle).
    pub biot: Vec<Biot>,
    /// Drained skeleton (the stiffness test).
    pub elastic: Vec<Elastic>,
    /// What divides the Darcy flux into the velocity the rule reads: the porosity for the seepage
    /// velocity q/n, 1 for the flux itself (`numerics.fluid_velocity`).
    pub velocity_divisor: Vec<f64>,
    /// Young's modulus (MPa), for the fields.
    pub youngs_modulus_mpa: Vec<f64>,
    /// Mobility k (mm⁴/(N·s)), for the fields.
    pub mobility_mm4_per_ns: Vec<f64>,
    /// Element mean of the cell concentration, clamped to [0, 1] (the c of the mixture).
    pub cells: Vec<f64>,
}

impl Materials {
    /// The materials of `tissue` with the cell concentration `element_cells` (the volume mean of
    /// each element, [`callus_bio::cells::CellDiffusion::element_means`]).
    pub fn new(
        tissue: &TissueState,
        element_cells: &[f64],
        catalogue: &TissueCatalogue,
        fluid: FluidVelocity,
    ) -> Result<Materials, BioError> {
        let n = element_cells.len();
        let mut m = Materials {
            biot: Vec::with_capacity(n),
            elastic: Vec::with_capacity(n),
            velocity_divisor: Vec::with_capacity(n),
            youngs_modulus_mpa: Vec::with_capacity(n),
            mobility_mm4_per_ns: Vec::with_capacity(n),
            cells: Vec::with_capacity(n),
        };
        for (e, &c) in element_cells.iter().enumerate() {
            let c = c.clamp(0.0, 1.0);
            let t = tissue.material(e, c, catalogue)?;
            let biot = t.biot();
            m.elastic.push(biot.skeleton);
            m.biot.push(biot);
            m.velocity_divisor.push(match fluid {
                FluidVelocity::Seepage => t.porosity,
                FluidVelocity::DarcyFlux => 1.0,
            });
            m.youngs_modulus_mpa.push(t.youngs_modulus_mpa);
            m.mobility_mm4_per_ns.push(t.mobility_mm4_per_ns);
            m.cells.push(c);
        }
        Ok(m)
    }
}
