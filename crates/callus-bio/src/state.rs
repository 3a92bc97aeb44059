//! Tissue state per element (MODEL.md §4): the phenotypes predicted on the last N days, their
//! fractions, and the material by the rule of mixtures.
//!
//! Fractions average the last N = 10 days (Lacroix & Prendergast 2002, to damp oscillation); days not
//! yet lived count as granulation tissue, so a phenotype held N days fully converts and a new one
//! phases in over N days. Elements of fixed regions (cortex, marrow) keep their catalogue tissue.
//!
//! Mixing, with c the element's mesenchymal cell concentration (0..1) and f_i the fractions
//! (granulation included for unfilled days):
//! P = (1 − c)·P_granulation + c·Σ f_i·P_i, linearly for ν, K_s, K_f and n; the mobility k
//! linearly too by default, or of log k ([`PermeabilityMixing::Logarithmic`]), since it spans
//! orders of magnitude between tissues; Young's modulus with the bone share cubed by default
//! ([`ModulusMixing::BoneShareCubed`], MODEL.md §4), or linearly.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::fractions::Fractions;
use crate::rules::Phenotype;
use crate::tissue::{Tissue, TissueCatalogue};
use crate::BioError;

/// How the mobility is mixed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermeabilityMixing {
    /// Σ w_i k_i (MODEL.md §4 as written).
    #[default]
    Linear,
    /// exp(Σ w_i ln k_i).
    Logarithmic,
}

/// How Young's modulus is mixed (MODEL.md §4). With the shares w of the mixture (granulation
/// 1 − c + c·f_granulation, each other phenotype c·f_i):
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModulusMixing {
    /// E = E_s + w_b³ (E_b − E_s), w_b the bone share (immature + mature), E_b the linear mix of
    /// the two bone moduli by their own shares, E_s that of the soft shares (granulation, fibrous,
    /// cartilage, marrow). Bone's modulus follows its apparent density cubed (Carter & Hayes
    /// 1977): a regenerate element 10 % woven bone is a sparse scaffold (E ≈ 3 MPa with fibrous
    /// tissue, not the linear law's 102 MPa). With no bone it is the linear law exactly.
    #[default]
    BoneShareCubed,
    /// Σ w_i E_i (Lacroix & Prendergast 2002).
    Linear,
}

/// The mixing laws of the properties that have a choice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MixingLaws {
    /// The mobility k.
    pub permeability: PermeabilityMixing,
    /// Young's modulus E.
    pub modulus: ModulusMixing,
}

/// The phenotype whose tissue is the catalogue tissue `name`, if any.
fn fixed_phenotype(name: &str) -> Option<Phenotype> {
    Phenotype::ALL.into_iter().find(|p| p.tissue() == name)
}

/// One element's tissue history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ElementTissue {
    /// A regenerate element: the votes of the last days, most recent last, each a vector of
    /// phenotype fractions summing to 1 (a pure phenotype, or the bone/cartilage split of
    /// MODEL.md §4b).
    Regenerate(VecDeque<Fractions>),
    /// An element of a fixed region: this catalogue tissue forever.
    Fixed(String),
}

/// Tissue state of all elements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TissueState {
    window_days: usize,
    mixing: MixingLaws,
    elements: Vec<ElementTissue>,
}

