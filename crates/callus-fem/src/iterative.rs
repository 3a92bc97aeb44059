//! The iterative path for large systems: MINRES ([`crate::krylov::minres`]) on the eliminated
//! system, preconditioned by the block-diagonal
//!
//! ```text
//! P = [ K̂  0 ]      K̂⁻¹ = one smoothed-aggregation V-cycle on K (crate::amg), with the rigid motions
//!     [ 0  Ŝ ]      Ŝ   = S + ΔtH + M_fs, M_fs = ∫ α²/K_dr N_p N_p, factorized (Cholesky)
//! ```
//!
//! for the Biot u–p matrix [K −Q; −Qᵀ −(S + ΔtH)]. Ŝ is the fixed-stress approximation of the
//! Schur complement S + ΔtH + Qᵀ K⁻¹ Q (Kim, Tchelepi & Juanes 2011; Mikelić & Wheeler 2013):
//! M_fs is spectrally close to Qᵀ K⁻¹ Q independently of the mesh, and S + ΔtH is kept exactly, so
//! it holds from drained (ΔtH large) to undrained (the coupling dominant). With both blocks SPD,
//! MINRES's iterations are bounded independently of h (Murphy, Golub & Wathen, SIAM J. Sci.
//! Comput. 21 (2000) 1969–1972, for exact blocks; Lee, Mardal & Winther, SIAM J. Sci. Comput. 39
//! (2017) A1–A24, for Biot). A displacement-only (elastic) matrix takes the V-cycle alone.
//!
//! The set-up reads the matrix after the prescribed dofs were eliminated: their rows and columns
//! hold only a diagonal, and the rigid motions are set to zero on them.

use callus_mesh::Mesh;
use faer::dyn_stack::MemBuffer;

use crate::amg::{Amg, AmgParams, AmgShape};
use crate::dofs::{DofKind, DofMap};
use crate::element::Idealisation;
use crate::krylov::{minres, mul_rows, Csr, KrylovParams, MinresWork, Operator, Preconditioner};
use crate::pattern::{Matrix, SparsityPattern};
use crate::solver::{Definiteness, SymbolicFactorization};
use crate::FemError;

/// Parameters of the iterative solves.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IterativeParams {
    /// The multigrid of the displacement block.
    pub amg: AmgParams,
    /// When MINRES stops.
    pub krylov: KrylovParams,
}

/// The rigid motions of `mesh` (in its current configuration) as vectors over `dofs` (zero on
/// pressures): the translations, and the rotations about the centroid in plane strain and 3D (in
/// axisymmetry only the axial translation is a rigid motion; the radial one is kept as a
/// low-energy mode of the interior).
pub fn rigid_body_modes(mesh: &Mesh, dofs: &DofMap, ideal: Idealisation) -> Vec<Vec<f64>> {
    let dim = dofs.dim();
    let n = mesh.num_nodes();
    let mut centre = [0.0; 3];
    for x in mesh.coords() {
        for c in 0..3 {
            centre[c] += x[c] / n.max(1) as f64;
        }
    }
    let rotations: &[[usize; 2]] = match ideal {
        Idealisation::Axisymmetric => &[],
        Idealisation::PlaneStrain => &[[0, 1]],
        Idealisation::ThreeD => &[[1, 2], [2, 0], [0, 1]],
    };
    let mut modes = Vec::new();
    for c in 0..dim {
        let mut v = vec![0.0; dofs.len()];
        for node in 0..n {
            v[dofs.u(node, c)] = 1.0;
        }
        modes.push(v);
    }
    for &[a, b] in rotations {
        // Rotation in the (a, b) plane: u_a = −(x_b − c_b), u_b = x_a − c_a.
        let mut v = vec![0.0; dofs.len()];
        for (node, x) in mesh.coords().iter().enumerate() {
            v[dofs.u(node, a)] = -(x[b] - centre[b]);
            v[dofs.u(node, b)] = x[a] - centre[a];
        }
        modes.push(v);
    }
    modes
}

/// The eliminated system as an operator (a symmetric CSC matrix read as rows), rows in parallel.
struct Symmetric<'a>(&'a Matrix);

impl Operator for Symmetric<'_> {
    fn apply(&self, x: &[f64], y: &mut [f64]) {
        let a = self.0;
        mul_rows(a.indptr().raw_storage(), a.indices(), a.data(), x, y);
    }
}

