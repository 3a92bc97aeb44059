//! Element measures and shape quality, from the straight-sided (vertex) geometry.

use crate::{ElementId, ElementKind, Mesh};

type V3 = [f64; 3];

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn cross(a: V3, b: V3) -> V3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}
fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn norm(a: V3) -> f64 {
    dot(a, a).sqrt()
}

/// For each vertex, the neighbouring vertices whose edge vectors form a right-handed frame in a
/// valid (positively oriented) element: 2 per corner in 2D, 3 in 3D.
fn corner_frames(kind: ElementKind) -> &'static [&'static [usize]] {
    match kind.linear() {
        ElementKind::Tri3 => &[&[1, 2], &[2, 0], &[0, 1]],
        ElementKind::Quad4 => &[&[1, 3], &[2, 0], &[3, 1], &[0, 2]],
        ElementKind::Tet4 => &[&[1, 2, 3], &[2, 0, 3], &[0, 1, 3], &[2, 1, 0]],
        ElementKind::Hex8 => &[
            &[1, 3, 4],
            &[2, 0, 5],
            &[3, 1, 6],
            &[0, 2, 7],
            &[7, 5, 0],
            &[4, 6, 1],
            &[5, 7, 2],
            &[6, 4, 3],
        ],
        ElementKind::Wedge6 => &[
            &[1, 2, 3],
            &[2, 0, 4],
            &[0, 1, 5],
            &[5, 4, 0],
            &[3, 5, 1],
            &[4, 3, 2],
        ],
        _ => unreachable!(),
    }
}

/// Scaled Jacobian of the ideal corner, so that a regular element scores 1.
fn ideal_corner(kind: ElementKind) -> f64 {
    match kind.linear() {
        ElementKind::Tri3 | ElementKind::Wedge6 => 3f64.sqrt() / 2.0,
        ElementKind::Tet4 => 1.0 / 2f64.sqrt(),
        _ => 1.0,
    }
}

/// Scaled Jacobian at each vertex of an element with vertex coordinates `x` (the determinant of the
/// unit edge vectors at the corner, normalised so a regular element gives 1). Negative at a vertex:
/// the element is inverted there; near zero: degenerate.
pub fn corner_scaled_jacobians(kind: ElementKind, x: &[V3]) -> Vec<f64> {
    let ideal = ideal_corner(kind);
    corner_frames(kind)
        .iter()
        .enumerate()
        .map(|(c, nb)| {
            let e: Vec<V3> = nb.iter().map(|&j| sub(x[j], x[c])).collect();
            let lengths: f64 = e.iter().map(|&v| norm(v)).product();
            if lengths == 0.0 {
                return 0.0;
            }
            let det = if kind.dim() == 2 {
                e[0][0] * e[1][1] - e[0][1] * e[1][0]
            } else {
                dot(e[0], cross(e[1], e[2]))
            };
            det / lengths / ideal
        })
        .collect()
}

/// Vertex coordinates of element `e`.
pub fn vertex_coords(mesh: &Mesh, e: ElementId) -> Vec<V3> {
    let el = mesh.element(e);
    el.nodes[..el.kind.num_vertices()]
        .iter()
        .map(|&n| mesh.coords()[n])
        .collect()
}

/// Shape quality of element `e`: its smallest corner scaled Jacobian (1 ideal, ≤ 0 inverted).
pub fn element_quality(mesh: &Mesh, e: ElementId) -> f64 {
    let kind = mesh.element(e).kind;
    corner_scaled_jacobians(kind, &vertex_coords(mesh, e))
        .into_iter()
        .fold(f64::INFINITY, f64::min)
}

/// Area of a straight-sided 2D element (mm²) and the r-coordinate (x) of its centroid, by the
/// shoelace formula over its vertex polygon (exact for straight edges).
fn polygon_area_centroid(x: &[V3]) -> (f64, [f64; 2]) {
    let n = x.len();
    let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (p, q) = (x[i], x[(i + 1) % n]);
        let w = p[0] * q[1] - q[0] * p[1];
        a += w;
        cx += (p[0] + q[0]) * w;
        cy += (p[1] + q[1]) * w;
    }
    let a = 0.5 * a;
    if a == 0.0 {
        return (0.0, [x[0][0], x[0][1]]);
    }
    (a, [cx / (6.0 * a), cy / (6.0 * a)])
}

