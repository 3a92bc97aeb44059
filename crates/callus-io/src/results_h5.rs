//! HDF5 results: `results.h5` and `results.xdmf` of a run, `sweep.h5` of a sweep (hdf5-metno,
//! HDF5 built from source and linked statically; deflate compression, which h5py reads without a
//! plugin).
//!
//! Layout of `results.h5` ([`LAYOUT`]; every numeric dataset carries a `units` attribute, `1` for
//! a dimensionless one):
//!
//! ```text
//! /                      attributes: layout, callus_version, scenario_toml, idealisation
//! /history/<column>      one value per day, the columns of history.csv (group attribute
//!                        `columns`: their order); empty cells are NaN, `bridged` is 0/1
//! /forces/<column>       one value per time level of a step: time_s, day, step, force_n
//! /fields/day_NNN/       one group per output day (attribute `day`), the mesh in its current
//!                        configuration (it grows with the gap):
//!     points_mm          (nodes × 3) coordinates, mm
//!     connectivity       (cells × nodes per cell) node indices in VTK order, or for a mesh of
//!                        several element kinds the flat XDMF `Mixed` list (a cell code, then
//!                        its nodes); attribute `topology_type` is the XDMF name either way
//!     cell/<name>        one value (or vector) per cell: region, tissue fractions, stimulus, …
//!     point/<name>       one value (or vector) per node: displacement_mm, pore_pressure_mpa, …
//! ```
//!
//! `results.xdmf` (XDMF 2) describes `/fields` as a time series (time in days) whose heavy data
//! stay in `results.h5`: ParaView and VTK's XDMF reader open it directly. `sweep.h5` holds
//! `/summary/<column>` (the rows of sweep.csv) and `/cases/<case>/history/<column>` for every
//! case that finished. Files are written to a temporary name and renamed, so a run that stops leaves
//! no half-written file.

use std::path::{Path, PathBuf};

use hdf5::types::VarLenUnicode;
use ndarray::{ArrayView1, ArrayView2};

use callus_mesh::{Field, Mesh};

use crate::atomic::{temporary_beside, write_atomically};
use crate::error::file;
use crate::table::{unit_of, Column, Values};
use crate::IoError;

/// Name and version of the layout above (root attribute `layout`).
pub const LAYOUT: &str = "callus-results-1";

/// Deflate level of every dataset (1–9).
const DEFLATE_LEVEL: u8 = 4;

fn h5_error(path: &Path) -> impl Fn(hdf5::Error) -> IoError + '_ {
    move |source| IoError::Hdf5 {
        path: path.to_path_buf(),
        source,
    }
}

fn text(value: &str) -> VarLenUnicode {
    // Only NUL bytes are refused; callus writes none.
    value.replace('\0', " ").parse().expect("text without NUL")
}

/// A new HDF5 file whose groups record no times (datasets record none by default in hdf5-metno), so
/// that the same content is the same bytes: a run resumed from a checkpoint writes the file an
/// uninterrupted run writes.
fn create_file(path: &Path) -> hdf5::Result<hdf5::File> {
    hdf5::File::with_options()
        .with_fcpl(|p| p.obj_track_times(false))
        .create(path)
}

/// A new group of `parent` that records no times (see [`create_file`]).
fn new_group(parent: &hdf5::Group, name: &str) -> hdf5::Result<hdf5::Group> {
    parent
        .create_group_builder()
        .obj_track_times(false)
        .create(name)
}

fn set_text_attr(location: &hdf5::Location, name: &str, value: &str) -> hdf5::Result<()> {
    location
        .new_attr::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&text(value))
}

/// A deflated dataset of `data` shaped `shape` (row-major), with its `units` attribute.
fn write_array<T: hdf5::H5Type>(
    group: &hdf5::Group,
    name: &str,
    data: &[T],
    shape: &[usize],
) -> hdf5::Result<hdf5::Dataset> {
    let builder = group.new_dataset_builder();
    // Chunked (and so compressed) only when there is something to chunk.
    let builder = if data.is_empty() {
        builder
    } else {
        builder.deflate(DEFLATE_LEVEL)
    };
    let dataset = match shape {
        [rows, cols] => {
            let view = ArrayView2::from_shape((*rows, *cols), data).map_err(|e| e.to_string())?;
            builder.with_data(view).create(name)?
        }
        _ => builder.with_data(ArrayView1::from(data)).create(name)?,
    };
    if let Some(unit) = unit_of(name) {
        set_text_attr(&dataset, "units", unit)?;
    }
    Ok(dataset)
}

