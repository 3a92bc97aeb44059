//! Shared set-up of the callus benchmarks: the problems they time, and a Matrix Market writer so
//! the same matrices can be factorized by other solvers (CHOLMOD) for comparison.

use callus_fem::dofs::Fields;
use callus_fem::integrate::Operators;
use callus_fem::material::{Biot, Elastic};
use callus_fem::pattern::Matrix;
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

/// The Biot operators of `mesh` on `disc`, and the system matrix A(Δt) = A₀ + Δt·A₁ with the bone
/// ends fixed and drained (so that it is quasi-definite).
pub fn biot_system(mesh: &Mesh, disc: &Discretisation, dt_s: f64) -> (Operators, Matrix) {
    let materials = vec![granulation(); mesh.num_elements()];
    let mut ops = Operators::zeros(&disc.assembler.pattern);
    disc.assemble_biot(mesh, &materials, &mut ops).unwrap();
    let mut a = ops.a0.clone();
    for ((s, a0), a1) in a
        .data_mut()
        .iter_mut()
        .zip(ops.a0.data())
        .zip(ops.a1.data())
    {
        *s = a0 + dt_s * a1;
    }
    end_constraints(mesh, disc).apply_to_matrix(&disc.assembler.pattern, &mut a, disc.dofs.kinds());
    (ops, a)
}

/// Both bone ends clamped, and drained when the problem has a pressure.
pub fn end_constraints(mesh: &Mesh, disc: &Discretisation) -> callus_fem::bc::Constraints {
    let mut bc = callus_fem::bc::Constraints::new();
    for set in ["proximal_end", "distal_end"] {
        for comp in 0..disc.ideal.dim() {
            bc.displacement_on_set(mesh, &disc.dofs, set, comp, 0.0)
                .unwrap();
        }
        bc.pressure_on_set(mesh, &disc.dofs, set, 0.0).unwrap();
    }
    bc
}

/// Writes a symmetric matrix as Matrix Market (`symmetric`, one triangle), with sprs.
pub fn write_matrix_market(path: &std::path::Path, a: &Matrix) -> std::io::Result<()> {
    sprs::io::write_matrix_market_sym(path, a.view(), sprs::io::SymmetryMode::Symmetric)
}

/// A fixed-dof discretisation of a benchmark mesh.
pub fn discretise(mesh: &Mesh, ideal: Idealisation, threads: usize) -> Discretisation {
    Discretisation::new(mesh, ideal, Fields::DisplacementPressure, threads).unwrap()
}
