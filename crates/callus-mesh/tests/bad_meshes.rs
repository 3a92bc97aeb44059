//! Bad mesh files (tests/fixtures/bad, made by tests/fixtures/make_bad.py from real Gmsh output):
//! each gives a typed error that names the file, the line, byte offset or element, and no panic.

mod common;

use callus_mesh::gmsh::read_msh;
use callus_mesh::{Location, MeshError};
use common::fixture;

fn error_of(name: &str) -> (MeshError, String) {
    let e = read_msh(fixture(&format!("bad/{name}"))).expect_err(name);
    let text = e.to_string();
    assert!(text.contains(name), "the message names the file: {text}");
    assert!(!text.contains('\n'), "one paragraph: {text}");
    (e, text)
}

fn inner(e: MeshError) -> MeshError {
    match e {
        MeshError::InFile { source, .. } => *source,
        other => other,
    }
}

#[test]
fn truncated_text_file_names_the_line() {
    let (e, text) = error_of("truncated.msh");
    assert!(
        matches!(
            e,
            MeshError::Parse {
                location: Location::Line(81),
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("truncated"), "{text}");
}

#[test]
fn truncated_binary_file_names_the_byte_offset() {
    let (e, text) = error_of("truncated_binary.msh");
    assert!(
        matches!(
            e,
            MeshError::Parse {
                location: Location::Byte(_),
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("end of file in $Elements"), "{text}");
}

#[test]
fn malformed_number_names_the_line_and_the_token() {
    let (e, text) = error_of("bad_number.msh");
    assert!(
        matches!(
            e,
            MeshError::Parse {
                location: Location::Line(50),
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("'zero'"), "{text}");
}

#[test]
fn unsupported_element_type_is_named() {
    let (e, text) = error_of("unsupported_type.msh");
    assert!(matches!(inner(e), MeshError::Unsupported(_)), "{text}");
    assert!(
        text.contains("5-node pyramid") && text.contains("Gmsh type 7"),
        "{text}"
    );
}

#[test]
fn inverted_quad_names_element_and_region() {
    let (e, text) = error_of("inverted.msh");
    assert!(
        matches!(inner(e), MeshError::InvertedElement { tag: 3, ref region, .. } if region == "gap"),
        "{text}"
    );
}

#[test]
fn inverted_tetrahedron_is_found() {
    let tag: u64 = std::fs::read_to_string(fixture("bad/inverted_tet.tag"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let (e, text) = error_of("inverted_tet.msh");
    assert!(
        matches!(inner(e), MeshError::InvertedElement { tag: t, .. } if t == tag),
        "{text}"
    );
}

#[test]
fn degenerate_quad_is_found() {
    let (e, text) = error_of("degenerate.msh");
    assert!(
        matches!(inner(e), MeshError::DegenerateElement { tag: 3, .. }),
        "{text}"
    );
}

#[test]
fn repeated_node_in_an_element_is_found() {
    let (e, text) = error_of("repeated_node.msh");
    assert!(
        matches!(
            inner(e),
            MeshError::RepeatedNode {
                tag: 3,
                node: 1,
                ..
            }
        ),
        "{text}"
    );
}

#[test]
fn duplicate_nodes_are_found() {
    let (e, text) = error_of("duplicate_nodes.msh");
    assert!(
        matches!(inner(e), MeshError::DuplicateNodes { a: 8, b: 16, .. }),
        "{text}"
    );
}

/// Goal: a mesh in two pieces (a stray quad, element 11 of region 'gap', sharing no node with the
/// rest) is refused on reading, naming the stray element, an element of the body and the fix.
#[test]
fn disconnected_piece_is_found() {
    let (e, text) = error_of("disconnected.msh");
    assert!(
        matches!(
            inner(e),
            MeshError::Disconnected {
                pieces: 2,
                tag: 11,
                size: 1,
                other_tag: 3,
                ..
            }
        ),
        "{text}"
    );
    assert!(text.contains("Coherence"), "{text}");
    // The tiny mesh itself (two blocks sharing their edge) is one body.
    read_msh(fixture("tiny_v41.msh"))
        .unwrap()
        .check_connected()
        .unwrap();
}

#[test]
fn unreferenced_node_is_found() {
    let (e, text) = error_of("unreferenced_node.msh");
    assert!(
        matches!(
            inner(e),
            MeshError::UnreferencedNodes {
                count: 1,
                first_tag: 16,
                ..
            }
        ),
        "{text}"
    );
}

#[test]
fn element_referring_to_a_missing_node() {
    let (_, text) = error_of("missing_node.msh");
    assert!(
        text.contains("node 999") && text.contains("line 81"),
        "{text}"
    );
}

#[test]
fn element_without_physical_group_has_no_region() {
    let (_, text) = error_of("no_physical_group.msh");
    assert!(text.contains("no physical group"), "{text}");
}

#[test]
fn not_a_mesh_and_wrong_version() {
    let (_, text) = error_of("not_a_mesh.msh");
    assert!(text.contains("line 1"), "{text}");
    let (_, text) = error_of("version3.msh");
    assert!(text.contains("3.0") && text.contains("4.1"), "{text}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let e = read_msh(fixture("bad/does_not_exist.msh")).unwrap_err();
    assert!(matches!(e, MeshError::Io { .. }));
    assert!(e.to_string().contains("does_not_exist.msh"));
}

#[test]
fn random_bytes_never_panic() {
    // A cheap fuzz: every prefix of a real file, and a few corruptions, give Ok or an error.
    let good = std::fs::read(fixture("tiny_v41_binary.msh")).unwrap();
    for cut in (0..good.len()).step_by(7) {
        let _ = callus_mesh::gmsh::parse_msh(&good[..cut], std::path::Path::new("cut.msh"));
    }
    let mut state = 0x2545F4914F6CDD1Du64;
    for _ in 0..300 {
        let mut bytes = good.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % bytes.len();
            bytes[i] = (state >> 32) as u8;
        }
        let _ = callus_mesh::gmsh::parse_msh(&bytes, std::path::Path::new("corrupt.msh"));
    }
    let text = std::fs::read(fixture("tiny_v41.msh")).unwrap();
    for cut in 0..text.len() {
        let _ = callus_mesh::gmsh::parse_msh(&text[..cut], std::path::Path::new("cut.msh"));
    }
}

#[test]
fn missing_region_error_lists_what_there_is() {
    let mesh = read_msh(fixture("tiny_v41.msh")).unwrap();
    let e = mesh.require_regions(&["gap", "marrow"]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the mesh has no region 'marrow'; it has: gap, cortex. Name a physical group 'marrow' in the mesh"
    );
    assert!(mesh
        .set("periosteum")
        .unwrap_err()
        .to_string()
        .contains("it has: axis"));
}
