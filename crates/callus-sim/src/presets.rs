//! Literature presets: named scenarios shipped as commented TOML files in `data/presets/` (data, not
//! code). A preset is an overlay on the built-in default scenario with an `[about]` table (species,
//! bone, source); a scenario file that starts with `preset = "NAME"` is merged over it, so its own
//! keys override the preset's, which override the default's.

use crate::scenario::{Scenario, ScenarioError};

/// What a preset's `[about]` table says of it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// The preset's name (as `callus run --preset` takes it).
    pub name: String,
    /// The species, e.g. `sheep`.
    pub species: String,
    /// The bone, e.g. `metatarsus`.
    pub bone: String,
    /// The experiment or clinical series it reproduces (authors, year, journal).
    pub source: String,
}

/// A preset: its `[about]` and the overlay it puts on the default scenario.
#[derive(Clone, Debug)]
pub struct Preset {
    /// Name, species, bone, source.
    pub about: About,
    /// The preset's file, commented (what `callus presets NAME` prints).
    pub text: &'static str,
    /// The scenario keys it sets (the file without `[about]`).
    overlay: toml::Table,
}

/// The shipped preset files.
const FILES: [&str; 3] = [
    include_str!("../data/presets/ovine-metatarsus.toml"),
    include_str!("../data/presets/canine-tibia.toml"),
    include_str!("../data/presets/human-tibia.toml"),
];

impl Preset {
    /// Every shipped preset, in the order `callus presets` lists them.
    pub fn all() -> Vec<Preset> {
        FILES.iter().map(|text| Preset::parse(text)).collect()
    }

    /// The shipped file `text` as a preset (the files are tested to parse).
    fn parse(text: &'static str) -> Preset {
        let mut overlay: toml::Table = toml::from_str(text).expect("a shipped preset is TOML");
        let about = overlay
            .remove("about")
            .expect("a shipped preset has an [about] table")
            .try_into()
            .expect("a shipped preset's [about] names it");
        Preset {
            about,
            text,
            overlay,
        }
    }

    /// The preset called `name`; `file` names where it was asked for in the error, which lists the
    /// presets there are.
    pub fn named(name: &str, file: &str) -> Result<Preset, ScenarioError> {
        let all = Preset::all();
        let names: Vec<String> = all.iter().map(|p| p.about.name.clone()).collect();
        all.into_iter()
            .find(|p| p.about.name == name)
            .ok_or_else(|| ScenarioError::Value {
                file: file.to_string(),
                key: "preset".into(),
                value: format!("\"{name}\""),
                why: format!(
                    "no such preset; the presets are {} (`callus presets` lists them)",
                    names.join(", ")
                ),
            })
    }

    /// The scenario keys the preset sets over the default.
    pub fn overlay(&self) -> &toml::Table {
        &self.overlay
    }

    /// The preset's whole scenario.
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(
            &format!("preset = \"{}\"", self.about.name),
            &format!("preset {}", self.about.name),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: every shipped preset parses into a valid scenario under the name it is listed by, the
    /// names are distinct, and the ovine preset is the built-in default exactly.
    #[test]
    fn every_preset_is_a_valid_scenario() {
        let all = Preset::all();
        assert!(all.len() >= 3);
        for (i, p) in all.iter().enumerate() {
            p.scenario()
                .unwrap_or_else(|e| panic!("preset {}: {e}", p.about.name));
            assert!(all[..i].iter().all(|q| q.about.name != p.about.name));
            assert!(!p.about.source.is_empty(), "{} has no source", p.about.name);
        }
        let ovine = Preset::named("ovine-metatarsus", "test").unwrap();
        assert_eq!(ovine.scenario().unwrap(), Scenario::default_scenario());
    }

    /// Goal: a scenario that names a preset takes the preset's keys, its own keys win over them,
    /// and an unknown name is refused naming the key and listing the presets.
    #[test]
    fn a_scenario_starts_from_its_preset_and_overrides_it() {
        let canine = Preset::named("canine-tibia", "test")
            .unwrap()
            .scenario()
            .unwrap();
        assert_ne!(canine, Scenario::default_scenario());
        let own = Scenario::from_toml(
            "preset = \"canine-tibia\"\n[protocol]\nrate_mm_per_day = 2.0\n",
            "mine.toml",
        )
        .unwrap();
        assert_eq!(own.protocol.rate_mm_per_day, 2.0);
        assert_eq!(own.geometry, canine.geometry);
        assert_eq!(own.protocol.latency_days, canine.protocol.latency_days);
        let err = Scenario::from_toml("preset = \"ovine\"", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mine.toml: preset = \"ovine\"")
                && err.contains("ovine-metatarsus, canine-tibia, human-tibia"),
            "{err}"
        );
        let err = Scenario::from_toml("preset = 3", "mine.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("preset = 3"), "{err}");
    }
}
