//! VTK XML UnstructuredGrid (`.vtu`) export, readable by ParaView, VTK and meshio.
//!
//! Data arrays are written inline as base64 ("binary" format, UInt64 headers, no compression).
//! Every mesh gets the cell arrays `region` (region id) and `element_tag`, a point array
//! `set:<name>` (1 on the nodes of each boundary set) and the region names as a field-data string
//! array `region_names`; callers add their own fields. The file is written to a temporary name in the
//! same directory and renamed, so an interrupted write leaves no partial file.

use std::io::Write;
use std::path::Path;

use base64::Engine;

use crate::{Mesh, MeshError};

/// Values of one field: scalars or vectors, per cell or per point.
#[derive(Clone, Debug)]
pub struct Field<'a> {
    /// Array name (shown in ParaView).
    pub name: &'a str,
    /// Components per entry (1 for a scalar, 3 for a vector).
    pub components: usize,
    /// `components` values per cell or point, in mesh order.
    pub values: &'a [f64],
}

fn b64(bytes: &[u8]) -> String {
    let mut data = Vec::with_capacity(8 + bytes.len());
    data.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    data.extend_from_slice(bytes);
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn array<T: Copy>(
    out: &mut String,
    vtk_type: &str,
    name: &str,
    components: usize,
    values: &[T],
    to_bytes: impl Fn(T) -> Vec<u8>,
) {
    let bytes: Vec<u8> = values.iter().flat_map(|&v| to_bytes(v)).collect();
    out.push_str(&format!(
        "        <DataArray type=\"{vtk_type}\" Name=\"{}\" NumberOfComponents=\"{components}\" format=\"binary\">\n          {}\n        </DataArray>\n",
        xml_escape(name),
        b64(&bytes)
    ));
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders `mesh` with extra cell and point fields as a `.vtu` document.
pub fn to_vtu_string(
    mesh: &Mesh,
    cell_fields: &[Field],
    point_fields: &[Field],
) -> Result<String, MeshError> {
    for (fields, count, what) in [
        (cell_fields, mesh.num_elements(), "cell"),
        (point_fields, mesh.num_nodes(), "point"),
    ] {
        for f in fields {
            if f.values.len() != f.components * count {
                return Err(MeshError::Invalid(format!(
                    "VTU export: {what} field '{}' has {} values, expected {} × {count}",
                    f.name,
                    f.values.len(),
                    f.components
                )));
            }
        }
    }
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\"?>\n");
    out.push_str("<VTKFile type=\"UnstructuredGrid\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
    out.push_str("  <UnstructuredGrid>\n");
    out.push_str("    <FieldData>\n");
    out.push_str(&format!(
        "      <Array type=\"String\" Name=\"region_names\" NumberOfTuples=\"{}\" format=\"ascii\">\n        ",
        mesh.region_names().len()
    ));
    // VTK's String arrays in ASCII are byte values, each string terminated by a 0 byte.
    for name in mesh.region_names() {
        for b in name.bytes() {
            out.push_str(&format!("{b} "));
        }
        out.push_str("0 ");
    }
    out.push_str("\n      </Array>\n    </FieldData>\n");
    out.push_str(&format!(
        "    <Piece NumberOfPoints=\"{}\" NumberOfCells=\"{}\">\n",
        mesh.num_nodes(),
        mesh.num_elements()
    ));

    out.push_str("      <Points>\n");
    let coords: Vec<f64> = mesh.coords().iter().flatten().copied().collect();
    array(&mut out, "Float64", "Points", 3, &coords, |v: f64| {
        v.to_le_bytes().to_vec()
    });
    out.push_str("      </Points>\n");

    out.push_str("      <Cells>\n");
    let mut connectivity: Vec<i64> = Vec::new();
    let mut offsets: Vec<i64> = Vec::with_capacity(mesh.num_elements());
    let mut types: Vec<u8> = Vec::with_capacity(mesh.num_elements());
    for e in mesh.elements() {
        connectivity.extend(e.vtk_nodes().map(|n| n as i64));
        offsets.push(connectivity.len() as i64);
        types.push(e.kind.vtk_type());
    }
    array(
        &mut out,
        "Int64",
        "connectivity",
        1,
        &connectivity,
        |v: i64| v.to_le_bytes().to_vec(),
    );
    array(&mut out, "Int64", "offsets", 1, &offsets, |v: i64| {
        v.to_le_bytes().to_vec()
    });
    array(&mut out, "UInt8", "types", 1, &types, |v: u8| vec![v]);
    out.push_str("      </Cells>\n");

    out.push_str("      <CellData Scalars=\"region\">\n");
    let regions: Vec<i32> = mesh.elements().map(|e| e.region as i32).collect();
    array(&mut out, "Int32", "region", 1, &regions, |v: i32| {
        v.to_le_bytes().to_vec()
    });
    array(
        &mut out,
        "Int64",
        "element_tag",
        1,
        mesh.element_tags(),
        |v: u64| (v as i64).to_le_bytes().to_vec(),
    );
    for f in cell_fields {
        array(
            &mut out,
            "Float64",
            f.name,
            f.components,
            f.values,
            |v: f64| v.to_le_bytes().to_vec(),
        );
    }
    out.push_str("      </CellData>\n");

    out.push_str("      <PointData>\n");
    for (name, set) in mesh.sets() {
        let mut mask = vec![0u8; mesh.num_nodes()];
        for &n in &set.nodes {
            mask[n] = 1;
        }
        array(
            &mut out,
            "UInt8",
            &format!("set:{name}"),
            1,
            &mask,
            |v: u8| vec![v],
        );
    }
    for f in point_fields {
        array(
            &mut out,
            "Float64",
            f.name,
            f.components,
            f.values,
            |v: f64| v.to_le_bytes().to_vec(),
        );
    }
    out.push_str("      </PointData>\n");
    out.push_str("    </Piece>\n  </UnstructuredGrid>\n</VTKFile>\n");
    Ok(out)
}

/// Writes `mesh` and fields to `path` atomically (temporary file in the same directory, then rename).
pub fn write_vtu(
    path: impl AsRef<Path>,
    mesh: &Mesh,
    cell_fields: &[Field],
    point_fields: &[Field],
) -> Result<(), MeshError> {
    let text = to_vtu_string(mesh, cell_fields, point_fields)?;
    write_atomically(path.as_ref(), text.as_bytes())
}

/// A temporary file beside `path` (same folder, hidden name ending `.tmp`), to be renamed onto
/// `path` once complete; readable by all like a file created normally (0644 on Unix), not 0600.
pub fn temporary_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    let prefix = format!(
        ".{}.",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out")
    );
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    builder.tempfile_in(dir)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), MeshError> {
    let io = |source| MeshError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = temporary_beside(path).map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
