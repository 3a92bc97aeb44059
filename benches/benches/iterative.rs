//! The iterative path (`callus_fem::iterative`) on the benchmark meshes' u–p systems (granulation
//! tissue, Δt = 10 s, bone ends clamped and drained): the preconditioner's set-up (multigrid
//! hierarchy of the displacement block and the factorized fixed-stress Schur approximation), one
//! application of it (a V-cycle and a pressure solve), and a whole MINRES solve from rest to the
//! default tolerance, against the direct LDLᵀ's numeric factorization and solve of the same matrix.
//! The hierarchy and the iterations are printed.

use callus_benches::{biot_system, discretise, granulation, meshes};
use callus_fem::iterative::{
    rigid_body_modes, BlockPreconditioner, IterativeParams, IterativeSolve,
};
use callus_fem::krylov::Preconditioner;
use criterion::{criterion_group, criterion_main, Criterion};

fn iterative(c: &mut Criterion) {
    for (name, mesh, ideal) in meshes() {
        let disc = discretise(&mesh, ideal, 1);
        let n = disc.dofs.len();
        let (_, a) = biot_system(&mesh, &disc, 10.0);
        let mut fs = disc.zeros();
        disc.assemble_fixed_stress(&mesh, &vec![granulation(); mesh.num_elements()], &mut fs)
            .unwrap();
        let modes = rigid_body_modes(&mesh, &disc.dofs, ideal);
        let kinds = disc.dofs.kinds();
        let dim = disc.dofs.dim();
        let params = IterativeParams::default();
        // A load: unit axial body forces on every node's displacement.
        let rhs: Vec<f64> = kinds
            .iter()
            .map(|k| match k {
                callus_fem::dofs::DofKind::Displacement(c) if *c as usize == dim - 1 => 1e-3,
                _ => 0.0,
            })
            .collect();
        let mut solve = IterativeSolve::new(&a, kinds, dim, &modes, Some(&fs), params).unwrap();
        let mut x = vec![0.0; n];
        let iterations = solve.solve(&a, &rhs, &mut x).unwrap();
        let shape = solve.amg_shape();
        eprintln!(
            "{name}: {n} dofs, multigrid levels {:?}, operator complexity {:.2}, MINRES {iterations} iterations to {:.0e}",
            shape.dofs,
            shape.operator_complexity(),
            params.krylov.tolerance
        );
        let mut group = c.benchmark_group(format!("{name}_iterative_{n}dofs"));
        group.sample_size(10);
        group.bench_function("preconditioner_setup", |b| {
            b.iter(|| {
                BlockPreconditioner::new(&a, kinds, dim, &modes, Some(&fs), params.amg).unwrap()
            })
        });
        let mut pre =
            BlockPreconditioner::new(&a, kinds, dim, &modes, Some(&fs), params.amg).unwrap();
        let mut z = vec![0.0; n];
        group.bench_function("preconditioner_apply", |b| {
            b.iter(|| pre.apply(&rhs, &mut z))
        });
        group.bench_function("minres_solve", |b| {
            b.iter(|| {
                x.fill(0.0);
                solve.solve(&a, &rhs, &mut x).unwrap()
            })
        });
        let symbolic = disc.symbolic().unwrap();
        let mut factor = symbolic.factorize(&a).unwrap();
        group.bench_function("direct_refactorize", |b| {
            b.iter(|| factor.refactorize(&a).unwrap())
        });
        group.bench_function("direct_solve", |b| {
            b.iter(|| {
                x.copy_from_slice(&rhs);
                factor.solve_in_place(&mut x)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, iterative);
criterion_main!(benches);
