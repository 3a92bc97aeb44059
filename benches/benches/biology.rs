//! The biology of a day on the axisymmetric osteotomy: the cell diffusion (4 backward-Euler steps
//! on one factorization) and the vascularity (10 semi-implicit sub-steps, MODEL.md §4b), each
//! with the assembly of its diffusion matrices; the element masses are integrated on the first
//! iteration and kept after it, as in a run, where the day's volume means have integrated them
//! before the diffusion. The vascularity is timed both ways it solves a sub-step: the fixed point
//! on one factorization of M + Δt K for the day (the default, Δt·k_φ = 0.03) and a factorization
//! of each sub-step's matrix (what every sub-step cost before; taken here with k_φ = 3/day, Δt·k_φ
//! = 0.3, above the fixed point's limit, so D_φ = c²/(4k_φ) is 10 times smaller: the same
//! matrices' pattern, other values, which a direct solve's cost does not see). Meshes: the default
//! 0.5 mm and 0.25 mm. Unstrained tissue (gate 1, no damage), φ and c from 0 in the gap.

use callus_bio::cells::{CellDiffusion, CellParams};
use callus_bio::vascularity::{Vascularity, VascularityParams};
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, OsteotomyGeometry};
use callus_mesh::Mesh;
use criterion::{criterion_group, criterion_main, Criterion};

fn mesh(element_size_mm: f64) -> Mesh {
    let g = OsteotomyGeometry {
        element_size_mm,
        ..Default::default()
    };
    elevate(&axisymmetric(&g).unwrap(), QuadraticQuad::Quad9).unwrap()
}

fn biology_day(c: &mut Criterion) {
    let ideal = Idealisation::Axisymmetric;
    for size in [0.5, 0.25] {
        let mesh = mesh(size);
        let n = mesh.num_elements();
        let mut group =
            c.benchmark_group(format!("biology_day/{size}mm_{}nodes", mesh.num_nodes()));
        group.sample_size(10);
        let mut cells = CellDiffusion::new(&mesh, ideal, CellParams::default()).unwrap();
        let c0 = cells.initial();
        group.bench_function("cells", |b| {
            b.iter(|| {
                let mut c = c0.clone();
                cells.advance(&mesh, &mut c, 1.0).unwrap()
            })
        });
        for (name, rate) in [
            ("vascularity_fixed_point", 0.3),
            ("vascularity_refactorize", 3.0),
        ] {
            let params = VascularityParams {
                growth_rate_per_day: rate,
                ..VascularityParams::default()
            };
            let mut v = Vascularity::new(&mesh, ideal, params).unwrap();
            let phi0 = v.initial();
            let (gate, damage) = (vec![1.0; n], vec![0.0; n]);
            group.bench_function(name, |b| {
                b.iter(|| {
                    let mut phi = phi0.clone();
                    v.advance(&mesh, &mut phi, 12, 1.0, &gate, &damage).unwrap()
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, biology_day);
criterion_main!(benches);
