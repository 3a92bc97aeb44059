//! The structure shared by every matrix of a mesh: the node graph, the dof sparsity pattern, a
//! fill-reducing ordering (METIS nested dissection on the node graph, expanded to dofs) and an
//! element colouring for race-free parallel assembly. All are computed once per mesh.

use std::sync::Arc;

use callus_mesh::{ElementId, Mesh};

use crate::dofs::DofMap;
use crate::FemError;

/// Adjacency of nodes that share an element (CSR, sorted, without self-loops).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeGraph {
    /// Offsets into `adjacent`, one per node plus one.
    pub offsets: Vec<usize>,
    /// Neighbours of each node.
    pub adjacent: Vec<usize>,
}

impl NodeGraph {
    /// The graph of `mesh`.
    pub fn new(mesh: &Mesh) -> NodeGraph {
        let n = mesh.num_nodes();
        // Node → elements, then the union of their nodes.
        let mut count = vec![0usize; n + 1];
        for e in mesh.elements() {
            for &v in e.nodes {
                count[v + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut elems = vec![0usize; count[n]];
        let mut fill = count.clone();
        for e in mesh.elements() {
            for &v in e.nodes {
                elems[fill[v]] = e.id;
                fill[v] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut adjacent = Vec::new();
        let mut scratch = Vec::new();
        for v in 0..n {
            offsets.push(adjacent.len());
            scratch.clear();
            for &e in &elems[count[v]..count[v + 1]] {
                scratch.extend(mesh.element(e).nodes.iter().copied().filter(|&w| w != v));
            }
            scratch.sort_unstable();
            scratch.dedup();
            adjacent.extend_from_slice(&scratch);
        }
        offsets.push(adjacent.len());
        NodeGraph { offsets, adjacent }
    }

    /// Neighbours of node `v`.
    pub fn neighbours(&self, v: usize) -> &[usize] {
        &self.adjacent[self.offsets[v]..self.offsets[v + 1]]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A square sparse matrix on a [`SparsityPattern`]: sprs's compressed sparse column matrix, whose
/// index arrays are shared (reference-counted) by every matrix of the pattern and whose values are
/// its own. `matrix.view()` hands it to any code that takes an sprs matrix; faer factorizes views of
/// the same arrays ([`crate::solver`]), with no copy.
pub type Matrix = sprs::CsMatBase<f64, usize, Arc<[usize]>, Arc<[usize]>, Vec<f64>>;

/// A symmetric sparsity pattern stored in full (both triangles), column by column with sorted rows
/// (CSC): the structure every matrix of a discretisation shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparsityPattern {
    /// Size.
    pub n: usize,
    col_ptr: Arc<[usize]>,
    row_idx: Arc<[usize]>,
}

impl SparsityPattern {
    /// Dof pattern of the node graph: every dof of a node couples with every dof of itself and of its
    /// neighbours.
    pub fn new(graph: &NodeGraph, dofs: &DofMap) -> SparsityPattern {
        let n = dofs.len();
        let mut col_ptr = Vec::with_capacity(n + 1);
        let mut row_idx = Vec::new();
        let mut nodes = Vec::new();
        for v in 0..graph.len() {
            nodes.clear();
            nodes.extend_from_slice(graph.neighbours(v));
            nodes.push(v);
            nodes.sort_unstable();
            for _col in dofs.node_dofs(v) {
                col_ptr.push(row_idx.len());
                for &w in &nodes {
                    row_idx.extend(dofs.node_dofs(w));
                }
            }
        }
        col_ptr.push(row_idx.len());
        SparsityPattern {
            n,
            col_ptr: col_ptr.into(),
            row_idx: row_idx.into(),
        }
    }

    /// The pattern of a symmetric matrix stored in full as compressed rows (its own CSC).
    pub fn from_csr_of_symmetric(m: &crate::krylov::Csr) -> SparsityPattern {
        let (ptr, idx) = m.structure();
        SparsityPattern {
            n: m.nrows(),
            col_ptr: ptr.into(),
            row_idx: idx.into(),
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }

    /// Column offsets into [`SparsityPattern::row_idx`] (n + 1 of them).
    pub fn col_ptr(&self) -> &[usize] {
        &self.col_ptr
    }

    /// Row indices, sorted within each column.
    pub fn row_idx(&self) -> &[usize] {
        &self.row_idx
    }

    /// A matrix of zeros on this pattern (sharing its index arrays).
    pub fn zeros(&self) -> Matrix {
        Matrix::new_csc(
            (self.n, self.n),
            Arc::clone(&self.col_ptr),
            Arc::clone(&self.row_idx),
            vec![0.0; self.nnz()],
        )
    }

    /// Whether `m` is a matrix of this pattern (shares its index arrays).
    pub fn holds(&self, m: &Matrix) -> bool {
        m.indptr().raw_storage().as_ptr() == self.col_ptr.as_ptr()
            && m.indices().as_ptr() == self.row_idx.as_ptr()
    }

    /// Position in the value array of entry (row, col), if stored.
    #[inline]
    pub fn find(&self, row: usize, col: usize) -> Option<usize> {
        let (a, b) = (self.col_ptr[col], self.col_ptr[col + 1]);
        self.row_idx[a..b].binary_search(&row).ok().map(|k| a + k)
    }
}

/// y = A x, by sprs (`sprs::prod::mul_acc_mat_vec_csc`; measured as fast as a loop of our own,
/// `spmv` in benches/benches/fem.rs).
pub fn mul_vec(a: &Matrix, x: &[f64], y: &mut [f64]) {
    y.fill(0.0);
    sprs::prod::mul_acc_mat_vec_csc(a.view(), x, &mut *y);
}

/// Held while METIS runs (see [`nested_dissection`]).
static METIS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// METIS nested-dissection ordering of the node graph, with each node weighted by its dof count,
/// expanded to a dof permutation (`perm[i]` = original dof eliminated i-th; a node's dofs stay
/// together).
pub fn nested_dissection(graph: &NodeGraph, dofs: &DofMap) -> Result<Vec<usize>, FemError> {
    let n = graph.len();
    let node_perm: Vec<usize> = if n < 3 || graph.adjacent.is_empty() {
        (0..n).collect()
    } else {
        let mut nvtxs = n as metis_sys::idx_t;
        let mut xadj: Vec<metis_sys::idx_t> = graph
            .offsets
            .iter()
            .map(|&o| o as metis_sys::idx_t)
            .collect();
        let mut adjncy: Vec<metis_sys::idx_t> = graph
            .adjacent
            .iter()
            .map(|&a| a as metis_sys::idx_t)
            .collect();
        let mut vwgt: Vec<metis_sys::idx_t> = (0..n)
            .map(|v| dofs.node_dofs(v).len().max(1) as metis_sys::idx_t)
            .collect();
        let mut options = [0 as metis_sys::idx_t; metis_sys::METIS_NOPTIONS as usize];
        let mut perm = vec![0 as metis_sys::idx_t; n];
        let mut iperm = vec![0 as metis_sys::idx_t; n];
        // One ordering at a time in the process: METIS draws its random numbers from one global
        // generator of GKlib (reseeded by every call), so two orderings computed at once (the
        // cases of a sweep) interleave its draws and each gets another ordering than alone, and
        // so a factor that differs in the last bits. Serialised, a case's results do not depend
        // on what runs beside it.
        let _one_at_a_time = METIS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // SAFETY: the arrays have the sizes METIS_NodeND documents (xadj n + 1, adjncy and its
        // entries within 0..n, vwgt/perm/iperm n, options METIS_NOPTIONS) and outlive the call.
        let status = unsafe {
            metis_sys::METIS_SetDefaultOptions(options.as_mut_ptr());
            metis_sys::METIS_NodeND(
                &mut nvtxs,
                xadj.as_mut_ptr(),
                adjncy.as_mut_ptr(),
                vwgt.as_mut_ptr(),
                options.as_mut_ptr(),
                perm.as_mut_ptr(),
                iperm.as_mut_ptr(),
            )
        };
        if status != metis_sys::rstatus_et_METIS_OK {
            return Err(FemError::Ordering(status));
        }
        perm.into_iter().map(|p| p as usize).collect()
    };
    Ok(node_perm
        .into_iter()
        .flat_map(|v| dofs.node_dofs(v))
        .collect())
}

/// Greedy colouring of elements so that no two elements of one colour share a node; colours are
/// filled in element order, so the result (and the assembly order) does not depend on threads.
pub fn colour_elements(mesh: &Mesh) -> Vec<Vec<ElementId>> {
    let mut node_colours: Vec<u64> = vec![0; mesh.num_nodes()]; // bit c set: colour c touches the node
    let mut colours: Vec<Vec<ElementId>> = Vec::new();
    let mut overflow: Vec<ElementId> = Vec::new();
    for e in mesh.elements() {
        let used = e.nodes.iter().fold(0u64, |m, &v| m | node_colours[v]);
        let c = (!used).trailing_zeros() as usize;
        if c >= 64 {
            overflow.push(e.id);
            continue;
        }
        if c == colours.len() {
            colours.push(Vec::new());
        }
        colours[c].push(e.id);
        for &v in e.nodes {
            node_colours[v] |= 1 << c;
        }
    }
    // Meshes needing more than 64 colours (very high valence): one element per colour for the rest.
    colours.extend(overflow.into_iter().map(|e| vec![e]));
    colours
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dofs::Fields;
    use callus_mesh::generate::{axisymmetric, OsteotomyGeometry};

    /// The node graph and the u–p dofs of the default axisymmetric osteotomy as Quad9.
    fn default_up() -> (NodeGraph, DofMap) {
        let mesh = callus_mesh::elevate::elevate(
            &axisymmetric(&OsteotomyGeometry::default()).unwrap(),
            Default::default(),
        )
        .unwrap();
        let graph = NodeGraph::new(&mesh);
        let dofs = DofMap::new(&mesh, 2, Fields::DisplacementPressure);
        (graph, dofs)
    }

    /// Goal: the greedy colouring takes each element into the first colour none of whose elements
    /// shares a node with it: a strip of 4 Quad4 gets the two colours {0, 2} and {1, 3}. (That no
    /// colour holds two elements on a node, for real meshes and past the 64-colour mask, is
    /// `no_two_elements_of_a_colour_share_a_node` in tests/assembly.rs.)
    #[test]
    fn a_strip_is_coloured_greedily_in_two_colours() {
        let strip = callus_mesh::generate::rectangle([0.0, 4.0], [0.0, 1.0], 4, 1).unwrap();
        assert_eq!(colour_elements(&strip), vec![vec![0, 2], vec![1, 3]]);
    }

    /// Goal: the METIS ordering earns its place: on the default axisymmetric mesh (Quad9, u–p) its
    /// factor has fewer entries than the factor in the natural order.
    #[test]
    fn nested_dissection_reduces_fill_against_the_natural_order() {
        use crate::solver::{Definiteness, SymbolicFactorization};
        let (graph, dofs) = default_up();
        let p = SparsityPattern::new(&graph, &dofs);
        let fill = |perm: &[usize]| {
            SymbolicFactorization::new(&p, perm, Definiteness::QuasiDefinite, 1)
                .unwrap()
                .factor_nnz()
        };
        let natural: Vec<usize> = (0..p.n).collect();
        let (nd, plain) = (
            fill(&nested_dissection(&graph, &dofs).unwrap()),
            fill(&natural),
        );
        assert!(nd < plain, "nested dissection {nd}, natural {plain}");
    }

    /// Goal: a pattern holds exactly the matrices that share both of its index arrays (its
    /// clones' too; a copy of either array, even with equal contents, makes another pattern's
    /// matrix); the graph of an empty mesh is empty and that of one element is not.
    ///
    /// Mesh: one Quad4, one scalar per node (a dense 4 × 4 pattern).
    #[test]
    fn a_pattern_holds_the_matrices_sharing_its_arrays() {
        let mesh = callus_mesh::generate::rectangle([0.0, 1.0], [0.0, 1.0], 1, 1).unwrap();
        let graph = NodeGraph::new(&mesh);
        assert_eq!((graph.len(), graph.is_empty()), (4, false));
        assert!(NodeGraph::new(&Mesh::new(2)).is_empty());
        let p = SparsityPattern::new(&graph, &DofMap::new(&mesh, 2, Fields::Scalar));
        assert!(p.holds(&p.zeros()));
        let copy = |a: &Arc<[usize]>| -> Arc<[usize]> { a.to_vec().into() };
        let values = || vec![0.0; p.nnz()];
        let own_rows = Matrix::new_csc((4, 4), Arc::clone(&p.col_ptr), copy(&p.row_idx), values());
        let own_cols = Matrix::new_csc((4, 4), copy(&p.col_ptr), Arc::clone(&p.row_idx), values());
        assert!(!p.holds(&own_rows));
        assert!(!p.holds(&own_cols));
        assert!(p.holds(&p.clone().zeros()), "a clone shares the arrays");
        let rebuilt = SparsityPattern::new(&graph, &DofMap::new(&mesh, 2, Fields::Scalar));
        assert_eq!(rebuilt, p);
        assert!(!p.holds(&rebuilt.zeros()));
    }

    #[test]
    fn pattern_is_symmetric_and_ordering_is_a_permutation_keeping_nodes_together() {
        let (graph, dofs) = default_up();
        let p = SparsityPattern::new(&graph, &dofs);
        for col in 0..p.n {
            for k in p.col_ptr[col]..p.col_ptr[col + 1] {
                assert!(p.find(col, p.row_idx[k]).is_some(), "symmetric");
            }
            assert!(p.find(col, col).is_some(), "diagonal");
        }
        let perm = nested_dissection(&graph, &dofs).unwrap();
        let mut seen = vec![false; dofs.len()];
        for &d in &perm {
            assert!(!seen[d]);
            seen[d] = true;
        }
    }

    /// Goal: an ordering does not depend on what runs beside it. METIS draws from one global
    /// random generator; without the lock, orderings computed on two threads at once came out
    /// different from the same ordering alone (the cases of a sweep differed in the last bits).
    /// Two different graphs are ordered again and again on two threads at once and compared with
    /// their orderings alone.
    #[test]
    fn orderings_computed_at_once_equal_the_ordering_alone() {
        let meshes: Vec<Mesh> = [0.5, 0.7]
            .into_iter()
            .map(|h| {
                let g = OsteotomyGeometry {
                    element_size_mm: h,
                    ..OsteotomyGeometry::default()
                };
                callus_mesh::elevate::elevate(&axisymmetric(&g).unwrap(), Default::default())
                    .unwrap()
            })
            .collect();
        let order = |mesh: &Mesh| {
            let dofs = DofMap::new(mesh, 2, Fields::DisplacementPressure);
            nested_dissection(&NodeGraph::new(mesh), &dofs).unwrap()
        };
        let alone: Vec<Vec<usize>> = meshes.iter().map(order).collect();
        std::thread::scope(|scope| {
            let runs: Vec<_> = meshes
                .iter()
                .zip(&alone)
                .map(|(mesh, alone)| {
                    scope.spawn(move || {
                        for _ in 0..20 {
                            assert_eq!(&order(mesh), alone);
                        }
                    })
                })
                .collect();
            for run in runs {
                run.join().unwrap();
            }
        });
    }
}
