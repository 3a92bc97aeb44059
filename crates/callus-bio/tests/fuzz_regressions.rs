//! The tissue table's reader against the fuzzer's inputs (fuzz/, target `tissues`): every seed
//! replayed through the fuzz target's calls. The runs so far found nothing; a finding's input goes
//! to tests/fixtures/fuzz with a test of its error (as in callus-mesh and callus-sim).

use std::path::{Path, PathBuf};

use callus_bio::tissue::TissueCatalogue;
use callus_bio::BioError;

/// What the `tissues` fuzz target does with its bytes: parse and check the table, then every
/// tissue's Biot material and the warnings of a table that passes. A panic fails the test.
fn exercise(bytes: &[u8], path: &Path) -> Result<(), BioError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(());
    };
    let catalogue = TissueCatalogue::from_toml(text, &path.display().to_string())?;
    for (_, tissue) in catalogue.iter() {
        tissue.biot();
    }
    catalogue.warnings();
    Ok(())
}

/// Goal: the fuzz target's seeds read without a panic.
/// Input: fuzz/seeds/tissues and the built-in table (what fuzz/seed.sh copies into the corpus).
/// Checks: each gives a catalogue or an error, and the built-in table a catalogue.
#[test]
fn fuzz_seeds_replay_without_panic() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![crate_dir.join("data/tissues.toml")];
    let seeds = crate_dir.join("../../fuzz/seeds/tissues");
    for entry in std::fs::read_dir(&seeds).unwrap_or_else(|e| panic!("{}: {e}", seeds.display())) {
        files.push(entry.unwrap().path());
    }
    let mut read = 0;
    for path in &files {
        if exercise(&std::fs::read(path).unwrap(), path).is_ok() {
            read += 1;
        }
    }
    assert!(
        files.len() >= 2 && read >= 1,
        "{read} of {} read",
        files.len()
    );
}
