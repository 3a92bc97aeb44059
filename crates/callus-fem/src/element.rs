//! Element kernels: drained elasticity, Biot u–p (Taylor–Hood) and scalar diffusion.
//!
//! A kernel takes the element's node coordinates and material and *fills caller-provided buffers*
//! (row-major, no allocation). Reference data (quadrature points, shape values and gradients) are
//! tabulated once per element kind in [`ReferenceElement`].
//!
//! Strain in Voigt form with engineering shears:
//! plane strain `[ε_xx, ε_yy, γ_xy]`; axisymmetric `[ε_rr, ε_zz, ε_θθ, γ_rz]` with ε_θθ = u_r/r and
//! dV = 2πr dr dz (forces are totals over the full circumference); 3D
//! `[ε_xx, ε_yy, ε_zz, γ_xy, γ_yz, γ_zx]`.
//!
//! Local dof order: displacement node-major (`a·dim + c`) for all nodes, then one pressure per
//! vertex (Taylor–Hood: linear pressure on the vertices of a quadratic element).

use callus_mesh::ElementKind;

use crate::material::{Biot, Diffusion, Elastic};
use crate::quadrature::{hex_gauss, quad_gauss, tetrahedron, triangle, wedge, QuadratureRule};
use crate::shape::{eval, MAX_NODES};

/// How a 2D mesh is read, or 3D.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idealisation {
    /// 2D, unit thickness (1 mm), ε_zz = 0.
    PlaneStrain,
    /// 2D (r, z) = (x, y), revolved about the y axis: hoop strain u_r/r, dV = 2πr dA.
    Axisymmetric,
    /// 3D.
    ThreeD,
}

impl Idealisation {
    /// Displacement components per node.
    pub fn dim(self) -> usize {
        if self == Idealisation::ThreeD {
            3
        } else {
            2
        }
    }

    /// Strain components in Voigt form.
    pub fn strain_components(self) -> usize {
        match self {
            Idealisation::PlaneStrain => 3,
            Idealisation::Axisymmetric => 4,
            Idealisation::ThreeD => 6,
        }
    }

    /// Which Voigt components are normal strains (the trace).
    pub fn is_normal(self, i: usize) -> bool {
        match self {
            Idealisation::PlaneStrain => i < 2,
            Idealisation::Axisymmetric => i < 3,
            Idealisation::ThreeD => i < 3,
        }
    }
}

/// Largest strain vector (3D).
pub const MAX_STRAIN: usize = 6;

/// Isotropic elasticity matrix D (σ = D ε, Voigt with engineering shears) in the top-left block.
pub fn elasticity_matrix(ideal: Idealisation, m: &Elastic) -> [[f64; MAX_STRAIN]; MAX_STRAIN] {
    let (lambda, mu) = (m.lambda(), m.shear_modulus());
    let ns = ideal.strain_components();
    let mut d = [[0.0; MAX_STRAIN]; MAX_STRAIN];
    for i in 0..ns {
        for j in 0..ns {
            if ideal.is_normal(i) && ideal.is_normal(j) {
                d[i][j] = lambda + if i == j { 2.0 * mu } else { 0.0 };
            }
        }
        if !ideal.is_normal(i) {
            d[i][i] = mu;
        }
    }
    d
}

/// Quadrature points with the shape functions of the element (and of its pressure/vertex kind)
/// tabulated there.
#[derive(Clone, Debug)]
pub struct ReferenceElement {
    /// The element kind (displacement or scalar field).
    pub kind: ElementKind,
    /// The idealisation.
    pub ideal: Idealisation,
    /// The quadrature rule.
    pub rule: QuadratureRule,
    n: Vec<[f64; MAX_NODES]>,
    dn: Vec<[[f64; 3]; MAX_NODES]>,
    np: Vec<[f64; MAX_NODES]>,
    dnp: Vec<[[f64; 3]; MAX_NODES]>,
}

