//! A whole distraction step of the axisymmetric osteotomy, as the simulation takes it (assembly,
//! the poroelastic transient with its factorizations and solves, the element states and
//! envelopes at every time level): adaptive time steps (the default) against the fixed doubling
//! schedule; and the element states of one time level, through the quadrature points and through
//! the linear state map; and a load cycle through the fixator's pins (a rigid plate) and as a
//! traction on the end face. Meshes: the default 0.5 mm (≈ 5.9k u–p dofs) and 0.25 mm (≈ 23k).
//! Step: 0.25 mm over a 60 s ramp, held for 6 h; granulation tissue in the soft regions, cortical
//! bone in the cortex.

use callus_benches::granulation;
use callus_fem::dofs::Fields;
use callus_fem::material::{Biot, Elastic};
use callus_fem::post::PointState;
use callus_fem::problem::Discretisation;
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, OsteotomyGeometry};
use callus_mesh::Mesh;
use callus_sim::materials::Materials;
use callus_sim::mechanics::{AxialLoad, Mechanics, StepStart, Stepping};
use callus_sim::protocol::Step;
use callus_sim::scenario::{Boundary, LoadPath, Scenario};
use criterion::{criterion_group, criterion_main, Criterion};

fn mesh(element_size_mm: f64) -> Mesh {
    let g = OsteotomyGeometry {
        element_size_mm,
        ..Default::default()
    };
    elevate(&axisymmetric(&g).unwrap(), QuadraticQuad::Quad9).unwrap()
}

/// Granulation tissue everywhere but the cortex (cortical bone, E = 20 GPa).
fn biot_materials(mesh: &Mesh) -> Vec<Biot> {
    let bone = Biot::from_constituents(
        Elastic {
            youngs_modulus_mpa: 20_000.0,
            poisson_ratio: 0.3,
        },
        17_660.0,
        2300.0,
        0.04,
        1e-5,
    );
    mesh.elements()
        .map(|e| match mesh.region_names()[e.region].as_str() {
            "cortex" => bone,
            _ => granulation(),
        })
        .collect()
}

fn materials(mesh: &Mesh) -> Materials {
    let biot = biot_materials(mesh);
    let n = biot.len();
    Materials {
        elastic: biot.iter().map(|b| b.skeleton).collect(),
        youngs_modulus_mpa: biot.iter().map(|b| b.skeleton.youngs_modulus_mpa).collect(),
        mobility_mm4_per_ns: biot.iter().map(|b| b.mobility_mm4_per_ns).collect(),
        biot,
        velocity_divisor: vec![0.8; n],
        cells: vec![1.0; n],
    }
}

/// The built-in scenario's boundary sets (the generator's names).
fn boundary() -> Boundary {
    Scenario::default_scenario().boundary
}

fn distraction_step(c: &mut Criterion) {
    // The built-in protocol's first distraction step: 0.25 mm over 60 s, then 6 h held.
    let step: Step = Scenario::default_scenario()
        .protocol
        .plan()
        .into_iter()
        .find_map(|day| day.steps.into_iter().next())
        .unwrap();
    for size in [0.5, 0.25] {
        let mesh = mesh(size);
        let ideal = Idealisation::Axisymmetric;
        let materials = materials(&mesh);
        let pressure = vec![0.0; mesh.num_nodes()];
        let doubling = Stepping {
            tolerance: None,
            ..Stepping::default()
        };
        let mut group = c.benchmark_group(format!("distraction_step_{size}mm"));
        group.sample_size(10);
        for (name, stepping) in [("adaptive", Stepping::default()), ("doubling", doubling)] {
            let mut mech = Mechanics::new(&mesh, ideal, &boundary(), stepping, 1).unwrap();
            let run = |mech: &mut Mechanics| {
                let start = StepStart {
                    pressure_mpa: &pressure,
                    prestress_mpa: None,
                };
                mech.distraction_step(&mesh, &materials, &step, start)
                    .unwrap()
            };
            let levels = run(&mut mech).forces.len();
            let t = mech.timings;
            eprintln!(
                "{size} mm, {} u–p dofs, {name}: {levels} time levels, {} factorizations, {} solves",
                mech.dofs(),
                t.factorizations,
                t.solves
            );
            group.bench_function(name, |b| b.iter(|| run(&mut mech)));
        }
        group.finish();
    }
}

/// One load cycle (200 N through a 1000 N/mm fixator, 0.5 s in 5 steps, the default's) on the
/// default mesh, through the pins (the rigid plate: one extra solve per factorization for its unit
/// motion) and as a uniform traction on the end face.
fn load_cycle(c: &mut Criterion) {
    let mesh = mesh(0.5);
    let materials = materials(&mesh);
    let mut group = c.benchmark_group("load_cycle_0.5mm");
    group.sample_size(10);
    for (name, path) in [("pins", LoadPath::Pins), ("end_face", LoadPath::EndFace)] {
        let load = AxialLoad {
            load_n: 200.0,
            fixator_stiffness_n_per_mm: 1000.0,
            ramp_s: 0.5,
            path,
        };
        let mut mech = Mechanics::new(
            &mesh,
            Idealisation::Axisymmetric,
            &boundary(),
            Stepping::default(),
            1,
        )
        .unwrap();
        group.bench_function(name, |b| {
            b.iter(|| mech.load_cycle(&mesh, &materials, &load).unwrap())
        });
    }
    group.finish();
}

fn element_states(c: &mut Criterion) {
    let mesh = mesh(0.5);
    let ideal = Idealisation::Axisymmetric;
    let disc = Discretisation::new(&mesh, ideal, Fields::DisplacementPressure, 1).unwrap();
    let materials = biot_materials(&mesh);
    let x: Vec<f64> = (0..disc.dofs.len())
        .map(|i| 1e-3 * (0.37 * i as f64).sin())
        .collect();
    let mut group = c.benchmark_group(format!("element_states_{}elements", mesh.num_elements()));
    group.bench_function("quadrature_points", |b| {
        b.iter(|| disc.biot_element_states(&mesh, &materials, &x).unwrap())
    });
    group.bench_function("state_map_setup", |b| {
        b.iter(|| disc.biot_state_map(&mesh, &materials).unwrap())
    });
    let map = disc.biot_state_map(&mesh, &materials).unwrap();
    let mut out = vec![PointState::default(); mesh.num_elements()];
    group.bench_function("state_map", |b| {
        b.iter(|| disc.biot_states_into(&map, &x, &mut out))
    });
    group.finish();
}

criterion_group!(benches, distraction_step, load_cycle, element_states);
criterion_main!(benches);
