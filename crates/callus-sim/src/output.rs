//! The files of a run (one directory): `history.csv` (one row per day), `forces.csv` (the
//! distraction force at every time level), `summary.json`, and for ParaView `fields.pvd` with one
//! `fields/day_NNN.vtu` per output day, and the same in HDF5: `results.h5` with `results.xdmf`
//! ([`crate::results_h5`]). Every file is written to a temporary name and renamed, so a killed run
//! never leaves a half-written file.

use std::path::{Path, PathBuf};

use serde::Serialize;

use callus_mesh::vtu::{write_atomically, write_vtu, Field};
use callus_mesh::Mesh;

use crate::results_h5::RunResults;
use crate::scenario::Phase;
use crate::table::{columns_of, csv};
use crate::SimError;

/// One day of the history (units in the names).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryRow {
    /// Day since the osteotomy (day 0).
    pub day: u32,
    /// Phase of the protocol.
    pub phase: Phase,
    /// Gap length at the end of the day (mm).
    pub gap_mm: f64,
    /// Drained axial stiffness of the construct (N/mm).
    pub callus_stiffness_n_per_mm: f64,
    /// The same as % of an intact bone of the same length.
    pub stiffness_pct_intact: f64,
    /// Torsional stiffness (N·mm/rad), 3D only (empty in 2D).
    pub torsional_stiffness_nmm_per_rad: Option<f64>,
    /// Regenerate tissue fractions (volume-weighted).
    pub granulation_fraction: f64,
    /// Fibrous tissue.
    pub fibrous_fraction: f64,
    /// Cartilage.
    pub cartilage_fraction: f64,
    /// Immature bone.
    pub immature_bone_fraction: f64,
    /// Mature bone.
    pub mature_bone_fraction: f64,
    /// Resorbed (marrow).
    pub marrow_fraction: f64,
    /// Largest step peak of the day (N; empty without steps).
    pub peak_force_n: Option<f64>,
    /// Force just before the next step, after the day's last step (N).
    pub residual_force_n: Option<f64>,
    /// Largest nominal strain of a step (step / gap length).
    pub step_strain: Option<f64>,
    /// Interfragmentary strain under the physiological load: the shortening of the gap between the
    /// bone ends at the peak of the load over the gap length.
    pub load_strain: Option<f64>,
    /// Mean cell concentration in the regenerate (0..1).
    pub mean_cell_concentration: f64,
    /// Whether bone joins the two segments.
    pub bridged: bool,
    /// Elements in the mesh (grows with layer insertions).
    pub elements: usize,
    /// Tallest element beside the growth plane (mm).
    pub max_plane_element_height_mm: f64,
    /// Worst element of the current mesh: smallest scaled Jacobian at an element node, curved sides
    /// included (1 for a square, ≤ 0 for an element turned over; `callus_fem::shape::min_scaled_jacobian`).
    pub min_element_quality: f64,
}

impl HistoryRow {
    /// The columns of `history.csv` (and of `/history` in `results.h5`).
    pub const HEADER: &'static str = "day,phase,gap_mm,callus_stiffness_n_per_mm,stiffness_pct_intact,torsional_stiffness_nmm_per_rad,granulation_fraction,fibrous_fraction,cartilage_fraction,immature_bone_fraction,mature_bone_fraction,marrow_fraction,peak_force_n,residual_force_n,step_strain,load_strain,mean_cell_concentration,bridged,elements,max_plane_element_height_mm,min_element_quality";
}

/// The columns of `forces.csv` (and of `/forces` in `results.h5`).
pub const FORCES_HEADER: &str = "time_s,day,step,force_n";

/// One time level of a distraction step.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ForceSample {
    /// Time since the osteotomy (s).
    pub time_s: f64,
    /// Day.
    pub day: u32,
    /// Step of the day (0-based).
    pub step: usize,
    /// Distraction force on the moving segment (N, tension positive).
    pub force_n: f64,
}

/// The run directory and what has been written into it.
pub struct RunDirectory {
    dir: PathBuf,
    field_days: Vec<(u32, String)>,
    /// `results.h5` being written (`None` once finished).
    results: Option<RunResults>,
}

/// Maps an I/O error on `path` to [`SimError::Io`].
pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SimError + '_ {
    move |source| SimError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl RunDirectory {
    /// Creates the directory (and `fields/`) and starts `results.h5` with the scenario (TOML) and
    /// the idealisation as its attributes.
    pub fn create(
        dir: &Path,
        scenario_toml: &str,
        idealisation: &str,
    ) -> Result<RunDirectory, SimError> {
        let fields = dir.join("fields");
        std::fs::create_dir_all(&fields).map_err(io(&fields))?;
        Ok(RunDirectory {
            dir: dir.to_path_buf(),
            field_days: Vec::new(),
            results: Some(RunResults::create(dir, scenario_toml, idealisation)?),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn write(&self, name: &str, text: &str) -> Result<(), SimError> {
        write_atomically(&self.dir.join(name), text.as_bytes())?;
        Ok(())
    }

    /// Writes `history.csv` and `forces.csv` as they stand.
    pub fn write_histories(
        &self,
        days: &[HistoryRow],
        forces: &[ForceSample],
    ) -> Result<(), SimError> {
        self.write("history.csv", &csv(&columns_of(days, HistoryRow::HEADER)))?;
        self.write("forces.csv", &csv(&columns_of(forces, FORCES_HEADER)))
    }

    /// Writes the fields of `day` (mesh in its current configuration) and updates `fields.pvd`.
    pub fn write_fields(
        &mut self,
        day: u32,
        mesh: &Mesh,
        cell_fields: &[Field],
        point_fields: &[Field],
    ) -> Result<(), SimError> {
        let name = format!("fields/day_{day:03}.vtu");
        write_vtu(self.dir.join(&name), mesh, cell_fields, point_fields)?;
        if let Some(results) = &mut self.results {
            results.write_day(day, mesh, cell_fields, point_fields)?;
        }
        self.field_days.retain(|(d, _)| *d != day);
        self.field_days.push((day, name));
        let mut pvd = String::from(
            "<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"0.1\" byte_order=\"LittleEndian\">\n  <Collection>\n",
        );
        for (d, file) in &self.field_days {
            pvd.push_str(&format!(
                "    <DataSet timestep=\"{d}\" group=\"\" part=\"0\" file=\"{file}\"/>\n"
            ));
        }
        pvd.push_str("  </Collection>\n</VTKFile>\n");
        self.write("fields.pvd", &pvd)
    }

    /// Completes `results.h5` with the histories and renames it into place, with `results.xdmf`
    /// for the field days.
    pub fn finish_results(
        &mut self,
        days: &[HistoryRow],
        forces: &[ForceSample],
    ) -> Result<(), SimError> {
        match self.results.take() {
            Some(results) => results.finish(
                &columns_of(days, HistoryRow::HEADER),
                &columns_of(forces, FORCES_HEADER),
            ),
            None => Ok(()),
        }
    }

    /// Writes `summary.json`.
    pub fn write_summary<T: Serialize>(&self, summary: &T) -> Result<(), SimError> {
        let text = serde_json::to_string_pretty(summary).expect("a summary serialises");
        self.write("summary.json", &(text + "\n"))
    }
}