/// Writes `columns` into `group`, one dataset each, and their order as the `columns` attribute.
pub fn write_table(group: &hdf5::Group, columns: &[Column]) -> hdf5::Result<()> {
    for c in columns {
        match &c.values {
            Values::Real(v) => write_array(group, &c.name, v, &[v.len()])?,
            Values::Integer(v) => write_array(group, &c.name, v, &[v.len()])?,
            Values::Text(v) => {
                let v: Vec<VarLenUnicode> = v.iter().map(|s| text(s)).collect();
                write_array(group, &c.name, &v, &[v.len()])?
            }
        };
    }
    let order: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    set_text_attr(group, "columns", &order.join(","))
}

/// The names listed, in order, by the attribute `attr` of `group` (comma-separated).
fn listed(group: &hdf5::Group, attr: &str) -> hdf5::Result<Vec<String>> {
    let list = group.attr(attr)?.read_scalar::<VarLenUnicode>()?;
    Ok(list
        .as_str()
        .split(',')
        .filter(|n| !n.is_empty())
        .map(String::from)
        .collect())
}

/// Reads a table written by [`write_table`].
pub fn read_table(group: &hdf5::Group) -> hdf5::Result<Vec<Column>> {
    use hdf5::types::TypeDescriptor as T;
    listed(group, "columns")?
        .iter()
        .map(|name| {
            let ds = group.dataset(name)?;
            let values = match ds.dtype()?.to_descriptor()? {
                T::Float(_) => Values::Real(ds.read_raw::<f64>()?),
                T::Integer(_) | T::Unsigned(_) => Values::Integer(ds.read_raw::<i64>()?),
                _ => Values::Text(
                    ds.read_raw::<VarLenUnicode>()?
                        .iter()
                        .map(|s| s.as_str().to_string())
                        .collect(),
                ),
            };
            Ok(Column {
                name: name.to_string(),
                values,
            })
        })
        .collect()
}

/// A new HDF5 file written under a temporary name in the folder of `path` and renamed into place
/// by [`Staged::commit`]; dropped uncommitted, it is deleted.
struct Staged {
    path: PathBuf,
    temporary: tempfile::TempPath,
    file: hdf5::File,
}

impl Staged {
    fn create(path: &Path) -> Result<Staged, IoError> {
        let temporary = temporary_beside(path).map_err(file(path))?.into_temp_path();
        let file = create_file(&temporary).map_err(h5_error(path))?;
        Ok(Staged {
            path: path.to_path_buf(),
            temporary,
            file,
        })
    }

    fn commit(self) -> Result<(), IoError> {
        let Staged {
            path,
            temporary,
            file,
        } = self;
        file.close().map_err(h5_error(&path))?;
        temporary
            .persist(&path)
            .map_err(|e| crate::error::file(&path)(e.error))
    }
}

/// One output day as the XDMF file describes it.
struct XdmfDay {
    day: u32,
    cells: usize,
    nodes: usize,
    topology_type: String,
    connectivity_shape: Vec<usize>,
    cell_fields: Vec<XdmfArray>,
    point_fields: Vec<XdmfArray>,
}

