//! Mesh-layer benchmarks: the generator, degree elevation, gap growth, Gmsh import and VTU export on
//! the default geometries (2D axisymmetric and 3D revolved).
//!
//! Run with `cargo bench -p callus-benches --bench mesh`.

use std::path::PathBuf;

use callus_io::vtu::to_vtu_string;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, revolved, OsteotomyGeometry, Revolution};
use callus_mesh::gmsh::read_msh;
use callus_mesh::growth::insert_layer;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn meshes_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../meshes")
}

fn generator(c: &mut Criterion) {
    let g2 = OsteotomyGeometry::default();
    let g3 = OsteotomyGeometry::default_3d();
    c.bench_function("generate/axisymmetric_quad4_default", |b| {
        b.iter(|| axisymmetric(&g2).unwrap())
    });
    c.bench_function("generate/revolved_tet4_default", |b| {
        b.iter(|| revolved(&g3, Revolution::default()).unwrap())
    });
    let quads = axisymmetric(&g2).unwrap();
    let tets = revolved(&g3, Revolution::default()).unwrap();
    c.bench_function("elevate/quad4_to_quad9_default", |b| {
        b.iter(|| elevate(&quads, QuadraticQuad::Quad9).unwrap())
    });
    c.bench_function("elevate/tet4_to_tet10_default", |b| {
        b.iter(|| elevate(&tets, QuadraticQuad::Quad9).unwrap())
    });
}

fn growth(c: &mut Criterion) {
    let q9 = elevate(
        &axisymmetric(&OsteotomyGeometry::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    let t10 = elevate(
        &revolved(&OsteotomyGeometry::default_3d(), Revolution::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    c.bench_function("growth/insert_layer_quad9_default", |b| {
        b.iter_batched(
            || q9.clone(),
            |mut m| insert_layer(&mut m, "growth_plane", 0.25).unwrap(),
            BatchSize::LargeInput,
        )
    });
    c.bench_function("growth/insert_layer_tet10_default", |b| {
        b.iter_batched(
            || t10.clone(),
            |mut m| insert_layer(&mut m, "growth_plane", 0.25).unwrap(),
            BatchSize::LargeInput,
        )
    });
}

fn io(c: &mut Criterion) {
    let file = meshes_dir().join("ovine_3d.msh");
    c.bench_function("io/read_msh41_binary_ovine_3d", |b| {
        b.iter(|| read_msh(&file).unwrap())
    });
    let t10 = elevate(
        &revolved(&OsteotomyGeometry::default_3d(), Revolution::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    c.bench_function("io/vtu_string_tet10_default", |b| {
        b.iter(|| to_vtu_string(&t10, &[], &[]).unwrap())
    });
}

criterion_group!(benches, generator, growth, io);
criterion_main!(benches);
