//! Krylov solves: compressed-row matrices with row-parallel products ([`Csr`]), dot products reduced
//! in a fixed order, and preconditioned MINRES for symmetric (indefinite) systems with a symmetric
//! positive definite preconditioner ([`minres`]).
//!
//! Determinism: every product is split by rows, each row summed in its stored order; a dot product
//! sums fixed chunks of [`CHUNK`] entries in parallel and the chunks' sums in order. The result is
//! the same bit for bit whatever the number of threads.

use rayon::prelude::*;

use crate::FemError;

/// Entries per chunk of a dot product (and rows per task of a product).
pub const CHUNK: usize = 4096;

/// x · y, the same whatever the thread count.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), y.len());
    let parts: Vec<f64> = x
        .par_chunks(CHUNK)
        .zip(y.par_chunks(CHUNK))
        .map(|(x, y)| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    parts.iter().sum()
}

/// y = A x for A in compressed rows (`ptr`, `idx`, `val`), rows in parallel in chunks of
/// [`CHUNK`], each row summed in its stored order.
pub fn mul_rows(ptr: &[usize], idx: &[usize], val: &[f64], x: &[f64], y: &mut [f64]) {
    y.par_chunks_mut(CHUNK).enumerate().for_each(|(chunk, ys)| {
        let first = chunk * CHUNK;
        for (k, y) in ys.iter_mut().enumerate() {
            let i = first + k;
            let mut s = 0.0;
            for p in ptr[i]..ptr[i + 1] {
                s += val[p] * x[idx[p]];
            }
            *y = s;
        }
    });
}

/// A sparse matrix in compressed rows, columns sorted within each row.
#[derive(Clone, Debug, PartialEq)]
pub struct Csr {
    nrows: usize,
    ncols: usize,
    ptr: Vec<usize>,
    idx: Vec<usize>,
    val: Vec<f64>,
}

impl Csr {
    /// From its arrays (`ptr` of `nrows + 1` offsets, sorted columns `idx` < `ncols`).
    pub fn new(nrows: usize, ncols: usize, ptr: Vec<usize>, idx: Vec<usize>, val: Vec<f64>) -> Csr {
        assert_eq!(ptr.len(), nrows + 1, "row offsets");
        assert_eq!(idx.len(), val.len(), "one value per column index");
        assert_eq!(ptr[nrows], idx.len(), "last offset");
        debug_assert!(idx.iter().all(|&c| c < ncols));
        Csr {
            nrows,
            ncols,
            ptr,
            idx,
            val,
        }
    }

