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
        // Scale of the diagonal per kind (displacement / pressure / scalar): the mean |A_ii| over
        // every dof of that kind, as assembled.
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
                if sum[c] > 0.0 {
                    sum[c] / count[c] as f64
                } else {
                    1.0
                }
            })
            .collect();

        let mut lift = Vec::new();
        let mut diagonal = Vec::new();
        for (c, (j, _)) in self.iter().enumerate() {
            for k in col_ptr[j]..col_ptr[j + 1] {
                let i = row_idx[k];
                if !constrained[i] && values[k] != 0.0 {
                    lift.push((i, c, values[k]));
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
        Lifting {
            lift,
            diagonal,
            values: Vec::new(),
        }
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
    /// (row, ordinal of the constrained column among the constraints by dof, A[row, column]).
    lift: Vec<(usize, usize, f64)>,
    /// (constrained dof, its diagonal), by dof.
    diagonal: Vec<(usize, f64)>,
    /// The prescribed values by ordinal (scratch of [`Lifting::apply_to_rhs`]).
    values: Vec<f64>,
}

impl Lifting {
    /// Turns `rhs` (the load vector of the unconstrained problem) into the right-hand side of the
    /// constrained system for the prescribed `values` (the same dofs as when the lifting was made:
    /// checked).
    pub fn apply_to_rhs(&mut self, values: &Constraints, rhs: &mut [f64]) {
        const SAME_DOFS: &str = "a lifting takes values for the dofs it was made for";
        assert_eq!(values.len(), self.diagonal.len(), "{SAME_DOFS}");
        self.values.clear();
        for ((d, v), &(j, _)) in values.iter().zip(&self.diagonal) {
            assert_eq!(d, j, "{SAME_DOFS}");
            self.values.push(v);
        }
        for &(i, c, a) in &self.lift {
            rhs[i] -= a * self.values[c];
        }
        for (&(j, d), v) in self.diagonal.iter().zip(&self.values) {
            rhs[j] = d * v;
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

    /// Whether `dof` is one of the rows.
    pub fn contains(&self, dof: usize) -> bool {
        self.rows[dof]
    }

    /// The reaction (N): the sum over the rows of the internal forces A x, from the
    /// *unconstrained* matrix `a` (the operator whose rows are forces: the stiffness, or the
    /// displacement rows of the Biot system). `a` is symmetric (both are), so the rows' sum is read
    /// from their columns: Σ_{i∈rows} (A x)_i = Σ_{i∈rows} A[:, i]·x, which touches only the
    /// columns of the set.
    pub fn force(&self, a: &Matrix, x: &[f64]) -> f64 {
        let (col_ptr, row_idx, values) = (a.indptr(), a.indices(), a.data());
        let col_ptr = col_ptr.raw_storage();
        self.dofs
            .iter()
            .map(|&col| {
                (col_ptr[col]..col_ptr[col + 1])
                    .map(|k| values[k] * x[row_idx[k]])
                    .sum::<f64>()
            })
            .sum()
    }
}

/// A rigid plate on one displacement component of a boundary set: a multi-point constraint that
/// makes the set's nodes share one displacement U along the component (the pins of a fixator in the
/// cortex of a bone end), pushed by a force F (N) and held by a spring to ground of stiffness k
/// (N/mm, the fixator), so that F = R(U) + k U, with R the body's reaction on the set (the sum of
/// the internal forces on its rows). The other components of the set's nodes are not tied.
///
/// Solved exactly by superposition ([`crate::integrate::BackwardEuler::with_rigid_plate`]): with
/// the plate's dofs eliminated like prescribed values, a step's solution is affine in U,
/// x = x⁰ + U x¹, where x⁰ has U = 0 and x¹ is the response to a unit plate motion without load or
/// history, which depends only on the factorization; U then follows from the plate's equilibrium,
/// U = (F − R(x⁰)) / (R(x¹) + k). This is the static condensation of the plate's one degree of
/// freedom, not a penalty: nothing is added to the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct RigidPlate {
    /// The tied dofs, whose internal forces make up the reaction.
    pub rows: ReactionRows,
    /// The spring to ground holding the plate (N/mm; 0 for none).
    pub support_n_per_mm: f64,
}

impl RigidPlate {
    /// A plate on component `c` of the nodes of set `set`, held by a spring of `support_n_per_mm`.
    pub fn on_set(
        mesh: &Mesh,
        dofs: &DofMap,
        set: &str,
        c: usize,
        support_n_per_mm: f64,
    ) -> Result<RigidPlate, FemError> {
        if !(support_n_per_mm.is_finite() && support_n_per_mm >= 0.0) {
            return Err(FemError::Invalid(format!(
                "rigid plate on '{set}': support {support_n_per_mm} N/mm must be a non-negative number"
            )));
        }
        Ok(RigidPlate {
            rows: ReactionRows::on_set(mesh, dofs, set, c)?,
            support_n_per_mm,
        })
    }
}

/// Where a rigid plate stands after a step, and how its force is shared.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PlateMotion {
    /// U (mm).
    pub displacement_mm: f64,
    /// The force the body carries, R(U) (N).
    pub body_force_n: f64,
    /// The force the plate's spring carries, k U (N).
    pub support_force_n: f64,
}

#[cfg(test)]
mod tests {
    use std::f64::consts::PI;

    use callus_mesh::elevate::{elevate, QuadraticQuad};
    use callus_mesh::generate::{brick, rectangle, SolidElements};

    use super::*;
    use crate::dofs::Fields;
    use crate::pattern::NodeGraph;

    /// A facet's node coordinates, ∫N_a dA and outward normal, in the facet's node order.
    type FacetLoad = (Vec<[f64; 3]>, Vec<f64>, [f64; 3]);

    /// Each facet of `set`.
    fn facet_weights(mesh: &Mesh, ideal: Idealisation, set: &str) -> Vec<FacetLoad> {
        let mut out = Vec::new();
        for_facet_weights(mesh, ideal, set, |nodes, w, normal| {
            let x = nodes.iter().map(|&n| mesh.coords()[n]).collect();
            out.push((x, w.to_vec(), normal));
        })
        .unwrap();
        out
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    fn close3(a: [f64; 3], b: [f64; 3]) -> bool {
        (0..3).all(|c| close(a[c], b[c]))
    }

    /// Goal: the consistent nodal weights ∫N_a dA of line facets, straight and quadratic, plane and
    /// axisymmetric (dA = 2πr ds), and their outward normals.
    ///
    /// Meshes: [0, 2] × [0, 1] as 2 Quad4 (top facets of length 1) and as 2 Quad9; [1, 3] × [0, 1] as
    /// one Quad4 and one Quad9 (one top facet from r = 1 to 3). Exact values: a Line2 of length L
    /// gives L/2 at each end; a Line3 L/6, L/6 and 4L/6 (middle); revolved, a Line2 from r = a to b
    /// gives 2π·L(2a + b)/6 at a and 2π·L(a + 2b)/6 at b, a Line3 from r = 1 to 3 gives 2π·(1/3, 1,
    /// 8/3) at r = (1, 3, 2) (∫N_a r ds with r = 2 + s, s ∈ [−1, 1]).
    #[test]
    fn line_facets_carry_their_consistent_nodal_weights() {
        let plane = rectangle([0.0, 2.0], [0.0, 1.0], 2, 1).unwrap();
        for (x, w, normal) in facet_weights(&plane, Idealisation::PlaneStrain, "top") {
            assert_eq!(x.len(), 2);
            assert!(close(w[0], 0.5) && close(w[1], 0.5), "{w:?}");
            assert!(close3(normal, [0.0, 1.0, 0.0]), "{normal:?}");
        }
        for (_, _, normal) in facet_weights(&plane, Idealisation::PlaneStrain, "left") {
            assert!(close3(normal, [-1.0, 0.0, 0.0]), "{normal:?}");
        }
        let plane9 = elevate(&plane, QuadraticQuad::Quad9).unwrap();
        for (x, w, normal) in facet_weights(&plane9, Idealisation::PlaneStrain, "top") {
            assert_eq!(x.len(), 3);
            assert!(
                close(w[0], 1.0 / 6.0) && close(w[1], 1.0 / 6.0) && close(w[2], 4.0 / 6.0),
                "{w:?}"
            );
            assert!(close3(normal, [0.0, 1.0, 0.0]), "{normal:?}");
        }

        let ring = rectangle([1.0, 3.0], [0.0, 1.0], 1, 1).unwrap();
        // (r, weight) of the revolved Line2 and Line3 from r = 1 to 3.
        let linear = [
            (1.0, 2.0 * PI * 2.0 * 5.0 / 6.0),
            (3.0, 2.0 * PI * 2.0 * 7.0 / 6.0),
        ];
        let quadratic = [
            (1.0, 2.0 * PI / 3.0),
            (3.0, 2.0 * PI),
            (2.0, 2.0 * PI * 8.0 / 3.0),
        ];
        let expected_at = |r: f64, quadratic_facet: bool| {
            let table: &[(f64, f64)] = if quadratic_facet { &quadratic } else { &linear };
            table
                .iter()
                .find(|(ra, _)| close(*ra, r))
                .expect("a node of the facet")
                .1
        };
        for (mesh, quadratic) in [
            (ring.clone(), false),
            (elevate(&ring, QuadraticQuad::Quad9).unwrap(), true),
        ] {
            let facets = facet_weights(&mesh, Idealisation::Axisymmetric, "top");
            assert_eq!(facets.len(), 1);
            let (x, w, normal) = &facets[0];
            for (xa, wa) in x.iter().zip(w) {
                assert!(
                    close(*wa, expected_at(xa[0], quadratic)),
                    "r = {}: {wa}",
                    xa[0]
                );
            }
            assert!(close3(*normal, [0.0, 1.0, 0.0]), "{normal:?}");
        }
    }

    /// Goal: the consistent nodal weights of surface facets (Tri3, Tri6, Quad4) and their outward
    /// normals.
    ///
    /// Meshes: the brick [0, 2] × [0, 1] × [0, 1] as one Hex8 (top: one Quad4 of area 2, A/4 at each
    /// node), as 6 Kuhn Tet4 (top: two Tri3 of area 1, A/3 at each vertex) and as their Tet10 (Tri6:
    /// 0 at the vertices, A/3 at each mid-edge node). Top normal +z, bottom −z, left −x.
    #[test]
    fn surface_facets_carry_their_consistent_nodal_weights() {
        let box_of =
            |elements| brick([0.0, 2.0], [0.0, 1.0], [0.0, 1.0], [1, 1, 1], elements).unwrap();
        let tets = box_of(SolidElements::Tet);
        for (mesh, nodes, expected) in [
            (box_of(SolidElements::Hex), 4, vec![0.5; 4]),
            (tets.clone(), 3, vec![1.0 / 3.0; 3]),
            (
                elevate(&tets, QuadraticQuad::Quad9).unwrap(),
                6,
                [[0.0; 3], [1.0 / 3.0; 3]].concat(),
            ),
        ] {
            let mut area = 0.0;
            for (x, w, normal) in facet_weights(&mesh, Idealisation::ThreeD, "top") {
                assert_eq!(x.len(), nodes);
                for (wa, ea) in w.iter().zip(&expected) {
                    assert!(close(*wa, *ea), "{nodes}-node facet: {w:?}");
                }
                area += w.iter().sum::<f64>();
                assert!(close3(normal, [0.0, 0.0, 1.0]), "{normal:?}");
            }
            assert!(close(area, 2.0), "top area {area}");
            for (_, _, normal) in facet_weights(&mesh, Idealisation::ThreeD, "bottom") {
                assert!(close3(normal, [0.0, 0.0, -1.0]), "{normal:?}");
            }
            for (_, _, normal) in facet_weights(&mesh, Idealisation::ThreeD, "left") {
                assert!(close3(normal, [-1.0, 0.0, 0.0]), "{normal:?}");
            }
        }
    }

    /// Goal: a slanted facet's normal and area come from the cross product of its tangents: on a
    /// brick mapped by a general affine map x ↦ A x (no zero entry), the top face's facets all
    /// have the unit normal of A e_x × A e_y and together the area |2 A e_x × A e_y|.
    ///
    /// Meshes: the brick [0, 2] × [0, 1] × [0, 1] as one Hex8 (a parallelogram Quad4 on top), as
    /// 6 Kuhn Tet4 and as their Tet10, each node moved to A x.
    #[test]
    fn slanted_facets_take_the_normal_and_area_of_their_plane() {
        use crate::shape::test_elements::GENERAL as A;
        let column = |k: usize| [A[0][k], A[1][k], A[2][k]];
        let (ax, ay) = (column(0), column(1));
        let cross = [
            ax[1] * ay[2] - ax[2] * ay[1],
            ax[2] * ay[0] - ax[0] * ay[2],
            ax[0] * ay[1] - ax[1] * ay[0],
        ];
        let norm = (0..3).map(|c| cross[c] * cross[c]).sum::<f64>().sqrt();
        let unit = cross.map(|v| v / norm);
        let mapped = |mut mesh: Mesh| {
            for x in mesh.coords_mut() {
                let y = *x;
                *x = [0, 1, 2].map(|i| (0..3).map(|k| A[i][k] * y[k]).sum());
            }
            mesh
        };
        let box_of =
            |elements| brick([0.0, 2.0], [0.0, 1.0], [0.0, 1.0], [1, 1, 1], elements).unwrap();
        let tets = box_of(SolidElements::Tet);
        for mesh in [
            mapped(box_of(SolidElements::Hex)),
            mapped(tets.clone()),
            mapped(elevate(&tets, QuadraticQuad::Quad9).unwrap()),
        ] {
            let mut area = 0.0;
            for (_, w, normal) in facet_weights(&mesh, Idealisation::ThreeD, "top") {
                assert!(close3(normal, unit), "{normal:?} vs {unit:?}");
                area += w.iter().sum::<f64>();
            }
            assert!(close(area, 2.0 * norm), "{area} vs {}", 2.0 * norm);
        }
    }

    /// Sum of component `c` of `f` over the nodes of the mesh.
    fn resultant(f: &[f64], dofs: &DofMap, nodes: usize, c: usize) -> f64 {
        (0..nodes).map(|n| f[dofs.u(n, c)]).sum()
    }

    /// Goal: a uniform traction t on a facet set adds the resultant t·A, each component to its own
    /// dofs; a normal pressure p adds −p·n·A (it pushes into the body), in 3D and revolved; a set
    /// with no facets cannot be loaded.
    ///
    /// Meshes: the Tet4 brick [0, 2] × [0, 1] × [0, 1] (top area 2, left area 1); the axisymmetric
    /// ring [1, 3] × [0, 1] (outer surface r = 3: area 2π·3·1).
    #[test]
    fn tractions_and_pressures_add_their_resultants() {
        let mesh = brick(
            [0.0, 2.0],
            [0.0, 1.0],
            [0.0, 1.0],
            [1, 1, 1],
            SolidElements::Tet,
        )
        .unwrap();
        let dofs = DofMap::new(&mesh, 3, Fields::Displacement);
        let n = mesh.num_nodes();
        let mut f = vec![0.0; dofs.len()];
        add_traction(
            &mesh,
            Idealisation::ThreeD,
            &dofs,
            "top",
            [1.0, 2.0, 3.0],
            &mut f,
        )
        .unwrap();
        let total = [0, 1, 2].map(|c| resultant(&f, &dofs, n, c));
        assert!(close3(total, [2.0, 4.0, 6.0]), "{total:?}");

        let mut f = vec![0.0; dofs.len()];
        add_normal_pressure(&mesh, Idealisation::ThreeD, &dofs, "top", 5.0, &mut f).unwrap();
        add_normal_pressure(&mesh, Idealisation::ThreeD, &dofs, "left", 7.0, &mut f).unwrap();
        let total = [0, 1, 2].map(|c| resultant(&f, &dofs, n, c));
        assert!(close3(total, [7.0, 0.0, -10.0]), "{total:?}");

        let ring = rectangle([1.0, 3.0], [0.0, 1.0], 2, 3).unwrap();
        let dofs = DofMap::new(&ring, 2, Fields::Displacement);
        let mut f = vec![0.0; dofs.len()];
        add_normal_pressure(
            &ring,
            Idealisation::Axisymmetric,
            &dofs,
            "right",
            5.0,
            &mut f,
        )
        .unwrap();
        let (radial, axial) = (
            resultant(&f, &dofs, ring.num_nodes(), 0),
            resultant(&f, &dofs, ring.num_nodes(), 1),
        );
        assert!(close(radial, -5.0 * 2.0 * PI * 3.0), "{radial}");
        assert!(axial.abs() < 1e-12, "{axial}");

        let mut pinned = ring.clone();
        pinned.add_nodes_to_set("pin", [0]);
        let err = add_traction(
            &pinned,
            Idealisation::Axisymmetric,
            &dofs,
            "pin",
            [1.0; 3],
            &mut f,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("'pin' has no facets"), "{err}");
    }

    /// Goal: a spring to ground is spread over its set like a uniform traction (∫N_a dA over the
    /// set's area), on its one component, and shared equally among the nodes of a set without
    /// facets; its stiffness must be a non-negative number.
    ///
    /// Mesh: [0, 2] × [0, 1] as 2 Quad4, plane strain; top facets of length 1, so k = 8 N/mm gives
    /// 2, 4, 2 at x = 0, 1, 2; a set of the 3 bottom nodes alone gets 8/3 each.
    #[test]
    fn a_spring_to_ground_is_spread_like_a_uniform_traction() {
        let mut mesh = rectangle([0.0, 2.0], [0.0, 1.0], 2, 1).unwrap();
        mesh.add_nodes_to_set("feet", [0, 1, 2]);
        let dofs = DofMap::new(&mesh, 2, Fields::Displacement);
        let spring = |set: &str, k: f64| Spring {
            set: set.into(),
            component: 1,
            stiffness_n_per_mm: k,
        };
        let top =
            spring_to_ground(&mesh, Idealisation::PlaneStrain, &dofs, &spring("top", 8.0)).unwrap();
        let expected: Vec<(usize, f64)> = [(3, 2.0), (4, 4.0), (5, 2.0)]
            .into_iter()
            .map(|(n, k)| (dofs.u(n, 1), k))
            .collect();
        assert_eq!(top.len(), 3);
        for ((d, k), (ed, ek)) in top.iter().zip(&expected) {
            assert!(*d == *ed && close(*k, *ek), "{top:?}");
        }
        let feet = spring_to_ground(
            &mesh,
            Idealisation::PlaneStrain,
            &dofs,
            &spring("feet", 8.0),
        )
        .unwrap();
        assert_eq!(
            feet.iter().map(|s| s.0).collect::<Vec<_>>(),
            [0, 1, 2].map(|n| dofs.u(n, 1))
        );
        assert!(feet.iter().all(|s| close(s.1, 8.0 / 3.0)), "{feet:?}");
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(
                spring_to_ground(&mesh, Idealisation::PlaneStrain, &dofs, &spring("top", bad))
                    .is_err()
            );
        }
        assert!(
            spring_to_ground(&mesh, Idealisation::PlaneStrain, &dofs, &spring("top", 0.0)).is_ok()
        );
    }

    /// The u–p dofs of one Quad9 on [0, 1]² with a matrix on its pattern: A_ij = 1/(1 + i + j) off
    /// the diagonal, A_ii = 10 + i for a displacement and −(10 + i) for a pressure (as in a Biot
    /// system), so every entry is known.
    fn quad9_up() -> (Mesh, DofMap, SparsityPattern, Matrix) {
        let mesh = elevate(
            &rectangle([0.0, 1.0], [0.0, 1.0], 1, 1).unwrap(),
            QuadraticQuad::Quad9,
        )
        .unwrap();
        let dofs = DofMap::new(&mesh, 2, Fields::DisplacementPressure);
        let pattern = SparsityPattern::new(&NodeGraph::new(&mesh), &dofs);
        let mut a = pattern.zeros();
        let (col_ptr, row_idx) = (pattern.col_ptr().to_vec(), pattern.row_idx().to_vec());
        let values = a.data_mut();
        for j in 0..pattern.n {
            for k in col_ptr[j]..col_ptr[j + 1] {
                let i = row_idx[k];
                values[k] = match (i == j, dofs.kinds()[i]) {
                    (false, _) => 1.0 / (1 + i + j) as f64,
                    (true, DofKind::Pressure) => -(10.0 + i as f64),
                    (true, _) => 10.0 + i as f64,
                };
            }
        }
        (mesh, dofs, pattern, a)
    }

    fn entry(pattern: &SparsityPattern, a: &Matrix, i: usize, j: usize) -> f64 {
        pattern.find(i, j).map_or(0.0, |k| a.data()[k])
    }

    /// Goal: symmetric elimination (module docs). A constrained dof's row and column are zero but
    /// for the diagonal ±s, s the mean |A_ii| over the dofs of its kind (−s for a pressure); the
    /// lifting turns any load f into f_i − Σ_j A_ij g_j on the free rows and s·g_j on the
    /// constrained ones, for the values g given then (a ramp needs no new matrix).
    ///
    /// Problem: [`quad9_up`]; u_x of node 0, u_y of node 5 and the pressure of node 2 constrained.
    #[test]
    fn elimination_keeps_symmetry_and_lifts_the_right_hand_side() {
        let (_, dofs, pattern, original) = quad9_up();
        let mut a = original.clone();
        let kinds = dofs.kinds();
        let constrained = [dofs.u(0, 0), dofs.u(5, 1), dofs.p(2).unwrap()];
        let mut c = Constraints::new();
        for &d in &constrained {
            c.set(d, 0.0);
        }
        let mut lifting = c.apply_to_matrix(&pattern, &mut a, kinds);

        let mean_abs_diagonal = |pressure: bool| {
            let d: Vec<f64> = (0..pattern.n)
                .filter(|&i| (kinds[i] == DofKind::Pressure) == pressure)
                .map(|i| entry(&pattern, &original, i, i).abs())
                .collect();
            d.iter().sum::<f64>() / d.len() as f64
        };
        let s_u = mean_abs_diagonal(false);
        let s_p = mean_abs_diagonal(true);
        for i in 0..pattern.n {
            for j in 0..pattern.n {
                let held = constrained.contains(&i) || constrained.contains(&j);
                let expected = match (held, i == j) {
                    (false, _) => entry(&pattern, &original, i, j),
                    (true, false) => 0.0,
                    (true, true) if kinds[i] == DofKind::Pressure => -s_p,
                    (true, true) => s_u,
                };
                assert_eq!(entry(&pattern, &a, i, j), expected, "A[{i}, {j}]");
            }
        }

        for (step, g) in [[0.1, -0.2, 0.3], [1.5, 2.5, -3.5]].into_iter().enumerate() {
            let mut values = Constraints::new();
            for (&d, &v) in constrained.iter().zip(&g) {
                values.set(d, v);
            }
            let f: Vec<f64> = (0..pattern.n).map(|i| i as f64).collect();
            let mut rhs = f.clone();
            lifting.apply_to_rhs(&values, &mut rhs);
            for i in 0..pattern.n {
                let expected = match constrained.iter().position(|&d| d == i) {
                    Some(m) => entry(&pattern, &a, i, i) * g[m],
                    None => {
                        f[i] - constrained
                            .iter()
                            .zip(&g)
                            .map(|(&j, &gj)| entry(&pattern, &original, i, j) * gj)
                            .sum::<f64>()
                    }
                };
                assert!(
                    close(rhs[i], expected),
                    "values {step}, row {i}: {} vs {expected}",
                    rhs[i]
                );
            }
        }
    }

    /// Goal: a kind whose diagonal is all zero (a pressure block without storage) gets a unit
    /// diagonal where constrained, −1 for a pressure, so the system stays regular.
    ///
    /// Problem: [`quad9_up`] with every pressure diagonal zeroed; the pressure of node 1 constrained.
    #[test]
    fn a_kind_with_a_zero_diagonal_gets_a_unit_one() {
        let (_, dofs, pattern, mut a) = quad9_up();
        for n in 0..4 {
            let p = dofs.p(n).unwrap();
            let k = pattern.find(p, p).unwrap();
            a.data_mut()[k] = 0.0;
        }
        let mut c = Constraints::new();
        let p1 = dofs.p(1).unwrap();
        c.set(p1, 0.0);
        c.apply_to_matrix(&pattern, &mut a, dofs.kinds());
        assert_eq!(entry(&pattern, &a, p1, p1), -1.0);
    }

    /// Goal: a reaction is the sum over its rows of the internal forces A x of the unconstrained
    /// matrix: Σ_{i ∈ rows} Σ_j A_ij x_j.
    ///
    /// Problem: [`quad9_up`], x_j = 1 + j/10; the rows of u_y on the top set (nodes 2, 3 and the
    /// mid-edge node between them), checked against the sum computed entry by entry.
    #[test]
    fn a_reaction_sums_the_internal_forces_of_its_rows() {
        let (mesh, dofs, pattern, a) = quad9_up();
        let x: Vec<f64> = (0..pattern.n).map(|j| 1.0 + j as f64 / 10.0).collect();
        let rows = ReactionRows::on_set(&mesh, &dofs, "top", 1).unwrap();
        let top = &mesh.set("top").unwrap().nodes;
        assert_eq!(
            rows.dofs(),
            top.iter().map(|&n| dofs.u(n, 1)).collect::<Vec<_>>()
        );
        let expected: f64 = rows
            .dofs()
            .iter()
            .map(|&i| {
                (0..pattern.n)
                    .map(|j| entry(&pattern, &a, i, j) * x[j])
                    .sum::<f64>()
            })
            .sum();
        assert!(
            close(rows.force(&a, &x), expected),
            "{} vs {expected}",
            rows.force(&a, &x)
        );
        assert!(ReactionRows::on_set(&mesh, &dofs, "nowhere", 1).is_err());
    }

    /// Goal: the set-wise constraints reach exactly their nodes: a displacement component on every
    /// node of a set (a component the problem lacks refused), the axis r = 0 on the nodes found
    /// there, a pressure on the set's vertices only (Taylor–Hood), a scalar on every node.
    ///
    /// Mesh: the Quad9 of [`quad9_up`] (top set: 2 vertices and a mid-edge node; left side on the
    /// axis: 3 nodes).
    #[test]
    fn constraints_on_sets_reach_exactly_their_nodes() {
        let (mesh, dofs, _, _) = quad9_up();
        let top = mesh.set("top").unwrap().nodes.clone();
        let left = mesh.set("left").unwrap().nodes.clone();
        let mut c = Constraints::new();
        assert!(c.is_empty());
        c.displacement_on_set(&mesh, &dofs, "top", 1, 0.25).unwrap();
        assert!(!c.is_empty());
        assert_eq!(c.len(), 3);
        assert!(top
            .iter()
            .all(|&n| c.holds(dofs.u(n, 1)) && !c.holds(dofs.u(n, 0))));
        assert!(c.iter().all(|(_, v)| v == 0.25));
        let err = c
            .displacement_on_set(&mesh, &dofs, "top", 2, 0.0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("component 2") && err.contains("2 components"),
            "{err}"
        );

        let mut axis = Constraints::new();
        axis.axisymmetric_axis(&mesh, &dofs);
        let expected: Vec<(usize, f64)> = left.iter().map(|&n| (dofs.u(n, 0), 0.0)).collect();
        assert_eq!(axis.iter().collect::<Vec<_>>(), expected);

        let mut p = Constraints::new();
        p.pressure_on_set(&mesh, &dofs, "top", -0.5).unwrap();
        let vertices: Vec<(usize, f64)> = top
            .iter()
            .filter_map(|&n| dofs.p(n))
            .map(|d| (d, -0.5))
            .collect();
        assert_eq!(vertices.len(), 2);
        assert_eq!(p.iter().collect::<Vec<_>>(), vertices);

        let scalars = DofMap::new(&mesh, 2, Fields::Scalar);
        let mut s = Constraints::new();
        s.scalar_on_set(&mesh, &scalars, "top", 1.0).unwrap();
        assert_eq!(
            s.iter().map(|(d, _)| d).collect::<Vec<_>>(),
            top.iter().map(|&n| scalars.scalar(n)).collect::<Vec<_>>()
        );
        assert!(s.pressure_on_set(&mesh, &dofs, "nowhere", 0.0).is_err());
    }

    /// Goal: the axis is found within 1e-12 of the mesh's size (the diagonal of its bounding box):
    /// on a 100 mm mesh (diagonal 100√2 mm, tolerance 1.4e-10 mm) a node 1e-10 mm off the axis is
    /// on it, one 1e-9 mm off is not.
    #[test]
    fn the_axis_tolerance_scales_with_the_mesh() {
        let mut mesh = rectangle([0.0, 100.0], [0.0, 100.0], 2, 2).unwrap();
        let left = mesh.set("left").unwrap().nodes.clone();
        assert_eq!(left.len(), 3);
        mesh.coords_mut()[left[1]][0] = 1e-10;
        mesh.coords_mut()[left[2]][0] = 1e-9;
        let dofs = DofMap::new(&mesh, 2, Fields::Displacement);
        let mut axis = Constraints::new();
        axis.axisymmetric_axis(&mesh, &dofs);
        let held: Vec<usize> = axis.iter().map(|(d, _)| d).collect();
        assert_eq!(held, [dofs.u(left[0], 0), dofs.u(left[1], 0)]);
    }
}
