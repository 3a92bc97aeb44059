//! The files of a run (one folder), written as the run goes by [`RunFiles`], a
//! [`callus_sim::RunSink`]:
//!
//! - `history.csv` (one row per day) and `forces.csv` (the distraction force at every time
//!   level), rewritten every day, so that a run that stops leaves the days it finished;
//! - on output days, `fields/day_NNN.vtu` with `fields.pvd` for ParaView, and the same fields as
//!   `restart/fields/day_NNN.h5`, which `results.h5` gathers at the end ([`crate::results_h5`]);
//! - every `output.checkpoint_every_days`, `restart/checkpoint.bin`, the whole state after the day
//!   ([`crate::checkpoint`]), from which [`run`] with `resume` continues after an interruption;
//! - at the end, `plots/` (SVG and PNG), `results.h5` with its histories and `results.xdmf`, and
//!   `summary.json` last (a sweep's resume takes a folder with it as finished); then `restart/`
//!   goes.
//!
//! Every file is written to a temporary name and renamed, so a killed run never leaves a
//! half-written file, and a resumed run ends with the files an uninterrupted run writes
//! (`summary.json` apart from its times).

use std::path::{Path, PathBuf};

use callus_sim::record::{OnDay, OutputError, RunReport, Snapshot};
use callus_sim::{DayReport, Outcome, RunSink, Scenario, SimOptions, Simulation};

use crate::atomic::{remove_temporaries, write_atomically};
use crate::checkpoint::{read_checkpoint, write_checkpoint};
use crate::error::file;
use crate::results_h5::{write_field_day, write_run_results};
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
    /// Continue from the folder's checkpoint if it has one (else start from day 0).
    pub resume: bool,
}

/// Where a run starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// From day 0.
    Fresh,
    /// From the checkpoint after this day.
    Resumed {
        /// The checkpoint's day.
        after_day: u32,
    },
}

/// The checkpoint of a run's folder.
pub fn checkpoint_path(out_dir: &Path) -> PathBuf {
    out_dir.join("restart").join("checkpoint.bin")
}

/// Runs `scenario` (named `scenario_file` in messages) into `options.out_dir`, calling `started`
/// once the run is set up (with where it starts) and `progress` after each day. With
/// `options.resume`, the run continues from the folder's checkpoint if there is one.
pub fn run(
    scenario: &Scenario,
    scenario_file: &str,
    options: &RunOptions,
    started: &mut dyn FnMut(Start),
    progress: &mut dyn FnMut(&DayReport),
) -> Result<Outcome, IoError> {
    let sim_options = SimOptions {
        threads: options.threads,
    };
    let dir = &options.out_dir;
    let checkpoint = checkpoint_path(dir);
    let (simulation, mut files) = if options.resume && checkpoint.is_file() {
        let saved = read_checkpoint(&checkpoint)?;
        let after_day = saved.day;
        let simulation = Simulation::resume(scenario, scenario_file, sim_options, saved).map_err(
            |e| match e {
                callus_sim::SimError::Checkpoint { reason } => IoError::Checkpoint {
                    path: checkpoint.clone(),
                    message: reason.to_string(),
                },
                e => e.into(),
            },
        )?;
        let files = RunFiles::resume(dir, scenario, options.fields, after_day)?;
        started(Start::Resumed { after_day });
        (simulation, files)
    } else {
        let simulation = Simulation::new(scenario, scenario_file, sim_options)?;
        let files = RunFiles::create(dir, scenario, options.fields)?;
        started(Start::Fresh);
        (simulation, files)
    };
    Ok(simulation.run(&mut (&mut files, OnDay(progress)))?)
}

/// The files of a run being written.
pub struct RunFiles {
    dir: PathBuf,
    fields: bool,
    /// The field days written: (day, its VTU relative to the folder, its HDF5 part).
    field_days: Vec<(u32, String, PathBuf)>,
    scenario_toml: String,
    idealisation: &'static str,
}

impl RunFiles {
    /// Creates the folder (and `fields/`) for a run from day 0; what a run left there before
    /// (a checkpoint, field parts, a `summary.json` that would look finished) goes. `fields` says
    /// whether to write the fields.
    pub fn create(dir: &Path, scenario: &Scenario, fields: bool) -> Result<RunFiles, IoError> {
        let files = RunFiles::at(dir, scenario, fields)?;
        let restart = dir.join("restart");
        if restart.exists() {
            std::fs::remove_dir_all(&restart).map_err(file(&restart))?;
        }
        files.remove_summary()?;
        std::fs::create_dir_all(files.parts_dir()).map_err(file(&files.parts_dir()))?;
        Ok(files)
    }