    /// Rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.idx.len()
    }

    /// The row offsets and column indices.
    pub fn structure(&self) -> (&[usize], &[usize]) {
        (&self.ptr, &self.idx)
    }

    /// The stored values, row by row.
    pub fn values(&self) -> &[f64] {
        &self.val
    }

    /// The (column, value) pairs of row `i`.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.ptr[i]..self.ptr[i + 1];
        self.idx[r.clone()]
            .iter()
            .copied()
            .zip(self.val[r].iter().copied())
    }

    /// The diagonal (zero where not stored).
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.nrows)
            .map(|i| self.row(i).find(|&(c, _)| c == i).map_or(0.0, |(_, v)| v))
            .collect()
    }

    /// y = A x, rows in parallel.
    pub fn mul_vec(&self, x: &[f64], y: &mut [f64]) {
        debug_assert_eq!(x.len(), self.ncols);
        debug_assert_eq!(y.len(), self.nrows);
        mul_rows(&self.ptr, &self.idx, &self.val, x, y);
    }

    /// Aᵀ.
    pub fn transpose(&self) -> Csr {
        let mut count = vec![0usize; self.ncols + 1];
        for &c in &self.idx {
            count[c + 1] += 1;
        }
        for c in 0..self.ncols {
            count[c + 1] += count[c];
        }
        let mut fill = count.clone();
        let mut idx = vec![0usize; self.nnz()];
        let mut val = vec![0.0; self.nnz()];
        for i in 0..self.nrows {
            for (c, v) in self.row(i) {
                idx[fill[c]] = i;
                val[fill[c]] = v;
                fill[c] += 1;
            }
        }
        Csr::new(self.ncols, self.nrows, count, idx, val)
    }

    /// A B, rows of the product in parallel (each row accumulated in the order of A's row, then
    /// sorted by column).
    pub fn mul(&self, b: &Csr) -> Csr {
        assert_eq!(self.ncols, b.nrows, "inner dimensions");
        let ncols = b.ncols;
        let rows: Vec<(Vec<usize>, Vec<usize>, Vec<f64>)> = (0..self.nrows.div_ceil(CHUNK / 16))
            .into_par_iter()
            .map_init(
                || (vec![usize::MAX; ncols], Vec::<(usize, f64)>::new()),
                |(slot, acc), chunk| {
                    let rows = chunk * (CHUNK / 16)..((chunk + 1) * (CHUNK / 16)).min(self.nrows);
                    let mut lens = Vec::with_capacity(rows.len());
                    let mut idx = Vec::new();
                    let mut val = Vec::new();
                    for i in rows {
                        acc.clear();
                        for (k, a) in self.row(i) {
                            for (j, bv) in b.row(k) {
                                if slot[j] == usize::MAX {
                                    slot[j] = acc.len();
                                    acc.push((j, 0.0));
                                }
                                acc[slot[j]].1 += a * bv;
                            }
                        }
                        for &(j, _) in acc.iter() {
                            slot[j] = usize::MAX;
                        }
                        acc.sort_unstable_by_key(|&(j, _)| j);
                        lens.push(acc.len());
                        idx.extend(acc.iter().map(|&(j, _)| j));
                        val.extend(acc.iter().map(|&(_, v)| v));
                    }
                    (lens, idx, val)
                },
            )
            .collect();
        let mut ptr = Vec::with_capacity(self.nrows + 1);
        ptr.push(0);
        let total: usize = rows.iter().map(|r| r.1.len()).sum();
        let mut idx = Vec::with_capacity(total);
        let mut val = Vec::with_capacity(total);
        for (lens, i, v) in rows {
            for l in lens {
                ptr.push(ptr.last().expect("offsets") + l);
            }
            idx.extend(i);
            val.extend(v);
        }
        Csr::new(self.nrows, ncols, ptr, idx, val)
    }

    /// A + B (same shape).
    pub fn add(&self, b: &Csr) -> Csr {
        assert_eq!((self.nrows, self.ncols), (b.nrows, b.ncols), "shapes");
        let mut ptr = vec![0];
        let mut idx = Vec::with_capacity(self.nnz() + b.nnz());
        let mut val = Vec::with_capacity(self.nnz() + b.nnz());
        for i in 0..self.nrows {
            let (mut x, mut y) = (self.row(i).peekable(), b.row(i).peekable());
            loop {
                let next = match (x.peek(), y.peek()) {
                    (Some(&(c, v)), Some(&(d, w))) => match c.cmp(&d) {
                        std::cmp::Ordering::Less => {
                            x.next();
                            (c, v)
                        }
                        std::cmp::Ordering::Greater => {
                            y.next();
                            (d, w)
                        }
                        std::cmp::Ordering::Equal => {
                            x.next();
                            y.next();
                            (c, v + w)
                        }
                    },
                    (Some(&e), None) => {
                        x.next();
                        e
                    }
                    (None, Some(&e)) => {
                        y.next();
                        e
                    }
                    (None, None) => break,
                };
                idx.push(next.0);
                val.push(next.1);
            }
            ptr.push(idx.len());
        }
        Csr::new(self.nrows, self.ncols, ptr, idx, val)
    }

    /// Keeps the entries (i, j) for which `keep(i, j)`.
    pub fn retain(&mut self, keep: impl Fn(usize, usize) -> bool) {
        let mut k = 0;
        let mut start = 0;
        for i in 0..self.nrows {
            let end = self.ptr[i + 1];
            for p in start..end {
                if keep(i, self.idx[p]) {
                    self.idx[k] = self.idx[p];
                    self.val[k] = self.val[p];
                    k += 1;
                }
            }
            start = end;
            self.ptr[i + 1] = k;
        }
        self.idx.truncate(k);
        self.val.truncate(k);
    }

    /// Multiplies row i by `factor(i)`.
    pub fn scale_rows(&mut self, factor: impl Fn(usize) -> f64) {
        for i in 0..self.nrows {
            let f = factor(i);
            for v in &mut self.val[self.ptr[i]..self.ptr[i + 1]] {
                *v *= f;
            }
        }
    }

    /// (A + Aᵀ)/2: removes the round-off asymmetry of a Galerkin product.
    pub fn symmetrised(&self) -> Csr {
        let mut s = self.add(&self.transpose());
        s.val.iter_mut().for_each(|v| *v *= 0.5);
        s
    }
}

