//! Solver benchmarks on the Taylor–Hood u–p system of the osteotomy: the element kernel, pattern
//! building, value assembly (1 and 2 threads), SpMV, ordering + symbolic factorization, numeric
//! LDLᵀ (ours and faer called directly, for our overhead), a re-solve with a reused factorization,
//! SpMV (sprs), and one full backward-Euler step. Sizes: axisymmetric Quad9 (≈ 23k dofs) and 3D Tet10 (≈ 85k).
//!
//! `CALLUS_EXPORT_MTX=dir cargo bench -p callus-benches --bench fem` also writes the matrices as
//! Matrix Market for comparison with CHOLMOD (scripts/cholmod_compare.py).

use callus_benches::{
    biot_system, discretise, end_constraints, granulation, meshes, write_matrix_market,
};
use callus_fem::assembly::Assembler;
use callus_fem::element::{biot_blocks, BiotBlocks, ReferenceElement};
use callus_fem::integrate::{BackwardEuler, Operators};
use callus_fem::pattern::{mul_vec, Matrix};
use callus_fem::Idealisation;
use callus_mesh::ElementKind;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn kernels(c: &mut Criterion) {
    for (kind, ideal) in [
        (ElementKind::Quad9, Idealisation::Axisymmetric),
        (ElementKind::Tet10, Idealisation::ThreeD),
    ] {
        let re = ReferenceElement::for_mechanics(kind, ideal);
        let x = callus_fem::shape::reference_nodes(kind)
            .iter()
            .map(|p| [p[0] + 2.0, p[1], p[2]])
            .collect::<Vec<_>>();
        let m = granulation();
        let (mut k, mut q, mut s, mut h) = ([0.0; 900], [0.0; 300], [0.0; 100], [0.0; 100]);
        c.bench_function(&format!("kernel/biot_{kind}"), |b| {
            b.iter(|| {
                biot_blocks(
                    &re,
                    &x,
                    &m,
                    BiotBlocks {
                        k: &mut k,
                        q: &mut q,
                        s: &mut s,
                        h: &mut h,
                    },
                )
                .unwrap()
            })
        });
    }
}

fn solver(c: &mut Criterion) {
    let export = std::env::var_os("CALLUS_EXPORT_MTX").map(std::path::PathBuf::from);
    for (name, mesh, ideal) in meshes() {
        let disc = discretise(&mesh, ideal, 1);
        let n = disc.dofs.len();
        eprintln!(
            "{name}: {n} dofs, {} nonzeros, factor {} nonzeros",
            disc.assembler.pattern.nnz(),
            disc.symbolic().unwrap().factor_nnz()
        );
        let mut group = c.benchmark_group(format!("{name}_{n}dofs"));
        group.sample_size(10);
        group.bench_function("pattern_and_colouring", |b| {
            b.iter(|| Assembler::new(&mesh, &disc.dofs))
        });
        let materials = vec![granulation(); mesh.num_elements()];
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut ops = Operators::zeros(&disc.assembler.pattern);
            group.bench_function(format!("assemble_biot_{threads}thread"), |b| {
                b.iter(|| pool.install(|| disc.assemble_biot(&mesh, &materials, &mut ops).unwrap()))
            });
        }
        let (ops, a) = biot_system(&mesh, &disc, 1.0);
        if let Some(dir) = &export {
            std::fs::create_dir_all(dir).unwrap();
            write_matrix_market(&dir.join(format!("{name}.mtx")), &a).unwrap();
        }
        let x: Vec<f64> = (0..n).map(|i| (i % 17) as f64 * 1e-3).collect();
        let mut y = vec![0.0; n];
        group.bench_function("spmv", |b| b.iter(|| mul_vec(&a, &x, &mut y)));
        group.bench_function("ordering_and_symbolic", |b| {
            b.iter(|| {
                let perm =
                    callus_fem::pattern::nested_dissection(&disc.assembler.graph, &disc.dofs)
                        .unwrap();
                callus_fem::solver::SymbolicFactorization::new(
                    &disc.assembler.pattern,
                    &perm,
                    callus_fem::solver::Definiteness::QuasiDefinite,
                    1,
                )
                .unwrap()
            })
        });
        group.bench_function("numeric_ldlt_fresh", |b| {
            b.iter(|| disc.symbolic().unwrap().factorize(&a).unwrap())
        });
        let mut reused = disc.symbolic().unwrap().factorize(&a).unwrap();
        group.bench_function("numeric_ldlt_refactorize", |b| {
            b.iter(|| reused.refactorize(&a).unwrap())
        });
        drop(reused);
        let bare = bare_faer_symbolic(&disc);
        let mut l = vec![0.0; bare.len_val()];
        let mut mem = faer::dyn_stack::MemBuffer::new(bare.factorize_numeric_ldlt_scratch::<f64>(
            faer::Par::Seq,
            faer::Spec::<faer::linalg::cholesky::ldlt::factor::LdltParams, f64>::default(),
        ));
        group.bench_function("numeric_ldlt_bare_faer", |b| {
            b.iter(|| bare_faer_ldlt(&disc, &bare, &mut l, &mut mem, &a))
        });
        let factor = disc.symbolic().unwrap().factorize(&a).unwrap();
        group.bench_function("solve_reused_factorization", |b| {
            b.iter_batched(
                || x.clone(),
                |mut rhs| factor.solve_in_place(&mut rhs),
                BatchSize::LargeInput,
            )
        });
        drop(factor);
        // A step of the driver the simulation uses, with its factorization kept (same Δt).
        let mut stepper = BackwardEuler::new(&disc, &ops, end_constraints(&mesh, &disc));
        let mut state = vec![0.0; n];
        let mut f = vec![0.0; n];
        f[0] = 1e-3;
        stepper.step(1.0, &mut state, Some(&f)).unwrap();
        group.bench_function("backward_euler_step", |b| {
            b.iter(|| stepper.step(1.0, &mut state, Some(&f)).unwrap())
        });
        group.finish();
    }
}

