//! Quadrature rules on the reference elements.
//!
//! Reference domains (matching [`crate::shape`]): line and quad and hex on [−1, 1]ⁿ; triangle
//! {ξ, η ≥ 0, ξ + η ≤ 1}; tetrahedron {ξ, η, ζ ≥ 0, ξ + η + ζ ≤ 1}; wedge = triangle × [−1, 1].
//! Weights sum to the reference measure (2ⁿ, 1/2, 1/6, 1).

/// Points (reference coordinates, unused ones 0) and weights.
#[derive(Clone, Debug, PartialEq)]
pub struct QuadratureRule {
    /// Reference coordinates of each point.
    pub points: Vec<[f64; 3]>,
    /// Weight of each point.
    pub weights: Vec<f64>,
}

impl QuadratureRule {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether the rule has no point.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

/// Gauss–Legendre points and weights on [−1, 1], exact to degree 2n − 1 (n = 1..=4).
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    match n {
        1 => (vec![0.0], vec![2.0]),
        2 => {
            let a = 1.0 / 3f64.sqrt();
            (vec![-a, a], vec![1.0, 1.0])
        }
        3 => {
            let a = (0.6f64).sqrt();
            (vec![-a, 0.0, a], vec![5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0])
        }
        4 => {
            let s = (6.0f64 / 5.0).sqrt() * 2.0 / 7.0;
            let (a, b) = ((3.0 / 7.0 - s).sqrt(), (3.0 / 7.0 + s).sqrt());
            let (wa, wb) = ((18.0 + 30f64.sqrt()) / 36.0, (18.0 - 30f64.sqrt()) / 36.0);
            (vec![-b, -a, a, b], vec![wb, wa, wa, wb])
        }
        _ => panic!("Gauss–Legendre rules are tabulated for 1 to 4 points, not {n}"),
    }
}

/// n × n Gauss rule on the quadrilateral, exact to degree 2n − 1 in each variable.
pub fn quad_gauss(n: usize) -> QuadratureRule {
    let (x, w) = gauss_legendre(n);
    let mut r = QuadratureRule {
        points: vec![],
        weights: vec![],
    };
    for j in 0..n {
        for i in 0..n {
            r.points.push([x[i], x[j], 0.0]);
            r.weights.push(w[i] * w[j]);
        }
    }
    r
}

/// n × n × n Gauss rule on the hexahedron.
pub fn hex_gauss(n: usize) -> QuadratureRule {
    let (x, w) = gauss_legendre(n);
    let mut r = QuadratureRule {
        points: vec![],
        weights: vec![],
    };
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                r.points.push([x[i], x[j], x[k]]);
                r.weights.push(w[i] * w[j] * w[k]);
            }
        }
    }
    r
}

/// Symmetric triangle rules (Dunavant, Int. J. Numer. Meth. Eng. 21, 1985): degree 1 (1 point),
/// 2 (3 points), 4 (6 points) or 5 (7 points); a request is rounded up to the next of these.
pub fn triangle(degree: usize) -> QuadratureRule {
    // (barycentric orbit generator, weight relative to the triangle's area)
    let orbits: Vec<(Orbit, f64)> = match degree {
        0 | 1 => vec![(Orbit::Centroid, 1.0)],
        2 => vec![(Orbit::Two(1.0 / 6.0), 1.0 / 3.0)],
        3 | 4 => vec![
            (Orbit::Two(0.445_948_490_915_965), 0.223_381_589_678_011),
            (Orbit::Two(0.091_576_213_509_771), 0.109_951_743_655_322),
        ],
        5 => vec![
            (Orbit::Centroid, 0.225),
            (Orbit::Two(0.470_142_064_105_115), 0.132_394_152_788_506),
            (Orbit::Two(0.101_286_507_323_456), 0.125_939_180_544_827),
        ],
        _ => panic!("triangle rules are tabulated to degree 5, not {degree}"),
    };
    let mut r = QuadratureRule {
        points: vec![],
        weights: vec![],
    };
    for (orbit, w) in orbits {
        for [l1, l2, _] in orbit.points() {
            r.points.push([l1, l2, 0.0]);
            r.weights.push(0.5 * w);
        }
    }
    r
}

