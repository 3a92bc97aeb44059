//! VTK XML UnstructuredGrid (`.vtu`) export, readable by ParaView, VTK and meshio.
//!
//! Data arrays are written inline as base64 ("binary" format, UInt64 headers, no compression).
//! Every mesh gets the cell arrays `region` (region id) and `element_tag`, a point array
//! `set:<name>` (1 on the nodes of each boundary set) and the region names as a field-data string
//! array `region_names`; callers add their own fields. The file is written to a temporary name in the
//! same directory and renamed, so an interrupted write leaves no partial file. A ParaView
//! collection (`.pvd`) lists the files of a time series ([`pvd`]).

use std::path::Path;

use base64::Engine;

use callus_mesh::{Field, Mesh};

use crate::atomic::write_atomically;
use crate::IoError;

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

/// The fields as Float64 arrays.
fn float_arrays(out: &mut String, fields: &[Field]) {
    for f in fields {
        array(
            out,
            "Float64",
            &f.name,
            f.components,
            &f.values,
            |v: f64| v.to_le_bytes().to_vec(),
        );
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Checks that every field has `components` values per cell or point of `mesh`; the message names
/// the field and its size.
pub(crate) fn check_fields(
    mesh: &Mesh,
    cell_fields: &[Field],
    point_fields: &[Field],
) -> Result<(), String> {
    for (fields, count, what) in [
        (cell_fields, mesh.num_elements(), "cell"),
        (point_fields, mesh.num_nodes(), "point"),
    ] {
        for f in fields {
            if f.values.len() != f.components * count {
                return Err(format!(
                    "{what} field '{}' has {} values, expected {} × {count}",
                    f.name,
                    f.values.len(),
                    f.components
                ));
            }
        }
    }
    Ok(())
}

/// Renders `mesh` with extra cell and point fields as a `.vtu` document; fields that do not fit
/// the mesh are refused, naming the field.
pub fn to_vtu_string(
    mesh: &Mesh,
    cell_fields: &[Field],
    point_fields: &[Field],
) -> Result<String, String> {
    check_fields(mesh, cell_fields, point_fields)?;
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
    float_arrays(&mut out, cell_fields);
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
    float_arrays(&mut out, point_fields);
    out.push_str("      </PointData>\n");
    out.push_str("    </Piece>\n  </UnstructuredGrid>\n</VTKFile>\n");
    Ok(out)
}

/// Writes `mesh` and fields to `path` atomically (temporary file in the same directory, then rename).
pub fn write_vtu(
    path: &Path,
    mesh: &Mesh,
    cell_fields: &[Field],
    point_fields: &[Field],
) -> Result<(), IoError> {
    let text =
        to_vtu_string(mesh, cell_fields, point_fields).map_err(|message| IoError::Field {
            path: path.to_path_buf(),
            message,
        })?;
    write_atomically(path, text.as_bytes())
}

/// The text of a ParaView collection of `(time, file)` datasets (files relative to it).
pub fn pvd(datasets: &[(u32, String)]) -> String {
    let mut pvd = String::from(
        "<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n",
    );
    for (t, file) in datasets {
        pvd.push_str(&format!(
            "    <DataSet timestep=\"{t}\" group=\"\" part=\"0\" file=\"{}\"/>\n",
            xml_escape(file)
        ));
    }
    pvd.push_str("  </Collection>\n</VTKFile>\n");
    pvd
}
