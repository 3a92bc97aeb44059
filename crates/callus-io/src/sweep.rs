//! Studies: one run per case ([`callus_sim::sweep`]: a grid over rates, rhythms and any keys, or a
//! Latin hypercube), cases in parallel (one per rayon thread, each with a sequential factorization:
//! a factorization gains only 1.2–1.45× from 2 threads, a second case gains 2×), each into its own
//! folder, and one `sweep.csv` with a row per case (the varied or sampled keys as columns after the
//! rhythm), `sweep.h5` with the same rows and every case's history, `plots/`, and for a sampled
//! study `sensitivity.csv` ([`callus_sim::sensitivity`]).
//!
//! - A case that fails is a row with `status = failed` and its error; the others go on.
//! - With `resume`, a case whose folder already holds the `summary.json` of the same scenario is
//!   read back instead of run again, and an unfinished case continues from its last checkpoint
//!   ([`crate::run`] with `resume`). `summary.json` is written last and atomically, so a killed
//!   sweep resumed this way ends with the same `sweep.csv` as an uninterrupted one (the file holds
//!   no timings for that reason).
//! - A shard (`--shard K/N`) runs its share of the cases ([`callus_sim::sweep::Shard`]) and writes
//!   `shard-K-of-N.json` (the study's cases and its own rows) instead of the study's files;
//!   [`merge`] assembles the shards' folders into the files one unsharded sweep writes, byte for
//!   byte.
//! - Results do not depend on the number of threads: cases are independent, and a run's assembly
//!   is bitwise the same on any number of threads.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use callus_bio::Fractions;
use callus_sim::sensitivity::output_statistics;
use callus_sim::sweep::{rhythm_number, Case, Shard};
use callus_sim::{Scenario, Summary};

use crate::atomic::write_atomically;
use crate::error::file;
use crate::fnv::Fnv1a;
use crate::plots::{sensitivity_plot, sweep_plots, SweepCase};
use crate::results_h5::write_sweep_h5;
use crate::run_files::{run, RunOptions};
use crate::table::{columns_of, csv, Column, Values};
use crate::IoError;

