//! Sparse direct solvers (faer) with a METIS ordering, split into a symbolic factorization (once per
//! pattern) and numeric factorizations (once per matrix values), reused for every right-hand side.
//!
//! The Biot u–p matrix with its pressure rows negated is quasi-definite ([K −Q; −Qᵀ −(S + ΔtH)] with
//! K SPD and S + ΔtH SPD), so it has an LDLᵀ factorization under any symmetric permutation without
//! pivoting (Vanderbei 1995); SPD systems use LLᵀ. faer reads the matrices of
//! [`crate::pattern::Matrix`] in place: the symbolic factorization shares the pattern's index
//! arrays, and a numeric factorization takes a view of a matrix's values.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::ldlt::factor::{LdltParams, LdltRegularization};
use faer::linalg::cholesky::llt::factor::{LltParams, LltRegularization};
use faer::perm::PermRef;
use faer::sparse::linalg::cholesky::{
    factorize_symbolic_cholesky, CholeskySymbolicParams, LdltRef, LltRef, SymbolicCholesky,
    SymmetricOrdering,
};
use faer::sparse::{SparseColMatRef, SymbolicSparseColMatRef};
use faer::{Conj, MatMut, Par, Side, Spec};

use crate::error::PivotError;
use crate::pattern::{mul_vec, Matrix, SparsityPattern};
use crate::FemError;

/// Which factorization a matrix takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Definiteness {
    /// Symmetric positive definite: LLᵀ.
    PositiveDefinite,
    /// Symmetric quasi-definite (Biot u–p): LDLᵀ without pivoting.
    QuasiDefinite,
}

impl Definiteness {
    /// The factorization's name, for messages.
    pub fn factorization(self) -> &'static str {
        match self {
            Definiteness::PositiveDefinite => "Cholesky LLᵀ",
            Definiteness::QuasiDefinite => "LDLᵀ",
        }
    }
}

/// Factors with fewer entries than this are factorized on one thread whatever the thread count:
/// faer's parallel LDLᵀ took twice as long as the sequential one on the axisymmetric u–p matrices
/// (5.9k–42.6k dofs, factors of 0.4–4.3 M entries: 7.3 → 15.4 ms up to 66 → 128 ms on 2 threads)
/// and was faster from the 3D ones on (37k dofs, 32 M entries: 1.09 → 0.92 s; 85.7k dofs, 112 M:
/// 6.6 → 4.1 s); benches/README.md.
pub const PARALLEL_FROM_FACTOR_ENTRIES: usize = 16_000_000;

/// The ordering and symbolic factorization of one pattern.
#[derive(Debug)]
pub struct SymbolicFactorization {
    symbolic: SymbolicCholesky<usize>,
    definiteness: Definiteness,
    pattern: SparsityPattern,
    par: Par,
}

impl SymbolicFactorization {
    /// Analyses `pattern` with the fill-reducing dof order `perm` (see
    /// [`crate::pattern::nested_dissection`]). Numeric factorizations use up to `threads` threads
    /// when the factor has at least [`PARALLEL_FROM_FACTOR_ENTRIES`] entries, else one.
    pub fn new(
        pattern: &SparsityPattern,
        perm: &[usize],
        definiteness: Definiteness,
        threads: usize,
    ) -> Result<Self, FemError> {
        let n = pattern.n;
        if perm.len() != n {
            return Err(FemError::Invalid(format!(
                "ordering of {} dofs for a matrix of {n}",
                perm.len()
            )));
        }
        let mut inv = vec![0usize; n];
        for (i, &p) in perm.iter().enumerate() {
            inv[p] = i;
        }
        let perm_ref = PermRef::new_checked(perm, &inv, n);
        Self::analyse(
            pattern,
            SymmetricOrdering::Custom(perm_ref),
            definiteness,
            threads,
        )
    }

    /// Analyses `pattern` with faer's approximate minimum degree ordering, for one thread: the
    /// small pressure matrices of the iterative path ([`crate::iterative`]), which have no node graph.
    pub fn with_amd(
        pattern: &SparsityPattern,
        definiteness: Definiteness,
    ) -> Result<Self, FemError> {
        Self::analyse(pattern, SymmetricOrdering::Amd, definiteness, 1)
    }