/// The factorized Ŝ: its analysis, the factor's values and the solve's scratch, with the
/// fixed-stress mass and Ŝ's values kept for a new Δt.
struct Schur {
    symbolic: Box<SymbolicFactorization>,
    l: Vec<f64>,
    mem: MemBuffer,
    fs: Csr,
    values: Matrix,
}

/// The block-diagonal preconditioner diag(K̂, Ŝ) (module docs).
pub struct BlockPreconditioner {
    u: Vec<usize>,
    p: Vec<usize>,
    amg: Amg,
    local_p: Vec<usize>,
    schur: Option<Schur>,
    ru: Vec<f64>,
    zu: Vec<f64>,
    rp: Vec<f64>,
}

/// The submatrix of the symmetric `a` on rows `rows` and columns `cols` (`local[g]` = position of
/// global dof g among `cols`, or usize::MAX), without the explicit zeros off the diagonal.
fn block(a: &Matrix, rows: &[usize], ncols: usize, local: &[usize]) -> Csr {
    let ptr = a.indptr();
    let ptr = ptr.raw_storage();
    let (idx, val) = (a.indices(), a.data());
    let mut out_ptr = vec![0];
    let (mut out_idx, mut out_val) = (Vec::new(), Vec::new());
    for &i in rows {
        for p in ptr[i]..ptr[i + 1] {
            let j = idx[p];
            if local[j] != usize::MAX && (val[p] != 0.0 || j == i) {
                out_idx.push(local[j]);
                out_val.push(val[p]);
            }
        }
        out_ptr.push(out_idx.len());
    }
    Csr::new(rows.len(), ncols, out_ptr, out_idx, out_val)
}

impl BlockPreconditioner {
    /// Sets up the preconditioner of the eliminated symmetric matrix `a` with dof kinds `kinds`,
    /// `dim` displacement components per node (numbered node by node), the near-null space
    /// `modes` (vectors over all dofs, as [`rigid_body_modes`]) and, for u–p, the fixed-stress
    /// pressure mass ([`crate::problem::Discretisation::assemble_fixed_stress`], unconstrained).
    pub fn new(
        a: &Matrix,
        kinds: &[DofKind],
        dim: usize,
        modes: &[Vec<f64>],
        fixed_stress: Option<&Matrix>,
        params: AmgParams,
    ) -> Result<Self, FemError> {
        let n = kinds.len();
        let (mut u, mut p) = (Vec::new(), Vec::new());
        let mut local = vec![usize::MAX; n];
        let mut local_p = vec![usize::MAX; n];
        for (i, k) in kinds.iter().enumerate() {
            match k {
                DofKind::Pressure => {
                    local_p[i] = p.len();
                    p.push(i);
                }
                _ => {
                    local[i] = u.len();
                    u.push(i);
                }
            }
        }
        let k = block(a, &u, u.len(), &local);
        // Prescribed dofs (a row with the diagonal alone) carry no rigid motion.
        let free: Vec<bool> = (0..u.len()).map(|i| k.row(i).count() > 1).collect();
        let near_null: Vec<Vec<f64>> = modes
            .iter()
            .map(|m| {
                u.iter()
                    .zip(&free)
                    .map(|(&g, &f)| if f { m[g] } else { 0.0 })
                    .collect()
            })
            .collect();
        let schur = if p.is_empty() {
            None
        } else {
            let fixed_stress = fixed_stress.ok_or_else(|| {
                FemError::Invalid(
                    "the iterative u–p solver needs the fixed-stress pressure mass".into(),
                )
            })?;
            let mut fs = block(fixed_stress, &p, p.len(), &local_p);
            let pp = block(a, &p, p.len(), &local_p);
            // Only between free pressures (a prescribed one has a row of its diagonal alone).
            let free_p: Vec<bool> = (0..p.len()).map(|i| pp.row(i).count() > 1).collect();
            fs.retain(|i, j| free_p[i] && free_p[j]);
            Some(Schur::new(&pp, fs)?)
        };
        let amg = Amg::new(k, dim, &near_null, params)?;
        Ok(BlockPreconditioner {
            ru: vec![0.0; u.len()],
            zu: vec![0.0; u.len()],
            rp: vec![0.0; p.len()],
            u,
            p,
            local_p,
            amg,
            schur,
        })
    }

    /// Takes the pressure block of `a`, a matrix that differs from the one set up only there (a
    /// new Δt: A₁ = [0 0; 0 −H]): the multigrid of K is kept, Ŝ refactorized on its analysis.
    pub fn refresh_pressure(&mut self, a: &Matrix) -> Result<(), FemError> {
        if let Some(schur) = &mut self.schur {
            let pp = block(a, &self.p, self.p.len(), &self.local_p);
            schur.refactorize(&pp)?;
        }
        Ok(())
    }

