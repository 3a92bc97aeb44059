//! Convergence in element size and time step (validation/convergence/README.md), after Niemeyer
//! et al. 2018 (Figs. 8–9): the default run, the same with the element size at the gap halved
//! (validation/convergence/halved_element_size.toml) and with every time step halved
//! (halved_time_step.toml). Too slow for an unoptimised build: `#[ignore]`d here and run in release
//! by scripts/test.sh (`cargo test --release -p callus-sim --test convergence -- --ignored`).

use std::path::PathBuf;

use callus_bio::fractions::Fractions;
use callus_sim::{Scenario, SimOptions, Simulation, Summary};

fn run(file: Option<&str>) -> Summary {
    let (text, name) = match file {
        Some(f) => {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../validation/convergence")
                .join(f);
            (std::fs::read_to_string(&path).unwrap(), f.to_string())
        }
        None => (String::new(), "default".to_string()),
    };
    let s = Scenario::from_toml(&text, &name).unwrap();
    Simulation::new(&s, &name, SimOptions::default())
        .unwrap()
        .run(&mut ())
        .unwrap()
        .summary
}

/// Goal: halving the element size at the gap and halving the time step each change the bridging
/// and healed day by at most 1 day (a day that is never reached must stay so) and every final
/// tissue fraction by at most 0.02 (Niemeyer et al. 2018's criterion).
/// Scenario: the built-in default (ovine metatarsus, 1 mm/day in 4 steps, 10 mm, 40 days of
/// consolidation under a 200 N load cycle), 0.5 mm at the gap and adaptive steps of tolerance 0.02
/// from 6 s; refined: 0.25 mm (layers at 0.5 mm), and steps from 3 s at tolerance 0.005.
#[test]
#[ignore = "about 2.5 min in release on 2 cores; scripts/test.sh runs it"]
fn default_run_converges_in_element_size_and_time_step() {
    let base = run(None);
    let day = |d: Option<u32>| d.map_or("never".to_string(), |d| d.to_string());
    for file in ["halved_element_size.toml", "halved_time_step.toml"] {
        let fine = run(Some(file));
        eprintln!(
            "{file}: dofs {} → {} (default {} → {}); bridging {} vs {}, healed {} vs {}; stiffness {:.0} vs {:.0} N/mm",
            fine.mechanics_dofs_start,
            fine.mechanics_dofs_end,
            base.mechanics_dofs_start,
            base.mechanics_dofs_end,
            day(fine.bridging_day),
            day(base.bridging_day),
            day(fine.healed_day),
            day(base.healed_day),
            fine.final_stiffness_n_per_mm,
            base.final_stiffness_n_per_mm
        );
        for (what, a, b) in [
            ("bridging", fine.bridging_day, base.bridging_day),
            ("healed", fine.healed_day, base.healed_day),
        ] {
            match (a, b) {
                (Some(a), Some(b)) => assert!(a.abs_diff(b) <= 1, "{file}: {what} day {a} vs {b}"),
                (None, None) => {}
                _ => panic!("{file}: {what} day {} vs {}", day(a), day(b)),
            }
        }
        let (fine_f, base_f) = (fine.final_fractions.values(), base.final_fractions.values());
        for ((tissue, f), g) in Fractions::NAMES.iter().zip(fine_f).zip(base_f) {
            eprintln!("  {tissue:>14}: {f:.4} vs {g:.4}");
            assert!((f - g).abs() <= 0.02, "{file}: {tissue} {f} vs {g}");
        }
    }
}