impl TissueState {
    /// `fixed[e]` names the catalogue tissue of elements of fixed regions (e.g. cortex →
    /// `cortical_bone`), `None` for regenerate elements, which start as granulation tissue.
    pub fn new(
        fixed: Vec<Option<String>>,
        window_days: usize,
        mixing: MixingLaws,
        catalogue: &TissueCatalogue,
    ) -> Result<TissueState, BioError> {
        if window_days == 0 {
            return Err(BioError::Invalid(
                "the averaging window must be at least 1 day".into(),
            ));
        }
        let elements = fixed
            .into_iter()
            .map(|f| match f {
                Some(name) => catalogue.get(&name).map(|_| ElementTissue::Fixed(name)),
                None => Ok(ElementTissue::Regenerate(VecDeque::with_capacity(
                    window_days,
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(TissueState {
            window_days,
            mixing,
            elements,
        })
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The state of element `e`.
    pub fn element(&self, e: usize) -> &ElementTissue {
        &self.elements[e]
    }

    /// Records a day's vote of each element: the phenotype the rule predicted, or `None` where
    /// no mechanical state reached it that day (its history is left as it is, as on a day with no
    /// mechanical event). Fixed elements take no vote.
    pub fn record_day(&mut self, votes: &[Option<Phenotype>]) -> Result<(), BioError> {
        let votes: Vec<Option<Fractions>> = votes.iter().map(|v| v.map(Fractions::pure)).collect();
        self.record_votes(&votes)
    }

    /// Records a day's vote of each element as phenotype fractions (MODEL.md §4b: a bone vote
    /// split by vascularity); `None` leaves the history as it is. Votes must sum to 1.
    pub fn record_votes(&mut self, votes: &[Option<Fractions>]) -> Result<(), BioError> {
        if votes.len() != self.elements.len() {
            return Err(BioError::Invalid(format!(
                "{} votes for {} elements",
                votes.len(),
                self.elements.len()
            )));
        }
        if let Some((e, v)) = votes
            .iter()
            .enumerate()
            .find_map(|(e, v)| v.filter(|f| (f.total() - 1.0).abs() > 1e-9).map(|f| (e, f)))
        {
            return Err(BioError::Invalid(format!(
                "the vote of element {e} sums to {}, not 1",
                v.total()
            )));
        }
        for (el, vote) in self.elements.iter_mut().zip(votes) {
            if let (ElementTissue::Regenerate(h), Some(v)) = (el, *vote) {
                if h.len() == self.window_days {
                    h.pop_front();
                }
                h.push_back(v);
            }
        }
        Ok(())
    }

    /// Appends elements (gap growth): each new element copies the state of `source[i]`, or starts
    /// as fresh granulation tissue if `None`.
    pub fn extend(&mut self, source: &[Option<usize>]) {
        for s in source {
            let el = match s {
                Some(e) => self.elements[*e].clone(),
                None => ElementTissue::Regenerate(VecDeque::with_capacity(self.window_days)),
            };
            self.elements.push(el);
        }
    }

    /// The fractions the material of element `e` brings into a regenerate element: a regenerate
    /// element's own ([`TissueState::fractions`]); a fixed element's tissue as the phenotype that
    /// takes that tissue's properties (marrow → [`Phenotype::Resorption`], fibrous →
    /// [`Phenotype::Fibrous`]); `None` for a fixed tissue of no phenotype (cortical bone).
    pub fn entering_fractions(&self, e: usize) -> Option<Fractions> {
        match &self.elements[e] {
            ElementTissue::Regenerate(_) => Some(self.fractions(e)),
            ElementTissue::Fixed(name) => fixed_phenotype(name).map(Fractions::pure),
        }
    }

    /// Remaps the histories conservatively (rezoning: the material an element stands for moved):
    /// the new history of element `e` is `Σ w · history(source)` over `mixes[e]`, a list of
    /// (source element, weight) whose weights are ≥ 0 and sum to 1, day by day from the most recent
    /// vote back, a history shorter than the window padded with granulation tissue on its unlived
    /// days (which is what [`TissueState::fractions`] counts there and what the next votes replace
    /// first, so a padded history evolves as the unpadded one would). A fixed source brings a full
    /// window of its tissue's phenotype ([`TissueState::entering_fractions`]; one of no phenotype
    /// is refused). Fractions then mix by the same weights, and tissue content is conserved where
    /// the weights are volumes. An element whose mix is itself alone, and every fixed element, is
    /// left as it is.
    pub fn remix(&mut self, mixes: &[Vec<(usize, f64)>]) -> Result<(), BioError> {
        if mixes.len() != self.elements.len() {
            return Err(BioError::Invalid(format!(
                "{} mixes for {} elements",
                mixes.len(),
                self.elements.len()
            )));
        }
        let w = self.window_days;
        let padded = |h: &VecDeque<Fractions>, day: usize| -> Fractions {
            // day 0 is the oldest slot of the window.
            let unlived = w - h.len();
            if day < unlived {
                Fractions::granulation()
            } else {
                h[day - unlived]
            }
        };
        let mut remixed = Vec::new();
        for (e, mix) in mixes.iter().enumerate() {
            if !matches!(self.elements[e], ElementTissue::Regenerate(_))
                || mix.iter().all(|&(s, _)| s == e)
            {
                continue;
            }
            let mut history: VecDeque<Fractions> =
                std::iter::repeat_n(Fractions::default(), w).collect();
            for &(source, weight) in mix {
                match &self.elements[source] {
                    ElementTissue::Regenerate(h) => {
                        for (day, slot) in history.iter_mut().enumerate() {
                            slot.add_scaled(weight, &padded(h, day));
                        }
                    }
                    ElementTissue::Fixed(name) => {
                        let Some(p) = fixed_phenotype(name) else {
                            return Err(BioError::Invalid(format!(
                                "element {e} would take tissue from element {source}, fixed as \
                                 '{name}', which no phenotype is"
                            )));
                        };
                        let vote = Fractions::pure(p);
                        history
                            .iter_mut()
                            .for_each(|slot| slot.add_scaled(weight, &vote));
                    }
                }
            }
            remixed.push((e, history));
        }
        for (e, history) in remixed {
            self.elements[e] = ElementTissue::Regenerate(history);
        }
        Ok(())
    }

    /// Fractions of element `e`: granulation for the unfilled days, each phenotype for its days;
    /// they sum to 1. A fixed element reports all zeros.
    pub fn fractions(&self, e: usize) -> Fractions {
        let mut f = Fractions::default();
        if let ElementTissue::Regenerate(h) = &self.elements[e] {
            let w = 1.0 / self.window_days as f64;
            f.granulation = (self.window_days - h.len()) as f64 * w;
            for vote in h {
                f.add_scaled(w, vote);
            }
        }
        f
    }

    /// Material of element `e` for the cell concentration `cells` (0..1) by the rule of mixtures.
    pub fn material(
        &self,
        e: usize,
        cells: f64,
        catalogue: &TissueCatalogue,
    ) -> Result<Tissue, BioError> {
        if !(0.0..=1.0).contains(&cells) {
            return Err(BioError::Invalid(format!(
                "cell concentration {cells} of element {e} is outside [0, 1]"
            )));
        }
        match &self.elements[e] {
            ElementTissue::Fixed(name) => Ok(*catalogue.get(name)?),
            ElementTissue::Regenerate(_) => {
                let f = self.fractions(e);
                let granulation = catalogue.get("granulation")?;
                let mut weights: Vec<(f64, &Tissue)> =
                    vec![(1.0 - cells + cells * f.granulation, granulation)];
                for p in Phenotype::ALL {
                    if f.of(p) > 0.0 {
                        weights.push((cells * f.of(p), catalogue.get(p.tissue())?));
                    }
                }
                let mix =
                    |get: fn(&Tissue) -> f64| weights.iter().map(|(w, t)| w * get(t)).sum::<f64>();
                let mobility = match self.mixing.permeability {
                    PermeabilityMixing::Linear => mix(|t| t.mobility_mm4_per_ns),
                    PermeabilityMixing::Logarithmic => weights
                        .iter()
                        .map(|(w, t)| w * t.mobility_mm4_per_ns.ln())
                        .sum::<f64>()
                        .exp(),
                };
                let youngs_modulus_mpa = match self.mixing.modulus {
                    ModulusMixing::Linear => mix(|t| t.youngs_modulus_mpa),
                    ModulusMixing::BoneShareCubed => {
                        let bone = [
                            (cells * f.immature_bone, catalogue.get("immature_bone")?),
                            (cells * f.mature_bone, catalogue.get("mature_bone")?),
                        ];
                        bone_share_cubed(&weights, &bone)
                    }
                };
                Ok(Tissue {
                    youngs_modulus_mpa,
                    mobility_mm4_per_ns: mobility,
                    poisson_ratio: mix(|t| t.poisson_ratio),
                    solid_bulk_mpa: mix(|t| t.solid_bulk_mpa),
                    fluid_bulk_mpa: mix(|t| t.fluid_bulk_mpa),
                    porosity: mix(|t| t.porosity),
                })
            }
        }
    }
}

/// E = E_s + w_b³ (E_b − E_s) of [`ModulusMixing::BoneShareCubed`] from all the shares
/// `weights` (which sum to 1) and the bone ones among them, `bone`.
fn bone_share_cubed(weights: &[(f64, &Tissue)], bone: &[(f64, &Tissue)]) -> f64 {
    let w_b: f64 = bone.iter().map(|(w, _)| w).sum();
    let e_all: f64 = weights.iter().map(|(w, t)| w * t.youngs_modulus_mpa).sum();
    let e_bone_sum: f64 = bone.iter().map(|(w, t)| w * t.youngs_modulus_mpa).sum();
    if w_b <= 0.0 {
        return e_all;
    }
    let e_b = e_bone_sum / w_b;
    let w_s = 1.0 - w_b;
    let e_s = if w_s > 0.0 {
        (e_all - e_bone_sum) / w_s
    } else {
        e_b
    };
    e_s + w_b.powi(3) * (e_b - e_s)
}
