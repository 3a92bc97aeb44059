//! Gap growth inside the loop (MODEL.md §5): when an element next to the growth plane has been
//! stretched taller than `max_element_height_mm`, the two rows of elements on either side of the
//! plane are split by a new layer, without changing the shape of the regenerate.
//!
//! The topology comes from [`callus_mesh::growth::insert_layer`], applied to the *reference* mesh
//! (the mesh as built, whose growth plane stays flat; each insertion there lengthens it by the layer
//! height). The current configuration is then mapped so that the total length is unchanged: each
//! side of the plane gives the new layer a third of its own height at every plane node (the
//! shortest axial edge leaving the plane there, so a thin element sheared along a sloping interface
//! counts by its thickness), the plane nodes move down by the room below and their copies sit the
//! whole layer above them; the other nodes of the two rows follow linearly in their *reference*
//! distance from the plane (where the plane is flat), so every column moves alike however the
//! current plane is warped. A tall side is thus shortened by a third whatever its neighbour across
//! the plane, and a column that stretched little (stiff soft tissue, the axis) gets a thin layer.
//! Spreading that over the soft tissue is the job of [`crate::rezone`], which the loop calls after
//! the splits of a step. The tallest element beside the plane is reported every day
//! (`max_plane_element_height_mm`).
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

/// The axial lengths (mm) in `coords` of the edges of element `e` that leave the growth plane:
/// `(plane vertex, length)` for each edge from a vertex on the plane (`is_plane`) to one off it,
/// measured away from the plane (negative if the edge has turned over). Unlike the element's
/// axial extent, this stays the element's thickness when a thin element is sheared along a
/// sloping interface.
fn edge_heights<'m>(
    reference: &'m Mesh,
    coords: &'m [[f64; 3]],
    is_plane: &'m [bool],
    e: ElementId,
    above: bool,
) -> impl Iterator<Item = (usize, f64)> + 'm {
    let a = axial_index(reference);
    let el = reference.element(e);
    let sign = if above { 1.0 } else { -1.0 };
    el.kind.edges().iter().filter_map(move |&[p, q]| {
        let (p, q) = (el.nodes[p], el.nodes[q]);
        match (is_plane[p], is_plane[q]) {
            (true, false) => Some((p, sign * (coords[q][a] - coords[p][a]))),
            (false, true) => Some((q, sign * (coords[p][a] - coords[q][a]))),
            _ => None,
        }
    })
}

/// Whether each node of `reference` is on the growth plane.
pub fn plane_mask(reference: &Mesh, plane: &str) -> Result<Vec<bool>, MeshError> {
    let mut is_plane = vec![false; reference.num_nodes()];
    for &n in &reference.set(plane)?.nodes {
        is_plane[n] = true;
    }
    Ok(is_plane)
}

/// The tallest element beside the plane in `coords`: the longest axial edge leaving the plane (mm).
pub fn tallest_beside_plane(
    reference: &Mesh,
    coords: &[[f64; 3]],
    is_plane: &[bool],
    rows: &PlaneRows,
) -> f64 {
    let side = |es: &[ElementId], above: bool| {
        es.iter()
            .flat_map(|&e| edge_heights(reference, coords, is_plane, e, above))
            .map(|(_, h)| h)
            .fold(0.0, f64::max)
    };
    side(&rows.below, false).max(side(&rows.above, true))
}

