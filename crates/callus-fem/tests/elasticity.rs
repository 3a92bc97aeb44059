//! Drained elasticity verification: patch tests for every element kind and idealisation, the Lamé
//! thick-walled cylinder (axisymmetric) with its convergence order, and assembly that does not
//! depend on the number of threads.

use callus_fem::bc::{spring_to_ground, Constraints};
use callus_fem::dofs::Fields;
use callus_fem::integrate::{BackwardEuler, Operators, StaticSolve};
use callus_fem::material::Elastic;
use callus_fem::pattern::Matrix;
use callus_fem::problem::Discretisation;
use callus_fem::verification::{lame_exact, lame_solve};
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{brick, exterior_facets, rectangle, SolidElements};
use callus_mesh::Mesh;

const MAT: Elastic = Elastic {
    youngs_modulus_mpa: 200.0,
    poisson_ratio: 0.3,
};

/// Moves interior nodes off the grid (deterministically) so that elements are distorted.
fn distort(mut mesh: Mesh, amount: f64) -> Mesh {
    let boundary: std::collections::HashSet<usize> = exterior_facets(&mesh)
        .into_iter()
        .flat_map(|f| mesh.facet_nodes(f))
        .collect();
    let dim = mesh.dim();
    for (n, x) in mesh.coords_mut().iter_mut().enumerate() {
        if !boundary.contains(&n) {
            for d in 0..dim {
                x[d] += amount * (((n * 7 + d * 13) % 11) as f64 / 10.0 - 0.5);
            }
        }
    }
    mesh.validate().unwrap();
    mesh
}

/// Patch test: prescribe a linear displacement field on the boundary nodes of a distorted patch and
/// solve; the interior nodes must reproduce the field to round-off.
fn patch_test(mesh: &Mesh, ideal: Idealisation) {
    let disc = Discretisation::new(mesh, ideal, Fields::Displacement, 1).unwrap();
    let field = |x: [f64; 3]| -> [f64; 3] {
        match ideal {
            Idealisation::PlaneStrain => [
                1e-3 * x[0] + 2e-3 * x[1] + 0.1,
                -1e-3 * x[0] + 3e-3 * x[1],
                0.0,
            ],
            Idealisation::Axisymmetric => [2e-3 * x[0], 1e-3 * x[1] - 0.05, 0.0],
            Idealisation::ThreeD => [
                1e-3 * x[0] + 2e-3 * x[2],
                3e-3 * x[1] - 1e-3 * x[0],
                2e-3 * x[2] + 1e-3 * x[1] + 0.1,
            ],
        }
    };
    let mut k = disc.zeros();
    disc.assemble_elastic(mesh, &vec![MAT; mesh.num_elements()], &mut k)
        .unwrap();
    let mut bc = Constraints::new();
    for f in exterior_facets(mesh) {
        for n in mesh.facet_nodes(f) {
            let u = field(mesh.coords()[n]);
            for c in 0..ideal.dim() {
                bc.set(disc.dofs.u(n, c), u[c]);
            }
        }
    }
    let rhs = StaticSolve::new(&disc, &k, bc)
        .unwrap()
        .solve(None)
        .unwrap();
    let mut worst: f64 = 0.0;
    for n in 0..mesh.num_nodes() {
        let u = field(mesh.coords()[n]);
        for c in 0..ideal.dim() {
            worst = worst.max((rhs[disc.dofs.u(n, c)] - u[c]).abs());
        }
    }
    assert!(
        worst < 1e-12,
        "{ideal:?} {:?}: error {worst:e}",
        mesh.kind_counts()
    );
}

#[test]
fn patch_tests_2d_quads_plane_strain_and_axisymmetric() {
    let quads = distort(rectangle([1.0, 3.0], [0.0, 2.0], 4, 4).unwrap(), 0.15);
    for ideal in [Idealisation::PlaneStrain, Idealisation::Axisymmetric] {
        patch_test(&quads, ideal);
        patch_test(&elevate(&quads, QuadraticQuad::Quad8).unwrap(), ideal);
        patch_test(&elevate(&quads, QuadraticQuad::Quad9).unwrap(), ideal);
    }
}

#[test]
fn patch_tests_2d_triangles_on_a_gmsh_mesh() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../meshes");
    let tri3 = callus_mesh::gmsh::read_msh(dir.join("ovine_axisymmetric.msh")).unwrap();
    for ideal in [Idealisation::PlaneStrain, Idealisation::Axisymmetric] {
        patch_test(&tri3, ideal);
        patch_test(&elevate(&tri3, QuadraticQuad::Quad9).unwrap(), ideal);
    }
}