/// A field as the XDMF file describes it.
struct XdmfArray {
    name: String,
    components: usize,
    /// XDMF `NumberType` and `Precision` (bytes) of the dataset.
    number_type: (&'static str, u8),
}

/// Writes the mesh and fields of `day` as `path`, an HDF5 file holding the group
/// `/fields/day_NNN` of `results.h5` (written atomically): a run writes one per output day and
/// [`write_run_results`] gathers them.
pub fn write_field_day(
    path: &Path,
    day: u32,
    mesh: &Mesh,
    cell_fields: &[Field],
    point_fields: &[Field],
) -> Result<(), IoError> {
    let staged = Staged::create(path)?;
    (|| {
        let fields = new_group(&staged.file, "fields")?;
        write_mesh_day(
            &fields,
            &day_group(day),
            day,
            mesh,
            cell_fields,
            point_fields,
        )
    })()
    .map_err(h5_error(path))?;
    staged.commit()
}

/// Writes `dir/results.h5`: the root attributes (the scenario as TOML, the idealisation), the
/// fields of the days of `field_days` (files of [`write_field_day`], in order of day) and the
/// histories; then `results.xdmf` when there are field days.
pub fn write_run_results(
    dir: &Path,
    scenario_toml: &str,
    idealisation: &str,
    field_days: &[PathBuf],
    history: &[Column],
    forces: &[Column],
) -> Result<(), IoError> {
    let path = dir.join("results.h5");
    let staged = Staged::create(&path)?;
    let root = &staged.file;
    (|| {
        set_text_attr(root, "layout", LAYOUT)?;
        set_text_attr(root, "callus_version", env!("CARGO_PKG_VERSION"))?;
        set_text_attr(root, "scenario_toml", scenario_toml)?;
        set_text_attr(root, "idealisation", idealisation)?;
        new_group(root, "fields").map(|_| ())
    })()
    .map_err(h5_error(&path))?;
    let fields = root.group("fields").map_err(h5_error(&path))?;
    let mut days = Vec::with_capacity(field_days.len());
    for part in field_days {
        let copied = (|| {
            let file = hdf5::File::open(part)?;
            let from = file.group("fields")?;
            let names = from.member_names()?;
            let [name] = names.as_slice() else {
                return Err(format!("{} day groups, not one", names.len()).into());
            };
            let day = from.group(name)?;
            day.copy_to(&fields, name)?;
            describe_day(&day)
        })();
        days.push(copied.map_err(h5_error(part))?);
    }
    (|| {
        write_table(&new_group(root, "history")?, history)?;
        write_table(&new_group(root, "forces")?, forces)
    })()
    .map_err(h5_error(&path))?;
    staged.commit()?;
    if !days.is_empty() {
        let xdmf_path = dir.join("results.xdmf");
        write_atomically(&xdmf_path, xdmf(&days, "results.h5").as_bytes())?;
    }
    Ok(())
}

/// A day group as the XDMF file describes it, read back from its datasets.
fn describe_day(g: &hdf5::Group) -> hdf5::Result<XdmfDay> {
    use hdf5::types::TypeDescriptor as T;
    let connectivity = g.dataset("connectivity")?;
    let topology_type = connectivity
        .attr("topology_type")?
        .read_scalar::<VarLenUnicode>()?
        .as_str()
        .to_string();
    let arrays = |group: &hdf5::Group| -> hdf5::Result<Vec<XdmfArray>> {
        listed(group, "fields")?
            .iter()
            .map(|name| {
                let ds = group.dataset(name)?;
                let number_type = match ds.dtype()?.to_descriptor()? {
                    T::Integer(size) | T::Unsigned(size) => ("Int", size as u8),
                    T::Float(size) => ("Float", size as u8),
                    other => return Err(format!("{name}: a field of type {other:?}").into()),
                };
                Ok(XdmfArray {
                    name: name.to_string(),
                    components: ds.shape().get(1).copied().unwrap_or(1),
                    number_type,
                })
            })
            .collect()
    };
    Ok(XdmfDay {
        day: g.attr("day")?.read_scalar::<u32>()?,
        cells: g.dataset("cell/region")?.shape()[0],
        nodes: g.dataset("points_mm")?.shape()[0],
        topology_type,
        connectivity_shape: connectivity.shape(),
        cell_fields: arrays(&g.group("cell")?)?,
        point_fields: arrays(&g.group("point")?)?,
    })
}

fn day_group(day: u32) -> String {
    format!("day_{day:03}")
}

fn write_mesh_day(
    fields: &hdf5::Group,
    name: &str,
    day: u32,
    mesh: &Mesh,
    cell_fields: &[Field],
    point_fields: &[Field],
) -> hdf5::Result<()> {
    let g = new_group(fields, name)?;
    g.new_attr::<u32>().create("day")?.write_scalar(&day)?;
    let points: Vec<f64> = mesh.coords().iter().flatten().copied().collect();
    write_array(&g, "points_mm", &points, &[mesh.num_nodes(), 3])?;

    // One kind: a (cells × nodes) table; several: XDMF's flat `Mixed` list (code, then nodes).
    let kinds = mesh.kind_counts();
    let mixed = kinds.len() > 1;
    let mut connectivity: Vec<i64> = Vec::new();
    for e in mesh.elements() {
        if mixed {
            connectivity.push(i64::from(e.kind.xdmf_topology().1));
        }
        connectivity.extend(e.vtk_nodes().map(|n| n as i64));
    }
    let (topology_type, shape) = match kinds.as_slice() {
        [(kind, count)] => (kind.xdmf_topology().0, vec![*count, kind.num_nodes()]),
        _ => ("Mixed", vec![connectivity.len()]),
    };
    let ds = write_array(&g, "connectivity", &connectivity, &shape)?;
    set_text_attr(&ds, "topology_type", topology_type)?;

    let cell = new_group(&g, "cell")?;
    let regions: Vec<i32> = mesh.elements().map(|e| e.region as i32).collect();
    write_array(&cell, "region", &regions, &[regions.len()])?;
    set_text_attr(&cell, "region_names", &mesh.region_names().join(","))?;
    let mut order = vec!["region"];
    for f in cell_fields {
        write_field(&cell, f, mesh.num_elements())?;
        order.push(&f.name);
    }
    set_text_attr(&cell, "fields", &order.join(","))?;
    let point = new_group(&g, "point")?;
    for f in point_fields {
        write_field(&point, f, mesh.num_nodes())?;
    }
    let order: Vec<&str> = point_fields.iter().map(|f| &*f.name).collect();
    set_text_attr(&point, "fields", &order.join(","))
}

fn write_field(group: &hdf5::Group, f: &Field, entries: usize) -> hdf5::Result<()> {
    if f.components == 1 {
        write_array(group, &f.name, &f.values, &[entries])?;
    } else {
        write_array(group, &f.name, &f.values, &[entries, f.components])?;
    }
    Ok(())
}

/// The XDMF 2 text of the field days, heavy data in `h5_name` (relative to the XDMF file).
fn xdmf(days: &[XdmfDay], h5_name: &str) -> String {
    let item = |dims: &str, number_type: &str, precision: u8, path: &str| {
        format!(
            "<DataItem Dimensions=\"{dims}\" NumberType=\"{number_type}\" Precision=\"{precision}\" Format=\"HDF\">{h5_name}:{path}</DataItem>"
        )
    };
    let mut x = String::from(
        "<?xml version=\"1.0\"?>\n<Xdmf Version=\"2.0\">\n  <Domain>\n    <Grid Name=\"callus\" GridType=\"Collection\" CollectionType=\"Temporal\">\n",
    );
    for d in days {
        let base = format!("/fields/{}", day_group(d.day));
        let conn_dims: Vec<String> = d.connectivity_shape.iter().map(|n| n.to_string()).collect();
        x.push_str(&format!(
            "      <Grid Name=\"{}\" GridType=\"Uniform\">\n        <Time Value=\"{}\"/>\n",
            day_group(d.day),
            d.day
        ));
        x.push_str(&format!(
            "        <Topology TopologyType=\"{}\" NumberOfElements=\"{}\">\n          {}\n        </Topology>\n",
            d.topology_type,
            d.cells,
            item(&conn_dims.join(" "), "Int", 8, &format!("{base}/connectivity"))
        ));
        x.push_str(&format!(
            "        <Geometry GeometryType=\"XYZ\">\n          {}\n        </Geometry>\n",
            item(
                &format!("{} 3", d.nodes),
                "Float",
                8,
                &format!("{base}/points_mm")
            )
        ));
        let attributes = d
            .cell_fields
            .iter()
            .map(|f| ("Cell", "cell", d.cells, f))
            .chain(d.point_fields.iter().map(|f| ("Node", "point", d.nodes, f)));
        for (center, group, entries, a) in attributes {
            let (kind, dims) = match a.components {
                1 => ("Scalar", entries.to_string()),
                c => ("Vector", format!("{entries} {c}")),
            };
            let (number_type, precision) = a.number_type;
            let name = &a.name;
            x.push_str(&format!(
                "        <Attribute Name=\"{name}\" AttributeType=\"{kind}\" Center=\"{center}\">\n          {}\n        </Attribute>\n",
                item(&dims, number_type, precision, &format!("{base}/{group}/{name}"))
            ));
        }
        x.push_str("      </Grid>\n");
    }
    x.push_str("    </Grid>\n  </Domain>\n</Xdmf>\n");
    x
}

/// Writes `sweep.h5`: the sweep's rows, and the history of every case whose `results.h5` could be
/// read (`(case name, its results.h5)`).
pub fn write_sweep_h5(
    path: &Path,
    rows: &[Column],
    case_results: &[(String, PathBuf)],
) -> Result<(), IoError> {
    let staged = Staged::create(path)?;
    let root = &staged.file;
    (|| {
        set_text_attr(root, "layout", LAYOUT)?;
        set_text_attr(root, "callus_version", env!("CARGO_PKG_VERSION"))?;
        write_table(&root.create_group("summary")?, rows)?;
        let cases = root.create_group("cases")?;
        for (name, results) in case_results {
            let file = hdf5::File::open(results)?;
            let history = read_table(&file.group("history")?)?;
            write_table(
                &cases.create_group(name)?.create_group("history")?,
                &history,
            )?;
        }
        Ok(())
    })()
    .map_err(h5_error(path))?;
    staged.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: a table survives HDF5 unchanged (order, integers, reals with NaN, text) with its
    /// units; an uncommitted file leaves nothing behind.
    #[test]
    fn tables_round_trip() {
        let columns = [
            Column {
                name: "phase".into(),
                values: Values::Text(vec!["latency".into(), "distraction".into()]),
            },
            Column {
                name: "day".into(),
                values: Values::Integer(vec![3, 4]),
            },
            Column {
                name: "force_n".into(),
                values: Values::Real(vec![f64::NAN, 12.5]),
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.h5");
        let staged = Staged::create(&path).unwrap();
        write_table(&staged.file.create_group("t").unwrap(), &columns).unwrap();
        staged.commit().unwrap();
        let file = hdf5::File::open(&path).unwrap();
        let back = read_table(&file.group("t").unwrap()).unwrap();
        assert_eq!(back[..2], columns[..2]);
        let Values::Real(force) = &back[2].values else {
            panic!("{:?}", back[2])
        };
        assert!(back[2].name == "force_n" && force[0].is_nan() && force[1] == 12.5);
        let units = file
            .dataset("t/force_n")
            .unwrap()
            .attr("units")
            .unwrap()
            .read_scalar::<VarLenUnicode>()
            .unwrap();
        assert_eq!(units.as_str(), "N");

        let abandoned = dir.path().join("abandoned.h5");
        drop(Staged::create(&abandoned).unwrap());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["t.h5"]);
    }

    /// Goal: a mesh of two element kinds (a unit square as a Quad4 beside a Tri3) is written as an
    /// XDMF `Mixed` topology: each cell's XDMF code, then its nodes.
    #[test]
    fn mixed_meshes_use_the_xdmf_mixed_topology() {
        use callus_mesh::ElementKind;
        let mut mesh = Mesh::new(2);
        for x in [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [2.0, 0.0]] {
            mesh.add_node([x[0], x[1], 0.0]);
        }
        let region = mesh.region_id_or_insert("gap");
        mesh.add_element(ElementKind::Quad4, &[0, 1, 2, 3], region);
        mesh.add_element(ElementKind::Tri3, &[1, 4, 2], region);
        let dir = tempfile::tempdir().unwrap();
        let values = [0.25, 0.5];
        let field = Field::borrowed("stimulus", 1, &values);
        let part = dir.path().join("day_003.h5");
        write_field_day(&part, 3, &mesh, &[field], &[]).unwrap();
        write_run_results(dir.path(), "", "axisymmetric", &[part], &[], &[]).unwrap();
        let file = hdf5::File::open(dir.path().join("results.h5")).unwrap();
        let conn = file.dataset("fields/day_003/connectivity").unwrap();
        assert_eq!(conn.read_raw::<i64>().unwrap(), [5, 0, 1, 2, 3, 4, 1, 4, 2]);
        let xdmf = std::fs::read_to_string(dir.path().join("results.xdmf")).unwrap();
        assert!(
            xdmf.contains("TopologyType=\"Mixed\" NumberOfElements=\"2\"")
                && xdmf.contains("Dimensions=\"9\""),
            "{xdmf}"
        );
    }
}
