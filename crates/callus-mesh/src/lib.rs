//! # callus-mesh
//!
//! Mesh handling for callus, the distraction-osteogenesis simulator: the [`Mesh`] type (nodes,
//! element blocks with a region per element, named boundary sets), Gmsh import ([`gmsh`]), checks
//! ([`Mesh::validate`]), degree elevation ([`elevate`]), the built-in osteotomy generator
//! ([`generate`]), gap growth by layer insertion ([`growth`]) and named fields for output
//! ([`field`]; the files are callus-io's).
//!
//! Units: coordinates in mm. 2D meshes lie in the z = 0 plane with x = r (radius) and y = z
//! (axial) for axisymmetric analyses.

mod check;
pub mod element;
pub mod elevate;
mod error;
pub mod field;
pub mod generate;
pub mod geometry;
pub mod gmsh;
pub mod growth;
mod mesh;

pub use check::{COINCIDENT_NODE_TOLERANCE, DEGENERATE_SCALED_JACOBIAN};
pub use element::ElementKind;
pub use error::{Location, MeshError};
pub use field::Field;
pub use mesh::{BoundarySet, ElementBlock, ElementId, ElementRef, Facet, Mesh, NodeId, RegionId};

/// Conventional names of the regions of a long-bone osteotomy model.
pub mod regions {
    /// Cortical bone of both segments.
    pub const CORTEX: &str = "cortex";
    /// Marrow canal of both segments.
    pub const MARROW: &str = "marrow";
    /// The osteotomy gap (granulation tissue at the start), across the whole section.
    pub const GAP: &str = "gap";
    /// The periosteal callus around the gap, outside the cortex.
    pub const PERIOSTEAL_CALLUS: &str = "periosteal_callus";
    /// Soft tissue surrounding the callus.
    pub const SOFT_TISSUE: &str = "soft_tissue";
}

/// Conventional names of the boundary sets of a long-bone osteotomy model.
pub mod sets {
    /// The far end of the proximal bone segment (z minimum).
    pub const PROXIMAL_END: &str = "proximal_end";
    /// The far end of the distal bone segment (z maximum).
    pub const DISTAL_END: &str = "distal_end";
    /// The cortex of the proximal end's face: where a fixator's pins hold the segment.
    pub const PROXIMAL_END_CORTEX: &str = "proximal_end_cortex";
    /// The cortex of the distal end's face: where a fixator's pins hold the segment.
    pub const DISTAL_END_CORTEX: &str = "distal_end_cortex";
    /// The outer surface of the cortex (cell source).
    pub const PERIOSTEUM: &str = "periosteum";
    /// The inner surface of the cortex, facing the marrow (cell source).
    pub const ENDOSTEUM: &str = "endosteum";
    /// The mid-gap plane where new layers are inserted as the gap lengthens.
    pub const GROWTH_PLANE: &str = "growth_plane";
    /// The symmetry axis r = 0 (facets in 2D, nodes in 3D).
    pub const AXIS: &str = "axis";
    /// The cut surface of the proximal segment facing the gap.
    pub const PROXIMAL_OSTEOTOMY: &str = "proximal_osteotomy";
    /// The cut surface of the distal segment facing the gap.
    pub const DISTAL_OSTEOTOMY: &str = "distal_osteotomy";
    /// The outer surface of the soft tissue.
    pub const SOFT_TISSUE_SURFACE: &str = "soft_tissue_surface";
}
