//! Scenarios: everything a run needs, as a TOML file (MODEL.md §5). The built-in default is the
//! commented file `data/default_scenario.toml` (printed by `callus run --print-default`); a user's
//! file is merged over it, so every key is optional, then read strictly: unknown keys, impossible
//! values and missing files are refused before any work, naming the key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use callus_bio::cells::CellParams;
use callus_bio::rules::RuleChoice;
use callus_bio::state::{ModulusMixing, PermeabilityMixing};
use callus_bio::tissue::TissueCatalogue;
use callus_bio::vascularity::VascularityParams;
use callus_bio::BioError;
use callus_fem::Idealisation;
use callus_mesh::generate::OsteotomyGeometry;

/// The default scenario, commented.
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../data/default_scenario.toml");

/// The longest protocol a scenario may describe (days from the osteotomy): ten years, far beyond any
/// treatment (a 20 cm bone transport at 1 mm/day with a year of consolidation is under 600 days), so
/// that a wrong unit (a rate of 1e-9 mm/day) is refused instead of planning billions of days.
pub const MAX_PLAN_DAYS: u32 = 3650;

/// A scenario that cannot be run, with the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file is unreadable or not valid TOML, or a key is unknown or of the wrong type.
    #[error("{file}: {message}")]
    Parse {
        /// The scenario file.
        file: String,
        /// The parser's message (with the key and line).
        message: String,
    },
    /// A value out of range.
    #[error("{file}: {key} = {value}: {why}")]
    Value {
        /// The scenario file.
        file: String,
        /// Dotted key, e.g. `protocol.rate_mm_per_day`.
        key: String,
        /// The value given.
        value: String,
        /// What is wrong and what would be right.
        why: String,
    },
}

impl ScenarioError {
    /// The same error, naming `file` (a study's case) as where it is.
    pub fn in_file(self, file: &str) -> ScenarioError {
        match self {
            ScenarioError::Parse {
                file: given,
                message,
            } => ScenarioError::Parse {
                file: file.to_string(),
                message: format!("{given}: {message}"),
            },
            ScenarioError::Value {
                key, value, why, ..
            } => ScenarioError::Value {
                file: file.to_string(),
                key,
                value,
                why,
            },
        }
    }
}

/// Geometry: the built-in osteotomy or a Gmsh mesh.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geometry {
    /// "axisymmetric" or "3d".
    pub idealisation: IdealisationChoice,
    /// A Gmsh mesh to use instead of the generator (relative to the scenario file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mesh_file: Option<PathBuf>,
    /// The generator's parameters.
    pub osteotomy: OsteotomyGeometry,
}

/// The idealisation of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdealisationChoice {
    /// 2D (r, z), revolved.
    Axisymmetric,
    /// 3D.
    #[serde(rename = "3d")]
    ThreeD,
}

impl IdealisationChoice {
    /// As the solver's idealisation.
    pub fn idealisation(self) -> Idealisation {
        match self {
            IdealisationChoice::Axisymmetric => Idealisation::Axisymmetric,
            IdealisationChoice::ThreeD => Idealisation::ThreeD,
        }
    }

    /// The name a scenario gives it (`axisymmetric`, `3d`).
    pub fn name(self) -> &'static str {
        match self {
            IdealisationChoice::Axisymmetric => "axisymmetric",
            IdealisationChoice::ThreeD => "3d",
        }
    }
}

/// The mesh's boundary sets the run uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundary {
    /// Held still (all displacement components zero).
    pub fixed_set: String,
    /// Distracted along the bone axis, held laterally.
    pub moving_set: String,
    /// The part of the moving set the fixator's pins hold (the cortex of its end face): with
    /// [`LoadPath::Pins`] the load cycle pushes it as one rigid plate (its nodes share one axial
    /// motion) held by the fixator.
    pub pinned_set: String,
    /// Free-draining surfaces (p = 0).
    pub drained_sets: Vec<String>,
    /// Where layers are inserted as the gap grows (facets across the gap).
    pub growth_plane: String,
    /// Bone surface of the proximal segment facing the gap.
    pub proximal_bone_surface: String,
    /// Bone surface of the distal segment facing the gap.
    pub distal_bone_surface: String,
}

