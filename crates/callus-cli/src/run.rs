//! `callus run`: one simulation, with a progress bar and a short summary.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use callus_bio::Fractions;
use callus_io::run_files::{checkpoint_path, Start};
use callus_io::{run as simulate, RunOptions};
use callus_sim::presets::Preset;
use callus_sim::scenario::DEFAULT_SCENARIO_TOML;
use callus_sim::{DayReport, Scenario, Summary};

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML; every key optional, see --print-default). Without it: the built-in
    /// default (ovine metatarsus, 1 mm/day in 4 steps, 7-day latency, 10 mm, 40 days consolidation).
    scenario: Option<PathBuf>,
    /// Run a literature preset instead (`callus presets` lists them); to change some of its keys,
    /// write a scenario file starting with `preset = "NAME"`.
    #[arg(long, value_name = "NAME", conflicts_with = "scenario")]
    preset: Option<String>,
    /// Output directory (created; files in it are replaced).
    #[arg(long, short, default_value = "callus-run")]
    out: PathBuf,
    /// Print the built-in default scenario, commented, and exit (a file to start from).
    #[arg(long)]
    print_default: bool,
    /// No progress bar and no summary (errors still go to stderr).
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON on stdout (no progress bar).
    #[arg(long)]
    json: bool,
    /// Threads [default: all cores].
    #[arg(long, value_parser = parse_threads)]
    threads: Option<usize>,
    /// Do not write ParaView fields (histories and summary only).
    #[arg(long)]
    no_fields: bool,
    /// Continue an interrupted run from the last checkpoint in --out (restart/checkpoint.bin,
    /// written every output.checkpoint_every_days); without one, run from day 0. Give the scenario
    /// and options of the interrupted run: its outputs then end as an uninterrupted run's.
    #[arg(long)]
    resume: bool,
}

/// The scenario of `path`, or of the preset `preset`, or the built-in default, and its name for
/// messages; prints the error and gives `None` if the file or the name is bad.
pub fn load_scenario(path: Option<&Path>, preset: Option<&str>) -> Option<(Scenario, String)> {
    let loaded = match (path, preset) {
        (Some(path), _) => Scenario::from_file(path).map(|s| (s, path.display().to_string())),
        (None, Some(name)) => Preset::named(name, "--preset")
            .and_then(|p| p.scenario())
            .map(|s| (s, format!("preset {name}"))),
        (None, None) => Ok((Scenario::default_scenario(), "built-in default".to_string())),
    };
    loaded.map_err(|e| eprintln!("error: {e}")).ok()
}

/// A `--threads` value: a whole number, 1 or more.
pub fn parse_threads(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err(
            "0 threads would run nothing: give 1 or more, or leave --threads out to use every core"
                .into(),
        ),
        Ok(n) => Ok(n),
        Err(_) => Err("give a whole number of threads, 1 or more".into()),
    }
}

/// Refuses an output folder that cannot be one (it, or the first of its parents that exists, is a
/// file), before any work; `flag` names the option in the message.
pub fn check_out_dir(out: &Path, flag: &str) -> Result<(), String> {
    match out.ancestors().find(|p| p.exists()) {
        Some(p) if !p.is_dir() => {
            let what = if p == out {
                "is a file".to_string()
            } else {
                format!("{} is a file", p.display())
            };
            Err(format!(
                "{flag} {}: {what}, not a folder; give a folder for the outputs (it is made if missing)",
                out.display()
            ))
        }
        _ => Ok(()),
    }
}

/// The number of threads (`requested`, or all cores), with the global rayon pool set to it: the
/// pool runs the parallel assembly, and a sweep's cases. A second call (tests) keeps the first pool.
pub fn threads(requested: Option<usize>) -> usize {
    let threads = requested
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    threads
}

