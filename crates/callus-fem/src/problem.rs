//! Assembled problems on a mesh: drained elasticity, Biot poroelasticity and scalar diffusion.
//!
//! [`Discretisation`] holds what depends only on the mesh's connectivity (dofs, pattern, colouring,
//! reference elements, and, once a direct solve asks, the METIS ordering and the symbolic
//! factorization), never the node
//! positions: every assembly takes the mesh in the configuration to assemble on, so an incremental
//! analysis moves its one mesh and assembles there without redoing any of that. Values are
//! assembled into matrices of the pattern ([`crate::pattern::Matrix`]); a numeric factorization is
//! reused for every step that shares them ([`crate::integrate`]).
//!
//! Biot, backward Euler for the totals (u, p) at t_{n+1} (MODEL.md §1, pressure rows negated):
//!
//! ```text
//! [ K    −Q        ] [u]         [ 0    0 ] [u]       [ f_{n+1} ]
//! [ −Qᵀ  −(S+ΔtH)  ] [p]_{n+1} = [ −Qᵀ  −S ] [p]_n  +  [ 0       ]
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use callus_mesh::{ElementKind, Mesh};
use rayon::prelude::*;

use crate::assembly::Assembler;
use crate::dofs::{DofMap, Fields};
use crate::element::{
    biot_blocks, diffusion_matrices, elastic_stiffness, pressure_mass, BiotBlocks, Idealisation,
    ReferenceElement,
};
use crate::material::{Biot, Diffusion, Elastic};
use crate::pattern::{nested_dissection, Matrix, SparsityPattern};
use crate::post::{biot_point_states, volume_average, AveragedBiotElement, PointState};
use crate::shape::MAX_NODES;
use crate::solver::{Definiteness, SymbolicFactorization};
use crate::FemError;

/// The matrices of a linear first-order system on one pattern ([`crate::integrate`]): A(Δt) = A₀ + Δt·A₁,
/// and C, which multiplies the previous state.
#[derive(Clone, Debug)]
pub struct Operators {
    /// A₀ = A(Δt = 0).
    pub a0: Matrix,
    /// A₁ = dA/dΔt.
    pub a1: Matrix,
    /// C.
    pub c: Matrix,
}

impl Operators {
    /// Zero operators on `pattern`.
    pub fn zeros(pattern: &SparsityPattern) -> Operators {
        Operators {
            a0: pattern.zeros(),
            a1: pattern.zeros(),
            c: pattern.zeros(),
        }
    }
}

/// The mesh-dependent part of a problem, computed once.
pub struct Discretisation {
    /// Nodes and elements of the connectivity it was built for.
    size: (usize, usize),
    /// The idealisation.
    pub ideal: Idealisation,
    /// The dofs.
    pub dofs: DofMap,
    /// Pattern, colouring and element dofs.
    pub assembler: Assembler,
    /// Ordering + symbolic factorization of the pattern, made when a direct solve first needs it
    /// ([`Discretisation::symbolic`]): the iterative path never does.
    symbolic: OnceLock<SymbolicFactorization>,
    /// The unit element masses of the last configuration asked for, with its node positions
    /// ([`Discretisation::element_masses`]).
    masses: Mutex<Option<KeptMasses>>,
    definiteness: Definiteness,
    threads: usize,
    refs: HashMap<ElementKind, ReferenceElement>,
}