#[test]
fn patch_tests_3d_tets_and_hexes() {
    let tets = distort(
        brick(
            [0.0, 1.0],
            [0.0, 1.0],
            [0.0, 2.0],
            [3, 3, 4],
            SolidElements::Tet,
        )
        .unwrap(),
        0.05,
    );
    patch_test(&tets, Idealisation::ThreeD);
    patch_test(
        &elevate(&tets, QuadraticQuad::Quad9).unwrap(),
        Idealisation::ThreeD,
    );
    let hexes = distort(
        brick(
            [0.0, 1.0],
            [0.0, 1.0],
            [0.0, 2.0],
            [3, 3, 4],
            SolidElements::Hex,
        )
        .unwrap(),
        0.05,
    );
    patch_test(&hexes, Idealisation::ThreeD);
    // Wedge6 (next to the axis) with Hex8: the revolved osteotomy mesh, coarse.
    let g = callus_mesh::generate::OsteotomyGeometry {
        element_size_mm: 2.0,
        max_element_size_mm: 4.0,
        ..callus_mesh::generate::OsteotomyGeometry::default_3d()
    };
    let revolved = callus_mesh::generate::revolved(
        &g,
        callus_mesh::generate::Revolution {
            segments: 6,
            elements: SolidElements::Hex,
        },
    )
    .unwrap();
    assert!(revolved
        .kind_counts()
        .iter()
        .any(|(k, _)| *k == callus_mesh::ElementKind::Wedge6));
    patch_test(&revolved, Idealisation::ThreeD);
}

