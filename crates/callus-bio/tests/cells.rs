//! Cell diffusion against the analytic front: c = 1 held on one face of a long strip (or of an
//! axisymmetric column), c = 0 inside at t = 0, so c(x, t) = erfc(x / (2√(Dt))) while the far end is
//! out of reach. D = 0.5 mm²/day, t = 4 days (front √(Dt) ≈ 1.4 mm), domain 20 mm; within 2 %.

use callus_bio::cells::{CellDiffusion, CellParams};
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::rectangle;

/// erfc by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erfc(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    poly * (-x * x).exp()
}

fn front(ideal: Idealisation, along: usize) {
    let (d, t) = (0.5, 4.0);
    let mesh = if along == 0 {
        elevate(
            &rectangle([0.0, 20.0], [0.0, 0.5], 80, 1).unwrap(),
            QuadraticQuad::Quad9,
        )
        .unwrap()
    } else {
        elevate(
            &rectangle([0.0, 0.5], [0.0, 20.0], 1, 80).unwrap(),
            QuadraticQuad::Quad9,
        )
        .unwrap()
    };
    let source = if along == 0 { "left" } else { "bottom" };
    let params = CellParams {
        diffusivity_mm2_per_day: d,
        steps_per_day: 48,
        source_sets: vec![source.into()],
        source_regions: vec![],
    };
    let mut cells = CellDiffusion::new(&mesh, ideal, params).unwrap();
    let mut c = cells.initial();
    cells.advance(&mesh, &mut c, t).unwrap();
    for x in [0.5, 1.0, 2.0, 3.0] {
        let n = (0..mesh.num_nodes())
            .find(|&n| (mesh.coords()[n][along] - x).abs() < 1e-9)
            .unwrap();
        let exact = erfc(x / (2.0 * (d * t).sqrt()));
        assert!(
            (c[n] - exact).abs() < 0.02 * exact,
            "{ideal:?} x = {x}: {} vs {exact}",
            c[n]
        );
    }
    assert!(c.iter().all(|&v| (-1e-9..=1.0 + 1e-9).contains(&v)));
}

#[test]
fn cell_front_matches_erfc_in_a_strip() {
    front(Idealisation::PlaneStrain, 0);
}

#[test]
fn cell_front_matches_erfc_along_an_axisymmetric_column() {
    front(Idealisation::Axisymmetric, 1);
}

#[test]
fn default_sources_on_the_osteotomy_and_clear_errors() {
    let mesh = elevate(
        &callus_mesh::generate::axisymmetric(&Default::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let mut cells =
        CellDiffusion::new(&mesh, Idealisation::Axisymmetric, CellParams::default()).unwrap();
    let mut c = cells.initial();
    let gap = mesh.region_id("gap").unwrap();
    let gap_mean = |cells: &CellDiffusion, c: &[f64]| {
        let means = cells.element_means(&mesh, c).unwrap();
        let g: Vec<f64> = mesh
            .elements()
            .filter(|e| e.region == gap)
            .map(|e| means[e.id])
            .collect();
        g.iter().sum::<f64>() / g.len() as f64
    };
    let before = gap_mean(&cells, &c);
    cells.advance(&mesh, &mut c, 2.0).unwrap();
    assert!(
        gap_mean(&cells, &c) > before + 0.05,
        "cells invade the gap: {before} → {}",
        gap_mean(&cells, &c)
    );
    let bad = CellParams {
        source_regions: vec!["bone_marrow".into()],
        ..Default::default()
    };
    let e = CellDiffusion::new(&mesh, Idealisation::Axisymmetric, bad)
        .err()
        .unwrap();
    assert!(e.to_string().contains("bone_marrow"), "{e}");
    let bad = CellParams {
        diffusivity_mm2_per_day: -1.0,
        ..Default::default()
    };
    assert!(CellDiffusion::new(&mesh, Idealisation::Axisymmetric, bad)
        .err()
        .unwrap()
        .to_string()
        .contains("diffusivity"));
}

/// Goal: cells diffuse on the configuration they are given. A strip 20 × 0.5 mm (80 Quad9) set up
/// short and advanced on the mesh stretched ×2 along x gives the front of a 40 mm strip built
/// directly, to round-off; the unstretched front is clearly different; a mesh of another size is
/// refused.
#[test]
fn stretched_strip_diffuses_like_one_built_long() {
    let strip = |length: f64, elements: usize| {
        elevate(
            &rectangle([0.0, length], [0.0, 0.5], elements, 1).unwrap(),
            QuadraticQuad::Quad9,
        )
        .unwrap()
    };
    let params = CellParams {
        diffusivity_mm2_per_day: 0.5,
        steps_per_day: 8,
        source_sets: vec!["left".into()],
        source_regions: vec![],
    };
    let (short, long) = (strip(20.0, 80), strip(40.0, 80));
    let run = |cells: &mut CellDiffusion, on: &callus_mesh::Mesh| {
        let mut c = cells.initial();
        cells.advance(on, &mut c, 3.0).unwrap();
        c
    };
    let mut set_up_short =
        CellDiffusion::new(&short, Idealisation::PlaneStrain, params.clone()).unwrap();
    let unstretched = run(&mut set_up_short, &short);
    let stretched = run(&mut set_up_short, &long);
    let mut built = CellDiffusion::new(&long, Idealisation::PlaneStrain, params).unwrap();
    let built_long = run(&mut built, &long);
    let diff = |x: &[f64], y: &[f64]| {
        x.iter()
            .zip(y)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0, f64::max)
    };
    assert!(
        diff(&stretched, &built_long) < 1e-12,
        "{}",
        diff(&stretched, &built_long)
    );
    assert!(diff(&stretched, &unstretched) > 0.05);
    let mut c = set_up_short.initial();
    assert!(set_up_short.advance(&strip(20.0, 79), &mut c, 1.0).is_err());
}

/// Goal: the iterative solver (MINRES with multigrid, what large 3D runs use) gives the direct
/// solver's field to 1e-6.
///
/// Mesh: 1 × 1 mm of 40 × 40 Quad9 (6561 nodes: a multigrid of several levels), plane strain
/// idealisation, c = 1 held on `left`, D = 0.5 mm²/day, one day in 48 steps.
#[test]
fn iterative_and_direct_cell_diffusion_agree() {
    let mesh = elevate(
        &rectangle([0.0, 1.0], [0.0, 1.0], 40, 40).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let params = CellParams {
        diffusivity_mm2_per_day: 0.5,
        steps_per_day: 48,
        source_sets: vec!["left".into()],
        source_regions: vec![],
    };
    let run = |iterative: bool| {
        let mut cells = CellDiffusion::new(&mesh, Idealisation::PlaneStrain, params.clone())
            .unwrap()
            .with_iterative_solver(iterative);
        let mut c = cells.initial();
        let stats = cells.advance(&mesh, &mut c, 1.0).unwrap();
        (c, stats.krylov_iterations)
    };
    let ((direct, none), (iterative, iterations)) = (run(false), run(true));
    assert_eq!(none, 0);
    assert!(iterations > 0);
    let miss = direct
        .iter()
        .zip(&iterative)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(miss < 1e-6, "{miss} after {iterations} iterations");
}