impl Discretisation {
    /// Sets up `fields` on the connectivity of `mesh`. `threads` is passed to the factorization (1
    /// = sequential).
    pub fn new(
        mesh: &Mesh,
        ideal: Idealisation,
        fields: Fields,
        threads: usize,
    ) -> Result<Self, FemError> {
        if (ideal == Idealisation::ThreeD) != (mesh.dim() == 3) {
            return Err(FemError::Invalid(format!(
                "a {}D mesh cannot be solved as {ideal:?}",
                mesh.dim()
            )));
        }
        if ideal == Idealisation::Axisymmetric {
            let tol = 1e-12 * mesh.size_scale();
            if let Some((n, x)) = mesh.coords().iter().enumerate().find(|(_, x)| x[0] < -tol) {
                return Err(FemError::Invalid(format!(
                    "axisymmetric mesh with node {} at r = {} < 0: x is the radius and must not be negative",
                    mesh.node_tags()[n],
                    x[0]
                )));
            }
        }
        if fields == Fields::DisplacementPressure {
            if let Some((k, _)) = mesh
                .kind_counts()
                .into_iter()
                .find(|(k, _)| !k.is_quadratic())
            {
                return Err(FemError::Invalid(format!(
                    "Biot u–p needs Taylor–Hood elements (quadratic displacement): the mesh has {k}. Elevate it (callus mesh convert --order quadratic)"
                )));
            }
        }
        let dim = if fields == Fields::Scalar {
            1
        } else {
            ideal.dim()
        };
        let dofs = DofMap::new(mesh, dim, fields);
        let assembler = Assembler::new(mesh, &dofs);
        let definiteness = if fields == Fields::DisplacementPressure {
            Definiteness::QuasiDefinite
        } else {
            Definiteness::PositiveDefinite
        };
        let mut refs = HashMap::new();
        for (kind, _) in mesh.kind_counts() {
            let re = if fields == Fields::Scalar {
                ReferenceElement::for_diffusion(kind, ideal)
            } else {
                ReferenceElement::for_mechanics(kind, ideal)
            };
            refs.insert(kind, re);
        }
        Ok(Discretisation {
            size: (mesh.num_nodes(), mesh.num_elements()),
            ideal,
            dofs,
            assembler,
            symbolic: OnceLock::new(),
            masses: Mutex::new(None),
            definiteness,
            threads,
            refs,
        })
    }

    /// The METIS ordering and symbolic factorization of the pattern, made on the first call.
    /// `threads` of [`Discretisation::new`] go to the numeric factorizations.
    pub fn symbolic(&self) -> Result<&SymbolicFactorization, FemError> {
        if let Some(s) = self.symbolic.get() {
            return Ok(s);
        }
        let perm = nested_dissection(&self.assembler.graph, &self.dofs)?;
        let s = SymbolicFactorization::new(
            &self.assembler.pattern,
            &perm,
            self.definiteness,
            self.threads,
        )?;
        Ok(self.symbolic.get_or_init(|| s))
    }

    /// A matrix of zeros on the pattern.
    pub fn zeros(&self) -> Matrix {
        self.assembler.pattern.zeros()
    }

    /// Checks that `mesh` has the connectivity this was built for (its node and element counts).
    fn check_mesh(&self, mesh: &Mesh) -> Result<(), FemError> {
        let size = (mesh.num_nodes(), mesh.num_elements());
        if size != self.size {
            return Err(FemError::Invalid(format!(
                "a mesh of {} nodes and {} elements for a discretisation of {} and {}",
                size.0, size.1, self.size.0, self.size.1
            )));
        }
        Ok(())
    }

    fn check_len<T>(&self, mesh: &Mesh, what: &str, v: &[T]) -> Result<(), FemError> {
        self.check_mesh(mesh)?;
        if v.len() != self.size.1 {
            return Err(FemError::Invalid(format!(
                "{what}: {} values for {} elements",
                v.len(),
                self.size.1
            )));
        }
        Ok(())
    }

    /// Drained stiffness K with one material per element, on `mesh`'s node positions.
    pub fn assemble_elastic(
        &self,
        mesh: &Mesh,
        materials: &[Elastic],
        k: &mut Matrix,
    ) -> Result<(), FemError> {
        self.check_len(mesh, "elastic materials", materials)?;
        self.assembler.assemble_matrix(k, |e, local| {
            let mut x = [[0.0; 3]; MAX_NODES];
            let (kind, nn) = coords_of(mesh, e, &mut x);
            elastic_stiffness(&self.refs[&kind], &x[..nn], &materials[e], local)
        })
    }

