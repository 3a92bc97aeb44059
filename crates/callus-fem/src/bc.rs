//! Boundary conditions: prescribed dofs (displacement components, pressures, scalars) applied by
//! symmetric elimination, and facet loads (tractions, normal pressure).
//!
//! Elimination keeps the pattern and symmetry: the constrained rows and columns are zeroed, the
//! diagonal set to ±s (s the mean |diagonal| of that dof kind, negative for pressure so that the
//! u–p matrix stays quasi-definite) and the right-hand side lifted by −A[:, j]·g_j. The lifting
//! coefficients are kept ([`Lifting`]), so a new set of prescribed values (a ramp) needs only a new
//! right-hand side, not a new factorization.

use std::collections::BTreeMap;

use callus_mesh::{Mesh, NodeId};

use crate::dofs::{DofKind, DofMap};
use crate::element::Idealisation;
use crate::pattern::{Matrix, SparsityPattern};
use crate::quadrature::{gauss_legendre, quad_gauss, triangle};
use crate::shape::{eval, MAX_NODES};
use crate::FemError;

/// Prescribed dofs and their values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraints {
    values: BTreeMap<usize, f64>,
}

impl Constraints {
    /// No constraint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Prescribes dof `dof` to `value` (replacing an earlier value).
    pub fn set(&mut self, dof: usize, value: f64) {
        self.values.insert(dof, value);
    }

    /// The constrained dofs and values, by dof.
    pub fn iter(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.values.iter().map(|(&d, &v)| (d, v))
    }

    /// Number of constrained dofs.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether nothing is constrained.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Prescribes displacement component `c` (0 = x or r, 1 = y or z, 2 = z) of every node of set
    /// `set` to `value_mm`.
    pub fn displacement_on_set(
        &mut self,
        mesh: &Mesh,
        dofs: &DofMap,
        set: &str,
        c: usize,
        value_mm: f64,
    ) -> Result<(), FemError> {
        if c >= dofs.dim() {
            return Err(FemError::Invalid(format!(
                "displacement component {c} on '{set}': the problem has {} components",
                dofs.dim()
            )));
        }
        for &n in &mesh.set(set)?.nodes {
            self.set(dofs.u(n, c), value_mm);
        }
        Ok(())
    }

    /// The symmetry axis of an axisymmetric model: u_r = 0 on every node at r = 0 (found from the
    /// coordinates, so no named set is needed).
    pub fn axisymmetric_axis(&mut self, mesh: &Mesh, dofs: &DofMap) {
        let tol = 1e-12 * mesh.size_scale();
        for (n, x) in mesh.coords().iter().enumerate() {
            if x[0].abs() <= tol {
                self.set(dofs.u(n, 0), 0.0);
            }
        }
    }

    /// Prescribes the pore pressure (MPa) on every vertex of set `set` (drained boundary: 0).
    pub fn pressure_on_set(
        &mut self,
        mesh: &Mesh,
        dofs: &DofMap,
        set: &str,
        value_mpa: f64,
    ) -> Result<(), FemError> {
        for &n in &mesh.set(set)?.nodes {
            if let Some(p) = dofs.p(n) {
                self.set(p, value_mpa);
            }
        }
        Ok(())
    }

    /// Prescribes the scalar field on every node of set `set`.
    pub fn scalar_on_set(
        &mut self,
        mesh: &Mesh,
        dofs: &DofMap,
        set: &str,
        value: f64,
    ) -> Result<(), FemError> {
        for &n in &mesh.set(set)?.nodes {
            self.set(dofs.scalar(n), value);
        }
        Ok(())
    }

    /// Whether `dof` is constrained.
    pub fn holds(&self, dof: usize) -> bool {
        self.values.contains_key(&dof)
    }

