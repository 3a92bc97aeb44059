//! Parallel assembly's precondition (crates/callus-fem/src/assembly.rs): the elements of one
//! colour share no node, so the unsafe parallel writes of a colour never touch the same entry; and
//! every element is in exactly one colour.
//!
//! Meshes: the built-in axisymmetric osteotomy (Quad9), the revolved 3D osteotomy (Tet10), the
//! osteotomy after two layer insertions (the meshes a run assembles on), and a fan of 70 triangles
//! around one node (more than the 64 colours of the bit mask: the overflow path).

use callus_fem::assembly::Assembler;
use callus_fem::dofs::{DofMap, Fields};
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, revolved, OsteotomyGeometry, Revolution};
use callus_mesh::growth::insert_layer;
use callus_mesh::{ElementKind, Mesh};

fn check_colours(name: &str, mesh: &Mesh) -> usize {
    let assembler = Assembler::new(mesh, &DofMap::new(mesh, mesh.dim(), Fields::Displacement));
    let mut seen = vec![0usize; mesh.num_elements()];
    for (c, colour) in assembler.colours.iter().enumerate() {
        let mut touched = vec![false; mesh.num_nodes()];
        for &e in colour {
            seen[e] += 1;
            for &n in mesh.element(e).nodes {
                assert!(
                    !touched[n],
                    "{name}: colour {c} has two elements on node {n}"
                );
                touched[n] = true;
            }
        }
    }
    assert!(seen.iter().all(|&s| s == 1), "{name}: every element once");
    assembler.colours.len()
}

/// The default axisymmetric osteotomy as Quad9.
fn default_quad9() -> Mesh {
    elevate(
        &axisymmetric(&OsteotomyGeometry::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap()
}

#[test]
fn no_two_elements_of_a_colour_share_a_node() {
    let quad9 = default_quad9();
    check_colours("axisymmetric Quad9", &quad9);
    let tet10 = elevate(
        &revolved(&OsteotomyGeometry::default_3d(), Revolution::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    check_colours("revolved Tet10", &tet10);
    let mut grown = quad9.clone();
    for _ in 0..2 {
        insert_layer(&mut grown, "growth_plane", 0.3).unwrap();
    }
    assert!(grown.num_elements() > quad9.num_elements());
    check_colours("grown Quad9", &grown);

    let mut fan = Mesh::new(2);
    let centre = fan.add_node([0.0, 0.0, 0.0]);
    let rim: Vec<usize> = (0..70)
        .map(|i| {
            let a = i as f64 * std::f64::consts::TAU / 70.0;
            fan.add_node([1.0 + a.cos(), a.sin(), 0.0])
        })
        .collect();
    let region = fan.region_id_or_insert("fan");
    for i in 0..70 {
        fan.add_element(
            ElementKind::Tri3,
            &[centre, rim[i], rim[(i + 1) % 70]],
            region,
        );
    }
    assert_eq!(
        check_colours("fan of 70", &fan),
        70,
        "one colour per element"
    );
}

/// Goal: the capacity matrix assembled from the element masses with a coefficient per element
/// (`assemble_scaled`, no new integration) is the one integrated with that capacity
/// (`assemble_diffusion`), entry for entry.
///
/// Mesh: the default axisymmetric osteotomy as Quad9; coefficient 0.5 + (e mod 7)/10 on element e.
#[test]
fn scaled_element_masses_equal_the_integrated_capacity_matrix() {
    use callus_fem::material::Diffusion;
    use callus_fem::problem::Discretisation;
    use callus_fem::Idealisation;
    let mesh = default_quad9();
    let disc = Discretisation::new(&mesh, Idealisation::Axisymmetric, Fields::Scalar, 1).unwrap();
    let coefficient: Vec<f64> = (0..mesh.num_elements())
        .map(|e| 0.5 + (e % 7) as f64 / 10.0)
        .collect();
    let materials: Vec<Diffusion> = coefficient
        .iter()
        .map(|&c| Diffusion {
            capacity: c,
            diffusivity: 1.0,
        })
        .collect();
    let (mut integrated, mut conductance) = (disc.zeros(), disc.zeros());
    disc.assemble_diffusion(&mesh, &materials, &mut integrated, &mut conductance)
        .unwrap();
    let masses = disc.element_masses(&mesh).unwrap();
    let mut scaled = disc.zeros();
    scaled.data_mut().fill(f64::NAN);
    disc.assemble_scaled(&mesh, &masses, &coefficient, &mut scaled)
        .unwrap();
    let scale = integrated.data().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (a, b) in scaled.data().iter().zip(integrated.data()) {
        assert!((a - b).abs() <= 1e-13 * scale, "{a} vs {b}");
    }
}