    /// The backward-Euler operators of Biot u–p (module docs of [`crate::integrate`]): A₀ = [K −Q;
    /// −Qᵀ −S], A₁ = [0 0; 0 −H], C = [0 0; −Qᵀ −S], on `mesh`'s node positions, in one pass over
    /// the elements.
    pub fn assemble_biot(
        &self,
        mesh: &Mesh,
        materials: &[Biot],
        ops: &mut Operators,
    ) -> Result<(), FemError> {
        self.check_len(mesh, "Biot materials", materials)?;
        let Operators { a0, a1, c } = ops;
        self.assembler.assemble_matrices([a0, a1, c], |e, local| {
            let mut x = [[0.0; 3]; MAX_NODES];
            let (kind, nn) = coords_of(mesh, e, &mut x);
            let re = &self.refs[&kind];
            let (nu, np) = (re.u_dofs(), re.p_dofs());
            let (mut k, mut q, mut s, mut h) = ([0.0; 900], [0.0; 300], [0.0; 100], [0.0; 100]);
            biot_blocks(
                re,
                &x[..nn],
                &materials[e],
                BiotBlocks {
                    k: &mut k,
                    q: &mut q,
                    s: &mut s,
                    h: &mut h,
                },
            )?;
            let n = nu + np;
            local.fill(0.0);
            let (fixed, rest) = local.split_at_mut(n * n);
            let (per_dt, previous) = rest.split_at_mut(n * n);
            for i in 0..nu {
                fixed[i * n..i * n + nu].copy_from_slice(&k[i * nu..(i + 1) * nu]);
                for p in 0..np {
                    let qv = -q[i * np + p];
                    fixed[i * n + nu + p] = qv;
                    fixed[(nu + p) * n + i] = qv;
                    previous[(nu + p) * n + i] = qv;
                }
            }
            for i in 0..np {
                for j in 0..np {
                    let at = (nu + i) * n + nu + j;
                    fixed[at] = -s[i * np + j];
                    per_dt[at] = -h[i * np + j];
                    previous[at] = -s[i * np + j];
                }
            }
            Ok(())
        })
    }

    /// The fixed-stress part of the iterative solver's pressure Schur-complement approximation
    /// ([`crate::iterative`]): ∫ α²/K_dr N_p N_p, K_dr the drained bulk modulus of the element's
    /// skeleton (λ + 2G/3; λ + G in plane strain), in the pressure rows and columns of `out` (on the
    /// pattern; the rest zero). With the storage S it is the fixed-stress split's (1/M + α²/K_dr) M_p
    /// (Kim, Tchelepi & Juanes, SPE J. 16 (2011) 249–262; Mikelić & Wheeler, Comput. Geosci. 17
    /// (2013) 455–461), spectrally close to Qᵀ K⁻¹ Q whatever the mesh.
    pub fn assemble_fixed_stress(
        &self,
        mesh: &Mesh,
        materials: &[Biot],
        out: &mut Matrix,
    ) -> Result<(), FemError> {
        self.check_len(mesh, "Biot materials", materials)?;
        self.assembler.assemble_matrix(out, |e, local| {
            let mut x = [[0.0; 3]; MAX_NODES];
            let (kind, nn) = coords_of(mesh, e, &mut x);
            let re = &self.refs[&kind];
            let (nu, np) = (re.u_dofs(), re.p_dofs());
            let m = &materials[e];
            let sk = &m.skeleton;
            let k_dr = match self.ideal {
                Idealisation::PlaneStrain => sk.lambda() + sk.shear_modulus(),
                _ => sk.bulk_modulus(),
            };
            let mut mass = [0.0; 100];
            pressure_mass(re, &x[..nn], m.alpha * m.alpha / k_dr, &mut mass)?;
            let n = nu + np;
            local[..n * n].fill(0.0);
            for i in 0..np {
                for j in 0..np {
                    local[(nu + i) * n + nu + j] = mass[i * np + j];
                }
            }
            Ok(())
        })
    }

