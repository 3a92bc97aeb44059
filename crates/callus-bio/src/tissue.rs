//! The tissue catalogue: material properties of each tissue (MODEL.md §2), read from a TOML file in
//! the published units and converted once, on load, to mm–N–MPa–s. The default (Lacroix &
//! Prendergast 2002) is built in; users replace it with their own file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use callus_fem::material::{Biot, Elastic};

use crate::BioError;

/// 1 m⁴/(N·s) in mm⁴/(N·s).
pub const M4_TO_MM4: f64 = 1e12;

/// The built-in table (crates/callus-bio/data/tissues.toml).
pub const DEFAULT_TISSUES_TOML: &str = include_str!("../data/tissues.toml");

/// The tissues the model needs by name.
pub const REQUIRED: [&str; 7] = [
    "granulation",
    "fibrous",
    "cartilage",
    "marrow",
    "immature_bone",
    "mature_bone",
    "cortical_bone",
];

/// One tissue as written in the file (published units).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TissueEntry {
    youngs_modulus_mpa: f64,
    permeability_m4_per_ns: f64,
    poisson_ratio: f64,
    solid_bulk_mpa: f64,
    fluid_bulk_mpa: f64,
    porosity: f64,
}

/// The properties of a tissue as the file and the scenario keys name them (published units).
pub const PROPERTIES: [&str; 6] = [
    "youngs_modulus_mpa",
    "permeability_m4_per_ns",
    "poisson_ratio",
    "solid_bulk_mpa",
    "fluid_bulk_mpa",
    "porosity",
];

impl TissueEntry {
    /// The entry of a tissue (permeability back in m⁴/(N·s)).
    fn of(t: &Tissue) -> TissueEntry {
        TissueEntry {
            youngs_modulus_mpa: t.youngs_modulus_mpa,
            permeability_m4_per_ns: t.mobility_mm4_per_ns / M4_TO_MM4,
            poisson_ratio: t.poisson_ratio,
            solid_bulk_mpa: t.solid_bulk_mpa,
            fluid_bulk_mpa: t.fluid_bulk_mpa,
            porosity: t.porosity,
        }
    }

    /// In solver units.
    fn into_tissue(self) -> Tissue {
        Tissue {
            youngs_modulus_mpa: self.youngs_modulus_mpa,
            mobility_mm4_per_ns: self.permeability_m4_per_ns * M4_TO_MM4,
            poisson_ratio: self.poisson_ratio,
            solid_bulk_mpa: self.solid_bulk_mpa,
            fluid_bulk_mpa: self.fluid_bulk_mpa,
            porosity: self.porosity,
        }
    }

    /// Every value in its range, or the first that is not.
    fn check(&self) -> Result<(), OutOfRange> {
        let checks = [
            (
                "youngs_modulus_mpa",
                self.youngs_modulus_mpa,
                self.youngs_modulus_mpa > 0.0,
                "must be a positive modulus in MPa",
            ),
            (
                "poisson_ratio",
                self.poisson_ratio,
                self.poisson_ratio > -1.0 && self.poisson_ratio < 0.5,
                "must lie in (−1, 0.5)",
            ),
            (
                "permeability_m4_per_ns",
                self.permeability_m4_per_ns,
                self.permeability_m4_per_ns > 0.0,
                "must be positive, in m⁴/(N·s) (e.g. 1e-14)",
            ),
            (
                "solid_bulk_mpa",
                self.solid_bulk_mpa,
                self.solid_bulk_mpa > 0.0,
                "must be a positive modulus in MPa",
            ),
            (
                "fluid_bulk_mpa",
                self.fluid_bulk_mpa,
                self.fluid_bulk_mpa > 0.0,
                "must be a positive modulus in MPa",
            ),
            (
                "porosity",
                self.porosity,
                self.porosity > 0.0 && self.porosity < 1.0,
                "must lie in (0, 1)",
            ),
        ];
        if let Some(&(property, value, _, why)) =
            checks.iter().find(|(_, v, ok, _)| !(v.is_finite() && *ok))
        {
            return Err(OutOfRange {
                property,
                value,
                why: why.to_string(),
            });
        }
        if self.permeability_m4_per_ns > 1e-6 {
            return Err(OutOfRange {
                property: "permeability_m4_per_ns",
                value: self.permeability_m4_per_ns,
                why: "far too large for tissue; the unit is m⁴/(N·s) (1e-14 for granulation), not mm⁴/(N·s)".into(),
            });
        }
        Ok(())
    }
}

