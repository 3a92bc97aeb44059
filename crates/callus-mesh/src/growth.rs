//! Gap growth: lengthening the regenerate by inserting a layer of elements at the growth plane.
//!
//! As the gap is distracted its elements stretch; once they are too tall the simulation inserts a
//! new layer at the `growth_plane` (mid-gap, MODEL.md §5). [`insert_layer`]:
//! 1. duplicates every node of the plane's facets (the copy sits `height_mm` further along the
//!    plane's normal; the distal side is the one towards +z, +y in 2D);
//! 2. moves every node on the distal side by `height_mm` along the normal, and makes the distal
//!    elements use the copies;
//! 3. fills the slab between the plane and the copies with one element per facet (two triangles per
//!    edge for Tri meshes, three tetrahedra per facet for Tet meshes, cut along diagonals chosen by
//!    node id so that neighbours conform), of the same order as the element below, in the region of
//!    the element below (in the default geometry: `gap`, `periosteal_callus`, `soft_tissue`).
//!
//! Existing nodes and elements keep their ids (new ones are appended) and their volumes (nodes only
//! translate), so state carries over unchanged; [`LayerInsertion`] says where each new node and element
//! came from. Boundary sets that reach the plane with facets not parallel to it (the axis, an outer
//! surface, an interface crossing the gap) continue across the new layer. The growth plane stays
//! where it was: the next layer is inserted beneath this one.

use std::collections::{HashMap, HashSet};

use crate::elevate::EdgeMidpoints;
use crate::{ElementId, ElementKind, Facet, Mesh, MeshError, NodeId};

/// Where a node created by a layer insertion came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeSource {
    /// The copy of growth-plane node `0`, on the distal face of the new layer.
    Copy(NodeId),
    /// A node halfway between nodes `0` and `1` (mid-edge node of a new quadratic element).
    Between(NodeId, NodeId),
    /// The centre node of a new Quad9, the mean of these four vertices.
    Centre([NodeId; 4]),
}

/// The map from the mesh before a layer insertion to the mesh after it.
///
/// Nodes `0..old_num_nodes` and elements `0..old_num_elements` keep their ids; the rest are new.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerInsertion {
    /// Node count before.
    pub old_num_nodes: usize,
    /// Element count before.
    pub old_num_elements: usize,
    /// Origin of node `old_num_nodes + i`.
    pub new_nodes: Vec<NodeSource>,
    /// For new element `old_num_elements + i`: the proximal element whose growth-plane facet it sits on.
    pub new_elements: Vec<ElementId>,
    /// Height of the layer (mm).
    pub height_mm: f64,
}

/// A nodal value that a layer insertion interpolates at its new nodes.
pub trait NodeValue: Copy {
    /// The value halfway between two nodes.
    fn between(a: Self, b: Self) -> Self;
    /// The value at the centre of four vertices (a new Quad9's centre node).
    fn centre(q: [Self; 4]) -> Self;
}

impl NodeValue for f64 {
    fn between(a: f64, b: f64) -> f64 {
        0.5 * (a + b)
    }
    fn centre(q: [f64; 4]) -> f64 {
        q.iter().sum::<f64>() / 4.0
    }
}

impl NodeValue for [f64; 3] {
    fn between(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
        [0, 1, 2].map(|c| f64::between(a[c], b[c]))
    }
    fn centre(q: [[f64; 3]; 4]) -> [f64; 3] {
        [0, 1, 2].map(|c| f64::centre(q.map(|v| v[c])))
    }
}

impl LayerInsertion {
    /// Carries a nodal field (one value per old node) to the new mesh, in place: copies take their
    /// origin's value, new mid and centre nodes the mean of the nodes they lie between.
    pub fn carry_nodes<T: NodeValue>(&self, values: &mut Vec<T>) {
        assert_eq!(
            values.len(),
            self.old_num_nodes,
            "one value per node of the old mesh"
        );
        for s in &self.new_nodes {
            let value = match *s {
                NodeSource::Copy(p) => values[p],
                NodeSource::Between(a, b) => T::between(values[a], values[b]),
                NodeSource::Centre(q) => T::centre(q.map(|n| values[n])),
            };
            values.push(value);
        }
    }

