//! Rate × rhythm sweeps (crates/callus-io/src/sweep.rs) on the small osteotomy of
//! validation/small_run.toml (coarse axisymmetric Quad9 mesh, 1 day latency, 2 mm lengthening,
//! 3 days of consolidation under a 50 N cyclic load), without ParaView fields.

use std::path::Path;

use callus_io::results_h5::read_table;
use callus_io::sweep::{merge, sweep, CaseResult, SweepOptions};
use callus_io::table::Values;
use callus_sim::scenario::Rhythm;
use callus_sim::sweep::{cases, latin_hypercube, Case, Sampled, Shard};
use callus_sim::Scenario;

/// The columns of sweep.csv, in order: what users' scripts read.
const SWEEP_COLUMNS: &str = "case,rate_mm_per_day,rhythm_steps_per_day,status,bridging_day,healed_day,healing_index_days_per_cm,final_stiffness_n_per_mm,final_stiffness_pct_intact,max_peak_force_n,granulation_fraction,fibrous_fraction,cartilage_fraction,immature_bone_fraction,mature_bone_fraction,marrow_fraction,final_gap_mm,error";

const SMALL: &str = include_str!("../../../validation/small_run.toml");

fn small_cases(rates: &[f64], rhythms: &[Rhythm]) -> Vec<Case> {
    let base = Scenario::from_toml(SMALL, "small.toml").unwrap();
    cases(&base, rates, rhythms, "small.toml").unwrap()
}

fn run_sweep(cases: &[Case], dir: &Path, resume: bool) -> Vec<CaseResult> {
    let options = SweepOptions {
        out_dir: dir.to_path_buf(),
        fields: false,
        resume,
        shard: None,
        sensitivity_inputs: Vec::new(),
    };
    sweep(cases, "small.toml", &options, &|_| {}).unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Goal: one row per case in case order (rates outer), `continuous` written as 0, the columns the
/// users' scripts read, and a case that fails (its folder cannot be made: a file stands there)
/// is a failed row with its error while the others finish.
#[test]
fn rows_follow_the_cases_and_a_failed_case_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let cases = small_cases(&[0.5, 1.0], &[Rhythm::Steps(2), Rhythm::Continuous]);
    std::fs::write(dir.path().join("rate_1_rhythm_2"), "in the way").unwrap();
    let rows = run_sweep(&cases, dir.path(), false);
    let names: Vec<&str> = rows.iter().map(|r| r.case.as_str()).collect();
    assert_eq!(
        names,
        [
            "rate_0.5_rhythm_2",
            "rate_0.5_rhythm_continuous",
            "rate_1_rhythm_2",
            "rate_1_rhythm_continuous"
        ]
    );
    let status: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(status, ["ok", "ok", "failed", "ok"]);
    assert!(
        rows[2]
            .error
            .as_deref()
            .unwrap()
            .contains("rate_1_rhythm_2"),
        "{:?}",
        rows[2].error
    );
    for r in rows.iter().filter(|r| r.status == "ok") {
        assert!(r.final_stiffness_n_per_mm.unwrap() > 0.0);
        assert!((r.final_gap_mm.unwrap() - 3.0).abs() < 0.02);
        assert!(dir.path().join(&r.case).join("history.csv").is_file());
    }

    let csv = read(&dir.path().join("sweep.csv"));
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), SWEEP_COLUMNS);
    for (plot, label) in [
        ("stiffness.svg", "0.5 mm/day, continuous"),
        ("bridging_day.svg", "rhythm (steps/day)"),
        ("healed_day.svg", "load share"),
    ] {
        let svg = read(&dir.path().join("plots").join(plot));
        assert!(svg.starts_with("<svg") && svg.contains(label), "{plot}");
    }
    let rows_csv: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows_csv.len(), 4);
    assert_eq!(rows_csv[1][2], "0", "continuous is written as 0");
    assert_eq!(rows_csv[2][3], "failed");
    // Every finished case's final fractions (granulation … marrow) sum to 1, to the CSV's digits;
    // a failed case has none.
    let fractions = 10..16;
    for row in &rows_csv {
        let cells = &row[fractions.clone()];
        if row[3] == "ok" {
            let sum: f64 = cells.iter().map(|c| c.parse::<f64>().unwrap()).sum();
            assert!(
                (sum - 1.0).abs() < 1e-6,
                "{}: fractions sum to {sum}",
                row[0]
            );
        } else {
            assert!(cells.iter().all(|c| c.is_empty()), "{row:?}");
        }
    }

    // sweep.h5: the same rows, and the history of each case that finished.
    let h5 = hdf5::File::open(dir.path().join("sweep.h5")).unwrap();
    let summary = read_table(&h5.group("summary").unwrap()).unwrap();
    let names: Vec<&str> = summary.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.join(","), SWEEP_COLUMNS);
    let text = |i: usize| match &summary[i].values {
        Values::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(text(3), ["ok", "ok", "failed", "ok"]);
    let error = names.iter().position(|&n| n == "error").unwrap();
    assert!(
        text(error)[2].contains("rate_1_rhythm_2"),
        "{:?}",
        text(error)
    );
    let cases = h5.group("cases").unwrap().member_names().unwrap();
    assert_eq!(
        cases,
        [
            "rate_0.5_rhythm_2",
            "rate_0.5_rhythm_continuous",
            "rate_1_rhythm_continuous"
        ]
    );
    let history = read_table(&h5.group("cases/rate_1_rhythm_continuous/history").unwrap()).unwrap();
    assert_eq!(history[0].values, Values::Integer((0..6).collect()));
}