/// Volume of a 3D element (mm³) by 2×2×2 Gauss quadrature of its (tri)linear map, exact for the
/// linear geometry of every 3D kind.
fn solid_volume(kind: ElementKind, x: &[V3]) -> f64 {
    match kind.linear() {
        ElementKind::Tet4 => dot(sub(x[1], x[0]), cross(sub(x[2], x[0]), sub(x[3], x[0]))) / 6.0,
        ElementKind::Hex8 => {
            let g = 1.0 / 3f64.sqrt();
            let signs = [
                [-1., -1., -1.],
                [1., -1., -1.],
                [1., 1., -1.],
                [-1., 1., -1.],
                [-1., -1., 1.],
                [1., -1., 1.],
                [1., 1., 1.],
                [-1., 1., 1.],
            ];
            let mut v = 0.0;
            for q in signs {
                let (xi, eta, zeta) = (q[0] * g, q[1] * g, q[2] * g);
                let mut jac = [[0.0; 3]; 3];
                for (a, s) in signs.iter().enumerate() {
                    let dn = [
                        s[0] * (1.0 + s[1] * eta) * (1.0 + s[2] * zeta) / 8.0,
                        s[1] * (1.0 + s[0] * xi) * (1.0 + s[2] * zeta) / 8.0,
                        s[2] * (1.0 + s[0] * xi) * (1.0 + s[1] * eta) / 8.0,
                    ];
                    for (r, row) in jac.iter_mut().enumerate() {
                        for (c, entry) in row.iter_mut().enumerate() {
                            *entry += x[a][r] * dn[c];
                        }
                    }
                }
                let cols = |c: usize| [jac[0][c], jac[1][c], jac[2][c]];
                v += dot(cols(0), cross(cols(1), cols(2)));
            }
            v
        }
        ElementKind::Wedge6 => {
            // Triangle (ξ, η) × line ζ ∈ [−1, 1]; 3-point triangle rule (degree 2) × 2-point Gauss.
            let tri_pts = [
                [1.0 / 6.0, 1.0 / 6.0],
                [2.0 / 3.0, 1.0 / 6.0],
                [1.0 / 6.0, 2.0 / 3.0],
            ];
            let g = 1.0 / 3f64.sqrt();
            let mut v = 0.0;
            for [xi, eta] in tri_pts {
                for zeta in [-g, g] {
                    let l = [1.0 - xi - eta, xi, eta];
                    let dl = [[-1.0, -1.0], [1.0, 0.0], [0.0, 1.0]];
                    let mut jac = [[0.0; 3]; 3];
                    for (a, xa) in x.iter().enumerate().take(6) {
                        let (t, h) = (a % 3, if a < 3 { -1.0 } else { 1.0 });
                        let dn = [
                            dl[t][0] * (1.0 + h * zeta) / 2.0,
                            dl[t][1] * (1.0 + h * zeta) / 2.0,
                            l[t] * h / 2.0,
                        ];
                        for (r, row) in jac.iter_mut().enumerate() {
                            for (c, entry) in row.iter_mut().enumerate() {
                                *entry += xa[r] * dn[c];
                            }
                        }
                    }
                    let cols = |c: usize| [jac[0][c], jac[1][c], jac[2][c]];
                    v += dot(cols(0), cross(cols(1), cols(2))) / 6.0;
                }
            }
            v
        }
        _ => unreachable!("solid_volume takes 3D kinds"),
    }
}

/// Area (2D, mm²) or volume (3D, mm³) of element `e`, from its straight-sided geometry.
pub fn element_measure(mesh: &Mesh, e: ElementId) -> f64 {
    let kind = mesh.element(e).kind;
    let x = vertex_coords(mesh, e);
    if kind.dim() == 2 {
        polygon_area_centroid(&x).0
    } else {
        solid_volume(kind, &x)
    }
}

/// Volume (mm³) swept by 2D element `e` revolved about the axis x = 0 (x is the radius r):
/// 2π ∫ r dA = 2π · A · r̄ (Pappus), exact for straight edges.
pub fn axisymmetric_volume(mesh: &Mesh, e: ElementId) -> f64 {
    2.0 * std::f64::consts::PI * polygon_moments(&vertex_coords(mesh, e)).1
}

