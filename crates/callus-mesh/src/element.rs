//! Element kinds and their reference topology.
//!
//! Local node numbering follows Gmsh's (<https://gmsh.info/doc/texinfo/gmsh.html#Node-ordering>):
//! vertices first, then one node per edge in the order of [`ElementKind::edges`], then face and
//! interior nodes. The only kind whose VTK order differs is Tet10 (see [`ElementKind::vtk_order`]).

/// The element kinds callus reads, generates and writes.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum ElementKind {
    /// 3-node triangle.
    Tri3,
    /// 6-node triangle (vertices, then mid-edge nodes 01, 12, 20).
    Tri6,
    /// 4-node quadrilateral.
    Quad4,
    /// 8-node serendipity quadrilateral (vertices, mid-edge nodes 01, 12, 23, 30).
    Quad8,
    /// 9-node Lagrange quadrilateral (as Quad8 plus the centre node).
    Quad9,
    /// 4-node tetrahedron.
    Tet4,
    /// 10-node tetrahedron (vertices, mid-edge nodes 01, 12, 20, 30, 32, 31 — Gmsh order).
    Tet10,
    /// 8-node hexahedron.
    Hex8,
    /// 6-node wedge (prism): triangle 0-1-2, then triangle 3-4-5 above it.
    Wedge6,
}

/// Topological description of one local facet (edge of a 2D element, face of a 3D element).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FacetTopology {
    /// Local vertex indices, ordered so that the facet normal points out of the element
    /// (2D: the element lies to the left of the directed edge).
    pub vertices: &'static [usize],
}

const TRI_EDGES: [[usize; 2]; 3] = [[0, 1], [1, 2], [2, 0]];
const QUAD_EDGES: [[usize; 2]; 4] = [[0, 1], [1, 2], [2, 3], [3, 0]];
const TET_EDGES: [[usize; 2]; 6] = [[0, 1], [1, 2], [2, 0], [3, 0], [3, 2], [3, 1]];
const HEX_EDGES: [[usize; 2]; 12] = [
    [0, 1],
    [0, 3],
    [0, 4],
    [1, 2],
    [1, 5],
    [2, 3],
    [2, 6],
    [3, 7],
    [4, 5],
    [4, 7],
    [5, 6],
    [6, 7],
];
const WEDGE_EDGES: [[usize; 2]; 9] = [
    [0, 1],
    [0, 2],
    [0, 3],
    [1, 2],
    [1, 4],
    [2, 5],
    [3, 4],
    [3, 5],
    [4, 5],
];

const TRI_FACETS: [FacetTopology; 3] = [
    FacetTopology { vertices: &[0, 1] },
    FacetTopology { vertices: &[1, 2] },
    FacetTopology { vertices: &[2, 0] },
];
const QUAD_FACETS: [FacetTopology; 4] = [
    FacetTopology { vertices: &[0, 1] },
    FacetTopology { vertices: &[1, 2] },
    FacetTopology { vertices: &[2, 3] },
    FacetTopology { vertices: &[3, 0] },
];
const TET_FACETS: [FacetTopology; 4] = [
    FacetTopology {
        vertices: &[0, 2, 1],
    },
    FacetTopology {
        vertices: &[0, 1, 3],
    },
    FacetTopology {
        vertices: &[0, 3, 2],
    },
    FacetTopology {
        vertices: &[1, 2, 3],
    },
];
const HEX_FACETS: [FacetTopology; 6] = [
    FacetTopology {
        vertices: &[0, 3, 2, 1],
    },
    FacetTopology {
        vertices: &[0, 1, 5, 4],
    },
    FacetTopology {
        vertices: &[1, 2, 6, 5],
    },
    FacetTopology {
        vertices: &[2, 3, 7, 6],
    },
    FacetTopology {
        vertices: &[3, 0, 4, 7],
    },
    FacetTopology {
        vertices: &[4, 5, 6, 7],
    },
];
const WEDGE_FACETS: [FacetTopology; 5] = [
    FacetTopology {
        vertices: &[0, 2, 1],
    },
    FacetTopology {
        vertices: &[3, 4, 5],
    },
    FacetTopology {
        vertices: &[0, 1, 4, 3],
    },
    FacetTopology {
        vertices: &[1, 2, 5, 4],
    },
    FacetTopology {
        vertices: &[2, 0, 3, 5],
    },
];

impl ElementKind {
    /// Every kind, in a fixed order (used for stable output).
    pub const ALL: [ElementKind; 9] = [
        ElementKind::Tri3,
        ElementKind::Tri6,
        ElementKind::Quad4,
        ElementKind::Quad8,
        ElementKind::Quad9,
        ElementKind::Tet4,
        ElementKind::Tet10,
        ElementKind::Hex8,
        ElementKind::Wedge6,
    ];