impl ReferenceElement {
    /// Tabulates `kind` with a rule exact to `degree` for the element's polynomial space on affine
    /// geometry (raised for the axisymmetric 1/r terms).
    pub fn new(kind: ElementKind, ideal: Idealisation, degree: usize) -> ReferenceElement {
        let axi = usize::from(ideal == Idealisation::Axisymmetric) * 2;
        let rule = match kind.linear() {
            ElementKind::Tri3 => triangle((degree + axi).min(5)),
            ElementKind::Quad4 => quad_gauss(((degree + axi) / 2 + 1).min(4)),
            ElementKind::Tet4 => tetrahedron(degree.min(5)),
            ElementKind::Hex8 => hex_gauss((degree / 2 + 1).min(4)),
            ElementKind::Wedge6 => wedge(degree.min(5), (degree / 2 + 1).min(4)),
            _ => unreachable!(),
        };
        let p_kind = kind.linear();
        let mut t = ReferenceElement {
            kind,
            ideal,
            rule,
            n: vec![],
            dn: vec![],
            np: vec![],
            dnp: vec![],
        };
        for &xi in &t.rule.points {
            let (mut n, mut dn) = ([0.0; MAX_NODES], [[0.0; 3]; MAX_NODES]);
            eval(kind, xi, &mut n, &mut dn);
            let (mut np, mut dnp) = ([0.0; MAX_NODES], [[0.0; 3]; MAX_NODES]);
            eval(p_kind, xi, &mut np, &mut dnp);
            t.n.push(n);
            t.dn.push(dn);
            t.np.push(np);
            t.dnp.push(dnp);
        }
        t
    }

    /// The rule for mechanics: exact for the stiffness, coupling and storage terms on straight-sided
    /// simplices (degree 2: ∇N_u of degree ≤ 1, pressure linear), and 3 × 3 Gauss on quadratic quads
    /// (whose biquadratic terms reach degree 4); raised in axisymmetry for the 1/r and r terms.
    pub fn for_mechanics(kind: ElementKind, ideal: Idealisation) -> ReferenceElement {
        let degree = if matches!(kind, ElementKind::Quad8 | ElementKind::Quad9) {
            4
        } else {
            2
        };
        ReferenceElement::new(kind, ideal, degree)
    }

    /// The rule used for diffusion (a consistent mass matrix: degree 2p).
    pub fn for_diffusion(kind: ElementKind, ideal: Idealisation) -> ReferenceElement {
        ReferenceElement::new(kind, ideal, if kind.is_quadratic() { 4 } else { 2 })
    }
}

/// Physical quantities at one quadrature point of one element.
#[derive(Clone, Copy, Debug)]
pub struct PointValues {
    /// Shape functions.
    pub n: [f64; MAX_NODES],
    /// Physical gradients ∂N_a/∂x.
    pub dndx: [[f64; 3]; MAX_NODES],
    /// Vertex (pressure) shape functions.
    pub np: [f64; MAX_NODES],
    /// Their physical gradients.
    pub dnpdx: [[f64; 3]; MAX_NODES],
    /// Integration weight: w·det J (·2πr in axisymmetry).
    pub weight: f64,
    /// Radius r = Σ N_a x_a (axisymmetry; x otherwise).
    pub r: f64,
}

/// An element whose Jacobian is not positive at a quadrature point.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
#[error("the element's Jacobian is {det_j:.3e} at quadrature point {point}: the element is inverted or degenerate")]
pub struct BadJacobian {
    /// Quadrature point.
    pub point: usize,
    /// det J there.
    pub det_j: f64,
}

impl ReferenceElement {
    /// Maps quadrature point `q` onto the element with node coordinates `x`.
    pub fn at(&self, q: usize, x: &[[f64; 3]]) -> Result<PointValues, BadJacobian> {
        let dim = self.kind.dim();
        let nn = self.kind.num_nodes();
        let (n, dn) = (&self.n[q], &self.dn[q]);
        let mut jac = [[0.0; 3]; 3]; // J[i][j] = ∂x_i/∂ξ_j
        for a in 0..nn {
            for i in 0..dim {
                for j in 0..dim {
                    jac[i][j] += x[a][i] * dn[a][j];
                }
            }
        }
        let (det, inv) = invert(jac, dim);
        if det.is_nan() || det <= 0.0 {
            return Err(BadJacobian {
                point: q,
                det_j: det,
            });
        }
        let mut v = PointValues {
            n: *n,
            dndx: [[0.0; 3]; MAX_NODES],
            np: self.np[q],
            dnpdx: [[0.0; 3]; MAX_NODES],
            weight: 0.0,
            r: 0.0,
        };
        let physical = |g: &[f64; 3]| {
            let mut out = [0.0; 3];
            for (j, o) in out.iter_mut().enumerate().take(dim) {
                *o = (0..dim).map(|k| g[k] * inv[k][j]).sum();
            }
            out
        };
        for a in 0..nn {
            v.dndx[a] = physical(&dn[a]);
        }
        for a in 0..self.kind.num_vertices() {
            v.dnpdx[a] = physical(&self.dnp[q][a]);
        }
        v.r = (0..nn).map(|a| n[a] * x[a][0]).sum();
        v.weight = self.rule.weights[q] * det;
        if self.ideal == Idealisation::Axisymmetric {
            v.weight *= 2.0 * std::f64::consts::PI * v.r;
        }
        Ok(v)
    }

