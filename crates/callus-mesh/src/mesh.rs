//! The mesh: nodes, element blocks with a region per element, named regions and boundary sets.
//!
//! Coordinates are in mm. A 2D mesh lies in the z = 0 plane; for axisymmetric analyses its x
//! coordinate is the radius r and its y coordinate the axial position z.

use std::collections::BTreeMap;

use crate::{ElementKind, MeshError};

/// Index of a node (0-based, dense).
pub type NodeId = usize;
/// Global index of an element (0-based, dense; elements are numbered block after block).
pub type ElementId = usize;
/// Index of a region into [`Mesh::region_names`].
pub type RegionId = usize;

/// Elements of one kind, stored contiguously.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ElementBlock {
    /// The kind of every element of the block.
    pub kind: ElementKind,
    /// Node ids, `kind.num_nodes()` per element.
    pub connectivity: Vec<NodeId>,
    /// Region of each element.
    pub regions: Vec<RegionId>,
}

impl ElementBlock {
    /// Number of elements in the block.
    pub fn len(&self) -> usize {
        self.regions.len()
    }

    /// Whether the block has no element.
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// Nodes of the `i`-th element of the block.
    pub fn nodes(&self, i: usize) -> &[NodeId] {
        let n = self.kind.num_nodes();
        &self.connectivity[i * n..(i + 1) * n]
    }
}

/// One facet (edge in 2D, face in 3D) of an element: the element and its local facet index
/// (see [`ElementKind::facets`]). The facet's normal points out of `element`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Facet {
    /// The element owning the facet.
    pub element: ElementId,
    /// Local facet index within the element.
    pub local: u8,
}

/// A named boundary set: facets (possibly none) and nodes. `nodes` holds every node of every facet
/// (mid-edge nodes included) plus any node given on its own (a 3D axis line, a point).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoundarySet {
    /// Facets of the set, sorted.
    pub facets: Vec<Facet>,
    /// Nodes of the set, sorted and unique.
    pub nodes: Vec<NodeId>,
}

/// An element seen through the mesh: its kind, nodes and region.
#[derive(Clone, Copy, Debug)]
pub struct ElementRef<'a> {
    /// Global id.
    pub id: ElementId,
    /// Kind.
    pub kind: ElementKind,
    /// Node ids in local order.
    pub nodes: &'a [NodeId],
    /// Region id.
    pub region: RegionId,
}

impl ElementRef<'_> {
    /// The element's nodes in VTK's (and XDMF's) local order ([`ElementKind::vtk_order`]).
    pub fn vtk_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.kind.vtk_order().iter().map(|&i| self.nodes[i])
    }

    /// Global ids of the vertices of local facet `local`, in the facet's (outward) order.
    pub fn facet_vertices(&self, local: usize) -> Vec<NodeId> {
        self.kind.facets()[local]
            .vertices
            .iter()
            .map(|&v| self.nodes[v])
            .collect()
    }

    /// The vertices of local facet `local`, sorted: the same key from both elements sharing the facet.
    pub fn facet_key(&self, local: usize) -> Vec<NodeId> {
        let mut key = self.facet_vertices(local);
        key.sort_unstable();
        key
    }
}

/// An unstructured mesh of one spatial dimension (all elements of dimension `dim`). It serialises
/// whole (a run's checkpoint holds the mesh as grown).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mesh {
    dim: usize,
    coords: Vec<[f64; 3]>,
    node_tags: Vec<u64>,
    blocks: Vec<ElementBlock>,
    block_offsets: Vec<ElementId>,
    element_tags: Vec<u64>,
    region_names: Vec<String>,
    sets: BTreeMap<String, BoundarySet>,
}

impl Mesh {
    /// An empty mesh of dimension 2 or 3.
    pub fn new(dim: usize) -> Mesh {
        assert!(dim == 2 || dim == 3, "a mesh is 2D or 3D, not {dim}D");
        Mesh {
            dim,
            coords: Vec::new(),
            node_tags: Vec::new(),
            blocks: Vec::new(),
            block_offsets: vec![0],
            element_tags: Vec::new(),
            region_names: Vec::new(),
            sets: BTreeMap::new(),
        }
    }

    /// Spatial dimension (2 or 3).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Adds a node at `x` (mm) with external tag `index + 1`; returns its id.
    pub fn add_node(&mut self, x: [f64; 3]) -> NodeId {
        let id = self.coords.len();
        self.add_node_tagged(x, id as u64 + 1)
    }

    /// Adds a node with an external tag (e.g. the Gmsh node tag); returns its id.
    pub fn add_node_tagged(&mut self, x: [f64; 3], tag: u64) -> NodeId {
        self.coords.push(x);
        self.node_tags.push(tag);
        self.coords.len() - 1
    }

    /// The id of region `name`, creating it if needed.
    pub fn region_id_or_insert(&mut self, name: &str) -> RegionId {
        match self.region_names.iter().position(|r| r == name) {
            Some(id) => id,
            None => {
                self.region_names.push(name.to_string());
                self.region_names.len() - 1
            }
        }
    }