/// A tissue's value out of its range: shown as `property = value: why`.
struct OutOfRange {
    property: &'static str,
    value: f64,
    why: String,
}

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}: {}", self.property, self.value, self.why)
    }
}

/// Properties of one tissue in solver units.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tissue {
    /// Young's modulus E (MPa).
    pub youngs_modulus_mpa: f64,
    /// Mobility k = κ/μ (mm⁴/(N·s)).
    pub mobility_mm4_per_ns: f64,
    /// Poisson's ratio ν.
    pub poisson_ratio: f64,
    /// Bulk modulus of the solid grains K_s (MPa).
    pub solid_bulk_mpa: f64,
    /// Bulk modulus of the fluid K_f (MPa).
    pub fluid_bulk_mpa: f64,
    /// Porosity n.
    pub porosity: f64,
}

impl Tissue {
    /// Drained bulk modulus K_d = E/(3(1 − 2ν)) (MPa).
    pub fn drained_bulk_mpa(&self) -> f64 {
        self.youngs_modulus_mpa / (3.0 * (1.0 - 2.0 * self.poisson_ratio))
    }

    /// α = 1 − K_d/K_s as MODEL.md §1 defines it, before any bound.
    pub fn raw_biot_coefficient(&self) -> f64 {
        1.0 - self.drained_bulk_mpa() / self.solid_bulk_mpa
    }

    /// The Biot material of this tissue by [`Biot::from_constituents`] (MODEL.md §1: α = 1 − K_d/K_s,
    /// 1/M = n/K_f + (α − n)/K_s, α bounded below by 0).
    ///
    /// The bound acts on the published cortical-bone row (E = 20 GPa, ν = 0.3, K_s = 13.92 GPa:
    /// K_d = 16.7 GPa, 1 − K_d/K_s = −0.20, so α = 0). The published mature-bone row also breaks
    /// the bound K_d ≤ (1 − n)·K_s, which would give α ≥ n, with α = 0.641 < n = 0.8; it is kept
    /// as the formula gives it. [`TissueCatalogue::warnings`] lists both.
    pub fn biot(&self) -> Biot {
        let skeleton = Elastic {
            youngs_modulus_mpa: self.youngs_modulus_mpa,
            poisson_ratio: self.poisson_ratio,
        };
        Biot::from_constituents(
            skeleton,
            self.solid_bulk_mpa,
            self.fluid_bulk_mpa,
            self.porosity,
            self.mobility_mm4_per_ns,
        )
    }
}

/// The catalogue: tissues by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TissueCatalogue {
    tissues: BTreeMap<String, Tissue>,
}

impl TissueCatalogue {
    /// The built-in Lacroix & Prendergast (2002) table.
    pub fn default_table() -> TissueCatalogue {
        TissueCatalogue::from_toml(DEFAULT_TISSUES_TOML, "built-in tissues.toml")
            .expect("the built-in table is valid")
    }

    /// Reads a catalogue file.
    pub fn from_file(path: &Path) -> Result<TissueCatalogue, BioError> {
        let text = std::fs::read_to_string(path).map_err(|e| BioError::Tissues {
            file: path.display().to_string(),
            message: e.to_string(),
        })?;
        TissueCatalogue::from_toml(&text, &path.display().to_string())
    }

    /// Parses catalogue text; `file` names it in messages.
    pub fn from_toml(text: &str, file: &str) -> Result<TissueCatalogue, BioError> {
        let err = |message: String| BioError::Tissues {
            file: file.to_string(),
            message,
        };
        let raw: BTreeMap<String, TissueEntry> =
            toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let mut tissues = BTreeMap::new();
        for (name, t) in raw {
            t.check().map_err(|bad| err(format!("[{name}] {bad}")))?;
            tissues.insert(name, t.into_tissue());
        }
        if let Some(missing) = REQUIRED.iter().find(|r| !tissues.contains_key(**r)) {
            return Err(err(format!(
                "no [{missing}] table; the model needs: {}",
                REQUIRED.join(", ")
            )));
        }
        Ok(TissueCatalogue { tissues })
    }

