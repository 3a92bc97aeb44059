//! Shape functions and their reference gradients, written into caller-provided buffers.
//!
//! Reference nodes follow Gmsh's ordering (see [`callus_mesh::ElementKind`]): triangle (0,0),
//! (1,0), (0,1); quadrilateral (−1,−1), (1,−1), (1,1), (−1,1), mid-edge nodes on 01, 12, 23, 30,
//! centre; tetrahedron (0,0,0), (1,0,0), (0,1,0), (0,0,1), mid-edge nodes on 01, 12, 20, 30, 32, 31;
//! hexahedron the quad at ζ = −1 then at ζ = +1; wedge the triangle at ζ = −1 then at ζ = +1.

use callus_mesh::ElementKind;

/// Largest node count of any kind (Tet10).
pub const MAX_NODES: usize = 10;

/// Evaluates the shape functions `n[a]` and their reference gradients `dn[a] = ∂N_a/∂ξ` of `kind`
/// at reference point `xi` (unused components of `xi` and `dn` are ignored / zero).
///
/// A corner's signs (sx, sy, sz = ±1) lead their products (`sx * 0.25 * …`, not `0.25 * sx * …`):
/// the value is the same to the bit, and a quotient by a sign, which equals the product, is not
/// one of the rewrites a mutation test can make of it.
pub fn eval(kind: ElementKind, xi: [f64; 3], n: &mut [f64], dn: &mut [[f64; 3]]) {
    let nn = kind.num_nodes();
    debug_assert!(n.len() >= nn && dn.len() >= nn);
    for g in dn.iter_mut().take(nn) {
        *g = [0.0; 3];
    }
    let (x, y, z) = (xi[0], xi[1], xi[2]);
    match kind {
        ElementKind::Tri3 | ElementKind::Tri6 | ElementKind::Tet4 | ElementKind::Tet10 => {
            // Barycentric coordinates and their constant gradients.
            let (l, dl): ([f64; 4], [[f64; 3]; 4]) = (
                [1.0 - x - y - z, x, y, z],
                [
                    [-1.0, -1.0, -1.0],
                    [1.0, 0.0, 0.0],
                    [0.0, 1.0, 0.0],
                    [0.0, 0.0, 1.0],
                ],
            );
            let nv = kind.num_vertices();
            let mut dl = dl;
            if kind.dim() == 2 {
                dl[0][2] = 0.0;
            }
            if !kind.is_quadratic() {
                n[..nv].copy_from_slice(&l[..nv]);
                dn[..nv].copy_from_slice(&dl[..nv]);
            } else {
                for a in 0..nv {
                    n[a] = l[a] * (2.0 * l[a] - 1.0);
                    for d in 0..3 {
                        dn[a][d] = (4.0 * l[a] - 1.0) * dl[a][d];
                    }
                }
                for (e, &[a, b]) in kind.edges().iter().enumerate() {
                    n[nv + e] = 4.0 * l[a] * l[b];
                    for d in 0..3 {
                        dn[nv + e][d] = 4.0 * (l[b] * dl[a][d] + l[a] * dl[b][d]);
                    }
                }
            }
        }
        ElementKind::Quad4 => {
            for (a, [sx, sy]) in QUAD_CORNERS.iter().enumerate() {
                n[a] = 0.25 * (1.0 + sx * x) * (1.0 + sy * y);
                dn[a][0] = sx * 0.25 * (1.0 + sy * y);
                dn[a][1] = sy * 0.25 * (1.0 + sx * x);
            }
        }
        ElementKind::Quad9 => {
            let (lx, dlx) = lagrange3(x);
            let (ly, dly) = lagrange3(y);
            for (a, [i, j]) in QUAD9_INDEX.iter().enumerate() {
                n[a] = lx[*i] * ly[*j];
                dn[a][0] = dlx[*i] * ly[*j];
                dn[a][1] = lx[*i] * dly[*j];
            }
        }
        ElementKind::Quad8 => {
            for (a, [sx, sy]) in QUAD_CORNERS.iter().enumerate() {
                n[a] = 0.25 * (1.0 + sx * x) * (1.0 + sy * y) * (sx * x + sy * y - 1.0);
                dn[a][0] = sx * 0.25 * (1.0 + sy * y) * (sx * 2.0 * x + sy * y);
                dn[a][1] = sy * 0.25 * (1.0 + sx * x) * (sx * x + sy * 2.0 * y);
            }
            // Mid-edge nodes 4..8 at (0,−1), (1,0), (0,1), (−1,0).
            for (k, [sx, sy]) in [[0.0, -1.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0f64]]
                .iter()
                .enumerate()
            {
                let a = 4 + k;
                if *sx == 0.0 {
                    n[a] = 0.5 * (1.0 - x * x) * (1.0 + sy * y);
                    dn[a][0] = -x * (1.0 + sy * y);
                    dn[a][1] = sy * 0.5 * (1.0 - x * x);
                } else {
                    n[a] = 0.5 * (1.0 + sx * x) * (1.0 - y * y);
                    dn[a][0] = sx * 0.5 * (1.0 - y * y);
                    dn[a][1] = -(1.0 + sx * x) * y;
                }
            }
        }
        ElementKind::Hex8 => {
            for (a, [sx, sy]) in QUAD_CORNERS.iter().enumerate() {
                for (layer, sz) in [-1.0, 1.0].iter().enumerate() {
                    let b = a + 4 * layer;
                    n[b] = 0.125 * (1.0 + sx * x) * (1.0 + sy * y) * (1.0 + sz * z);
                    dn[b] = [
                        sx * 0.125 * (1.0 + sy * y) * (1.0 + sz * z),
                        sy * 0.125 * (1.0 + sx * x) * (1.0 + sz * z),
                        sz * 0.125 * (1.0 + sx * x) * (1.0 + sy * y),
                    ];
                }
            }
        }
        ElementKind::Wedge6 => {
            let l = [1.0 - x - y, x, y];
            let dl = [[-1.0, -1.0], [1.0, 0.0], [0.0, 1.0]];
            for a in 0..3 {
                for (layer, sz) in [-1.0, 1.0].iter().enumerate() {
                    let b = a + 3 * layer;
                    let h = 0.5 * (1.0 + sz * z);
                    n[b] = l[a] * h;
                    dn[b] = [dl[a][0] * h, dl[a][1] * h, sz * 0.5 * l[a]];
                }
            }
        }
    }
}