    fn analyse(
        pattern: &SparsityPattern,
        ordering: SymmetricOrdering<'_, usize>,
        definiteness: Definiteness,
        threads: usize,
    ) -> Result<Self, FemError> {
        let n = pattern.n;
        let sym =
            SymbolicSparseColMatRef::new_checked(n, n, pattern.col_ptr(), None, pattern.row_idx());
        let symbolic = factorize_symbolic_cholesky(
            sym,
            Side::Lower,
            ordering,
            CholeskySymbolicParams::default(),
        )
        .map_err(|source| FemError::Symbolic {
            unknowns: n,
            source,
        })?;
        let par = if threads > 1 && symbolic.len_val() >= PARALLEL_FROM_FACTOR_ENTRIES {
            Par::rayon(threads)
        } else {
            Par::Seq
        };
        Ok(SymbolicFactorization {
            symbolic,
            definiteness,
            pattern: pattern.clone(),
            par,
        })
    }

    /// Whether numeric factorizations run on several threads.
    pub fn is_parallel(&self) -> bool {
        !matches!(self.par, Par::Seq)
    }

    /// Number of stored entries of the factor L (fill).
    pub fn factor_nnz(&self) -> usize {
        self.symbolic.len_val()
    }

    /// The pattern analysed.
    pub fn pattern(&self) -> &SparsityPattern {
        &self.pattern
    }

    /// Scratch for [`SymbolicFactorization::solve_with_values`].
    pub fn solve_buffer(&self) -> MemBuffer {
        MemBuffer::new(self.symbolic.solve_in_place_scratch::<f64>(1, self.par))
    }

    /// Overwrites `rhs` with the solution of A x = rhs for the factor values `l` of a
    /// factorization of this analysis ([`Factorization::into_values`]), with the scratch `mem`
    /// ([`SymbolicFactorization::solve_buffer`]).
    pub fn solve_with_values(&self, l: &[f64], rhs: &mut [f64], mem: &mut MemBuffer) {
        let n = rhs.len();
        let stack = MemStack::new(mem);
        let x = MatMut::from_column_major_slice_mut(rhs, n, 1);
        match self.definiteness {
            Definiteness::PositiveDefinite => LltRef::new(&self.symbolic, l)
                .solve_in_place_with_conj(Conj::No, x, self.par, stack),
            Definiteness::QuasiDefinite => LdltRef::new(&self.symbolic, l)
                .solve_in_place_with_conj(Conj::No, x, self.par, stack),
        }
    }

    /// Factorizes `matrix` (on the analysed pattern) and checks that it is not singular.
    pub fn factorize(&self, matrix: &Matrix) -> Result<Factorization<'_>, FemError> {
        let factor_scratch = match self.definiteness {
            Definiteness::PositiveDefinite => self
                .symbolic
                .factorize_numeric_llt_scratch::<f64>(self.par, Spec::<LltParams, f64>::default()),
            Definiteness::QuasiDefinite => self.symbolic.factorize_numeric_ldlt_scratch::<f64>(
                self.par,
                Spec::<LdltParams, f64>::default(),
            ),
        };
        let mut f = Factorization {
            symbolic: self,
            l: vec![0.0; self.symbolic.len_val()],
            factor_mem: MemBuffer::new(factor_scratch),
            solve_mem: std::cell::RefCell::new(self.solve_buffer()),
        };
        f.refactorize(matrix)?;
        f.check_solvable(matrix)?;
        Ok(f)
    }
}

/// A numeric factorization, reusable for any number of right-hand sides, and refactorizable in place
/// (same pattern, new values) without allocating.
pub struct Factorization<'a> {
    symbolic: &'a SymbolicFactorization,
    l: Vec<f64>,
    factor_mem: MemBuffer,
    solve_mem: std::cell::RefCell<MemBuffer>,
}

