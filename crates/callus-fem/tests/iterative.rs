//! The iterative path (MINRES with the block preconditioner diag(AMG(K), Ŝ), `callus_fem::iterative`)
//! against the direct LDLᵀ on the same eliminated systems, and its iteration counts under
//! refinement: mesh independence is what makes it worth having for large 3D models.
//!
//! Criterion, fixed before measuring: the solution within 1e-6 of the direct one (relative, max
//! norm), and the iterations on the finest mesh at most 1.5 times those on the coarsest (a method
//! whose iterations grow like h⁻¹, as an unpreconditioned or one-level one does, doubles them
//! with each halving of h).

use callus_fem::bc::{add_traction, Constraints};
use callus_fem::dofs::Fields;
use callus_fem::integrate::Operators;
use callus_fem::iterative::{rigid_body_modes, IterativeParams, IterativeSolve};
use callus_fem::material::{Biot, Elastic};
use callus_fem::pattern::{mul_vec, Matrix};
use callus_fem::problem::Discretisation;
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{brick, rectangle, SolidElements};
use callus_mesh::Mesh;

/// A Tet10 bar [0, 1] × [0, 1] × [0, 4] mm of n × n × 4n cells.
fn bar(n: usize) -> Mesh {
    elevate(
        &brick(
            [0.0, 1.0],
            [0.0, 1.0],
            [0.0, 4.0],
            [n, n, 4 * n],
            SolidElements::Tet,
        )
        .unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap()
}

/// The default parameters with the coarsest level at 100 dofs, so that every mesh of these tests
/// has at least two levels (the default of 1500 would solve the coarsest meshes directly), and
/// MINRES to 1e-10 so that the comparison with the direct solution at 1e-6 measures the solver, not
/// the stopping rule.
fn params() -> IterativeParams {
    let mut p = IterativeParams::default();
    p.amg.max_coarse = 100;
    p.krylov.tolerance = 1e-10;
    p
}

/// Granulation tissue (MODEL.md §2: E = 0.2 MPa, ν = 0.167, k = 1e-2 mm⁴/(N·s)) with nearly
/// incompressible constituents (K_s = K_f = 2300 MPa, porosity 0.8): the near-undrained case,
/// K_u/K ≈ 1e4.
fn granulation() -> Biot {
    Biot::from_constituents(
        Elastic {
            youngs_modulus_mpa: 0.2,
            poisson_ratio: 0.167,
        },
        2300.0,
        2300.0,
        0.8,
        1e-2,
    )
}

/// One backward-Euler step of `material` on `mesh` from rest with Δt `dt_s` and the constraints
/// `c`: the eliminated matrix, its right-hand side (the lifting of `c`) and the fixed-stress
/// pressure mass.
fn biot_step(
    disc: &Discretisation,
    mesh: &Mesh,
    material: Biot,
    dt_s: f64,
    c: &Constraints,
) -> (Matrix, Vec<f64>, Matrix) {
    let materials = vec![material; mesh.num_elements()];
    let mut ops = Operators::zeros(&disc.assembler.pattern);
    disc.assemble_biot(mesh, &materials, &mut ops).unwrap();
    let mut a = ops.a0;
    for (s, h) in a.data_mut().iter_mut().zip(ops.a1.data()) {
        *s += dt_s * h;
    }
    let mut fs = ops.c;
    disc.assemble_fixed_stress(mesh, &materials, &mut fs)
        .unwrap();
    let rhs = eliminate(disc, &mut a, c, vec![0.0; disc.dofs.len()]);
    (a, rhs, fs)
}

/// Eliminates `c` from `a` and turns the load `f` into the right-hand side.
fn eliminate(disc: &Discretisation, a: &mut Matrix, c: &Constraints, mut f: Vec<f64>) -> Vec<f64> {
    let mut lifting = c.apply_to_matrix(&disc.assembler.pattern, a, disc.dofs.kinds());
    lifting.apply_to_rhs(c, &mut f);
    f
}

/// The criterion of the module docs on the bars n = 2, 3, 4: `solve_at(n)` gives the dofs, the
/// iterations and the miss against the direct solution.
fn holds_under_refinement(case: &str, solve_at: impl Fn(usize) -> (usize, usize, f64)) {
    let mut counts = Vec::new();
    for n in [2, 3, 4] {
        let (dofs, it, miss) = solve_at(n);
        eprintln!("{case}, n = {n}: {dofs} dofs, {it} iterations, miss {miss:.1e}");
        assert!(miss < 1e-6, "{case}, n = {n}: {miss}");
        counts.push(it);
    }
    assert!(
        counts[2] as f64 <= 1.5 * counts[0] as f64,
        "{case}: iterations {counts:?}"
    );
}

/// The bar in bending (`disc` displacement-only): base clamped, a traction (0.1, 0.05, −0.2) MPa
/// on the top, E = 1000 MPa, ν = 0.3; the eliminated stiffness and its right-hand side.
fn bent_bar(mesh: &Mesh, disc: &Discretisation) -> (Matrix, Vec<f64>) {
    let mat = Elastic {
        youngs_modulus_mpa: 1000.0,
        poisson_ratio: 0.3,
    };
    let mut k = disc.zeros();
    disc.assemble_elastic(mesh, &vec![mat; mesh.num_elements()], &mut k)
        .unwrap();
    let mut c = Constraints::new();
    for comp in 0..3 {
        c.displacement_on_set(mesh, &disc.dofs, "bottom", comp, 0.0)
            .unwrap();
    }
    let mut f = vec![0.0; disc.dofs.len()];
    add_traction(
        mesh,
        disc.ideal,
        &disc.dofs,
        "top",
        [0.1, 0.05, -0.2],
        &mut f,
    )
    .unwrap();
    let f = eliminate(disc, &mut k, &c, f);
    (k, f)
}

/// The bar's base clamped, its top pulled by 0.01 mm (and drained when `drained`).
fn pulled_bar(mesh: &Mesh, disc: &Discretisation, drained: bool) -> Constraints {
    let mut c = Constraints::new();
    for comp in 0..3 {
        c.displacement_on_set(mesh, &disc.dofs, "bottom", comp, 0.0)
            .unwrap();
    }
    c.displacement_on_set(mesh, &disc.dofs, "top", 2, 0.01)
        .unwrap();
    if drained {
        c.pressure_on_set(mesh, &disc.dofs, "top", 0.0).unwrap();
    }
    c
}

/// Solves the eliminated system `a` x = `rhs` directly and iteratively (from zero); returns the
/// iterations and the largest difference relative to the largest entry of the direct solution.
fn compare(
    disc: &Discretisation,
    mesh: &Mesh,
    ideal: Idealisation,
    a: &Matrix,
    rhs: &[f64],
    fixed_stress: Option<&Matrix>,
) -> (usize, f64) {
    let direct = {
        let f = disc.symbolic().unwrap().factorize(a).unwrap();
        let mut x = rhs.to_vec();
        f.solve_in_place(&mut x);
        x
    };
    let modes = rigid_body_modes(mesh, &disc.dofs, ideal);
    let mut solve = IterativeSolve::new(
        a,
        disc.dofs.kinds(),
        disc.dofs.dim(),
        &modes,
        fixed_stress,
        params(),
    )
    .unwrap();
    let mut x = vec![0.0; rhs.len()];
    let iterations = solve.solve(a, rhs, &mut x).unwrap();
    let scale = direct.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let miss = x
        .iter()
        .zip(&direct)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    // The residual of the iterate, as a check of the check.
    let mut ax = vec![0.0; rhs.len()];
    mul_vec(a, &x, &mut ax);
    let res = ax
        .iter()
        .zip(rhs)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    let rhs_max = rhs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(res <= 1e-6 * rhs_max, "residual {res} of {rhs_max}");
    (iterations, miss / scale)
}

/// Bar clamped at its base (z = 0), a traction (0.1, 0.05, −0.2) MPa on its top: bending, shear
/// and compression, where the rotations of the near-null space matter.
///
/// Goal: iterations bounded under refinement for drained 3D elasticity (E = 1000 MPa, ν = 0.3).
/// Meshes: n = 2, 3, 4 cells across (4n high), Tet10.
#[test]
fn elastic_bar_in_bending_needs_bounded_iterations() {
    holds_under_refinement("elastic bar", |n| {
        let mesh = bar(n);
        let ideal = Idealisation::ThreeD;
        let disc = Discretisation::new(&mesh, ideal, Fields::Displacement, 1).unwrap();
        let (k, f) = bent_bar(&mesh, &disc);
        let (it, miss) = compare(&disc, &mesh, ideal, &k, &f, None);
        (disc.dofs.len(), it, miss)
    });
}

/// One backward-Euler step of Biot u–p on the bar: base clamped and impermeable, top drained
/// (p = 0) and pulled up by 0.01 mm (a distraction increment), from rest.
///
/// Goal: iterations bounded under refinement and over Δt = 1 s and 1000 s for granulation tissue
/// (E = 0.2 MPa, ν = 0.167, k = 1e-2 mm⁴/(N·s); MODEL.md §2) with near-incompressible constituents
/// K_s = K_f = 2300 MPa, porosity 0.8 (the near-undrained case: K_u/K ≈ 1e4), and for woven bone
/// (E = 1000 MPa, ν = 0.3, k = 1e-1 mm⁴/(N·s), K_s = 13920 MPa, K_f = 2300 MPa, porosity 0.8).
/// Meshes: n = 2, 3, 4, Tet10 (pressure on the vertices).
#[test]
fn biot_step_of_near_undrained_granulation_needs_bounded_iterations() {
    let bone = Biot::from_constituents(
        Elastic {
            youngs_modulus_mpa: 1000.0,
            poisson_ratio: 0.3,
        },
        13920.0,
        2300.0,
        0.8,
        1e-1,
    );
    for (name, mat) in [("granulation", granulation()), ("woven bone", bone)] {
        for dt in [1.0, 1000.0] {
            holds_under_refinement(&format!("{name}, Δt = {dt} s"), |n| {
                let mesh = bar(n);
                let ideal = Idealisation::ThreeD;
                let disc =
                    Discretisation::new(&mesh, ideal, Fields::DisplacementPressure, 1).unwrap();
                let c = pulled_bar(&mesh, &disc, true);
                let (a, rhs, fs) = biot_step(&disc, &mesh, mat, dt, &c);
                let (it, miss) = compare(&disc, &mesh, ideal, &a, &rhs, Some(&fs));
                (disc.dofs.len(), it, miss)
            });
        }
    }
}

/// Goal: an axisymmetric and a plane-strain u–p system (Quad9, 8 × 8 on 1 × 1 mm, base clamped,
/// top pulled by 0.01 mm and drained) solved iteratively equal the direct solution: the 2D paths
/// of the near-null space (translations; plus the rotation in plane strain).
#[test]
fn two_dimensional_biot_steps_match_the_direct_solution() {
    let mat = Biot::incompressible(
        Elastic {
            youngs_modulus_mpa: 0.2,
            poisson_ratio: 0.167,
        },
        1e-2,
    );
    let mesh = elevate(
        &rectangle([0.0, 1.0], [0.0, 1.0], 8, 8).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    for ideal in [Idealisation::Axisymmetric, Idealisation::PlaneStrain] {
        let disc = Discretisation::new(&mesh, ideal, Fields::DisplacementPressure, 1).unwrap();
        let mut c = Constraints::new();
        for comp in 0..2 {
            c.displacement_on_set(&mesh, &disc.dofs, "bottom", comp, 0.0)
                .unwrap();
        }
        c.displacement_on_set(&mesh, &disc.dofs, "top", 1, 0.01)
            .unwrap();
        c.pressure_on_set(&mesh, &disc.dofs, "top", 0.0).unwrap();
        if ideal == Idealisation::Axisymmetric {
            c.axisymmetric_axis(&mesh, &disc.dofs);
        }
        let (a, rhs, fs) = biot_step(&disc, &mesh, mat, 10.0, &c);
        let (it, miss) = compare(&disc, &mesh, ideal, &a, &rhs, Some(&fs));
        eprintln!("{ideal:?}: {it} iterations, miss {miss:.1e}");
        assert!(miss < 1e-6, "{ideal:?}: {miss}");
    }
}

/// Goal: the multigrid set-up and the MINRES solve give the same iterate, bit for bit, on 1 and 2
/// threads (products split by rows, dot products reduced in fixed chunks).
///
/// Problem: the granulation step of
/// [`biot_step_of_near_undrained_granulation_needs_bounded_iterations`] at n = 3, Δt = 10 s.
#[test]
fn iterative_solves_do_not_depend_on_the_thread_count() {
    let mesh = bar(3);
    let ideal = Idealisation::ThreeD;
    let disc = Discretisation::new(&mesh, ideal, Fields::DisplacementPressure, 1).unwrap();
    let c = pulled_bar(&mesh, &disc, false);
    let (a, rhs, fs) = biot_step(&disc, &mesh, granulation(), 10.0, &c);
    let modes = rigid_body_modes(&mesh, &disc.dofs, ideal);
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let mut solve =
                    IterativeSolve::new(&a, disc.dofs.kinds(), 3, &modes, Some(&fs), params())
                        .unwrap();
                let mut x = vec![0.0; rhs.len()];
                let it = solve.solve(&a, &rhs, &mut x).unwrap();
                (it, x, solve.amg_shape())
            })
    };
    let (one, two) = (run(1), run(2));
    assert!(one.2.dofs.len() >= 2, "a hierarchy: {:?}", one.2);
    assert_eq!(one, two);
}

