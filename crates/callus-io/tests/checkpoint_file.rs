//! Checkpoint files (crates/callus-io/src/checkpoint.rs): a checkpoint reads back as it was
//! written, and a file that is not a whole checkpoint of this format, this version and this
//! scenario is refused, naming the file and what to do.
//!
//! State: the small osteotomy of validation/small_run.toml as set up (day 0), checkpointed as
//! after day 0.

use callus_io::checkpoint::{read_checkpoint, write_checkpoint, FORMAT};
use callus_sim::{CheckpointMismatch, Scenario, SimError, SimOptions, Simulation};

const SMALL: &str = include_str!("../../../validation/small_run.toml");

fn small() -> Scenario {
    Scenario::from_toml(SMALL, "small.toml").unwrap()
}

/// Goal: written, read and written again, a checkpoint gives the same bytes; it continues its own
/// scenario and refuses another version.
#[test]
fn a_checkpoint_reads_back_and_continues_only_its_version() {
    let s = small();
    let sim = Simulation::new(&s, "small.toml", SimOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.bin"), dir.path().join("b.bin"));
    write_checkpoint(&a, &sim.checkpoint(1)).unwrap();
    let back = read_checkpoint(&a).unwrap();
    write_checkpoint(&b, &back).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let resumed = Simulation::resume(&s, "small.toml", SimOptions::default(), back.clone());
    assert_eq!(resumed.map(|r| r.first_day()).ok(), Some(1));

    let mut other = back;
    other.version = "0.0.0".into();
    match Simulation::resume(&s, "small.toml", SimOptions::default(), other) {
        Err(SimError::Checkpoint {
            reason: CheckpointMismatch::Version { written, .. },
        }) => assert_eq!(written, "0.0.0"),
        other => panic!("{:?}", other.map(|_| ())),
    }
}

/// Goal: a damaged, truncated, foreign or newer-format file is refused naming the file, the
/// reason and the way out (without --resume).
#[test]
fn a_file_that_is_not_a_whole_checkpoint_is_refused() {
    let sim = Simulation::new(&small(), "small.toml", SimOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("checkpoint.bin");
    write_checkpoint(&good, &sim.checkpoint(1)).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let header = b"callus checkpoint\n".len();
    let mut damaged = bytes.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    let mut newer = bytes.clone();
    newer[header..header + 4].copy_from_slice(&(FORMAT + 1).to_le_bytes());
    for (name, content, reason) in [
        ("damaged.bin", damaged, "damaged"),
        (
            "truncated.bin",
            bytes[..bytes.len() / 2].to_vec(),
            "damaged",
        ),
        ("short.bin", bytes[..header + 5].to_vec(), "truncated"),
        (
            "foreign.bin",
            b"PK\x03\x04 a zip".to_vec(),
            "not a callus checkpoint",
        ),
        ("newer.bin", newer, "format"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let e = read_checkpoint(&path).map(|_| ()).unwrap_err().to_string();
        for needle in [name, reason, "without --resume"] {
            assert!(e.contains(needle), "{needle:?} not in: {e}");
        }
    }
}
