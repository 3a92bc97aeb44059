//! A solve that gives a value that is not a number stops with an error naming the node and the
//! unknown (issue 17: divergence and NaN are caught, not carried into the state).

use callus_fem::bc::Constraints;
use callus_fem::dofs::Fields;
use callus_fem::integrate::{BackwardEuler, Operators};
use callus_fem::material::Diffusion;
use callus_fem::problem::Discretisation;
use callus_fem::{FemError, Idealisation};
use callus_mesh::generate::rectangle;

/// Goal: backward Euler with a load that is NaN at one node (and, separately, a diffusivity that
/// overflows the system) returns `FemError::NotFinite` naming a node, and leaves the state as it
/// was; a finite load goes through.
///
/// Mesh: a 3 × 2 grid of Quad4 on [0, 3] × [0, 2] (plane strain), diffusion M ċ + K c = f with
/// unit capacity and diffusivity, c = 0 held on the nodes of the left edge, Δt = 0.1.
#[test]
fn a_solution_that_is_not_a_number_names_its_node() {
    let mesh = rectangle([0.0, 3.0], [0.0, 2.0], 3, 2).unwrap();
    let disc = Discretisation::new(&mesh, Idealisation::PlaneStrain, Fields::Scalar, 1).unwrap();
    let operators = |diffusivity: f64| {
        let mut ops = Operators::zeros(&disc.assembler.pattern);
        let materials = vec![
            Diffusion {
                capacity: 1.0,
                diffusivity,
            };
            mesh.num_elements()
        ];
        disc.assemble_diffusion(&mesh, &materials, &mut ops.a0, &mut ops.a1)
            .unwrap();
        ops.c.data_mut().copy_from_slice(ops.a0.data());
        ops
    };
    let mut held = Constraints::new();
    for (n, x) in mesh.coords().iter().enumerate() {
        if x[0] == 0.0 {
            held.set(disc.dofs.scalar(n), 0.0);
        }
    }
    let ops = operators(1.0);
    let mut stepper = BackwardEuler::new(&disc, &ops, held.clone());
    let mut c = vec![0.5; mesh.num_nodes()];
    c.iter_mut()
        .zip(mesh.coords())
        .filter(|(_, x)| x[0] == 0.0)
        .for_each(|(c, _)| *c = 0.0);
    let mut load = vec![0.0; mesh.num_nodes()];
    stepper.step(0.1, &mut c, Some(&load)).unwrap();
    let before = c.clone();

    let far_corner = (0..mesh.num_nodes())
        .find(|&n| mesh.coords()[n][0] == 3.0 && mesh.coords()[n][1] == 2.0)
        .unwrap();
    load[disc.dofs.scalar(far_corner)] = f64::NAN;
    match stepper.step(0.1, &mut c, Some(&load)) {
        Err(e @ FemError::NotFinite { node, unknown, dt }) => {
            // The NaN spreads through the triangular solves (0 × NaN is NaN), so the first node
            // of the solution is named.
            assert_eq!((node, unknown, dt), (0, "the scalar field", 0.1));
            assert!(e.to_string().contains("not a number at node 0"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c, before, "the state changed");

    let overflowing = operators(f64::MAX);
    let mut stepper = BackwardEuler::new(&disc, &overflowing, held);
    let err = stepper.step(1e10, &mut c, None).unwrap_err();
    assert!(
        matches!(
            err,
            FemError::NotFinite { .. } | FemError::Pivot { .. } | FemError::Singular { .. }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("node") || err.to_string().contains("factorization"),
        "{err}"
    );
}
