//! Rate × rhythm sweeps: one run per case ([`callus_sim::sweep::cases`]), cases in parallel (one
//! per rayon thread, each with a sequential factorization: a factorization gains only 1.2–1.45×
//! from 2 threads, a second case gains 2×), each into its own folder, and one `sweep.csv` with a
//! row per case, `sweep.h5` with the same rows and every case's history, and `plots/`.
//!
//! - A case that fails is a row with `status = failed` and its error; the others go on.
//! - With `resume`, a case whose folder already holds the `summary.json` of the same scenario is
//!   read back instead of run again. `summary.json` is written last and atomically, so a killed
//!   sweep resumed this way ends with the same `sweep.csv` as an uninterrupted one (the file holds
//!   no timings for that reason).
//! - Results do not depend on the number of threads: cases are independent, and a run's assembly
//!   is bitwise the same on any number of threads.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use callus_bio::Fractions;
use callus_sim::sweep::{rhythm_label, rhythm_number, Case};
use callus_sim::{Scenario, Summary};

use crate::atomic::write_atomically;
use crate::error::file;
use crate::plots::{sweep_plots, SweepCase};
use crate::results_h5::write_sweep_h5;
use crate::run_files::{run, RunOptions};
use crate::table::{columns_of, csv};
use crate::IoError;

/// What became of one case: a row of `sweep.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// Folder of the case, under the sweep's.
    pub case: String,
    /// Distraction rate (mm/day).
    pub rate_mm_per_day: f64,
    /// Steps per day (0 for continuous).
    pub rhythm_steps_per_day: u32,
    /// `ok` or `failed`.
    pub status: &'static str,
    /// Day of bony bridging.
    pub bridging_day: Option<u32>,
    /// Healed day (MODEL.md §6: the fixator's load share below 10 %).
    pub healed_day: Option<u32>,
    /// Healing index: healed day per cm of lengthening (days/cm).
    pub healing_index_days_per_cm: Option<f64>,
    /// Final callus stiffness (N/mm).
    pub final_stiffness_n_per_mm: Option<f64>,
    /// Final stiffness as % of intact bone.
    pub final_stiffness_pct_intact: Option<f64>,
    /// Largest step peak force (N).
    pub max_peak_force_n: Option<f64>,
    /// Final regenerate fractions.
    pub final_fractions: Option<Fractions>,
    /// Final gap (mm).
    pub final_gap_mm: Option<f64>,
    /// Whether the case was read back from an earlier sweep.
    pub resumed: bool,
    /// Why it failed.
    pub error: Option<String>,
}

impl CaseResult {
    fn ok(case: &Case, s: &SummaryFields, resumed: bool) -> CaseResult {
        CaseResult {
            case: case.name(),
            rate_mm_per_day: case.rate_mm_per_day,
            rhythm_steps_per_day: rhythm_number(case.rhythm),
            status: "ok",
            bridging_day: s.bridging_day,
            healed_day: s.healed_day,
            healing_index_days_per_cm: s.healing_index_days_per_cm,
            final_stiffness_n_per_mm: Some(s.final_stiffness_n_per_mm),
            final_stiffness_pct_intact: Some(s.final_stiffness_pct_intact),
            max_peak_force_n: s.max_peak_force_n,
            final_fractions: Some(s.final_fractions),
            final_gap_mm: Some(s.final_gap_mm),
            resumed,
            error: None,
        }
    }

    fn failed(case: &Case, error: String) -> CaseResult {
        CaseResult {
            case: case.name(),
            rate_mm_per_day: case.rate_mm_per_day,
            rhythm_steps_per_day: rhythm_number(case.rhythm),
            status: "failed",
            bridging_day: None,
            healed_day: None,
            healing_index_days_per_cm: None,
            final_stiffness_n_per_mm: None,
            final_stiffness_pct_intact: None,
            max_peak_force_n: None,
            final_fractions: None,
            final_gap_mm: None,
            resumed: false,
            error: Some(error),
        }
    }
}

/// The fields of a `summary.json` a sweep row needs (also read back on resume).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
struct SummaryFields {
    bridging_day: Option<u32>,
    healed_day: Option<u32>,
    healing_index_days_per_cm: Option<f64>,
    final_stiffness_n_per_mm: f64,
    final_stiffness_pct_intact: f64,
    max_peak_force_n: Option<f64>,
    final_fractions: Fractions,
    final_gap_mm: f64,
    scenario: serde_json::Value,
}

impl SummaryFields {
    fn of(s: &Summary) -> SummaryFields {
        SummaryFields {
            bridging_day: s.bridging_day,
            healed_day: s.healed_day,
            healing_index_days_per_cm: s.healing_index_days_per_cm,
            final_stiffness_n_per_mm: s.final_stiffness_n_per_mm,
            final_stiffness_pct_intact: s.final_stiffness_pct_intact,
            max_peak_force_n: s.max_peak_force_n,
            final_fractions: s.final_fractions,
            final_gap_mm: s.final_gap_mm,
            scenario: serde_json::Value::Null,
        }
    }