    /// Strain-displacement row block of node `a`: `b[i][c]` = ∂ε_i/∂u_{a,c}.
    pub fn b_block(&self, v: &PointValues, a: usize) -> [[f64; 3]; MAX_STRAIN] {
        let g = v.dndx[a];
        let mut b = [[0.0; 3]; MAX_STRAIN];
        match self.ideal {
            Idealisation::PlaneStrain => {
                b[0][0] = g[0];
                b[1][1] = g[1];
                b[2] = [g[1], g[0], 0.0];
            }
            Idealisation::Axisymmetric => {
                b[0][0] = g[0];
                b[1][1] = g[1];
                b[2][0] = v.n[a] / v.r;
                b[3] = [g[1], g[0], 0.0];
            }
            Idealisation::ThreeD => {
                b[0][0] = g[0];
                b[1][1] = g[1];
                b[2][2] = g[2];
                b[3] = [g[1], g[0], 0.0];
                b[4] = [0.0, g[2], g[1]];
                b[5] = [g[2], 0.0, g[0]];
            }
        }
        b
    }

    /// Number of displacement dofs of the element.
    pub fn u_dofs(&self) -> usize {
        self.kind.num_nodes() * self.ideal.dim()
    }

    /// Number of pressure dofs (vertices).
    pub fn p_dofs(&self) -> usize {
        self.kind.num_vertices()
    }
}

/// det J and J⁻¹ of the top-left `dim` × `dim` block.
fn invert(j: [[f64; 3]; 3], dim: usize) -> (f64, [[f64; 3]; 3]) {
    let mut inv = [[0.0; 3]; 3];
    if dim == 2 {
        let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
        inv[0][0] = j[1][1] / det;
        inv[0][1] = -j[0][1] / det;
        inv[1][0] = -j[1][0] / det;
        inv[1][1] = j[0][0] / det;
        (det, inv)
    } else {
        let c = |r: usize, s: usize| {
            let (r1, r2, s1, s2) = ((r + 1) % 3, (r + 2) % 3, (s + 1) % 3, (s + 2) % 3);
            j[s1][r1] * j[s2][r2] - j[s1][r2] * j[s2][r1]
        };
        let det = j[0][0] * c(0, 0) + j[1][0] * c(0, 1) + j[2][0] * c(0, 2);
        for (r, row) in inv.iter_mut().enumerate() {
            for (s, entry) in row.iter_mut().enumerate() {
                *entry = c(r, s) / det;
            }
        }
        (det, inv)
    }
}

/// Strain–displacement blocks of every node at one point (`b[a][i][c]` = ∂ε_i/∂u_{a,c}).
fn b_blocks(re: &ReferenceElement, v: &PointValues) -> [[[f64; 3]; MAX_STRAIN]; MAX_NODES] {
    let mut b = [[[0.0; 3]; MAX_STRAIN]; MAX_NODES];
    for (a, ba) in b.iter_mut().enumerate().take(re.kind.num_nodes()) {
        *ba = re.b_block(v, a);
    }
    b
}

/// Adds Bᵀ D B · weight of one point to `k` (row-major, `u_dofs` × `u_dofs`).
fn add_point_stiffness(
    re: &ReferenceElement,
    b: &[[[f64; 3]; MAX_STRAIN]; MAX_NODES],
    d: &[[f64; MAX_STRAIN]; MAX_STRAIN],
    weight: f64,
    k: &mut [f64],
) {
    let (dim, nn, ns) = (
        re.ideal.dim(),
        re.kind.num_nodes(),
        re.ideal.strain_components(),
    );
    let nd = nn * dim;
    for a in 0..nn {
        // DB_a = D · B_a (ns × dim)
        let mut db = [[0.0; 3]; MAX_STRAIN];
        for i in 0..ns {
            for c in 0..dim {
                db[i][c] = (0..ns).map(|l| d[i][l] * b[a][l][c]).sum();
            }
        }
        for bb in 0..nn {
            for c in 0..dim {
                for e in 0..dim {
                    let s: f64 = (0..ns).map(|i| b[bb][i][c] * db[i][e]).sum();
                    k[(bb * dim + c) * nd + a * dim + e] += s * weight;
                }
            }
        }
    }
}