    /// Takes up the folder of a run resumed after `after_day`: the field days up to it stay,
    /// the later ones (written after the checkpoint) go, to be written again.
    pub fn resume(
        dir: &Path,
        scenario: &Scenario,
        fields: bool,
        after_day: u32,
    ) -> Result<RunFiles, IoError> {
        let mut files = RunFiles::at(dir, scenario, fields)?;
        files.remove_summary()?;
        let parts = files.parts_dir();
        std::fs::create_dir_all(&parts).map_err(file(&parts))?;
        let mut kept = Vec::new();
        for entry in std::fs::read_dir(&parts).map_err(file(&parts))? {
            let path = entry.map_err(file(&parts))?.path();
            let day = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("day_")?.strip_suffix(".h5")?.parse().ok());
            match day {
                Some(day) if day <= after_day => kept.push(day),
                // A later day, or a temporary file of an interrupted write.
                _ => std::fs::remove_file(&path).map_err(file(&path))?,
            }
        }
        kept.sort_unstable();
        files.field_days = kept
            .into_iter()
            .map(|day| (day, vtu_name(day), files.part(day)))
            .collect();
        Ok(files)
    }

    /// The folder of a run, with what a killed write left in it (temporary files) gone.
    fn at(dir: &Path, scenario: &Scenario, fields: bool) -> Result<RunFiles, IoError> {
        let fields_dir = dir.join("fields");
        std::fs::create_dir_all(&fields_dir).map_err(file(&fields_dir))?;
        for sub in ["", "fields", "plots", "restart", "restart/fields"] {
            remove_temporaries(&dir.join(sub))?;
        }
        Ok(RunFiles {
            dir: dir.to_path_buf(),
            fields,
            field_days: Vec::new(),
            scenario_toml: scenario.to_toml(),
            idealisation: scenario.geometry.idealisation.name(),
        })
    }

    fn parts_dir(&self) -> PathBuf {
        self.dir.join("restart").join("fields")
    }

    fn part(&self, day: u32) -> PathBuf {
        self.parts_dir().join(format!("day_{day:03}.h5"))
    }

    fn remove_summary(&self) -> Result<(), IoError> {
        let summary = self.dir.join("summary.json");
        if summary.exists() {
            std::fs::remove_file(&summary).map_err(file(&summary))?;
        }
        Ok(())
    }

    fn write(&self, name: &str, text: &str) -> Result<(), IoError> {
        write_atomically(&self.dir.join(name), text.as_bytes())
    }

    /// Writes the fields of a day and updates `fields.pvd`.
    fn write_fields(&mut self, s: &Snapshot) -> Result<(), IoError> {
        let name = vtu_name(s.day);
        write_vtu(
            &self.dir.join(&name),
            s.mesh,
            &s.cell_fields,
            &s.point_fields,
        )?;
        let part = self.part(s.day);
        write_field_day(&part, s.day, s.mesh, &s.cell_fields, &s.point_fields)?;
        self.field_days.retain(|(d, ..)| *d != s.day);
        self.field_days.push((s.day, name, part));
        let vtus: Vec<(u32, String)> = self
            .field_days
            .iter()
            .map(|(day, vtu, _)| (*day, vtu.clone()))
            .collect();
        self.write("fields.pvd", &pvd(&vtus))
    }
}

fn vtu_name(day: u32) -> String {
    format!("fields/day_{day:03}.vtu")
}

impl RunSink for RunFiles {
    fn day(&mut self, day: &DayReport) -> Result<(), OutputError> {
        if self.fields && day.fields_due {
            self.write_fields(&day.fields())?;
        }
        self.write("history.csv", &csv(&columns_of(day.history)))?;
        self.write("forces.csv", &csv(&columns_of(day.forces)))?;
        if day.checkpoint_due {
            write_checkpoint(&checkpoint_path(&self.dir), &day.checkpoint())?;
        }
        Ok(())
    }

    fn finish(&mut self, run: &RunReport) -> Result<(), OutputError> {
        crate::plots::run_plots(&self.dir.join("plots"), run.history, run.forces)?;
        let parts: Vec<PathBuf> = self.field_days.iter().map(|(.., p)| p.clone()).collect();
        write_run_results(
            &self.dir,
            &self.scenario_toml,
            self.idealisation,
            &parts,
            &columns_of(run.history),
            &columns_of(run.forces),
        )?;
        let text = serde_json::to_string_pretty(run.summary).expect("a summary serialises");
        self.write("summary.json", &(text + "\n"))?;
        let restart = self.dir.join("restart");
        std::fs::remove_dir_all(&restart).map_err(file(&restart))?;
        Ok(())
    }
}