    /// Carries per-element state to the new mesh, in place: old elements keep theirs, each new
    /// element takes the state of the element below it (a copy of its neighbour's).
    pub fn carry_elements<T: Clone>(&self, values: &mut Vec<T>) {
        assert_eq!(
            values.len(),
            self.old_num_elements,
            "one value per element of the old mesh"
        );
        for &below in &self.new_elements {
            values.push(values[below].clone());
        }
    }
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Unit outward normal of facet `f` of the mesh (straight-sided geometry).
fn facet_normal(mesh: &Mesh, f: Facet) -> [f64; 3] {
    let e = mesh.element(f.element);
    let v = e.kind.facets()[f.local as usize].vertices;
    let x = |i: usize| mesh.coords()[e.nodes[v[i]]];
    let n = if mesh.dim() == 2 {
        let d = sub(x(1), x(0));
        [d[1], -d[0], 0.0]
    } else {
        let (a, b) = (sub(x(1), x(0)), sub(x(2), x(0)));
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    let len = dot(n, n).sqrt();
    [n[0] / len, n[1] / len, n[2] / len]
}

/// Inserts a layer of height `height_mm` at the facets of boundary set `plane_set` (see the module docs).
pub fn insert_layer(
    mesh: &mut Mesh,
    plane_set: &str,
    height_mm: f64,
) -> Result<LayerInsertion, MeshError> {
    if !(height_mm.is_finite() && height_mm > 0.0) {
        return Err(MeshError::Invalid(format!(
            "gap growth: the layer height must be a positive number of mm, got {height_mm}"
        )));
    }
    let plane = mesh.set(plane_set)?.clone();
    if plane.facets.is_empty() {
        return Err(MeshError::Invalid(format!(
            "gap growth: boundary set '{plane_set}' has no facets; the growth plane must be a set of element facets"
        )));
    }
    let old_num_nodes = mesh.num_nodes();
    let old_num_elements = mesh.num_elements();
    let tol = 1e-9 * mesh.size_scale();

    // 1. The plane: one normal (towards the distal side, +z; +y in 2D), all its nodes on it.
    let axis = if mesh.dim() == 2 {
        [0.0, 1.0, 0.0]
    } else {
        [0.0, 0.0, 1.0]
    };
    let mut normal = facet_normal(mesh, plane.facets[0]);
    if dot(normal, axis).abs() < 1e-6 {
        return Err(MeshError::Invalid(format!(
            "gap growth: '{plane_set}' is parallel to the bone axis (z; y in 2D); the growth plane must cut across it"
        )));
    }
    if dot(normal, axis) < 0.0 {
        normal = [-normal[0], -normal[1], -normal[2]];
    }
    let origin = mesh.coords()[mesh.facet_nodes(plane.facets[0])[0]];
    for &f in &plane.facets {
        if dot(facet_normal(mesh, f), normal).abs() < 1.0 - 1e-9 {
            return Err(MeshError::Invalid(format!(
                "gap growth: '{plane_set}' is not one flat plane (the facet of element {} faces another way)",
                mesh.element_tags()[f.element]
            )));
        }
    }
    let distance: Vec<f64> = mesh
        .coords()
        .iter()
        .map(|&x| dot(sub(x, origin), normal))
        .collect();
    let mut plane_nodes: Vec<NodeId> = plane
        .facets
        .iter()
        .flat_map(|&f| mesh.facet_nodes(f))
        .collect();
    plane_nodes.sort_unstable();
    plane_nodes.dedup();
    if let Some(&n) = plane_nodes.iter().find(|&&n| distance[n].abs() > tol) {
        return Err(MeshError::Invalid(format!(
            "gap growth: node {} of '{plane_set}' is {:.3e} mm off the plane; the growth plane must be flat",
            mesh.node_tags()[n],
            distance[n]
        )));
    }
    let on_plane: HashSet<NodeId> = plane_nodes.iter().copied().collect();

    // 2. Sides: every element is wholly proximal or distal; only plane nodes are shared.
    let mut distal = vec![false; mesh.num_elements()];
    for e in mesh.elements() {
        let c = mesh.element_centroid(e.id);
        let side = dot(sub(c, origin), normal);
        distal[e.id] = side > 0.0;
        let torn = e.nodes.iter().any(|&n| {
            let d = distance[n];
            if side > 0.0 {
                d < -tol || (d.abs() <= tol && !on_plane.contains(&n))
            } else {
                d > tol
            }
        });
        if torn {
            return Err(MeshError::Invalid(format!(
                "gap growth: element {} (region '{}') crosses or touches the growth plane outside '{plane_set}'; the set \
                 must cover the whole cross-section through the regenerate",
                mesh.element_tags()[e.id],
                mesh.region_names()[e.region]
            )));
        }
    }
    // Facets owned by distal elements (Gmsh may pick either side of an interface) are swapped for
    // the same facet of the proximal element; the set keeps the proximal ones.
    let plane = proximal_facets(mesh, plane_set, plane.facets, &distal)?;
    mesh.insert_set(plane_set, crate::BoundarySet::default());
    mesh.add_facets_to_set(plane_set, plane.iter().copied());
    let plane = mesh.set(plane_set)?.clone();

    // 3. Copies of the plane nodes; shift the distal side.
    let mut mids = EdgeMidpoints::from_mesh(mesh);
    let shift = [
        height_mm * normal[0],
        height_mm * normal[1],
        height_mm * normal[2],
    ];
    let mut copy_of: HashMap<NodeId, NodeId> = HashMap::with_capacity(plane_nodes.len());
    let mut new_nodes = Vec::new();
    for &p in &plane_nodes {
        let x = mesh.coords()[p];
        let c = mids.new_node(mesh, [x[0] + shift[0], x[1] + shift[1], x[2] + shift[2]]);
        copy_of.insert(p, c);
        new_nodes.push(NodeSource::Copy(p));
    }
    for (n, x) in mesh.coords_mut()[..old_num_nodes].iter_mut().enumerate() {
        if distance[n] > tol {
            for d in 0..3 {
                x[d] += shift[d];
            }
        }
    }
    for (e, &is_distal) in distal.iter().enumerate() {
        if is_distal {
            let nodes: Vec<NodeId> = mesh
                .element(e)
                .nodes
                .iter()
                .map(|n| *copy_of.get(n).unwrap_or(n))
                .collect();
            mesh.set_element_nodes(e, &nodes);
        }
    }
    // Mid-nodes of the plane's edges have their copies on the layer's far face.
    for &f in &plane.facets {
        let el = mesh.element(f.element);
        if el.kind.is_quadratic() {
            let nv = el.kind.num_vertices();
            for (i, &[a, b]) in el.kind.edges().iter().enumerate() {
                let (a, b, m) = (el.nodes[a], el.nodes[b], el.nodes[nv + i]);
                if let (Some(&ca), Some(&cb), Some(&cm)) =
                    (copy_of.get(&a), copy_of.get(&b), copy_of.get(&m))
                {
                    mids.insert(ca, cb, cm);
                }
            }
        }
    }

    // 4. The layer.
    let mut new_elements = Vec::new();
    let mut next_tag = mesh.element_tags().iter().copied().max().unwrap_or(0) + 1;
    for &f in &plane.facets {
        let below = mesh.element(f.element);
        let (kind, region) = (below.kind, below.region);
        let bottom = below.facet_vertices(f.local as usize);
        let top: Vec<NodeId> = bottom.iter().map(|v| copy_of[v]).collect();
        for (linear_kind, vertices) in layer_cells(kind, &bottom, &top) {
            let target = if kind.is_quadratic() {
                crate::elevate::quadratic_of(linear_kind, quad_kind(kind))?
            } else {
                linear_kind
            };
            let first_new = mesh.num_nodes();
            let nodes = if target.is_quadratic() {
                mids.quadratic_nodes(mesh, linear_kind, target, &vertices)
            } else {
                vertices.clone()
            };
            record_new_nodes(
                mesh,
                linear_kind,
                target,
                &vertices,
                &nodes,
                first_new,
                &mut new_nodes,
            );
            mesh.add_element_tagged(target, &nodes, region, next_tag);
            next_tag += 1;
            new_elements.push(f.element);
        }
    }

    // 5. Boundary sets that cross the plane continue across the layer.
    let original_of: HashMap<NodeId, NodeId> = copy_of.iter().map(|(&p, &c)| (c, p)).collect();
    let names: Vec<String> = mesh
        .sets()
        .keys()
        .filter(|n| n.as_str() != plane_set)
        .cloned()
        .collect();
    for name in names {
        let set = mesh.sets()[&name].clone();
        if set.facets.is_empty() {
            let mut members: HashSet<NodeId> = set.nodes.iter().copied().collect();
            members.extend(set.nodes.iter().filter_map(|n| copy_of.get(n)));
            let extra: Vec<NodeId> = mids.edges_within(&members).collect();
            members.extend(extra);
            let mut nodes: Vec<NodeId> = members.into_iter().collect();
            nodes.sort_unstable();
            mesh.insert_set(
                &name,
                crate::BoundarySet {
                    facets: Vec::new(),
                    nodes,
                },
            );
            continue;
        }
        // The set reaches the plane through these plane nodes (2D) or plane edges (3D): the sub-keys
        // of its facets that are not parallel to the plane, with copies mapped back to originals.
        let mut crossing: HashSet<Vec<NodeId>> = HashSet::new();
        for &f in &set.facets {
            if dot(facet_normal(mesh, f), normal).abs() > 0.9 {
                continue;
            }
            let el = mesh.element(f.element);
            let v: Vec<NodeId> = el
                .facet_vertices(f.local as usize)
                .into_iter()
                .map(|n| *original_of.get(&n).unwrap_or(&n))
                .collect();
            for i in 0..v.len() {
                if mesh.dim() == 2 {
                    crossing.insert(vec![v[i]]);
                } else {
                    let (a, b) = (v[i], v[(i + 1) % v.len()]);
                    crossing.insert(vec![a.min(b), a.max(b)]);
                }
            }
        }
        let mut added = Vec::new();
        for layer_el in old_num_elements..mesh.num_elements() {
            let el = mesh.element(layer_el);
            for l in 0..el.kind.facets().len() {
                // A lateral facet spans one plane node (2D) or plane edge (3D) and its copy.
                let mut w: Vec<NodeId> = el
                    .facet_vertices(l)
                    .into_iter()
                    .map(|n| *original_of.get(&n).unwrap_or(&n))
                    .collect();
                w.sort_unstable();
                w.dedup();
                if w.len() == mesh.dim() - 1 && crossing.contains(&w) {
                    added.push(Facet {
                        element: layer_el,
                        local: l as u8,
                    });
                }
            }
        }
        // Recompute the nodes from the facets: distal facets now use the copies.
        let mut facets = set.facets.clone();
        facets.extend(added);
        mesh.insert_set(&name, crate::BoundarySet::default());
        mesh.add_facets_to_set(&name, facets);
    }

    mesh.validate()?;
    Ok(LayerInsertion {
        old_num_nodes,
        old_num_elements,
        new_nodes,
        new_elements,
        height_mm,
    })
}

/// `facets` with every facet owned by a distal element replaced by the same facet of its proximal
/// neighbour.
fn proximal_facets(
    mesh: &Mesh,
    plane_set: &str,
    facets: Vec<Facet>,
    distal: &[bool],
) -> Result<Vec<Facet>, MeshError> {
    if facets.iter().all(|f| !distal[f.element]) {
        return Ok(facets);
    }
    let mut proximal_owner: HashMap<Vec<NodeId>, Facet> = HashMap::new();
    for e in mesh.elements().filter(|e| !distal[e.id]) {
        for l in 0..e.kind.facets().len() {
            proximal_owner.insert(
                e.facet_key(l),
                Facet {
                    element: e.id,
                    local: l as u8,
                },
            );
        }
    }
    facets
        .into_iter()
        .map(|f| {
            if !distal[f.element] {
                return Ok(f);
            }
            proximal_owner.get(&mesh.element(f.element).facet_key(f.local as usize)).copied().ok_or_else(|| {
                MeshError::Invalid(format!(
                    "gap growth: '{plane_set}' has a facet of element {} with no element below it; the growth plane must \
                     lie inside the regenerate",
                    mesh.element_tags()[f.element]
                ))
            })
        })
        .collect()
}

fn quad_kind(kind: ElementKind) -> crate::elevate::QuadraticQuad {
    if kind == ElementKind::Quad8 {
        crate::elevate::QuadraticQuad::Quad8
    } else {
        crate::elevate::QuadraticQuad::Quad9
    }
}

/// Records the origin of nodes created for a new element (ids from `first_new` on).
fn record_new_nodes(
    mesh: &Mesh,
    linear: ElementKind,
    target: ElementKind,
    vertices: &[NodeId],
    nodes: &[NodeId],
    first_new: NodeId,
    out: &mut Vec<NodeSource>,
) {
    let nv = vertices.len();
    for (i, &n) in nodes.iter().enumerate().skip(nv) {
        if n < first_new || n >= mesh.num_nodes() {
            continue;
        }
        if i < nv + linear.edges().len() {
            let [a, b] = linear.edges()[i - nv];
            out.push(NodeSource::Between(vertices[a], vertices[b]));
        } else if target == ElementKind::Quad9 {
            out.push(NodeSource::Centre([
                vertices[0],
                vertices[1],
                vertices[2],
                vertices[3],
            ]));
        }
    }
}

/// The linear cells filling the slab between facet vertices `bottom` (ordered with the normal pointing
/// into the layer) and their copies `top`, for a facet of an element of kind `kind`.
fn layer_cells(
    kind: ElementKind,
    bottom: &[NodeId],
    top: &[NodeId],
) -> Vec<(ElementKind, Vec<NodeId>)> {
    match (kind.linear(), bottom.len()) {
        // 2D: bottom edge a→b has the element below on its left; the layer lies on its right.
        (ElementKind::Quad4, 2) => vec![(
            ElementKind::Quad4,
            vec![bottom[1], bottom[0], top[0], top[1]],
        )],
        (ElementKind::Tri3, 2) => vec![
            (ElementKind::Tri3, vec![bottom[1], bottom[0], top[0]]),
            (ElementKind::Tri3, vec![bottom[1], top[0], top[1]]),
        ],
        // 3D: the facet's vertices are ordered with the normal into the layer.
        (ElementKind::Tet4, 3) => {
            prism_to_tets([bottom[0], bottom[1], bottom[2], top[0], top[1], top[2]])
        }
        (_, 3) => vec![(ElementKind::Wedge6, [bottom, top].concat())],
        (_, 4) => vec![(ElementKind::Hex8, [bottom, top].concat())],
        _ => unreachable!("facets have 2, 3 or 4 vertices"),
    }
}

/// Splits a prism (triangle 0-1-2 under 3-4-5) into three positively oriented tetrahedra. Each quad
/// face is cut along the diagonal through its smallest node id, so neighbouring prisms agree
/// (Dompierre et al., "How to subdivide pyramids, prisms and hexahedra into tetrahedra", 1999).
fn prism_to_tets(p: [NodeId; 6]) -> Vec<(ElementKind, Vec<NodeId>)> {
    // Rotate (and, if the smallest id is on top, flip) so that the smallest id is vertex 0.
    let m = (0..6).min_by_key(|&i| p[i]).unwrap();
    let (b, t) = if m < 3 { (0, 3) } else { (3, 0) };
    let k = m % 3;
    let v = [
        p[b + k],
        p[b + (k + 1) % 3],
        p[b + (k + 2) % 3],
        p[t + k],
        p[t + (k + 1) % 3],
        p[t + (k + 2) % 3],
    ];
    let flipped = m >= 3;
    // Faces through vertex 0 are cut at 0; face 1-2-5-4 along 1-5 or 2-4, whichever holds its smallest id.
    let tets = if v[1].min(v[5]) < v[2].min(v[4]) {
        [
            [v[0], v[1], v[2], v[5]],
            [v[0], v[1], v[5], v[4]],
            [v[0], v[4], v[5], v[3]],
        ]
    } else {
        [
            [v[0], v[1], v[2], v[4]],
            [v[0], v[4], v[2], v[5]],
            [v[0], v[4], v[5], v[3]],
        ]
    };
    tets.into_iter()
        .map(|mut t| {
            // The tets above are positive for an unflipped prism; flipping reverses them.
            if flipped {
                t.swap(2, 3);
            }
            (ElementKind::Tet4, t.to_vec())
        })
        .collect()
}
