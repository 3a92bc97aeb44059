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

/// An MSH 2.2 ASCII file of an n × n grid of unit squares, each split into two counter-clockwise
/// triangles of the region "gap".
fn grid_v22(n: usize) -> String {
    use std::fmt::Write;
    let node = |i: usize, j: usize| 1 + j * (n + 1) + i;
    let mut text = String::from(
        "$MeshFormat\n2.2 0 8\n$EndMeshFormat\n$PhysicalNames\n1\n2 1 \"gap\"\n$EndPhysicalNames\n",
    );
    writeln!(text, "$Nodes\n{}", (n + 1) * (n + 1)).unwrap();
    for j in 0..=n {
        for i in 0..=n {
            writeln!(text, "{} {i} {j} 0", node(i, j)).unwrap();
        }
    }
    writeln!(text, "$EndNodes\n$Elements\n{}", 2 * n * n).unwrap();
    let mut tag = 0;
    for j in 0..n {
        for i in 0..n {
            let (a, b, c, d) = (
                node(i, j),
                node(i + 1, j),
                node(i + 1, j + 1),
                node(i, j + 1),
            );
            for [p, q, r] in [[a, b, c], [a, c, d]] {
                tag += 1;
                writeln!(text, "{tag} 2 2 1 1 {p} {q} {r}").unwrap();
            }
        }
    }
    text.push_str("$EndElements\n");
    text
}

/// Goal: reading a large ASCII mesh takes time in proportion to its size. Each element records its
/// line for messages, and the line was counted from the start of the file every time: quadratic,
/// 18 s for the 328 KB ovine3d_v41_ascii_tet10.msh fixture in the fuzzer's build (over its 10 s
/// timeout; the fuzzer's 64 KB limit on inputs hid it), minutes for a few MB.
/// Input: a generated 2.2 ASCII grid of 80,000 triangles (3.5 MB); its last element's line.
/// Checks: it is read in under 10 s (well under 1 s line by line; quadratic, the newline counts
/// alone scan over 100 GB), and the line numbers are still right: an element referring to a missing
/// node is reported at its own line.
#[test]
fn large_ascii_mesh_reads_in_linear_time_with_right_lines() {
    let n = 200;
    let text = grid_v22(n);
    let start = std::time::Instant::now();
    let (mesh, _) = parse_msh(text.as_bytes(), Path::new("grid.msh")).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(mesh.num_elements(), 2 * n * n);
    assert!(seconds < 10.0, "read in {seconds:.1} s");

    // The last element (the line before $EndElements) with its first node replaced by a missing one.
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last_line = lines.len() - 1;
    let mut words: Vec<String> = lines[last_line - 1]
        .split(' ')
        .map(str::to_string)
        .collect();
    words[5] = (1 + (n + 1) * (n + 1)).to_string();
    lines[last_line - 1] = words.join(" ");
    let broken = lines.join("\n");
    let e = parse_msh(broken.as_bytes(), Path::new("grid.msh"))
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("line {last_line}")), "{e}");
}