/// Goal: a sweep killed part-way (one case never finished: no summary.json, a half-written
/// history; no sweep.csv) and resumed ends with the same sweep.csv as an uninterrupted sweep, runs
/// only the unfinished case, and a resume with another scenario runs everything again.
#[test]
fn a_killed_sweep_resumed_ends_with_the_same_csv() {
    let cases = small_cases(&[0.5, 1.0], &[Rhythm::Steps(1), Rhythm::Steps(2)]);
    let (whole, killed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_sweep(&cases, whole.path(), false);

    run_sweep(&cases, killed.path(), false);
    let unfinished = killed.path().join("rate_1_rhythm_1");
    std::fs::remove_file(unfinished.join("summary.json")).unwrap();
    std::fs::write(unfinished.join("history.csv"), "day,pha").unwrap();
    std::fs::remove_file(killed.path().join("sweep.csv")).unwrap();

    let rows = run_sweep(&cases, killed.path(), true);
    let resumed: Vec<bool> = rows.iter().map(|r| r.resumed).collect();
    assert_eq!(resumed, [true, true, false, true]);
    assert_eq!(
        read(&killed.path().join("sweep.csv")),
        read(&whole.path().join("sweep.csv"))
    );
    assert_eq!(
        read(&unfinished.join("history.csv")),
        read(&whole.path().join("rate_1_rhythm_1/history.csv"))
    );

    let mut other = small_cases(&[0.5, 1.0], &[Rhythm::Steps(1), Rhythm::Steps(2)]);
    for c in &mut other {
        c.scenario.protocol.consolidation_days = 2;
    }
    let rows = run_sweep(&other, killed.path(), true);
    assert!(
        rows.iter().all(|r| !r.resumed),
        "another scenario is run again"
    );
}

/// Goal: results do not depend on the number of threads: the same sweep on a pool of 1 and of 2
/// threads (cases one after another, and two at once) writes the same sweep.csv and the same
/// histories, byte for byte and to every bit in results.h5.
#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let cases = small_cases(&[0.5, 1.0, 2.0], &[Rhythm::Steps(2)]);
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (threads, dir) in [1, 2].into_iter().zip(&dirs) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| run_sweep(&cases, dir.path(), false));
    }
    assert_eq!(
        read(&dirs[0].path().join("sweep.csv")),
        read(&dirs[1].path().join("sweep.csv"))
    );
    for c in &cases {
        let history = |d: &tempfile::TempDir| read(&d.path().join(&c.name).join("history.csv"));
        assert_eq!(history(&dirs[0]), history(&dirs[1]), "{}", c.name);
        // Every bit, not only the CSV's digits (Debug text: a missing value is NaN).
        let exact = |d: &tempfile::TempDir| {
            let h5 = hdf5::File::open(d.path().join(&c.name).join("results.h5")).unwrap();
            format!("{:?}", read_table(&h5.group("history").unwrap()).unwrap())
        };
        assert_eq!(exact(&dirs[0]), exact(&dirs[1]), "{}", c.name);
    }
}

