//! Tissue volume fractions (MODEL.md §4, §6): of one regenerate element (its phenotype history) or
//! of the whole regenerate (volume-weighted). One type for every place that reports them: the
//! history, the summary, sweep rows, fields, plots and the command line.

use serde::{Deserialize, Serialize};

use crate::rules::Phenotype;

/// Volume fractions of the tissues: granulation tissue (days not yet lived in the averaging
/// window, or no cells), then the tissue of each phenotype; they sum to 1 for a regenerate element.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fractions {
    /// Granulation tissue.
    pub granulation: f64,
    /// Fibrous tissue.
    pub fibrous: f64,
    /// Cartilage.
    pub cartilage: f64,
    /// Immature (woven) bone.
    pub immature_bone: f64,
    /// Mature bone.
    pub mature_bone: f64,
    /// Marrow: where the tissue resorbed ([`Phenotype::Resorption`]).
    pub marrow: f64,
}

impl Fractions {
    /// The names of the fractions, in the order of [`Fractions::values`] (and of the fields, in
    /// serde's names).
    pub const NAMES: [&'static str; 6] = [
        "granulation",
        "fibrous",
        "cartilage",
        "immature_bone",
        "mature_bone",
        "marrow",
    ];

    /// All granulation tissue (a fresh element).
    pub fn granulation() -> Fractions {
        Fractions {
            granulation: 1.0,
            ..Fractions::default()
        }
    }

    /// All of one phenotype's tissue (a vote for it).
    pub fn pure(p: Phenotype) -> Fractions {
        let mut f = Fractions::default();
        *f.of_mut(p) = 1.0;
        f
    }

    /// The values in the order of [`Fractions::NAMES`].
    pub fn values(&self) -> [f64; 6] {
        [
            self.granulation,
            self.fibrous,
            self.cartilage,
            self.immature_bone,
            self.mature_bone,
            self.marrow,
        ]
    }

    /// The name of a fraction as a column or field: `fibrous` → `fibrous_fraction`.
    pub fn column(name: &str) -> String {
        format!("{name}_fraction")
    }

    /// The fraction of a phenotype's tissue.
    pub fn of(&self, p: Phenotype) -> f64 {
        self.values()[1 + p.index()]
    }

    /// The fraction of a phenotype's tissue, to change.
    pub fn of_mut(&mut self, p: Phenotype) -> &mut f64 {
        match p {
            Phenotype::Fibrous => &mut self.fibrous,
            Phenotype::Cartilage => &mut self.cartilage,
            Phenotype::ImmatureBone => &mut self.immature_bone,
            Phenotype::MatureBone => &mut self.mature_bone,
            Phenotype::Resorption => &mut self.marrow,
        }
    }

    /// Bone: immature and mature.
    pub fn bone(&self) -> f64 {
        self.immature_bone + self.mature_bone
    }

    /// The sum of all fractions.
    pub fn total(&self) -> f64 {
        self.values().iter().sum()
    }

    /// Adds `weight` times `other` to every fraction.
    pub fn add_scaled(&mut self, weight: f64, other: &Fractions) {
        for (a, b) in self.values_mut().into_iter().zip(other.values()) {
            *a += weight * b;
        }
    }

    /// Divides every fraction by `d` (a sum of weights).
    pub fn divide(&mut self, d: f64) {
        for a in self.values_mut() {
            *a /= d;
        }
    }

    fn values_mut(&mut self) -> [&mut f64; 6] {
        [
            &mut self.granulation,
            &mut self.fibrous,
            &mut self.cartilage,
            &mut self.immature_bone,
            &mut self.mature_bone,
            &mut self.marrow,
        ]
    }
}

/// Serialises [`Fractions`] as flat columns `granulation_fraction`, … (`#[serde(flatten, with =
/// "callus_bio::fractions::as_columns")]` in a table row), and reads them back.
pub mod as_columns {
    use std::collections::BTreeMap;

    use serde::de::Error;
    use serde::ser::SerializeMap;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Fractions;

    /// The fractions as one entry per column.
    pub fn serialize<S: Serializer>(f: &Fractions, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Fractions::NAMES.len()))?;
        for (name, value) in Fractions::NAMES.iter().zip(f.values()) {
            map.serialize_entry(&Fractions::column(name), &value)?;
        }
        map.end()
    }

    /// As [`serialize`], with every column empty for `None`.
    pub fn serialize_option<S: Serializer>(f: &Option<Fractions>, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(Fractions::NAMES.len()))?;
        for (i, name) in Fractions::NAMES.iter().enumerate() {
            map.serialize_entry(&Fractions::column(name), &f.map(|f| f.values()[i]))?;
        }
        map.end()
    }

    /// The fractions from their columns (as [`serialize`] writes them).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fractions, D::Error> {
        let columns = BTreeMap::<String, f64>::deserialize(d)?;
        let mut f = Fractions::default();
        for (name, value) in Fractions::NAMES.iter().zip(f.values_mut()) {
            let column = Fractions::column(name);
            *value = *columns
                .get(&column)
                .ok_or_else(|| D::Error::missing_field("a tissue fraction column"))?;
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names follow the fields in order, resorption counts as marrow, bone is the two bones.
    #[test]
    fn names_values_and_phenotypes_agree() {
        let mut f = Fractions::default();
        for (i, p) in Phenotype::ALL.iter().enumerate() {
            *f.of_mut(*p) = (i + 1) as f64;
            assert_eq!(f.of(*p), (i + 1) as f64);
        }
        f.granulation = 0.5;
        assert_eq!(f.values(), [0.5, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(f.bone(), 7.0);
        assert_eq!(f.total(), 15.5);
        let json = serde_json::to_value(f).unwrap();
        for (name, v) in Fractions::NAMES.iter().zip(f.values()) {
            assert_eq!(json[name], v, "{name}");
        }
        assert_eq!(Fractions::column("mature_bone"), "mature_bone_fraction");
        let mut g = Fractions::granulation();
        g.add_scaled(2.0, &f);
        g.divide(2.0);
        assert_eq!(g.values(), [1.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }

    /// A row with the fractions flattened into columns (as the history record has them).
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Row {
        day: u32,
        #[serde(flatten, with = "as_columns")]
        fractions: Fractions,
    }

    /// Goal: fractions written as columns read back as the same fractions, and a row without a
    /// column is refused (a checkpoint's history rows go this way).
    #[test]
    fn columns_read_back_as_the_fractions_they_came_from() {
        let row = Row {
            day: 3,
            fractions: Fractions {
                granulation: 0.1,
                fibrous: 0.2,
                cartilage: 0.3,
                marrow: 0.15,
                immature_bone: 0.05,
                mature_bone: 0.2,
            },
        };
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["cartilage_fraction"], 0.3);
        assert_eq!(serde_json::from_value::<Row>(json.clone()).unwrap(), row);
        let mut partial = json;
        partial.as_object_mut().unwrap().remove("marrow_fraction");
        let e = serde_json::from_value::<Row>(partial).unwrap_err();
        assert!(e.to_string().contains("tissue fraction column"), "{e}");
    }
}
