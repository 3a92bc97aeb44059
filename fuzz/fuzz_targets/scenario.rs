//! Bytes (as UTF-8) into the scenario parser and its validation, `Scenario::from_toml`, which is
//! `Scenario::from_file` without the file system (that one also checks that `geometry.mesh_file`
//! and `tissues.file` exist; the mesh is read later, by `Model::build`, and fuzzed by the `gmsh`
//! target). A scenario that passes must also give its tissue catalogue (the built-in table with its
//! `[tissues.<tissue>]` properties; a `tissues.file` is not read here), its day-by-day plan, and a
//! record (`to_toml`, stored in results.h5) that reads back as the same scenario.
#![no_main]

use callus_sim::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scenario = match Scenario::from_toml(text, "fuzz.toml") {
        Ok(s) => s,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    if scenario.tissues.file.is_none() {
        if let Err(e) = scenario.tissue_catalogue("fuzz.toml") {
            let _ = e.to_string();
        }
    }
    let _ = scenario.protocol.plan();
    let record = scenario.to_toml();
    let again = Scenario::from_toml(&record, "record.toml")
        .unwrap_or_else(|e| panic!("the record of a valid scenario does not read back: {e}"));
    assert_eq!(
        again.to_toml(),
        record,
        "the record reads back as another scenario"
    );
});
