//! Mesh checks: indices in range, inverted and degenerate elements, repeated, duplicate and
//! unreferenced nodes. [`Mesh::validate`] runs them all; readers and generators call it before
//! handing a mesh out. [`Mesh::check_connected`] (one body, not several pieces) is the Gmsh
//! reader's too.

use crate::geometry::{corner_scaled_jacobians, vertex_coords};
use crate::{Mesh, MeshError};

/// Scaled Jacobian below which an element counts as degenerate (a corner angle of about 0.06°).
pub const DEGENERATE_SCALED_JACOBIAN: f64 = 1e-3;

/// Relative distance (to the bounding-box diagonal) under which two nodes count as coincident.
pub const COINCIDENT_NODE_TOLERANCE: f64 = 1e-9;

impl Mesh {
    /// Runs every check; the first problem found is returned.
    pub fn validate(&self) -> Result<(), MeshError> {
        self.check_indices()?;
        self.check_elements()?;
        self.check_unreferenced_nodes()?;
        self.check_duplicate_nodes()?;
        Ok(())
    }

    /// Node, region and facet indices are in range and coordinates finite.
    pub fn check_indices(&self) -> Result<(), MeshError> {
        if let Some((n, x)) = self
            .coords()
            .iter()
            .enumerate()
            .find(|(_, x)| x.iter().any(|v| !v.is_finite()))
        {
            return Err(MeshError::Invalid(format!(
                "node {} has a coordinate that is not a finite number: {x:?}",
                self.node_tags()[n]
            )));
        }
        for e in self.elements() {
            if let Some(&n) = e.nodes.iter().find(|&&n| n >= self.num_nodes()) {
                return Err(MeshError::Invalid(format!(
                    "element {} refers to node index {n}, but the mesh has {} nodes",
                    self.element_tags()[e.id],
                    self.num_nodes()
                )));
            }
        }
        for (name, set) in self.sets() {
            if let Some(f) = set.facets.iter().find(|f| {
                f.element >= self.num_elements()
                    || f.local as usize >= self.element(f.element).kind.facets().len()
            }) {
                return Err(MeshError::Invalid(format!(
                    "boundary set '{name}' has an invalid facet {f:?}"
                )));
            }
            if let Some(&n) = set.nodes.iter().find(|&&n| n >= self.num_nodes()) {
                return Err(MeshError::Invalid(format!(
                    "boundary set '{name}' refers to node index {n}, out of range"
                )));
            }
        }
        Ok(())
    }

    /// No element repeats a node, is inverted or degenerate (checked at the vertices with the
    /// straight-sided geometry).
    pub fn check_elements(&self) -> Result<(), MeshError> {
        for e in self.elements() {
            let tag = self.element_tags()[e.id];
            let region = || self.region_names()[e.region].clone();
            let mut sorted = e.nodes.to_vec();
            sorted.sort_unstable();
            if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(MeshError::RepeatedNode {
                    tag,
                    region: region(),
                    kind: e.kind,
                    node: self.node_tags()[w[0]],
                });
            }
            let q = corner_scaled_jacobians(e.kind, &vertex_coords(self, e.id));
            let (corner, &worst) = q
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .unwrap();
            if worst < -DEGENERATE_SCALED_JACOBIAN {
                return Err(MeshError::InvertedElement {
                    tag,
                    region: region(),
                    kind: e.kind,
                    corner,
                });
            }
            if worst < DEGENERATE_SCALED_JACOBIAN {
                return Err(MeshError::DegenerateElement {
                    tag,
                    region: region(),
                    kind: e.kind,
                    corner,
                    jacobian: worst,
                });
            }
        }
        Ok(())
    }

    /// Every node is used by at least one element.
    pub fn check_unreferenced_nodes(&self) -> Result<(), MeshError> {
        let used = self.node_usage();
        let unused: Vec<usize> = (0..self.num_nodes()).filter(|&n| !used[n]).collect();
        if let Some(&first) = unused.first() {
            let [x, y, z] = self.coords()[first];
            return Err(MeshError::UnreferencedNodes {
                count: unused.len(),
                first_tag: self.node_tags()[first],
                x,
                y,
                z,
            });
        }
        Ok(())
    }

    /// No two nodes coincide (within [`COINCIDENT_NODE_TOLERANCE`] of the mesh size).
    pub fn check_duplicate_nodes(&self) -> Result<(), MeshError> {
        let tol = COINCIDENT_NODE_TOLERANCE * self.size_scale();
        let x = self.coords();
        let mut order: Vec<usize> = (0..x.len()).collect();
        order.sort_by(|&a, &b| x[a][0].total_cmp(&x[b][0]));
        for (i, &a) in order.iter().enumerate() {
            for &b in &order[i + 1..] {
                if x[b][0] - x[a][0] > tol {
                    break;
                }
                let d2: f64 = (0..3).map(|d| (x[a][d] - x[b][d]).powi(2)).sum();
                if d2.sqrt() <= tol {
                    let (a, b) = (a.min(b), a.max(b));
                    let [px, py, pz] = x[a];
                    return Err(MeshError::DuplicateNodes {
                        a: self.node_tags()[a],
                        b: self.node_tags()[b],
                        x: px,
                        y: py,
                        z: pz,
                    });
                }
            }
        }
        Ok(())
    }

    /// The elements form one body: each reaches every other through shared nodes. Not part of
    /// [`Mesh::validate`] (a mesh in pieces is a valid mesh); a file read for a run must be one body,
    /// so the Gmsh reader checks it. The error names an element of the smallest piece.
    pub fn check_connected(&self) -> Result<(), MeshError> {
        let mut parent: Vec<usize> = (0..self.num_nodes()).collect();
        fn root(parent: &mut [usize], mut node: usize) -> usize {
            while parent[node] != node {
                parent[node] = parent[parent[node]];
                node = parent[node];
            }
            node
        }
        for e in self.elements() {
            let first = root(&mut parent, e.nodes[0]);
            for &n in &e.nodes[1..] {
                let r = root(&mut parent, n);
                parent[r] = first;
            }
        }
        // Per piece (by its root node): its first element and its size.
        let mut pieces: std::collections::BTreeMap<usize, (usize, usize)> = Default::default();
        for e in self.elements() {
            let piece = pieces
                .entry(root(&mut parent, e.nodes[0]))
                .or_insert((e.id, 0));
            piece.1 += 1;
        }
        if pieces.len() < 2 {
            return Ok(());
        }
        let (smallest, &(first, size)) = pieces
            .iter()
            .min_by_key(|(_, (first, size))| (*size, *first))
            .expect("two pieces at least");
        let other = pieces
            .iter()
            .filter(|(piece, _)| *piece != smallest)
            .map(|(_, (first, _))| *first)
            .min()
            .expect("two pieces at least");
        let region = |e: usize| self.region_names()[self.element(e).region].clone();
        Err(MeshError::Disconnected {
            pieces: pieces.len(),
            tag: self.element_tags()[first],
            region: region(first),
            size,
            other_tag: self.element_tags()[other],
            other_region: region(other),
        })
    }

    /// For each node, whether an element uses it.
    pub fn node_usage(&self) -> Vec<bool> {
        let mut used = vec![false; self.num_nodes()];
        for b in self.blocks() {
            for &n in &b.connectivity {
                used[n] = true;
            }
        }
        used
    }

    /// Smallest element quality (see [`crate::geometry::element_quality`]) and the element where it is.
    pub fn min_quality(&self) -> Option<(f64, usize)> {
        (0..self.num_elements())
            .map(|e| (crate::geometry::element_quality(self, e), e))
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }
}
