//! The body being distracted: its mesh in the current configuration, the one owner of the node
//! positions (the solvers, the cells and the observables all take this mesh), and its reference
//! configuration, in which the growth plane stays flat (gap growth and rezoning work there;
//! [`crate::growth`], [`crate::rezone`]).

use callus_mesh::growth::LayerInsertion;
use callus_mesh::{ElementId, Mesh, MeshError, RegionId};

use crate::growth::{plane_mask, plane_rows, split_rows, tallest_beside_plane, PlaneRows};
use crate::rezone::{rezone, worst_quality, worst_quality_in, Rezoned};

/// The mesh now and as built.
pub struct Body {
    mesh: Mesh,
    reference: Vec<[f64; 3]>,
    plane: String,
    rows: PlaneRows,
    is_plane: Vec<bool>,
}

/// What a rezoning did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rezoning {
    /// The nodes moved to the rezoned positions.
    Taken,
    /// The rezoned positions would have made an element worse; the nodes stayed.
    Refused,
}

impl Body {
    /// The body as built (`mesh` in its reference configuration), growing at the boundary set
    /// `plane`.
    pub fn new(mesh: Mesh, plane: &str) -> Result<Body, MeshError> {
        Ok(Body {
            rows: plane_rows(&mesh, plane)?,
            is_plane: plane_mask(&mesh, plane)?,
            reference: mesh.coords().to_vec(),
            plane: plane.to_string(),
            mesh,
        })
    }

    /// The body of a checkpoint: `mesh` in its current configuration, `reference` its node
    /// positions as built (and grown), growing at the boundary set `plane`.
    /// `reference` has a position per node of `mesh`.
    pub fn resume(mut mesh: Mesh, reference: &[[f64; 3]], plane: &str) -> Result<Body, MeshError> {
        let current = mesh.coords().to_vec();
        mesh.coords_mut().copy_from_slice(reference);
        let mut body = Body::new(mesh, plane)?;
        body.mesh.coords_mut().copy_from_slice(&current);
        Ok(body)
    }

    /// The node positions of the reference configuration.
    pub fn reference(&self) -> &[[f64; 3]] {
        &self.reference
    }

    /// The mesh in its current configuration.
    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    /// Moves every node by `u` (mm): the configuration after an increment.
    pub fn displace(&mut self, u: &[[f64; 3]]) {
        for (x, u) in self.mesh.coords_mut().iter_mut().zip(u) {
            for c in 0..3 {
                x[c] += u[c];
            }
        }
    }

    /// The mesh with the reference node positions.
    fn reference_mesh(&self) -> Mesh {
        let mut reference = self.mesh.clone();
        reference.coords_mut().copy_from_slice(&self.reference);
        reference
    }

    /// The tallest element beside the growth plane now (mm).
    pub fn tallest_beside_plane(&self) -> f64 {
        tallest_beside_plane(&self.mesh, self.mesh.coords(), &self.is_plane, &self.rows)
    }

    /// Splits the rows beside the growth plane with a new layer ([`split_rows`]); says where every
    /// new node and element came from, for the state to follow.
    pub fn insert_layer(&mut self) -> Result<LayerInsertion, MeshError> {
        let mut reference = self.reference_mesh();
        let (moved, insertion) =
            split_rows(&mut reference, self.mesh.coords(), &self.plane, &self.rows)?;
        self.rows = plane_rows(&reference, &self.plane)?;
        self.is_plane = plane_mask(&reference, &self.plane)?;
        self.reference = reference.coords().to_vec();
        reference.coords_mut().copy_from_slice(&moved);
        self.mesh = reference;
        Ok(insertion)
    }

    /// Rezones the soft tissue of `regions` ([`rezone`], iteratively when `iterative`): the nodes
    /// move unless that would make an element worse.
    pub fn rezone(
        &mut self,
        regions: &[RegionId],
        iterative: bool,
    ) -> Result<Rezoning, callus_fem::FemError> {
        match rezone(
            &self.reference_mesh(),
            self.mesh.coords(),
            regions,
            iterative,
        )? {
            Rezoned::Moved(x) => {
                self.mesh.coords_mut().copy_from_slice(&x);
                Ok(Rezoning::Taken)
            }
            Rezoned::Refused { .. } => Ok(Rezoning::Refused),
        }
    }

    /// The worst element quality of `regions` now (smallest scaled Jacobian at an element node).
    pub fn worst_quality_in(&self, regions: &[RegionId]) -> f64 {
        worst_quality_in(&self.mesh, self.mesh.coords(), regions)
    }

    /// The worst element of the whole mesh now, and its quality.
    pub fn worst_element(&self) -> (ElementId, f64) {
        (0..self.mesh.num_elements())
            .map(|e| (e, worst_quality(&self.mesh, self.mesh.coords(), &[e])))
            .fold((0, f64::INFINITY), |w, c| if c.1 < w.1 { c } else { w })
    }
}
