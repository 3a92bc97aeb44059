//! Rezoning: the current positions of the nodes inside the soft tissue (`numerics.rezone_regions`)
//! are replaced by the harmonic extension of the positions on its border, computed on the
//! reference mesh (Laplace's equation for each coordinate, ∇²x = 0 with x fixed on the border, the
//! mesh-motion scheme of arbitrary Lagrangian–Eulerian codes; e.g. Donea et al., ALE methods,
//! Encyclopedia of Computational Mechanics, 2004, §6).
//!
//! When: after every distraction step that inserted a layer, and after any step that left an
//! element of these regions worse than `numerics.rezone_below_quality` (a step of 0.5–1 mm on a
//! 1 mm gap shears the callus beside the cortex corner past turning over).
//!
//! Why: the regenerate does not stretch evenly. Beside the cortex it is sheared, the gap necks in,
//! the marrow is drawn into the gap, and the layers inserted at the growth plane end thin wherever
//! the column stretched little, so that after a few layers the elements beside the plane turn over.
//! The reference mesh (built flat, each layer inserted flat) stays well shaped; mapping it
//! harmonically onto the current border spreads the growth over the whole soft tissue.
//!
//! Which nodes move: those of the rezoned regions (default: gap, periosteal callus, soft tissue,
//! marrow), except nodes shared with any other region (the cortex). Nodes on the outer surface
//! stay, except where the surface runs along the bone axis in the reference mesh (the axis of an
//! axisymmetric mesh, the cylindrical soft-tissue sleeve): each line of surface nodes with one
//! reference lateral position is a rail; its vertices' axial coordinates are solved for, kept in
//! order between the rail's fixed nodes, and put back on the rail as it was; its mid-edge nodes go
//! halfway between. Inner mid-edge and centre nodes go halfway between their vertices (straight
//! sides inside the tissue).
//!
//! The state follows the material ([`crate::remap`]): the tissue histories by the volumes the
//! facets sweep, the cells and the vascularity read at the new node positions. The interfaces
//! between the regenerate and the fixed tissues move with the other nodes: the distraction steps
//! draw the marrow face into the gap along the cortex, and with that interface held (its nodes
//! sliding along it only where it runs along the axis) the gap element at the cortex corner
//! turned over on day 12 of the default run. The marrow the rezoned regenerate then covers enters it as the marrow phenotype, 0.4–2.5 %
//! of the regenerate's volume per rezoning on the default run; besides that a rezoning moves each
//! tissue's volume by at most 0.12 % of the regenerate, the cells' and the vascularity's content by
//! 0.006 % and 0.15 % (2.1 %, 0.08 % and 0.79 % with the state left on its element and node).
//!
//! Quality is the smallest scaled Jacobian at an element's nodes, curved sides included ([`min_scaled_jacobian`]); [`rezone`] refuses a result
//! worse than the positions it was given (unless it is at least 0.2), and the caller keeps those.

use std::collections::BTreeMap;

use callus_fem::bc::Constraints;
use callus_fem::dofs::Fields;
use callus_fem::integrate::{LinearSolver, StaticSolve};
use callus_fem::material::Diffusion;
use callus_fem::problem::Discretisation;
use callus_fem::shape::{min_scaled_jacobian, MAX_NODES};
use callus_fem::{FemError, Idealisation};
use callus_mesh::generate::exterior_facets;
use callus_mesh::{ElementId, Facet, Mesh, RegionId};

use crate::growth::{axial_index, straighten};

/// The rezoned configuration, or why none was taken.
#[derive(Clone, Debug, PartialEq)]
pub enum Rezoned {
    /// New current positions of every node (mm).
    Moved(Vec<[f64; 3]>),
    /// The harmonic positions would make the worst element of the tissue worse than in the
    /// positions given, and below 0.2 (smallest scaled Jacobian at an element node: `rezoned`
    /// against `kept`).
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
    /// Rails: lines of surface nodes, each ordered along the bone axis.
    lines: Vec<Vec<usize>>,
    /// Whether a node slides along its rail (the others anchor it).
    sliding: Vec<bool>,
    /// Whether a node is a vertex of an element (not a mid-edge or centre node).
    is_vertex: Vec<bool>,
    /// Elements of the rezoned regions.
    elements: Vec<ElementId>,
}

