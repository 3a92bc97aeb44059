//! What an incremental (updated-configuration) analysis needs from a discretisation: moving its
//! nodes without redoing the symbolic work, element states of a u–p solution, and the nodal forces
//! of a carried initial stress.

use callus_fem::dofs::Fields;
use callus_fem::integrate::Operators;
use callus_fem::material::{Biot, Elastic};
use callus_fem::pattern::Matrix;
use callus_fem::problem::Discretisation;
use callus_fem::verification::{column_3d, column_axisymmetric};
use callus_fem::Idealisation;
use callus_mesh::Mesh;

fn tissue() -> Biot {
    Biot::from_constituents(
        Elastic {
            youngs_modulus_mpa: 2.0,
            poisson_ratio: 0.167,
        },
        2300.0,
        2300.0,
        0.8,
        1e-2,
    )
}

/// A smooth, non-affine map of the nodes (the configuration after an increment).
fn moved(mesh: &Mesh) -> Vec<[f64; 3]> {
    mesh.coords()
        .iter()
        .map(|x| {
            [
                x[0] * (1.0 + 0.05 * x[1]),
                x[1] * 1.1 + 0.02 * x[0] * x[0],
                x[2],
            ]
        })
        .collect()
}

/// Goal: a discretisation holds no node positions: assembled on the moved mesh it gives the same
/// operators as a discretisation built there, and a mesh of another size is refused.
/// Mesh: axisymmetric Quad9 column r ≤ 1, 0 ≤ z ≤ 2 (4 elements); Biot.
#[test]
fn moved_nodes_assemble_like_a_mesh_built_there() {
    let mesh = column_axisymmetric(2.0, 1.0, 4).unwrap();
    let mut there = mesh.clone();
    there.coords_mut().copy_from_slice(&moved(&mesh));
    let built_here = Discretisation::new(
        &mesh,
        Idealisation::Axisymmetric,
        Fields::DisplacementPressure,
        1,
    )
    .unwrap();
    let built_there = Discretisation::new(
        &there,
        Idealisation::Axisymmetric,
        Fields::DisplacementPressure,
        1,
    )
    .unwrap();
    let m = vec![tissue(); mesh.num_elements()];
    let assemble = |disc: &Discretisation, on: &Mesh| {
        let mut ops = Operators::zeros(&disc.assembler.pattern);
        disc.assemble_biot(on, &m, &mut ops).unwrap();
        ops
    };
    let (moved_ops, fresh, before) = (
        assemble(&built_here, &there),
        assemble(&built_there, &there),
        assemble(&built_here, &mesh),
    );
    let diff = |x: &Matrix, y: &Matrix| {
        x.data()
            .iter()
            .zip(y.data())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    for (a, b) in [
        (&moved_ops.a0, &fresh.a0),
        (&moved_ops.a1, &fresh.a1),
        (&moved_ops.c, &fresh.c),
    ] {
        assert!(diff(a, b) < 1e-12);
    }
    assert!(
        diff(&moved_ops.a0, &before.a0) > 1e-3,
        "moving the nodes must change the matrix"
    );
    let coarser = column_axisymmetric(2.0, 1.0, 3).unwrap();
    let mut ops = Operators::zeros(&built_here.assembler.pattern);
    let refused = built_here
        .assemble_biot(&coarser, &vec![tissue(); coarser.num_elements()], &mut ops)
        .unwrap_err();
    assert!(refused.to_string().contains("nodes"), "{refused}");
}

/// Goal: the element states of a uniform-strain u–p field are that strain and pressure exactly.
/// Mesh: 3D Tet10 column 1 × 1 × 2 (2 cells high); u = E·x with a full (symmetric) E, p = 0.3 MPa.
#[test]
fn element_states_of_a_uniform_field_are_exact() {
    let mesh = column_3d(2.0, 1.0, 2).unwrap();
    let disc =
        Discretisation::new(&mesh, Idealisation::ThreeD, Fields::DisplacementPressure, 1).unwrap();
    let e = [
        [0.01, 0.002, -0.003],
        [0.002, -0.02, 0.004],
        [-0.003, 0.004, 0.015],
    ];
    let mut x = vec![0.0; disc.dofs.len()];
    for (n, xn) in mesh.coords().iter().enumerate() {
        for c in 0..3 {
            x[disc.dofs.u(n, c)] = (0..3).map(|j| e[c][j] * xn[j]).sum();
        }
        if let Some(p) = disc.dofs.p(n) {
            x[p] = 0.3;
        }
    }
    let m = vec![tissue(); mesh.num_elements()];
    let states = disc.biot_element_states(&mesh, &m, &x).unwrap();
    assert_eq!(states.len(), mesh.num_elements());
    for s in &states {
        for i in 0..3 {
            for j in 0..3 {
                assert!((s.strain[i][j] - e[i][j]).abs() < 1e-12, "{:?}", s.strain);
            }
        }
        assert!((s.pressure_mpa - 0.3).abs() < 1e-12);
        assert!(s.darcy_flux_mm_per_s.iter().all(|q| q.abs() < 1e-14));
    }
    assert!(disc.biot_element_states(&mesh, &m, &x[1..]).is_err());
}

/// Goal: a uniform initial stress σ₀ = s e_z⊗e_z has nodal forces −∫Bᵀσ₀ that vanish inside and
/// sum to −s·A on the top face and +s·A on the bottom (divergence theorem): a carried residual stress
/// is held by the supports. Mesh: axisymmetric Quad9 column r ≤ 1.5, 0 ≤ z ≤ 3 (6 elements), and
/// the 3D Tet10 column 1 × 1 × 2. s = 0.7 MPa.
#[test]
fn uniform_initial_stress_loads_only_the_ends() {
    let s = 0.7;
    for (mesh, ideal, area) in [
        (
            column_axisymmetric(3.0, 1.5, 6).unwrap(),
            Idealisation::Axisymmetric,
            std::f64::consts::PI * 1.5 * 1.5,
        ),
        (column_3d(2.0, 1.0, 2).unwrap(), Idealisation::ThreeD, 1.0),
    ] {
        let disc = Discretisation::new(&mesh, ideal, Fields::Displacement, 1).unwrap();
        // The axial direction: z is tensor index 1 in (r, z, θ), 2 in (x, y, z).
        let axial = ideal.dim() - 1;
        let mut sigma = [[0.0; 3]; 3];
        sigma[axial][axial] = s;
        let mut f = vec![0.0; disc.dofs.len()];
        disc.add_initial_stress(&mesh, &vec![sigma; mesh.num_elements()], &mut f)
            .unwrap();
        let (top, bottom) = (
            &mesh.set("top").unwrap().nodes,
            &mesh.set("bottom").unwrap().nodes,
        );
        let sum = |nodes: &[usize]| nodes.iter().map(|&n| f[disc.dofs.u(n, axial)]).sum::<f64>();
        assert!(
            (sum(top) + s * area).abs() < 1e-10 * area,
            "{ideal:?}: top {}",
            sum(top)
        );
        assert!(
            (sum(bottom) - s * area).abs() < 1e-10 * area,
            "{ideal:?}: bottom {}",
            sum(bottom)
        );
        for n in 0..mesh.num_nodes() {
            if !top.contains(&n) && !bottom.contains(&n) {
                assert!(
                    f[disc.dofs.u(n, axial)].abs() < 1e-10,
                    "{ideal:?}: node {n} inside"
                );
            }
        }
    }
}

/// Goal: an initial stress with all six components non-zero loads a 3D body with the virtual work
/// of each: for a linear field u, uᵀf = −∫ε(u):σ₀ dV = −V·Σ ε_ij σ_ij, so u = (x, 0, 0) gives
/// −V·σ_xx, u = (y, 0, 0) −V·σ_xy, u = (0, z, 0) −V·σ_yz, u = (z, 0, 0) −V·σ_xz.
///
/// Mesh: the 3D Tet10 column 1 × 1 × 2 (V = 2 mm³). σ₀ = [[0.7, 0.2, −0.3], [0.2, −0.4, 0.5],
/// [−0.3, 0.5, 0.9]] MPa in every element.
#[test]
fn a_full_initial_stress_does_the_virtual_work_of_each_component() {
    let mesh = column_3d(2.0, 1.0, 2).unwrap();
    let disc = Discretisation::new(&mesh, Idealisation::ThreeD, Fields::Displacement, 1).unwrap();
    let sigma = [[0.7, 0.2, -0.3], [0.2, -0.4, 0.5], [-0.3, 0.5, 0.9]];
    let mut f = vec![0.0; disc.dofs.len()];
    disc.add_initial_stress(&mesh, &vec![sigma; mesh.num_elements()], &mut f)
        .unwrap();
    let volume = 2.0;
    for (component, along, expected) in [(0, 0, 0.7), (0, 1, 0.2), (1, 2, 0.5), (0, 2, -0.3)] {
        let work: f64 = (0..mesh.num_nodes())
            .map(|n| f[disc.dofs.u(n, component)] * mesh.coords()[n][along])
            .sum();
        assert!(
            (work + volume * expected).abs() < 1e-10,
            "u_{component} = x_{along}: {work}"
        );
    }
}

/// Goal: the linear map of the element states (`biot_state_map` + `biot_states_into`, what the
/// simulation reads at every time level) gives the volume averages of the quadrature-point states
/// (`biot_element_states`) to rounding, on curved elements with a different material in each
/// and a general u–p field.
/// Meshes: the axisymmetric Quad9 column (1 × 2 mm, 4 high) and the 3D Tet10 column (1 × 1 × 2,
/// 2 high), every node moved by a smooth non-affine map (curved edges); materials of E from 1 to
/// 1000 MPa and mobilities from 1e-4 to 1e-2 mm⁴/(N·s); u and p from sines of the dof index.
#[test]
fn state_map_gives_the_quadrature_averages_on_curved_elements() {
    for (mut mesh, ideal) in [
        (
            column_axisymmetric(2.0, 1.0, 4).unwrap(),
            Idealisation::Axisymmetric,
        ),
        (column_3d(2.0, 1.0, 2).unwrap(), Idealisation::ThreeD),
    ] {
        for x in mesh.coords_mut() {
            let (r, z) = (x[0], x[mesh_axial(ideal)]);
            x[0] = r * (1.0 + 0.1 * z);
            x[mesh_axial(ideal)] = z + 0.05 * r * r;
        }
        let disc = Discretisation::new(&mesh, ideal, Fields::DisplacementPressure, 2).unwrap();
        let materials: Vec<Biot> = (0..mesh.num_elements())
            .map(|e| {
                let k = e as f64 / mesh.num_elements() as f64;
                Biot::from_constituents(
                    Elastic {
                        youngs_modulus_mpa: 1000f64.powf(k),
                        poisson_ratio: 0.3,
                    },
                    2300.0,
                    2300.0,
                    0.8,
                    1e-4 * 100f64.powf(k),
                )
            })
            .collect();
        let x: Vec<f64> = (0..disc.dofs.len())
            .map(|i| 1e-2 * (0.37 * i as f64).sin())
            .collect();
        let reference = disc.biot_element_states(&mesh, &materials, &x).unwrap();
        let map = disc.biot_state_map(&mesh, &materials).unwrap();
        let mut states = vec![Default::default(); mesh.num_elements()];
        disc.biot_states_into(&map, &x, &mut states);
        let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-12 * scale;
        for (s, r) in states.iter().zip(&reference) {
            let flux = r
                .darcy_flux_mm_per_s
                .iter()
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            let strain = r
                .strain
                .iter()
                .flatten()
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            let stress = r
                .total_stress_mpa
                .iter()
                .flatten()
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            assert!(
                close(s.weight, r.weight, r.weight) && close(s.pressure_mpa, r.pressure_mpa, 1e-2)
            );
            for c in 0..3 {
                assert!(close(s.x[c], r.x[c], 2.0));
                assert!(close(
                    s.darcy_flux_mm_per_s[c],
                    r.darcy_flux_mm_per_s[c],
                    flux
                ));
                for d in 0..3 {
                    assert!(
                        close(s.strain[c][d], r.strain[c][d], strain),
                        "{ideal:?} {s:?} {r:?}"
                    );
                    assert!(close(
                        s.effective_stress_mpa[c][d],
                        r.effective_stress_mpa[c][d],
                        stress
                    ));
                    assert!(close(
                        s.total_stress_mpa[c][d],
                        r.total_stress_mpa[c][d],
                        stress
                    ));
                }
            }
        }
    }
}

/// The axial coordinate of a column of `ideal` (y in axisymmetry, z in 3D).
fn mesh_axial(ideal: Idealisation) -> usize {
    ideal.dim() - 1
}
