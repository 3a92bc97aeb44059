//! Results do not depend on the number of threads (issue 17): the same run on 1 and on 2 threads
//! (`--threads`: the assembly's pool and the factorizations) writes the same files, byte for byte
//! (`summary.json` apart from its times).
//!
//! Scenario: the small osteotomy of validation/small_run.toml (coarse axisymmetric mesh, 6 days,
//! fields every 2 days, the load cycle in consolidation).

mod common;

use common::{assert_same_outputs, repo, run};

#[test]
fn a_run_on_one_and_on_two_threads_writes_the_same_files() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = repo("validation/small_run.toml");
    let dirs = [tmp.path().join("one"), tmp.path().join("two")];
    for (threads, dir) in ["1", "2"].iter().zip(&dirs) {
        let out = run(&[
            "run",
            "--quiet",
            "--threads",
            threads,
            "--out",
            dir.to_str().unwrap(),
            scenario.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_same_outputs(&dirs[0], &dirs[1], "1 and 2 threads");
}
