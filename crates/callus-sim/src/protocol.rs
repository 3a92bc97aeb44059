//! The distraction protocol as a day-by-day plan (MODEL.md §5): latency, then distraction at the
//! rate in the rhythm until the lengthening is reached (the last step may be shorter), then
//! consolidation. Day 0 is the osteotomy.

use crate::scenario::{Phase, Protocol, Rhythm};

/// Seconds in a day.
pub const DAY_S: f64 = 86_400.0;

/// One distraction step: a displacement ramp of `amount_mm` over `ramp_s`, then held until the next
/// step (or the end of the day), `interval_s` after its start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// Which step of the day (0-based).
    pub index: usize,
    /// Start within the day (s).
    pub start_s: f64,
    /// Ramp duration (s).
    pub ramp_s: f64,
    /// Lengthening of this step (mm).
    pub amount_mm: f64,
    /// From the start of this step to the start of the next, or to the end of the day (s).
    pub interval_s: f64,
}

/// What happens on one day.
#[derive(Clone, Debug, PartialEq)]
pub struct Day {
    /// Day number, 0 = osteotomy.
    pub day: u32,
    /// Phase.
    pub phase: Phase,
    /// The day's distraction steps (none outside distraction).
    pub steps: Vec<Step>,
}

impl Protocol {
    /// The plan of every day of the treatment.
    pub fn plan(&self) -> Vec<Day> {
        let mut days = Vec::new();
        for day in 0..self.latency_days {
            days.push(Day {
                day,
                phase: Phase::Latency,
                steps: vec![],
            });
        }
        let (per_day, ramp) = match self.rhythm {
            Rhythm::Steps(n) => (n, self.ramp_s),
            Rhythm::Continuous => (1, DAY_S),
        };
        let step = self.rate_mm_per_day / per_day as f64;
        let mut remaining = self.lengthening_mm;
        let mut day = self.latency_days;
        while remaining > 1e-12 * self.lengthening_mm {
            let mut steps = Vec::new();
            for k in 0..per_day {
                if remaining <= 1e-12 * self.lengthening_mm {
                    break;
                }
                let amount = step.min(remaining);
                steps.push(Step {
                    index: k as usize,
                    start_s: k as f64 * DAY_S / per_day as f64,
                    ramp_s: ramp,
                    amount_mm: amount,
                    interval_s: 0.0,
                });
                remaining -= amount;
            }
            for k in 0..steps.len() {
                let end = steps.get(k + 1).map_or(DAY_S, |s| s.start_s);
                steps[k].interval_s = end - steps[k].start_s;
            }
            days.push(Day {
                day,
                phase: Phase::Distraction,
                steps,
            });
            day += 1;
        }
        for d in 0..self.consolidation_days {
            days.push(Day {
                day: day + d,
                phase: Phase::Consolidation,
                steps: vec![],
            });
        }
        days
    }
}