enum Orbit {
    Centroid,
    /// Points (a, a, 1 − 2a) and permutations.
    Two(f64),
}

impl Orbit {
    fn points(&self) -> Vec<[f64; 3]> {
        match *self {
            Orbit::Centroid => vec![[1.0 / 3.0; 3]],
            Orbit::Two(a) => {
                let b = 1.0 - 2.0 * a;
                vec![[a, a, b], [a, b, a], [b, a, a]]
            }
        }
    }
}

/// Tetrahedron rules: degree 1 (centroid), degree 2 (4 points, Keast), or for degrees 3 to 5 a
/// conical product of Gauss–Legendre rules (Stroud 1971) with n = ⌈(degree + 3)/2⌉ points per
/// direction, exact to degree 2n − 3 (n³ points, all weights positive).
pub fn tetrahedron(degree: usize) -> QuadratureRule {
    match degree {
        0 | 1 => QuadratureRule {
            points: vec![[0.25; 3]],
            weights: vec![1.0 / 6.0],
        },
        2 => {
            let (a, b) = (0.585_410_196_624_968_5, 0.138_196_601_125_010_5);
            QuadratureRule {
                points: vec![[b, b, b], [a, b, b], [b, a, b], [b, b, a]],
                weights: vec![1.0 / 24.0; 4],
            }
        }
        3..=5 => conical_tetrahedron((degree + 3).div_ceil(2)),
        _ => panic!("tetrahedron rules are tabulated to degree 5, not {degree}"),
    }
}

/// Collapsed (Duffy) product of n-point Gauss rules mapped onto the tetrahedron:
/// x = u, y = (1 − u) v, z = (1 − u)(1 − v) w, Jacobian (1 − u)²(1 − v).
fn conical_tetrahedron(n: usize) -> QuadratureRule {
    let (x, w) = gauss_legendre(n);
    let map = |t: f64| 0.5 * (t + 1.0);
    let mut r = QuadratureRule {
        points: vec![],
        weights: vec![],
    };
    for i in 0..x.len() {
        for j in 0..x.len() {
            for k in 0..x.len() {
                let (u, v, s) = (map(x[i]), map(x[j]), map(x[k]));
                let (px, py, pz) = (u, (1.0 - u) * v, (1.0 - u) * (1.0 - v) * s);
                r.points.push([px, py, pz]);
                r.weights
                    .push(w[i] * w[j] * w[k] / 8.0 * (1.0 - u).powi(2) * (1.0 - v));
            }
        }
    }
    r
}