const QUAD_CORNERS: [[f64; 2]; 4] = [[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]];
/// Quad9 node → (i, j) indices into the 1D quadratic Lagrange basis at −1 (0), 0 (1), +1 (2).
const QUAD9_INDEX: [[usize; 2]; 9] = [
    [0, 0],
    [2, 0],
    [2, 2],
    [0, 2],
    [1, 0],
    [2, 1],
    [1, 2],
    [0, 1],
    [1, 1],
];

/// 1D quadratic Lagrange basis on nodes −1, 0, 1 and its derivatives.
fn lagrange3(t: f64) -> ([f64; 3], [f64; 3]) {
    (
        [0.5 * t * (t - 1.0), 1.0 - t * t, 0.5 * t * (t + 1.0)],
        [t - 0.5, -2.0 * t, t + 0.5],
    )
}

/// Reference coordinates of the nodes of `kind`.
pub fn reference_nodes(kind: ElementKind) -> Vec<[f64; 3]> {
    let vertices: Vec<[f64; 3]> = match kind.linear() {
        ElementKind::Tri3 => vec![[0., 0., 0.], [1., 0., 0.], [0., 1., 0.]],
        ElementKind::Quad4 => QUAD_CORNERS.iter().map(|c| [c[0], c[1], 0.0]).collect(),
        ElementKind::Tet4 => vec![[0., 0., 0.], [1., 0., 0.], [0., 1., 0.], [0., 0., 1.]],
        ElementKind::Hex8 => [-1.0, 1.0]
            .iter()
            .flat_map(|&z| QUAD_CORNERS.iter().map(move |c| [c[0], c[1], z]))
            .collect(),
        ElementKind::Wedge6 => [-1.0, 1.0]
            .iter()
            .flat_map(|&z| [[0., 0., z], [1., 0., z], [0., 1., z]])
            .collect(),
        _ => unreachable!(),
    };
    let mut nodes = vertices.clone();
    if kind.is_quadratic() {
        for &[a, b] in kind.edges() {
            nodes.push([0, 1, 2].map(|d| 0.5 * (vertices[a][d] + vertices[b][d])));
        }
        if kind == ElementKind::Quad9 {
            nodes.push([0.0; 3]);
        }
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kronecker_delta_partition_of_unity_and_gradients_by_finite_differences() {
        for kind in ElementKind::ALL {
            let nn = kind.num_nodes();
            let (mut n, mut dn) = ([0.0; MAX_NODES], [[0.0; 3]; MAX_NODES]);
            for (b, xb) in reference_nodes(kind).iter().enumerate() {
                eval(kind, *xb, &mut n, &mut dn);
                for a in 0..nn {
                    let expected = if a == b { 1.0 } else { 0.0 };
                    assert!(
                        (n[a] - expected).abs() < 1e-14,
                        "{kind}: N{a} at node {b} = {}",
                        n[a]
                    );
                }
            }
            let p = [0.21, 0.17, if kind.dim() == 3 { 0.13 } else { 0.0 }];
            eval(kind, p, &mut n, &mut dn);
            assert!((n[..nn].iter().sum::<f64>() - 1.0).abs() < 1e-14, "{kind}");
            for d in 0..kind.dim() {
                assert!(
                    dn[..nn].iter().map(|g| g[d]).sum::<f64>().abs() < 1e-13,
                    "{kind}"
                );
                let h = 1e-6;
                let (mut np, mut nm) = ([0.0; MAX_NODES], [0.0; MAX_NODES]);
                let mut scratch = [[0.0; 3]; MAX_NODES];
                let (mut pp, mut pm) = (p, p);
                pp[d] += h;
                pm[d] -= h;
                eval(kind, pp, &mut np, &mut scratch);
                eval(kind, pm, &mut nm, &mut scratch);
                for a in 0..nn {
                    let fd = (np[a] - nm[a]) / (2.0 * h);
                    assert!(
                        (fd - dn[a][d]).abs() < 1e-8,
                        "{kind}: dN{a}/dξ{d}: {fd} vs {}",
                        dn[a][d]
                    );
                }
            }
        }
    }
}

/// Smallest scaled Jacobian of the isoparametric map of an element of `kind` with nodes at `x` (all
/// its nodes, so curved sides count), over its reference nodes: det J divided by the product of the
/// lengths of J's columns. 1 at the corner of a square or a cube, 0 for a flat corner, negative
/// where the element has turned over. A quadratic element can turn over inside while its vertices
/// still make a valid straight-sided element; this sees it.
pub fn min_scaled_jacobian(kind: ElementKind, x: &[[f64; 3]]) -> f64 {
    let nn = kind.num_nodes();
    let dim = kind.dim();
    let (mut n, mut dn) = ([0.0; MAX_NODES], [[0.0; 3]; MAX_NODES]);
    let mut worst = f64::INFINITY;
    for xi in reference_nodes(kind) {
        eval(kind, xi, &mut n, &mut dn);
        // j[i][k] = ∂x_i/∂ξ_k.
        let mut j = [[0.0; 3]; 3];
        for a in 0..nn {
            for i in 0..dim {
                for k in 0..dim {
                    j[i][k] += x[a][i] * dn[a][k];
                }
            }
        }
        let column = |k: usize| (0..dim).map(|i| j[i][k] * j[i][k]).sum::<f64>().sqrt();
        let det = if dim == 2 {
            j[0][0] * j[1][1] - j[0][1] * j[1][0]
        } else {
            j[0][0] * (j[1][1] * j[2][2] - j[1][2] * j[2][1])
                - j[0][1] * (j[1][0] * j[2][2] - j[1][2] * j[2][0])
                + j[0][2] * (j[1][0] * j[2][1] - j[1][1] * j[2][0])
        };
        let scale: f64 = (0..dim).map(column).product();
        worst = worst.min(if scale > 0.0 { det / scale } else { 0.0 });
    }
    worst
}

/// How far the reference point `xi` lies outside the reference element of `kind` (0 inside or on
/// it; otherwise the largest violated bound, in reference units).
pub fn outside_reference(kind: ElementKind, xi: [f64; 3]) -> f64 {
    let dim = kind.dim();
    let box_excess = |c: usize| (xi[c].abs() - 1.0).max(0.0);
    let simplex_excess = |k: usize| {
        let sum: f64 = xi[..k].iter().sum();
        xi[..k]
            .iter()
            .map(|&v| -v)
            .fold(sum - 1.0, f64::max)
            .max(0.0)
    };
    match kind.linear() {
        ElementKind::Tri3 | ElementKind::Tet4 => simplex_excess(dim),
        ElementKind::Quad4 | ElementKind::Hex8 => (0..dim).map(box_excess).fold(0.0, f64::max),
        ElementKind::Wedge6 => simplex_excess(2).max(box_excess(2)),
        _ => unreachable!("linear() returns a linear kind"),
    }
}

/// The reference point of the element of `kind` with nodes at `x` that its isoparametric map takes
/// to `p` (Newton's method from the centre of the reference element), with how far it lies outside
/// the reference element ([`outside_reference`]). `None` where the map is singular on the way or
/// Newton does not converge to 1e-12 of the element's size in 30 iterations.
pub fn locate(kind: ElementKind, x: &[[f64; 3]], p: [f64; 3]) -> Option<([f64; 3], f64)> {
    let (nn, dim) = (kind.num_nodes(), kind.dim());
    let mut xi = match kind.linear() {
        ElementKind::Tri3 | ElementKind::Wedge6 => [1.0 / 3.0, 1.0 / 3.0, 0.0],
        ElementKind::Tet4 => [0.25; 3],
        _ => [0.0; 3],
    };
    let size = x[..nn]
        .iter()
        .flat_map(|a| {
            x[..nn]
                .iter()
                .map(move |b| (0..dim).map(|c| (a[c] - b[c]).abs()).fold(0.0, f64::max))
        })
        .fold(0.0, f64::max);
    let (mut n, mut dn) = ([0.0; MAX_NODES], [[0.0; 3]; MAX_NODES]);
    for _ in 0..30 {
        eval(kind, xi, &mut n, &mut dn);
        let (mut r, mut j) = ([0.0; 3], [[0.0; 3]; 3]);
        r[..dim].copy_from_slice(&p[..dim]);
        for a in 0..nn {
            for i in 0..dim {
                r[i] -= n[a] * x[a][i];
                for k in 0..dim {
                    j[i][k] += x[a][i] * dn[a][k];
                }
            }
        }
        if (0..dim).all(|c| r[c].abs() <= 1e-12 * size) {
            return Some((xi, outside_reference(kind, xi)));
        }
        let step = solve_small(&j, &r, dim)?;
        for c in 0..dim {
            xi[c] += step[c];
        }
        if xi.iter().any(|v| !v.is_finite() || v.abs() > 1e3) {
            return None;
        }
    }
    None
}

/// Solves the `dim` × `dim` system `j` δ = `r` (Cramer's rule); `None` if it is singular.
fn solve_small(j: &[[f64; 3]; 3], r: &[f64; 3], dim: usize) -> Option<[f64; 3]> {
    if dim == 2 {
        let det = j[0][0] * j[1][1] - j[0][1] * j[1][0];
        if det.abs() < f64::MIN_POSITIVE {
            return None;
        }
        return Some([
            (r[0] * j[1][1] - j[0][1] * r[1]) / det,
            (j[0][0] * r[1] - j[1][0] * r[0]) / det,
            0.0,
        ]);
    }
    let det3 = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let det = det3(j);
    if det.abs() < f64::MIN_POSITIVE {
        return None;
    }
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let mut m = *j;
        for i in 0..3 {
            m[i][c] = r[i];
        }
        *o = det3(&m) / det;
    }
    Some(out)
}

