//! The state follows the material through a rezoning (crates/callus-sim/src/remap.rs; MODEL.md §5:
//! state mapping conserves cell and tissue content).
//!
//! Mesh: the built-in axisymmetric osteotomy (Quad9, 1 mm elements). Motion: the inner nodes of the
//! gap, periosteal callus, soft tissue and marrow scrambled by up to 0.15 mm (an axial stretch
//! besides), then rezoned (crates/callus-sim/src/rezone.rs), which moves them back; the state is
//! remapped from the scrambled positions to the rezoned ones. Tissue: every element but the
//! cortex's is regenerate, each with its own history of votes, so that a wrong sign or a wrong
//! facet moves content measurably.

use callus_bio::rules::Phenotype;
use callus_bio::state::{MixingLaws, TissueState};
use callus_bio::tissue::TissueCatalogue;
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, exterior_facets, OsteotomyGeometry};
use callus_mesh::Mesh;
use callus_sim::observe::volume;
use callus_sim::remap::{remap_nodal, remap_tissue};
use callus_sim::rezone::{rezone, Rezoned};

fn mesh() -> Mesh {
    let g = OsteotomyGeometry {
        element_size_mm: 1.0,
        ..OsteotomyGeometry::default()
    };
    elevate(&axisymmetric(&g).unwrap(), QuadraticQuad::Quad9).unwrap()
}

/// A deterministic scramble in [0, 1) for node `n` and component `c`.
fn noise(n: usize, c: usize) -> f64 {
    (((n * 3 + c) as f64 * 12.9898).sin() * 43758.5453)
        .fract()
        .abs()
}

/// The scrambled positions (inner nodes off the cortex) and the rezoned ones.
fn scrambled_and_rezoned(m: &Mesh) -> (Vec<[f64; 3]>, Vec<[f64; 3]>) {
    let cortex = m.region_id("cortex").unwrap();
    let mut fixed = vec![false; m.num_nodes()];
    for e in m.elements().filter(|e| e.region == cortex) {
        e.nodes.iter().for_each(|&n| fixed[n] = true);
    }
    for f in exterior_facets(m) {
        m.facet_nodes(f).into_iter().for_each(|n| fixed[n] = true);
    }
    let from: Vec<[f64; 3]> = m
        .coords()
        .iter()
        .enumerate()
        .map(|(n, &x)| {
            if fixed[n] {
                x
            } else {
                [x[0] + 0.15 * noise(n, 0), x[1] + 0.15 * noise(n, 1), 0.0]
            }
        })
        .collect();
    let regions: Vec<_> = ["gap", "periosteal_callus", "soft_tissue", "marrow"]
        .iter()
        .map(|r| m.region_id(r).unwrap())
        .collect();
    match rezone(m, &from, &regions, false).unwrap() {
        Rezoned::Moved(to) => (from, to),
        Rezoned::Refused { rezoned, kept } => panic!("refused: {rezoned} vs {kept}"),
    }
}

/// Each tissue's volume over the regenerate (mm³) with the nodes at `x`.
fn contents(m: &Mesh, x: &[[f64; 3]], tissue: &TissueState) -> [f64; 6] {
    let mut at = m.clone();
    at.coords_mut().copy_from_slice(x);
    let mut c = [0.0; 6];
    for e in 0..m.num_elements() {
        let v = volume(&at, Idealisation::Axisymmetric, e);
        for (t, f) in c.iter_mut().zip(tissue.fractions(e).values()) {
            *t += v * f;
        }
    }
    c
}

/// Goal: the donor-cell remap of the tissue histories conserves every tissue's volume in the
/// regenerate to rounding (the facets' swept volumes add up to each element's change of volume),
/// keeps every element's fractions summing to 1 and in [0, 1], and changes them where the mesh
/// moved (so that a remap that did nothing would fail).
#[test]
fn rezoning_conserves_each_tissue_in_the_regenerate() {
    let m = mesh();
    let cortex = m.region_id("cortex").unwrap();
    let fixed = m
        .elements()
        .map(|e| (e.region == cortex).then(|| "cortical_bone".to_string()))
        .collect();
    let mut tissue = TissueState::new(
        fixed,
        10,
        MixingLaws::default(),
        &TissueCatalogue::default_table(),
    )
    .unwrap();
    for day in 0..7 {
        let votes: Vec<Option<Phenotype>> = (0..m.num_elements())
            .map(|e| Some(Phenotype::ALL[(e * 7 + day * (e % 3)) % Phenotype::ALL.len()]))
            .collect();
        tissue.record_day(&votes).unwrap();
    }
    let regenerate: Vec<bool> = m.elements().map(|e| e.region != cortex).collect();
    let (from, to) = scrambled_and_rezoned(&m);
    let before = contents(&m, &from, &tissue);
    let old = tissue.clone();
    let mut moved = m.clone();
    moved.coords_mut().copy_from_slice(&to);
    let report = remap_tissue(
        &moved,
        Idealisation::Axisymmetric,
        &regenerate,
        &from,
        &to,
        &mut tissue,
    )
    .unwrap();
    let after = contents(&m, &to, &tissue);
    let total: f64 = before.iter().sum();
    for t in 0..6 {
        assert!(
            (after[t] - before[t]).abs() < 1e-12 * total,
            "tissue {t}: {} -> {} mm³",
            before[t],
            after[t]
        );
    }
    assert_eq!(report.inflow_mm3, [0.0; 6], "no fixed tissue can enter");
    let mut changed = 0;
    for (e, &is_regenerate) in regenerate.iter().enumerate() {
        let f = tissue.fractions(e);
        assert!(f
            .values()
            .iter()
            .all(|v| (-1e-15..=1.0 + 1e-15).contains(v)));
        if is_regenerate {
            assert!((f.total() - 1.0).abs() < 1e-12);
        }
        if (0..6).any(|t| (f.values()[t] - old.fractions(e).values()[t]).abs() > 1e-3) {
            changed += 1;
        }
    }
    assert!(changed > m.num_elements() / 4, "{changed} elements changed");
}

/// Goal: nodal fields are read at the nodes' new positions: a linear field, which the quadratic
/// elements hold exactly, comes out as its value at each new position, and a field in [0, 1]
/// stays in it.
#[test]
fn rezoning_reads_nodal_fields_at_the_new_positions() {
    let m = mesh();
    let (from, to) = scrambled_and_rezoned(&m);
    let linear = |x: [f64; 3]| 0.3 + 0.02 * x[0] + 0.01 * x[1];
    let mut field: Vec<f64> = from.iter().map(|&x| linear(x)).collect();
    let mut step: Vec<f64> = from
        .iter()
        .map(|&x| if x[1] > 0.3 { 1.0 } else { 0.0 })
        .collect();
    let mut moved = m.clone();
    moved.coords_mut().copy_from_slice(&to);
    remap_nodal(&moved, &from, &to, &mut [&mut field, &mut step]);
    let mut compared = 0;
    for n in 0..m.num_nodes() {
        if from[n] != to[n] {
            compared += 1;
            assert!(
                (field[n] - linear(to[n])).abs() < 1e-10,
                "node {n}: {} vs {}",
                field[n],
                linear(to[n])
            );
        }
        assert!((0.0..=1.0).contains(&step[n]));
    }
    assert!(compared > m.num_nodes() / 4, "{compared} nodes moved");
}