/// What an inserted layer of regenerate is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewLayer {
    /// The tissue state of the element below (conserves tissue content).
    Neighbour,
    /// Fresh granulation tissue.
    Granulation,
}

/// Tissue catalogue and state options.
///
/// Any other key is a tissue's table of properties that replace the catalogue's, in the
/// catalogue's units (`[tissues.granulation] youngs_modulus_mpa = 1.5`, or the key
/// `tissues.granulation.youngs_modulus_mpa` in `--set`, `--vary` and `--sample`); checked by
/// [`Scenario::validate`] and applied by [`Scenario::tissue_catalogue`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tissues {
    /// A tissue table to use instead of the built-in one (relative to the scenario file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// Days of phenotype history averaged into the fractions.
    pub window_days: usize,
    /// How the permeability is mixed.
    pub permeability_mixing: PermeabilityMixing,
    /// How Young's modulus is mixed: the bone share cubed (default, MODEL.md §4) or linearly.
    pub modulus_mixing: ModulusMixing,
    /// Regions whose tissue differentiates (start as granulation tissue).
    pub regenerate_regions: Vec<String>,
    /// Tissue of an inserted layer.
    pub new_layer: NewLayer,
    /// Every other region: its catalogue tissue.
    pub fixed_regions: std::collections::BTreeMap<String, String>,
    /// Tissue properties that replace the catalogue's: tissue name → {property → value}.
    #[serde(
        flatten,
        default,
        skip_serializing_if = "std::collections::BTreeMap::is_empty"
    )]
    pub properties: std::collections::BTreeMap<String, toml::Value>,
}

/// The keys of `[tissues]` itself (any other key is a tissue's property table).
const TISSUES_KEYS: [&str; 7] = [
    "file",
    "window_days",
    "permeability_mixing",
    "modulus_mixing",
    "regenerate_regions",
    "new_layer",
    "fixed_regions",
];

/// Distraction steps per day, or continuous distraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rhythm {
    /// n equal steps a day.
    Steps(u32),
    /// One continuous ramp over the day.
    Continuous,
}

impl Serialize for Rhythm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Rhythm::Steps(n) => s.serialize_u32(*n),
            Rhythm::Continuous => s.serialize_str("continuous"),
        }
    }
}

impl<'de> Deserialize<'de> for Rhythm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rhythm, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Steps(i64),
            Word(String),
        }
        match Raw::deserialize(d)? {
            Raw::Steps(n) if (1..=1440).contains(&n) => Ok(Rhythm::Steps(n as u32)),
            Raw::Steps(n) => Err(serde::de::Error::custom(format!(
                "rhythm = {n}: give 1 to 1440 steps a day, or \"continuous\""
            ))),
            Raw::Word(w) if w == "continuous" => Ok(Rhythm::Continuous),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "rhythm = \"{w}\": give a number of steps a day, or \"continuous\""
            ))),
        }
    }
}

/// The distraction protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Days between the osteotomy and the first distraction.
    pub latency_days: u32,
    /// Distraction rate (mm/day).
    pub rate_mm_per_day: f64,
    /// Steps per day.
    pub rhythm: Rhythm,
    /// Total lengthening (mm).
    pub lengthening_mm: f64,
    /// Days of consolidation after the last step.
    pub consolidation_days: u32,
    /// Duration of the displacement ramp of one step (s).
    pub ramp_s: f64,
}

/// Physiological loading.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Loading {
    /// No load besides distraction.
    None,
    /// A cyclic axial load carried by the callus in parallel with the external fixator
    /// (`[fixator]`).
    CyclicAxial {
        /// Axial load of the cycle (N).
        load_n: f64,
        /// Phases in which the load acts.
        phases: Vec<Phase>,
        /// Loading time of one cycle (s).
        #[serde(default = "default_load_ramp_s")]
        load_ramp_s: f64,
    },
}

