//! Bytes (as UTF-8) into the tissue table's parser and checks, `TissueCatalogue::from_toml`
//! (`from_file` without the file system). A table that passes must give every tissue's Biot
//! material and the run log's warnings.
#![no_main]

use callus_bio::tissue::TissueCatalogue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match TissueCatalogue::from_toml(text, "fuzz.toml") {
        Ok(catalogue) => {
            for (_, tissue) in catalogue.iter() {
                let _ = tissue.biot();
            }
            let _ = catalogue.warnings();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
