//! Gap growth inside the loop (MODEL.md §5): when an element next to the growth plane has been
//! stretched taller than `max_element_height_mm`, the two rows of elements on either side of the
//! plane are split by a new layer, without changing the shape of the regenerate.
//!
//! The topology comes from [`callus_mesh::growth::insert_layer`], applied to the *reference* mesh
//! (the mesh as built, whose growth plane stays flat; each insertion there lengthens it by the layer
//! height). The current configuration is then mapped so that the total length is unchanged: nodes
//! within one row below the plane move down, and nodes within one row above it move up, by up to
//! h/2 (linear in the *reference* distance to the plane, where the plane is flat, and zero beyond
//! the rows, so every column moves alike however the current plane is warped), and the new layer
//! fills the room between. The layer height h is set per column, at each plane node ⅔ of the
//! shorter of its row elements there (current heights), so that the two split rows and the new
//! layer end about equally tall in every column, whether it stretched much (granulation in the gap)
//! or little (stiffer soft tissue). Rows further from the plane are not split again: the tallest
//! element beside the plane is reported every day (`max_plane_element_height_mm`).
//!
//! Carrying state is the caller's ([`LayerInsertion`] says where every new node and element came
//! from): a new element continues the tissue of the element below it (or starts as granulation
//! tissue, as configured), nodal fields are interpolated.

use std::collections::HashSet;

use callus_mesh::growth::{insert_layer, LayerInsertion, NodeSource};
use callus_mesh::{ElementId, Mesh, MeshError};

/// The elements on either side of the growth plane.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaneRows {
    /// Elements below (proximal).
    pub below: Vec<ElementId>,
    /// Elements above (distal).
    pub above: Vec<ElementId>,
}

/// Axis index of the bone axis (y in 2D, z in 3D).
pub fn axial_index(mesh: &Mesh) -> usize {
    mesh.dim() - 1
}

/// The rows of elements sharing a facet of `plane` (in the reference mesh, where the plane is flat).
pub fn plane_rows(reference: &Mesh, plane: &str) -> Result<PlaneRows, MeshError> {
    let set = reference.set(plane)?;
    let keys: HashSet<Vec<usize>> = set
        .facets
        .iter()
        .map(|f| reference.element(f.element).facet_key(f.local as usize))
        .collect();
    let a = axial_index(reference);
    let plane_z = plane_position(reference, plane)?;
    let mut owners: Vec<ElementId> = reference
        .elements()
        .filter(|e| (0..e.kind.facets().len()).any(|l| keys.contains(&e.facet_key(l))))
        .map(|e| e.id)
        .collect();
    let mut rows = PlaneRows {
        below: vec![],
        above: vec![],
    };
    owners.sort_unstable();
    for e in owners {
        if reference.element_centroid(e)[a] < plane_z {
            rows.below.push(e);
        } else {
            rows.above.push(e);
        }
    }
    Ok(rows)
}

/// Mean axial position of the nodes of `set` (mm).
pub fn plane_position(mesh: &Mesh, set: &str) -> Result<f64, MeshError> {
    mean_axial(mesh.coords(), &mesh.set(set)?.nodes, axial_index(mesh))
}

fn mean_axial(coords: &[[f64; 3]], nodes: &[usize], a: usize) -> Result<f64, MeshError> {
    if nodes.is_empty() {
        return Err(MeshError::Invalid(
            "an empty boundary set has no position".into(),
        ));
    }
    Ok(nodes.iter().map(|&n| coords[n][a]).sum::<f64>() / nodes.len() as f64)
}

/// Height (mm) of element `e` along the bone axis in the configuration `coords`.
pub fn element_height(mesh: &Mesh, coords: &[[f64; 3]], e: ElementId) -> f64 {
    let a = axial_index(mesh);
    let (lo, hi) = mesh
        .element(e)
        .nodes
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &n| {
            (lo.min(coords[n][a]), hi.max(coords[n][a]))
        });
    hi - lo
}

/// Clear height (mm) of element `e` in `coords`: the lowest of its upper vertices minus the highest
/// of its lower ones (upper and lower as in the reference mesh, where the rows are straight), the
/// room a split may take from a sheared element without turning a corner over.
fn clear_height(reference: &Mesh, coords: &[[f64; 3]], e: ElementId) -> f64 {
    let a = axial_index(reference);
    let el = reference.element(e);
    let vertices = &el.nodes[..el.kind.num_vertices()];
    let mid = vertices
        .iter()
        .map(|&n| reference.coords()[n][a])
        .sum::<f64>()
        / vertices.len() as f64;
    let (mut top, mut bottom) = (f64::MAX, f64::MIN);
    for &n in vertices {
        if reference.coords()[n][a] > mid {
            top = top.min(coords[n][a]);
        } else {
            bottom = bottom.max(coords[n][a]);
        }
    }
    top - bottom
}

