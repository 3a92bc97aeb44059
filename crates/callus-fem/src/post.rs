//! Post-processing at integration points: strain tensor (and its increment between two states),
//! principal strains, octahedral and maximum shear strain, pore pressure, Darcy flux and fluid
//! velocity, effective and total stress, hydrostatic stress.
//!
//! Everything is linear in the nodal state, so the *increment* over a step is the same evaluation of
//! the difference of the two states (u_{n+1} − u_n, p_{n+1} − p_n). Per-element values are the
//! volume averages of the point values ([`volume_average`]).
//!
//! Sign conventions: tension positive for strain and stress; pore pressure positive in compression;
//! total stress σ = σ' − α p I (MODEL.md §1); Darcy flux q = −k ∇p (mm/s); fluid velocity relative to
//! the solid v = q / n (the seepage velocity the Prendergast rule uses).

use nalgebra::Matrix3;

use crate::element::{elasticity_matrix, Idealisation, ReferenceElement, MAX_STRAIN};
use crate::material::Biot;
use crate::shape::MAX_NODES;

/// The 3 × 3 strain tensor (tensor shears, ε_xy = γ_xy/2) of a Voigt strain. Plane strain has
/// ε_zz = 0; axisymmetric components map (r, z, θ) to (x, y, z).
pub fn strain_tensor(ideal: Idealisation, v: &[f64; MAX_STRAIN]) -> [[f64; 3]; 3] {
    match ideal {
        Idealisation::PlaneStrain => [
            [v[0], 0.5 * v[2], 0.0],
            [0.5 * v[2], v[1], 0.0],
            [0.0, 0.0, 0.0],
        ],
        Idealisation::Axisymmetric => [
            [v[0], 0.5 * v[3], 0.0],
            [0.5 * v[3], v[1], 0.0],
            [0.0, 0.0, v[2]],
        ],
        Idealisation::ThreeD => [
            [v[0], 0.5 * v[3], 0.5 * v[5]],
            [0.5 * v[3], v[1], 0.5 * v[4]],
            [0.5 * v[5], 0.5 * v[4], v[2]],
        ],
    }
}

/// Stress tensor (MPa) of a Voigt stress (engineering layout, same component order as the strain).
pub fn stress_tensor(ideal: Idealisation, s: &[f64; MAX_STRAIN]) -> [[f64; 3]; 3] {
    match ideal {
        Idealisation::PlaneStrain => [[s[0], s[2], 0.0], [s[2], s[1], 0.0], [0.0, 0.0, 0.0]],
        Idealisation::Axisymmetric => [[s[0], s[3], 0.0], [s[3], s[1], 0.0], [0.0, 0.0, s[2]]],
        Idealisation::ThreeD => [[s[0], s[3], s[5]], [s[3], s[1], s[4]], [s[5], s[4], s[2]]],
    }
}

/// Principal values of a symmetric tensor, largest first.
pub fn principal(t: &[[f64; 3]; 3]) -> [f64; 3] {
    let m = Matrix3::from_fn(|i, j| 0.5 * (t[i][j] + t[j][i]));
    let e = m.symmetric_eigenvalues();
    let mut v = [e[0], e[1], e[2]];
    v.sort_by(|a, b| b.total_cmp(a));
    v
}

/// Octahedral shear strain γ_oct = (2/3)·√((ε1 − ε2)² + (ε2 − ε3)² + (ε3 − ε1)²) (MODEL.md §3).
pub fn octahedral_shear_strain(principal: &[f64; 3]) -> f64 {
    let [a, b, c] = *principal;
    2.0 / 3.0 * ((a - b).powi(2) + (b - c).powi(2) + (c - a).powi(2)).sqrt()
}

/// Maximum shear strain ε1 − ε3 (the alternative measure of MODEL.md §3).
pub fn max_shear_strain(principal: &[f64; 3]) -> f64 {
    principal[0] - principal[2]
}

/// What the mechano-regulation rules need at one integration point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PointState {
    /// Position (mm).
    pub x: [f64; 3],
    /// Integration weight (mm³, or mm² per mm in plane strain).
    pub weight: f64,
    /// Strain tensor.
    pub strain: [[f64; 3]; 3],
    /// Pore pressure (MPa).
    pub pressure_mpa: f64,
    /// Darcy flux q = −k ∇p (mm/s).
    pub darcy_flux_mm_per_s: [f64; 3],
    /// Effective (skeleton) stress σ' = D ε (MPa).
    pub effective_stress_mpa: [[f64; 3]; 3],
    /// Total stress σ = σ' − α p I (MPa).
    pub total_stress_mpa: [[f64; 3]; 3],
}