    /// The volume-averaged state of every element (strain, pressure, flux, stresses) for the Biot
    /// solution `x` (u–p dofs) on `mesh`'s node positions, in parallel; one [`PointState`] per
    /// element, in element order.
    pub fn biot_element_states(
        &self,
        mesh: &Mesh,
        materials: &[Biot],
        x: &[f64],
    ) -> Result<Vec<PointState>, FemError> {
        self.check_len(mesh, "Biot materials", materials)?;
        if self.dofs.fields() != Fields::DisplacementPressure || x.len() != self.dofs.len() {
            return Err(FemError::Invalid(format!(
                "element states need a u–p solution of {} values on a u–p problem (got {})",
                self.dofs.len(),
                x.len()
            )));
        }
        (0..mesh.num_elements())
            .into_par_iter()
            .map_init(
                || (Vec::new(), Vec::new(), Vec::new()),
                |(u, p, points), e| {
                    let mut xe = [[0.0; 3]; MAX_NODES];
                    let (kind, nn) = coords_of(mesh, e, &mut xe);
                    let re = &self.refs[&kind];
                    let dofs = self.assembler.dofs_of(e);
                    let nu = re.u_dofs();
                    u.clear();
                    u.extend(dofs[..nu].iter().map(|&d| x[d]));
                    p.clear();
                    p.extend(dofs[nu..].iter().map(|&d| x[d]));
                    biot_point_states(re, &xe[..nn], &materials[e], u, p, points)
                        .map_err(|b| self.assembler.bad(e, b))?;
                    volume_average(points)
                        .ok_or_else(|| FemError::Invalid(format!("element {e} has no volume")))
                },
            )
            .collect()
    }

    /// The volume-averaged states of every element as linear maps of the u–p dofs, on `mesh`'s
    /// node positions with `materials` ([`AveragedBiotElement`]), in parallel: set up once per
    /// configuration, read at every time level with [`Discretisation::biot_states_into`].
    pub fn biot_state_map(
        &self,
        mesh: &Mesh,
        materials: &[Biot],
    ) -> Result<BiotStateMap, FemError> {
        self.check_len(mesh, "Biot materials", materials)?;
        if self.dofs.fields() != Fields::DisplacementPressure {
            return Err(FemError::Invalid(
                "element states need a u–p problem".to_string(),
            ));
        }
        let elements = (0..mesh.num_elements())
            .into_par_iter()
            .map(|e| {
                let mut xe = [[0.0; 3]; MAX_NODES];
                let (kind, nn) = coords_of(mesh, e, &mut xe);
                AveragedBiotElement::new(&self.refs[&kind], &xe[..nn], &materials[e])
                    .map_err(|b| self.assembler.bad(e, b))?
                    .ok_or_else(|| FemError::Invalid(format!("element {e} has no volume")))
            })
            .collect::<Result<Vec<_>, FemError>>()?;
        Ok(BiotStateMap { elements })
    }

    /// The volume-averaged state of every element for the u–p solution `x`, through `map` (made
    /// by [`Discretisation::biot_state_map`] on this discretisation), into `out` (one per
    /// element), in parallel and without allocating.
    pub fn biot_states_into(&self, map: &BiotStateMap, x: &[f64], out: &mut [PointState]) {
        assert!(
            x.len() == self.dofs.len() && out.len() == map.elements.len(),
            "a u–p solution of this problem and one state per element"
        );
        out.par_iter_mut()
            .zip(&map.elements)
            .enumerate()
            .for_each(|(e, (state, avg))| {
                let dofs = self.assembler.dofs_of(e);
                let mut u = [0.0; 3 * MAX_NODES];
                let mut p = [0.0; MAX_NODES];
                let nu = avg.u_dofs();
                for (v, &d) in u.iter_mut().zip(&dofs[..nu]) {
                    *v = x[d];
                }
                for (v, &d) in p.iter_mut().zip(&dofs[nu..]) {
                    *v = x[d];
                }
                *state = avg.state(&u[..nu], &p[..dofs.len() - nu]);
            });
    }

