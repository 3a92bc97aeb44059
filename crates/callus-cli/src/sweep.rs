//! `callus sweep`: a study of a scenario (a grid over rates, rhythms and any keys, or a Latin
//! hypercube of sampled keys), cases in parallel; its shards, their merge, and Slurm job arrays.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use callus_io::sweep::{merge, sweep, CaseResult, SweepOptions};
use callus_sim::scenario::Rhythm;
use callus_sim::sweep::{grid, latin_hypercube, parse_rhythm, Case, Sampled, Shard, Varied};

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    command: Option<SweepCommand>,
    #[command(flatten)]
    study: StudyArgs,
}

#[derive(clap::Subcommand)]
enum SweepCommand {
    /// Assemble the shards of one sweep (`--shard K/N`, e.g. the tasks of a Slurm job array) into
    /// the files one unsharded sweep writes: sweep.csv, sweep.h5, plots/, sensitivity.csv.
    Merge {
        /// Folders holding shard records (shard-K-of-N.json) and their case folders.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// The merged sweep's folder (case folders are copied there unless they already are).
        #[arg(long, short)]
        out: PathBuf,
        /// No table (errors still go to stderr).
        #[arg(long, short)]
        quiet: bool,
    },
}

#[derive(clap::Args, Clone)]
struct StudyArgs {
    /// Scenario file (TOML, as for `callus run`). Without it: the built-in default.
    scenario: Option<PathBuf>,
    /// Study a literature preset instead of a file (`callus presets` lists them).
    #[arg(long, value_name = "NAME", conflicts_with = "scenario")]
    preset: Option<String>,
    /// Distraction rates (mm/day), comma-separated [default: the scenario's].
    #[arg(long, value_delimiter = ',')]
    rates: Vec<f64>,
    /// Rhythms (steps/day, or `continuous`), comma-separated [default: the scenario's].
    #[arg(long, value_delimiter = ',', value_parser = parse_rhythm)]
    rhythms: Vec<Rhythm>,
    /// Vary any scenario key over values, as KEY=V1,V2,... (repeatable; the grid is every
    /// combination), e.g. `--vary fixator.stiffness_n_per_mm=500,1000,2000` or
    /// `--vary tissues.granulation.youngs_modulus_mpa=0.5,1,1.5`.
    #[arg(long = "vary", value_name = "KEY=V1,V2,...", value_parser = Varied::parse)]
    varied: Vec<Varied>,
    /// Sample a numeric key in a Latin hypercube, as KEY=uniform(A,B), KEY=loguniform(A,B) or
    /// KEY=normal(MEAN,SD) (repeatable); writes sensitivity.csv. Needs --samples.
    #[arg(long = "sample", value_name = "KEY=LAW", value_parser = Sampled::parse)]
    sampled: Vec<Sampled>,
    /// Number of Latin-hypercube samples.
    #[arg(long, requires = "sampled")]
    samples: Option<usize>,
    /// Seed of the samples (the same seed draws the same cases on any machine).
    #[arg(long, default_value_t = 1, requires = "sampled")]
    seed: u64,
    /// Set a scenario key for every case, as dotted.key=value (repeatable), e.g.
    /// `--set protocol.lengthening_mm=20 --set loading.load_n=300`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Output directory: one folder per case and sweep.csv.
    #[arg(long, short, default_value = "callus-sweep")]
    out: PathBuf,
    /// Keep the cases an earlier sweep of the same scenario finished in --out; continue the
    /// unfinished ones from their last checkpoint, run the rest.
    #[arg(long)]
    resume: bool,
    /// Cases run at once, one per thread [default: all cores].
    #[arg(long, value_parser = crate::run::parse_threads)]
    threads: Option<usize>,
    /// Do not write ParaView fields for the cases.
    #[arg(long)]
    no_fields: bool,
    /// No progress bar and no table (errors still go to stderr).
    #[arg(long, short)]
    quiet: bool,
    /// Run only shard K of N (cases dealt round-robin) and write shard-K-of-N.json for
    /// `callus sweep merge`.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse, conflicts_with = "slurm")]
    shard: Option<Shard>,
    /// Write a Slurm job array (one task per shard) and a merge job that runs when it ends, into
    /// OUT/slurm/, instead of running the cases here.
    #[arg(long)]
    slurm: bool,
    /// Tasks of the Slurm job array [default: one per case].
    #[arg(long, requires = "slurm")]
    shards: Option<usize>,
    /// Submit the job array and the merge job with sbatch.
    #[arg(long, requires = "slurm")]
    submit: bool,
    /// Cores per Slurm task: the task runs that many of its cases at once.
    #[arg(long, default_value_t = 1, requires = "slurm")]
    cpus_per_task: usize,
    /// An extra `#SBATCH` option for both jobs (repeatable), e.g. `--sbatch=--partition=long`.
    #[arg(
        long = "sbatch",
        value_name = "OPTION",
        requires = "slurm",
        allow_hyphen_values = true
    )]
    sbatch_options: Vec<String>,
}

