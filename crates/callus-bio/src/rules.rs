//! Mechano-regulation rules: the mechanical state of a point on a day → a tissue phenotype
//! (MODEL.md §3). Every rule implements [`MechanoRule`]; its parameters are a struct with documented
//! defaults and sources.

use serde::{Deserialize, Serialize};

use crate::stimulus::MechanicalState;
use crate::BioError;

/// A tissue phenotype a rule can predict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phenotype {
    /// Fibrous tissue.
    Fibrous,
    /// Cartilage.
    Cartilage,
    /// Immature (woven) bone.
    ImmatureBone,
    /// Mature bone.
    MatureBone,
    /// Resorption: too little stimulus to keep tissue; the space fills with marrow (Lacroix &
    /// Prendergast 2002), so its properties are those of `marrow`.
    Resorption,
}

impl Phenotype {
    /// All phenotypes, in a fixed order (the order of fraction arrays).
    pub const ALL: [Phenotype; 5] = [
        Phenotype::Fibrous,
        Phenotype::Cartilage,
        Phenotype::ImmatureBone,
        Phenotype::MatureBone,
        Phenotype::Resorption,
    ];

    /// Index into [`Phenotype::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The catalogue tissue whose properties the phenotype takes.
    pub fn tissue(self) -> &'static str {
        match self {
            Phenotype::Fibrous => "fibrous",
            Phenotype::Cartilage => "cartilage",
            Phenotype::ImmatureBone => "immature_bone",
            Phenotype::MatureBone => "mature_bone",
            Phenotype::Resorption => "marrow",
        }
    }
}

/// The first of `params` that is not a positive number, as an error naming it.
fn positive(params: &[(&'static str, f64)]) -> Result<(), BioError> {
    match params.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
        Some(&(name, value)) => Err(BioError::Parameter {
            name,
            value,
            why: "must be a positive number".into(),
        }),
        None => Ok(()),
    }
}

/// `lower` < `upper`, else an error naming `upper`.
fn increasing(lower: (&'static str, f64), upper: (&'static str, f64)) -> Result<(), BioError> {
    if lower.1 < upper.1 {
        Ok(())
    } else {
        Err(BioError::Parameter {
            name: upper.0,
            value: upper.1,
            why: format!("must be above {} = {}", lower.0, lower.1),
        })
    }
}

/// A rule's answer for one point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Classification {
    /// The predicted phenotype.
    pub phenotype: Phenotype,
    /// The stimulus value, where the rule defines one (Prendergast's S).
    pub stimulus: Option<f64>,
}

/// A mechano-regulation rule.
pub trait MechanoRule: Send + Sync {
    /// Short name for outputs.
    fn name(&self) -> &'static str;
    /// The phenotype for a point's mechanical state.
    fn classify(&self, state: &MechanicalState) -> Classification;
}

/// Which shear strain measure drives the rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShearMeasure {
    /// Octahedral shear strain γ_oct = (2/3)√((ε1−ε2)² + (ε2−ε3)² + (ε3−ε1)²) (default).
    #[default]
    Octahedral,
    /// Maximum shear strain ε1 − ε3.
    MaxShear,
}

/// Prendergast et al. (1997) / Lacroix & Prendergast (2002): S = γ/a + v/b with the octahedral
/// shear strain γ and the fluid velocity relative to the solid v. S > 3 fibrous; 1 < S < 3 cartilage;
/// s_m < S < 1 immature bone; s_resorb < S < s_m mature bone; S < s_resorb resorption.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Prendergast {
    /// Shear strain scale a = 0.0375 (Lacroix & Prendergast 2002).
    pub a: f64,
    /// Fluid velocity scale b = 3 µm/s = 3e-3 mm/s (Lacroix & Prendergast 2002).
    pub b_mm_per_s: f64,
    /// Mature/immature bone threshold s_m = 0.53 (Lacroix & Prendergast 2002; some public code uses
    /// 0.267).
    pub s_mature: f64,
    /// Resorption threshold 0.01.
    pub s_resorption: f64,
    /// Cartilage/bone threshold 1.
    pub s_cartilage: f64,
    /// Fibrous/cartilage threshold 3.
    pub s_fibrous: f64,
    /// Shear measure.
    pub shear: ShearMeasure,
    /// Whether the fluid velocity term is used (false: Isaksson et al. 2006, deviatoric strain only).
    pub use_fluid_velocity: bool,
}