/// Goal: a sampled study run as two shards into two folders and merged gives the files of the same
/// study run whole: `sweep.csv` and `sensitivity.csv` byte for byte, the same `sweep.h5` rows and
/// histories, the same plots; the sampled keys are columns after the rhythm. A merge with a shard
/// missing, or with a shard of another study, is refused naming the shard.
///
/// Study: the small scenario, 4 Latin-hypercube samples (seed 3) of the granulation modulus
/// (uniform 0.5–1.5 MPa) and the fixator stiffness (loguniform 500–2000 N/mm).
#[test]
fn shards_merged_equal_the_whole_study() {
    let base = Scenario::from_toml(SMALL, "small.toml").unwrap();
    let keys = [
        Sampled::parse("tissues.granulation.youngs_modulus_mpa=uniform(0.5,1.5)").unwrap(),
        Sampled::parse("fixator.stiffness_n_per_mm=loguniform(500,2000)").unwrap(),
    ];
    let cases = latin_hypercube(&base, &keys, 4, 3, "small.toml").unwrap();
    let inputs: Vec<String> = keys.iter().map(|k| k.key.clone()).collect();
    let study = |dir: &Path, shard: Option<Shard>| {
        let options = SweepOptions {
            out_dir: dir.to_path_buf(),
            fields: false,
            resume: false,
            shard,
            sensitivity_inputs: inputs.clone(),
        };
        sweep(&cases, "small.toml", &options, &|_| {}).unwrap()
    };
    let (whole, one, two, merged) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    study(whole.path(), None);
    let first = study(one.path(), Some(Shard::parse("1/2").unwrap()));
    let second = study(two.path(), Some(Shard::parse("2/2").unwrap()));
    assert_eq!((first.len(), second.len()), (2, 2));
    assert!(
        !one.path().join("sweep.csv").exists(),
        "a shard writes its record only"
    );
    assert!(one.path().join("shard-1-of-2.json").is_file());

    let e = merge(&[one.path().to_path_buf()], merged.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("shard 2/2 is missing"), "{e}");
    // A damaged record (an impossible K/N) is refused, not a panic.
    let damaged = tempfile::tempdir().unwrap();
    let record = read(&one.path().join("shard-1-of-2.json"));
    let mut json: serde_json::Value = serde_json::from_str(&record).unwrap();
    json["shard"] = serde_json::json!([3, 2]);
    std::fs::write(damaged.path().join("shard-3-of-2.json"), json.to_string()).unwrap();
    let e = merge(&[damaged.path().to_path_buf()], merged.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("impossible"), "{e}");
    assert!(merge(&[], merged.path()).is_err());
    let other = tempfile::tempdir().unwrap();
    let mut changed = cases.clone();
    changed[1].scenario.protocol.consolidation_days += 1;
    let options = SweepOptions {
        out_dir: other.path().to_path_buf(),
        fields: false,
        resume: false,
        shard: Some(Shard::parse("2/2").unwrap()),
        sensitivity_inputs: inputs.clone(),
    };
    sweep(&changed[..2], "small.toml", &options, &|_| {}).unwrap();
    let e = merge(
        &[one.path().to_path_buf(), other.path().to_path_buf()],
        merged.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("another study"), "{e}");

    let rows = merge(
        &[one.path().to_path_buf(), two.path().to_path_buf()],
        merged.path(),
    )
    .unwrap();
    assert_eq!(rows.len(), 4);
    for file in [
        "sweep.csv",
        "sensitivity.csv",
        "plots/stiffness.svg",
        "plots/sensitivity.svg",
    ] {
        assert_eq!(
            read(&merged.path().join(file)),
            read(&whole.path().join(file)),
            "{file}"
        );
    }
    let csv = read(&whole.path().join("sweep.csv"));
    assert!(
        csv.starts_with("case,rate_mm_per_day,rhythm_steps_per_day,tissues.granulation.youngs_modulus_mpa,fixator.stiffness_n_per_mm,status,"),
        "{csv}"
    );
    let sensitivity = read(&whole.path().join("sensitivity.csv"));
    let mut lines = sensitivity.lines();
    assert_eq!(
        lines.next().unwrap(),
        "output,cases,mean,p5,p95,rank_r2,srrc_tissues.granulation.youngs_modulus_mpa,srrc_fixator.stiffness_n_per_mm"
    );
    let outputs: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        outputs,
        [
            "healed_day",
            "bridging_day",
            "final_stiffness_n_per_mm",
            "final_bone_fraction",
            "max_peak_force_n"
        ]
    );
    let table = |dir: &Path| {
        let h5 = hdf5::File::open(dir.join("sweep.h5")).unwrap();
        let summary = read_table(&h5.group("summary").unwrap()).unwrap();
        let history = read_table(
            &h5.group(&format!("cases/{}/history", cases[3].name))
                .unwrap(),
        )
        .unwrap();
        // Debug text: a missing value is NaN, which == would call different.
        format!("{summary:?} {history:?}")
    };
    assert_eq!(table(merged.path()), table(whole.path()));
}