pub fn run(args: &SweepArgs) -> ExitCode {
    match &args.command {
        Some(SweepCommand::Merge { dirs, out, quiet }) => merge_shards(dirs, out, *quiet),
        None => run_study(&args.study),
    }
}

/// The study's cases and its sampled inputs (empty for a grid); prints the error on failure.
fn study_cases(args: &StudyArgs) -> Option<(Vec<Case>, Vec<String>, String)> {
    let (base, name) = crate::run::load_scenario(args.scenario.as_deref(), args.preset.as_deref())?;
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
    };
    let base = match base.with_settings(&args.settings) {
        Ok(s) => s,
        Err(e) => {
            fail(&e);
            return None;
        }
    };
    if !args.sampled.is_empty() {
        if !args.varied.is_empty() || args.rates.len() > 1 || args.rhythms.len() > 1 {
            fail(&"--sample draws its own cases: give fixed values with --set (or one --rates/--rhythms value), not --vary or several rates or rhythms");
            return None;
        }
        let Some(samples) = args.samples else {
            fail(&"--sample needs --samples N (the number of cases to draw)");
            return None;
        };
        let mut base = base;
        if let Some(&rate) = args.rates.first() {
            base.protocol.rate_mm_per_day = rate;
        }
        if let Some(&rhythm) = args.rhythms.first() {
            base.protocol.rhythm = rhythm;
        }
        return match latin_hypercube(&base, &args.sampled, samples, args.seed, &name) {
            Ok(cases) => {
                let inputs = args.sampled.iter().map(|s| s.key.clone()).collect();
                Some((cases, inputs, name))
            }
            Err(e) => {
                fail(&e);
                None
            }
        };
    }
    let rates = if args.rates.is_empty() {
        vec![base.protocol.rate_mm_per_day]
    } else {
        args.rates.clone()
    };
    let rhythms = if args.rhythms.is_empty() {
        vec![base.protocol.rhythm]
    } else {
        args.rhythms.clone()
    };
    match grid(&base, &rates, &rhythms, &args.varied, &name) {
        Ok(cases) => Some((cases, Vec::new(), name)),
        Err(e) => {
            fail(&e);
            None
        }
    }
}