    /// This catalogue with one property of one tissue replaced (`property` one of [`PROPERTIES`], in
    /// its published unit: the permeability in m⁴/(N·s)), the tissue's values checked as a file's
    /// are. For scenario keys such as `tissues.granulation.youngs_modulus_mpa`; the error is the
    /// reason alone, the caller names the key.
    pub fn with_property(
        mut self,
        tissue: &str,
        property: &str,
        value: f64,
    ) -> Result<TissueCatalogue, String> {
        let known = self.tissues.keys().cloned().collect::<Vec<_>>().join(", ");
        let t = self
            .tissues
            .get_mut(tissue)
            .ok_or_else(|| format!("no tissue '{tissue}' in the catalogue; it has: {known}"))?;
        let mut entry = TissueEntry::of(t);
        match property {
            "youngs_modulus_mpa" => entry.youngs_modulus_mpa = value,
            "permeability_m4_per_ns" => entry.permeability_m4_per_ns = value,
            "poisson_ratio" => entry.poisson_ratio = value,
            "solid_bulk_mpa" => entry.solid_bulk_mpa = value,
            "fluid_bulk_mpa" => entry.fluid_bulk_mpa = value,
            "porosity" => entry.porosity = value,
            _ => {
                return Err(format!(
                    "a tissue has no property '{property}'; it has: {}",
                    PROPERTIES.join(", ")
                ))
            }
        }
        entry.check().map_err(|bad| {
            if bad.property == property {
                bad.why
            } else {
                bad.to_string()
            }
        })?;
        // The mobility through m⁴/(N·s) and back is not exact: keep it unless it is the one set.
        let mobility_mm4_per_ns = match property {
            "permeability_m4_per_ns" => value * M4_TO_MM4,
            _ => t.mobility_mm4_per_ns,
        };
        *t = Tissue {
            mobility_mm4_per_ns,
            ..entry.into_tissue()
        };
        Ok(self)
    }

    /// Remarks on tissues whose constants break the bound K_d ≤ (1 − n)·K_s of a porous solid
    /// (α ≥ n), and what is done about it (see [`Tissue::biot`]), for the run's log.
    pub fn warnings(&self) -> Vec<String> {
        self.tissues
            .iter()
            .filter(|(_, t)| t.raw_biot_coefficient() < t.porosity)
            .map(|(name, t)| {
                let raw = t.raw_biot_coefficient();
                let action = if raw < 0.0 { "not admissible; α = 0 (no coupling) is used".to_string() } else { format!("kept as MODEL.md §1 gives it (α < n = {})", t.porosity) };
                format!(
                    "tissue '{name}': drained bulk modulus E/(3(1 − 2ν)) = {:.0} MPa exceeds (1 − n)·K_s = {:.0} MPa; α = 1 − K_d/K_s = {raw:.3} is {action}",
                    t.drained_bulk_mpa(),
                    (1.0 - t.porosity) * t.solid_bulk_mpa,
                )
            })
            .collect()
    }

    /// The tissue called `name`, or an error listing the known ones.
    pub fn get(&self, name: &str) -> Result<&Tissue, BioError> {
        self.tissues
            .get(name)
            .ok_or_else(|| BioError::UnknownTissue {
                name: name.to_string(),
                known: self.tissues.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    /// All tissues by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Tissue)> {
        self.tissues.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Goal: a bad value is named once: a file's as `[tissue] property = value: why` (the file has
    /// no other name for it), a replaced property by the reason alone (the caller names the key,
    /// e.g. `tissues.granulation.poisson_ratio = 0.5`).
    #[test]
    fn a_bad_value_is_named_once() {
        let text = DEFAULT_TISSUES_TOML.replacen("poisson_ratio = 0.167", "poisson_ratio = 0.5", 1);
        let e = TissueCatalogue::from_toml(&text, "my.toml")
            .unwrap_err()
            .to_string();
        assert_eq!(e.matches("poisson_ratio").count(), 1, "{e}");
        assert!(
            e.contains("[granulation] poisson_ratio = 0.5: must lie in"),
            "{e}"
        );
        let why = TissueCatalogue::default_table()
            .with_property("granulation", "poisson_ratio", 0.5)
            .unwrap_err();
        assert_eq!(why, "must lie in (−1, 0.5)");
        let why = TissueCatalogue::default_table()
            .with_property("granulation", "permeability_m4_per_ns", 1e-2)
            .unwrap_err();
        assert!(why.starts_with("far too large"), "{why}");
    }
}
