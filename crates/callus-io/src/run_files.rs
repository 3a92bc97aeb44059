//! The files of a run (one folder), written as the run goes by [`RunFiles`], a
//! [`callus_sim::RunSink`]:
//!
//! - `history.csv` (one row per day) and `forces.csv` (the distraction force at every time
//!   level), rewritten every day, so that a run that stops leaves the days it finished;
//! - on output days, `fields/day_NNN.vtu` with `fields.pvd` for ParaView, and the same fields in
//!   `results.h5` ([`crate::results_h5`]);
//! - at the end, `plots/` (SVG and PNG), `results.h5` with its histories and `results.xdmf`, and
//!   `summary.json` last (a sweep's resume takes a folder with it as finished).
//!
//! Every file is written to a temporary name and renamed, so a killed run never leaves a
//! half-written file. [`run`] sets up a simulation and runs it into a folder.

use std::path::{Path, PathBuf};

use callus_sim::record::{OnDay, OutputError, RunReport, Snapshot};
use callus_sim::{DayReport, Outcome, RunSink, Scenario, SimOptions, Simulation};

use crate::atomic::write_atomically;
use crate::error::file;
use crate::results_h5::RunResults;
use crate::table::{columns_of, csv};
use crate::vtu::{pvd, write_vtu};
use crate::IoError;

/// How to run into a folder.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The folder (created; files in it are replaced).
    pub out_dir: PathBuf,
    /// Threads of the factorizations (1 = sequential).
    pub threads: usize,
    /// Write the fields (VTU and HDF5) on output days.
    pub fields: bool,
}

/// Runs `scenario` (named `scenario_file` in messages) into `options.out_dir`, calling `progress`
/// after each day.
pub fn run(
    scenario: &Scenario,
    scenario_file: &str,
    options: &RunOptions,
    progress: &mut dyn FnMut(&DayReport),
) -> Result<Outcome, IoError> {
    let simulation = Simulation::new(
        scenario,
        scenario_file,
        SimOptions {
            threads: options.threads,
        },
    )?;
    let mut files = RunFiles::create(&options.out_dir, scenario, options.fields)?;
    Ok(simulation.run(&mut (&mut files, OnDay(progress)))?)
}

/// The files of a run being written.
pub struct RunFiles {
    dir: PathBuf,
    fields: bool,
    field_days: Vec<(u32, String)>,
    /// `results.h5` being written (`None` once finished).
    results: Option<RunResults>,
}

impl RunFiles {
    /// Creates the folder (and `fields/`) and starts `results.h5` with the scenario (TOML) and
    /// the idealisation as its attributes; `fields` says whether to write the fields.
    pub fn create(dir: &Path, scenario: &Scenario, fields: bool) -> Result<RunFiles, IoError> {
        let fields_dir = dir.join("fields");
        std::fs::create_dir_all(&fields_dir).map_err(file(&fields_dir))?;
        Ok(RunFiles {
            dir: dir.to_path_buf(),
            fields,
            field_days: Vec::new(),
            results: Some(RunResults::create(
                dir,
                &scenario.to_toml(),
                scenario.geometry.idealisation.name(),
            )?),
        })
    }

    fn write(&self, name: &str, text: &str) -> Result<(), IoError> {
        write_atomically(&self.dir.join(name), text.as_bytes())
    }

    /// Writes the fields of a day and updates `fields.pvd`.
    fn write_fields(&mut self, s: &Snapshot) -> Result<(), IoError> {
        let name = format!("fields/day_{:03}.vtu", s.day);
        write_vtu(
            &self.dir.join(&name),
            s.mesh,
            &s.cell_fields,
            &s.point_fields,
        )?;
        if let Some(results) = &mut self.results {
            results.write_day(s.day, s.mesh, &s.cell_fields, &s.point_fields)?;
        }
        self.field_days.retain(|(d, _)| *d != s.day);
        self.field_days.push((s.day, name));
        self.write("fields.pvd", &pvd(&self.field_days))
    }
}

impl RunSink for RunFiles {
    fn day(&mut self, day: &DayReport) -> Result<(), OutputError> {
        if self.fields && day.fields_due {
            self.write_fields(&day.fields())?;
        }
        self.write("history.csv", &csv(&columns_of(day.history)))?;
        self.write("forces.csv", &csv(&columns_of(day.forces)))?;
        Ok(())
    }

    fn finish(&mut self, run: &RunReport) -> Result<(), OutputError> {
        crate::plots::run_plots(&self.dir.join("plots"), run.history, run.forces)?;
        if let Some(results) = self.results.take() {
            results.finish(&columns_of(run.history), &columns_of(run.forces))?;
        }
        let text = serde_json::to_string_pretty(run.summary).expect("a summary serialises");
        self.write("summary.json", &(text + "\n"))?;
        Ok(())
    }
}