/// The pattern as faer's symbolic matrix (the same arrays).
fn structure(
    p: &callus_fem::pattern::SparsityPattern,
) -> faer::sparse::SymbolicSparseColMatRef<'_, usize> {
    faer::sparse::SymbolicSparseColMatRef::new_checked(p.n, p.n, p.col_ptr(), None, p.row_idx())
}

/// faer's own symbolic LDLᵀ structure for the same pattern and ordering (for the overhead check).
fn bare_faer_symbolic(
    disc: &callus_fem::problem::Discretisation,
) -> faer::sparse::linalg::cholesky::SymbolicCholesky<usize> {
    use faer::sparse::linalg::cholesky::{
        factorize_symbolic_cholesky, CholeskySymbolicParams, SymmetricOrdering,
    };
    let p = &disc.assembler.pattern;
    let sym = structure(p);
    let perm = callus_fem::pattern::nested_dissection(&disc.assembler.graph, &disc.dofs).unwrap();
    let mut inv = vec![0; perm.len()];
    for (i, &q) in perm.iter().enumerate() {
        inv[q] = i;
    }
    let perm = faer::perm::PermRef::new_checked(&perm, &inv, p.n);
    factorize_symbolic_cholesky(
        sym,
        faer::Side::Lower,
        SymmetricOrdering::Custom(perm),
        CholeskySymbolicParams::default(),
    )
    .unwrap()
}

/// faer's numeric LDLᵀ called directly, with the factor and workspace allocated outside.
fn bare_faer_ldlt(
    disc: &callus_fem::problem::Discretisation,
    symbolic: &faer::sparse::linalg::cholesky::SymbolicCholesky<usize>,
    l: &mut [f64],
    mem: &mut faer::dyn_stack::MemBuffer,
    a: &Matrix,
) {
    use faer::linalg::cholesky::ldlt::factor::LdltRegularization;
    let p = &disc.assembler.pattern;
    let sym = structure(p);
    symbolic
        .factorize_numeric_ldlt(
            l,
            faer::sparse::SparseColMatRef::new(sym, a.data()),
            faer::Side::Lower,
            LdltRegularization::default(),
            faer::Par::Seq,
            faer::dyn_stack::MemStack::new(mem),
            Default::default(),
        )
        .unwrap();
}

/// Drained elasticity (SPD, LLᵀ) on the 3D mesh: the matrix CHOLMOD can also factorize (its
/// supernodal LLᵀ needs a definite matrix, which the u–p system is not).
fn elastic_llt(c: &mut Criterion) {
    let export = std::env::var_os("CALLUS_EXPORT_MTX").map(std::path::PathBuf::from);
    let (name, mesh, ideal) = meshes().pop().unwrap();
    let disc = callus_fem::problem::Discretisation::new(
        &mesh,
        ideal,
        callus_fem::dofs::Fields::Displacement,
        1,
    )
    .unwrap();
    let mut a = disc.zeros();
    disc.assemble_elastic(
        &mesh,
        &vec![
            callus_fem::material::Elastic {
                youngs_modulus_mpa: 1000.0,
                poisson_ratio: 0.3
            };
            mesh.num_elements()
        ],
        &mut a,
    )
    .unwrap();
    let mut bc = callus_fem::bc::Constraints::new();
    for set in ["proximal_end", "distal_end"] {
        for comp in 0..3 {
            bc.displacement_on_set(&mesh, &disc.dofs, set, comp, 0.0)
                .unwrap();
        }
    }
    bc.apply_to_matrix(&disc.assembler.pattern, &mut a, disc.dofs.kinds());
    let n = disc.dofs.len();
    eprintln!(
        "{name} elasticity: {n} dofs, {} nonzeros, factor {} nonzeros",
        disc.assembler.pattern.nnz(),
        disc.symbolic().unwrap().factor_nnz()
    );
    if let Some(dir) = &export {
        std::fs::create_dir_all(dir).unwrap();
        write_matrix_market(&dir.join(format!("{name}_elastic.mtx")), &a).unwrap();
    }
    let mut group = c.benchmark_group(format!("{name}_elastic_{n}dofs"));
    group.sample_size(10);
    let mut factor = disc.symbolic().unwrap().factorize(&a).unwrap();
    group.bench_function("numeric_llt_refactorize", |b| {
        b.iter(|| factor.refactorize(&a).unwrap())
    });
    drop(factor);
    // The same factorization with faer's rayon parallelism on 2 threads.
    let perm = callus_fem::pattern::nested_dissection(&disc.assembler.graph, &disc.dofs).unwrap();
    let two = callus_fem::solver::SymbolicFactorization::new(
        &disc.assembler.pattern,
        &perm,
        callus_fem::solver::Definiteness::PositiveDefinite,
        2,
    )
    .unwrap();
    let mut factor = two.factorize(&a).unwrap();
    group.bench_function("numeric_llt_refactorize_2threads", |b| {
        b.iter(|| factor.refactorize(&a).unwrap())
    });
    group.finish();
}

criterion_group!(benches, kernels, solver, elastic_llt);
criterion_main!(benches);
