//! Degrees of freedom: which unknowns live on which node, numbered node by node.
//!
//! Displacement has `dim` components on every node; in a u–p problem the pressure lives on element
//! vertices only (Taylor–Hood). Numbering is node-major (node 0's dofs, then node 1's, ...) so that a
//! fill-reducing ordering of the node graph expands to one of the dofs.

use callus_mesh::{ElementRef, Mesh, NodeId};

/// The unknown fields of a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fields {
    /// Displacement only (drained elasticity).
    Displacement,
    /// Displacement on all nodes, pressure on vertices (Biot, Taylor–Hood).
    DisplacementPressure,
    /// One scalar per node (diffusion).
    Scalar,
}

/// Kind of one dof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DofKind {
    /// Displacement component `0`.
    Displacement(u8),
    /// Pore pressure.
    Pressure,
    /// A scalar field.
    Scalar,
}

/// The dof numbering of a mesh.
#[derive(Clone, Debug)]
pub struct DofMap {
    fields: Fields,
    dim: usize,
    node_first: Vec<usize>,
    kinds: Vec<DofKind>,
}

impl DofMap {
    /// Numbers the dofs of `fields` on `mesh` with `dim` displacement components.
    pub fn new(mesh: &Mesh, dim: usize, fields: Fields) -> DofMap {
        let mut has_pressure = vec![false; mesh.num_nodes()];
        if fields == Fields::DisplacementPressure {
            for e in mesh.elements() {
                for &n in &e.nodes[..e.kind.num_vertices()] {
                    has_pressure[n] = true;
                }
            }
        }
        let mut node_first = Vec::with_capacity(mesh.num_nodes() + 1);
        let mut kinds = Vec::new();
        for &p in &has_pressure {
            node_first.push(kinds.len());
            match fields {
                Fields::Scalar => kinds.push(DofKind::Scalar),
                _ => {
                    kinds.extend((0..dim as u8).map(DofKind::Displacement));
                    if p {
                        kinds.push(DofKind::Pressure);
                    }
                }
            }
        }
        node_first.push(kinds.len());
        DofMap {
            fields,
            dim,
            node_first,
            kinds,
        }
    }

    /// Total number of dofs.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Whether there are no dofs.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Displacement components per node.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The fields.
    pub fn fields(&self) -> Fields {
        self.fields
    }

    /// Kind of each dof.
    pub fn kinds(&self) -> &[DofKind] {
        &self.kinds
    }

    /// The node of `dof`.
    pub fn node_of(&self, dof: usize) -> NodeId {
        self.node_first.partition_point(|&first| first <= dof) - 1
    }

    /// The dofs of `node`.
    pub fn node_dofs(&self, node: NodeId) -> std::ops::Range<usize> {
        self.node_first[node]..self.node_first[node + 1]
    }

    /// Displacement component `c` of `node`.
    pub fn u(&self, node: NodeId, c: usize) -> usize {
        debug_assert!(self.fields != Fields::Scalar && c < self.dim);
        self.node_first[node] + c
    }

    /// The pressure dof of `node`, if it has one (a vertex in a u–p problem).
    pub fn p(&self, node: NodeId) -> Option<usize> {
        let r = self.node_dofs(node);
        (self.fields == Fields::DisplacementPressure && r.len() > self.dim).then(|| r.end - 1)
    }

    /// The scalar dof of `node`.
    pub fn scalar(&self, node: NodeId) -> usize {
        self.node_first[node]
    }

    /// Appends the element's dofs in local order: displacement node-major for all nodes, then the
    /// pressure of each vertex (u–p), or one scalar per node.
    pub fn element_dofs(&self, e: &ElementRef, out: &mut Vec<usize>) {
        out.clear();
        match self.fields {
            Fields::Scalar => out.extend(e.nodes.iter().map(|&n| self.scalar(n))),
            _ => {
                for &n in e.nodes {
                    out.extend((0..self.dim).map(|c| self.u(n, c)));
                }
                if self.fields == Fields::DisplacementPressure {
                    out.extend(
                        e.nodes[..e.kind.num_vertices()]
                            .iter()
                            .map(|&n| self.p(n).expect("vertices carry a pressure")),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callus_mesh::elevate::{elevate, QuadraticQuad};
    use callus_mesh::generate::rectangle;

    /// Goal: `node_of` inverts `node_dofs` for every dof of a Taylor–Hood u–p map (mid-side nodes
    /// with two dofs, vertices with three) and of a scalar map; an empty mesh has no dofs.
    ///
    /// Mesh: 2 × 1 Quad9 on [0, 2] × [0, 1] mm (15 nodes, 6 vertices): 2·15 + 6 = 36 u–p dofs.
    #[test]
    fn each_dof_belongs_to_the_node_that_lists_it() {
        let mesh = elevate(
            &rectangle([0.0, 2.0], [0.0, 1.0], 2, 1).unwrap(),
            QuadraticQuad::Quad9,
        )
        .unwrap();
        for (fields, len) in [(Fields::DisplacementPressure, 36), (Fields::Scalar, 15)] {
            let dofs = DofMap::new(&mesh, 2, fields);
            assert_eq!(dofs.len(), len);
            assert!(!dofs.is_empty());
            for node in 0..mesh.num_nodes() {
                for d in dofs.node_dofs(node) {
                    assert_eq!(dofs.node_of(d), node, "{fields:?} dof {d}");
                }
            }
        }
        let empty = DofMap::new(&Mesh::new(2), 2, Fields::DisplacementPressure);
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
    }
}