    /// Appends an element with external tag `id + 1`; returns its global id. Elements of a kind
    /// different from the last one start a new block, so ids follow insertion order.
    pub fn add_element(
        &mut self,
        kind: ElementKind,
        nodes: &[NodeId],
        region: RegionId,
    ) -> ElementId {
        let id = self.num_elements();
        self.add_element_tagged(kind, nodes, region, id as u64 + 1)
    }

    /// Appends an element with an external tag; returns its global id.
    pub fn add_element_tagged(
        &mut self,
        kind: ElementKind,
        nodes: &[NodeId],
        region: RegionId,
        tag: u64,
    ) -> ElementId {
        assert_eq!(kind.dim(), self.dim, "a {kind} in a {}D mesh", self.dim);
        assert_eq!(
            nodes.len(),
            kind.num_nodes(),
            "{kind} takes {} nodes",
            kind.num_nodes()
        );
        assert!(
            region < self.region_names.len(),
            "region {region} does not exist"
        );
        if self.blocks.last().is_none_or(|b| b.kind != kind) {
            self.blocks.push(ElementBlock {
                kind,
                connectivity: Vec::new(),
                regions: Vec::new(),
            });
            self.block_offsets.push(*self.block_offsets.last().unwrap());
        }
        let block = self.blocks.last_mut().unwrap();
        block.connectivity.extend_from_slice(nodes);
        block.regions.push(region);
        *self.block_offsets.last_mut().unwrap() += 1;
        self.element_tags.push(tag);
        self.num_elements() - 1
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.coords.len()
    }

    /// Number of elements.
    pub fn num_elements(&self) -> usize {
        *self.block_offsets.last().unwrap()
    }

    /// Node coordinates (mm), z = 0 in 2D.
    pub fn coords(&self) -> &[[f64; 3]] {
        &self.coords
    }

    /// Mutable node coordinates (mm), for moving nodes (e.g. updating the configuration).
    pub fn coords_mut(&mut self) -> &mut [[f64; 3]] {
        &mut self.coords
    }

    /// External node tags (Gmsh's, or id + 1), for messages.
    pub fn node_tags(&self) -> &[u64] {
        &self.node_tags
    }

    /// External element tags (Gmsh's, or id + 1), for messages.
    pub fn element_tags(&self) -> &[u64] {
        &self.element_tags
    }

    /// Element blocks.
    pub fn blocks(&self) -> &[ElementBlock] {
        &self.blocks
    }

    /// Global id of the first element of each block, plus the total at the end.
    pub fn block_offsets(&self) -> &[ElementId] {
        &self.block_offsets
    }