impl PointState {
    /// Hydrostatic total stress tr(σ)/3 (MPa).
    pub fn hydrostatic_stress_mpa(&self) -> f64 {
        (self.total_stress_mpa[0][0] + self.total_stress_mpa[1][1] + self.total_stress_mpa[2][2])
            / 3.0
    }

    /// Fluid velocity relative to the solid, v = q / n (mm/s), for porosity n.
    pub fn fluid_velocity_mm_per_s(&self, porosity: f64) -> [f64; 3] {
        self.darcy_flux_mm_per_s.map(|q| q / porosity)
    }
}

/// States at every integration point of a Taylor–Hood element with node coordinates `x`, nodal
/// displacements `u` (node-major) and vertex pressures `p`.
pub fn biot_point_states(
    re: &ReferenceElement,
    x: &[[f64; 3]],
    m: &Biot,
    u: &[f64],
    p: &[f64],
    out: &mut Vec<PointState>,
) -> Result<(), crate::element::BadJacobian> {
    out.clear();
    let (dim, nn, ns) = (
        re.ideal.dim(),
        re.kind.num_nodes(),
        re.ideal.strain_components(),
    );
    let d = elasticity_matrix(re.ideal, &m.skeleton);
    for q in 0..re.rule.len() {
        let v = re.at(q, x)?;
        let mut eps = [0.0; MAX_STRAIN];
        for a in 0..nn {
            let b = re.b_block(&v, a);
            for i in 0..ns {
                eps[i] += (0..dim).map(|c| b[i][c] * u[a * dim + c]).sum::<f64>();
            }
        }
        let mut sig = [0.0; MAX_STRAIN];
        for i in 0..ns {
            sig[i] = (0..ns).map(|j| d[i][j] * eps[j]).sum();
        }
        let pressure: f64 = (0..re.p_dofs()).map(|b| v.np[b] * p[b]).sum();
        let mut grad = [0.0; 3];
        for b in 0..re.p_dofs() {
            for c in 0..dim {
                grad[c] += v.dnpdx[b][c] * p[b];
            }
        }
        let effective = stress_tensor(re.ideal, &sig);
        let mut total = effective;
        for (i, row) in total.iter_mut().enumerate() {
            row[i] -= m.alpha * pressure;
        }
        let mut xq = [0.0; 3];
        for a in 0..nn {
            for c in 0..3 {
                xq[c] += v.n[a] * x[a][c];
            }
        }
        out.push(PointState {
            x: xq,
            weight: v.weight,
            strain: strain_tensor(re.ideal, &eps),
            pressure_mpa: pressure,
            darcy_flux_mm_per_s: grad.map(|g| -m.mobility_mm4_per_ns * g),
            effective_stress_mpa: effective,
            total_stress_mpa: total,
        });
    }
    Ok(())
}

/// The volume average (weights = integration weights) of an element's point states: the
/// per-element value. The position is the centroid. `None` for no points.
pub fn volume_average(states: &[PointState]) -> Option<PointState> {
    let total: f64 = states.iter().map(|s| s.weight).sum();
    if states.is_empty() || total <= 0.0 {
        return None;
    }
    let mut avg = PointState {
        x: [0.0; 3],
        weight: total,
        strain: [[0.0; 3]; 3],
        pressure_mpa: 0.0,
        darcy_flux_mm_per_s: [0.0; 3],
        effective_stress_mpa: [[0.0; 3]; 3],
        total_stress_mpa: [[0.0; 3]; 3],
    };
    for s in states {
        let w = s.weight / total;
        avg.pressure_mpa += w * s.pressure_mpa;
        for i in 0..3 {
            avg.x[i] += w * s.x[i];
            avg.darcy_flux_mm_per_s[i] += w * s.darcy_flux_mm_per_s[i];
            for j in 0..3 {
                avg.strain[i][j] += w * s.strain[i][j];
                avg.effective_stress_mpa[i][j] += w * s.effective_stress_mpa[i][j];
                avg.total_stress_mpa[i][j] += w * s.total_stress_mpa[i][j];
            }
        }
    }
    Some(avg)
}

