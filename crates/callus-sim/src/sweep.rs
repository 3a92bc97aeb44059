//! The cases of a rate × rhythm sweep: the base scenario at every rate and rhythm, each validated
//! and named. Running them, in parallel and into folders, is callus-io's (`callus_io::sweep`).

use crate::scenario::{Rhythm, Scenario, ScenarioError};

/// One case of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Distraction rate (mm/day).
    pub rate_mm_per_day: f64,
    /// Rhythm.
    pub rhythm: Rhythm,
    /// The scenario of the case (the base with this rate and rhythm).
    pub scenario: Scenario,
}

impl Case {
    /// Folder name of the case, e.g. `rate_1_rhythm_4`, `rate_0.5_rhythm_continuous`.
    pub fn name(&self) -> String {
        format!(
            "rate_{}_rhythm_{}",
            self.rate_mm_per_day,
            rhythm_label(self.rhythm)
        )
    }
}

/// The rhythm as a case name has it (`4`, `continuous`).
pub fn rhythm_label(r: Rhythm) -> String {
    match r {
        Rhythm::Steps(n) => n.to_string(),
        Rhythm::Continuous => "continuous".into(),
    }
}

/// Steps per day as a number (`continuous` as 0, as in `sweep.csv`).
pub fn rhythm_number(r: Rhythm) -> u32 {
    match r {
        Rhythm::Steps(n) => n,
        Rhythm::Continuous => 0,
    }
}

/// The cases of `base` at every rate × rhythm (rates outer), each validated.
pub fn cases(
    base: &Scenario,
    rates_mm_per_day: &[f64],
    rhythms: &[Rhythm],
    file: &str,
) -> Result<Vec<Case>, ScenarioError> {
    let mut out = Vec::with_capacity(rates_mm_per_day.len() * rhythms.len());
    for &rate in rates_mm_per_day {
        for &rhythm in rhythms {
            let mut scenario = base.clone();
            scenario.protocol.rate_mm_per_day = rate;
            scenario.protocol.rhythm = rhythm;
            scenario.validate(&format!("{file} (rate {rate}, rhythm {rhythm:?})"))?;
            out.push(Case {
                rate_mm_per_day: rate,
                rhythm,
                scenario,
            });
        }
    }
    Ok(out)
}