    /// The multigrid hierarchy of the displacement block.
    pub fn amg_shape(&self) -> AmgShape {
        self.amg.shape()
    }
}

impl Schur {
    /// Ŝ = −`pp` + `fs` (the pressure block of the eliminated matrix and the fixed-stress mass,
    /// both p × p), analysed with an AMD ordering and factorized (Cholesky, one thread).
    fn new(pp: &Csr, fs: Csr) -> Result<Schur, FemError> {
        let s = Self::values(pp, &fs);
        let pattern = SparsityPattern::from_csr_of_symmetric(&s);
        let symbolic = Box::new(SymbolicFactorization::with_amd(
            &pattern,
            Definiteness::PositiveDefinite,
        )?);
        let mut values = pattern.zeros();
        values.data_mut().copy_from_slice(s.values());
        let l = symbolic.factorize(&values)?.into_values();
        let mem = symbolic.solve_buffer();
        Ok(Schur {
            symbolic,
            l,
            mem,
            fs,
            values,
        })
    }

    /// −pp + fs, symmetrised.
    fn values(pp: &Csr, fs: &Csr) -> Csr {
        let mut minus = pp.clone();
        minus.scale_rows(|_| -1.0);
        minus.add(fs).symmetrised()
    }

    /// Refactorizes for a new pressure block `pp` on the same pattern.
    fn refactorize(&mut self, pp: &Csr) -> Result<(), FemError> {
        let s = Self::values(pp, &self.fs);
        let data = self.values.data_mut();
        if s.values().len() != data.len() {
            return Err(FemError::Invalid(
                "the pressure block changed its pattern between time steps".into(),
            ));
        }
        data.copy_from_slice(s.values());
        self.l = self.symbolic.factorize(&self.values)?.into_values();
        Ok(())
    }
}

impl Preconditioner for BlockPreconditioner {
    fn apply(&mut self, r: &[f64], z: &mut [f64]) {
        for (ru, &g) in self.ru.iter_mut().zip(&self.u) {
            *ru = r[g];
        }
        self.amg.apply(&self.ru, &mut self.zu);
        for (zu, &g) in self.zu.iter().zip(&self.u) {
            z[g] = *zu;
        }
        if let Some(schur) = &mut self.schur {
            for (rp, &g) in self.rp.iter_mut().zip(&self.p) {
                *rp = r[g];
            }
            schur
                .symbolic
                .solve_with_values(&schur.l, &mut self.rp, &mut schur.mem);
            for (rp, &g) in self.rp.iter().zip(&self.p) {
                z[g] = *rp;
            }
        }
    }
}

/// An eliminated system solved by preconditioned MINRES.
pub struct IterativeSolve {
    preconditioner: BlockPreconditioner,
    params: KrylovParams,
    work: MinresWork,
}

impl IterativeSolve {
    /// Sets up the preconditioner of the eliminated matrix `a`.
    pub fn new(
        a: &Matrix,
        kinds: &[DofKind],
        dim: usize,
        modes: &[Vec<f64>],
        fixed_stress: Option<&Matrix>,
        params: IterativeParams,
    ) -> Result<Self, FemError> {
        Ok(IterativeSolve {
            preconditioner: BlockPreconditioner::new(
                a,
                kinds,
                dim,
                modes,
                fixed_stress,
                params.amg,
            )?,
            params: params.krylov,
            work: MinresWork::default(),
        })
    }

    /// Solves `a` x = `rhs` from the initial guess in `x`; returns the iterations.
    pub fn solve(&mut self, a: &Matrix, rhs: &[f64], x: &mut [f64]) -> Result<usize, FemError> {
        minres(
            &Symmetric(a),
            &mut self.preconditioner,
            rhs,
            x,
            self.params,
            &mut self.work,
        )
    }

    /// The multigrid hierarchy of the displacement block.
    pub fn amg_shape(&self) -> AmgShape {
        self.preconditioner.amg_shape()
    }

    /// For a matrix that differs from the one set up only in its pressure block (a new Δt): keeps
    /// the multigrid, refactorizes the pressure Schur approximation
    /// ([`BlockPreconditioner::refresh_pressure`]).
    pub fn refresh_pressure(&mut self, a: &Matrix) -> Result<(), FemError> {
        self.preconditioner.refresh_pressure(a)
    }
}