/// Drained stiffness K = ∫ Bᵀ D B dV into `k` (row-major, `u_dofs` × `u_dofs`).
pub fn elastic_stiffness(
    re: &ReferenceElement,
    x: &[[f64; 3]],
    m: &Elastic,
    k: &mut [f64],
) -> Result<(), BadJacobian> {
    let nd = re.u_dofs();
    k[..nd * nd].fill(0.0);
    let d = elasticity_matrix(re.ideal, m);
    for q in 0..re.rule.len() {
        let v = re.at(q, x)?;
        add_point_stiffness(re, &b_blocks(re, &v), &d, v.weight, k);
    }
    Ok(())
}

/// The four blocks of a Biot u–p element (MODEL.md §1), row-major:
/// K (nu × nu) = ∫BᵀDB, Q (nu × np) = ∫ α (B_a·m) N^p, S (np × np) = ∫ N^p (1/M) N^p,
/// H (np × np) = ∫ k ∇N^p·∇N^p.
pub struct BiotBlocks<'a> {
    /// Drained stiffness.
    pub k: &'a mut [f64],
    /// Coupling.
    pub q: &'a mut [f64],
    /// Storage.
    pub s: &'a mut [f64],
    /// Permeability.
    pub h: &'a mut [f64],
}

/// Fills the Biot element blocks, mapping each quadrature point once.
pub fn biot_blocks(
    re: &ReferenceElement,
    x: &[[f64; 3]],
    m: &Biot,
    out: BiotBlocks,
) -> Result<(), BadJacobian> {
    let (dim, nn, np, ns) = (
        re.ideal.dim(),
        re.kind.num_nodes(),
        re.p_dofs(),
        re.ideal.strain_components(),
    );
    let nu = nn * dim;
    out.k[..nu * nu].fill(0.0);
    out.q[..nu * np].fill(0.0);
    out.s[..np * np].fill(0.0);
    out.h[..np * np].fill(0.0);
    let d = elasticity_matrix(re.ideal, &m.skeleton);
    for qp in 0..re.rule.len() {
        let v = re.at(qp, x)?;
        let b = b_blocks(re, &v);
        add_point_stiffness(re, &b, &d, v.weight, out.k);
        for a in 0..nn {
            for c in 0..dim {
                let div: f64 = (0..ns)
                    .filter(|&i| re.ideal.is_normal(i))
                    .map(|i| b[a][i][c])
                    .sum();
                for p in 0..np {
                    out.q[(a * dim + c) * np + p] += m.alpha * div * v.np[p] * v.weight;
                }
            }
        }
        for i in 0..np {
            for j in 0..np {
                out.s[i * np + j] += m.inv_biot_modulus_per_mpa * v.np[i] * v.np[j] * v.weight;
                let g: f64 = (0..dim).map(|d| v.dnpdx[i][d] * v.dnpdx[j][d]).sum();
                out.h[i * np + j] += m.mobility_mm4_per_ns * g * v.weight;
            }
        }
    }
    Ok(())
}

/// Pressure mass ∫ w N_p N_p (np × np) with a constant weight `w` over the element.
pub fn pressure_mass(
    re: &ReferenceElement,
    x: &[[f64; 3]],
    w: f64,
    out: &mut [f64],
) -> Result<(), BadJacobian> {
    let np = re.p_dofs();
    out[..np * np].fill(0.0);
    for qp in 0..re.rule.len() {
        let v = re.at(qp, x)?;
        for i in 0..np {
            for j in 0..np {
                out[i * np + j] += w * v.np[i] * v.np[j] * v.weight;
            }
        }
    }
    Ok(())
}

