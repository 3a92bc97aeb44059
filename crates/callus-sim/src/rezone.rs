//! Rezoning after gap growth: the current positions of the nodes inside the tissue the growth plane
//! crosses are replaced by the harmonic extension of the positions on its border, computed on the
//! reference mesh (Laplace's equation for each coordinate, ∇²x = 0 with x fixed on the border, the
//! mesh-motion scheme of arbitrary Lagrangian–Eulerian codes; e.g. Donea et al., ALE methods,
//! Encyclopedia of Computational Mechanics, 2004, §6).
//!
//! Why: the regenerate does not stretch evenly. Beside the cortex it is sheared, the gap necks in
//! and the layers inserted at the growth plane end thin wherever the column stretched little, so
//! that after a few layers the elements beside the plane turn over (sheared flat). The reference
//! mesh (built flat, each layer inserted flat) stays well shaped; mapping it harmonically onto the
//! current border spreads the growth over the whole crossed tissue instead of the rows beside the
//! plane.
//!
//! Which nodes move: those of the regions that own an element beside the growth plane (in the
//! default geometry `gap`, `periosteal_callus` and `soft_tissue`), except nodes shared with any other
//! region (the bone ends, the marrow). Nodes on the outer surface stay, except where the surface
//! runs along the bone axis in the reference mesh (the axis of an axisymmetric mesh, a cylindrical
//! sleeve): there each line of surface nodes with one reference lateral position is a rail, the
//! nodes' axial coordinates are solved for and they are put back on the rail as it was.
//!
//! State stays with the element and the node (tissue history, cells, pressure): rezoning moves the
//! material points an element stands for by the local unevenness of the stretch, a first-order
//! approximation of the remapping an ALE code would do. [`rezone`] refuses a result with an
//! element worse than before, and the caller keeps the configuration of the split.

use callus_fem::bc::Constraints;
use callus_fem::dofs::Fields;
use callus_fem::material::Diffusion;
use callus_fem::problem::Discretisation;
use callus_fem::{FemError, Idealisation};
use callus_mesh::generate::exterior_facets;
use callus_mesh::geometry::element_quality;
use std::collections::BTreeMap;

use callus_mesh::{ElementId, Facet, Mesh, RegionId};

use crate::growth::axial_index;

/// The rezoned configuration, or why none was taken.
#[derive(Clone, Debug, PartialEq)]
pub enum Rezoned {
    /// New current positions of every node (mm).
    Moved(Vec<[f64; 3]>),
    /// The harmonic positions would make an element of the tissue worse than the split left it
    /// (smallest scaled corner Jacobian: `rezoned` against `kept`).
    Refused {
        /// Worst element quality with the rezoned positions.
        rezoned: f64,
        /// Worst element quality of the positions kept.
        kept: f64,
    },
}

/// Which coordinates of which nodes are solved for.
struct FreeNodes {
    /// `free[c][n]`: coordinate `c` of node `n` is solved for.
    free: Vec<Vec<bool>>,
    /// Lines of nodes that slide along the outer surface, each ordered along the bone axis.
    lines: Vec<Vec<usize>>,
    /// Elements of the rezoned regions.
    elements: Vec<ElementId>,
}

/// Whether a facet of the reference mesh runs along the bone axis (its normal is across it).
fn along_axis(reference: &Mesh, f: Facet) -> bool {
    let x: Vec<[f64; 3]> = reference
        .element(f.element)
        .facet_vertices(f.local as usize)
        .iter()
        .map(|&v| reference.coords()[v])
        .collect();
    let tol = 1e-9 * reference.size_scale();
    if reference.dim() == 2 {
        (x[1][0] - x[0][0]).abs() < tol
    } else {
        let (a, b) = (
            [0, 1].map(|c| x[1][c] - x[0][c]),
            [0, 1].map(|c| x[2][c] - x[0][c]),
        );
        (a[0] * b[1] - a[1] * b[0]).abs() < tol * reference.size_scale()
    }
}