    /// Applies the constraints to `matrix` (on `pattern`) and returns the lifting, which then
    /// builds right-hand sides for any values of the same constrained dofs.
    pub fn apply_to_matrix(
        &self,
        pattern: &SparsityPattern,
        matrix: &mut Matrix,
        kinds: &[DofKind],
    ) -> Lifting {
        assert!(pattern.holds(matrix), "a matrix of another pattern");
        let values = matrix.data_mut();
        let n = pattern.n;
        let (col_ptr, row_idx) = (pattern.col_ptr(), pattern.row_idx());
        let mut constrained = vec![false; n];
        for (d, _) in self.iter() {
            constrained[d] = true;
        }
        // Scale of the diagonal per kind (displacement / pressure / scalar), from unconstrained dofs.
        let class = |k: DofKind| match k {
            DofKind::Displacement(_) => 0,
            DofKind::Pressure => 1,
            DofKind::Scalar => 2,
        };
        let (mut sum, mut count) = ([0.0f64; 3], [0usize; 3]);
        for i in 0..n {
            if let Some(k) = pattern.find(i, i) {
                sum[class(kinds[i])] += values[k].abs();
                count[class(kinds[i])] += 1;
            }
        }
        let scale: Vec<f64> = (0..3)
            .map(|c| {
                if count[c] > 0 && sum[c] > 0.0 {
                    sum[c] / count[c] as f64
                } else {
                    1.0
                }
            })
            .collect();

        let mut lift = Vec::new();
        let mut diagonal = Vec::new();
        for (j, _) in self.iter() {
            for k in col_ptr[j]..col_ptr[j + 1] {
                let i = row_idx[k];
                if !constrained[i] && values[k] != 0.0 {
                    lift.push((i, j, values[k]));
                }
                // Zero A[i, j] and A[j, i].
                values[k] = 0.0;
                if let Some(kt) = pattern.find(j, i) {
                    values[kt] = 0.0;
                }
            }
            let sign = if kinds[j] == DofKind::Pressure {
                -1.0
            } else {
                1.0
            };
            let d = sign * scale[class(kinds[j])];
            values[pattern.find(j, j).expect("diagonal in pattern")] = d;
            diagonal.push((j, d));
        }
        Lifting { lift, diagonal }
    }
}

/// A linear spring to ground on one displacement component of a boundary set.
#[derive(Clone, Debug, PartialEq)]
pub struct Spring {
    /// The boundary set it holds.
    pub set: String,
    /// Displacement component (0 = x or r, 1 = y or z, 2 = z).
    pub component: usize,
    /// Total stiffness (N/mm).
    pub stiffness_n_per_mm: f64,
}

/// The diagonal entries of a linear spring to ground of total stiffness `spring.stiffness_n_per_mm`
/// on displacement component `spring.component` of set `spring.set` (an external fixator holding a
/// bone end), as (dof, stiffness in N/mm) in node order. It is spread over the set's facets as an
/// elastic support, lumped with the same nodal weights ∫N_a dA as a uniform traction, so that a
/// uniformly moving end carries the force k·ū exactly; a set without facets shares it equally among
/// its nodes. Only diagonal entries: the pattern stays ([`crate::integrate::BackwardEuler::with_supports`]
/// adds them to every system).
pub fn spring_to_ground(
    mesh: &Mesh,
    ideal: Idealisation,
    dofs: &DofMap,
    spring: &Spring,
) -> Result<Vec<(usize, f64)>, FemError> {
    let (set, c, stiffness_n_per_mm) = (
        spring.set.as_str(),
        spring.component,
        spring.stiffness_n_per_mm,
    );
    if !(stiffness_n_per_mm.is_finite() && stiffness_n_per_mm >= 0.0) {
        return Err(FemError::Invalid(format!(
            "spring on '{set}': stiffness {stiffness_n_per_mm} N/mm must be a non-negative number"
        )));
    }
    let weight = set_weights(mesh, ideal, set)?;
    Ok(weight
        .iter()
        .enumerate()
        .filter(|(_, &w)| w != 0.0)
        .map(|(n, &w)| (dofs.u(n, c), stiffness_n_per_mm * w))
        .collect())
}

