//! What the whole-run tests share: the `callus` binary, and the comparison of two run folders.

#![allow(dead_code)] // each test file uses its part

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `callus` binary of this build.
pub fn callus() -> Command {
    Command::new(env!("CARGO_BIN_EXE_callus"))
}

/// Runs `callus` with `args`.
pub fn run(args: &[&str]) -> Output {
    callus().args(args).output().expect("callus starts")
}

/// A file of the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Every file under `dir`, by its path relative to `dir`.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                found.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    found
}

/// `summary.json` without the keys that time the run (`run_time_s`, `time`).
fn summary_without_times(bytes: &[u8]) -> serde_json::Value {
    let mut summary: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let map = summary.as_object_mut().unwrap();
    assert!(map.remove("run_time_s").is_some() && map.remove("time").is_some());
    summary
}

/// Asserts that two run folders hold the same files with the same bytes, `summary.json` apart from
/// its times; names every file that differs.
pub fn assert_same_outputs(expected: &Path, got: &Path, what: &str) {
    let (a, b) = (files(expected), files(got));
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "{what}: the files differ");
    let differing: Vec<&String> = a
        .iter()
        .filter(|(name, bytes)| {
            let other = &b[*name];
            if name.as_str() == "summary.json" {
                summary_without_times(bytes) != summary_without_times(other)
            } else {
                *bytes != other
            }
        })
        .map(|(name, _)| name)
        .collect();
    assert!(
        differing.is_empty(),
        "{what}: these files differ: {differing:?}"
    );
}