/// Scalar diffusion: capacity matrix M = ∫ c N N and conductance K = ∫ D ∇N·∇N (nn × nn each).
pub fn diffusion_matrices(
    re: &ReferenceElement,
    x: &[[f64; 3]],
    m: &Diffusion,
    mass: &mut [f64],
    stiffness: &mut [f64],
) -> Result<(), BadJacobian> {
    let (dim, nn) = (re.kind.dim(), re.kind.num_nodes());
    mass[..nn * nn].fill(0.0);
    stiffness[..nn * nn].fill(0.0);
    for q in 0..re.rule.len() {
        let v = re.at(q, x)?;
        for i in 0..nn {
            for j in 0..nn {
                mass[i * nn + j] += m.capacity * v.n[i] * v.n[j] * v.weight;
                let g: f64 = (0..dim).map(|d| v.dndx[i][d] * v.dndx[j][d]).sum();
                stiffness[i * nn + j] += m.diffusivity * g * v.weight;
            }
        }
    }
    Ok(())
}

/// Strain (Voigt) at quadrature point `q` from the element's nodal displacements `u` (node-major).
pub fn strain_at(
    re: &ReferenceElement,
    q: usize,
    x: &[[f64; 3]],
    u: &[f64],
) -> Result<[f64; MAX_STRAIN], BadJacobian> {
    let v = re.at(q, x)?;
    let (dim, nn, ns) = (
        re.ideal.dim(),
        re.kind.num_nodes(),
        re.ideal.strain_components(),
    );
    let mut eps = [0.0; MAX_STRAIN];
    for a in 0..nn {
        let b = re.b_block(&v, a);
        for (i, e) in eps.iter_mut().enumerate().take(ns) {
            *e += (0..dim).map(|c| b[i][c] * u[a * dim + c]).sum::<f64>();
        }
    }
    Ok(eps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::reference_nodes;

    /// Goal: the normal strains are the first 2 (plane strain: xx, yy), 3 (axisymmetric: rr, zz,
    /// θθ) and 3 (3D: xx, yy, zz) Voigt components; the shears after them are not.
    #[test]
    fn normal_strain_components_of_each_idealisation() {
        for (ideal, normal) in [
            (Idealisation::PlaneStrain, 2),
            (Idealisation::Axisymmetric, 3),
            (Idealisation::ThreeD, 3),
        ] {
            for i in 0..ideal.strain_components() {
                assert_eq!(ideal.is_normal(i), i < normal, "{ideal:?} component {i}");
            }
        }
    }

    /// A distorted copy of the reference element (an affine-plus-bilinear map), shifted away from
    /// the axis for axisymmetry.
    fn distorted(kind: ElementKind) -> Vec<[f64; 3]> {
        reference_nodes(kind)
            .iter()
            .map(|p| {
                let (x, y, z) = (p[0], p[1], p[2]);
                [
                    3.0 + 1.1 * x + 0.2 * y + 0.05 * x * y,
                    1.0 + 0.1 * x + 0.9 * y + 0.1 * z,
                    if kind.dim() == 3 {
                        0.2 * x + 0.1 * y + 1.2 * z
                    } else {
                        0.0
                    },
                ]
            })
            .collect()
    }

    fn cases() -> Vec<(ElementKind, Idealisation)> {
        let mut v = vec![];
        for kind in ElementKind::ALL {
            if kind.dim() == 2 {
                v.push((kind, Idealisation::PlaneStrain));
                v.push((kind, Idealisation::Axisymmetric));
            } else {
                v.push((kind, Idealisation::ThreeD));
            }
        }
        v
    }

    const MAT: Elastic = Elastic {
        youngs_modulus_mpa: 10.0,
        poisson_ratio: 0.3,
    };

    /// Goal: the diffusion matrices against hand values: Σ M_ij = c·A (capacity times area),
    /// K annihilates a constant and gives φᵀKφ = D·∫|∇φ|² = D·A for φ = x; both filled into buffers
    /// that held NaN.
    ///
    /// Input: the rectangle [1, 3] × [0, 1.5] mm (A = 3 mm²) as each 2D kind (the reference element
    /// mapped affinely), plane; c = 2.5, D = 0.7 mm²/day.
    #[test]
    fn diffusion_matrices_against_area_and_gradient_energy() {
        let m = Diffusion {
            capacity: 2.5,
            diffusivity: 0.7,
        };
        for kind in ElementKind::ALL.into_iter().filter(|k| k.dim() == 2) {
            let re = ReferenceElement::for_diffusion(kind, Idealisation::PlaneStrain);
            let (lo, hi) =
                reference_nodes(kind)
                    .iter()
                    .fold(([f64::MAX; 2], [f64::MIN; 2]), |(lo, hi), p| {
                        (
                            [lo[0].min(p[0]), lo[1].min(p[1])],
                            [hi[0].max(p[0]), hi[1].max(p[1])],
                        )
                    });
            // The reference element's box onto [1, 3] × [0, 1.5] (a triangle onto half of it).
            let map = |p: &[f64; 3]| {
                [
                    1.0 + 2.0 * (p[0] - lo[0]) / (hi[0] - lo[0]),
                    1.5 * (p[1] - lo[1]) / (hi[1] - lo[1]),
                    0.0,
                ]
            };
            let x: Vec<[f64; 3]> = reference_nodes(kind).iter().map(map).collect();
            let area = if kind.linear() == ElementKind::Tri3 {
                1.5
            } else {
                3.0
            };
            let nn = kind.num_nodes();
            let (mut mass, mut k) = (vec![f64::NAN; nn * nn], vec![f64::NAN; nn * nn]);
            diffusion_matrices(&re, &x, &m, &mut mass, &mut k).unwrap();
            let total: f64 = mass.iter().sum();
            assert!((total - 2.5 * area).abs() < 1e-12, "{kind}: Σ M = {total}");
            let phi: Vec<f64> = x.iter().map(|p| p[0]).collect();
            let mut energy = 0.0;
            for i in 0..nn {
                let row: f64 = (0..nn).map(|j| k[i * nn + j]).sum();
                assert!(row.abs() < 1e-12, "{kind}: K·1 = {row}");
                energy += phi[i] * (0..nn).map(|j| k[i * nn + j] * phi[j]).sum::<f64>();
            }
            assert!(
                (energy - 0.7 * area).abs() < 1e-12,
                "{kind}: φᵀKφ = {energy}"
            );
        }
    }

    /// Goal: `biot_blocks` fills its caller's buffers whatever they held before (an assembly
    /// may hand it the buffers of the previous element): blocks computed into buffers full of NaN
    /// equal those computed into zeros, for every element kind.
    ///
    /// Input: each kind on its distorted map; E = 10 MPa, ν = 0.3, K_s = 2300 MPa, K_f = 2300 MPa,
    /// n = 0.8, k = 0.01 mm⁴/(N·s) (granulation).
    #[test]
    fn biot_blocks_fill_buffers_that_held_anything() {
        let m = Biot::from_constituents(MAT, 2300.0, 2300.0, 0.8, 0.01);
        for (kind, ideal) in cases() {
            let re = ReferenceElement::for_mechanics(kind, ideal);
            let x = distorted(kind);
            let (nu, np) = (re.u_dofs(), re.p_dofs());
            let blocks = |start: f64| {
                let mut b = (
                    vec![start; nu * nu],
                    vec![start; nu * np],
                    vec![start; np * np],
                    vec![start; np * np],
                );
                biot_blocks(
                    &re,
                    &x,
                    &m,
                    BiotBlocks {
                        k: &mut b.0,
                        q: &mut b.1,
                        s: &mut b.2,
                        h: &mut b.3,
                    },
                )
                .unwrap();
                b
            };
            assert_eq!(blocks(f64::NAN), blocks(0.0), "{kind} {ideal:?}");
        }
    }

    #[test]
    fn stiffness_is_symmetric_and_rigid_motions_cost_no_energy() {
        for (kind, ideal) in cases() {
            let re = ReferenceElement::for_mechanics(kind, ideal);
            let x = distorted(kind);
            let nd = re.u_dofs();
            let mut k = vec![0.0; nd * nd];
            elastic_stiffness(&re, &x, &MAT, &mut k).unwrap();
            let scale = k.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for i in 0..nd {
                for j in 0..nd {
                    assert!(
                        (k[i * nd + j] - k[j * nd + i]).abs() < 1e-12 * scale,
                        "{kind} {ideal:?}"
                    );
                }
            }
            let dim = ideal.dim();
            // Rigid motions: translations (only along the axis in axisymmetry) and, off the axis, rotations.
            let mut motions: Vec<Vec<f64>> = vec![];
            for c in 0..dim {
                if ideal == Idealisation::Axisymmetric && c == 0 {
                    continue;
                }
                motions.push(
                    (0..nd)
                        .map(|i| if i % dim == c { 1.0 } else { 0.0 })
                        .collect(),
                );
            }
            if ideal != Idealisation::Axisymmetric {
                motions.push(
                    x.iter()
                        .flat_map(|p| [-p[1], p[0], 0.0][..dim].to_vec())
                        .collect(),
                );
            }
            for u in motions {
                let f: Vec<f64> = (0..nd)
                    .map(|i| (0..nd).map(|j| k[i * nd + j] * u[j]).sum())
                    .collect();
                assert!(
                    f.iter().all(|v| v.abs() < 1e-11 * scale),
                    "{kind} {ideal:?}: {f:?}"
                );
            }
        }
    }

    /// Patch test at element level: a linear displacement field gives its constant strain at every
    /// quadrature point of every kind, to round-off.
    #[test]
    fn linear_fields_give_their_constant_strain() {
        for (kind, ideal) in cases() {
            let re = ReferenceElement::for_mechanics(kind, ideal);
            let x = distorted(kind);
            let dim = ideal.dim();
            // u = G x (+ constant, not in axisymmetry, where u_r ∝ r keeps ε_θθ constant).
            let g = [
                [0.01, 0.02, -0.01],
                [0.03, -0.02, 0.005],
                [0.004, 0.01, 0.02],
            ];
            let (expected, u): ([f64; MAX_STRAIN], Vec<f64>) = match ideal {
                Idealisation::PlaneStrain => (
                    [g[0][0], g[1][1], g[0][1] + g[1][0], 0., 0., 0.],
                    x.iter()
                        .flat_map(|p| {
                            [
                                g[0][0] * p[0] + g[0][1] * p[1] + 0.3,
                                g[1][0] * p[0] + g[1][1] * p[1] - 0.1,
                            ]
                        })
                        .collect(),
                ),
                Idealisation::Axisymmetric => (
                    [g[0][0], g[1][1], g[0][0], 0.0, 0., 0.],
                    x.iter()
                        .flat_map(|p| [g[0][0] * p[0], g[1][1] * p[1] + 0.2])
                        .collect(),
                ),
                Idealisation::ThreeD => (
                    [
                        g[0][0],
                        g[1][1],
                        g[2][2],
                        g[0][1] + g[1][0],
                        g[1][2] + g[2][1],
                        g[2][0] + g[0][2],
                    ],
                    x.iter()
                        .flat_map(|p| {
                            (0..3).map(move |i| {
                                (0..3).map(|j| g[i][j] * p[j]).sum::<f64>() + 0.1 * i as f64
                            })
                        })
                        .collect(),
                ),
            };
            assert_eq!(u.len(), re.u_dofs());
            let _ = dim;
            for q in 0..re.rule.len() {
                let eps = strain_at(&re, q, &x, &u).unwrap();
                for i in 0..ideal.strain_components() {
                    assert!(
                        (eps[i] - expected[i]).abs() < 1e-13,
                        "{kind} {ideal:?} q{q}: ε{i} = {} vs {}",
                        eps[i],
                        expected[i]
                    );
                }
            }
        }
    }

    #[test]
    fn element_measures_and_inverted_elements() {
        // Σ weights = area / volume (2πr̄A in axisymmetry) for the distorted elements.
        for (kind, ideal) in cases() {
            let re = ReferenceElement::for_diffusion(kind, ideal);
            let x = distorted(kind);
            let (mut m, mut k) = (vec![0.0; 100], vec![0.0; 100]);
            diffusion_matrices(
                &re,
                &x,
                &Diffusion {
                    capacity: 1.0,
                    diffusivity: 1.0,
                },
                &mut m,
                &mut k,
            )
            .unwrap();
            let nn = kind.num_nodes();
            let total: f64 = m[..nn * nn].iter().sum();
            let measure: f64 = (0..re.rule.len())
                .map(|q| re.at(q, &x).unwrap().weight)
                .sum();
            assert!(
                (total - measure).abs() < 1e-12 * measure,
                "{kind}: mass sums to the measure"
            );
            let row_sums: Vec<f64> = (0..nn)
                .map(|i| k[i * nn..(i + 1) * nn].iter().sum())
                .collect();
            assert!(
                row_sums.iter().all(|s| s.abs() < 1e-10),
                "{kind}: constants are in the kernel of K"
            );
        }
        let mut x = distorted(ElementKind::Quad4);
        x.swap(1, 3);
        let re = ReferenceElement::for_mechanics(ElementKind::Quad4, Idealisation::PlaneStrain);
        assert!(elastic_stiffness(&re, &x, &MAT, &mut [0.0; 64]).is_err());
    }
}