/// What became of one case: a row of `sweep.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// Folder of the case, under the sweep's.
    pub case: String,
    /// Distraction rate (mm/day).
    pub rate_mm_per_day: f64,
    /// Steps per day (0 for continuous).
    pub rhythm_steps_per_day: u32,
    /// The study's varied or sampled keys and this case's values ([`Case::parameters`]).
    pub parameters: Vec<(String, String)>,
    /// `ok` or `failed`.
    pub status: String,
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
            status: "ok".into(),
            bridging_day: s.bridging_day,
            healed_day: s.healed_day,
            healing_index_days_per_cm: s.healing_index_days_per_cm,
            final_stiffness_n_per_mm: Some(s.final_stiffness_n_per_mm),
            final_stiffness_pct_intact: Some(s.final_stiffness_pct_intact),
            max_peak_force_n: s.max_peak_force_n,
            final_fractions: Some(s.final_fractions),
            final_gap_mm: Some(s.final_gap_mm),
            resumed,
            ..CaseResult::failed(case, String::new())
        }
    }

    fn failed(case: &Case, error: String) -> CaseResult {
        CaseResult {
            case: case.name.clone(),
            rate_mm_per_day: case.rate_mm_per_day,
            rhythm_steps_per_day: rhythm_number(case.rhythm),
            parameters: case.parameters.clone(),
            status: "failed".into(),
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

    /// Whether the case finished.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
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
    /// Run only this shard's cases and write its record (`shard-K-of-N.json`) instead of the
    /// study's files.
    pub shard: Option<Shard>,
    /// A sampled study's inputs (its sampled keys, in order): `sensitivity.csv` and its plot are
    /// written over them. Empty for a grid.
    pub sensitivity_inputs: Vec<String>,
}

/// Runs every case (in parallel on the current rayon pool), calling `on_case` as each ends, and
/// writes the study's files (or, for a shard, its record); returns the rows of the cases run, in
/// case order. Fails only if the sweep's own files cannot be written; a case's failure is its row.
pub fn sweep(
    cases: &[Case],
    scenario_file: &str,
    options: &SweepOptions,
    on_case: &(dyn Fn(&CaseResult) + Sync),
) -> Result<Vec<CaseResult>, IoError> {
    std::fs::create_dir_all(&options.out_dir).map_err(file(&options.out_dir))?;
    crate::atomic::remove_temporaries(&options.out_dir)?;
    let mine: Vec<&Case> = cases
        .iter()
        .enumerate()
        .filter(|(i, _)| options.shard.is_none_or(|s| s.holds(*i)))
        .map(|(_, c)| c)
        .collect();
    let results: Vec<CaseResult> = mine
        .par_iter()
        .map(|case| {
            let dir = options.out_dir.join(&case.name);
            let result = match options
                .resume
                .then(|| SummaryFields::finished(&dir, &case.scenario))
                .flatten()
            {
                Some(done) => CaseResult::ok(case, &done, true),
                None => {
                    // Resumed, an unfinished case continues from its checkpoint if it has one.
                    let run_options = RunOptions {
                        out_dir: dir,
                        threads: 1,
                        fields: options.fields,
                        resume: options.resume,
                    };
                    match run(
                        &case.scenario,
                        scenario_file,
                        &run_options,
                        &mut |_| {},
                        &mut |_| {},
                    ) {
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
    match options.shard {
        Some(shard) => {
            let record = ShardRecord {
                callus_version: env!("CARGO_PKG_VERSION").into(),
                shard: (shard.index, shard.count),
                cases: cases.iter().map(|c| c.name.clone()).collect(),
                study_fingerprint: fingerprint(cases),
                sensitivity_inputs: options.sensitivity_inputs.clone(),
                rows: results.clone(),
            };
            let json = serde_json::to_string_pretty(&record).expect("a shard record serialises");
            write_atomically(&options.out_dir.join(record.file_name()), json.as_bytes())?;
        }
        None => write_study_files(&options.out_dir, &results, &options.sensitivity_inputs)?,
    }
    Ok(results)
}

/// What a shard leaves for [`merge`]: the whole study's case names and fingerprint (so that shards
/// of different studies are not merged) and the rows of its own cases.
#[derive(Serialize, Deserialize)]
struct ShardRecord {
    callus_version: String,
    /// (K, N).
    shard: (usize, usize),
    cases: Vec<String>,
    study_fingerprint: String,
    sensitivity_inputs: Vec<String>,
    rows: Vec<CaseResult>,
}

impl ShardRecord {
    fn file_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.shard.0, self.shard.1)
    }
}

/// FNV-1a (64 bit) of the study's case names and scenarios as JSON: the same on every machine and
/// version of Rust, unlike the standard hasher.
fn fingerprint(cases: &[Case]) -> String {
    let mut hash = Fnv1a::new();
    for c in cases {
        let json = serde_json::to_string(&c.scenario).expect("a scenario serialises");
        hash.update(c.name.as_bytes());
        hash.update(json.as_bytes());
    }
    format!("{:016x}", hash.finish())
}

/// Assembles the shards of one study, found in `dirs` (each holding `shard-K-of-N.json` records and
/// the case folders of those shards), into `out_dir`: the case folders are copied there unless they
/// already are, then `sweep.csv`, `sweep.h5`, `plots/` and `sensitivity.csv` are written as one
/// unsharded sweep writes them. Refuses shards of different studies, a missing or duplicated shard,
/// and a case folder that is not there, naming what to run.
pub fn merge(dirs: &[PathBuf], out_dir: &Path) -> Result<Vec<CaseResult>, IoError> {
    let refuse = |path: &Path, message: String| IoError::Shards {
        path: path.to_path_buf(),
        message,
    };
    let records = read_shard_records(dirs)?;
    let Some((first_dir, first)) = records.first() else {
        return Err(refuse(
            Path::new("."),
            "give the folders of the shards to merge".into(),
        ));
    };
    let count = first.shard.1;
    let mut by_index: Vec<Option<usize>> = vec![None; count];
    for (i, (dir, r)) in records.iter().enumerate() {
        let path = dir.join(r.file_name());
        if r.callus_version != first.callus_version {
            return Err(refuse(
                &path,
                format!(
                    "written by callus {}, {} by {}; rerun the shards with one version",
                    r.callus_version,
                    first_dir.join(first.file_name()).display(),
                    first.callus_version
                ),
            ));
        }
        if r.shard.1 != count
            || r.cases != first.cases
            || r.study_fingerprint != first.study_fingerprint
            || r.sensitivity_inputs != first.sensitivity_inputs
        {
            return Err(refuse(&path, format!("a shard of another study than {} (other cases, scenario or shard count); merge the shards of one `callus sweep` command", first_dir.join(first.file_name()).display())));
        }
        let slot = &mut by_index[r.shard.0 - 1];
        if let Some(j) = slot.replace(i) {
            let other = &records[j];
            return Err(refuse(
                &path,
                format!(
                    "shard {}/{count} is also in {}; give each shard once",
                    r.shard.0,
                    other.0.display()
                ),
            ));
        }
    }
    if let Some(missing) = by_index.iter().position(Option::is_none) {
        return Err(refuse(first_dir, format!("shard {}/{count} is missing; run `callus sweep ... --shard {}/{count}` and merge its folder too", missing + 1, missing + 1)));
    }
    std::fs::create_dir_all(out_dir).map_err(file(out_dir))?;
    let mut rows: Vec<Option<CaseResult>> = vec![None; first.cases.len()];
    for (dir, record) in &records {
        for row in &record.rows {
            let i = first
                .cases
                .iter()
                .position(|c| *c == row.case)
                .ok_or_else(|| {
                    refuse(
                        &dir.join(record.file_name()),
                        format!("case {} is not in the study", row.case),
                    )
                })?;
            if row.is_ok() {
                let from = dir.join(&row.case);
                let to = out_dir.join(&row.case);
                if !from.join("summary.json").is_file() {
                    return Err(refuse(&from, "the case's folder or its summary.json is missing; rerun its shard with --resume".into()));
                }
                if !same_place(&from, &to) {
                    copy_folder(&from, &to)?;
                }
            }
            rows[i] = Some(CaseResult {
                resumed: false,
                ..row.clone()
            });
        }
    }
    let results: Vec<CaseResult> = rows
        .into_iter()
        .zip(&first.cases)
        .map(|(r, name)| {
            r.ok_or_else(|| {
                refuse(
                    first_dir,
                    format!("no shard holds a row of case {name}; rerun the shards"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    write_study_files(out_dir, &results, &first.sensitivity_inputs)?;
    Ok(results)
}

/// The shard records (`shard-K-of-N.json`) of each folder of `dirs`, with their folder; refuses a
/// folder without one, a file that is not a record and a record whose K/N is impossible.
fn read_shard_records(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardRecord)>, IoError> {
    let refuse = |path: &Path, message: String| IoError::Shards {
        path: path.to_path_buf(),
        message,
    };
    let mut records = Vec::new();
    for dir in dirs {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(file(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
            })
            .collect();
        if names.is_empty() {
            return Err(refuse(
                dir,
                "no shard record (shard-K-of-N.json) here; run `callus sweep ... --shard K/N --out` into it first".into(),
            ));
        }
        names.sort();
        for path in names {
            let text = std::fs::read_to_string(&path).map_err(file(&path))?;
            let record: ShardRecord = serde_json::from_str(&text)
                .map_err(|e| refuse(&path, format!("not a shard record of callus: {e}")))?;
            let (k, n) = record.shard;
            if !(1 <= k && k <= n) {
                return Err(refuse(&path, format!("shard {k}/{n} is impossible (1 ≤ K ≤ N); the record is damaged: rerun the shard")));
            }
            records.push((dir.clone(), record));
        }
    }
    Ok(records)
}

/// Whether two paths are the same folder (both existing).
fn same_place(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Copies the folder `from` to `to` (replacing it): into a temporary folder beside it, renamed
/// when whole, so an interrupted merge leaves no half-copied case.
fn copy_folder(from: &Path, to: &Path) -> Result<(), IoError> {
    let parent = to.parent().unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".merging-")
        .tempdir_in(parent)
        .map_err(file(parent))?;
    fn copy_into(from: &Path, to: &Path) -> Result<(), IoError> {
        std::fs::create_dir_all(to).map_err(file(to))?;
        for entry in std::fs::read_dir(from).map_err(file(from))? {
            let entry = entry.map_err(file(from))?;
            let (source, target) = (entry.path(), to.join(entry.file_name()));
            if entry.file_type().map_err(file(&source))?.is_dir() {
                copy_into(&source, &target)?;
            } else {
                std::fs::copy(&source, &target).map_err(file(&source))?;
            }
        }
        Ok(())
    }
    let staged = staging.path().join("case");
    copy_into(from, &staged)?;
    if to.exists() {
        std::fs::remove_dir_all(to).map_err(file(to))?;
    }
    std::fs::rename(&staged, to).map_err(file(to))
}

/// The study's files from its rows (in case order): `plots/`, `sweep.csv`, `sweep.h5` and, for a
/// sampled study, `sensitivity.csv` and its plot.
fn write_study_files(
    out_dir: &Path,
    results: &[CaseResult],
    sensitivity_inputs: &[String],
) -> Result<(), IoError> {
    let plotted: Vec<SweepCase> = results
        .iter()
        .map(|r| SweepCase {
            rate_mm_per_day: r.rate_mm_per_day,
            rhythm: rhythm_text(r.rhythm_steps_per_day),
            label: std::iter::once(format!(
                "{} mm/day, {}",
                r.rate_mm_per_day,
                rhythm_text(r.rhythm_steps_per_day)
            ))
            .chain(r.parameters.iter().map(|(k, v)| format!("{k} = {v}")))
            .collect::<Vec<_>>()
            .join(", "),
            bridging_day: r.bridging_day,
            healed_day: r.healed_day,
            failed: !r.is_ok(),
            stiffness: if r.is_ok() {
                stiffness_history(&out_dir.join(&r.case).join("history.csv"))
            } else {
                Vec::new()
            },
        })
        .collect();
    sweep_plots(&out_dir.join("plots"), &plotted)?;
    let columns = sweep_columns(results);
    write_atomically(&out_dir.join("sweep.csv"), csv(&columns).as_bytes())?;
    let finished: Vec<(String, PathBuf)> = results
        .iter()
        .filter(|r| r.is_ok())
        .map(|r| (r.case.clone(), out_dir.join(&r.case).join("results.h5")))
        .collect();
    write_sweep_h5(&out_dir.join("sweep.h5"), &columns, &finished)?;
    if !sensitivity_inputs.is_empty() {
        let table = sensitivity_table(results, sensitivity_inputs);
        write_atomically(&out_dir.join("sensitivity.csv"), csv(&table).as_bytes())?;
        sensitivity_plot(&out_dir.join("plots"), &table, sensitivity_inputs)?;
    }
    Ok(())
}

/// An output of a case, if it has one.
pub type Output = fn(&CaseResult) -> Option<f64>;

/// A rhythm as `sweep.csv` has it (steps per day, 0 for continuous), as a case name writes it.
fn rhythm_text(steps_per_day: u32) -> String {
    match steps_per_day {
        0 => "continuous".into(),
        n => n.to_string(),
    }
}

/// The outputs a sampled study's statistics are given for: (name, value of a row).
pub const STUDY_OUTPUTS: [(&str, Output); 5] = [
    ("healed_day", |r| r.healed_day.map(f64::from)),
    ("bridging_day", |r| r.bridging_day.map(f64::from)),
    ("final_stiffness_n_per_mm", |r| r.final_stiffness_n_per_mm),
    ("final_bone_fraction", |r| {
        r.final_fractions.map(|f| f.bone())
    }),
    ("max_peak_force_n", |r| r.max_peak_force_n),
];

/// `sensitivity.csv`: a row per output of [`STUDY_OUTPUTS`] with the cases that have it, its mean,
/// 5th and 95th percentiles, the R² of the rank regression and one SRRC column per input
/// (`srrc_<key>`).
fn sensitivity_table(results: &[CaseResult], inputs: &[String]) -> Vec<Column> {
    let input_values: Vec<Vec<f64>> = inputs
        .iter()
        .map(|key| {
            results
                .iter()
                .map(|r| {
                    r.parameters
                        .iter()
                        .find(|(k, _)| k == key)
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(f64::NAN)
                })
                .collect()
        })
        .collect();
    let stats: Vec<_> = STUDY_OUTPUTS
        .iter()
        .map(|(_, value)| {
            let y: Vec<f64> = results
                .iter()
                .map(|r| value(r).unwrap_or(f64::NAN))
                .collect();
            output_statistics(&input_values, &y)
        })
        .collect();
    let real = |name: String, f: &dyn Fn(usize) -> f64| Column {
        name,
        values: Values::Real((0..stats.len()).map(f).collect()),
    };
    let mut columns = vec![
        Column {
            name: "output".into(),
            values: Values::Text(STUDY_OUTPUTS.iter().map(|(n, _)| n.to_string()).collect()),
        },
        Column {
            name: "cases".into(),
            values: Values::Integer(stats.iter().map(|s| s.cases as i64).collect()),
        },
        real("mean".into(), &|i| stats[i].mean),
        real("p5".into(), &|i| stats[i].p5),
        real("p95".into(), &|i| stats[i].p95),
        real("rank_r2".into(), &|i| stats[i].rank_r2),
    ];
    for (k, key) in inputs.iter().enumerate() {
        columns.push(real(format!("srrc_{key}"), &|i| stats[i].srrc[k]));
    }
    columns
}

/// The columns of `sweep.csv` and `/summary` of `sweep.h5`: case, rate, rhythm, the study's keys
/// (numbers where every value is one), then the outcome.
fn sweep_columns(results: &[CaseResult]) -> Vec<Column> {
    let rows: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut row = serde_json::Map::new();
            row.insert("case".into(), r.case.clone().into());
            row.insert("rate_mm_per_day".into(), r.rate_mm_per_day.into());
            row.insert("rhythm_steps_per_day".into(), r.rhythm_steps_per_day.into());
            for (key, value) in &r.parameters {
                let cell = match value.parse::<f64>() {
                    Ok(v) if v.is_finite() => v.into(),
                    _ => value.trim_matches('"').into(),
                };
                row.insert(key.clone(), cell);
            }
            let rest = serde_json::to_value(SweepRow::of(r)).expect("a row serialises");
            if let serde_json::Value::Object(rest) = rest {
                row.extend(rest);
            }
            serde_json::Value::Object(row)
        })
        .collect();
    columns_of(&rows)
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

/// The outcome columns of a row of `sweep.csv` (its fields in order), after the study's keys.
#[derive(serde::Serialize)]
struct SweepRow<'a> {
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
            status: &r.status,
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