    /// Adds the nodal forces of an initial (pre-)stress to `rhs`: f = −∫ Bᵀ σ₀ dV on `mesh`'s
    /// node positions, with one stress tensor σ₀ (MPa, tension positive) per element, so that the
    /// body starts from a stressed state (a residual stress carried between increments). Reactions
    /// then include it.
    pub fn add_initial_stress(
        &self,
        mesh: &Mesh,
        stress_mpa: &[[[f64; 3]; 3]],
        rhs: &mut [f64],
    ) -> Result<(), FemError> {
        self.check_len(mesh, "initial stresses", stress_mpa)?;
        let voigt = |t: &[[f64; 3]; 3]| -> [f64; 6] {
            match self.ideal {
                Idealisation::PlaneStrain => [t[0][0], t[1][1], t[0][1], 0.0, 0.0, 0.0],
                Idealisation::Axisymmetric => [t[0][0], t[1][1], t[2][2], t[0][1], 0.0, 0.0],
                Idealisation::ThreeD => [t[0][0], t[1][1], t[2][2], t[0][1], t[1][2], t[0][2]],
            }
        };
        self.assembler.assemble_vector(rhs, |e, local| {
            local.fill(0.0);
            let sigma = voigt(&stress_mpa[e]);
            if sigma.iter().all(|&v| v == 0.0) {
                return Ok(());
            }
            let mut x = [[0.0; 3]; MAX_NODES];
            let (kind, nn) = coords_of(mesh, e, &mut x);
            let re = &self.refs[&kind];
            let (dim, ns) = (self.ideal.dim(), self.ideal.strain_components());
            for q in 0..re.rule.len() {
                let v = re.at(q, &x[..nn])?;
                for a in 0..nn {
                    let b = re.b_block(&v, a);
                    for c in 0..dim {
                        let f: f64 = (0..ns).map(|i| b[i][c] * sigma[i]).sum();
                        local[a * dim + c] -= v.weight * f;
                    }
                }
            }
            Ok(())
        })
    }

    /// Diffusion on `mesh`'s node positions: the capacity matrix M and the conductance matrix K, one
    /// material per element.
    pub fn assemble_diffusion(
        &self,
        mesh: &Mesh,
        materials: &[Diffusion],
        mass: &mut Matrix,
        stiffness: &mut Matrix,
    ) -> Result<(), FemError> {
        self.check_len(mesh, "diffusion materials", materials)?;
        // One kernel call per element gives both matrices.
        self.assembler
            .assemble_matrices([mass, stiffness], |e, local| {
                let mut x = [[0.0; 3]; MAX_NODES];
                let (kind, nn) = coords_of(mesh, e, &mut x);
                let (m, k) = local.split_at_mut(nn * nn);
                diffusion_matrices(&self.refs[&kind], &x[..nn], &materials[e], m, k)
            })
    }
    /// The volume mean of a nodal scalar field (one value per node) over each element of `mesh` in
    /// its configuration: ∫_e Σ_a N_a f_a dV / ∫_e dV, with the 2πr of axisymmetry (the c of an
    /// element's rule of mixtures, MODEL.md §4; its φ, §4b). On a quadratic element this weighs
    /// the nodes by ∫ N_a dV, not equally (a Quad9's centre node carries 4/9 of a flat element).
    /// Any mesh of the element kinds of this discretisation will do (one just grown too).
    pub fn element_means(&self, mesh: &Mesh, nodal: &[f64]) -> Result<Vec<f64>, FemError> {
        self.element_masses(mesh)?.means(mesh, nodal)
    }

