//! Runs that survive a kill (issue 17): a run killed with SIGKILL at a seeded day and continued
//! with `callus run --resume` ends with the files of an uninterrupted run — `history.csv`,
//! `forces.csv`, the fields (VTU, PVD), `results.h5` and `results.xdmf`, the plots, byte for byte,
//! and `summary.json` apart from its times — and leaves no `restart/` folder. A checkpoint of
//! another scenario is refused, naming the key that differs.
//!
//! Scenarios: the small osteotomy of validation/small_run.toml (coarse axisymmetric mesh, 6 days:
//! latency, distraction with layer insertion, consolidation under load; in the default suite), and
//! the built-in default (ovine metatarsus) shortened to 4 mm of lengthening and 6 days of
//! consolidation (release, `--ignored`). Checkpoints every 2 days, so the resumed run
//! redoes the days after the last one; fields every 2 days.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{assert_same_outputs, callus};

/// A reproducible day from `seed` in `1..days - 1` (a kill before the last day), printed so that
/// a failure can be replayed.
fn seeded_day(seed: u64, days: usize) -> usize {
    let mixed = seed
        .wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .rotate_left(17)
        .wrapping_mul(0xbf58_476d_1ce4_e5b9);
    1 + (mixed % (days as u64 - 2)) as usize
}

/// Rows in `dir/history.csv` (days done), 0 before the first.
fn days_done(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("history.csv")).map_or(0, |t| t.lines().count().max(1) - 1)
}

/// Runs `scenario` into `dir` and kills it with SIGKILL once `kill_after` days are done; panics if
/// the run ends first (the test would prove nothing).
fn run_and_kill(scenario: &Path, dir: &Path, kill_after: usize) {
    let mut child = callus()
        .args(["run", "--quiet", "--threads", "1", "--out"])
        .arg(dir)
        .arg(scenario)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while days_done(dir) < kill_after {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) before day {kill_after}: nothing was killed");
        }
        assert!(start.elapsed() < Duration::from_secs(1800), "the run hangs");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert!(
        !dir.join("summary.json").exists(),
        "killed after {} days, the run had finished",
        days_done(dir)
    );
}

fn run_whole(scenario: &Path, dir: &Path, extra: &[&str]) {
    let out = callus()
        .args(["run", "--quiet", "--threads", "1", "--out"])
        .arg(dir)
        .arg(scenario)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Kills a run of `scenario_text` at the day of each of `seeds` and resumes it; compares each with
/// a whole run.
fn killed_and_resumed_equals_uninterrupted(scenario_text: &str, seeds: &[u64]) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("scenario.toml");
    std::fs::write(&scenario, scenario_text).unwrap();
    let whole = tmp.path().join("whole");
    run_whole(&scenario, &whole, &[]);
    let days = days_done(&whole);
    for &seed in seeds {
        let killed = tmp.path().join(format!("killed-{seed}"));
        let kill_after = seeded_day(seed, days);
        eprintln!("seed {seed}: killing after day {kill_after} of {days}");
        run_and_kill(&scenario, &killed, kill_after);
        assert!(
            killed.join("restart/checkpoint.bin").is_file() || kill_after < 2,
            "no checkpoint after {kill_after} days"
        );
        // What a kill in the middle of a write leaves (the kill may or may not have made one).
        std::fs::write(killed.join(".forces.csv.k1ll3d.tmp"), "day,ti").unwrap();
        std::fs::write(killed.join("fields/.day_003.vtu.k1ll3d.tmp"), "<VTK").unwrap();
        run_whole(&scenario, &killed, &["--resume"]);
        assert_same_outputs(&whole, &killed, &format!("killed after day {kill_after}"));
        assert!(!killed.join("restart").exists(), "restart/ is left");
    }
}

/// `base` (which has no `[output]` table) with checkpoints and fields every 2 days.
fn with_checkpoints(base: &str) -> String {
    format!("{base}\n[output]\nfield_every_days = 2\ncheckpoint_every_days = 2\n")
}

/// The small scenario without its `[output]` table.
fn small() -> String {
    let output = "[output]\nfield_every_days = 2\n";
    assert!(SMALL.contains(output));
    SMALL.replace(output, "")
}

const SMALL: &str = include_str!("../../../validation/small_run.toml");

/// Goal: the small run killed at a seeded day and resumed writes the files of a whole run.
#[test]
fn small_run_killed_at_a_seeded_day_resumes_to_the_same_files() {
    let text = with_checkpoints(&small());
    killed_and_resumed_equals_uninterrupted(&text, &[17]);
}

/// Goal: as above, on the default scenario shortened (layer insertions and rezonings in
/// distraction, the load cycle in consolidation), at the days of three seeds.
#[test]
#[ignore = "release: 7 runs of the shortened default scenario"]
fn default_run_killed_at_seeded_days_resumes_to_the_same_files() {
    let text = with_checkpoints("[protocol]\nlengthening_mm = 4.0\nconsolidation_days = 6\n");
    killed_and_resumed_equals_uninterrupted(&text, &[1, 2, 3]);
}