/// The iteration table of benches/README.md (release, ignored: about a minute):
/// `cargo test --release -p callus-fem --test iterative iteration_table -- --ignored --nocapture`.
///
/// Bars n = 2, 4, 6, 8 (up to 59k dofs), the default parameters (coarsest level ≤ 1500 dofs, MINRES
/// to 1e-8 of ‖b‖): drained elasticity (E = 1000 MPa, ν = 0.3) under the top traction of
/// [`elastic_bar_in_bending_needs_bounded_iterations`], and the granulation step of
/// [`biot_step_of_near_undrained_granulation_needs_bounded_iterations`] at Δt = 1 s and 1000 s;
/// prints iterations, set-up and solve times and the hierarchy. Asserts only convergence.
#[test]
#[ignore]
fn iteration_table() {
    let ideal = Idealisation::ThreeD;
    for n in [2, 4, 6, 8] {
        let mesh = bar(n);
        for dt in [None, Some(1.0), Some(1000.0)] {
            let fields = match dt {
                None => Fields::Displacement,
                Some(_) => Fields::DisplacementPressure,
            };
            let disc = Discretisation::new(&mesh, ideal, fields, 1).unwrap();
            let (a, rhs, fs) = match dt {
                None => {
                    let (k, f) = bent_bar(&mesh, &disc);
                    (k, f, None)
                }
                Some(dt) => {
                    let c = pulled_bar(&mesh, &disc, true);
                    let (a, rhs, fs) = biot_step(&disc, &mesh, granulation(), dt, &c);
                    (a, rhs, Some(fs))
                }
            };
            let modes = rigid_body_modes(&mesh, &disc.dofs, ideal);
            let t = std::time::Instant::now();
            let mut solve = IterativeSolve::new(
                &a,
                disc.dofs.kinds(),
                3,
                &modes,
                fs.as_ref(),
                IterativeParams::default(),
            )
            .unwrap();
            let setup = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let mut x = vec![0.0; rhs.len()];
            let it = solve.solve(&a, &rhs, &mut x).unwrap();
            let solve_s = t.elapsed().as_secs_f64();
            let shape = solve.amg_shape();
            let case = match dt {
                None => "elastic".to_string(),
                Some(dt) => format!("granulation Δt = {dt} s"),
            };
            eprintln!(
                "| {n} | {} | {case} | {it} | {setup:.2} | {solve_s:.2} | {:?} | {:.2} |",
                disc.dofs.len(),
                shape.dofs,
                shape.operator_complexity()
            );
        }
    }
}

