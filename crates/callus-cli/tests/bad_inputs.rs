//! The bad-input corpus (issue 17): every case of `tests/bad_inputs/cases.toml` runs the `callus`
//! binary on a hand-made bad input (broken, truncated, inverted, disconnected and mislabelled meshes;
//! scenarios with wrong types, units, negative or NaN values, unknown keys, impossible protocols,
//! missing regions or sets; broken tissue tables; wrong command-line arguments).
//!
//! Goal: a user's mistake is refused before any simulation day runs, with a message that names the
//! file, the line, key or element, and the fix; never a panic, never an output folder that looks
//! finished. Input: the case's arguments, run from the fixtures folder (so relative paths are the
//! fixtures'), with `{out}` replaced by a fresh folder where a run would write. Checked, for every
//! case at once (all failures are reported together): the exit status the case states (1 for a
//! refused input, 2 for clap's usage errors), every expected substring in stderr, no
//! "panicked"/"RUST_BACKTRACE" in it, and no file left under the output folder (so no
//! `summary.json`, no half-written or temporary file).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

/// `tests/bad_inputs/cases.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

/// One bad input and the error it must give.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// Short name, for the report.
    name: String,
    /// What is wrong with the input.
    what: String,
    /// The arguments of `callus`; `{out}` is the case's output folder.
    args: Vec<String>,
    /// 1 (callus refuses the input) or 2 (clap refuses the arguments).
    expect_status: i32,
    /// Substrings of stderr: the file (or argument), the line, key or element, and a word of the fix.
    expect: Vec<String>,
    /// A plain file made at this path inside the output folder before the run (an `--out` that is
    /// a file, say).
    #[serde(default)]
    make_file: Option<String>,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

/// Every file under `dir` (none if it does not exist), as paths relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found
}

/// Runs one case; the list of what is wrong with the outcome (empty if it is as expected).
fn check(case: &Case) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let made = case.make_file.as_ref().map(|name| {
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(name), "a file, not a folder\n").unwrap();
        PathBuf::from(name)
    });
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("{out}", &out.to_string_lossy()))
        .collect();
    let run = Command::new(env!("CARGO_BIN_EXE_callus"))
        .args(&args)
        .current_dir(fixtures())
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    let mut problems = Vec::new();
    if run.status.code() != Some(case.expect_status) {
        problems.push(format!(
            "exit status {:?}, expected {}",
            run.status.code(),
            case.expect_status
        ));
    }
    for needle in &case.expect {
        if !stderr.contains(needle.as_str()) {
            problems.push(format!("stderr lacks {needle:?}"));
        }
    }
    for bad in ["panicked", "RUST_BACKTRACE"] {
        if stderr.contains(bad) {
            problems.push(format!("stderr has {bad:?}"));
        }
    }
    let left: Vec<PathBuf> = files_under(&out)
        .into_iter()
        .filter(|f| Some(f) != made.as_ref())
        .collect();
    if !left.is_empty() {
        problems.push(format!("files left in the output folder: {left:?}"));
    }
    if !problems.is_empty() {
        problems.push(format!("stderr was: {}", stderr.trim_end()));
    }
    problems
}

/// Goal, input and checks: as the file's header says, for every case of cases.toml.
#[test]
fn every_bad_input_is_refused_naming_file_place_and_fix() {
    let text = std::fs::read_to_string(fixtures().join("cases.toml")).unwrap();
    let manifest: Manifest = toml::from_str(&text).expect("cases.toml is a valid manifest");
    assert!(
        manifest.case.len() >= 25,
        "the issue asks for 25 cases at least"
    );
    let mut failures = Vec::new();
    for case in &manifest.case {
        assert!(
            matches!(case.expect_status, 1 | 2) && case.expect.len() >= 2,
            "case {}: a status of 1 or 2 and the file and the place (and the fix) to expect",
            case.name
        );
        let problems = check(case);
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({}): {}\n  {}",
                case.name,
                case.what,
                case.args.join(" "),
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs are not refused as they should be:\n{}",
        failures.len(),
        manifest.case.len(),
        failures.join("\n")
    );
}

/// Goal: the corpus has no stray files: every fixture is named by a case's arguments or by a
/// scenario of the corpus (a mesh or tissue table it points to). Input: the folder's files and
/// cases.toml. Checked: each file other than cases.toml is mentioned somewhere.
#[test]
fn every_fixture_is_used_by_a_case() {
    let dir = fixtures();
    let manifest = std::fs::read_to_string(dir.join("cases.toml")).unwrap();
    let scenarios: String = files_under(&dir)
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "toml"))
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect();
    let unused: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|f| f.as_os_str() != "cases.toml")
        .filter(|f| {
            let name = format!("\"{}\"", f.display());
            !manifest.contains(&name) && !scenarios.contains(&name)
        })
        .collect();
    assert!(unused.is_empty(), "fixtures no case uses: {unused:?}");
}
