//! Shared set-up of the callus benchmarks: the problems they time, and a Matrix Market writer so
//! the same matrices can be factorized by other solvers (CHOLMOD) for comparison.

use std::io::Write;

use callus_fem::dofs::Fields;
use callus_fem::material::{Biot, Elastic};
use callus_fem::problem::Discretisation;
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, revolved, OsteotomyGeometry, Revolution};
use callus_mesh::Mesh;

/// Granulation tissue (MODEL.md §2) as a Biot material.
pub fn granulation() -> Biot {
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

/// The two benchmark meshes: the axisymmetric osteotomy at 0.25 mm (Quad9, ≈ 23k u–p dofs) and the
/// default 3D osteotomy (Tet10, ≈ 85k u–p dofs).
pub fn meshes() -> Vec<(&'static str, Mesh, Idealisation)> {
    let g2 = OsteotomyGeometry {
        element_size_mm: 0.25,
        ..Default::default()
    };
    let m2 = elevate(&axisymmetric(&g2).unwrap(), QuadraticQuad::Quad9).unwrap();
    let m3 = elevate(
        &revolved(&OsteotomyGeometry::default_3d(), Revolution::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    vec![
        ("axisym_quad9", m2, Idealisation::Axisymmetric),
        ("3d_tet10", m3, Idealisation::ThreeD),
    ]
}

/// The Biot system matrix for Δt on `disc`, with the bone ends fixed and drained (so that it is
/// quasi-definite), and the previous-state matrix.
pub fn biot_system(disc: &Discretisation, dt_s: f64) -> (Vec<f64>, Vec<f64>) {
    let mesh = disc.mesh();
    let materials = vec![granulation(); mesh.num_elements()];
    let (mut a, mut c) = (disc.new_values(), disc.new_values());
    disc.assemble_biot(&materials, dt_s, &mut a, &mut c)
        .unwrap();
    let mut bc = callus_fem::bc::Constraints::new();
    for set in ["proximal_end", "distal_end"] {
        for comp in 0..disc.ideal.dim() {
            bc.displacement_on_set(mesh, &disc.dofs, set, comp, 0.0)
                .unwrap();
        }
        bc.pressure_on_set(mesh, &disc.dofs, set, 0.0).unwrap();
    }
    bc.apply_to_matrix(&disc.assembler.pattern, &mut a, disc.dofs.kinds());
    (a, c)
}

/// Writes the lower triangle of a symmetric matrix as Matrix Market (`symmetric`).
pub fn write_matrix_market(
    path: &std::path::Path,
    disc: &Discretisation,
    values: &[f64],
) -> std::io::Result<()> {
    let p = &disc.assembler.pattern;
    let mut lower = Vec::new();
    for col in 0..p.n {
        let range = p.col_ptr[col]..p.col_ptr[col + 1];
        for (&row, &v) in p.row_idx[range.clone()].iter().zip(&values[range]) {
            if row >= col {
                lower.push((row, col, v));
            }
        }
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "%%MatrixMarket matrix coordinate real symmetric")?;
    writeln!(f, "{} {} {}", p.n, p.n, lower.len())?;
    for (i, j, v) in lower {
        writeln!(f, "{} {} {v:e}", i + 1, j + 1)?;
    }
    Ok(())
}

/// A fixed-dof discretisation of a benchmark mesh.
pub fn discretise(mesh: &Mesh, ideal: Idealisation, threads: usize) -> Discretisation {
    Discretisation::new(mesh, ideal, Fields::DisplacementPressure, threads).unwrap()
}
