//! Arbitrary bytes into the Gmsh reader, as `callus mesh info|convert` and a scenario's
//! `geometry.mesh_file` read a file: the format (4.1 ASCII or binary, 2.2 ASCII) comes from the
//! header, the mesh is validated (indices, inverted and degenerate elements, duplicate nodes) inside
//! `parse_msh`, and a mesh that passes is elevated to quadratic as a run does. Any result is fine;
//! a panic, a hang or a runaway allocation is a finding.
#![no_main]

use std::path::Path;

use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::gmsh::parse_msh;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_msh(data, Path::new("fuzz.msh")) {
        Ok((mesh, _report)) => {
            if let Err(e) = elevate(&mesh, QuadraticQuad::Quad9) {
                let _ = e.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