fn default_load_ramp_s() -> f64 {
    0.5
}

/// A phase of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Before the first distraction step.
    Latency,
    /// While distracting.
    Distraction,
    /// After the last step.
    Consolidation,
}

/// Which mechanical state of the day drives differentiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StimulusChoice {
    /// The maximum over the day's relaxed states (just before the next step) and the load
    /// cycle's peak (default, MODEL.md §4b).
    RelaxedAndLoad,
    /// The maximum over the day's step peaks and the load cycle.
    Maximum,
    /// The peak of the distraction steps.
    StepPeak,
    /// The relaxed state just before the next step.
    Relaxed,
    /// The physiological load cycle only.
    Load,
}

/// Numerical options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Numerics {
    /// How the distraction steps' transients choose their time steps.
    pub time_stepping: TimeStepping,
    /// Adaptive stepping: the local error allowed per time step, relative to the largest pore
    /// pressure of the transient.
    pub time_step_tolerance: f64,
    /// How the mechanics solves its linear systems.
    #[serde(default)]
    pub linear_solver: LinearSolverChoice,
    /// First time step of each transient (s).
    pub first_time_step_s: f64,
    /// Doubling schedule: steps before the time step doubles.
    pub steps_per_level: usize,
    /// Largest time step (s).
    pub max_time_step_s: f64,
    /// Element height (mm) beyond which a layer is inserted at the growth plane.
    pub max_element_height_mm: f64,
    /// Regions whose inner nodes are rezoned ([`crate::rezone`]) after a layer insertion and after a
    /// step that leaves one of their elements below `rezone_below_quality`; none for an empty list.
    pub rezone_regions: Vec<String>,
    /// A step that leaves an element of the rezoned regions worse than this (smallest scaled
    /// Jacobian at an element node, 1 for a square) is followed by a rezoning too.
    pub rezone_below_quality: f64,
    /// The stimulus of the day.
    pub stimulus: StimulusChoice,
    /// Carry residual (pre-traction) stress between steps.
    pub pretraction: bool,
    /// e-folding time of the carried stress (days).
    pub pretraction_relaxation_days: f64,
    /// The fluid velocity the rule reads.
    pub fluid_velocity: FluidVelocity,
    /// Continuous distraction: the part of the day-long ramp whose strain increment feeds the
    /// rule and the vessel gates (s; 60, MODEL.md §4b; 86400 takes the whole day's).
    pub continuous_strain_increment_s: f64,
}

/// The linear solver of the mechanics ([`crate::mechanics::SolverChoice`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinearSolverChoice {
    /// Direct while its factor fits ([`crate::mechanics::ITERATIVE_FROM_FACTOR_ENTRIES`]), iterative
    /// above.
    #[default]
    Auto,
    /// Sparse LDLᵀ with METIS.
    Direct,
    /// MINRES with a multigrid block preconditioner.
    Iterative,
}

impl From<LinearSolverChoice> for crate::mechanics::SolverChoice {
    fn from(c: LinearSolverChoice) -> Self {
        match c {
            LinearSolverChoice::Auto => Self::Auto,
            LinearSolverChoice::Direct => Self::Direct,
            LinearSolverChoice::Iterative => Self::Iterative,
        }
    }
}

/// Time stepping of the distraction steps' transients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeStepping {
    /// Δt from an estimate of the local error ([`callus_fem::stepping`]).
    Adaptive,
    /// Δt doubled every `steps_per_level` steps ([`callus_fem::problem::doubling_schedule`]).
    Doubling,
}

/// Which fluid velocity drives the rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FluidVelocity {
    /// Seepage velocity relative to the solid, q/n (default, MODEL.md §1).
    Seepage,
    /// Darcy flux q.
    DarcyFlux,
}

/// The external fixator (MODEL.md §6): part of every distraction scenario, whether or not a
/// physiological load acts. It carries the load cycle in parallel with the construct and sets the
/// healed day (the construct ≥ 9 × its stiffness: a load share of the fixator < 10 %).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixator {
    /// Axial stiffness (N/mm).
    pub stiffness_n_per_mm: f64,
    /// How the load cycle and the fixator act on the moving segment.
    pub load_path: LoadPath,
}