impl Default for Prendergast {
    fn default() -> Self {
        Prendergast {
            a: 0.0375,
            b_mm_per_s: 3e-3,
            s_mature: 0.53,
            s_resorption: 0.01,
            s_cartilage: 1.0,
            s_fibrous: 3.0,
            shear: ShearMeasure::Octahedral,
            use_fluid_velocity: true,
        }
    }
}

impl Prendergast {
    /// Isaksson et al. (2006): the same thresholds driven by deviatoric (shear) strain alone.
    pub fn deviatoric_only() -> Self {
        Prendergast {
            use_fluid_velocity: false,
            ..Default::default()
        }
    }

    /// Checks the parameters, naming the first bad one.
    pub fn validate(&self) -> Result<(), BioError> {
        positive(&[
            ("a", self.a),
            ("b_mm_per_s", self.b_mm_per_s),
            ("s_resorption", self.s_resorption),
        ])?;
        increasing(
            ("s_resorption", self.s_resorption),
            ("s_mature", self.s_mature),
        )?;
        increasing(
            ("s_mature", self.s_mature),
            ("s_cartilage", self.s_cartilage),
        )?;
        increasing(
            ("s_cartilage", self.s_cartilage),
            ("s_fibrous", self.s_fibrous),
        )?;
        Ok(())
    }

    /// The stimulus S for a shear strain γ and a fluid speed |v| (mm/s).
    pub fn stimulus(&self, shear: f64, fluid_speed_mm_per_s: f64) -> f64 {
        let flow = if self.use_fluid_velocity {
            fluid_speed_mm_per_s / self.b_mm_per_s
        } else {
            0.0
        };
        shear / self.a + flow
    }

    /// The phenotype for a stimulus value (boundaries go to the stiffer side).
    pub fn phenotype(&self, s: f64) -> Phenotype {
        if s > self.s_fibrous {
            Phenotype::Fibrous
        } else if s > self.s_cartilage {
            Phenotype::Cartilage
        } else if s > self.s_mature {
            Phenotype::ImmatureBone
        } else if s >= self.s_resorption {
            Phenotype::MatureBone
        } else {
            Phenotype::Resorption
        }
    }
}

impl MechanoRule for Prendergast {
    fn name(&self) -> &'static str {
        if self.use_fluid_velocity {
            "prendergast"
        } else {
            "deviatoric_strain"
        }
    }

    fn classify(&self, state: &MechanicalState) -> Classification {
        let shear = match self.shear {
            ShearMeasure::Octahedral => state.octahedral_shear_strain(),
            ShearMeasure::MaxShear => state.max_shear_strain(),
        };
        let s = self.stimulus(shear, state.fluid_speed_mm_per_s());
        Classification {
            phenotype: self.phenotype(s),
            stimulus: Some(s),
        }
    }
}

/// Claes & Heigele (1999): intramembranous bone where the strain magnitude is below 5 % and the
/// hydrostatic pressure between −0.15 and 0.15 MPa; cartilage (endochondral) where the strain is below
/// 15 % and the compressive hydrostatic pressure exceeds 0.15 MPa; fibrous tissue otherwise.
/// *(check thresholds: the primary paper could not be read here.)* The strain magnitude is the
/// largest absolute principal strain (our reading; the paper speaks of "local strain").
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaesHeigele {
    /// Strain limit for intramembranous bone (0.05).
    pub bone_strain: f64,
    /// Strain limit for cartilage (0.15).
    pub cartilage_strain: f64,
    /// Hydrostatic pressure threshold (MPa, 0.15).
    pub pressure_mpa: f64,
}

impl Default for ClaesHeigele {
    fn default() -> Self {
        ClaesHeigele {
            bone_strain: 0.05,
            cartilage_strain: 0.15,
            pressure_mpa: 0.15,
        }
    }
}