/// The weights (summing to 1) with which the nodes of `set` make up its mean displacement: the
/// nodal weights ∫N_a dA of its facets, or equal shares for a set without facets.
fn set_weights(mesh: &Mesh, ideal: Idealisation, set: &str) -> Result<Vec<f64>, FemError> {
    let target = mesh.set(set)?;
    let mut weight = vec![0.0; mesh.num_nodes()];
    if target.facets.is_empty() {
        for &n in &target.nodes {
            weight[n] = 1.0;
        }
    } else {
        for_facet_weights(mesh, ideal, set, |nodes, w, _| {
            for (a, &n) in nodes.iter().enumerate() {
                weight[n] += w[a];
            }
        })?;
    }
    let total: f64 = weight.iter().sum();
    if total <= 0.0 {
        return Err(FemError::Invalid(format!(
            "set '{set}' has no nodes or no area"
        )));
    }
    weight.iter_mut().for_each(|w| *w /= total);
    Ok(weight)
}

/// The part of the eliminated columns needed to build right-hand sides.
#[derive(Clone, Debug, Default)]
pub struct Lifting {
    lift: Vec<(usize, usize, f64)>,
    diagonal: Vec<(usize, f64)>,
}

impl Lifting {
    /// Turns `rhs` (the load vector of the unconstrained problem) into the right-hand side of the
    /// constrained system for the prescribed `values` (same dofs as when the lifting was made).
    pub fn apply_to_rhs(&self, values: &Constraints, rhs: &mut [f64]) {
        for &(i, j, a) in &self.lift {
            rhs[i] -= a * values.values.get(&j).copied().unwrap_or(0.0);
        }
        for &(j, d) in &self.diagonal {
            rhs[j] = d * values.values.get(&j).copied().unwrap_or(0.0);
        }
    }
}

/// Adds the consistent nodal forces (N) of a uniform traction `traction_mpa` (vector, MPa) on the
/// facets of set `set` to `rhs`: f_a = ∫ N_a t dA (·2πr in axisymmetry).
pub fn add_traction(
    mesh: &Mesh,
    ideal: Idealisation,
    dofs: &DofMap,
    set: &str,
    traction_mpa: [f64; 3],
    rhs: &mut [f64],
) -> Result<(), FemError> {
    for_facet_weights(mesh, ideal, set, |nodes, weights, _normal| {
        for (a, &n) in nodes.iter().enumerate() {
            for c in 0..dofs.dim() {
                rhs[dofs.u(n, c)] += traction_mpa[c] * weights[a];
            }
        }
    })
}

/// Adds the nodal forces of a uniform normal pressure `pressure_mpa` (positive pushes into the body)
/// on the facets of set `set`.
pub fn add_normal_pressure(
    mesh: &Mesh,
    ideal: Idealisation,
    dofs: &DofMap,
    set: &str,
    pressure_mpa: f64,
    rhs: &mut [f64],
) -> Result<(), FemError> {
    for_facet_weights(mesh, ideal, set, |nodes, weights, normal| {
        for (a, &n) in nodes.iter().enumerate() {
            for c in 0..dofs.dim() {
                rhs[dofs.u(n, c)] -= pressure_mpa * normal[c] * weights[a];
            }
        }
    })
}

