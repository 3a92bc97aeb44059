//! Degree elevation: Tri3 → Tri6, Quad4 → Quad8 or Quad9, Tet4 → Tet10.
//!
//! Taylor–Hood elements need quadratic geometry; this lets users bring linear meshes. A mid-edge
//! node is placed at the midpoint of its (straight) edge and shared by every element around the edge;
//! a Quad9 centre node at the mean of the four vertices. Element ids, regions and facets are kept, so
//! boundary sets carry over: each set gains the mid-edge nodes of its facets, and a set of nodes only
//! (a 3D axis line) gains the mid-nodes of edges joining two of its nodes.

use std::collections::HashMap;

use crate::{ElementKind, Mesh, MeshError, NodeId};

/// Which quadratic quadrilateral to make from a Quad4.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QuadraticQuad {
    /// 8-node serendipity element.
    Quad8,
    /// 9-node Lagrange element (default: the better Taylor–Hood partner, Q2–Q1).
    #[default]
    Quad9,
}

impl QuadraticQuad {
    fn kind(self) -> ElementKind {
        match self {
            QuadraticQuad::Quad8 => ElementKind::Quad8,
            QuadraticQuad::Quad9 => ElementKind::Quad9,
        }
    }
}

/// The quadratic kind a linear kind elevates to.
pub fn quadratic_of(kind: ElementKind, quad: QuadraticQuad) -> Result<ElementKind, MeshError> {
    match kind {
        ElementKind::Tri3 => Ok(ElementKind::Tri6),
        ElementKind::Quad4 => Ok(quad.kind()),
        ElementKind::Tet4 => Ok(ElementKind::Tet10),
        k if k.is_quadratic() => Ok(k),
        k => Err(MeshError::Unsupported(format!(
            "degree elevation of {k} elements is not available (callus's quadratic 3D element is Tet10): \
             use a tetrahedral mesh, e.g. `callus mesh generate --dim 3 --elements tet`"
        ))),
    }
}

/// Mid-edge nodes shared between elements, keyed by their two vertex nodes.
#[derive(Clone, Debug, Default)]
pub(crate) struct EdgeMidpoints {
    map: HashMap<(NodeId, NodeId), NodeId>,
    next_tag: u64,
}

impl EdgeMidpoints {
    /// Seeded with the mid-edge nodes of the quadratic elements already in `mesh`.
    pub(crate) fn from_mesh(mesh: &Mesh) -> Self {
        let mut map = HashMap::new();
        for e in mesh.elements().filter(|e| e.kind.is_quadratic()) {
            let nv = e.kind.num_vertices();
            for (i, &[a, b]) in e.kind.edges().iter().enumerate() {
                map.insert(key(e.nodes[a], e.nodes[b]), e.nodes[nv + i]);
            }
        }
        let next_tag = mesh.node_tags().iter().copied().max().unwrap_or(0) + 1;
        EdgeMidpoints { map, next_tag }
    }

    /// The mid-node of edge a–b, created at the midpoint if new.
    pub(crate) fn get_or_insert(&mut self, mesh: &mut Mesh, a: NodeId, b: NodeId) -> NodeId {
        if let Some(&m) = self.map.get(&key(a, b)) {
            return m;
        }
        let (xa, xb) = (mesh.coords()[a], mesh.coords()[b]);
        let m = self.new_node(
            mesh,
            [
                0.5 * (xa[0] + xb[0]),
                0.5 * (xa[1] + xb[1]),
                0.5 * (xa[2] + xb[2]),
            ],
        );
        self.map.insert(key(a, b), m);
        m
    }

    /// Records `m` as the mid-node of edge a–b.
    pub(crate) fn insert(&mut self, a: NodeId, b: NodeId, m: NodeId) {
        self.map.insert(key(a, b), m);
    }

    /// A node with a fresh tag.
    pub(crate) fn new_node(&mut self, mesh: &mut Mesh, x: [f64; 3]) -> NodeId {
        let m = mesh.add_node_tagged(x, self.next_tag);
        self.next_tag += 1;
        m
    }

    /// The node list of `kind`'s quadratic counterpart for an element with vertices `vertices`.
    pub(crate) fn quadratic_nodes(
        &mut self,
        mesh: &mut Mesh,
        kind: ElementKind,
        target: ElementKind,
        vertices: &[NodeId],
    ) -> Vec<NodeId> {
        let mut nodes = vertices.to_vec();
        for &[a, b] in kind.edges() {
            nodes.push(self.get_or_insert(mesh, vertices[a], vertices[b]));
        }
        if target == ElementKind::Quad9 {
            let mut c = [0.0; 3];
            for &v in vertices {
                for (d, cd) in c.iter_mut().enumerate() {
                    *cd += 0.25 * mesh.coords()[v][d];
                }
            }
            nodes.push(self.new_node(mesh, c));
        }
        nodes
    }

    /// Mid-nodes of the edges whose two ends are both in `nodes`.
    pub(crate) fn edges_within<'a>(
        &'a self,
        nodes: &'a std::collections::HashSet<NodeId>,
    ) -> impl Iterator<Item = NodeId> + 'a {
        self.map
            .iter()
            .filter(|((a, b), _)| nodes.contains(a) && nodes.contains(b))
            .map(|(_, &m)| m)
    }
}

fn key(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    (a.min(b), a.max(b))
}

/// Returns a copy of `mesh` with every linear element made quadratic (see the module docs).
/// Elements that are already quadratic are kept. Hex8 and Wedge6 meshes are refused.
pub fn elevate(mesh: &Mesh, quad: QuadraticQuad) -> Result<Mesh, MeshError> {
    for (kind, _) in mesh.kind_counts() {
        quadratic_of(kind, quad)?;
    }
    let mut out = mesh.clone();
    let mut mids = EdgeMidpoints::from_mesh(mesh);
    let (blocks, tags) = out.take_elements();
    let mut id = 0;
    for block in &blocks {
        let target = quadratic_of(block.kind, quad)?;
        for i in 0..block.len() {
            let nodes = if block.kind.is_quadratic() {
                block.nodes(i).to_vec()
            } else {
                mids.quadratic_nodes(&mut out, block.kind, target, block.nodes(i))
            };
            out.add_element_tagged(target, &nodes, block.regions[i], tags[id]);
            id += 1;
        }
    }
    let names: Vec<String> = out.sets().keys().cloned().collect();
    for name in names {
        let set = out.sets()[&name].clone();
        if set.facets.is_empty() {
            let members: std::collections::HashSet<NodeId> = set.nodes.iter().copied().collect();
            let extra: Vec<NodeId> = mids.edges_within(&members).collect();
            out.add_nodes_to_set(&name, extra);
        } else {
            out.add_facets_to_set(&name, set.facets);
        }
    }
    out.validate()?;
    Ok(out)
}