/// How the load cycle's force and the fixator act on the moving segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadPath {
    /// Through the fixator's pins: the pinned set (`boundary.pinned_set`) moves as one rigid
    /// plate, pushed by the load and held by the fixator.
    Pins,
    /// As a uniform traction over the whole moving set, with the fixator a spring spread over it
    /// (the default; the marrow face is pushed as hard as the cortex).
    EndFace,
}

/// Output options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// ParaView fields every N days (and on the last day).
    pub field_every_days: u32,
    /// A checkpoint (the whole state, to continue with `--resume` after an interruption) every N
    /// days; 0 for none.
    pub checkpoint_every_days: u32,
}

/// A complete scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Geometry.
    pub geometry: Geometry,
    /// Boundary sets.
    pub boundary: Boundary,
    /// Tissues.
    pub tissues: Tissues,
    /// Mechano-regulation rule and its parameters.
    pub rule: RuleChoice,
    /// Cell diffusion.
    pub cells: CellParams,
    /// Vascularity (MODEL.md §4b).
    pub vascularity: VascularityParams,
    /// Distraction protocol.
    pub protocol: Protocol,
    /// Physiological loading.
    pub loading: Loading,
    /// The external fixator.
    pub fixator: Fixator,
    /// Numerics.
    pub numerics: Numerics,
    /// Outputs.
    pub output: Output,
}

/// Keys that moved to another table, with where they are now: an old file gets the new name
/// instead of "unknown field".
const MOVED: [(&str, &str, &str); 1] = [(
    "loading",
    "fixator_stiffness_n_per_mm",
    "moved to its own table: write it as [fixator] stiffness_n_per_mm",
)];

fn moved_keys(user: &toml::Table, file: &str) -> Result<(), ScenarioError> {
    for (table, key, why) in MOVED {
        if let Some(v) = user
            .get(table)
            .and_then(|t| t.as_table())
            .and_then(|t| t.get(key))
        {
            return Err(ScenarioError::Value {
                file: file.to_string(),
                key: format!("{table}.{key}"),
                value: v.to_string(),
                why: why.to_string(),
            });
        }
    }
    Ok(())
}

