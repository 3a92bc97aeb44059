//! Rezoning after gap growth (crates/callus-sim/src/rezone.rs): the inner nodes of the rezoned
//! regions go to the harmonic extension of their border.
//!
//! Mesh: the built-in axisymmetric osteotomy (Quad9, 1 mm elements, default dimensions otherwise).
//! Rezoned regions: gap, periosteal callus, soft tissue and marrow (the default); the cortex stays.
//! The checks use affine maps x = A·X + b, which the harmonic extension reproduces exactly
//! (linear functions are harmonic and quadratic elements hold them), so any node out of place
//! means a wrong Laplacian, a wrong set of free nodes or a wrong rail.

use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, exterior_facets, OsteotomyGeometry};
use callus_mesh::{Mesh, RegionId};
use callus_sim::rezone::{rezone, Rezoned};

fn mesh() -> Mesh {
    mesh_of(1.0)
}

/// The axisymmetric osteotomy with `size_mm` elements at the gap (Quad9).
fn mesh_of(size_mm: f64) -> Mesh {
    let g = OsteotomyGeometry {
        element_size_mm: size_mm,
        ..OsteotomyGeometry::default()
    };
    elevate(&axisymmetric(&g).unwrap(), QuadraticQuad::Quad9).unwrap()
}

fn regions(mesh: &Mesh) -> Vec<RegionId> {
    ["gap", "periosteal_callus", "soft_tissue", "marrow"]
        .iter()
        .map(|n| mesh.region_id(n).unwrap())
        .collect()
}

/// An affine map of the (r, z) half-plane that keeps the axis on itself and satisfies the
/// natural condition of the sliding nodes (∂z/∂r = 0 across the axis and the outer sleeve): a
/// radial stretch, an axial stretch and a shift.
fn affine(x: [f64; 3]) -> [f64; 3] {
    [1.1 * x[0], 1.3 * x[1] + 0.5, 0.0]
}

/// Nodes of the cortex, and nodes on the outer surface of the mesh.
fn cortex_and_surface(mesh: &Mesh) -> (Vec<bool>, Vec<bool>) {
    let cortex = mesh.region_id("cortex").unwrap();
    let (mut in_cortex, mut on_surface) =
        (vec![false; mesh.num_nodes()], vec![false; mesh.num_nodes()]);
    for e in mesh.elements().filter(|e| e.region == cortex) {
        e.nodes.iter().for_each(|&n| in_cortex[n] = true);
    }
    for f in exterior_facets(mesh) {
        mesh.facet_nodes(f)
            .into_iter()
            .for_each(|n| on_surface[n] = true);
    }
    (in_cortex, on_surface)
}

/// A deterministic scramble in [0, 1) for node `n` and component `c`.
fn noise(n: usize, c: usize) -> f64 {
    (((n * 3 + c) as f64 * 12.9898).sin() * 43758.5453)
        .fract()
        .abs()
}

fn moved(r: Rezoned) -> Vec<[f64; 3]> {
    match r {
        Rezoned::Moved(x) => x,
        Rezoned::Refused { rezoned, kept } => panic!("refused: {rezoned} vs {kept}"),
    }
}

fn distance(p: [f64; 3], q: [f64; 3]) -> f64 {
    (0..3).map(|c| (p[c] - q[c]).powi(2)).sum::<f64>().sqrt()
}

/// Goal: an affine current configuration is a fixed point of rezoning (to round-off; to 1e-6 mm
/// with the iterative Laplace solves of large 3D runs, MINRES stopping at 1e-8). The mesh has 0.5 mm
/// elements at the gap (about 4000 nodes), so that the iterative solves go through a multigrid of
/// more than one level (the coarsest is solved densely from 1500 dofs down).
#[test]
fn affine_configuration_is_kept() {
    let m = mesh_of(0.5);
    assert!(m.num_nodes() > 1500, "{} nodes", m.num_nodes());
    let current: Vec<[f64; 3]> = m.coords().iter().map(|&x| affine(x)).collect();
    for iterative in [false, true] {
        let out = moved(rezone(&m, &current, &regions(&m), iterative).unwrap());
        let d = (0..m.num_nodes())
            .map(|n| distance(out[n], current[n]))
            .fold(0.0, f64::max);
        eprintln!("iterative {iterative}: max node distance {d:e} mm");
        let tolerance = if iterative { 1e-6 } else { 1e-9 };
        assert!(
            d < tolerance,
            "iterative {iterative}: max node distance {d:e} mm"
        );
    }
}

/// Goal: inner nodes scrambled by up to 0.15 mm (elements are 1 mm) off an affine configuration
/// are put back on it, and nodes on the axis scrambled along it slide back and keep r = 0.
#[test]
fn scrambled_inner_nodes_are_put_back() {
    let m = mesh();
    let target: Vec<[f64; 3]> = m.coords().iter().map(|&x| affine(x)).collect();
    let (cortex, surface) = cortex_and_surface(&m);
    let on_axis = |n: usize| m.coords()[n][0].abs() < 1e-12;
    let ends: Vec<usize> = ["proximal_end", "distal_end"]
        .iter()
        .flat_map(|s| m.set(s).unwrap().nodes.clone())
        .collect();
    let mut current = target.clone();
    let mut scrambled = Vec::new();
    for n in 0..m.num_nodes() {
        if cortex[n] {
            continue;
        }
        if !surface[n] {
            current[n][0] += 0.15 * noise(n, 0);
        }
        if !surface[n] || on_axis(n) && !ends.contains(&n) {
            current[n][1] += 0.15 * noise(n, 1);
            scrambled.push(n);
        }
    }
    assert!(
        scrambled.len() > m.num_nodes() / 2,
        "{} scrambled",
        scrambled.len()
    );
    let out = moved(rezone(&m, &current, &regions(&m), false).unwrap());
    for &n in &scrambled {
        let d = distance(out[n], target[n]);
        assert!(d < 1e-9, "node {n} at {:?} is {d:e} mm off", m.coords()[n]);
        if on_axis(n) {
            assert_eq!(out[n][0], 0.0, "axis node {n} left the axis");
        }
    }
}

/// Goal: the border never moves: with every node scrambled, the nodes of the cortex (not rezoned)
/// and the outer-surface nodes that do not slide (the bone-end faces) end where they were.
#[test]
fn cortex_and_end_faces_stay_put() {
    let m = mesh();
    let (cortex, _) = cortex_and_surface(&m);
    let current: Vec<[f64; 3]> = m
        .coords()
        .iter()
        .enumerate()
        .map(|(n, &x)| {
            let y = affine(x);
            [
                y[0] + 0.1 * noise(n, 0) * x[0].min(1.0),
                y[1] + 0.1 * noise(n, 1),
                0.0,
            ]
        })
        .collect();
    let out = moved(rezone(&m, &current, &regions(&m), false).unwrap());
    let mut border: Vec<usize> = (0..m.num_nodes()).filter(|&n| cortex[n]).collect();
    border.extend(&m.set("proximal_end").unwrap().nodes);
    border.extend(&m.set("distal_end").unwrap().nodes);
    let mut inner_moved = 0;
    for n in 0..m.num_nodes() {
        if border.contains(&n) {
            assert_eq!(out[n], current[n], "border node {n} moved");
        } else if distance(out[n], current[n]) > 1e-6 {
            inner_moved += 1;
        }
    }
    assert!(
        inner_moved > m.num_nodes() / 2,
        "{inner_moved} nodes rezoned"
    );
}