    /// Short name as used in messages and `callus mesh info`.
    pub fn name(self) -> &'static str {
        match self {
            ElementKind::Tri3 => "Tri3",
            ElementKind::Tri6 => "Tri6",
            ElementKind::Quad4 => "Quad4",
            ElementKind::Quad8 => "Quad8",
            ElementKind::Quad9 => "Quad9",
            ElementKind::Tet4 => "Tet4",
            ElementKind::Tet10 => "Tet10",
            ElementKind::Hex8 => "Hex8",
            ElementKind::Wedge6 => "Wedge6",
        }
    }

    /// Spatial dimension of the reference element (2 or 3).
    pub fn dim(self) -> usize {
        match self {
            ElementKind::Tri3
            | ElementKind::Tri6
            | ElementKind::Quad4
            | ElementKind::Quad8
            | ElementKind::Quad9 => 2,
            _ => 3,
        }
    }

    /// Number of nodes of one element.
    pub fn num_nodes(self) -> usize {
        match self {
            ElementKind::Tri3 => 3,
            ElementKind::Tri6 => 6,
            ElementKind::Quad4 => 4,
            ElementKind::Quad8 => 8,
            ElementKind::Quad9 => 9,
            ElementKind::Tet4 => 4,
            ElementKind::Tet10 => 10,
            ElementKind::Hex8 => 8,
            ElementKind::Wedge6 => 6,
        }
    }

    /// Number of vertex (corner) nodes; they come first in the connectivity.
    pub fn num_vertices(self) -> usize {
        self.linear().num_nodes()
    }

    /// The linear kind with the same vertices (Tri6 → Tri3, ...); itself if already linear.
    pub fn linear(self) -> ElementKind {
        match self {
            ElementKind::Tri6 => ElementKind::Tri3,
            ElementKind::Quad8 | ElementKind::Quad9 => ElementKind::Quad4,
            ElementKind::Tet10 => ElementKind::Tet4,
            other => other,
        }
    }

    /// Whether the kind has nodes on its edges (quadratic geometry).
    pub fn is_quadratic(self) -> bool {
        self.linear() != self
    }

    /// Edges as pairs of local vertex indices, in the order of the mid-edge nodes of the quadratic kind.
    pub fn edges(self) -> &'static [[usize; 2]] {
        match self.linear() {
            ElementKind::Tri3 => &TRI_EDGES,
            ElementKind::Quad4 => &QUAD_EDGES,
            ElementKind::Tet4 => &TET_EDGES,
            ElementKind::Hex8 => &HEX_EDGES,
            ElementKind::Wedge6 => &WEDGE_EDGES,
            _ => unreachable!("linear() returns a linear kind"),
        }
    }

    /// Local facets (edges in 2D, faces in 3D) with outward orientation.
    pub fn facets(self) -> &'static [FacetTopology] {
        match self.linear() {
            ElementKind::Tri3 => &TRI_FACETS,
            ElementKind::Quad4 => &QUAD_FACETS,
            ElementKind::Tet4 => &TET_FACETS,
            ElementKind::Hex8 => &HEX_FACETS,
            ElementKind::Wedge6 => &WEDGE_FACETS,
            _ => unreachable!("linear() returns a linear kind"),
        }
    }

    /// Local indices of all nodes of facet `facet`: its vertices, then (for quadratic kinds) the
    /// mid-edge nodes of its edges in the order vertex 0→1, 1→2, ..., last→0.
    pub fn facet_nodes(self, facet: usize) -> Vec<usize> {
        let vertices = self.facets()[facet].vertices;
        let mut nodes = vertices.to_vec();
        if self.is_quadratic() {
            let n = vertices.len();
            // In 2D a facet is an edge: one mid-node, not a closed loop of edges.
            let loop_edges = if self.dim() == 2 { 1 } else { n };
            for i in 0..loop_edges {
                let (a, b) = (vertices[i], vertices[(i + 1) % n]);
                nodes.push(
                    self.num_vertices()
                        + self
                            .edge_index(a, b)
                            .expect("facet edges are element edges"),
                );
            }
        }
        nodes
    }

    /// Index into [`Self::edges`] of the edge joining local vertices `a` and `b` (either direction).
    pub fn edge_index(self, a: usize, b: usize) -> Option<usize> {
        self.edges()
            .iter()
            .position(|&[p, q]| (p, q) == (a, b) || (p, q) == (b, a))
    }

    /// Gmsh element type number.
    pub fn gmsh_type(self) -> u32 {
        match self {
            ElementKind::Tri3 => 2,
            ElementKind::Quad4 => 3,
            ElementKind::Tet4 => 4,
            ElementKind::Hex8 => 5,
            ElementKind::Wedge6 => 6,
            ElementKind::Tri6 => 9,
            ElementKind::Quad9 => 10,
            ElementKind::Tet10 => 11,
            ElementKind::Quad8 => 16,
        }
    }

    /// The kind for a Gmsh element type number, if callus supports it as a domain element.
    pub fn from_gmsh_type(gmsh_type: u32) -> Option<ElementKind> {
        ElementKind::ALL
            .into_iter()
            .find(|k| k.gmsh_type() == gmsh_type)
    }

    /// VTK cell type number (VTK_TRIANGLE = 5, ..., VTK_QUADRATIC_TETRA = 24).
    pub fn vtk_type(self) -> u8 {
        match self {
            ElementKind::Tri3 => 5,
            ElementKind::Quad4 => 9,
            ElementKind::Tet4 => 10,
            ElementKind::Hex8 => 12,
            ElementKind::Wedge6 => 13,
            ElementKind::Tri6 => 22,
            ElementKind::Quad8 => 23,
            ElementKind::Tet10 => 24,
            ElementKind::Quad9 => 28,
        }
    }

    /// XDMF topology: the `TopologyType` name of a uniform grid and the cell code of a `Mixed`
    /// one. XDMF takes the nodes in VTK order ([`ElementKind::vtk_order`]).
    pub fn xdmf_topology(self) -> (&'static str, u8) {
        match self {
            ElementKind::Tri3 => ("Triangle", 4),
            ElementKind::Quad4 => ("Quadrilateral", 5),
            ElementKind::Tet4 => ("Tetrahedron", 6),
            ElementKind::Wedge6 => ("Wedge", 8),
            ElementKind::Hex8 => ("Hexahedron", 9),
            ElementKind::Quad9 => ("Quadrilateral_9", 35),
            ElementKind::Tri6 => ("Triangle_6", 36),
            ElementKind::Quad8 => ("Quadrilateral_8", 37),
            ElementKind::Tet10 => ("Tetrahedron_10", 38),
        }
    }

    /// Permutation from callus (Gmsh) local order to VTK order: `vtk_node[i] = node[vtk_order()[i]]`.
    pub fn vtk_order(self) -> &'static [usize] {
        const IDENTITY: [usize; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        match self {
            // Gmsh: 8 on edge 3-2, 9 on edge 3-1; VTK: 8 on edge 1-3, 9 on edge 2-3.
            ElementKind::Tet10 => &[0, 1, 2, 3, 4, 5, 6, 7, 9, 8],
            ElementKind::Quad9 => &[0, 1, 2, 3, 4, 5, 6, 7, 8],
            other => &IDENTITY[..other.num_nodes()],
        }
    }
}