/// The peak memory of the iterative path against the direct factor's size (benches/README.md;
/// release, ignored, one size per process so that the peak is that size's):
/// `CALLUS_ELEMENT_SIZE_MM=1.0 cargo test --release -p callus-fem --test iterative
/// memory_of_the_iterative_path -- --ignored --nocapture`.
///
/// Mesh: the revolved default osteotomy (Tet10) with `element_size_mm` at the gap from the
/// environment (max 3 mm, grading 1.3), granulation tissue, both bone ends clamped and drained,
/// Δt = 10 s, an axial pull of the distal end by 0.01 mm. Prints the dofs, MINRES iterations, the
/// process's peak resident memory after the set-up and the solve (VmHWM), and then the entries of
/// the LDLᵀ factor the direct path would hold (from its symbolic analysis alone: 8 bytes each).
#[test]
#[ignore]
fn memory_of_the_iterative_path() {
    use callus_mesh::generate::{revolved, OsteotomyGeometry, Revolution};
    let size: f64 = std::env::var("CALLUS_ELEMENT_SIZE_MM")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let g = OsteotomyGeometry {
        element_size_mm: size,
        ..OsteotomyGeometry::default_3d()
    };
    let mesh = elevate(
        &revolved(&g, Revolution::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let ideal = Idealisation::ThreeD;
    let disc = Discretisation::new(&mesh, ideal, Fields::DisplacementPressure, 1).unwrap();
    let mut c = Constraints::new();
    for set in ["proximal_end", "distal_end"] {
        for comp in 0..3 {
            let v = if set == "distal_end" && comp == 2 {
                0.01
            } else {
                0.0
            };
            c.displacement_on_set(&mesh, &disc.dofs, set, comp, v)
                .unwrap();
        }
        c.pressure_on_set(&mesh, &disc.dofs, set, 0.0).unwrap();
    }
    let (a, rhs, fs) = biot_step(&disc, &mesh, granulation(), 10.0, &c);
    let modes = rigid_body_modes(&mesh, &disc.dofs, ideal);
    let peak_mib = || {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap()
            / 1024.0
    };
    let t = std::time::Instant::now();
    let mut solve = IterativeSolve::new(
        &a,
        disc.dofs.kinds(),
        3,
        &modes,
        Some(&fs),
        IterativeParams::default(),
    )
    .unwrap();
    let setup = t.elapsed().as_secs_f64();
    let t = std::time::Instant::now();
    let mut x = vec![0.0; rhs.len()];
    let it = solve.solve(&a, &rhs, &mut x).unwrap();
    let solve_s = t.elapsed().as_secs_f64();
    let iterative_peak = peak_mib();
    drop(solve);
    let factor = disc.symbolic().unwrap().factor_nnz();
    eprintln!(
        "| {size} | {} | {} | {it} | {setup:.1} | {solve_s:.1} | {iterative_peak:.0} | {} M | {:.0} |",
        disc.dofs.len(),
        disc.assembler.pattern.nnz(),
        factor / 1_000_000,
        factor as f64 * 8.0 / 1024.0 / 1024.0
    );
}