impl ClaesHeigele {
    /// Checks the parameters, naming the first bad one: positive numbers, the bone strain limit
    /// below the cartilage one.
    pub fn validate(&self) -> Result<(), BioError> {
        positive(&[
            ("bone_strain", self.bone_strain),
            ("cartilage_strain", self.cartilage_strain),
            ("pressure_mpa", self.pressure_mpa),
        ])?;
        increasing(
            ("bone_strain", self.bone_strain),
            ("cartilage_strain", self.cartilage_strain),
        )
    }
}

impl MechanoRule for ClaesHeigele {
    fn name(&self) -> &'static str {
        "claes_heigele"
    }

    fn classify(&self, state: &MechanicalState) -> Classification {
        let strain = state.max_abs_principal_strain();
        let pressure = state.hydrostatic_pressure_mpa();
        let phenotype = if strain < self.bone_strain && pressure.abs() < self.pressure_mpa {
            Phenotype::ImmatureBone
        } else if strain < self.cartilage_strain && pressure > self.pressure_mpa {
            Phenotype::Cartilage
        } else {
            Phenotype::Fibrous
        };
        Classification {
            phenotype,
            stimulus: None,
        }
    }
}

/// Carter et al. (1998): a phase diagram of the largest tensile principal strain against the
/// hydrostatic stress. The original gives no numbers; ours, to be tuned by the user: fibrous tissue
/// where the tensile strain exceeds `tension_strain` (5 %, the Claes & Heigele bone limit); cartilage
/// where it does not and the hydrostatic compression exceeds `compression_mpa` (0.15 MPa, likewise);
/// bone otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Carter {
    /// Tensile principal strain above which fibrous tissue forms (0.05).
    pub tension_strain: f64,
    /// Hydrostatic compression (MPa) above which cartilage forms (0.15).
    pub compression_mpa: f64,
}

impl Default for Carter {
    fn default() -> Self {
        Carter {
            tension_strain: 0.05,
            compression_mpa: 0.15,
        }
    }
}

impl Carter {
    /// Checks the parameters, naming the first bad one: positive numbers.
    pub fn validate(&self) -> Result<(), BioError> {
        positive(&[
            ("tension_strain", self.tension_strain),
            ("compression_mpa", self.compression_mpa),
        ])
    }
}

impl MechanoRule for Carter {
    fn name(&self) -> &'static str {
        "carter"
    }

    fn classify(&self, state: &MechanicalState) -> Classification {
        let tension = state.principal_strains()[0];
        let phenotype = if tension > self.tension_strain {
            Phenotype::Fibrous
        } else if state.hydrostatic_pressure_mpa() > self.compression_mpa {
            Phenotype::Cartilage
        } else {
            Phenotype::ImmatureBone
        };
        Classification {
            phenotype,
            stimulus: None,
        }
    }
}

/// The rule a scenario chooses, with its parameters (serde: `rule = "prendergast"` plus a table).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum RuleChoice {
    /// [`Prendergast`] (default).
    Prendergast(Prendergast),
    /// [`Prendergast::deviatoric_only`].
    DeviatoricStrain(Prendergast),
    /// [`ClaesHeigele`].
    ClaesHeigele(ClaesHeigele),
    /// [`Carter`].
    Carter(Carter),
}

impl Default for RuleChoice {
    fn default() -> Self {
        RuleChoice::Prendergast(Prendergast::default())
    }
}

impl RuleChoice {
    /// Checks the chosen rule's parameters, naming the first bad one.
    pub fn validate(&self) -> Result<(), BioError> {
        match self {
            RuleChoice::Prendergast(p) | RuleChoice::DeviatoricStrain(p) => p.validate(),
            RuleChoice::ClaesHeigele(c) => c.validate(),
            RuleChoice::Carter(c) => c.validate(),
        }
    }

    /// The rule as a trait object.
    pub fn rule(&self) -> Box<dyn MechanoRule> {
        match *self {
            RuleChoice::Prendergast(p) => Box::new(p),
            RuleChoice::DeviatoricStrain(p) => Box::new(Prendergast {
                use_fluid_velocity: false,
                ..p
            }),
            RuleChoice::ClaesHeigele(c) => Box::new(c),
            RuleChoice::Carter(c) => Box::new(c),
        }
    }
}