impl std::fmt::Display for ElementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Name of a Gmsh element type number, for error messages about types callus does not take.
pub fn gmsh_type_name(gmsh_type: u32) -> &'static str {
    match gmsh_type {
        1 => "2-node line",
        2 => "3-node triangle",
        3 => "4-node quadrangle",
        4 => "4-node tetrahedron",
        5 => "8-node hexahedron",
        6 => "6-node prism",
        7 => "5-node pyramid",
        8 => "3-node line",
        9 => "6-node triangle",
        10 => "9-node quadrangle",
        11 => "10-node tetrahedron",
        12 => "27-node hexahedron",
        13 => "18-node prism",
        14 => "14-node pyramid",
        15 => "1-node point",
        16 => "8-node quadrangle",
        17 => "20-node hexahedron",
        18 => "15-node prism",
        19 => "13-node pyramid",
        _ => "unknown type",
    }
}

/// Number of nodes and dimension of the lower-dimensional Gmsh elements callus reads as boundary
/// elements (points, lines, and the 2D kinds as faces of 3D meshes).
pub fn gmsh_boundary_type(gmsh_type: u32) -> Option<(usize, usize)> {
    match gmsh_type {
        15 => Some((0, 1)),
        1 => Some((1, 2)),
        8 => Some((1, 3)),
        other => ElementKind::from_gmsh_type(other)
            .filter(|k| k.dim() == 2)
            .map(|k| (2, k.num_nodes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_facet_edge_is_an_element_edge_and_counts_match() {
        for kind in ElementKind::ALL {
            assert!(kind.num_nodes() >= kind.num_vertices());
            for f in 0..kind.facets().len() {
                let nodes = kind.facet_nodes(f);
                assert!(
                    nodes.iter().all(|&n| n < kind.num_nodes()),
                    "{kind} facet {f}"
                );
            }
            if kind.is_quadratic() {
                let centre = usize::from(kind == ElementKind::Quad9);
                assert_eq!(
                    kind.num_nodes(),
                    kind.num_vertices() + kind.edges().len() + centre
                );
            }
        }
    }

    #[test]
    fn each_edge_of_a_3d_kind_lies_on_exactly_two_facets() {
        for kind in [ElementKind::Tet4, ElementKind::Hex8, ElementKind::Wedge6] {
            for &[a, b] in kind.edges() {
                let count = kind
                    .facets()
                    .iter()
                    .filter(|f| {
                        let v = f.vertices;
                        (0..v.len()).any(|i| {
                            let (p, q) = (v[i], v[(i + 1) % v.len()]);
                            (p, q) == (a, b) || (p, q) == (b, a)
                        })
                    })
                    .count();
                assert_eq!(count, 2, "{kind} edge {a}-{b}");
            }
        }
    }

    #[test]
    fn gmsh_type_numbers_round_trip() {
        for kind in ElementKind::ALL {
            assert_eq!(ElementKind::from_gmsh_type(kind.gmsh_type()), Some(kind));
        }
        assert_eq!(ElementKind::from_gmsh_type(12), None);
    }
}