/// Elements for the tests of this module and of [`crate::bc`]: a general affine map, a curved
/// map, and the isoparametric map of an element.
#[cfg(test)]
pub(crate) mod test_elements {
    use super::*;

    /// Rows of a general matrix (no zero entry or minor, no symmetry): det 6.6475 in 3D, 3.2 for
    /// its upper-left 2 × 2 block.
    pub(crate) const GENERAL: [[f64; 3]; 3] =
        [[2.0, 0.4, 0.3], [-0.5, 1.5, 0.7], [0.25, -0.6, 1.8]];

    /// The point Σ_a N_a(ξ) x_a of the element of `kind` with nodes `x` at reference point `xi`.
    pub(crate) fn map_point(kind: ElementKind, x: &[[f64; 3]], xi: [f64; 3]) -> [f64; 3] {
        let (mut n, mut dn) = ([0.0; MAX_NODES], [[0.0; 3]; MAX_NODES]);
        eval(kind, xi, &mut n, &mut dn);
        let mut p = [0.0; 3];
        for (a, xa) in x.iter().enumerate().take(kind.num_nodes()) {
            for c in 0..3 {
                p[c] += n[a] * xa[c];
            }
        }
        p
    }

    /// The nodes of `kind` mapped by x = A ξ + b, with A of rows `a` (2D kinds use its upper-left
    /// 2 × 2 block and keep z = 0).
    pub(crate) fn affine_nodes(kind: ElementKind, a: [[f64; 3]; 3], b: [f64; 3]) -> Vec<[f64; 3]> {
        let dim = kind.dim();
        reference_nodes(kind)
            .iter()
            .map(|q| {
                let mut x = [0.0; 3];
                for i in 0..dim {
                    x[i] = b[i] + (0..dim).map(|k| a[i][k] * q[k]).sum::<f64>();
                }
                x
            })
            .collect()
    }

