//! Mesenchymal stem cells (MODEL.md §4): normalised concentration c ∈ [0, 1] per node, diffusing as
//! ∂c/∂t = D∇²c with D = 0.5 mm²/day *(check; Ghiasi et al. 2019 use 0.5)*, held at c = 1 on the
//! source boundaries (periosteum, endosteum, soft tissue surface: named sets) and in source regions
//! (e.g. marrow), starting from c = 0 in a fresh gap. Solved with callus-fem's diffusion element and
//! its backward-Euler driver ([`callus_fem::integrate::BackwardEuler`]) on the mesh it is given, in
//! the configuration it is in: the tissue moves between days, so [`CellDiffusion::advance`]
//! assembles M and K there and factorizes M + Δt·K once for the steps of the call.
//!
//! The solve lives here, in bio, which may use fem (dependencies run cli → io → sim → {bio, fem} →
//! mesh).

use serde::{Deserialize, Serialize};

use callus_fem::bc::Constraints;
use callus_fem::dofs::Fields;
use callus_fem::integrate::{BackwardEuler, LinearSolver, Operators, SolveStats};
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

/// The cell diffusion problem on the connectivity of a mesh: the dofs, the pattern and the sources.
pub struct CellDiffusion {
    disc: Discretisation,
    operators: Operators,
    sources: Constraints,
    params: CellParams,
    iterative: bool,
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
        Ok(CellDiffusion {
            operators: Operators::zeros(&disc.assembler.pattern),
            disc,
            sources,
            params,
            iterative: false,
        })
    }

    /// Solves iteratively (MINRES with multigrid, memory linear in the nodes) when `iterative`,
    /// else directly (the default).
    pub fn with_iterative_solver(mut self, iterative: bool) -> Self {
        self.iterative = iterative;
        self
    }

    /// The initial field: 1 on the sources, 0 elsewhere.
    pub fn initial(&self) -> Vec<f64> {
        let mut c = vec![0.0; self.disc.dofs.len()];
        for (d, v) in self.sources.iter() {
            c[d] = v;
        }
        c
    }

    /// Advances `c` (one value per node) by `days` (a whole number of steps of 1/`steps_per_day`
    /// is taken) on `mesh`'s node positions; returns what the solves cost.
    pub fn advance(
        &mut self,
        mesh: &Mesh,
        c: &mut Vec<f64>,
        days: f64,
    ) -> Result<SolveStats, BioError> {
        if c.len() != self.disc.dofs.len() {
            return Err(BioError::Invalid(format!(
                "cells: {} values for {} nodes",
                c.len(),
                self.disc.dofs.len()
            )));
        }
        let materials = vec![
            Diffusion {
                capacity: 1.0,
                diffusivity: self.params.diffusivity_mm2_per_day
            };
            mesh.num_elements()
        ];
        let ops = &mut self.operators;
        self.disc
            .assemble_diffusion(mesh, &materials, &mut ops.a0, &mut ops.a1)?;
        // M ċ + K c = 0: A₀ = M, A₁ = K, C = M.
        ops.c.data_mut().copy_from_slice(ops.a0.data());
        let mut stepper =
            BackwardEuler::new(&self.disc, &self.operators, self.sources.clone()).with_solver(
                LinearSolver::for_scalar(self.iterative, self.disc.dofs.len()),
            );
        let dt = 1.0 / self.params.steps_per_day as f64;
        let steps = (days * self.params.steps_per_day as f64).round() as usize;
        for _ in 0..steps {
            stepper.step(dt, c, None)?;
        }
        Ok(stepper.stats)
    }

    /// The volume mean of the nodal concentration `c` over each element of `mesh` (the c of the
    /// element's rule of mixtures, MODEL.md §4).
    pub fn element_means(&self, mesh: &Mesh, c: &[f64]) -> Result<Vec<f64>, BioError> {
        Ok(self.disc.element_means(mesh, c)?)
    }
}
