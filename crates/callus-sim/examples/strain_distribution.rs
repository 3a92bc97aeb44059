//! The distortional strain the regenerate meets during distraction, per rate: the volume-weighted
//! quantiles over the regenerate of ε_d of the relaxed state (the largest over the day of the states
//! just before the next step) and of the step peak, and of ε_h at the step peak, on the first,
//! middle and last day of distraction (MODEL.md §4b: the vascularity gates act only if these
//! strains cross 5–9 % and 14–18 % (ε_d), 4–6 % (|ε_h|)).
//!
//! ```sh
//! cargo run --release -p callus-sim --example strain_distribution -- 0.5 1 2 3
//! ```
//!
//! Runs the built-in default scenario at each rate (4 steps a day) until distraction ends, with
//! any `--set key=value` given after the rates applied to every run.

use callus_bio::Fractions;
use callus_sim::observe::volume;
use callus_sim::record::OnDay;
use callus_sim::scenario::Phase;
use callus_sim::{DayReport, Scenario, SimOptions, Simulation};

/// Volume-weighted quantiles `qs` of `values` (NaN entries skipped).
fn quantiles(values: &[f64], weights: &[f64], qs: &[f64]) -> Vec<f64> {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .zip(weights)
        .filter(|(v, _)| v.is_finite())
        .map(|(&v, &w)| (v, w))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    qs.iter()
        .map(|&q| {
            let mut acc = 0.0;
            for &(v, w) in &pairs {
                acc += w;
                if acc >= q * total {
                    return v;
                }
            }
            pairs.last().map_or(f64::NAN, |p| p.0)
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut rates = Vec::new();
    let mut sets = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--set" {
            sets.push(it.next().ok_or("--set needs key=value")?.clone());
        } else {
            rates.push(a.parse::<f64>()?);
        }
    }
    if rates.is_empty() {
        rates = vec![0.5, 1.0, 2.0, 3.0];
    }
    let qs = [0.1, 0.5, 0.9];
    println!(
        "| rate (mm/day) | day | gap (mm) | relaxed ε_d p10 / p50 / p90 | step peak ε_d p10 / p50 / p90 | step peak ε_h p10 / p50 / p90 |"
    );
    println!("|---|---|---|---|---|---|");
    for rate in rates {
        let toml = format!("[protocol]\nrate_mm_per_day = {rate}\nconsolidation_days = 1\n");
        let scenario = Scenario::from_toml(&toml, "strain_distribution")?.with_settings(&sets)?;
        let days = scenario.protocol.lengthening_mm / rate;
        let first = scenario.protocol.latency_days;
        let picks = [
            first,
            first + (days / 2.0).round() as u32 - 1,
            first + days.ceil() as u32 - 1,
        ];
        let ideal = scenario.geometry.idealisation.idealisation();
        let mut sink = OnDay(|report: &DayReport| {
            let row = report.row();
            if row.phase != Phase::Distraction || !picks.contains(&row.day) {
                return;
            }
            let snap = report.fields();
            let field = |name: &str| {
                snap.cell_fields
                    .iter()
                    .find(|f| f.name == name)
                    .map(|f| f.values.to_vec())
                    .expect("a snapshot field")
            };
            // Regenerate elements have fractions summing to 1, fixed ones all zeros.
            let mut total = vec![0.0; snap.mesh.num_elements()];
            for name in Fractions::NAMES {
                for (t, f) in total.iter_mut().zip(field(&Fractions::column(name))) {
                    *t += f;
                }
            }
            let regenerate: Vec<bool> = total.iter().map(|&t| t > 0.5).collect();
            let weights: Vec<f64> = (0..snap.mesh.num_elements())
                .map(|e| {
                    if regenerate[e] {
                        volume(snap.mesh, ideal, e)
                    } else {
                        0.0
                    }
                })
                .collect();
            let show = |name: &str| {
                let q = quantiles(&field(name), &weights, &qs);
                format!("{:.3} / {:.3} / {:.3}", q[0], q[1], q[2])
            };
            println!(
                "| {rate} | {} | {:.2} | {} | {} | {} |",
                row.day,
                row.gap_mm,
                show("relaxed_distortional_strain"),
                show("step_peak_distortional_strain"),
                show("step_peak_dilatational_strain"),
            );
        });
        Simulation::new(&scenario, "strain_distribution", SimOptions::default())?.run(&mut sink)?;
    }
    Ok(())
}