/// A symmetric positive definite preconditioner: z = M⁻¹ r.
pub trait Preconditioner {
    /// z = M⁻¹ r.
    fn apply(&mut self, r: &[f64], z: &mut [f64]);
}

/// A symmetric operator y = A x.
pub trait Operator {
    /// y = A x.
    fn apply(&self, x: &[f64], y: &mut [f64]);
}

impl Operator for Csr {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        self.mul_vec(x, y);
    }
}

/// When MINRES stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KrylovParams {
    /// Stop when the preconditioned residual norm ‖r‖_{M⁻¹} falls below this fraction of the
    /// right-hand side's ‖b‖_{M⁻¹} (so a good initial guess takes fewer iterations).
    pub tolerance: f64,
    /// Most iterations; reaching them is an error.
    pub max_iterations: usize,
}

impl Default for KrylovParams {
    fn default() -> Self {
        KrylovParams {
            tolerance: 1e-8,
            max_iterations: 1000,
        }
    }
}

/// Buffers of MINRES (seven vectors), kept between solves.
#[derive(Clone, Debug, Default)]
pub struct MinresWork {
    v: [Vec<f64>; 3],
    z: [Vec<f64>; 2],
    w: [Vec<f64>; 2],
    az: Vec<f64>,
}

impl MinresWork {
    fn resize(&mut self, n: usize) {
        for v in self
            .v
            .iter_mut()
            .chain(self.z.iter_mut())
            .chain(self.w.iter_mut())
            .chain(std::iter::once(&mut self.az))
        {
            v.clear();
            v.resize(n, 0.0);
        }
    }
}