impl Factorization<'_> {
    /// Factorizes new values on the same pattern into the existing buffers. Unlike
    /// [`SymbolicFactorization::factorize`] it does not re-check solvability: whether a system is
    /// singular depends on which dofs are constrained, and refactorizations (a new Δt, new tissue
    /// properties) keep the constraints of the first factorization.
    pub fn refactorize(&mut self, matrix: &Matrix) -> Result<(), FemError> {
        let s = self.symbolic;
        assert!(
            s.pattern.holds(matrix),
            "a factorization takes matrices of the pattern it analysed"
        );
        let n = s.pattern.n;
        let a = SparseColMatRef::new(
            SymbolicSparseColMatRef::new_checked(
                n,
                n,
                s.pattern.col_ptr(),
                None,
                s.pattern.row_idx(),
            ),
            matrix.data(),
        );
        let stack = MemStack::new(&mut self.factor_mem);
        let pivot = match s.definiteness {
            Definiteness::PositiveDefinite => s
                .symbolic
                .factorize_numeric_llt(
                    &mut self.l,
                    a,
                    Side::Lower,
                    LltRegularization::default(),
                    s.par,
                    stack,
                    Spec::default(),
                )
                .map(|_| ())
                .map_err(PivotError::Llt),
            // faer reports a zero pivot (a singular matrix) as an error; no pivoting is needed for
            // a quasi-definite matrix.
            Definiteness::QuasiDefinite => s
                .symbolic
                .factorize_numeric_ldlt(
                    &mut self.l,
                    a,
                    Side::Lower,
                    LdltRegularization::default(),
                    s.par,
                    stack,
                    Spec::default(),
                )
                .map(|_| ())
                .map_err(PivotError::Ldlt),
        };
        pivot.map_err(|source| FemError::Pivot {
            factorization: s.definiteness.factorization(),
            source,
        })
    }

    /// A singular matrix (a rigid motion or a pressure level left free) can factorize without error,
    /// round-off standing in for the zero pivots; its solves are then garbage. Solve for a known
    /// x (A x computed by SpMV) and require it back to 1e-4: a singular system misses by O(1), a
    /// well-posed one (even with stiffness contrasts of 1e5) by many orders less. Costs one SpMV and one
    /// solve, once per fresh factorization.
    fn check_solvable(&self, matrix: &Matrix) -> Result<(), FemError> {
        let n = self.symbolic.pattern.n;
        let known: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64 / 7.0).collect();
        let mut b = vec![0.0; n];
        mul_vec(matrix, &known, &mut b);
        self.solve_in_place(&mut b);
        let miss = b
            .iter()
            .zip(&known)
            .map(|(x, k)| (x - k).abs())
            .fold(0.0, f64::max);
        if miss.is_nan() || miss >= 1e-4 {
            return Err(FemError::Singular {
                factorization: self.symbolic.definiteness.factorization(),
                miss,
            });
        }
        Ok(())
    }

    /// Overwrites `rhs` with the solution x of A x = rhs.
    pub fn solve_in_place(&self, rhs: &mut [f64]) {
        self.symbolic
            .solve_with_values(&self.l, rhs, &mut self.solve_mem.borrow_mut());
    }

    /// The factor's values, to keep without the borrow of the analysis
    /// ([`SymbolicFactorization::solve_with_values`]).
    pub fn into_values(self) -> Vec<f64> {
        self.l
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dofs::{DofMap, Fields};
    use crate::pattern::NodeGraph;

    /// The scalar pattern of a `nx` × 1 strip of Quad4 (node-to-node coupling).
    fn strip_pattern(nx: usize) -> SparsityPattern {
        let mesh = callus_mesh::generate::rectangle([0.0, nx as f64], [0.0, 1.0], nx, 1).unwrap();
        SparsityPattern::new(
            &NodeGraph::new(&mesh),
            &DofMap::new(&mesh, 2, Fields::Scalar),
        )
    }

    /// The entries of L (diagonal included) of a symmetric pattern eliminated in the natural
    /// order, counted by hand: eliminating a vertex joins its later neighbours into a clique.
    fn fill_by_elimination(p: &SparsityPattern) -> usize {
        let n = p.n;
        let mut later: Vec<std::collections::BTreeSet<usize>> = (0..n)
            .map(|c| {
                p.row_idx()[p.col_ptr()[c]..p.col_ptr()[c + 1]]
                    .iter()
                    .copied()
                    .filter(|&r| r > c)
                    .collect()
            })
            .collect();
        let mut count = 0;
        for v in 0..n {
            let below: Vec<usize> = later[v].iter().copied().collect();
            count += 1 + below.len();
            for (i, &a) in below.iter().enumerate() {
                for &b in &below[i + 1..] {
                    later[a].insert(b);
                }
            }
        }
        count
    }

    /// Goal: the fill reported is the entries of L: a single Quad4 is dense (4·5/2 = 10), and
    /// strips of 2 and 5 elements in the natural order give what eliminating their graphs by hand
    /// gives (more than their lower triangles: fill appears).
    #[test]
    fn factor_fill_is_the_entries_of_l() {
        for nx in [1, 2, 5] {
            let p = strip_pattern(nx);
            let identity: Vec<usize> = (0..p.n).collect();
            let s = SymbolicFactorization::new(&p, &identity, Definiteness::PositiveDefinite, 1)
                .unwrap();
            let lower = (p.nnz() + p.n) / 2;
            let by_hand = fill_by_elimination(&p);
            assert!(nx == 1 || by_hand > lower, "{nx}: fill expected");
            assert_eq!(s.factor_nnz(), by_hand, "{nx} elements");
        }
        assert_eq!(fill_by_elimination(&strip_pattern(1)), 10);
    }

    /// Goal: numeric factorizations run on several threads only from
    /// [`PARALLEL_FROM_FACTOR_ENTRIES`] entries of the factor on: a strip of 5 Quad4 stays on one
    /// thread when 4 are offered; a 300 × 300 grid of Quad4 in the natural order (band 301, about
    /// 27 M entries) takes them, and not when offered 1.
    #[test]
    fn only_large_factors_are_factorized_in_parallel() {
        let p = strip_pattern(5);
        let identity: Vec<usize> = (0..p.n).collect();
        let s =
            SymbolicFactorization::new(&p, &identity, Definiteness::PositiveDefinite, 4).unwrap();
        assert!(!s.is_parallel());
        let mesh = callus_mesh::generate::rectangle([0.0, 1.0], [0.0, 1.0], 300, 300).unwrap();
        let p = SparsityPattern::new(
            &NodeGraph::new(&mesh),
            &DofMap::new(&mesh, 2, Fields::Scalar),
        );
        let identity: Vec<usize> = (0..p.n).collect();
        for (threads, parallel) in [(4, true), (1, false)] {
            let s =
                SymbolicFactorization::new(&p, &identity, Definiteness::PositiveDefinite, threads)
                    .unwrap();
            assert!(
                s.factor_nnz() >= PARALLEL_FROM_FACTOR_ENTRIES,
                "{}",
                s.factor_nnz()
            );
            assert_eq!(s.is_parallel(), parallel);
        }
    }

    /// Goal: a matrix that cannot be factorized or solved is reported naming the factorization
    /// that was tried, LLᵀ or LDLᵀ.
    ///
    /// Input: the pattern of one Quad4 (4 scalar dofs) filled with ones: rank 1, so the second
    /// pivot is 1 − 1 = 0.
    #[test]
    fn a_singular_matrix_is_reported_by_the_factorization_tried() {
        let p = strip_pattern(1);
        let mut ones = p.zeros();
        ones.data_mut().fill(1.0);
        let identity: Vec<usize> = (0..p.n).collect();
        for (definiteness, name) in [
            (Definiteness::PositiveDefinite, "Cholesky LLᵀ"),
            (Definiteness::QuasiDefinite, "LDLᵀ"),
        ] {
            assert_eq!(definiteness.factorization(), name);
            let s = SymbolicFactorization::new(&p, &identity, definiteness, 1).unwrap();
            let e = s.factorize(&ones).err().expect("singular").to_string();
            assert!(
                e.starts_with(&format!("the {name} factorization failed")),
                "{e}"
            );
        }
    }
}