/// The TOML reader's message on one line, with serde's Rust type names in words a scenario's
/// author reads (`expected f64` is `expected a number`).
fn plain_words(e: &toml::de::Error) -> String {
    let mut message = e.to_string().trim_end().replace("\nin `", ", in `");
    for (rust, words) in [
        ("expected f64", "expected a number"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected i64", "expected a whole number"),
    ] {
        message = message.replace(rust, words);
    }
    message
}

/// A tissue property's value: a TOML float or integer.
fn property_value(v: &toml::Value) -> Option<f64> {
    v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
}

/// Tables whose keys depend on a kind chosen inside them: a user's table replaces the default whole.
const REPLACED_WHOLE: [&str; 2] = ["rule", "loading"];

fn merge(base: &mut toml::Table, over: toml::Table, top: bool) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o))
                if !(top && REPLACED_WHOLE.contains(&k.as_str())) =>
            {
                merge(b, o, false)
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

impl Scenario {
    /// The built-in default.
    pub fn default_scenario() -> Scenario {
        Scenario::from_toml("", "built-in default").expect("the built-in scenario is valid")
    }

    /// Reads a scenario file; relative paths inside it are taken from its folder.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError::Parse {
            file: path.display().to_string(),
            message: format!(
                "cannot read the scenario: {e}; give the path of a TOML file (`callus run --print-default > my.toml` writes one to start from)"
            ),
        })?;
        let mut s = Scenario::from_toml(&text, &path.display().to_string())?;
        let dir = path.parent().unwrap_or(Path::new(""));
        for (key, p) in [
            ("geometry.mesh_file", &mut s.geometry.mesh_file),
            ("tissues.file", &mut s.tissues.file),
        ] {
            if let Some(p) = p {
                if p.is_relative() {
                    *p = dir.join(&*p);
                }
                if !p.is_file() {
                    return Err(ScenarioError::Value {
                        file: path.display().to_string(),
                        key: key.to_string(),
                        value: p.display().to_string(),
                        why: "no such file (relative paths are taken from the scenario's folder)"
                            .into(),
                    });
                }
            }
        }
        Ok(s)
    }

    /// Parses scenario text merged over the default, or over the preset its top-level `preset`
    /// key names ([`crate::presets`]); `file` names it in messages.
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let parse = |t: &str| -> Result<toml::Table, ScenarioError> {
            toml::from_str(t).map_err(|e| ScenarioError::Parse {
                file: file.to_string(),
                message: e.to_string(),
            })
        };
        let mut merged = toml::from_str::<toml::Table>(DEFAULT_SCENARIO_TOML)
            .expect("the default scenario is TOML");
        let mut user = parse(text)?;
        moved_keys(&user, file)?;
        match user.remove("preset") {
            None => {}
            Some(toml::Value::String(name)) => {
                let preset = crate::presets::Preset::named(&name, file)?;
                merge(&mut merged, preset.overlay().clone(), true);
            }
            Some(other) => {
                return Err(ScenarioError::Value {
                    file: file.to_string(),
                    key: "preset".into(),
                    value: other.to_string(),
                    why: "give a preset's name as a string, e.g. preset = \"canine-tibia\" (`callus presets` lists them)".into(),
                })
            }
        }
        merge(&mut merged, user, true);
        let scenario: Scenario =
            merged
                .try_into()
                .map_err(|e: toml::de::Error| ScenarioError::Parse {
                    file: file.to_string(),
                    message: plain_words(&e),
                })?;
        scenario.validate(file)?;
        Ok(scenario)
    }

    /// This scenario with `settings` applied, each `dotted.key=value` (a TOML value, or else a
    /// string: `protocol.latency_days=5`, `rule.rule=deviatoric_strain`), then validated. Unknown
    /// keys and wrong types are refused, naming the setting.
    pub fn with_settings(&self, settings: &[String]) -> Result<Scenario, ScenarioError> {
        let mut table = toml::Table::try_from(self).expect("a scenario serialises");
        for setting in settings {
            let error = |message: String| ScenarioError::Parse {
                file: format!("--set {setting}"),
                message,
            };
            let (key, text) = setting
                .split_once('=')
                .ok_or_else(|| error("give a setting as dotted.key=value".into()))?;
            let value = toml::from_str::<toml::Table>(&format!("v = {text}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(text.to_string()));
            let path: Vec<&str> = key.trim().split('.').collect();
            let (last, tables) = path.split_last().expect("split gives one part at least");
            let mut at = &mut table;
            for (i, part) in tables.iter().enumerate() {
                // A tissue's property table (`tissues.granulation.…`) is made when first set.
                if i == 1 && path[0] == "tissues" && !at.contains_key(*part) {
                    at.insert(part.to_string(), toml::Value::Table(toml::Table::new()));
                }
                at = match at.get_mut(*part) {
                    Some(toml::Value::Table(t)) => t,
                    _ => {
                        return Err(error(format!(
                            "no table '{}' in the scenario",
                            path[..=i].join(".")
                        )))
                    }
                };
            }
            // A key the scenario does not have is refused by the parser below (optional keys such
            // as tissues.file are absent until set).
            at.insert(last.to_string(), value);
        }
        let name = settings.join(" ");
        let scenario: Scenario =
            table
                .try_into()
                .map_err(|e: toml::de::Error| ScenarioError::Parse {
                    file: format!("--set {name}"),
                    message: plain_words(&e),
                })?;
        scenario.validate(&format!("--set {name}"))?;
        Ok(scenario)
    }

    /// The tissue catalogue of this scenario: the built-in table or `tissues.file`, with the
    /// properties of `[tissues.<tissue>]` replacing its values, each checked as a catalogue file's
    /// are; `file` names the scenario in messages.
    pub fn tissue_catalogue(&self, file: &str) -> Result<TissueCatalogue, crate::SimError> {
        let mut catalogue = match &self.tissues.file {
            Some(path) => TissueCatalogue::from_file(path)?,
            None => TissueCatalogue::default_table(),
        };
        for (tissue, table) in &self.tissues.properties {
            for (property, value) in table.as_table().into_iter().flatten() {
                let v = property_value(value).unwrap_or(f64::NAN);
                catalogue = catalogue
                    .with_property(tissue, property, v)
                    .map_err(|why| ScenarioError::Value {
                        file: file.to_string(),
                        key: format!("tissues.{tissue}.{property}"),
                        value: value.to_string(),
                        why,
                    })?;
            }
        }
        Ok(catalogue)
    }

    /// The whole scenario as TOML (for the run's record).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a scenario serialises")
    }

    /// Checks every value, naming the first bad key.
    pub fn validate(&self, file: &str) -> Result<(), ScenarioError> {
        let bad = |key: &str, value: String, why: &str| {
            Err(ScenarioError::Value {
                file: file.to_string(),
                key: key.to_string(),
                value,
                why: why.to_string(),
            })
        };
        let positive = |key: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                bad(key, v.to_string(), "must be a positive number")
            }
        };
        for (tissue, table) in &self.tissues.properties {
            let key = format!("tissues.{tissue}");
            let Some(table) = table.as_table() else {
                return bad(
                    &key,
                    table.to_string(),
                    &format!(
                        "not a key of [tissues] (it has {}) nor a tissue's table of properties, such as [tissues.granulation] youngs_modulus_mpa = 1.0",
                        TISSUES_KEYS.join(", ")
                    ),
                );
            };
            for (property, value) in table {
                let key = format!("{key}.{property}");
                if !callus_bio::tissue::PROPERTIES.contains(&property.as_str()) {
                    return bad(
                        &key,
                        value.to_string(),
                        &format!(
                            "a tissue has no property '{property}'; it has: {}",
                            callus_bio::tissue::PROPERTIES.join(", ")
                        ),
                    );
                }
                if property_value(value).is_none() {
                    return bad(&key, value.to_string(), "must be a number");
                }
            }
        }
        if self.geometry.mesh_file.is_none() {
            if let Err(e) = self.geometry.osteotomy.validate() {
                return bad("geometry.osteotomy", "…".into(), &e.to_string());
            }
        }
        let p = &self.protocol;
        positive("protocol.rate_mm_per_day", p.rate_mm_per_day)?;
        positive("protocol.lengthening_mm", p.lengthening_mm)?;
        positive("protocol.ramp_s", p.ramp_s)?;
        if let Rhythm::Steps(n) = p.rhythm {
            let interval = 86_400.0 / n as f64;
            if p.ramp_s > interval {
                return bad(
                    "protocol.ramp_s",
                    p.ramp_s.to_string(),
                    &format!(
                        "a step's ramp must fit in the {interval} s between steps at rhythm {n}"
                    ),
                );
            }
        }
        let steps_per_day = match p.rhythm {
            Rhythm::Steps(n) => n,
            Rhythm::Continuous => 1,
        };
        if p.rate_mm_per_day / f64::from(steps_per_day) == 0.0 {
            return bad(
                "protocol.rate_mm_per_day",
                format!("{:?}", p.rate_mm_per_day),
                "is too small for a day's steps to be a number of mm: is the unit mm/day?",
            );
        }
        let distraction_days = (p.lengthening_mm / p.rate_mm_per_day).ceil();
        for (key, days, value) in [
            (
                "protocol.rate_mm_per_day",
                distraction_days,
                p.rate_mm_per_day.to_string(),
            ),
            (
                "protocol.latency_days",
                f64::from(p.latency_days),
                p.latency_days.to_string(),
            ),
            (
                "protocol.consolidation_days",
                f64::from(p.consolidation_days),
                p.consolidation_days.to_string(),
            ),
        ] {
            if days > MAX_PLAN_DAYS as f64 {
                return bad(key, value, &format!(
                    "the protocol would last {days} days; callus simulates at most {MAX_PLAN_DAYS} (is the unit right?)"
                ));
            }
        }
        let total = distraction_days + f64::from(p.latency_days) + f64::from(p.consolidation_days);
        if total > MAX_PLAN_DAYS as f64 {
            return bad("protocol.consolidation_days", p.consolidation_days.to_string(), &format!(
                "latency, distraction and consolidation would last {total} days; callus simulates at most {MAX_PLAN_DAYS}"
            ));
        }
        if p.rate_mm_per_day > 5.0 {
            return bad(
                "protocol.rate_mm_per_day",
                p.rate_mm_per_day.to_string(),
                "is above 5 mm/day: is the unit mm/day?",
            );
        }
        let n = &self.numerics;
        positive("numerics.first_time_step_s", n.first_time_step_s)?;
        if !(n.time_step_tolerance > 0.0 && n.time_step_tolerance < 1.0) {
            return bad(
                "numerics.time_step_tolerance",
                n.time_step_tolerance.to_string(),
                "must be a fraction between 0 and 1 (a relative error per time step; 0.02 is the default)",
            );
        }
        positive("numerics.max_time_step_s", n.max_time_step_s)?;
        positive("numerics.max_element_height_mm", n.max_element_height_mm)?;
        if !(n.rezone_below_quality.is_finite() && n.rezone_below_quality < 1.0) {
            return bad(
                "numerics.rezone_below_quality",
                n.rezone_below_quality.to_string(),
                "must be a number below 1 (a scaled Jacobian; 0.3 is a good default, ≤ -1 never rezones for quality)",
            );
        }
        if n.first_time_step_s > p.ramp_s {
            return bad("numerics.first_time_step_s", n.first_time_step_s.to_string(), "must not exceed protocol.ramp_s (the ramp needs several steps; ≤ ramp_s/10 is advised)");
        }
        positive(
            "numerics.pretraction_relaxation_days",
            n.pretraction_relaxation_days,
        )?;
        if n.steps_per_level == 0 {
            return bad("numerics.steps_per_level", "0".into(), "must be at least 1");
        }
        if self.tissues.window_days == 0 {
            return bad("tissues.window_days", "0".into(), "must be at least 1 day");
        }
        positive(
            "cells.diffusivity_mm2_per_day",
            self.cells.diffusivity_mm2_per_day,
        )?;
        if self.cells.steps_per_day == 0 {
            return bad("cells.steps_per_day", "0".into(), "must be at least 1");
        }
        match self.vascularity.validate() {
            Err(BioError::Parameter { name, value, why }) => {
                return bad(&format!("vascularity.{name}"), value.to_string(), &why)
            }
            Err(e) => return bad("vascularity", "…".into(), &e.to_string()),
            Ok(()) => {}
        }
        match self.rule.validate() {
            Err(BioError::Parameter { name, value, why }) => {
                return bad(&format!("rule.{name}"), value.to_string(), &why)
            }
            Err(e) => return bad("rule", "…".into(), &e.to_string()),
            Ok(()) => {}
        }
        positive(
            "numerics.continuous_strain_increment_s",
            self.numerics.continuous_strain_increment_s,
        )?;
        positive(
            "fixator.stiffness_n_per_mm",
            self.fixator.stiffness_n_per_mm,
        )?;
        if let Loading::CyclicAxial {
            load_n,
            phases,
            load_ramp_s,
        } = &self.loading
        {
            positive("loading.load_ramp_s", *load_ramp_s)?;
            if !load_n.is_finite() {
                return bad(
                    "loading.load_n",
                    load_n.to_string(),
                    "must be a number of N",
                );
            }
            if phases.is_empty() {
                return bad(
                    "loading.phases",
                    "[]".into(),
                    "name at least one of \"latency\", \"distraction\", \"consolidation\"",
                );
            }
        }
        if self.output.field_every_days == 0 {
            return bad("output.field_every_days", "0".into(), "must be at least 1");
        }
        Ok(())
    }
}
