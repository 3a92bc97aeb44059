//! Mesenchymal stem cells (MODEL.md §4): normalised concentration c ∈ [0, 1] per node, diffusing as
//! ∂c/∂t = D∇²c with D = 0.5 mm²/day *(check; Ghiasi et al. 2019 use 0.5)*, held at c = 1 on the
//! source boundaries (periosteum, endosteum, soft tissue surface: named sets) and in source regions
//! (e.g. marrow), starting from c = 0 in a fresh gap. Solved on the mechanics mesh with callus-fem's
//! diffusion element and backward Euler; the matrix is constant, so [`CellDiffusion::solver`]
//! factorises it once and the solver advances the field day after day.
//!
//! The solve lives here, in bio, which may use fem (dependencies run cli → sim → {bio, fem} → mesh).

use serde::{Deserialize, Serialize};

use callus_fem::bc::{Constraints, Lifting};
use callus_fem::dofs::Fields;
use callus_fem::material::Diffusion;
use callus_fem::problem::Discretisation;
use callus_fem::Idealisation;
use callus_mesh::Mesh;

use crate::BioError;

/// Cell diffusion parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CellParams {
    /// Diffusivity D (mm²/day).
    pub diffusivity_mm2_per_day: f64,
    /// Backward-Euler steps per day.
    pub steps_per_day: usize,
    /// Boundary sets held at c = 1.
    pub source_sets: Vec<String>,
    /// Regions whose nodes are held at c = 1.
    pub source_regions: Vec<String>,
}

impl Default for CellParams {
    fn default() -> Self {
        CellParams {
            diffusivity_mm2_per_day: 0.5,
            steps_per_day: 4,
            source_sets: vec![
                "periosteum".into(),
                "endosteum".into(),
                "soft_tissue_surface".into(),
            ],
            source_regions: vec!["marrow".into()],
        }
    }
}

/// The cell diffusion problem on a mesh, assembled once per configuration
/// ([`CellDiffusion::set_coords`] re-assembles it on moved nodes).
pub struct CellDiffusion {
    disc: Discretisation,
    mass: Vec<f64>,
    system: Vec<f64>,
    lifting: Lifting,
    sources: Constraints,
    params: CellParams,
}

impl CellDiffusion {
    /// Sets up the problem; names of missing sets or regions are errors.
    pub fn new(
        mesh: &Mesh,
        ideal: Idealisation,
        params: CellParams,
    ) -> Result<CellDiffusion, BioError> {
        if !(params.diffusivity_mm2_per_day.is_finite() && params.diffusivity_mm2_per_day > 0.0) {
            return Err(BioError::Invalid(format!(
                "cells: diffusivity_mm2_per_day = {} must be positive",
                params.diffusivity_mm2_per_day
            )));
        }
        if params.steps_per_day == 0 {
            return Err(BioError::Invalid(
                "cells: steps_per_day must be at least 1".into(),
            ));
        }
        let disc = Discretisation::new(mesh, ideal, Fields::Scalar, 1)?;
        let mut sources = Constraints::new();
        for set in &params.source_sets {
            sources.scalar_on_set(mesh, &disc.dofs, set, 1.0)?;
        }
        let regions = mesh.require_regions(
            &params
                .source_regions
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )?;
        for e in mesh.elements().filter(|e| regions.contains(&e.region)) {
            for &n in e.nodes {
                sources.set(disc.dofs.scalar(n), 1.0);
            }
        }
        let n = disc.new_values().len();
        let mut cells = CellDiffusion {
            disc,
            mass: vec![0.0; n],
            system: vec![0.0; n],
            lifting: Lifting::default(),
            sources,
            params,
        };
        cells.assemble()?;
        Ok(cells)
    }

    /// Moves the nodes to `coords` (mm) and re-assembles: the diffusion then runs on the current
    /// configuration of the tissue.
    pub fn set_coords(&mut self, coords: &[[f64; 3]]) -> Result<(), BioError> {
        self.disc.set_coords(coords)?;
        self.assemble()
    }

    /// M, and the constrained backward-Euler matrix M + Δt·K, on the current node positions.
    fn assemble(&mut self) -> Result<(), BioError> {
        let materials = vec![
            Diffusion {
                capacity: 1.0,
                diffusivity: self.params.diffusivity_mm2_per_day
            };
            self.disc.mesh().num_elements()
        ];
        let mut stiffness = self.disc.new_values();
        self.disc
            .assemble_diffusion(&materials, &mut self.mass, &mut stiffness)?;
        let dt = 1.0 / self.params.steps_per_day as f64;
        for ((s, m), k) in self.system.iter_mut().zip(&self.mass).zip(&stiffness) {
            *s = m + dt * k;
        }
        self.lifting = self.sources.apply_to_matrix(
            &self.disc.assembler.pattern,
            &mut self.system,
            self.disc.dofs.kinds(),
        );
        Ok(())
    }

    /// The initial field: 1 on the sources, 0 elsewhere.
    pub fn initial(&self) -> Vec<f64> {
        let mut c = vec![0.0; self.disc.dofs.len()];
        for (d, v) in self.sources.iter() {
            c[d] = v;
        }
        c
    }

    /// Factorises the (constant) system once; the returned solver advances the field day after day.
    pub fn solver(&self) -> Result<CellSolver<'_>, BioError> {
        Ok(CellSolver {
            cells: self,
            factor: self.disc.symbolic.factorize(&self.system)?,
        })
    }

    /// Element averages of a nodal field (the c of each element's rule of mixtures).
    pub fn element_means(&self, c: &[f64]) -> Vec<f64> {
        let mesh = self.disc.mesh();
        mesh.elements()
            .map(|e| e.nodes.iter().map(|&n| c[n]).sum::<f64>() / e.nodes.len() as f64)
            .collect()
    }
}

/// A factorised cell-diffusion system (see [`CellDiffusion::solver`]).
pub struct CellSolver<'c> {
    cells: &'c CellDiffusion,
    factor: callus_fem::solver::Factorization<'c>,
}

impl CellSolver<'_> {
    /// Advances `c` (one value per node) by `days` (a whole number of steps is taken).
    pub fn advance(&self, c: &mut [f64], days: f64) -> Result<(), BioError> {
        let cells = self.cells;
        if c.len() != cells.disc.dofs.len() {
            return Err(BioError::Invalid(format!(
                "cells: {} values for {} nodes",
                c.len(),
                cells.disc.dofs.len()
            )));
        }
        let steps = (days * cells.params.steps_per_day as f64).round() as usize;
        let mut rhs = vec![0.0; c.len()];
        for _ in 0..steps {
            cells
                .disc
                .assembler
                .pattern
                .mul_vec(&cells.mass, c, &mut rhs);
            cells.lifting.apply_to_rhs(&cells.sources, &mut rhs);
            self.factor.solve_in_place(&mut rhs);
            c.copy_from_slice(&rhs);
        }
        Ok(())
    }
}