fn free_nodes(reference: &Mesh, regions: &[RegionId]) -> FreeNodes {
    let n = reference.num_nodes();
    let dim = reference.dim();
    let a = axial_index(reference);
    let mut inside = vec![false; n];
    let mut elements = Vec::new();
    for e in reference.elements() {
        if regions.contains(&e.region) {
            elements.push(e.id);
            e.nodes.iter().for_each(|&v| inside[v] = true);
        }
    }
    for e in reference.elements() {
        if !regions.contains(&e.region) {
            e.nodes.iter().for_each(|&v| inside[v] = false);
        }
    }
    // Surface nodes: fixed, unless every surface facet through them runs along the axis (they
    // then slide, along the line of surface nodes with the same reference lateral position).
    let (mut on_surface, mut slides) = (vec![false; n], vec![true; n]);
    for f in exterior_facets(reference) {
        let along = along_axis(reference, f);
        for v in reference.facet_nodes(f) {
            on_surface[v] = true;
            slides[v] &= along;
        }
    }
    let tol = 1e-6 * reference.size_scale();
    let mut lines: BTreeMap<Vec<i64>, Vec<usize>> = BTreeMap::new();
    for v in (0..n).filter(|&v| inside[v] && on_surface[v] && slides[v]) {
        let x = reference.coords()[v];
        let key = (0..dim)
            .filter(|&c| c != a)
            .map(|c| (x[c] / tol).round() as i64)
            .collect();
        lines.entry(key).or_default().push(v);
    }
    let lines: Vec<Vec<usize>> = lines
        .into_values()
        .filter(|l| l.len() >= 2)
        .map(|mut l| {
            l.sort_by(|&p, &q| reference.coords()[p][a].total_cmp(&reference.coords()[q][a]));
            l
        })
        .collect();
    let mut sliding = vec![false; n];
    lines.iter().flatten().for_each(|&v| sliding[v] = true);
    let free = (0..dim)
        .map(|c| {
            (0..n)
                .map(|v| inside[v] && (!on_surface[v] || c == a && sliding[v]))
                .collect()
        })
        .collect();
    FreeNodes {
        free,
        lines,
        elements,
    }
}

/// Puts the nodes of a sliding line back on the line as it was in `before` (piecewise linear in
/// the axial coordinate) at their new axial positions.
fn keep_on_line(line: &[usize], before: &[[f64; 3]], moved: &mut [[f64; 3]], a: usize) {
    let old: Vec<[f64; 3]> = line.iter().map(|&v| before[v]).collect();
    for &v in line {
        let z = moved[v][a];
        let k = old.partition_point(|x| x[a] < z).clamp(1, old.len() - 1);
        let (p, q) = (old[k - 1], old[k]);
        let t = if q[a] > p[a] {
            ((z - p[a]) / (q[a] - p[a])).clamp(0.0, 1.0)
        } else {
            0.0
        };
        for c in (0..3).filter(|&c| c != a) {
            moved[v][c] = p[c] + t * (q[c] - p[c]);
        }
    }
}

/// Worst element quality of `elements` with the nodes at `coords`.
fn worst_quality(mesh: &mut Mesh, coords: &[[f64; 3]], elements: &[ElementId]) -> f64 {
    mesh.coords_mut().copy_from_slice(coords);
    elements
        .iter()
        .map(|&e| element_quality(mesh, e))
        .fold(f64::INFINITY, f64::min)
}

/// Rezones `current` (the positions of the nodes of `reference`, mm) over `regions` (see the
/// module docs).
pub fn rezone(
    reference: &Mesh,
    current: &[[f64; 3]],
    regions: &[RegionId],
) -> Result<Rezoned, FemError> {
    let free = free_nodes(reference, regions);
    let ideal = if reference.dim() == 3 {
        Idealisation::ThreeD
    } else {
        Idealisation::PlaneStrain
    };
    let disc = Discretisation::new(reference, ideal, Fields::Scalar, 1)?;
    let laplace = vec![
        Diffusion {
            capacity: 0.0,
            diffusivity: 1.0,
        };
        reference.num_elements()
    ];
    let (mut unused, mut stiffness) = (disc.new_values(), disc.new_values());
    disc.assemble_diffusion(&laplace, &mut unused, &mut stiffness)?;
    let mut moved = current.to_vec();
    for (c, free) in free.free.iter().enumerate() {
        let mut fixed = Constraints::new();
        for (v, x) in current.iter().enumerate() {
            if !free[v] {
                fixed.set(disc.dofs.scalar(v), x[c]);
            }
        }
        let mut system = stiffness.clone();
        let lifting =
            fixed.apply_to_matrix(&disc.assembler.pattern, &mut system, disc.dofs.kinds());
        let factor = disc.symbolic.factorize(&system)?;
        let mut x = vec![0.0; disc.dofs.len()];
        lifting.apply_to_rhs(&fixed, &mut x);
        factor.solve_in_place(&mut x);
        for (v, m) in moved.iter_mut().enumerate().filter(|(v, _)| free[*v]) {
            m[c] = x[disc.dofs.scalar(v)];
        }
    }
    let a = axial_index(reference);
    for line in &free.lines {
        keep_on_line(line, current, &mut moved, a);
    }
    let mut mesh = reference.clone();
    let kept = worst_quality(&mut mesh, current, &free.elements);
    let rezoned = worst_quality(&mut mesh, &moved, &free.elements);
    Ok(if rezoned >= kept.min(0.2) {
        Rezoned::Moved(moved)
    } else {
        Rezoned::Refused { rezoned, kept }
    })
}