    /// The summary of an earlier run of the same scenario in `dir`, if there is one (with its
    /// `results.h5`, which a sweep.h5 copies the history from).
    fn finished(dir: &Path, scenario: &Scenario) -> Option<SummaryFields> {
        if !dir.join("results.h5").is_file() {
            return None;
        }
        let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
        let s: SummaryFields = serde_json::from_str(&text).ok()?;
        let same = serde_json::to_value(scenario).ok()? == s.scenario;
        same.then_some(s)
    }
}

/// How to sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// The sweep's folder (created): one sub-folder per case and `sweep.csv`.
    pub out_dir: PathBuf,
    /// Write ParaView fields for every case.
    pub fields: bool,
    /// Read back cases an earlier sweep finished instead of running them again.
    pub resume: bool,
}

/// Runs every case (in parallel on the current rayon pool), calling `on_case` as each ends, and
/// writes `sweep.csv`; returns the rows in case order. Fails only if the sweep's own files cannot
/// be written; a case's failure is its row.
pub fn sweep(
    cases: &[Case],
    scenario_file: &str,
    options: &SweepOptions,
    on_case: &(dyn Fn(&CaseResult) + Sync),
) -> Result<Vec<CaseResult>, IoError> {
    std::fs::create_dir_all(&options.out_dir).map_err(file(&options.out_dir))?;
    let results: Vec<CaseResult> = cases
        .par_iter()
        .map(|case| {
            let dir = options.out_dir.join(case.name());
            let result = match options
                .resume
                .then(|| SummaryFields::finished(&dir, &case.scenario))
                .flatten()
            {
                Some(done) => CaseResult::ok(case, &done, true),
                None => {
                    let run_options = RunOptions {
                        out_dir: dir,
                        threads: 1,
                        fields: options.fields,
                    };
                    match run(&case.scenario, scenario_file, &run_options, &mut |_| {}) {
                        Ok(outcome) => {
                            CaseResult::ok(case, &SummaryFields::of(&outcome.summary), false)
                        }
                        Err(e) => CaseResult::failed(case, e.to_string()),
                    }
                }
            };
            on_case(&result);
            result
        })
        .collect();
    let plotted: Vec<SweepCase> = cases
        .iter()
        .zip(&results)
        .map(|(case, r)| SweepCase {
            rate_mm_per_day: case.rate_mm_per_day,
            rhythm: rhythm_label(case.rhythm),
            bridging_day: r.bridging_day,
            healed_day: r.healed_day,
            failed: r.status != "ok",
            stiffness: if r.status == "ok" {
                stiffness_history(&options.out_dir.join(&r.case).join("history.csv"))
            } else {
                Vec::new()
            },
        })
        .collect();
    sweep_plots(&options.out_dir.join("plots"), &plotted)?;
    let rows: Vec<SweepRow> = results.iter().map(SweepRow::of).collect();
    let columns = columns_of(&rows);
    write_atomically(&options.out_dir.join("sweep.csv"), csv(&columns).as_bytes())?;
    let finished: Vec<(String, PathBuf)> = results
        .iter()
        .filter(|r| r.status == "ok")
        .map(|r| {
            (
                r.case.clone(),
                options.out_dir.join(&r.case).join("results.h5"),
            )
        })
        .collect();
    write_sweep_h5(&options.out_dir.join("sweep.h5"), &columns, &finished)?;
    Ok(results)
}

/// (day, callus stiffness in N/mm) from a run's `history.csv` (empty if it cannot be read).
fn stiffness_history(path: &Path) -> Vec<(f64, f64)> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(d), Some(s)) = (column("day"), column("callus_stiffness_n_per_mm")) else {
        return Vec::new();
    };
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.get(d)?.parse().ok()?, f.get(s)?.parse().ok()?))
        })
        .collect()
}

/// A row of `sweep.csv` and `/summary` of `sweep.h5` (its fields in order are the columns).
#[derive(serde::Serialize)]
struct SweepRow<'a> {
    case: &'a str,
    rate_mm_per_day: f64,
    rhythm_steps_per_day: u32,
    status: &'a str,
    bridging_day: Option<u32>,
    healed_day: Option<u32>,
    healing_index_days_per_cm: Option<f64>,
    final_stiffness_n_per_mm: Option<f64>,
    final_stiffness_pct_intact: Option<f64>,
    max_peak_force_n: Option<f64>,
    /// The final fractions, one column each (`granulation_fraction`, …, `marrow_fraction`).
    #[serde(
        flatten,
        serialize_with = "callus_bio::fractions::as_columns::serialize_option"
    )]
    final_fractions: Option<Fractions>,
    final_gap_mm: Option<f64>,
    /// Empty for a case that finished.
    error: &'a str,
}

impl SweepRow<'_> {
    fn of(r: &CaseResult) -> SweepRow<'_> {
        SweepRow {
            case: &r.case,
            rate_mm_per_day: r.rate_mm_per_day,
            rhythm_steps_per_day: r.rhythm_steps_per_day,
            status: r.status,
            bridging_day: r.bridging_day,
            healed_day: r.healed_day,
            healing_index_days_per_cm: r.healing_index_days_per_cm,
            final_stiffness_n_per_mm: r.final_stiffness_n_per_mm,
            final_stiffness_pct_intact: r.final_stiffness_pct_intact,
            max_peak_force_n: r.max_peak_force_n,
            final_fractions: r.final_fractions,
            final_gap_mm: r.final_gap_mm,
            error: r.error.as_deref().unwrap_or_default(),
        }
    }
}