/// Volume (mm³; mm² in plane 2D) that a straight-sided facet sweeps when its vertices move in
/// straight lines from `from` to `to`: positive where it moves along the right-hand normal of its
/// vertex order, which for a facet of an element is the outward one ([`crate::element::FacetTopology`]),
/// so that it is the volume the element gains. In 2D the edge a→b sweeps the quadrilateral
/// a, a′, b′, b (revolved about the axis x = 0 if `axisymmetric`), in 3D a triangle sweeps a wedge
/// and a quadrilateral a trilinear hexahedron. These are the measures of [`element_measure`] and
/// [`axisymmetric_volume`], and the volumes swept by the facets of an element add up to the change
/// of its measure exactly: the measures are sums over the boundary (shoelace formula, divergence
/// theorem), whose terms along the paths of the vertices cancel between neighbouring facets.
pub fn swept_volume(from: &[V3], to: &[V3], axisymmetric: bool) -> f64 {
    match from.len() {
        2 => {
            let (area, r_moment) = polygon_moments(&[from[0], to[0], to[1], from[1]]);
            if axisymmetric {
                2.0 * std::f64::consts::PI * r_moment
            } else {
                area
            }
        }
        3 => solid_volume(
            ElementKind::Wedge6,
            &[from[0], from[1], from[2], to[0], to[1], to[2]],
        ),
        4 => solid_volume(
            ElementKind::Hex8,
            &[
                from[0], from[1], from[2], from[3], to[0], to[1], to[2], to[3],
            ],
        ),
        n => unreachable!("a facet has 2, 3 or 4 vertices, not {n}"),
    }
}

