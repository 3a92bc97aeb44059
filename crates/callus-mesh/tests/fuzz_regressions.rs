//! The Gmsh reader against the fuzzer's inputs (fuzz/, target `gmsh`): every seed and every input
//! that once crashed it (tests/fixtures/fuzz) replayed through the fuzz target's calls, and one test
//! per finding that checks the error it now gives.

mod common;

use std::path::{Path, PathBuf};

use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::gmsh::parse_msh;
use callus_mesh::{Location, MeshError};
use common::fixture;

/// What the `gmsh` fuzz target does with its bytes: read and validate, then elevate a mesh that
/// passes. Any result is fine; a panic fails the test.
fn exercise(bytes: &[u8], path: &Path) -> Result<(), MeshError> {
    let (mesh, _) = parse_msh(bytes, path)?;
    elevate(&mesh, QuadraticQuad::Quad9)?;
    Ok(())
}

/// The `.msh` files of a folder, sorted.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Goal: the fuzz target's seeds and past findings read without a panic.
/// Input: fuzz/seeds/gmsh, the fixtures (good, bad and fuzz findings) and meshes/ (what
/// fuzz/seed.sh copies into the corpus).
/// Checks: each gives a mesh or an error, and at least one of each.
#[test]
fn fuzz_seeds_and_findings_replay_without_panic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["fuzz/seeds/gmsh", "meshes"] {
        files.extend(
            files_in(&root.join(dir))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "msh") || dir.starts_with("fuzz")),
        );
    }
    for dir in ["", "gmsh", "bad", "fuzz"] {
        files.extend(
            files_in(&fixture(dir))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "msh")),
        );
    }
    let (mut read, mut refused) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        match exercise(&bytes, path) {
            Ok(()) => read += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(files.len() > 20, "{} files", files.len());
    assert!(read > 0 && refused > 0, "{read} read, {refused} refused");
}

fn finding(name: &str) -> String {
    let path = fixture(&format!("fuzz/{name}"));
    let bytes = std::fs::read(&path).unwrap();
    let e = exercise(&bytes, &path).expect_err(name);
    let text = e.to_string();
    assert!(text.contains(name), "the message names the file: {text}");
    text
}

/// Goal: a physical tag of i32::MIN in a binary $Entities (Gmsh signs the tags by orientation and
/// the reader takes |tag|) is refused; |i32::MIN| overflowed (a panic in a debug build).
/// Input: the fuzzer's minimised file (4.1 binary).
/// Checks: a parse error at a byte offset that names the tag.
#[test]
fn entity_physical_tag_of_i32_min_is_refused() {
    let path = fixture("fuzz/entity_physical_tag_i32_min.msh");
    let e = exercise(&std::fs::read(&path).unwrap(), &path).unwrap_err();
    assert!(
        matches!(
            e,
            MeshError::Parse {
                location: Location::Byte(_),
                ..
            }
        ),
        "{e}"
    );
    let text = finding("entity_physical_tag_i32_min.msh");
    assert!(
        text.contains("physical tag -2147483648 is out of range"),
        "{text}"
    );
}
