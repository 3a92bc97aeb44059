//! Typed errors. Every message names what is wrong, where (file and line or byte offset, element or
//! node tag and region) and, where there is one, the fix.

use std::fmt;
use std::path::PathBuf;

/// Where in a file a problem was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a text file.
    Line(usize),
    /// 0-based byte offset into a binary file.
    Byte(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Byte(n) => write!(f, "byte offset {n}"),
        }
    }
}

/// Everything that can go wrong reading, checking or changing a mesh.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A mesh file is malformed or truncated.
    #[error("{}, {location}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Line (text) or byte offset (binary) of the problem.
        location: Location,
        /// What was expected or found.
        message: String,
    },

    /// A problem found in the mesh read from a file (wraps the problem with the file's name).
    #[error("{}: {source}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// The problem.
        source: Box<MeshError>,
    },

    /// An element whose corners are ordered the wrong way round (negative Jacobian).
    #[error(
        "element {tag} (region '{region}', {kind}) is inverted: its Jacobian is negative at local vertex \
         {corner}. Reorder its nodes (or re-mesh); Gmsh's 'Mesh.ReverseMesh' or reversing the surface \
         orientation fixes whole surfaces"
    )]
    InvertedElement {
        /// External (1-based or file) tag of the element.
        tag: u64,
        /// Region name.
        region: String,
        /// Element kind.
        kind: crate::ElementKind,
        /// Local vertex where the Jacobian is negative.
        corner: usize,
    },

    /// An element with zero (or almost zero) area or volume.
    #[error(
        "element {tag} (region '{region}', {kind}) is degenerate: its Jacobian at local vertex {corner} is \
         {jacobian:.3e}, zero relative to its size. Remove collapsed elements or merge the duplicated corners"
    )]
    DegenerateElement {
        /// External tag of the element.
        tag: u64,
        /// Region name.
        region: String,
        /// Element kind.
        kind: crate::ElementKind,
        /// Local vertex of the smallest scaled Jacobian.
        corner: usize,
        /// Scaled Jacobian there.
        jacobian: f64,
    },

    /// An element refers to the same node twice.
    #[error("element {tag} (region '{region}', {kind}) uses node {node} more than once; each corner needs its own node")]
    RepeatedNode {
        /// External tag of the element.
        tag: u64,
        /// Region name.
        region: String,
        /// Element kind.
        kind: crate::ElementKind,
        /// External tag of the repeated node.
        node: u64,
    },

    /// Nodes used by no element.
    #[error(
        "{count} node(s) are used by no element, the first is node {first_tag} at ({x}, {y}, {z}). In Gmsh this \
         happens when an entity is meshed but belongs to no physical group: add it to one, or delete the nodes"
    )]
    UnreferencedNodes {
        /// How many.
        count: usize,
        /// External tag of the first.
        first_tag: u64,
        /// Its coordinates (mm).
        x: f64,
        /// Its coordinates (mm).
        y: f64,
        /// Its coordinates (mm).
        z: f64,
    },

    /// Two distinct nodes at the same place: the mesh has a crack there.
    #[error(
        "nodes {a} and {b} are at the same position ({x}, {y}, {z}): the mesh is not connected there. \
         Merge them (Gmsh: Coherence, or build the geometry with shared boundaries / BooleanFragments)"
    )]
    DuplicateNodes {
        /// External tag of one node.
        a: u64,
        /// External tag of the other.
        b: u64,
        /// Position (mm).
        x: f64,
        /// Position (mm).
        y: f64,
        /// Position (mm).
        z: f64,
    },

    /// Elements that share no node with the rest of the mesh: the body is in several pieces.
    #[error(
        "the mesh is in {pieces} pieces that share no node: element {tag} (region '{region}') is in a piece of \
         {size} element(s) that does not touch element {other_tag} (region '{other_region}'). A run needs one \
         connected body: join the pieces (Gmsh: Coherence, or BooleanFragments so that they share their boundaries) \
         or delete the stray one"
    )]
    Disconnected {
        /// How many separate pieces.
        pieces: usize,
        /// External tag of the first element of the smallest piece.
        tag: u64,
        /// Its region.
        region: String,
        /// Elements in that piece.
        size: usize,
        /// External tag of an element of another piece.
        other_tag: u64,
        /// Its region.
        other_region: String,
    },

    /// A region the caller needs is not in the mesh.
    #[error("the mesh has no region '{name}'; it has: {available}. Name a physical group '{name}' in the mesh")]
    MissingRegion {
        /// The region asked for.
        name: String,
        /// The regions there are.
        available: String,
    },

    /// A boundary set the caller needs is not in the mesh.
    #[error(
        "the mesh has no boundary set '{name}'; it has: {available}. Name a physical group '{name}' on the \
         boundary in the mesh"
    )]
    MissingSet {
        /// The set asked for.
        name: String,
        /// The sets there are.
        available: String,
    },

    /// The operation does not apply to this mesh.
    #[error("{0}")]
    Unsupported(String),

    /// The mesh's data are inconsistent (an index out of range, a bad set); `0` says which.
    #[error("{0}")]
    Invalid(String),
}

impl MeshError {
    /// Attach the file's name to a problem found in the mesh read from it.
    pub fn in_file(self, path: impl Into<PathBuf>) -> MeshError {
        match self {
            e @ (MeshError::Io { .. } | MeshError::Parse { .. } | MeshError::InFile { .. }) => e,
            other => MeshError::InFile {
                path: path.into(),
                source: Box::new(other),
            },
        }
    }
}
