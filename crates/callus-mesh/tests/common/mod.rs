//! Helpers shared by the mesh crate's integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use callus_mesh::geometry::{axisymmetric_volume, element_measure};
use callus_mesh::{Mesh, NodeId};

/// Path of a file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Path of a file under the workspace's meshes/ folder.
pub fn workspace_mesh(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../meshes")
        .join(name)
}

/// Volume (mm³) of each region: revolved (2π r dA) for 2D meshes, plain for 3D.
pub fn region_volumes(mesh: &Mesh) -> HashMap<String, f64> {
    let mut v = HashMap::new();
    for e in mesh.elements() {
        let measure = if mesh.dim() == 2 {
            axisymmetric_volume(mesh, e.id)
        } else {
            element_measure(mesh, e.id)
        };
        *v.entry(mesh.region_names()[e.region].clone())
            .or_insert(0.0) += measure;
    }
    v
}

/// Sum of element areas (2D) or volumes (3D).
pub fn total_measure(mesh: &Mesh) -> f64 {
    (0..mesh.num_elements())
        .map(|e| element_measure(mesh, e))
        .sum()
}

/// Number of facets owned by exactly one element, and the largest number of elements sharing one
/// facet (2 in a conforming mesh).
pub fn facet_sharing(mesh: &Mesh) -> (usize, usize) {
    let mut count: HashMap<Vec<NodeId>, usize> = HashMap::new();
    for e in mesh.elements() {
        for f in e.kind.facets() {
            let mut k: Vec<NodeId> = f.vertices.iter().map(|&v| e.nodes[v]).collect();
            k.sort_unstable();
            *count.entry(k).or_insert(0) += 1;
        }
    }
    (
        count.values().filter(|&&c| c == 1).count(),
        count.values().copied().max().unwrap_or(0),
    )
}

/// Relative difference |a − b| / |b|.
pub fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}