/// The volume average of a Taylor–Hood element's states as a linear map of its dofs, for one
/// configuration and material: the states are linear in (u, p), so their averages are
///
/// ```text
/// ε̄ = B̄ u,  p̄ = N̄ p,  q̄ = −k Ḡ p,  σ̄' = D ε̄,  σ̄ = σ̄' − α p̄ I,
/// B̄ = (1/V) Σ_q w_q B_q,  N̄ = (1/V) Σ_q w_q N_q,  Ḡ = (1/V) Σ_q w_q ∇N_q,  V = Σ_q w_q,
/// ```
///
/// the same values as [`volume_average`] of [`biot_point_states`] (to rounding) at a fraction of the
/// cost, for transients that read the states at every time level of one configuration.
#[derive(Clone, Debug)]
pub struct AveragedBiotElement {
    ideal: Idealisation,
    u_dofs: usize,
    p_dofs: usize,
    /// B̄, row i = strain component, column = element u dof.
    b: [[f64; 3 * MAX_NODES]; MAX_STRAIN],
    /// N̄ of the vertex (pressure) shape functions.
    np: [f64; MAX_NODES],
    /// Ḡ[c][b] = mean ∂N_b/∂x_c of the vertex shape functions.
    g: [[f64; MAX_NODES]; 3],
    d: [[f64; MAX_STRAIN]; MAX_STRAIN],
    alpha: f64,
    mobility: f64,
    centroid: [f64; 3],
    volume: f64,
}

impl AveragedBiotElement {
    /// The averages of the element with node coordinates `x` and material `m`; `None` for an
    /// element without volume.
    pub fn new(
        re: &ReferenceElement,
        x: &[[f64; 3]],
        m: &Biot,
    ) -> Result<Option<AveragedBiotElement>, crate::element::BadJacobian> {
        let (dim, nn, ns, npd) = (
            re.ideal.dim(),
            re.kind.num_nodes(),
            re.ideal.strain_components(),
            re.p_dofs(),
        );
        let mut avg = AveragedBiotElement {
            ideal: re.ideal,
            u_dofs: re.u_dofs(),
            p_dofs: npd,
            b: [[0.0; 3 * MAX_NODES]; MAX_STRAIN],
            np: [0.0; MAX_NODES],
            g: [[0.0; MAX_NODES]; 3],
            d: elasticity_matrix(re.ideal, &m.skeleton),
            alpha: m.alpha,
            mobility: m.mobility_mm4_per_ns,
            centroid: [0.0; 3],
            volume: 0.0,
        };
        for q in 0..re.rule.len() {
            let v = re.at(q, x)?;
            let w = v.weight;
            avg.volume += w;
            for a in 0..nn {
                let b = re.b_block(&v, a);
                for (row, b_row) in avg.b.iter_mut().zip(&b).take(ns) {
                    for c in 0..dim {
                        row[a * dim + c] += w * b_row[c];
                    }
                }
                for c in 0..3 {
                    avg.centroid[c] += w * v.n[a] * x[a][c];
                }
            }
            for b in 0..npd {
                avg.np[b] += w * v.np[b];
                for c in 0..dim {
                    avg.g[c][b] += w * v.dnpdx[b][c];
                }
            }
        }
        if avg.volume <= 0.0 {
            return Ok(None);
        }
        let inv = 1.0 / avg.volume;
        avg.b.iter_mut().flatten().for_each(|v| *v *= inv);
        avg.np.iter_mut().for_each(|v| *v *= inv);
        avg.g.iter_mut().flatten().for_each(|v| *v *= inv);
        avg.centroid.iter_mut().for_each(|v| *v *= inv);
        Ok(Some(avg))
    }

    /// Number of displacement dofs of the element.
    pub fn u_dofs(&self) -> usize {
        self.u_dofs
    }