pub fn run(args: &RunArgs) -> ExitCode {
    if args.print_default {
        print!("{DEFAULT_SCENARIO_TOML}");
        return ExitCode::SUCCESS;
    }
    if let Err(e) = check_out_dir(&args.out, "--out") {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let Some((scenario, name)) = load_scenario(args.scenario.as_deref(), args.preset.as_deref())
    else {
        return ExitCode::FAILURE;
    };
    if args.resume
        && args.out.join("summary.json").is_file()
        && !checkpoint_path(&args.out).is_file()
    {
        eprintln!(
            "{}/ holds a finished run (summary.json): nothing to resume; run without --resume to run it again",
            args.out.display()
        );
        return ExitCode::SUCCESS;
    }
    let threads = threads(args.threads);
    let bar = if args.quiet || args.json {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} day {pos}/{len} [{bar:30}] {elapsed_precise} (eta {eta}) {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar
    };
    let options = RunOptions {
        out_dir: args.out.clone(),
        threads,
        fields: !args.no_fields,
        resume: args.resume,
    };
    let talk = !(args.quiet || args.json);
    let mut on_start = |start: Start| match start {
        Start::Resumed { after_day } if talk => bar.println(format!(
            "resuming after day {after_day} from {}",
            checkpoint_path(&args.out).display()
        )),
        Start::Fresh if talk && args.resume => bar.println(format!(
            "no checkpoint in {}/: running from day 0",
            args.out.display()
        )),
        _ => {}
    };
    let mut on_day = |d: &DayReport| {
        bar.set_length(d.days_in_plan as u64);
        bar.set_position(d.history.len() as u64);
        let r = d.row();
        bar.set_message(format!(
            "{:?}, gap {:.2} mm, stiffness {:.3e} N/mm, bone {:.0} %",
            r.phase,
            r.gap_mm,
            r.callus_stiffness_n_per_mm,
            100.0 * r.fractions.bone()
        ));
    };
    match simulate(&scenario, &name, &options, &mut on_start, &mut on_day) {
        Ok(outcome) => {
            let summary = outcome.summary;
            bar.finish_and_clear();
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).expect("a summary serialises")
                );
            } else if !args.quiet {
                print_summary(&summary, &args.out);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            bar.abandon();
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_summary(s: &Summary, out: &Path) {
    let opt =
        |v: Option<f64>, unit: &str| v.map_or("—".to_string(), |v| format!("{v:.1} {unit}"));
    println!("callus {} — {}", s.version, s.scenario_file);
    println!(
        "  bridging day        {}",
        s.bridging_day
            .map_or("not bridged".to_string(), |d| d.to_string())
    );
    println!(
        "  healed day          {} (the fixator's load share below 10 %)",
        s.healed_day
            .map_or("not healed".to_string(), |d| d.to_string())
    );
    println!(
        "  healing index       {}",
        opt(s.healing_index_days_per_cm, "days/cm")
    );
    println!(
        "  final stiffness     {:.4e} N/mm ({:.1} % of intact bone)",
        s.final_stiffness_n_per_mm, s.final_stiffness_pct_intact
    );
    println!("  largest step force  {}", opt(s.max_peak_force_n, "N"));
    let fractions: Vec<String> = Fractions::NAMES
        .iter()
        .zip(s.final_fractions.values())
        .map(|(name, f)| format!("{} {f:.2}", name.replace('_', " ")))
        .collect();
    println!("  final regenerate    {}", fractions.join(", "));
    println!(
        "  gap                 {:.2} mm after {} days; {} layers inserted, {} elements",
        s.final_gap_mm, s.days, s.layers_inserted, s.final_elements
    );
    println!(
        "  mechanics unknowns  {} on the first day, {} on the last",
        s.mechanics_dofs_start, s.mechanics_dofs_end
    );
    println!(
        "  run time            {:.1} s (factorizations {:.1} s, solves {:.1} s, assembly {:.1} s, biology {:.1} s)",
        s.run_time_s,
        s.time.mechanics.factorization_s,
        s.time.mechanics.solve_s,
        s.time.mechanics.assembly_s,
        s.time.biology_s
    );
    println!(
        "  outputs             {}/ (history.csv, forces.csv, summary.json, fields.pvd)",
        out.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: `--threads 0` is refused with the fix (it used to run on one thread as if 1 were
    /// asked); any positive count is taken.
    #[test]
    fn zero_threads_are_refused() {
        assert!(parse_threads("0").unwrap_err().contains("1 or more"));
        assert!(parse_threads("many").is_err());
        assert_eq!(parse_threads("3"), Ok(3));
    }

    /// Goal: an output folder that is a file, or lies under one, is refused naming the file; a
    /// folder that exists or can be made is taken.
    #[test]
    fn an_output_folder_that_is_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("taken");
        std::fs::write(&file, "").unwrap();
        for out in [file.clone(), file.join("run")] {
            let e = check_out_dir(&out, "--out").unwrap_err();
            assert!(
                e.contains(&file.display().to_string()) && e.contains("is a file"),
                "{e}"
            );
        }
        assert!(check_out_dir(dir.path(), "--out").is_ok());
        assert!(check_out_dir(&dir.path().join("new/run"), "--out").is_ok());
    }
}