/// Wedge rule: a triangle rule of `tri_degree` times an n-point Gauss rule in ζ.
pub fn wedge(tri_degree: usize, n: usize) -> QuadratureRule {
    let t = triangle(tri_degree);
    let (x, w) = gauss_legendre(n);
    let mut r = QuadratureRule {
        points: vec![],
        weights: vec![],
    };
    for (p, wt) in t.points.iter().zip(&t.weights) {
        for (z, wz) in x.iter().zip(&w) {
            r.points.push([p[0], p[1], *z]);
            r.weights.push(wt * wz);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: a rule knows its size: Gauss 2 × 2 has 4 points, a rule without points is empty.
    #[test]
    fn a_rule_counts_its_points() {
        let rule = quad_gauss(2);
        assert_eq!((rule.len(), rule.is_empty()), (4, false));
        let none = QuadratureRule {
            points: vec![],
            weights: vec![],
        };
        assert_eq!((none.len(), none.is_empty()), (0, true));
    }

    fn factorial(n: u32) -> f64 {
        (1..=n).map(f64::from).product()
    }

    /// What `rule` gives for ∫ ξ^a η^b ζ^c (2D rules have ζ = 0, and ζ⁰ = 1).
    fn monomial(rule: &QuadratureRule, [a, b, c]: [u32; 3]) -> f64 {
        rule.points
            .iter()
            .zip(&rule.weights)
            .map(|(p, w)| w * p[0].powi(a as i32) * p[1].powi(b as i32) * p[2].powi(c as i32))
            .sum()
    }

    /// ∫ x^k over [−1, 1]: 2/(k + 1) for even k, 0 for odd.
    fn line_monomial(k: u32) -> f64 {
        if k.is_multiple_of(2) {
            2.0 / (f64::from(k) + 1.0)
        } else {
            0.0
        }
    }

    /// ∫ ξ^a η^b over the reference triangle = a! b! / (a + b + 2)!.
    #[test]
    fn triangle_rules_integrate_monomials_to_their_degree() {
        for degree in [1, 2, 4, 5] {
            let r = triangle(degree);
            for a in 0..=degree as u32 {
                for b in 0..=(degree as u32 - a) {
                    let exact = factorial(a) * factorial(b) / factorial(a + b + 2);
                    let q = monomial(&r, [a, b, 0]);
                    assert!(
                        (q - exact).abs() < 1e-13,
                        "degree {degree}: ξ^{a} η^{b}: {q} vs {exact}"
                    );
                }
            }
        }
    }

    /// ∫ ξ^a η^b ζ^c over the reference tetrahedron = a! b! c! / (a + b + c + 3)!.
    #[test]
    fn tetrahedron_rules_integrate_monomials_to_their_degree() {
        for degree in [1, 2, 3, 4, 5] {
            let r = tetrahedron(degree);
            for a in 0..=degree as u32 {
                for b in 0..=(degree as u32 - a) {
                    for c in 0..=(degree as u32 - a - b) {
                        let exact =
                            factorial(a) * factorial(b) * factorial(c) / factorial(a + b + c + 3);
                        let q = monomial(&r, [a, b, c]);
                        assert!(
                            (q - exact).abs() < 1e-14,
                            "degree {degree}: {a},{b},{c}: {q} vs {exact}"
                        );
                    }
                }
            }
            assert!(r.weights.iter().all(|&w| w > 0.0));
        }
    }

    #[test]
    fn gauss_rules_are_exact_to_degree_2n_minus_1() {
        for n in 1..=4 {
            let (x, w) = gauss_legendre(n);
            for k in 0..2 * n as u32 {
                let q: f64 = x.iter().zip(&w).map(|(x, w)| w * x.powi(k as i32)).sum();
                assert!((q - line_monomial(k)).abs() < 1e-14, "n = {n}, x^{k}");
            }
        }
        assert!((quad_gauss(3).weights.iter().sum::<f64>() - 4.0).abs() < 1e-14);
        assert!((hex_gauss(2).weights.iter().sum::<f64>() - 8.0).abs() < 1e-14);
        assert!((wedge(2, 2).weights.iter().sum::<f64>() - 1.0).abs() < 1e-14);
    }

    /// Goal: the n × n × n Gauss rule on [−1, 1]³ integrates x^a·y^b·z^c exactly for a, b, c up to
    /// 2n − 1: ∏ 2/(k + 1) over even exponents, 0 if any is odd (n = 1..=4).
    #[test]
    fn hex_gauss_integrates_tensor_monomials_exactly() {
        for n in 1..=4 {
            let rule = hex_gauss(n);
            assert_eq!(rule.len(), n * n * n);
            let top = 2 * n as u32;
            for (a, b, c) in
                (0..top).flat_map(|a| (0..top).flat_map(move |b| (0..top).map(move |c| (a, b, c))))
            {
                let q = monomial(&rule, [a, b, c]);
                let exact = line_monomial(a) * line_monomial(b) * line_monomial(c);
                assert!(
                    (q - exact).abs() < 1e-13,
                    "n = {n}: x^{a} y^{b} z^{c}: {q} vs {exact}"
                );
            }
        }
    }

    /// Goal: the wedge rule (degree-2 triangle × 3-point Gauss) integrates ζ² over the wedge
    /// exactly: (1/2)·(2/3) = 1/3, and its weights sum to the volume 1.
    #[test]
    fn wedge_rule_integrates_the_square_of_its_height() {
        let rule = wedge(2, 3);
        let q = monomial(&rule, [0, 0, 2]);
        assert!((q - 1.0 / 3.0).abs() < 1e-14, "{q}");
        assert!((rule.weights.iter().sum::<f64>() - 1.0).abs() < 1e-14);
    }
}