    /// The unit mass matrices ∫ N_a N_b dV of every element of `mesh` in its configuration (scalar
    /// field): integrated once, then assembled with a coefficient per element
    /// ([`Discretisation::assemble_scaled`]) or used for volume means ([`ElementMasses::means`])
    /// as often as the configuration stays: the masses of the last configuration are kept with its
    /// node positions and given again while `mesh`'s positions equal them exactly (the volume
    /// means of a day's fields read them several times). A mesh of this discretisation's
    /// connectivity, in any configuration; elements integrated in parallel.
    pub fn element_masses(&self, mesh: &Mesh) -> Result<Arc<ElementMasses>, FemError> {
        self.check_mesh(mesh)?;
        // The lock is not held while integrating (in parallel): a rayon worker waiting there may
        // take up another task that asks for the masses.
        let kept = || self.masses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = kept().as_ref().filter(|k| k.at.as_slice() == mesh.coords()) {
            return Ok(k.masses.clone());
        }
        let mut offsets = Vec::with_capacity(mesh.num_elements() + 1);
        offsets.push(0);
        for el in mesh.elements() {
            offsets.push(offsets[el.id] + el.nodes.len() * el.nodes.len());
        }
        let mut values = vec![0.0; offsets[mesh.num_elements()]];
        let mut blocks = Vec::with_capacity(mesh.num_elements());
        let mut rest = values.as_mut_slice();
        for w in offsets.windows(2) {
            let (block, tail) = rest.split_at_mut(w[1] - w[0]);
            blocks.push(block);
            rest = tail;
        }
        let unit = Diffusion {
            capacity: 1.0,
            diffusivity: 0.0,
        };
        // The first bad element by number, whatever the threads.
        let bad = blocks
            .into_par_iter()
            .enumerate()
            .map_init(
                || ([[0.0; 3]; MAX_NODES], [0.0; MAX_NODES * MAX_NODES]),
                |(x, stiffness), (e, mass)| {
                    let (kind, nn) = coords_of(mesh, e, x);
                    diffusion_matrices(&self.refs[&kind], &x[..nn], &unit, mass, stiffness)
                        .err()
                        .map(|b| (e, b))
                },
            )
            .flatten()
            .min_by_key(|&(e, _)| e);
        if let Some((e, b)) = bad {
            return Err(self.assembler.bad(e, b));
        }
        let masses = Arc::new(ElementMasses { offsets, values });
        *kept() = Some(KeptMasses {
            at: mesh.coords().to_vec(),
            masses: masses.clone(),
        });
        Ok(masses)
    }

    /// Σ_e coefficient[e] · M_e into `matrix` (zeroed first), on the pattern: the capacity matrix
    /// of a per-element coefficient without integrating again.
    pub fn assemble_scaled(
        &self,
        mesh: &Mesh,
        masses: &ElementMasses,
        coefficient: &[f64],
        matrix: &mut Matrix,
    ) -> Result<(), FemError> {
        self.check_len(mesh, "coefficients", coefficient)?;
        self.assembler.assemble_matrix(matrix, |e, local| {
            let m = masses.of(e);
            for (l, v) in local.iter_mut().zip(m) {
                *l = coefficient[e] * v;
            }
            Ok(())
        })
    }
}

/// Element masses with the node positions they were integrated on.
#[derive(Debug)]
struct KeptMasses {
    at: Vec<[f64; 3]>,
    masses: Arc<ElementMasses>,
}

/// The unit mass matrices of the elements of a mesh in one configuration
/// ([`Discretisation::element_masses`]), row-major, one after the other.
#[derive(Clone, Debug)]
pub struct ElementMasses {
    offsets: Vec<usize>,
    values: Vec<f64>,
}

impl ElementMasses {
    /// The mass matrix of element `e` (n × n, row-major).
    pub fn of(&self, e: usize) -> &[f64] {
        &self.values[self.offsets[e]..self.offsets[e + 1]]
    }

    /// The volume mean of a nodal field over each element: Σ_a (∫ N_a) f_a / ∫ 1, the row sums of
    /// M_e being ∫ N_a (the shape functions sum to 1).
    pub fn means(&self, mesh: &Mesh, nodal: &[f64]) -> Result<Vec<f64>, FemError> {
        if nodal.len() != mesh.num_nodes() || self.offsets.len() != mesh.num_elements() + 1 {
            return Err(FemError::Invalid(format!(
                "{} nodal values for {} nodes, masses of {} elements for {}",
                nodal.len(),
                mesh.num_nodes(),
                self.offsets.len() - 1,
                mesh.num_elements()
            )));
        }
        Ok(mesh
            .elements()
            .map(|el| {
                let (m, nn) = (self.of(el.id), el.nodes.len());
                let (mut integral, mut measure) = (0.0, 0.0);
                for a in 0..nn {
                    let weight: f64 = m[a * nn..(a + 1) * nn].iter().sum();
                    integral += weight * nodal[el.nodes[a]];
                    measure += weight;
                }
                integral / measure
            })
            .collect())
    }
}