fn run_study(args: &StudyArgs) -> ExitCode {
    if let Err(e) = crate::run::check_out_dir(&args.out, "--out") {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let Some((cases, inputs, name)) = study_cases(args) else {
        return ExitCode::FAILURE;
    };
    if args.slurm {
        return match crate::slurm::write_jobs(
            args_for_tasks(args),
            cases.len(),
            &args.out,
            args.shards,
            args.cpus_per_task,
            &args.sbatch_options,
            args.submit,
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let threads = crate::run::threads(args.threads);
    let to_run = (0..cases.len())
        .filter(|&i| args.shard.is_none_or(|s| s.holds(i)))
        .count();
    let bar = progress(args.quiet, to_run);
    let options = SweepOptions {
        out_dir: args.out.clone(),
        fields: !args.no_fields,
        resume: args.resume,
        shard: args.shard,
        sensitivity_inputs: inputs,
    };
    let on_case = |r: &CaseResult| {
        if let Some(e) = r.error.as_ref().filter(|_| !r.is_ok()) {
            bar.println(format!("case {} failed: {e}", r.case));
        }
        bar.set_message(format!(
            "{} {}",
            r.case,
            if r.resumed { "(kept)" } else { "done" }
        ));
        bar.inc(1);
    };
    let results = match sweep(&cases, &name, &options, &on_case) {
        Ok(r) => r,
        Err(e) => {
            bar.abandon();
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    bar.finish_and_clear();
    if !args.quiet {
        print_table(&results, threads);
        match args.shard {
            Some(s) => println!(
                "  outputs: {}/ (shard-{}-of-{}.json and its cases; assemble with `callus sweep merge`)",
                args.out.display(),
                s.index,
                s.count
            ),
            None => println!(
                "  outputs: {}/ (sweep.csv, sweep.h5, plots/, one folder per case{})",
                args.out.display(),
                if options.sensitivity_inputs.is_empty() { "" } else { ", sensitivity.csv" }
            ),
        }
    }
    failures(&results)
}

/// The command line of a shard task: this study's arguments with absolute paths, resuming (so a
/// requeued task keeps its finished cases), quiet, without the Slurm options.
fn args_for_tasks(args: &StudyArgs) -> Vec<String> {
    let absolute = |p: &Path| {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    let mut out: Vec<String> = vec!["sweep".into()];
    if let Some(s) = &args.scenario {
        out.push(absolute(s));
    }
    if let Some(p) = &args.preset {
        out.push(format!("--preset={p}"));
    }
    if !args.rates.is_empty() {
        let rates: Vec<String> = args.rates.iter().map(|r| r.to_string()).collect();
        out.push(format!("--rates={}", rates.join(",")));
    }
    if !args.rhythms.is_empty() {
        let rhythms: Vec<String> = args
            .rhythms
            .iter()
            .map(|&r| callus_sim::sweep::rhythm_label(r))
            .collect();
        out.push(format!("--rhythms={}", rhythms.join(",")));
    }
    for v in &args.varied {
        out.push(format!("--vary={}={}", v.key, v.values.join(",")));
    }
    for s in &args.settings {
        out.push(format!("--set={s}"));
    }
    for s in &args.sampled {
        out.push(format!("--sample={}={}", s.key, s.law));
    }
    if let Some(n) = args.samples {
        out.push(format!("--samples={n}"));
        out.push(format!("--seed={}", args.seed));
    }
    if args.no_fields {
        out.push("--no-fields".into());
    }
    out.push(format!("--out={}", absolute(&args.out)));
    out.extend(["--resume".into(), "--quiet".into()]);
    out
}

fn merge_shards(dirs: &[PathBuf], out: &Path, quiet: bool) -> ExitCode {
    if let Err(e) = crate::run::check_out_dir(out, "--out") {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(dir) = dirs.iter().find(|d| !d.is_dir()) {
        eprintln!(
            "error: sweep merge {}: no such folder; give the --out folders of the shards (they hold shard-K-of-N.json)",
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    match merge(dirs, out) {
        Ok(results) => {
            if !quiet {
                print_table(&results, 0);
                println!(
                    "  outputs: {}/ (sweep.csv, sweep.h5, plots/)",
                    out.display()
                );
            }
            failures(&results)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn failures(results: &[CaseResult]) -> ExitCode {
    let failed = results.iter().filter(|r| !r.is_ok()).count();
    if failed > 0 {
        eprintln!(
            "error: {failed} of {} cases failed (see sweep.csv)",
            results.len()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn progress(quiet: bool, cases: usize) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(cases as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} case {pos}/{len} [{bar:30}] {elapsed_precise} (eta {eta}) {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn print_table(results: &[CaseResult], threads: usize) {
    if threads > 0 {
        println!(
            "callus sweep — {} cases on {threads} thread(s)",
            results.len()
        );
    } else {
        println!("callus sweep merge — {} cases", results.len());
    }
    println!(
        "  {:<24} {:>8} {:>7} {:>9} {:>7} {:>13} {:>14} {:>10} {:>6}",
        "case",
        "mm/day",
        "steps",
        "bridging",
        "healed",
        "HI (days/cm)",
        "stiffness N/mm",
        "peak N",
        "bone"
    );
    let opt = |v: Option<f64>, p: usize| v.map_or("—".to_string(), |v| format!("{v:.p$}"));
    for r in results {
        let rhythm = match r.rhythm_steps_per_day {
            0 => "cont.".to_string(),
            n => n.to_string(),
        };
        // A long grid name keeps its tail, where the varied values are.
        let name = if r.case.chars().count() > 24 {
            let tail: String = r
                .case
                .chars()
                .rev()
                .take(23)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("…{tail}")
        } else {
            r.case.clone()
        };
        if !r.is_ok() {
            println!("  {name:<24} {:>8} {rhythm:>7} failed", r.rate_mm_per_day);
            continue;
        }
        let bone = r.final_fractions.map(|f| f.bone());
        println!(
            "  {name:<24} {:>8} {rhythm:>7} {:>9} {:>7} {:>13} {:>14} {:>10} {:>6}",
            r.rate_mm_per_day,
            r.bridging_day.map_or("—".to_string(), |d| d.to_string()),
            r.healed_day.map_or("—".to_string(), |d| d.to_string()),
            opt(r.healing_index_days_per_cm, 1),
            r.final_stiffness_n_per_mm
                .map_or("—".to_string(), |s| format!("{s:.3e}")),
            opt(r.max_peak_force_n, 1),
            bone.map_or("—".to_string(), |b| format!("{:.0} %", 100.0 * b)),
        );
    }
}