    /// The nodes of `kind` on a curved map of its reference element: x = 2ξ + 0.1η² + 0.05ζ,
    /// y = 1.5η + 0.1ξ², z = ζ + 0.1ξη (z = 0 in 2D).
    pub(crate) fn curved_nodes(kind: ElementKind) -> Vec<[f64; 3]> {
        let three = kind.dim() == 3;
        reference_nodes(kind)
            .iter()
            .map(|q| {
                let z = if three { q[2] } else { 0.0 };
                [
                    2.0 * q[0] + 0.1 * q[1] * q[1] + 0.05 * z,
                    1.5 * q[1] + 0.1 * q[0] * q[0],
                    if three { z + 0.1 * q[0] * q[1] } else { 0.0 },
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod locate_tests {
    use super::test_elements::{curved_nodes, map_point};
    use super::*;

    /// Goal: the inverse of the isoparametric map of a curved element of every kind gives back the
    /// reference point a point was mapped from, inside (distance 0) and outside (the excess).
    #[test]
    fn locate_inverts_the_map_of_curved_elements() {
        for kind in ElementKind::ALL {
            let x = curved_nodes(kind);
            let map = |xi: [f64; 3]| map_point(kind, &x, xi);
            let z = if kind.dim() == 3 { 0.1 } else { 0.0 };
            for (xi, expected_outside) in [([0.2, 0.1, z], 0.0), ([0.2, 1.1, z], 0.3)] {
                let (found, outside) = locate(kind, &x, map(xi)).expect("converges");
                for c in 0..kind.dim() {
                    assert!(
                        (found[c] - xi[c]).abs() < 1e-10,
                        "{kind}: {found:?} vs {xi:?}"
                    );
                }
                let simplex = matches!(
                    kind.linear(),
                    ElementKind::Tri3 | ElementKind::Tet4 | ElementKind::Wedge6
                );
                let expected = match (expected_outside > 0.0, simplex) {
                    (false, _) => 0.0,
                    (true, true) => {
                        0.2 + 1.1
                            + if kind.linear() == ElementKind::Tet4 {
                                z
                            } else {
                                0.0
                            }
                            - 1.0
                    }
                    (true, false) => 0.1,
                };
                assert!(
                    (outside - expected).abs() < 1e-10,
                    "{kind}: {outside} vs {expected}"
                );
            }
        }
    }
}

#[cfg(test)]
mod scaled_jacobian_tests {
    use super::*;

    /// Goal: 1 for a straight Quad9 square, lower for a parallelogram (sin of its angle), and
    /// negative once a mid-edge node is pushed across the opposite side, although the vertices still
    /// make a valid square.
    #[test]
    fn straight_sheared_and_curved_quad9() {
        let square: Vec<[f64; 3]> = reference_nodes(ElementKind::Quad9)
            .iter()
            .map(|p| [p[0], p[1], 0.0])
            .collect();
        let q = min_scaled_jacobian(ElementKind::Quad9, &square);
        assert!((q - 1.0).abs() < 1e-12, "{q}");
        let sheared: Vec<[f64; 3]> = square.iter().map(|p| [p[0] + p[1], p[1], 0.0]).collect();
        let q = min_scaled_jacobian(ElementKind::Quad9, &sheared);
        assert!((q - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12, "{q}");
        let mut bent = square.clone();
        bent[4][1] = 1.5; // mid-node of the bottom edge, pushed above the top edge
        let q = min_scaled_jacobian(ElementKind::Quad9, &bent);
        assert!(q < 0.0, "{q}");
    }

    /// Goal: a Tet10 with straight edges has the same value at every node as its Tet4 corner
    /// measure, positive; mirrored, it is negative.
    #[test]
    fn straight_and_mirrored_tet10() {
        let tet: Vec<[f64; 3]> = reference_nodes(ElementKind::Tet10);
        let q = min_scaled_jacobian(ElementKind::Tet10, &tet);
        assert!(q > 0.5 && q <= 1.0, "{q}");
        let mirrored: Vec<[f64; 3]> = tet.iter().map(|p| [-p[0], p[1], p[2]]).collect();
        assert!(min_scaled_jacobian(ElementKind::Tet10, &mirrored) < 0.0);
    }
}

#[cfg(test)]
mod affine_tests {
    use super::test_elements::{affine_nodes, map_point, GENERAL as A};
    use super::*;

    /// det A / Π_k |A e_k| over the first `dim` rows and columns, by hand: columns (2, −0.5,
    /// 0.25), (0.4, 1.5, −0.6), (0.3, 0.7, 1.8) with squared lengths 4.3125, 2.77, 3.82 (2D: 4.25
    /// and 2.41).
    fn scaled(dim: usize) -> f64 {
        if dim == 2 {
            3.2 / (4.25f64 * 2.41).sqrt()
        } else {
            6.6475 / (4.3125f64 * 2.77 * 3.82).sqrt()
        }
    }

    /// Goal: under an affine map x = A ξ + b every kind's Jacobian is A at every node, so its
    /// scaled Jacobian is det A / Π_k |A e_k| exactly; the mirrored map (first row negated) gives
    /// its negative; an element collapsed to a point has none (0).
    #[test]
    fn scaled_jacobian_of_an_affine_map_of_every_kind() {
        let b = [3.0, -1.0, 0.5];
        let mut mirror = A;
        mirror[0] = A[0].map(|v| -v);
        for kind in ElementKind::ALL {
            let expected = scaled(kind.dim());
            let q = min_scaled_jacobian(kind, &affine_nodes(kind, A, b));
            assert!((q - expected).abs() < 1e-12, "{kind}: {q} vs {expected}");
            let q = min_scaled_jacobian(kind, &affine_nodes(kind, mirror, b));
            assert!(
                (q + expected).abs() < 1e-12,
                "{kind} mirrored: {q} vs {}",
                -expected
            );
            let point = vec![b; kind.num_nodes()];
            assert_eq!(min_scaled_jacobian(kind, &point), 0.0, "{kind} collapsed");
        }
    }

    /// Goal: the distance outside the reference element is the largest violated bound: ξ_k ≥ 0 and
    /// Σ ξ_k ≤ 1 on simplices, |ξ_k| ≤ 1 on boxes, both (the triangle and |ζ| ≤ 1) on wedges.
    #[test]
    fn outside_the_reference_element_is_the_largest_violated_bound() {
        use ElementKind::*;
        let cases: [(ElementKind, [f64; 3], f64); 16] = [
            (Tri3, [0.2, 0.3, 9.0], 0.0),
            (Tri3, [-0.25, 0.5, 0.0], 0.25),
            (Tri3, [0.7, 0.6, 0.0], 0.3),
            (Tri6, [0.1, -0.4, 0.0], 0.4),
            (Tet4, [0.2, 0.2, 0.2], 0.0),
            (Tet4, [0.5, 0.4, 0.3], 0.2),
            (Tet10, [0.1, 0.1, -0.6], 0.6),
            (Quad4, [0.9, -1.0, 9.0], 0.0),
            (Quad9, [1.25, -1.5, 0.0], 0.5),
            (Quad8, [-1.1, 0.0, 0.0], 0.1),
            (Hex8, [0.0, 0.5, -1.75], 0.75),
            (Hex8, [1.2, 0.5, 0.0], 0.2),
            (Wedge6, [0.3, 0.3, 0.9], 0.0),
            (Wedge6, [0.3, 0.3, 1.4], 0.4),
            (Wedge6, [0.8, 0.5, 1.1], 0.3),
            (Wedge6, [-0.2, 0.5, -1.0], 0.2),
        ];
        for (kind, xi, expected) in cases {
            let d = outside_reference(kind, xi);
            assert!(
                (d - expected).abs() < 1e-14,
                "{kind} at {xi:?}: {d} vs {expected}"
            );
        }
    }

    /// Goal: `locate` inverts an affine map from any start in one Newton step, also for a point
    /// outside (with its distance), refuses a point so far out that the element cannot hold it
    /// (|ξ| > 1e3) and an element with a singular map (all nodes on a line or a plane).
    #[test]
    fn locate_on_affine_and_degenerate_elements() {
        let b = [3.0, -1.0, 0.5];
        for kind in ElementKind::ALL {
            let dim = kind.dim();
            let x = affine_nodes(kind, A, b);
            let map = |xi: [f64; 3]| map_point(kind, &x, xi);
            let xi = [0.1, 0.2, if dim == 3 { 0.3 } else { 0.0 }];
            let (found, outside) = locate(kind, &x, map(xi)).expect("inside");
            assert!(
                (0..dim).all(|c| (found[c] - xi[c]).abs() < 1e-12),
                "{kind}: {found:?}"
            );
            assert_eq!(outside, 0.0, "{kind}");
            let far = [4.0, 0.2, 0.0];
            let (found, outside) = locate(kind, &x, map(far)).expect("outside");
            assert!((found[0] - 4.0).abs() < 1e-10, "{kind}: {found:?}");
            assert!(
                (outside - outside_reference(kind, far)).abs() < 1e-10 && outside > 2.0,
                "{kind}: {outside}"
            );
            assert!(
                locate(kind, &x, map([2e3, 0.0, 0.0])).is_none(),
                "{kind}: too far"
            );
            let flat: Vec<[f64; 3]> = x.iter().map(|p| [p[0], p[0], p[0]]).collect();
            assert!(
                locate(kind, &flat, map([0.5, 0.5, 0.5])).is_none(),
                "{kind}: flat"
            );
        }
    }
}

#[cfg(test)]
mod newton_tests {
    use super::test_elements::{curved_nodes, map_point as map};
    use super::*;

    /// Goal: Newton starts from the centre of the reference element, so it finds points of a
    /// quarter-point element, whose map is singular at its vertex 0 (the mid-edge nodes next to it
    /// a quarter of the way along their edges, as at a crack tip), where a start at ξ = 0 fails.
    ///
    /// Elements: the reference Tri6 and Tet10 with their mid-edge nodes of the edges at vertex 0
    /// moved to a quarter; points from ξ = (0.3, 0.2[, 0.1]) and (0.1, 0.1[, 0.1]).
    #[test]
    fn newton_finds_points_of_quarter_point_elements() {
        for kind in [ElementKind::Tri6, ElementKind::Tet10] {
            let nv = kind.num_vertices();
            let mut x = reference_nodes(kind);
            for (e, &[a, b]) in kind.edges().iter().enumerate() {
                if a == 0 || b == 0 {
                    let far = if a == 0 { b } else { a };
                    x[nv + e] = x[far].map(|v| 0.25 * v);
                }
            }
            assert_eq!(
                min_scaled_jacobian(kind, &x),
                0.0,
                "{kind}: singular at vertex 0"
            );
            let z = if kind.dim() == 3 { 0.1 } else { 0.0 };
            for xi in [[0.3, 0.2, z], [0.1, 0.1, z]] {
                let (found, outside) = locate(kind, &x, map(kind, &x, xi)).expect("found");
                assert!(
                    (0..kind.dim()).all(|c| (found[c] - xi[c]).abs() < 1e-10),
                    "{kind}: {found:?}"
                );
                assert_eq!(outside, 0.0);
            }
        }
    }

    /// Goal: Newton stops within 1e-12 of the element's size (its largest extent along an axis) of
    /// the point, whatever the element's size and position: the map of the ξ found misses the
    /// point by no more, on curved elements 100 mm from the origin and on one 1000 mm across.
    ///
    /// Elements: each kind's curved element (`test_elements::curved_nodes`) moved by (100, −100,
    /// 100) mm, and scaled by 500; 27 points of (−0.05..0.9)³.
    #[test]
    fn newton_stops_within_its_tolerance_at_any_size_and_place() {
        for kind in ElementKind::ALL {
            let dim = kind.dim();
            let curved = curved_nodes(kind);
            let moved: Vec<[f64; 3]> = curved
                .iter()
                .map(|p| {
                    [
                        p[0] + 100.0,
                        p[1] - 100.0,
                        if dim == 3 { p[2] + 100.0 } else { 0.0 },
                    ]
                })
                .collect();
            let large: Vec<[f64; 3]> = curved.iter().map(|p| p.map(|v| 500.0 * v)).collect();
            for x in [moved, large] {
                let size = x
                    .iter()
                    .flat_map(|a| {
                        x.iter()
                            .map(move |b| (0..dim).map(|c| (a[c] - b[c]).abs()).fold(0.0, f64::max))
                    })
                    .fold(0.0, f64::max);
                let steps = [-0.05, 0.3, 0.9];
                for (i, j, k) in (0..27).map(|m| (m % 3, (m / 3) % 3, m / 9)) {
                    let xi = [
                        steps[i] * 0.5,
                        steps[j] * 0.4,
                        if dim == 3 { steps[k] * 0.3 } else { 0.0 },
                    ];
                    let p = map(kind, &x, xi);
                    let (found, _) = locate(kind, &x, p).expect("converges");
                    let q = map(kind, &x, found);
                    let miss = (0..dim).map(|c| (q[c] - p[c]).abs()).fold(0.0, f64::max);
                    assert!(
                        miss <= 1e-12 * size,
                        "{kind}, size {size}: misses by {miss}"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod cramer_tests {
    use super::*;

    /// Goal: Cramer's rule solves a general 2 × 2 and 3 × 3 system (no zero entry) to rounding,
    /// and refuses a singular one (a zero row) and one whose determinant is below the smallest
    /// normal double (a quotient by it would overflow).
    ///
    /// Systems: J = `test_elements::GENERAL` (2D: its upper-left block), δ = (0.3, −0.7, 0.2),
    /// r = J δ; then J scaled by 1e-104 (3D) or 1e-155 (2D), whose determinant is about 1e-310.
    #[test]
    fn solve_small_by_cramer() {
        let j = test_elements::GENERAL;
        let delta = [0.3, -0.7, 0.2];
        for dim in [2, 3] {
            let mut r = [0.0; 3];
            for i in 0..dim {
                r[i] = (0..dim).map(|k| j[i][k] * delta[k]).sum();
            }
            let found = solve_small(&j, &r, dim).expect("regular");
            for c in 0..dim {
                assert!((found[c] - delta[c]).abs() < 1e-15, "{dim}D: {found:?}");
            }
            let mut singular = j;
            singular[1] = [0.0; 3];
            assert!(solve_small(&singular, &r, dim).is_none(), "{dim}D singular");
            let scale = if dim == 2 { 1e-155 } else { 1e-104 };
            let tiny = j.map(|row| row.map(|v| v * scale));
            assert!(
                solve_small(&tiny, &r, dim).is_none(),
                "{dim}D subnormal determinant"
            );
        }
    }
}