/// Calls `f(nodes, ∫N_a dA, outward unit normal)` for each facet of `set` (straight facets).
fn for_facet_weights(
    mesh: &Mesh,
    ideal: Idealisation,
    set: &str,
    mut f: impl FnMut(&[NodeId], &[f64], [f64; 3]),
) -> Result<(), FemError> {
    let facets = mesh.set(set)?.facets.clone();
    if facets.is_empty() {
        return Err(FemError::Invalid(format!(
            "set '{set}' has no facets to load"
        )));
    }
    for facet in facets {
        let nodes = mesh.facet_nodes(facet);
        let x: Vec<[f64; 3]> = nodes.iter().map(|&n| mesh.coords()[n]).collect();
        let mut w = [0.0; MAX_NODES];
        let mut normal = [0.0; 3];
        if mesh.dim() == 2 {
            // Line with 2 (ends) or 3 (ends, middle) nodes; s ∈ [−1, 1].
            let (pts, wts) = gauss_legendre(3);
            for (s, ws) in pts.iter().zip(&wts) {
                let (n, dn): (Vec<f64>, Vec<f64>) = if nodes.len() == 2 {
                    (vec![0.5 * (1.0 - s), 0.5 * (1.0 + s)], vec![-0.5, 0.5])
                } else {
                    (
                        vec![0.5 * s * (s - 1.0), 0.5 * s * (s + 1.0), 1.0 - s * s],
                        vec![s - 0.5, s + 0.5, -2.0 * s],
                    )
                };
                let (mut tx, mut ty, mut r) = (0.0, 0.0, 0.0);
                for a in 0..nodes.len() {
                    tx += dn[a] * x[a][0];
                    ty += dn[a] * x[a][1];
                    r += n[a] * x[a][0];
                }
                let jac = (tx * tx + ty * ty).sqrt();
                normal = [ty / jac, -tx / jac, 0.0];
                let radial = if ideal == Idealisation::Axisymmetric {
                    2.0 * std::f64::consts::PI * r
                } else {
                    1.0
                };
                for a in 0..nodes.len() {
                    w[a] += n[a] * ws * jac * radial;
                }
            }
        } else {
            let kind = match nodes.len() {
                3 => callus_mesh::ElementKind::Tri3,
                6 => callus_mesh::ElementKind::Tri6,
                4 => callus_mesh::ElementKind::Quad4,
                _ => {
                    return Err(FemError::Invalid(format!(
                        "facet with {} nodes on '{set}' cannot be loaded",
                        nodes.len()
                    )))
                }
            };
            let rule = if kind == callus_mesh::ElementKind::Quad4 {
                quad_gauss(2)
            } else {
                triangle(4)
            };
            for (p, wq) in rule.points.iter().zip(&rule.weights) {
                let (mut n, mut dn) = ([0.0; MAX_NODES], [[0.0; 3]; MAX_NODES]);
                eval(kind, *p, &mut n, &mut dn);
                let (mut t1, mut t2) = ([0.0; 3], [0.0; 3]);
                for a in 0..nodes.len() {
                    for d in 0..3 {
                        t1[d] += dn[a][0] * x[a][d];
                        t2[d] += dn[a][1] * x[a][d];
                    }
                }
                let c = [
                    t1[1] * t2[2] - t1[2] * t2[1],
                    t1[2] * t2[0] - t1[0] * t2[2],
                    t1[0] * t2[1] - t1[1] * t2[0],
                ];
                let jac = (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt();
                normal = [c[0] / jac, c[1] / jac, c[2] / jac];
                for a in 0..nodes.len() {
                    w[a] += n[a] * wq * jac;
                }
            }
        }
        f(&nodes, &w[..nodes.len()], normal);
    }
    Ok(())
}

/// The rows whose internal forces make up a reaction: one displacement component of the nodes of a
/// boundary set.
#[derive(Clone, Debug, PartialEq)]
pub struct ReactionRows {
    rows: Vec<bool>,
    dofs: Vec<usize>,
}

impl ReactionRows {
    /// Displacement component `c` of the nodes of set `set`.
    pub fn on_set(mesh: &Mesh, dofs: &DofMap, set: &str, c: usize) -> Result<Self, FemError> {
        let nodes = &mesh.set(set)?.nodes;
        let dofs_of_set: Vec<usize> = nodes.iter().map(|&n| dofs.u(n, c)).collect();
        let mut rows = vec![false; dofs.len()];
        for &d in &dofs_of_set {
            rows[d] = true;
        }
        Ok(ReactionRows {
            rows,
            dofs: dofs_of_set,
        })
    }

    /// The dofs, in the set's node order.
    pub fn dofs(&self) -> &[usize] {
        &self.dofs
    }

    /// The reaction (N): the sum over the rows of the internal forces A x, from the
    /// *unconstrained* matrix `a` (the operator whose rows are forces: the stiffness, or the
    /// displacement rows of the Biot system).
    pub fn force(&self, a: &Matrix, x: &[f64]) -> f64 {
        let (col_ptr, row_idx, values) = (a.indptr(), a.indices(), a.data());
        let col_ptr = col_ptr.raw_storage();
        let mut total = 0.0;
        for col in 0..a.cols() {
            for k in col_ptr[col]..col_ptr[col + 1] {
                if self.rows[row_idx[k]] {
                    total += values[k] * x[col];
                }
            }
        }
        total
    }
}
