//! Checkpoints: the whole state of a run at the end of a day, from which
//! [`crate::Simulation::resume`] continues it as if it had never stopped (the same days, the same
//! numbers to the last bit).
//!
//! A checkpoint holds what the run cannot rebuild from its scenario: the mesh as grown (current and
//! reference positions), every field of the [`State`] (tissue histories, cells, vascularity,
//! pressure, displacement, carried stress, the rule's last answers), the rows and forces recorded
//! so far with the counts of the summary, and the position in the protocol's plan. The solvers,
//! the materials and the plan are rebuilt from the scenario and the state. callus-io writes it to a
//! file ([`Checkpoint`] is serde data; the file format is theirs).
//!
//! A checkpoint continues only the scenario and the version of callus that wrote it
//! ([`Checkpoint::check`]): anything else is refused, naming what differs.

use serde::{Deserialize, Serialize};

use callus_mesh::Mesh;

use crate::record::TimeShares;
use crate::simulation::Record;
use crate::state::State;
use crate::Scenario;

/// The version of callus whose checkpoints this build reads.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The state of a run after a day (see the module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The callus version that wrote it.
    pub version: String,
    /// The scenario's physics as TOML (every table but `[output]`, which changes no result).
    pub scenario_toml: String,
    /// The last day done (days since the osteotomy).
    pub day: u32,
    /// Index in the protocol's plan of the next day to run.
    pub(crate) next_day: usize,
    /// The mesh as grown, in its current configuration.
    pub(crate) mesh: Mesh,
    /// The node positions of the reference configuration (gap growth works there).
    pub(crate) reference: Vec<[f64; 3]>,
    /// Every field on the mesh.
    pub(crate) state: State,
    /// The rows, forces and counts so far.
    pub(crate) record: Record,
    /// Where the time went so far (s).
    pub(crate) shares: TimeShares,
    /// Wall time of the run so far (s).
    pub(crate) elapsed_s: f64,
}

/// Why a checkpoint cannot continue a run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckpointMismatch {
    /// Written by another version of callus.
    #[error("it was written by callus {written}, this is callus {running}; a checkpoint continues only the version that wrote it: run again without --resume")]
    Version {
        /// The version that wrote it.
        written: String,
        /// This version.
        running: String,
    },
    /// Written for another scenario.
    #[error("it was written for another scenario ({key}: `{written}` in the checkpoint, `{running}` now); resume with the scenario that wrote it, or run again without --resume")]
    Scenario {
        /// The first line of the scenario's TOML that differs (a key, or a table).
        key: String,
        /// Its value in the checkpoint's scenario.
        written: String,
        /// Its value now.
        running: String,
    },
    /// Its parts do not fit together (a damaged or hand-made file).
    #[error("it is inconsistent ({what}); it is damaged: run again without --resume")]
    Inconsistent {
        /// What does not fit.
        what: String,
    },
    /// Its plan position does not fit the scenario's protocol.
    #[error("it is after day {day}, beyond the protocol's {days} days")]
    Beyond {
        /// Its day.
        day: u32,
        /// Days in the plan.
        days: usize,
    },
}

impl Checkpoint {
    /// The physics of `scenario` as the checkpoint records it: its TOML without `[output]`.
    pub fn physics_toml(scenario: &Scenario) -> String {
        let mut physics = scenario.clone();
        physics.output = Scenario::default_scenario().output;
        physics.to_toml()
    }

    /// Whether this checkpoint can continue `scenario` with a plan of `days` days on this version.
    pub fn check(&self, scenario: &Scenario, days: usize) -> Result<(), CheckpointMismatch> {
        if self.version != VERSION {
            return Err(CheckpointMismatch::Version {
                written: self.version.clone(),
                running: VERSION.to_string(),
            });
        }
        let running = Checkpoint::physics_toml(scenario);
        if running != self.scenario_toml {
            return Err(first_difference(&self.scenario_toml, &running));
        }
        if self.next_day > days {
            return Err(CheckpointMismatch::Beyond {
                day: self.day,
                days,
            });
        }
        Ok(())
    }
}

impl Checkpoint {
    /// Whether its fields have a value per node and per element of its mesh.
    pub(crate) fn fits(&self) -> Result<(), CheckpointMismatch> {
        let (nodes, elements) = (self.mesh.num_nodes(), self.mesh.num_elements());
        let (n, e) = (&self.state.nodes, &self.state.elements);
        let sizes = [
            ("reference positions", self.reference.len(), nodes),
            ("displacements", n.displacement_mm.len(), nodes),
            ("pore pressures", n.pressure_mpa.len(), nodes),
            ("cell concentrations", n.cells.len(), nodes),
            ("vascularities", n.vascularity.len(), nodes),
            ("tissue histories", e.tissue.len(), elements),
            ("carried stresses", e.prestress_mpa.len(), elements),
            ("votes", e.vote.len(), elements),
            ("envelopes", e.today.len(), elements),
        ];
        match sizes.iter().find(|(_, have, want)| have != want) {
            Some((what, have, want)) => Err(CheckpointMismatch::Inconsistent {
                what: format!("{have} {what} for {want}"),
            }),
            None if self.next_day == 0 => Err(CheckpointMismatch::Inconsistent {
                what: "no day done".into(),
            }),
            None => Ok(()),
        }
    }
}

/// The first line in which two scenarios' TOML differ, named by its key in its table.
fn first_difference(written: &str, running: &str) -> CheckpointMismatch {
    let mut table = String::new();
    let (mut w, mut r) = (written.lines(), running.lines());
    loop {
        let (a, b) = (w.next(), r.next());
        if a == b {
            if let Some(line) = a.filter(|l| l.starts_with('[')) {
                table = line.trim_matches(['[', ']']).to_string();
            }
            if a.is_none() {
                // Equal text: no difference to name (not reached by `check`).
                return CheckpointMismatch::Scenario {
                    key: "(none)".into(),
                    written: String::new(),
                    running: String::new(),
                };
            }
            continue;
        }
        let (a, b) = (a.unwrap_or(""), b.unwrap_or(""));
        let key_of = |l: &str| l.split('=').next().unwrap_or("").trim().to_string();
        let key = match key_of(if a.is_empty() { b } else { a }) {
            k if table.is_empty() => k,
            k => format!("{table}.{k}"),
        };
        let value_of = |l: &str| l.split_once('=').map_or(l, |(_, v)| v).trim().to_string();
        return CheckpointMismatch::Scenario {
            key,
            written: value_of(a),
            running: value_of(b),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: a changed key is named with its table and both values; `[output]` changes nothing.
    #[test]
    fn another_scenario_is_named_by_its_first_differing_key() {
        let a = Scenario::default_scenario();
        let mut b = a.clone();
        b.protocol.rate_mm_per_day = 2.0;
        let err = first_difference(&Checkpoint::physics_toml(&a), &Checkpoint::physics_toml(&b));
        let CheckpointMismatch::Scenario {
            key,
            written,
            running,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(key, "protocol.rate_mm_per_day");
        assert_eq!((written.as_str(), running.as_str()), ("1.0", "2.0"));
        let mut c = a.clone();
        c.output.field_every_days = 3;
        c.output.checkpoint_every_days = 7;
        assert_eq!(Checkpoint::physics_toml(&a), Checkpoint::physics_toml(&c));
    }
}