/// Signed area of a polygon and its first moment about the axis x = 0 (∫ x dA), by the shoelace
/// formula.
fn polygon_moments(x: &[V3]) -> (f64, f64) {
    let n = x.len();
    let (mut a, mut m) = (0.0, 0.0);
    for i in 0..n {
        let (p, q) = (x[i], x[(i + 1) % n]);
        let w = p[0] * q[1] - q[0] * p[1];
        a += w;
        m += (p[0] + q[0]) * w;
    }
    (0.5 * a, m / 6.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_elements_score_one_and_mirrored_ones_minus_one() {
        let s3 = 3f64.sqrt();
        let cases: Vec<(ElementKind, Vec<V3>)> = vec![
            (
                ElementKind::Tri3,
                vec![[0., 0., 0.], [1., 0., 0.], [0.5, s3 / 2., 0.]],
            ),
            (
                ElementKind::Quad4,
                vec![[0., 0., 0.], [1., 0., 0.], [1., 1., 0.], [0., 1., 0.]],
            ),
            (
                ElementKind::Tet4,
                vec![[1., 1., 1.], [1., -1., -1.], [-1., 1., -1.], [-1., -1., 1.]],
            ),
            (
                ElementKind::Hex8,
                vec![
                    [0., 0., 0.],
                    [1., 0., 0.],
                    [1., 1., 0.],
                    [0., 1., 0.],
                    [0., 0., 1.],
                    [1., 0., 1.],
                    [1., 1., 1.],
                    [0., 1., 1.],
                ],
            ),
            (
                ElementKind::Wedge6,
                vec![
                    [0., 0., 0.],
                    [1., 0., 0.],
                    [0.5, s3 / 2., 0.],
                    [0., 0., 1.],
                    [1., 0., 1.],
                    [0.5, s3 / 2., 1.],
                ],
            ),
        ];
        for (kind, x) in cases {
            let q = corner_scaled_jacobians(kind, &x);
            assert!(
                q.iter().all(|&v| (v.abs() - 1.0).abs() < 1e-12),
                "{kind}: {q:?}"
            );
            let sign = q[0].signum();
            // The regular tet above is negatively oriented in Gmsh's convention; all others positive.
            let expected = if kind == ElementKind::Tet4 { -1.0 } else { 1.0 };
            assert_eq!(sign, expected, "{kind}");
            let mirrored: Vec<V3> = x.iter().map(|p| [-p[0], p[1], p[2]]).collect();
            let qm = corner_scaled_jacobians(kind, &mirrored);
            assert!(
                qm.iter().all(|&v| (v + sign).abs() < 1e-12),
                "{kind} mirrored: {qm:?}"
            );
        }
    }

    #[test]
    fn volumes_of_unit_solids() {
        let hex = [
            [0., 0., 0.],
            [2., 0., 0.],
            [2., 1., 0.],
            [0., 1., 0.],
            [0., 0., 3.],
            [2., 0., 3.],
            [2., 1., 3.],
            [0., 1., 3.],
        ];
        assert!((solid_volume(ElementKind::Hex8, &hex) - 6.0).abs() < 1e-12);
        let wedge = [
            [0., 0., 0.],
            [2., 0., 0.],
            [0., 1., 0.],
            [0., 0., 3.],
            [2., 0., 3.],
            [0., 1., 3.],
        ];
        assert!((solid_volume(ElementKind::Wedge6, &wedge) - 3.0).abs() < 1e-12);
        let tet = [[0., 0., 0.], [1., 0., 0.], [0., 1., 0.], [0., 0., 1.]];
        assert!((solid_volume(ElementKind::Tet4, &tet) - 1.0 / 6.0).abs() < 1e-15);
        let (a, c) =
            polygon_area_centroid(&[[1., 0., 0.], [3., 0., 0.], [3., 1., 0.], [1., 1., 0.]]);
        assert!((a - 2.0).abs() < 1e-15 && (c[0] - 2.0).abs() < 1e-15);
    }

    /// The facets of a distorted element of every kind sweep, between two positions of its
    /// vertices, exactly the change of its measure (plane, axisymmetric and 3D), and an edge moved
    /// outward by a hand-computed strip sweeps that strip.
    #[test]
    fn swept_volumes_of_the_facets_add_up_to_the_change_of_the_measure() {
        let strip = swept_volume(
            &[[1., 0., 0.], [3., 0., 0.]],
            &[[1., -0.5, 0.], [3., -0.5, 0.]],
            false,
        );
        assert!((strip - 1.0).abs() < 1e-15, "{strip}");
        let ring = swept_volume(
            &[[1., 0., 0.], [3., 0., 0.]],
            &[[1., -0.5, 0.], [3., -0.5, 0.]],
            true,
        );
        assert!(
            (ring - 2.0 * std::f64::consts::PI * 2.0).abs() < 1e-12,
            "{ring}"
        );
        let wobble = |x: V3, k: f64| {
            [
                x[0] + 0.07 * (k * x[1]).sin() + 0.03 * x[2],
                x[1] + 0.05 * (k * x[0]).cos(),
                x[2] + 0.04 * (k * (x[0] + x[1])).sin(),
            ]
        };
        let cases: Vec<(ElementKind, Vec<V3>)> = vec![
            (
                ElementKind::Tri3,
                vec![[1.0, 0.2, 0.], [2.1, 0.4, 0.], [1.3, 1.5, 0.]],
            ),
            (
                ElementKind::Quad4,
                vec![
                    [1.0, 0.0, 0.],
                    [2.2, 0.3, 0.],
                    [2.0, 1.4, 0.],
                    [0.8, 1.1, 0.],
                ],
            ),
            (
                ElementKind::Tet4,
                vec![
                    [0., 0., 0.],
                    [1.2, 0.1, 0.],
                    [0.2, 1.1, 0.1],
                    [0.1, 0.3, 0.9],
                ],
            ),
            (
                ElementKind::Hex8,
                vec![
                    [0., 0., 0.],
                    [1.1, 0.1, 0.],
                    [1.2, 1.0, 0.1],
                    [0., 0.9, 0.],
                    [0.1, 0., 1.],
                    [1.0, 0.2, 1.1],
                    [1.1, 1.1, 1.0],
                    [0., 1.0, 0.9],
                ],
            ),
            (
                ElementKind::Wedge6,
                vec![
                    [0., 0., 0.],
                    [1.1, 0.1, 0.],
                    [0.1, 1.0, 0.],
                    [0., 0.1, 1.],
                    [1.0, 0.2, 1.1],
                    [0.2, 1.0, 0.9],
                ],
            ),
        ];
        for (kind, from) in cases {
            let to: Vec<V3> = from.iter().map(|&x| wobble(x, 2.3)).collect();
            let sum = |axisymmetric: bool| -> f64 {
                kind.facets()
                    .iter()
                    .map(|f| {
                        let pick = |x: &[V3]| f.vertices.iter().map(|&v| x[v]).collect::<Vec<_>>();
                        swept_volume(&pick(&from), &pick(&to), axisymmetric)
                    })
                    .sum()
            };
            if kind.dim() == 2 {
                let area = |x: &[V3]| polygon_area_centroid(x).0;
                let ring = |x: &[V3]| 2.0 * std::f64::consts::PI * polygon_moments(x).1;
                assert!(
                    (sum(false) - (area(&to) - area(&from))).abs() < 1e-13,
                    "{kind}"
                );
                assert!(
                    (sum(true) - (ring(&to) - ring(&from))).abs() < 1e-12,
                    "{kind}"
                );
                assert!(
                    (ring(&from)
                        - 2.0
                            * std::f64::consts::PI
                            * area(&from)
                            * polygon_area_centroid(&from).1[0])
                        .abs()
                        < 1e-12
                );
            } else {
                let change = solid_volume(kind, &to) - solid_volume(kind, &from);
                assert!(change.abs() > 1e-3, "{kind}: the test moves the element");
                assert!(
                    (sum(false) - change).abs() < 1e-13,
                    "{kind}: {} vs {change}",
                    sum(false)
                );
            }
        }
    }
}