    /// The element with global id `id`.
    pub fn element(&self, id: ElementId) -> ElementRef<'_> {
        let b = self.block_offsets.partition_point(|&o| o <= id) - 1;
        let block = &self.blocks[b];
        let i = id - self.block_offsets[b];
        ElementRef {
            id,
            kind: block.kind,
            nodes: block.nodes(i),
            region: block.regions[i],
        }
    }

    /// All elements in id order.
    pub fn elements(&self) -> impl Iterator<Item = ElementRef<'_>> + '_ {
        self.blocks.iter().enumerate().flat_map(move |(b, block)| {
            (0..block.len()).map(move |i| ElementRef {
                id: self.block_offsets[b] + i,
                kind: block.kind,
                nodes: block.nodes(i),
                region: block.regions[i],
            })
        })
    }

    /// Region names; a region's id is its index.
    pub fn region_names(&self) -> &[String] {
        &self.region_names
    }

    /// Id of region `name`, if present.
    pub fn region_id(&self, name: &str) -> Option<RegionId> {
        self.region_names.iter().position(|r| r == name)
    }

    /// Ids of the regions named, or an error naming the first that is missing.
    pub fn require_regions(&self, names: &[&str]) -> Result<Vec<RegionId>, MeshError> {
        names
            .iter()
            .map(|&name| {
                self.region_id(name)
                    .ok_or_else(|| MeshError::MissingRegion {
                        name: name.to_string(),
                        available: list_or_none(self.region_names.iter()),
                    })
            })
            .collect()
    }

    /// Named boundary sets.
    pub fn sets(&self) -> &BTreeMap<String, BoundarySet> {
        &self.sets
    }

    /// The boundary set `name`, or an error listing the sets there are.
    pub fn set(&self, name: &str) -> Result<&BoundarySet, MeshError> {
        self.sets.get(name).ok_or_else(|| MeshError::MissingSet {
            name: name.to_string(),
            available: list_or_none(self.sets.keys()),
        })
    }

    /// Adds facets and their nodes to set `name` (created if needed).
    pub fn add_facets_to_set(&mut self, name: &str, facets: impl IntoIterator<Item = Facet>) {
        let facets: Vec<Facet> = facets.into_iter().collect();
        let mut nodes = Vec::new();
        for f in &facets {
            let e = self.element(f.element);
            nodes.extend(
                e.kind
                    .facet_nodes(f.local as usize)
                    .into_iter()
                    .map(|l| e.nodes[l]),
            );
        }
        let set = self.sets.entry(name.to_string()).or_default();
        set.facets.extend(facets);
        set.facets.sort_unstable();
        set.facets.dedup();
        set.nodes.extend(nodes);
        set.nodes.sort_unstable();
        set.nodes.dedup();
    }

    /// Adds nodes to set `name` (created if needed).
    pub fn add_nodes_to_set(&mut self, name: &str, nodes: impl IntoIterator<Item = NodeId>) {
        let set = self.sets.entry(name.to_string()).or_default();
        set.nodes.extend(nodes);
        set.nodes.sort_unstable();
        set.nodes.dedup();
    }

    /// Replaces the whole set `name`.
    pub fn insert_set(&mut self, name: &str, set: BoundarySet) {
        self.sets.insert(name.to_string(), set);
    }

    /// Local node ids of facet `f`, mapped to global node ids.
    pub fn facet_nodes(&self, f: Facet) -> Vec<NodeId> {
        let e = self.element(f.element);
        e.kind
            .facet_nodes(f.local as usize)
            .into_iter()
            .map(|l| e.nodes[l])
            .collect()
    }

    /// Axis-aligned bounding box `(min, max)` of the nodes (mm).
    pub fn bounding_box(&self) -> ([f64; 3], [f64; 3]) {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for x in &self.coords {
            for d in 0..3 {
                lo[d] = lo[d].min(x[d]);
                hi[d] = hi[d].max(x[d]);
            }
        }
        (lo, hi)
    }

    /// Length of the bounding box diagonal (mm); the scale for geometric tolerances.
    pub fn size_scale(&self) -> f64 {
        let (lo, hi) = self.bounding_box();
        let d2: f64 = (0..3).map(|d| (hi[d] - lo[d]).powi(2)).sum();
        if d2.is_finite() {
            d2.sqrt()
        } else {
            0.0
        }
    }

    /// Kinds present and their element counts, in [`ElementKind::ALL`] order.
    pub fn kind_counts(&self) -> Vec<(ElementKind, usize)> {
        ElementKind::ALL
            .into_iter()
            .map(|k| {
                (
                    k,
                    self.blocks
                        .iter()
                        .filter(|b| b.kind == k)
                        .map(|b| b.len())
                        .sum(),
                )
            })
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// Centroid of the vertices of element `e` (mm).
    pub fn element_centroid(&self, e: ElementId) -> [f64; 3] {
        let el = self.element(e);
        let nv = el.kind.num_vertices();
        let mut c = [0.0; 3];
        for &n in &el.nodes[..nv] {
            for (cd, xd) in c.iter_mut().zip(self.coords[n]) {
                *cd += xd / nv as f64;
            }
        }
        c
    }

    /// Replaces the node list of element `e` (same kind).
    pub(crate) fn set_element_nodes(&mut self, e: ElementId, nodes: &[NodeId]) {
        let b = self.block_offsets.partition_point(|&o| o <= e) - 1;
        let i = e - self.block_offsets[b];
        let n = self.blocks[b].kind.num_nodes();
        self.blocks[b].connectivity[i * n..(i + 1) * n].copy_from_slice(nodes);
    }

    /// Removes every element and set, keeping nodes and regions (used by rebuilding operations).
    pub(crate) fn take_elements(&mut self) -> (Vec<ElementBlock>, Vec<u64>) {
        let blocks = std::mem::take(&mut self.blocks);
        let tags = std::mem::take(&mut self.element_tags);
        self.block_offsets = vec![0];
        (blocks, tags)
    }
}

/// "a, b, c" or "(none)".
pub(crate) fn list_or_none<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let v: Vec<&str> = items.map(String::as_str).collect();
    if v.is_empty() {
        "(none)".to_string()
    } else {
        v.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_keep_insertion_order_across_kinds() {
        let mut m = Mesh::new(2);
        for x in [
            [0., 0., 0.],
            [1., 0., 0.],
            [1., 1., 0.],
            [0., 1., 0.],
            [2., 0., 0.],
        ] {
            m.add_node(x);
        }
        let r = m.region_id_or_insert("gap");
        assert_eq!(m.add_element(ElementKind::Quad4, &[0, 1, 2, 3], r), 0);
        assert_eq!(m.add_element(ElementKind::Tri3, &[1, 4, 2], r), 1);
        assert_eq!(m.element(1).kind, ElementKind::Tri3);
        assert_eq!(m.element(0).nodes, &[0, 1, 2, 3]);
        assert_eq!(m.elements().map(|e| e.id).collect::<Vec<_>>(), vec![0, 1]);
        assert!(matches!(
            m.require_regions(&["cortex"]),
            Err(MeshError::MissingRegion { .. })
        ));
    }
}
