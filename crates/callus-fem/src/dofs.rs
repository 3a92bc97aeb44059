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