/// Puts the mid-edge nodes of the quadratic `elements` halfway between their vertices, and the
/// centre of a Quad9 at the mean of its corners, in `coords`: straight-sided elements, whose shape
/// the vertices alone decide. Only nodes for which `movable` holds are moved.
pub fn straighten(
    mesh: &Mesh,
    elements: &[ElementId],
    coords: &mut [[f64; 3]],
    movable: impl Fn(usize) -> bool,
) {
    for &e in elements {
        let el = mesh.element(e);
        if !el.kind.is_quadratic() {
            continue;
        }
        let nv = el.kind.num_vertices();
        let edges = el.kind.edges();
        for (i, &[p, q]) in edges.iter().enumerate() {
            let m = el.nodes[nv + i];
            if movable(m) {
                let (xp, xq) = (coords[el.nodes[p]], coords[el.nodes[q]]);
                coords[m] = [0, 1, 2].map(|c| 0.5 * (xp[c] + xq[c]));
            }
        }
        if let Some(&centre) = el.nodes.get(nv + edges.len()) {
            if movable(centre) {
                let corners = &el.nodes[..nv];
                coords[centre] = [0, 1, 2]
                    .map(|c| corners.iter().map(|&n| coords[n][c]).sum::<f64>() / nv as f64);
            }
        }
    }
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
    let is_plane = plane_mask(reference, plane)?;
    // Room each side gives at each plane node: a third of the shortest edge leaving the plane
    // there on that side (none from an edge already turned over).
    let mut room = [vec![f64::MAX; n_nodes], vec![f64::MAX; n_nodes]];
    for (side, es) in [&rows.below, &rows.above].into_iter().enumerate() {
        for &e in es {
            for (p, h) in edge_heights(reference, current, &is_plane, e, side == 1) {
                room[side][p] = room[side][p].min(h.max(0.0) / 3.0);
            }
        }
    }
    // Mid-edge and centre nodes on the plane take the least room of their elements' vertices.
    for side_room in &mut room {
        for &e in rows.below.iter().chain(&rows.above) {
            let nodes = reference.element(e).nodes;
            let least = nodes
                .iter()
                .filter(|&&n| is_plane[n])
                .map(|&n| side_room[n])
                .fold(f64::MAX, f64::min);
            for &n in nodes {
                if is_plane[n] && side_room[n] == f64::MAX {
                    side_room[n] = least;
                }
            }
        }
    }
    let plane_nodes = reference.set(plane)?.nodes.clone();
    let mut layer = vec![0.0; n_nodes];
    let min_layer = 1e-3 * reference.size_scale();
    for &p in &plane_nodes {
        layer[p] = room[0][p] + room[1][p];
        if layer[p] < min_layer {
            let x = current[p];
            return Err(MeshError::Invalid(format!(
                "gap growth: no room for a new layer at node {} ({:.3}, {:.3}, {:.3}) of '{plane}': \
                 the elements on both sides are sheared flat; lower numerics.max_element_height_mm \
                 so that layers are inserted earlier",
                reference.node_tags()[p],
                x[0],
                x[1],
                x[2]
            )));
        }
    }
    // Every node of the rows moves by the room its elements' plane nodes give on its side, scaled
    // by its reference distance from the plane (plane nodes move down by the room below, their
    // copies sit above them by the whole layer).
    let (mut sum, mut count) = (
        [vec![0.0; n_nodes], vec![0.0; n_nodes]],
        vec![0usize; n_nodes],
    );
    for &e in rows.below.iter().chain(&rows.above) {
        let nodes = reference.element(e).nodes;
        let on: Vec<usize> = nodes.iter().copied().filter(|&n| is_plane[n]).collect();
        for side in 0..2 {
            let mean = on.iter().map(|&n| room[side][n]).sum::<f64>() / on.len().max(1) as f64;
            for &n in nodes {
                sum[side][n] += mean;
            }
        }
        for &n in nodes {
            count[n] += 1;
        }
    }
    // Reference row heights (the rows are straight there): the shift fades to zero across them.
    let shortest = |es: &[ElementId], above: bool| {
        es.iter()
            .flat_map(|&e| edge_heights(reference, reference.coords(), &is_plane, e, above))
            .map(|(_, h)| h)
            .fold(f64::MAX, f64::min)
    };
    let (below_ref, above_ref) = (shortest(&rows.below, false), shortest(&rows.above, true));
    let z_plane_ref = plane_position(reference, plane)?;
    let tol = 1e-9 * reference.size_scale();
    let shift: Vec<f64> = (0..n_nodes)
        .map(|n| {
            let room_of = |side: usize| {
                if is_plane[n] {
                    room[side][n]
                } else if count[n] > 0 {
                    sum[side][n] / count[n] as f64
                } else {
                    0.0
                }
            };
            let s = reference.coords()[n][a] - z_plane_ref;
            if s > tol {
                room_of(1) * (1.0 - s / above_ref).clamp(0.0, 1.0)
            } else {
                -room_of(0) * (1.0 + s / below_ref).clamp(0.0, 1.0)
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
                let mut x = moved[p];
                x[a] += layer[p];
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
    // Straighten the split rows and the new layer (the shift is linear per column, not per element).
    let mut straight: Vec<ElementId> = rows.below.iter().chain(&rows.above).copied().collect();
    straight.extend(insertion.old_num_elements..reference.num_elements());
    straighten(reference, &straight, &mut moved, |_| true);
    Ok((moved, insertion))
}