/// Goal: a sweep killed while its case runs, resumed with `callus sweep --resume`, continues the
/// case from its checkpoint and ends with the case's files and the `sweep.csv` of a whole sweep.
///
/// Study: the small scenario (checkpoints every 2 days) at 1 mm/day in 2 steps, one case.
#[test]
fn a_sweep_killed_mid_case_resumes_the_case_from_its_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("scenario.toml");
    std::fs::write(&scenario, with_checkpoints(&small())).unwrap();
    let sweep = |dir: &Path, extra: &[&str]| {
        let mut c = callus();
        c.args([
            "sweep",
            "--quiet",
            "--threads",
            "1",
            "--rates",
            "1",
            "--rhythms",
            "2",
        ])
        .arg("--out")
        .arg(dir)
        .arg(&scenario)
        .args(extra);
        c
    };
    let (whole, killed) = (tmp.path().join("whole"), tmp.path().join("killed"));
    assert!(sweep(&whole, &[]).status().unwrap().success());
    let case = killed.join("rate_1_rhythm_2");
    let mut child = sweep(&killed, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while days_done(&case) < 4 {
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended first");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let checkpoint = case.join("restart/checkpoint.bin");
    assert!(checkpoint.is_file() && !case.join("summary.json").exists());
    // The resumed sweep reads the checkpoint: damaged, the case fails naming it.
    let saved = std::fs::read(&checkpoint).unwrap();
    let mut damaged = saved.clone();
    *damaged.last_mut().unwrap() ^= 1;
    std::fs::write(&checkpoint, damaged).unwrap();
    let out = sweep(&killed, &["--resume"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let csv = std::fs::read_to_string(killed.join("sweep.csv")).unwrap();
    assert!(csv.contains("checkpoint is damaged"), "{csv}");
    std::fs::write(&checkpoint, saved).unwrap();
    let out = sweep(&killed, &["--resume"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_outputs(&whole.join("rate_1_rhythm_2"), &case, "the resumed case");
    assert_eq!(
        std::fs::read(whole.join("sweep.csv")).unwrap(),
        std::fs::read(killed.join("sweep.csv")).unwrap()
    );
}

/// Goal: a checkpoint continues only its own scenario: resuming with another rate is refused
/// (exit 1) naming the checkpoint file and the key, and the folder is left as it was.
#[test]
fn a_checkpoint_of_another_scenario_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("scenario.toml");
    let text = with_checkpoints(&small());
    std::fs::write(&scenario, &text).unwrap();
    let dir = tmp.path().join("run");
    run_and_kill(&scenario, &dir, 3);
    let before = common::files(&dir);
    let other = tmp.path().join("other.toml");
    std::fs::write(
        &other,
        text.replace("rate_mm_per_day = 1.0", "rate_mm_per_day = 0.5"),
    )
    .unwrap();
    let out = callus()
        .args(["run", "--quiet", "--resume", "--out"])
        .arg(&dir)
        .arg(&other)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for needle in [
        "restart/checkpoint.bin",
        "protocol.rate_mm_per_day",
        "without --resume",
    ] {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
    assert_eq!(
        common::files(&dir),
        before,
        "the refused resume changed the folder"
    );
}

/// Goal: a run that goes wrong stops (exit 1) naming the day, the step, the element and the fix,
/// and leaves the days done and the last checkpoint in its folder, with no `summary.json`;
/// resumed, it continues from that checkpoint and stops at the same place.
///
/// Scenario: the small one with 3 days of latency, checkpoints every day, then a 4 mm step into the
/// 1 mm gap with neither layers nor rezoning, which turns the callus beside the cortex corner
/// inside out on day 3 (as in callus-sim's daily_loop test).
#[test]
fn a_run_that_goes_wrong_keeps_its_days_and_its_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("scenario.toml");
    let text = format!(
        "{}\n[output]\ncheckpoint_every_days = 1\n",
        small()
            .replace("latency_days = 1", "latency_days = 3")
            .replace("rate_mm_per_day = 1.0", "rate_mm_per_day = 4.0")
            .replace("rhythm = 2", "rhythm = 1")
            .replace("lengthening_mm = 2.0", "lengthening_mm = 4.0")
            .replace(
                "[numerics]\n",
                "[numerics]\nrezone_regions = []\nmax_element_height_mm = 50.0\n"
            )
    );
    std::fs::write(&scenario, text).unwrap();
    let dir = tmp.path().join("run");
    let attempt = |extra: &[&str]| {
        let out = callus()
            .args(["run", "--quiet", "--out"])
            .arg(&dir)
            .arg(&scenario)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = attempt(&[]);
    for needle in [
        "day 3",
        "distraction step 0",
        "element",
        "turned over",
        "protocol.rhythm",
    ] {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
    assert_eq!(days_done(&dir), 3, "the days done are not kept");
    assert!(dir.join("restart/checkpoint.bin").is_file());
    assert!(!dir.join("summary.json").exists());
    assert_eq!(attempt(&["--resume"]), err);
}