/// Clear heights of the shorter element of each row and of the tallest of both, in `coords`.
pub fn row_heights(mesh: &Mesh, coords: &[[f64; 3]], rows: &PlaneRows) -> (f64, f64, f64) {
    let heights = |es: &[ElementId]| -> Vec<f64> {
        es.iter().map(|&e| clear_height(mesh, coords, e)).collect()
    };
    let (below, above) = (heights(&rows.below), heights(&rows.above));
    let min_below = below.iter().copied().fold(f64::MAX, f64::min);
    let min_above = above.iter().copied().fold(f64::MAX, f64::min);
    let tallest = below.iter().chain(&above).copied().fold(0.0, f64::max);
    (min_below, min_above, tallest)
}

/// Splits the rows beside the plane with a new layer (see the module docs): updates the reference
/// mesh and returns the current configuration of the new mesh with the insertion map.
pub fn split_rows(
    reference: &mut Mesh,
    current: &[[f64; 3]],
    plane: &str,
    rows: &PlaneRows,
) -> Result<(Vec<[f64; 3]>, LayerInsertion), MeshError> {
    let a = axial_index(reference);
    let n_nodes = reference.num_nodes();
    // Layer height at each plane node: ⅔ of the shorter clear height of its rows' elements there.
    let mut shortest = [vec![f64::MAX; n_nodes], vec![f64::MAX; n_nodes]];
    for (side, es) in [&rows.below, &rows.above].into_iter().enumerate() {
        for &e in es {
            let h = clear_height(reference, current, e).max(1e-6 * reference.size_scale());
            for &n in reference.element(e).nodes {
                shortest[side][n] = shortest[side][n].min(h);
            }
        }
    }
    let plane_nodes = reference.set(plane)?.nodes.clone();
    let mut is_plane = vec![false; n_nodes];
    let mut layer = vec![0.0; n_nodes];
    for &p in &plane_nodes {
        is_plane[p] = true;
        layer[p] = 2.0 / 3.0 * shortest[0][p].min(shortest[1][p]);
    }
    // Every other node of the rows takes the mean layer height of its elements' plane nodes.
    let (mut sum, mut count) = (vec![0.0; n_nodes], vec![0usize; n_nodes]);
    for &e in rows.below.iter().chain(&rows.above) {
        let nodes = reference.element(e).nodes;
        let on: Vec<f64> = nodes
            .iter()
            .filter(|&&n| is_plane[n])
            .map(|&n| layer[n])
            .collect();
        let mean = on.iter().sum::<f64>() / on.len().max(1) as f64;
        for &n in nodes {
            sum[n] += mean;
            count[n] += 1;
        }
    }
    let (below_ref, above_ref, _) = row_heights(reference, reference.coords(), rows);
    let z_plane_ref = plane_position(reference, plane)?;
    let tol = 1e-9 * reference.size_scale();
    let shift: Vec<f64> = (0..n_nodes)
        .map(|n| {
            let h = if is_plane[n] {
                layer[n]
            } else if count[n] > 0 {
                sum[n] / count[n] as f64
            } else {
                0.0
            };
            let s = reference.coords()[n][a] - z_plane_ref;
            if s > tol {
                0.5 * h * (1.0 - s / above_ref).clamp(0.0, 1.0)
            } else {
                -0.5 * h * (1.0 + s / below_ref).clamp(0.0, 1.0)
            }
        })
        .collect();
    let mean_layer =
        plane_nodes.iter().map(|&p| layer[p]).sum::<f64>() / plane_nodes.len().max(1) as f64;
    let insertion = insert_layer(reference, plane, mean_layer)?;
    let mut moved: Vec<[f64; 3]> = current.to_vec();
    for (x, dz) in moved.iter_mut().zip(&shift) {
        x[a] += dz;
    }
    for source in &insertion.new_nodes {
        let x = match *source {
            NodeSource::Copy(p) => {
                let mut x = current[p];
                x[a] += 0.5 * layer[p];
                x
            }
            NodeSource::Between(p, q) => {
                let (xp, xq) = (moved[p], moved[q]);
                [0, 1, 2].map(|c| 0.5 * (xp[c] + xq[c]))
            }
            NodeSource::Centre(q) => {
                [0, 1, 2].map(|c| q.iter().map(|&n| moved[n][c]).sum::<f64>() / 4.0)
            }
        };
        moved.push(x);
    }
    // Straighten the split rows and the new layer: mid-edge nodes halfway between their vertices,
    // Quad9 centres at the mean of the corners (the shift is linear per column, not per element).
    let mut straighten: Vec<ElementId> = rows.below.iter().chain(&rows.above).copied().collect();
    straighten.extend(insertion.old_num_elements..reference.num_elements());
    for e in straighten {
        let el = reference.element(e);
        let nv = el.kind.num_vertices();
        if !el.kind.is_quadratic() {
            continue;
        }
        for (i, &[p, q]) in el.kind.edges().iter().enumerate() {
            let (xp, xq) = (moved[el.nodes[p]], moved[el.nodes[q]]);
            moved[el.nodes[nv + i]] = [0, 1, 2].map(|c| 0.5 * (xp[c] + xq[c]));
        }
        if el.nodes.len() > nv + el.kind.edges().len() {
            let centre = [0, 1, 2]
                .map(|c| el.nodes[..nv].iter().map(|&n| moved[n][c]).sum::<f64>() / nv as f64);
            moved[el.nodes[nv + el.kind.edges().len()]] = centre;
        }
    }
    Ok((moved, insertion))
}