/// Whether a facet of the reference mesh runs along the bone axis (its normal is across it);
/// `scale` is the mesh's size scale ([`Mesh::size_scale`]), the unit of the tolerance.
fn along_axis(reference: &Mesh, f: Facet, scale: f64) -> bool {
    let x: Vec<[f64; 3]> = reference
        .element(f.element)
        .facet_vertices(f.local as usize)
        .iter()
        .map(|&v| reference.coords()[v])
        .collect();
    let tol = 1e-9 * scale;
    if reference.dim() == 2 {
        (x[1][0] - x[0][0]).abs() < tol
    } else {
        let (a, b) = (
            [0, 1].map(|c| x[1][c] - x[0][c]),
            [0, 1].map(|c| x[2][c] - x[0][c]),
        );
        (a[0] * b[1] - a[1] * b[0]).abs() < tol * scale
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
    let scale = reference.size_scale();
    for f in exterior_facets(reference) {
        let along = along_axis(reference, f, scale);
        for v in reference.facet_nodes(f) {
            on_surface[v] = true;
            slides[v] &= along;
        }
    }
    // Lines: the surface nodes of the tissue with one reference lateral position, in reference
    // order along the axis; a line with a sliding node is a rail, its other nodes anchor it.
    let tol = 1e-6 * scale;
    let mut lines: BTreeMap<Vec<i64>, Vec<usize>> = BTreeMap::new();
    for v in (0..n).filter(|&v| inside[v] && on_surface[v]) {
        let x = reference.coords()[v];
        let key = (0..dim)
            .filter(|&c| c != a)
            .map(|c| (x[c] / tol).round() as i64)
            .collect();
        lines.entry(key).or_default().push(v);
    }
    let lines: Vec<Vec<usize>> = lines
        .into_values()
        .filter(|l| l.len() >= 2 && l.iter().any(|&v| slides[v]))
        .map(|mut l| {
            l.sort_by(|&p, &q| reference.coords()[p][a].total_cmp(&reference.coords()[q][a]));
            l
        })
        .collect();
    let mut sliding = vec![false; n];
    lines
        .iter()
        .flatten()
        .filter(|&&v| slides[v])
        .for_each(|&v| sliding[v] = true);
    let free = (0..dim)
        .map(|c| {
            (0..n)
                .map(|v| inside[v] && (!on_surface[v] || c == a && sliding[v]))
                .collect()
        })
        .collect();
    let mut is_vertex = vec![false; n];
    for e in reference.elements() {
        e.nodes[..e.kind.num_vertices()]
            .iter()
            .for_each(|&v| is_vertex[v] = true);
    }
    FreeNodes {
        free,
        lines,
        sliding,
        is_vertex,
        elements,
    }
}

/// Puts the sliding nodes of a rail back on it as it was in `before` (piecewise linear in the
/// axial coordinate) at their new axial positions, first keeping them in order along the rail and
/// between its anchors (each gap at least a quarter of what it was), so that no node slides past
/// a neighbour.
fn keep_on_rail(
    line: &[usize],
    sliding: &[bool],
    is_vertex: &[bool],
    before: &[[f64; 3]],
    moved: &mut [[f64; 3]],
    a: usize,
) {
    let spacing = |i: usize| 0.25 * (before[line[i]][a] - before[line[i - 1]][a]);
    for i in 1..line.len() {
        if sliding[line[i]] {
            let least = moved[line[i - 1]][a] + spacing(i);
            moved[line[i]][a] = moved[line[i]][a].max(least);
        }
    }
    for i in (0..line.len() - 1).rev() {
        if sliding[line[i]] {
            let most = moved[line[i + 1]][a] - spacing(i + 1);
            moved[line[i]][a] = moved[line[i]][a].min(most);
        }
    }
    // Mid-edge nodes of the rail go halfway between their vertices, after these are placed.
    for i in 1..line.len() - 1 {
        if sliding[line[i]] && !is_vertex[line[i]] {
            moved[line[i]][a] = 0.5 * (moved[line[i - 1]][a] + moved[line[i + 1]][a]);
        }
    }
    let old: Vec<[f64; 3]> = line.iter().map(|&v| before[v]).collect();
    for &v in line.iter().filter(|&&v| sliding[v]) {
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

/// Worst element quality of `elements` of `mesh` with the nodes at `coords`: the smallest scaled
/// Jacobian at the element nodes ([`min_scaled_jacobian`], curved sides included).
pub fn worst_quality(mesh: &Mesh, coords: &[[f64; 3]], elements: &[ElementId]) -> f64 {
    let mut x = [[0.0; 3]; MAX_NODES];
    elements
        .iter()
        .map(|&e| {
            let el = mesh.element(e);
            for (xa, &n) in x.iter_mut().zip(el.nodes) {
                *xa = coords[n];
            }
            min_scaled_jacobian(el.kind, &x[..el.nodes.len()])
        })
        .fold(f64::INFINITY, f64::min)
}

/// Worst element quality (smallest scaled Jacobian at an element node, curved sides included) of
/// the elements of `regions` with the nodes of `reference` at `current`.
pub fn worst_quality_in(reference: &Mesh, current: &[[f64; 3]], regions: &[RegionId]) -> f64 {
    let elements: Vec<ElementId> = reference
        .elements()
        .filter(|e| regions.contains(&e.region))
        .map(|e| e.id)
        .collect();
    worst_quality(reference, current, &elements)
}

/// MINRES tolerance of the iterative Laplace solves (relative to the right-hand side, whose scale
/// is that of the coordinates, ~10 mm): the affine test of tests/rezone.rs comes back within
/// 3.6e-8 mm with it (1.9e-6 mm with the default 1e-8).
const POSITION_TOLERANCE: f64 = 1e-10;

/// Rezones `current` (the positions of the nodes of `reference`, mm) over `regions` (see the
/// module docs); the Laplace solves are iterative (multigrid, linear memory) when `iterative`.
pub fn rezone(
    reference: &Mesh,
    current: &[[f64; 3]],
    regions: &[RegionId],
    iterative: bool,
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
    let (mut unused, mut stiffness) = (disc.zeros(), disc.zeros());
    disc.assemble_diffusion(reference, &laplace, &mut unused, &mut stiffness)?;
    let mut moved = current.to_vec();
    // One factorization per set of constrained nodes: in 3D the two lateral coordinates share one.
    let mut factored: Option<(usize, StaticSolve)> = None;
    for (c, mask) in free.free.iter().enumerate() {
        let reuse = matches!(&factored, Some((k, _)) if free.free[*k] == *mask);
        if !reuse {
            let mut fixed = Constraints::new();
            for (v, x) in current.iter().enumerate() {
                if !mask[v] {
                    fixed.set(disc.dofs.scalar(v), x[c]);
                }
            }
            // The unknowns are positions (mm), so the solve's error is an absolute displacement
            // of the nodes, where the transients' are relative to a change: two more digits than
            // the default 1e-8.
            let how = LinearSolver::for_scalar(iterative, disc.dofs.len())
                .with_krylov_tolerance(POSITION_TOLERANCE);
            factored = Some((c, StaticSolve::with_solver(&disc, &stiffness, fixed, &how)?));
        }
        let (_, solve) = factored.as_mut().expect("factorized above");
        for (v, x) in current.iter().enumerate() {
            if !mask[v] {
                solve.prescribe(disc.dofs.scalar(v), x[c]);
            }
        }
        let x = solve.solve(None)?;
        for (v, m) in moved.iter_mut().enumerate().filter(|(v, _)| mask[*v]) {
            m[c] = x[disc.dofs.scalar(v)];
        }
    }
    let a = axial_index(reference);
    for line in &free.lines {
        keep_on_rail(line, &free.sliding, &free.is_vertex, current, &mut moved, a);
    }
    // Inside the tissue the elements are made straight-sided, so that only the harmonic vertex
    // positions decide their shape (the harmonic quadratic field bends elements near a re-entrant
    // corner of the border).
    let inner = |n: usize| free.free.iter().all(|f| f[n]);
    straighten(reference, &free.elements, &mut moved, inner);
    let kept = worst_quality(reference, current, &free.elements);
    let rezoned = worst_quality(reference, &moved, &free.elements);
    Ok(if rezoned >= kept.min(0.2) {
        Rezoned::Moved(moved)
    } else {
        Rezoned::Refused { rezoned, kept }
    })
}
