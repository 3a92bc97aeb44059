//! Sparse direct solvers (faer) with a METIS ordering, split into a symbolic factorization (once per
//! pattern) and numeric factorizations (once per matrix values), reused for every right-hand side;
//! and a Jacobi-preconditioned conjugate gradient for large SPD systems.
//!
//! The Biot u–p matrix with its pressure rows negated is quasi-definite ([K −Q; −Qᵀ −(S + ΔtH)] with
//! K SPD and S + ΔtH SPD), so it has an LDLᵀ factorization under any symmetric permutation without
//! pivoting (Vanderbei 1995); SPD systems use LLᵀ.

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

use crate::pattern::SparsityPattern;
use crate::FemError;

/// Which factorization a matrix takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Definiteness {
    /// Symmetric positive definite: LLᵀ.
    PositiveDefinite,
    /// Symmetric quasi-definite (Biot u–p): LDLᵀ without pivoting.
    QuasiDefinite,
}

/// The ordering and symbolic factorization of one pattern.
#[derive(Debug)]
pub struct SymbolicFactorization {
    symbolic: SymbolicCholesky<usize>,
    definiteness: Definiteness,
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    par: Par,
}

impl SymbolicFactorization {
    /// Analyses `pattern` with the fill-reducing dof order `perm` (see
    /// [`crate::pattern::nested_dissection`]). `threads` = 1 for sequential factorizations.
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
        let sym =
            SymbolicSparseColMatRef::new_checked(n, n, &pattern.col_ptr, None, &pattern.row_idx);
        let perm_ref = PermRef::new_checked(perm, &inv, n);
        let symbolic = factorize_symbolic_cholesky(
            sym,
            Side::Lower,
            SymmetricOrdering::Custom(perm_ref),
            CholeskySymbolicParams::default(),
        )
        .map_err(|e| FemError::Factorization {
            what: "symbolic",
            detail: format!("{e:?}"),
        })?;
        let par = if threads > 1 {
            Par::rayon(threads)
        } else {
            Par::Seq
        };
        Ok(SymbolicFactorization {
            symbolic,
            definiteness,
            col_ptr: pattern.col_ptr.clone(),
            row_idx: pattern.row_idx.clone(),
            par,
        })
    }

    /// Number of stored entries of the factor L (fill).
    pub fn factor_nnz(&self) -> usize {
        self.symbolic.len_val()
    }

    /// Factorizes the matrix with `values` on the analysed pattern.
    pub fn factorize(&self, values: &[f64]) -> Result<Factorization<'_>, FemError> {
        let n = self.symbolic.nrows();
        let a = SparseColMatRef::new(
            SymbolicSparseColMatRef::new_checked(n, n, &self.col_ptr, None, &self.row_idx),
            values,
        );
        let mut l = vec![0.0; self.symbolic.len_val()];
        match self.definiteness {
            Definiteness::PositiveDefinite => {
                let mut mem = MemBuffer::new(self.symbolic.factorize_numeric_llt_scratch::<f64>(
                    self.par,
                    Spec::<LltParams, f64>::default(),
                ));
                self.symbolic
                    .factorize_numeric_llt(
                        &mut l,
                        a,
                        Side::Lower,
                        LltRegularization::default(),
                        self.par,
                        MemStack::new(&mut mem),
                        Spec::default(),
                    )
                    .map_err(|e| FemError::Factorization {
                        what: "Cholesky LLᵀ",
                        detail: format!("{e:?}"),
                    })?;
            }
            Definiteness::QuasiDefinite => {
                let mut mem = MemBuffer::new(self.symbolic.factorize_numeric_ldlt_scratch::<f64>(
                    self.par,
                    Spec::<LdltParams, f64>::default(),
                ));
                self.symbolic
                    .factorize_numeric_ldlt(
                        &mut l,
                        a,
                        Side::Lower,
                        LdltRegularization::default(),
                        self.par,
                        MemStack::new(&mut mem),
                        Spec::default(),
                    )
                    .map_err(|e| FemError::Factorization {
                        what: "LDLᵀ",
                        detail: format!("{e:?}"),
                    })?;
                if l.iter().any(|v| !v.is_finite()) {
                    return Err(FemError::Factorization {
                        what: "LDLᵀ",
                        detail: "a zero pivot (the matrix is singular)".into(),
                    });
                }
            }
        }
        let mem = MemBuffer::new(match self.definiteness {
            Definiteness::PositiveDefinite => LltRef::<usize, f64>::new(&self.symbolic, &l)
                .solve_in_place_scratch::<f64>(1, self.par),
            Definiteness::QuasiDefinite => LdltRef::<usize, f64>::new(&self.symbolic, &l)
                .solve_in_place_scratch::<f64>(1, self.par),
        });
        Ok(Factorization {
            symbolic: self,
            l,
            mem: std::cell::RefCell::new(mem),
        })
    }
}

/// A numeric factorization, reusable for any number of right-hand sides.
pub struct Factorization<'a> {
    symbolic: &'a SymbolicFactorization,
    l: Vec<f64>,
    mem: std::cell::RefCell<MemBuffer>,
}

impl Factorization<'_> {
    /// Overwrites `rhs` with the solution x of A x = rhs.
    pub fn solve_in_place(&self, rhs: &mut [f64]) {
        let n = rhs.len();
        let s = self.symbolic;
        let mut mem = self.mem.borrow_mut();
        let stack = MemStack::new(&mut mem);
        let x = MatMut::from_column_major_slice_mut(rhs, n, 1);
        match s.definiteness {
            Definiteness::PositiveDefinite => LltRef::new(&s.symbolic, &self.l)
                .solve_in_place_with_conj(Conj::No, x, s.par, stack),
            Definiteness::QuasiDefinite => LdltRef::new(&s.symbolic, &self.l)
                .solve_in_place_with_conj(Conj::No, x, s.par, stack),
        }
    }
}

/// Jacobi-preconditioned conjugate gradient for an SPD matrix on `pattern`; returns the iteration
/// count, or an error if ‖r‖ ≤ `rel_tol`·‖b‖ is not reached in `max_iter`.
pub fn pcg(
    pattern: &SparsityPattern,
    values: &[f64],
    b: &[f64],
    x: &mut [f64],
    rel_tol: f64,
    max_iter: usize,
) -> Result<usize, FemError> {
    let n = pattern.n;
    let diag: Vec<f64> = (0..n)
        .map(|i| values[pattern.find(i, i).expect("diagonal in pattern")])
        .collect();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut r = vec![0.0; n];
    pattern.mul_vec(values, x, &mut r);
    for i in 0..n {
        r[i] = b[i] - r[i];
    }
    let b_norm = dot(b, b).sqrt().max(f64::MIN_POSITIVE);
    let mut z: Vec<f64> = (0..n).map(|i| r[i] / diag[i]).collect();
    let mut p = z.clone();
    let mut rz = dot(&r, &z);
    let mut ap = vec![0.0; n];
    for it in 0..max_iter {
        if dot(&r, &r).sqrt() <= rel_tol * b_norm {
            return Ok(it);
        }
        pattern.mul_vec(values, &p, &mut ap);
        let alpha = rz / dot(&p, &ap);
        for i in 0..n {
            x[i] += alpha * p[i];
            r[i] -= alpha * ap[i];
            z[i] = r[i] / diag[i];
        }
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        for i in 0..n {
            p[i] = z[i] + beta * p[i];
        }
    }
    Err(FemError::Invalid(format!("conjugate gradient did not reach a relative residual of {rel_tol:e} in {max_iter} iterations")))
}
