//! `callus sweep`: a scenario at every distraction rate × rhythm, cases in parallel.

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use callus_io::sweep::{sweep, CaseResult, SweepOptions};
use callus_sim::scenario::Rhythm;
use callus_sim::sweep::cases;

#[derive(clap::Args)]
pub struct SweepArgs {
    /// Scenario file (TOML, as for `callus run`). Without it: the built-in default.
    scenario: Option<PathBuf>,
    /// Distraction rates (mm/day), comma-separated [default: the scenario's].
    #[arg(long, value_delimiter = ',')]
    rates: Vec<f64>,
    /// Rhythms (steps/day, or `continuous`), comma-separated [default: the scenario's].
    #[arg(long, value_delimiter = ',', value_parser = parse_rhythm)]
    rhythms: Vec<Rhythm>,
    /// Set a scenario key for every case, as dotted.key=value (repeatable), e.g.
    /// `--set protocol.lengthening_mm=20 --set loading.load_n=300`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// Output directory: one folder per case and sweep.csv.
    #[arg(long, short, default_value = "callus-sweep")]
    out: PathBuf,
    /// Keep the cases an earlier sweep of the same scenario finished in --out; run the rest.
    #[arg(long)]
    resume: bool,
    /// Cases run at once, one per thread [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Do not write ParaView fields for the cases.
    #[arg(long)]
    no_fields: bool,
    /// No progress bar and no table (errors still go to stderr).
    #[arg(long, short)]
    quiet: bool,
}

fn parse_rhythm(text: &str) -> Result<Rhythm, String> {
    match text.trim() {
        "continuous" | "0" => Ok(Rhythm::Continuous),
        n => match n.parse::<u32>() {
            Ok(n) if (1..=1440).contains(&n) => Ok(Rhythm::Steps(n)),
            _ => Err(format!("'{n}': give 1 to 1440 steps a day, or continuous")),
        },
    }
}

pub fn run(args: &SweepArgs) -> ExitCode {
    let Some((base, name)) = crate::run::load_scenario(args.scenario.as_deref()) else {
        return ExitCode::FAILURE;
    };
    let base = match base.with_settings(&args.settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
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
    let cases = match cases(&base, &rates, &rhythms, &name) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let threads = crate::run::threads(args.threads);
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(cases.len() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} case {pos}/{len} [{bar:30}] {elapsed_precise} (eta {eta}) {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    };
    let options = SweepOptions {
        out_dir: args.out.clone(),
        fields: !args.no_fields,
        resume: args.resume,
    };
    let on_case = |r: &CaseResult| {
        if let Some(e) = &r.error {
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
    let failed = results.iter().filter(|r| r.status != "ok").count();
    if !args.quiet {
        print_table(&results, threads);
        println!(
            "  outputs: {}/ (sweep.csv, one folder per case)",
            args.out.display()
        );
    }
    if failed > 0 {
        eprintln!(
            "error: {failed} of {} cases failed (see sweep.csv)",
            results.len()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn print_table(results: &[CaseResult], threads: usize) {
    println!(
        "callus sweep — {} cases on {threads} thread(s)",
        results.len()
    );
    println!(
        "  {:>8} {:>7} {:>9} {:>7} {:>13} {:>14} {:>10} {:>6}",
        "mm/day", "steps", "bridging", "healed", "HI (days/cm)", "stiffness N/mm", "peak N", "bone"
    );
    let opt = |v: Option<f64>, p: usize| v.map_or("—".to_string(), |v| format!("{v:.p$}"));
    for r in results {
        let rhythm = match r.rhythm_steps_per_day {
            0 => "cont.".to_string(),
            n => n.to_string(),
        };
        if r.status != "ok" {
            println!("  {:>8} {rhythm:>7} failed", r.rate_mm_per_day);
            continue;
        }
        let bone = r.final_fractions.map(|f| f.bone());
        println!(
            "  {:>8} {rhythm:>7} {:>9} {:>7} {:>13} {:>14} {:>10} {:>6}",
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