/// The volume-averaged states of a mesh's elements as linear maps of the u–p dofs (one
/// configuration and set of materials): [`Discretisation::biot_state_map`].
#[derive(Clone, Debug)]
pub struct BiotStateMap {
    elements: Vec<AveragedBiotElement>,
}

/// The node positions of element `e` of `mesh` into `x`; its kind and node count.
fn coords_of(mesh: &Mesh, e: usize, x: &mut [[f64; 3]; MAX_NODES]) -> (ElementKind, usize) {
    let el = mesh.element(e);
    for (a, &n) in el.nodes.iter().enumerate() {
        x[a] = mesh.coords()[n];
    }
    (el.kind, el.nodes.len())
}

/// Time levels from `t0` to `t1` for a transient that starts abruptly: steps of `dt0`, doubled after
/// every `steps_per_level` steps (so each Δt, and its factorization, serves several steps) up to
/// `dt_max`, and cut to land exactly on every time in `outputs`.
pub fn doubling_schedule(
    t0: f64,
    t1: f64,
    dt0: f64,
    steps_per_level: usize,
    dt_max: f64,
    outputs: &[f64],
) -> Vec<f64> {
    let mut times = vec![t0];
    // An output after t1 is not reached (it becomes t1); one at or before t0 needs no step.
    let mut marks: Vec<f64> = outputs.iter().map(|&t| t.min(t1)).collect();
    marks.push(t1);
    marks.sort_by(f64::total_cmp);
    let (mut t, mut dt, mut n) = (t0, dt0, 0);
    for mark in marks {
        while t < mark - 1e-12 * mark.abs().max(1.0) {
            let step = dt.min(mark - t);
            t = if mark - (t + step) < 1e-9 * dt {
                mark
            } else {
                t + step
            };
            times.push(t);
            n += 1;
            if n % steps_per_level.max(1) == 0 {
                dt = (2.0 * dt).min(dt_max);
            }
        }
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: the doubling schedule on cases worked by hand: Δt doubles after every
    /// `steps_per_level` steps (0 taken as 1) up to `dt_max`, the levels land on every output
    /// inside (t0, t1) and on t1, outputs outside add nothing, a step that would leave a sliver of
    /// less than 1e-9 Δt lands on the mark, an output within 1e-12 (relative) of a time already
    /// reached adds no step, and the origin may be negative.
    #[test]
    fn doubling_schedule_worked_by_hand() {
        let schedule = doubling_schedule;
        assert_eq!(
            schedule(0.0, 10.0, 1.0, 2, 4.0, &[]),
            [0.0, 1.0, 2.0, 4.0, 6.0, 10.0]
        );
        assert_eq!(
            schedule(0.0, 10.0, 1.0, 2, 4.0, &[12.0, 3.0, -1.0, 0.0, 10.0]),
            [0.0, 1.0, 2.0, 3.0, 5.0, 9.0, 10.0]
        );
        assert_eq!(schedule(0.0, 7.0, 1.0, 0, 100.0, &[]), [0.0, 1.0, 3.0, 7.0]);
        assert_eq!(
            schedule(0.0, 1.0 + 1e-12, 0.5, 9, 0.5, &[]),
            [0.0, 0.5, 1.0 + 1e-12]
        );
        assert_eq!(
            schedule(0.0, 4.0, 1.0, 9, 1.0, &[3.0, 3.0 + 1e-12]),
            [0.0, 1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(
            schedule(0.0, 1000.0 + 1e-7, 1000.0, 9, 1000.0, &[]),
            [0.0, 1000.0 + 1e-7]
        );
        assert_eq!(schedule(-1.0, 1.0, 10.0, 1, 10.0, &[]), [-1.0, 1.0]);
        assert_eq!(
            schedule(-3.0, 1.0, 1.0, 9, 1.0, &[]),
            [-3.0, -2.0, -1.0, 0.0, 1.0]
        );
    }
}
