//! Parallel assembly into a fixed pattern.
//!
//! The pattern, element dof lists and colouring are built once per mesh ([`Assembler::new`]); each
//! assembly only computes values. Colours are processed one after the other and the elements of a
//! colour in parallel (rayon): they share no node, so they write disjoint entries, and every entry
//! receives its contributions in colour order. The sums are therefore bitwise identical whatever the
//! number of threads.

use rayon::prelude::*;

use callus_mesh::{ElementId, Mesh};

use crate::dofs::DofMap;
use crate::element::BadJacobian;
use crate::pattern::{colour_elements, Matrix, NodeGraph, SparsityPattern};
use crate::FemError;

/// Everything assembly needs that depends only on the mesh and the dofs.
#[derive(Clone, Debug)]
pub struct Assembler {
    /// The matrix pattern.
    pub pattern: SparsityPattern,
    /// The node graph (for orderings).
    pub graph: NodeGraph,
    /// Elements by colour.
    pub colours: Vec<Vec<ElementId>>,
    element_dofs: Vec<usize>,
    element_offsets: Vec<usize>,
    tags: Vec<u64>,
    regions: Vec<String>,
}

/// A mutable slice written from several threads at indices that are guaranteed disjoint.
struct Disjoint(*mut f64);
// SAFETY: used only within one colour, whose elements write disjoint entries (see module docs).
unsafe impl Sync for Disjoint {}
unsafe impl Send for Disjoint {}

impl Disjoint {
    /// Adds `v` at index `k`.
    ///
    /// # Safety
    /// `k` is in bounds and no other thread accesses index `k` meanwhile.
    #[inline]
    unsafe fn add(&self, k: usize, v: f64) {
        unsafe { *self.0.add(k) += v };
    }
}

impl Assembler {
    /// Builds the node graph, pattern and colouring of `mesh` for `dofs`.
    pub fn new(mesh: &Mesh, dofs: &DofMap) -> Assembler {
        let graph = NodeGraph::new(mesh);
        let pattern = SparsityPattern::new(&graph, dofs);
        let mut element_dofs = Vec::new();
        let mut element_offsets = vec![0];
        let mut local = Vec::new();
        for e in mesh.elements() {
            dofs.element_dofs(&e, &mut local);
            element_dofs.extend_from_slice(&local);
            element_offsets.push(element_dofs.len());
        }
        let tags = mesh.element_tags().to_vec();
        let regions = mesh
            .elements()
            .map(|e| mesh.region_names()[e.region].clone())
            .collect();
        Assembler {
            pattern,
            graph,
            colours: colour_elements(mesh),
            element_dofs,
            element_offsets,
            tags,
            regions,
        }
    }

    /// The dofs of element `e` in local order.
    pub fn dofs_of(&self, e: ElementId) -> &[usize] {
        &self.element_dofs[self.element_offsets[e]..self.element_offsets[e + 1]]
    }

    fn max_local(&self) -> usize {
        self.element_offsets
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }

    pub(crate) fn bad(&self, e: ElementId, source: BadJacobian) -> FemError {
        FemError::BadElement {
            tag: self.tags[e],
            region: self.regions[e].clone(),
            source,
        }
    }

    /// Assembles Σ_e A_e into `matrix` (zeroed first). `kernel(e, local)` fills the element's matrix,
    /// row-major in the local dof order.
    pub fn assemble_matrix<F>(&self, matrix: &mut Matrix, kernel: F) -> Result<(), FemError>
    where
        F: Fn(ElementId, &mut [f64]) -> Result<(), BadJacobian> + Sync,
    {
        self.assemble_matrices([matrix], kernel)
    }

    /// Assembles K matrices on the pattern in one pass (each zeroed first): `kernel(e, local)` fills
    /// the element's K matrices one after the other in `local` (K blocks of n × n, row-major), so a
    /// kernel that yields several matrices (the Biot operators, diffusion M and K) runs once per
    /// element.
    pub fn assemble_matrices<F, const K: usize>(
        &self,
        matrices: [&mut Matrix; K],
        kernel: F,
    ) -> Result<(), FemError>
    where
        F: Fn(ElementId, &mut [f64]) -> Result<(), BadJacobian> + Sync,
    {
        let targets: [Disjoint; K] = matrices.map(|m| {
            assert!(
                self.pattern.holds(m),
                "assembly into a matrix of another pattern"
            );
            let v = m.data_mut();
            v.fill(0.0);
            Disjoint(v.as_mut_ptr())
        });
        let (col_ptr, row_idx) = (self.pattern.col_ptr(), self.pattern.row_idx());
        let m = self.max_local();
        for colour in &self.colours {
            colour.par_iter().try_for_each_init(
                || vec![0.0; K * m * m],
                |local, &e| {
                    let dofs = self.dofs_of(e);
                    let n = dofs.len();
                    kernel(e, &mut local[..K * n * n]).map_err(|b| self.bad(e, b))?;
                    for (j, &col) in dofs.iter().enumerate() {
                        let (a, b) = (col_ptr[col], col_ptr[col + 1]);
                        let rows = &row_idx[a..b];
                        for (i, &row) in dofs.iter().enumerate() {
                            let k = a + rows
                                .binary_search(&row)
                                .expect("element dofs are in the pattern");
                            for (t, target) in targets.iter().enumerate() {
                                // SAFETY: k < nnz; no other element of this colour touches entry k.
                                unsafe { target.add(k, local[t * n * n + i * n + j]) };
                            }
                        }
                    }
                    Ok::<(), FemError>(())
                },
            )?;
        }
        Ok(())
    }

    /// Assembles Σ_e b_e into `rhs` (added to what is there). `kernel(e, local)` fills the element's
    /// vector in the local dof order.
    pub fn assemble_vector<F>(&self, rhs: &mut [f64], kernel: F) -> Result<(), FemError>
    where
        F: Fn(ElementId, &mut [f64]) -> Result<(), BadJacobian> + Sync,
    {
        assert_eq!(rhs.len(), self.pattern.n);
        let m = self.max_local();
        let target = Disjoint(rhs.as_mut_ptr());
        for colour in &self.colours {
            colour.par_iter().try_for_each_init(
                || vec![0.0; m],
                |local, &e| {
                    let dofs = self.dofs_of(e);
                    kernel(e, &mut local[..dofs.len()]).map_err(|b| self.bad(e, b))?;
                    for (i, &d) in dofs.iter().enumerate() {
                        // SAFETY: d < rhs.len(); no other element of this colour has dof d.
                        unsafe { target.add(d, local[i]) };
                    }
                    Ok::<(), FemError>(())
                },
            )?;
        }
        Ok(())
    }
}