/// Preconditioned MINRES (Paige & Saunders 1975, in the form of Elman, Silvester & Wathen,
/// *Finite elements and fast iterative solvers*, 2nd ed., Alg. 4.1) for the symmetric `a` and the
/// SPD preconditioner `m`: x (the initial guess on entry) becomes the solution of A x = b, to
/// ‖b − A x‖_{M⁻¹} ≤ tolerance · ‖b‖_{M⁻¹}. Returns the iterations (0 when the guess is good
/// enough); not converging in `params.max_iterations` is an error.
pub fn minres(
    a: &impl Operator,
    m: &mut impl Preconditioner,
    b: &[f64],
    x: &mut [f64],
    params: KrylovParams,
    work: &mut MinresWork,
) -> Result<usize, FemError> {
    let n = b.len();
    work.resize(n);
    let MinresWork { v, z, w, az } = work;
    // v1 = b − A x0, z1 = M⁻¹ v1, γ1 = (z1·v1)^½.
    a.apply(x, &mut v[1]);
    v[1].par_iter_mut()
        .zip(b.par_iter())
        .for_each(|(v, b)| *v = b - *v);
    m.apply(&v[1], &mut z[1]);
    let mut gamma = dot(&z[1], &v[1]);
    if gamma < 0.0 || !gamma.is_finite() {
        return Err(FemError::Invalid(format!(
            "MINRES: the preconditioner is not positive definite (r·M⁻¹r = {gamma})"
        )));
    }
    gamma = gamma.sqrt();
    let initial = gamma;
    if initial == 0.0 {
        return Ok(0);
    }
    // The scale of the stopping rule: ‖b‖_{M⁻¹} (z[0] is free until the first iteration), so that
    // a good initial guess is rewarded instead of asked for more digits.
    m.apply(b, &mut z[0]);
    let reference = dot(&z[0], b).max(0.0).sqrt();
    let target = params.tolerance * if reference > 0.0 { reference } else { initial };
    if initial <= target {
        return Ok(0);
    }
    let (mut gamma_old, mut eta) = (1.0, gamma);
    let (mut c_old, mut c) = (1.0, 1.0);
    let (mut s_old, mut s) = (0.0f64, 0.0f64);
    // v[0] = v_{j−1}, v[1] = v_j, v[2] = v_{j+1}; z[1] = z_j, z[0] = z_{j+1}; w[0] = w_{j−1}, w[1] = w_j.
    for j in 1..=params.max_iterations {
        let inv = 1.0 / gamma;
        z[1].par_iter_mut().for_each(|z| *z *= inv);
        a.apply(&z[1], az);
        let delta = dot(az, &z[1]);
        let (f1, f0) = (delta / gamma, gamma / gamma_old);
        {
            let (vprev, rest) = v.split_at_mut(1);
            let (vj, vnext) = rest.split_at_mut(1);
            vnext[0]
                .par_iter_mut()
                .zip(az.par_iter())
                .zip(vj[0].par_iter().zip(vprev[0].par_iter()))
                .for_each(|((vn, a), (vj, vp))| *vn = a - f1 * vj - f0 * vp);
        }
        let (z_next, z_j) = z.split_at_mut(1);
        m.apply(&v[2], &mut z_next[0]);
        let gamma_new2 = dot(&z_next[0], &v[2]);
        if gamma_new2 < 0.0 || !gamma_new2.is_finite() {
            return Err(FemError::Invalid(format!(
                "MINRES: the preconditioner is not positive definite (r·M⁻¹r = {gamma_new2})"
            )));
        }
        let gamma_new = gamma_new2.sqrt();
        let alpha0 = c * delta - c_old * s * gamma;
        let alpha1 = (alpha0 * alpha0 + gamma_new * gamma_new).sqrt();
        let alpha2 = s * delta + c_old * c * gamma;
        let alpha3 = s_old * gamma;
        let (c_new, s_new) = (alpha0 / alpha1, gamma_new / alpha1);
        // w_{j+1} = (z_j − α3 w_{j−1} − α2 w_j)/α1, into w[0]; x += c_{j+1} η w_{j+1}.
        let (w_old, w_j) = w.split_at_mut(1);
        let step = c_new * eta;
        w_old[0]
            .par_iter_mut()
            .zip(w_j[0].par_iter())
            .zip(z_j[0].par_iter().zip(x.par_iter_mut()))
            .for_each(|((wo, wj), (zj, x))| {
                *wo = (zj - alpha3 * *wo - alpha2 * wj) / alpha1;
                *x += step * *wo;
            });
        w.swap(0, 1);
        eta *= -s_new;
        // Shift: v_{j−1} ← v_j ← v_{j+1}; z_j ← z_{j+1}.
        v.rotate_left(1);
        z.swap(0, 1);
        gamma_old = gamma;
        gamma = gamma_new;
        c_old = c;
        c = c_new;
        s_old = s;
        s = s_new;
        if eta.abs() <= target || gamma == 0.0 {
            return Ok(j);
        }
    }
    Err(FemError::Invalid(format!(
        "MINRES did not converge in {} iterations (preconditioned residual {:.3e} of the right-hand side's, {:.0e} asked); numerics.linear_solver = \"direct\" solves without iterations",
        params.max_iterations,
        eta.abs() / (target / params.tolerance),
        params.tolerance
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 1D Laplacian (tridiagonal 2, −1) of size n plus `shift` on the diagonal.
    fn laplacian(n: usize, shift: f64) -> Csr {
        let (mut ptr, mut idx, mut val) = (vec![0], Vec::new(), Vec::new());
        for i in 0..n {
            if i > 0 {
                idx.push(i - 1);
                val.push(-1.0);
            }
            idx.push(i);
            val.push(2.0 + shift);
            if i + 1 < n {
                idx.push(i + 1);
                val.push(-1.0);
            }
            ptr.push(idx.len());
        }
        Csr::new(n, n, ptr, idx, val)
    }

    struct Identity;
    impl Preconditioner for Identity {
        fn apply(&mut self, r: &[f64], z: &mut [f64]) {
            z.copy_from_slice(r);
        }
    }

    struct Jacobi(Vec<f64>);
    impl Preconditioner for Jacobi {
        fn apply(&mut self, r: &[f64], z: &mut [f64]) {
            for ((z, r), d) in z.iter_mut().zip(r).zip(&self.0) {
                *z = r / d.abs();
            }
        }
    }

    /// Goal: products against dense arithmetic by hand: A x, Aᵀ, A B, A + B on a 3 × 3 example.
    #[test]
    fn sparse_products_match_dense_arithmetic() {
        // A = [1 2 0; 0 3 4; 5 0 6]
        let a = Csr::new(
            3,
            3,
            vec![0, 2, 4, 6],
            vec![0, 1, 1, 2, 0, 2],
            vec![1., 2., 3., 4., 5., 6.],
        );
        let mut y = vec![0.0; 3];
        a.mul_vec(&[1.0, 1.0, 1.0], &mut y);
        assert_eq!(y, [3.0, 7.0, 11.0]);
        let at = a.transpose();
        at.mul_vec(&[1.0, 1.0, 1.0], &mut y);
        assert_eq!(y, [6.0, 5.0, 10.0]);
        // A Aᵀ = [5 6 5; 6 25 24; 5 24 61]
        let aat = a.mul(&at);
        let dense: Vec<Vec<f64>> = (0..3)
            .map(|i| {
                let mut r = vec![0.0; 3];
                for (c, v) in aat.row(i) {
                    r[c] = v;
                }
                r
            })
            .collect();
        assert_eq!(
            dense,
            vec![vec![5., 6., 5.], vec![6., 25., 24.], vec![5., 24., 61.]]
        );
        let s = a.add(&at);
        assert_eq!(s.diagonal(), [2.0, 6.0, 12.0]);
        assert_eq!(s.nnz(), 9);
        assert_eq!(a.symmetrised(), {
            let mut h = s.clone();
            h.scale_rows(|_| 0.5);
            h
        });
    }

    /// Goal: MINRES solves a symmetric indefinite system (a shifted 1D Laplacian with eigenvalues
    /// on both sides of zero) to its tolerance, and with an exact preconditioner (a diagonal
    /// matrix and its inverse) in one iteration.
    #[test]
    fn minres_solves_symmetric_indefinite_systems() {
        let n = 200;
        // Eigenvalues 1.1 − 2cos(kπ/(n+1)) ∈ (−0.9, 3.1), the nearest to zero 0.006 (k = 63).
        let a = laplacian(n, -0.9);
        let x_true: Vec<f64> = (0..n).map(|i| (i as f64 * 0.1).sin()).collect();
        let mut b = vec![0.0; n];
        a.mul_vec(&x_true, &mut b);
        let mut x = vec![0.0; n];
        let mut work = MinresWork::default();
        let params = KrylovParams {
            tolerance: 1e-10,
            max_iterations: 2000,
        };
        let it = minres(&a, &mut Identity, &b, &mut x, params, &mut work).unwrap();
        let err = x
            .iter()
            .zip(&x_true)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let mut r = vec![0.0; n];
        a.mul_vec(&x, &mut r);
        let res = r
            .iter()
            .zip(&b)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        let bn = dot(&b, &b).sqrt();
        assert!(
            err < 1e-6,
            "error {err} after {it} iterations, residual {res} of {bn}"
        );
        assert!(it <= n + 5, "{it}");
        // Diagonal, indefinite, preconditioned by |D|: M⁻¹A = sign(D) has two eigenvalues, so
        // MINRES needs two iterations.
        let d: Vec<f64> = (0..n)
            .map(|i| if i % 3 == 0 { -5.0 } else { 2.0 + i as f64 })
            .collect();
        let diag = Csr::new(n, n, (0..=n).collect(), (0..n).collect(), d.clone());
        let mut x = vec![0.0; n];
        let it = minres(&diag, &mut Jacobi(d.clone()), &b, &mut x, params, &mut work).unwrap();
        assert!(it <= 2, "{it}");
        for i in 0..n {
            assert!((x[i] - b[i] / d[i]).abs() < 1e-12 * (1.0 + x[i].abs()));
        }
    }

    /// Goal: a system MINRES cannot solve in the iterations allowed is an error that says so.
    #[test]
    fn minres_reports_no_convergence() {
        let a = laplacian(500, 0.0);
        let b = vec![1.0; 500];
        let mut x = vec![0.0; 500];
        let e = minres(
            &a,
            &mut Identity,
            &b,
            &mut x,
            KrylovParams {
                tolerance: 1e-12,
                max_iterations: 10,
            },
            &mut MinresWork::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("did not converge in 10 iterations"), "{e}");
    }

    /// Goal: dot products and products are the same bit for bit on 1 and 2 threads.
    #[test]
    fn reductions_do_not_depend_on_the_thread_count() {
        let n = 50_000;
        let a = laplacian(n, 0.01);
        let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1000) as f64 / 997.0).collect();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    let mut y = vec![0.0; n];
                    a.mul_vec(&x, &mut y);
                    let mut sol = vec![0.0; n];
                    let mut work = MinresWork::default();
                    let it = minres(
                        &a,
                        &mut Identity,
                        &x,
                        &mut sol,
                        KrylovParams {
                            tolerance: 1e-6,
                            max_iterations: 5000,
                        },
                        &mut work,
                    )
                    .unwrap();
                    (dot(&x, &y), a.mul(&a).val, sol, it)
                })
        };
        assert_eq!(run(1), run(2));
    }
}