/// Lamé: a thick-walled cylinder (inner radius a = 5 mm, outer b = 10 mm) under internal pressure
/// p = 1 MPa in plane strain (u_z = 0), axisymmetric model of a slice; closed form (Timoshenko &
/// Goodier) in `callus_fem::verification::lame_exact`. Largest nodal error of u_r (mm).
fn lame_error(n: usize, quad: Option<QuadraticQuad>) -> f64 {
    let (a, b, p) = (5.0, 10.0, 1.0);
    lame_solve(&MAT, a, b, p, n, quad)
        .unwrap()
        .iter()
        .map(|&(r, u)| (u - lame_exact(&MAT, a, b, p, r)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn lame_thick_cylinder_converges_at_the_expected_order() {
    // Quad4: nodal error O(h²); Quad9: O(h⁴) at the nodes (superconvergent) — at least O(h³).
    let linear: Vec<f64> = [4, 8, 16].iter().map(|&n| lame_error(n, None)).collect();
    let quadratic: Vec<f64> = [2, 4, 8]
        .iter()
        .map(|&n| lame_error(n, Some(QuadraticQuad::Quad9)))
        .collect();
    let rate = |e: &[f64]| (e[1] / e[2]).log2();
    eprintln!(
        "Lamé nodal errors: Quad4 {linear:?} (rate {:.2}), Quad9 {quadratic:?} (rate {:.2})",
        rate(&linear),
        rate(&quadratic)
    );
    assert!(rate(&linear) > 1.9, "Quad4 rate {}", rate(&linear));
    assert!(rate(&quadratic) > 2.9, "Quad9 rate {}", rate(&quadratic));
    let u_inner = (1.0 + 0.3) * 25.0 / (200.0 * 75.0) * ((1.0 - 0.6) * 5.0 + 100.0 / 5.0);
    assert!(
        quadratic[2] < 1e-5 * u_inner,
        "fine Quad9 within 1e-5 of u_r(a) = {u_inner}"
    );
}

#[test]
fn assembly_is_bitwise_identical_on_one_and_two_threads() {
    let mesh = elevate(
        &callus_mesh::generate::axisymmetric(&Default::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let disc =
        Discretisation::new(&mesh, Idealisation::Axisymmetric, Fields::Displacement, 1).unwrap();
    let materials: Vec<Elastic> = (0..mesh.num_elements())
        .map(|e| Elastic {
            youngs_modulus_mpa: 1.0 + e as f64 * 0.37,
            poisson_ratio: 0.3,
        })
        .collect();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut k = disc.zeros();
        pool.install(|| disc.assemble_elastic(&mesh, &materials, &mut k))
            .unwrap();
        k
    };
    let (one, two) = (run(1), run(2));
    assert!(one
        .data()
        .iter()
        .zip(two.data())
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

/// Without boundary conditions the stiffness is singular (rigid motions): the factorization reports
/// it as an error naming the likely cause, instead of returning NaNs.
#[test]
fn unconstrained_stiffness_is_reported_not_solved() {
    let mesh = rectangle([1.0, 2.0], [0.0, 1.0], 2, 2).unwrap();
    let disc =
        Discretisation::new(&mesh, Idealisation::PlaneStrain, Fields::Displacement, 1).unwrap();
    let mut k = disc.zeros();
    disc.assemble_elastic(&mesh, &vec![MAT; mesh.num_elements()], &mut k)
        .unwrap();
    let err = disc
        .symbolic()
        .unwrap()
        .factorize(&k)
        .err()
        .expect("singular");
    assert!(err.to_string().contains("boundary conditions"), "{err}");
}

/// The bar of the spring tests: 2 mm × 10 mm, E = 100 MPa, ν = 0 (uniaxial stress in plane strain
/// of unit thickness, so k_bar = E A / L = 20 N/mm), Quad9, base held axially, left edge laterally,
/// pulled at the top by F = 5 N.
struct Bar {
    mesh: callus_mesh::Mesh,
}

impl Bar {
    const WIDTH: f64 = 2.0;
    const LENGTH: f64 = 10.0;
    const E: f64 = 100.0;
    const FORCE: f64 = 5.0;

    fn new() -> Bar {
        Bar {
            mesh: elevate(
                &rectangle([0.0, Bar::WIDTH], [0.0, Bar::LENGTH], 2, 8).unwrap(),
                QuadraticQuad::Quad9,
            )
            .unwrap(),
        }
    }

    fn stiffness(&self) -> f64 {
        Bar::E * Bar::WIDTH / Bar::LENGTH
    }

    fn matrix(&self, disc: &Discretisation) -> Matrix {
        let mut k = disc.zeros();
        let mat = Elastic {
            youngs_modulus_mpa: Bar::E,
            poisson_ratio: 0.0,
        };
        disc.assemble_elastic(&self.mesh, &vec![mat; self.mesh.num_elements()], &mut k)
            .unwrap();
        k
    }

    /// The end force, and the supports: base held axially, left edge laterally.
    fn load_and_supports(&self, disc: &Discretisation) -> (Vec<f64>, Constraints) {
        let mut f = vec![0.0; disc.dofs.len()];
        callus_fem::bc::add_traction(
            &self.mesh,
            Idealisation::PlaneStrain,
            &disc.dofs,
            "top",
            [0.0, Bar::FORCE / Bar::WIDTH, 0.0],
            &mut f,
        )
        .unwrap();
        let mut bc = Constraints::new();
        bc.displacement_on_set(&self.mesh, &disc.dofs, "bottom", 1, 0.0)
            .unwrap();
        bc.displacement_on_set(&self.mesh, &disc.dofs, "left", 0, 0.0)
            .unwrap();
        (f, bc)
    }

    fn top_displacement(&self, disc: &Discretisation, x: &[f64]) -> f64 {
        x[disc.dofs.u(self.mesh.set("top").unwrap().nodes[0], 1)]
    }
}

fn spring(set: &str, k: f64) -> callus_fem::bc::Spring {
    callus_fem::bc::Spring {
        set: set.into(),
        component: 1,
        stiffness_n_per_mm: k,
    }
}

/// Goal: the fixator as a spring to ground on the bar's top, as the load cycle holds the distal
/// end: bar and spring share the end force F by stiffness, so the top moves F / (k_bar + k_s).
/// The spring enters as a support of the backward-Euler driver, on a static system (A₁ = C = 0:
/// one step is the static solve); without it the top moves F / k_bar; a negative spring is refused.
/// Mesh: the bar (2 × 10 mm, 2 × 8 Quad9), E = 100 MPa, ν = 0, plane strain, F = 5 N, k_s = 30 N/mm.
#[test]
fn bar_with_a_fixator_spring_shares_the_load_by_stiffness() {
    let bar = Bar::new();
    let disc = Discretisation::new(
        &bar.mesh,
        Idealisation::PlaneStrain,
        Fields::Displacement,
        1,
    )
    .unwrap();
    let operators = Operators {
        a0: bar.matrix(&disc),
        ..Operators::zeros(&disc.assembler.pattern)
    };
    let (f, bc) = bar.load_and_supports(&disc);
    for k_spring in [0.0, 30.0] {
        let supports = spring_to_ground(
            &bar.mesh,
            Idealisation::PlaneStrain,
            &disc.dofs,
            &spring("top", k_spring),
        )
        .unwrap();
        let mut stepper = BackwardEuler::new(&disc, &operators, bc.clone()).with_supports(supports);
        let mut x = vec![0.0; disc.dofs.len()];
        stepper.step(1.0, &mut x, Some(&f)).unwrap();
        let expected = Bar::FORCE / (bar.stiffness() + k_spring);
        let top = bar.top_displacement(&disc, &x);
        assert!(
            (top - expected).abs() < 1e-10 * expected,
            "k_s = {k_spring}: {top} vs {expected}"
        );
    }
    let negative = spring_to_ground(
        &bar.mesh,
        Idealisation::PlaneStrain,
        &disc.dofs,
        &spring("top", -1.0),
    );
    assert!(negative.is_err());
}

/// The 4 × 4 Quad4 patch on [0, 2]² mm, distorted, in plane strain: its discretisation and its
/// stiffness (E = 200 MPa, ν = 0.3).
fn distorted_patch() -> (Mesh, Discretisation, Matrix) {
    let mesh = distort(rectangle([0.0, 2.0], [0.0, 2.0], 4, 4).unwrap(), 0.2);
    let disc =
        Discretisation::new(&mesh, Idealisation::PlaneStrain, Fields::Displacement, 1).unwrap();
    let mut k = disc.zeros();
    disc.assemble_elastic(&mesh, &vec![MAT; mesh.num_elements()], &mut k)
        .unwrap();
    (mesh, disc, k)
}

/// Goal: a static solve keeps its factorization for new prescribed values: after
/// [`StaticSolve::prescribe`] the same factorization reproduces the new field, and the stats count
/// one factorization and two solves, each with its time.
///
/// Mesh: the 4 × 4 Quad4 patch on [0, 2]² mm, distorted; plane strain, E = 200 MPa, ν = 0.3.
/// Boundary: the boundary nodes prescribed to u = (1e-3·x + 2e-3·y, 3e-3·y), then to twice that.
/// Checked: the interior nodes to 1e-12 mm both times.
#[test]
fn a_static_solve_takes_new_prescribed_values_on_its_factorization() {
    let (mesh, disc, k) = distorted_patch();
    let field =
        |x: [f64; 3], scale: f64| [scale * (1e-3 * x[0] + 2e-3 * x[1]), scale * 3e-3 * x[1]];
    let boundary: Vec<usize> = exterior_facets(&mesh)
        .into_iter()
        .flat_map(|f| mesh.facet_nodes(f))
        .collect();
    let mut bc = Constraints::new();
    for &n in &boundary {
        let u = field(mesh.coords()[n], 1.0);
        for c in 0..2 {
            bc.set(disc.dofs.u(n, c), u[c]);
        }
    }
    let mut solve = StaticSolve::new(&disc, &k, bc).unwrap();
    for scale in [1.0, 2.0] {
        for &n in &boundary {
            let u = field(mesh.coords()[n], scale);
            for c in 0..2 {
                solve.prescribe(disc.dofs.u(n, c), u[c]);
            }
        }
        let x = solve.solve(None).unwrap();
        for n in 0..mesh.num_nodes() {
            let u = field(mesh.coords()[n], scale);
            for c in 0..2 {
                let got = x[disc.dofs.u(n, c)];
                assert!(
                    (got - u[c]).abs() < 1e-12,
                    "×{scale}: node {n}: {got} vs {}",
                    u[c]
                );
            }
        }
    }
    let s = solve.stats;
    assert_eq!((s.factorizations, s.solves), (1, 2), "{s:?}");
    assert!(s.factorization_s > 0.0 && s.solve_s > 0.0, "{s:?}");
}

/// Goal: backward Euler factorizes again only when Δt changes, and its stats (and their sum with
/// `+=`) count every factorization and solve with its time.
///
/// Input: the distorted 4 × 4 Quad4 patch's stiffness K as A₀, A₁ and C, the left edge held;
/// steps of Δt = 1, 1, 2, 2, 1 s.
#[test]
fn backward_euler_refactorizes_only_when_the_step_changes() {
    let (mesh, disc, k) = distorted_patch();
    let operators = Operators {
        a0: k.clone(),
        a1: k.clone(),
        c: k,
    };
    let mut bc = Constraints::new();
    for n in (0..mesh.num_nodes()).filter(|&n| mesh.coords()[n][0] == 0.0) {
        for c in 0..2 {
            bc.set(disc.dofs.u(n, c), 0.0);
        }
    }
    let mut stepper = BackwardEuler::new(&disc, &operators, bc);
    let mut x = vec![1e-3; disc.dofs.len()];
    for dt in [1.0, 1.0, 2.0, 2.0, 1.0] {
        stepper.step(dt, &mut x, None).unwrap();
    }
    let s = stepper.stats;
    assert_eq!((s.factorizations, s.solves), (3, 5), "{s:?}");
    assert!(s.factorization_s > 0.0 && s.solve_s > 0.0, "{s:?}");
    let mut twice = s;
    twice += s;
    assert_eq!(twice.factorizations, 6);
    assert_eq!(twice.solves, 10);
    assert_eq!(twice.factorization_s, 2.0 * s.factorization_s);
    assert_eq!(twice.solve_s, 2.0 * s.solve_s);
}