    /// The volume-averaged state for element displacements `u` (node-major) and vertex pressures
    /// `p`.
    pub fn state(&self, u: &[f64], p: &[f64]) -> PointState {
        let ns = self.ideal.strain_components();
        let mut eps = [0.0; MAX_STRAIN];
        for (e, row) in eps.iter_mut().zip(&self.b).take(ns) {
            *e = row[..self.u_dofs].iter().zip(u).map(|(b, u)| b * u).sum();
        }
        let mut sig = [0.0; MAX_STRAIN];
        for (s, row) in sig.iter_mut().zip(&self.d).take(ns) {
            *s = row[..ns].iter().zip(&eps).map(|(d, e)| d * e).sum();
        }
        let pressure: f64 = self.np[..self.p_dofs]
            .iter()
            .zip(p)
            .map(|(n, p)| n * p)
            .sum();
        let mut flux = [0.0; 3];
        for (f, g) in flux.iter_mut().zip(&self.g) {
            *f = -self.mobility
                * g[..self.p_dofs]
                    .iter()
                    .zip(p)
                    .map(|(g, p)| g * p)
                    .sum::<f64>();
        }
        let effective = stress_tensor(self.ideal, &sig);
        let mut total = effective;
        for (i, row) in total.iter_mut().enumerate() {
            row[i] -= self.alpha * pressure;
        }
        PointState {
            x: self.centroid,
            weight: self.volume,
            strain: strain_tensor(self.ideal, &eps),
            pressure_mpa: pressure,
            darcy_flux_mm_per_s: flux,
            effective_stress_mpa: effective,
            total_stress_mpa: total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: γ_oct = (2/3)·√((ε1 − ε2)² + (ε2 − ε3)² + (ε3 − ε1)²) with three distinct principal
    /// strains (3, 1, 0)·10⁻³: (2/3)·√(4 + 1 + 9)·10⁻³; the maximum shear ε1 − ε3 = 3·10⁻³.
    #[test]
    fn octahedral_shear_of_three_distinct_principal_strains() {
        let p = [3e-3, 1e-3, 0.0];
        assert!((octahedral_shear_strain(&p) - 2.0 / 3.0 * 14f64.sqrt() * 1e-3).abs() < 1e-17);
        assert_eq!(max_shear_strain(&p), 3e-3);
    }

    /// Goal: an element's value is the weighted mean of its points' values, every field of the
    /// state; no points, or points of no weight, give none.
    ///
    /// Input: two points of weights 1 and 3 whose every value is 4 and 8 (times a distinct
    /// factor per component): the mean is 7 (times the factor), the weight 4.
    #[test]
    fn volume_average_is_the_weighted_mean_of_every_field() {
        let point = |weight: f64, v: f64| {
            let t = |k: f64| {
                [
                    [k * v, 2.0 * k * v, 3.0 * k * v],
                    [4.0 * k * v, 5.0 * k * v, 6.0 * k * v],
                    [7.0 * k * v, 8.0 * k * v, 9.0 * k * v],
                ]
            };
            PointState {
                x: [v, -v, 2.0 * v],
                weight,
                strain: t(1e-3),
                pressure_mpa: 0.5 * v,
                darcy_flux_mm_per_s: [3.0 * v, 0.0, -v],
                effective_stress_mpa: t(1.0),
                total_stress_mpa: t(-2.0),
            }
        };
        let mean = volume_average(&[point(1.0, 4.0), point(3.0, 8.0)]).unwrap();
        let expected = point(4.0, 7.0);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
        assert_eq!(mean.weight, 4.0);
        assert!(close(mean.pressure_mpa, expected.pressure_mpa));
        for i in 0..3 {
            assert!(close(mean.x[i], expected.x[i]), "x {i}");
            assert!(close(
                mean.darcy_flux_mm_per_s[i],
                expected.darcy_flux_mm_per_s[i]
            ));
            for j in 0..3 {
                assert!(
                    close(mean.strain[i][j], expected.strain[i][j]),
                    "strain {i}{j}"
                );
                assert!(close(
                    mean.effective_stress_mpa[i][j],
                    expected.effective_stress_mpa[i][j]
                ));
                assert!(close(
                    mean.total_stress_mpa[i][j],
                    expected.total_stress_mpa[i][j]
                ));
            }
        }
        assert_eq!(volume_average(&[]), None);
        assert_eq!(volume_average(&[point(0.0, 1.0), point(0.0, 2.0)]), None);
    }

    /// Goal: the hydrostatic stress is tr(σ)/3 of the total stress, and the fluid velocity q/n.
    #[test]
    fn hydrostatic_stress_and_fluid_velocity_of_a_point() {
        let point = PointState {
            x: [0.0; 3],
            weight: 1.0,
            strain: [[0.0; 3]; 3],
            pressure_mpa: 0.0,
            darcy_flux_mm_per_s: [0.2, -0.4, 0.0],
            effective_stress_mpa: [[0.0; 3]; 3],
            total_stress_mpa: [[1.0, 7.0, 0.0], [7.0, 2.0, 0.0], [0.0, 0.0, 6.0]],
        };
        assert_eq!(point.hydrostatic_stress_mpa(), 3.0);
        assert_eq!(point.fluid_velocity_mm_per_s(0.8), [0.25, -0.5, 0.0]);
    }

    /// Goal: Voigt strains and stresses become tensors with their shears in the right places:
    /// strain shears halved (γ = 2ε), stress shears as they are; plane strain has no zz, the
    /// axisymmetric hoop component (third) goes to zz.
    ///
    /// Input: the Voigt vector (1, 2, 3, 4, 5, 6) read in each idealisation.
    #[test]
    fn voigt_components_land_where_each_idealisation_puts_them() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let cases = [
            (
                Idealisation::PlaneStrain,
                [[1.0, 1.5, 0.0], [1.5, 2.0, 0.0], [0.0, 0.0, 0.0]],
                [[1.0, 3.0, 0.0], [3.0, 2.0, 0.0], [0.0, 0.0, 0.0]],
            ),
            (
                Idealisation::Axisymmetric,
                [[1.0, 2.0, 0.0], [2.0, 2.0, 0.0], [0.0, 0.0, 3.0]],
                [[1.0, 4.0, 0.0], [4.0, 2.0, 0.0], [0.0, 0.0, 3.0]],
            ),
            (
                Idealisation::ThreeD,
                [[1.0, 2.0, 3.0], [2.0, 2.0, 2.5], [3.0, 2.5, 3.0]],
                [[1.0, 4.0, 6.0], [4.0, 2.0, 5.0], [6.0, 5.0, 3.0]],
            ),
        ];
        for (ideal, strain, stress) in cases {
            assert_eq!(strain_tensor(ideal, &v), strain, "{ideal:?} strain");
            assert_eq!(stress_tensor(ideal, &v), stress, "{ideal:?} stress");
        }
    }
    use crate::material::Elastic;
    use crate::shape::reference_nodes;
    use callus_mesh::ElementKind;

    #[test]
    fn uniaxial_isochoric_strain_gives_root_two_epsilon() {
        let e = 0.02;
        let t = [[e, 0.0, 0.0], [0.0, -e / 2.0, 0.0], [0.0, 0.0, -e / 2.0]];
        let p = principal(&t);
        assert!((octahedral_shear_strain(&p) - 2f64.sqrt() * e).abs() < 1e-15);
        assert!((max_shear_strain(&p) - 1.5 * e).abs() < 1e-15);
        // A rotated pure shear γ: principal ±γ/2.
        let g = 0.1;
        let p = principal(&[[0.0, g / 2.0, 0.0], [g / 2.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);
        assert!((p[0] - g / 2.0).abs() < 1e-15 && (p[2] + g / 2.0).abs() < 1e-15);
    }

    /// A linear pressure field gives Darcy flux −k∇p exactly; a uniform strain its stress; the
    /// total stress subtracts αp.
    #[test]
    fn point_states_of_linear_fields() {
        let m = Biot::from_constituents(
            Elastic {
                youngs_modulus_mpa: 10.0,
                poisson_ratio: 0.25,
            },
            100.0,
            50.0,
            0.5,
            0.02,
        );
        let kind = ElementKind::Tet10;
        let re = ReferenceElement::for_mechanics(kind, Idealisation::ThreeD);
        let x: Vec<[f64; 3]> = reference_nodes(kind)
            .iter()
            .map(|p| [2.0 * p[0], 1.5 * p[1] + 0.2 * p[0], p[2]])
            .collect();
        let u: Vec<f64> = x
            .iter()
            .flat_map(|p| [0.01 * p[0], 0.0, -0.02 * p[2]])
            .collect();
        let p: Vec<f64> = x[..4]
            .iter()
            .map(|q| 0.3 + 0.1 * q[0] - 0.2 * q[2])
            .collect();
        let mut out = vec![];
        biot_point_states(&re, &x, &m, &u, &p, &mut out).unwrap();
        let (lambda, mu) = (m.skeleton.lambda(), m.skeleton.shear_modulus());
        for s in &out {
            let flux = [-0.02 * 0.1, 0.0, 0.02 * 0.2];
            for c in 0..3 {
                assert!((s.darcy_flux_mm_per_s[c] - flux[c]).abs() < 1e-14);
            }
            let tr = 0.01 - 0.02;
            assert!((s.effective_stress_mpa[0][0] - (lambda * tr + 2.0 * mu * 0.01)).abs() < 1e-12);
            let p_here = 0.3 + 0.1 * s.x[0] - 0.2 * s.x[2];
            assert!((s.pressure_mpa - p_here).abs() < 1e-14);
            assert!(
                (s.total_stress_mpa[2][2] - (s.effective_stress_mpa[2][2] - m.alpha * p_here))
                    .abs()
                    < 1e-14
            );
            assert!((s.fluid_velocity_mm_per_s(0.5)[2] - 2.0 * flux[2]).abs() < 1e-15);
        }
        // The element average of a linear pressure is its value at the centroid; strain is uniform.
        let avg = volume_average(&out).unwrap();
        assert!((avg.pressure_mpa - (0.3 + 0.1 * avg.x[0] - 0.2 * avg.x[2])).abs() < 1e-13);
        assert!((avg.strain[0][0] - 0.01).abs() < 1e-14 && (avg.strain[2][2] + 0.02).abs() < 1e-14);
        assert!(volume_average(&[]).is_none());
    }
}
