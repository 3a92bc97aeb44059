//! VTU export: the arrays decode back to the mesh (points, VTK-ordered connectivity, types, regions,
//! set masks), field sizes are checked, and the write is atomic. That a real VTK reader opens the
//! files is checked by scripts/check_vtk_readers.py, which the test command runs.

use base64::Engine;
use callus_io::vtu::{pvd, to_vtu_string, write_vtu};
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::generate::{axisymmetric, revolved, OsteotomyGeometry, Revolution};
use callus_mesh::{Field, Mesh};

/// The decoded bytes of the DataArray called `name`.
fn array(doc: &str, name: &str) -> Vec<u8> {
    let start = doc
        .find(&format!("Name=\"{name}\""))
        .unwrap_or_else(|| panic!("no array {name}"));
    let body = &doc[start..];
    let open = body.find('>').unwrap() + 1;
    let close = body.find("</DataArray>").unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body[open..close].trim())
        .unwrap();
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(len, bytes.len() - 8, "{name}: header gives the byte count");
    bytes[8..].to_vec()
}

fn i64s(b: &[u8]) -> Vec<i64> {
    b.chunks(8)
        .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}
fn f64s(b: &[u8]) -> Vec<f64> {
    b.chunks(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn round_trip(mesh: &Mesh) {
    let doc = to_vtu_string(mesh, &[], &[]).unwrap();
    let points = f64s(&array(&doc, "Points"));
    assert_eq!(
        points,
        mesh.coords().iter().flatten().copied().collect::<Vec<_>>()
    );
    let conn = i64s(&array(&doc, "connectivity"));
    let offsets = i64s(&array(&doc, "offsets"));
    let types = array(&doc, "types");
    let mut start = 0;
    for e in mesh.elements() {
        let end = offsets[e.id] as usize;
        let cell: Vec<usize> = conn[start..end].iter().map(|&n| n as usize).collect();
        let expected: Vec<usize> = e.kind.vtk_order().iter().map(|&i| e.nodes[i]).collect();
        assert_eq!(cell, expected);
        assert_eq!(types[e.id], e.kind.vtk_type());
        start = end;
    }
    let regions: Vec<i32> = array(&doc, "region")
        .chunks(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(
        regions,
        mesh.elements().map(|e| e.region as i32).collect::<Vec<_>>()
    );
    let mask = array(&doc, "set:growth_plane");
    let set = &mesh.set("growth_plane").unwrap().nodes;
    assert_eq!(mask.iter().filter(|&&m| m == 1).count(), set.len());
    assert!(set.iter().all(|&n| mask[n] == 1));
}

#[test]
fn arrays_decode_to_the_mesh_in_2d_and_3d() {
    let quad = elevate(
        &axisymmetric(&OsteotomyGeometry::default()).unwrap(),
        QuadraticQuad::Quad9,
    )
    .unwrap();
    round_trip(&quad);
    let tets = revolved(
        &OsteotomyGeometry::default_3d(),
        Revolution {
            segments: 6,
            ..Default::default()
        },
    )
    .unwrap();
    round_trip(&elevate(&tets, QuadraticQuad::Quad9).unwrap());
}

#[test]
fn fields_are_written_and_checked() {
    let mesh = axisymmetric(&OsteotomyGeometry::default()).unwrap();
    let e: Vec<f64> = (0..mesh.num_elements()).map(|i| i as f64).collect();
    let u: Vec<f64> = (0..3 * mesh.num_nodes()).map(|i| i as f64 * 0.5).collect();
    let doc = to_vtu_string(
        &mesh,
        &[Field::borrowed("E_mpa", 1, &e)],
        &[Field::borrowed("u_mm", 3, &u)],
    )
    .unwrap();
    assert_eq!(f64s(&array(&doc, "E_mpa")), e);
    assert_eq!(f64s(&array(&doc, "u_mm")), u);
    let err = to_vtu_string(&mesh, &[Field::borrowed("E_mpa", 1, &e[1..])], &[]).unwrap_err();
    assert!(err.contains("E_mpa"), "{err}");
    let written = write_vtu(
        std::path::Path::new("x.vtu"),
        &mesh,
        &[Field::borrowed("E_mpa", 1, &e[1..])],
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        written.contains("x.vtu") && written.contains("E_mpa"),
        "{written}"
    );
}

#[test]
fn write_is_atomic_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mesh.vtu");
    let mesh = axisymmetric(&OsteotomyGeometry::default()).unwrap();
    write_vtu(&path, &mesh, &[], &[]).unwrap();
    write_vtu(&path, &mesh, &[], &[]).unwrap(); // overwrite in place
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["mesh.vtu"]);
    // A directory that does not exist: an error naming the path, nothing written.
    let bad = dir.path().join("missing/mesh.vtu");
    let err = write_vtu(&bad, &mesh, &[], &[]).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

/// Goal: a ParaView collection lists every dataset with its time, file names escaped for XML.
#[test]
fn a_collection_lists_its_datasets() {
    let text = pvd(&[(0, "fields/day_000.vtu".into()), (5, "a&b.vtu".into())]);
    assert!(
        text.starts_with("<?xml") && text.contains("<Collection>"),
        "{text}"
    );
    assert!(text.contains("timestep=\"0\" group=\"\" part=\"0\" file=\"fields/day_000.vtu\""));
    assert!(text.contains("timestep=\"5\" group=\"\" part=\"0\" file=\"a&amp;b.vtu\""));
}
