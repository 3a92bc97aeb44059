//! The state of a run that lives on the mesh: every per-node and per-element field, in one place,
//! carried through a layer insertion by one call ([`State::carry`]; MODEL.md §5: "state carried
//! over") and through a rezoning by another ([`State::remap`], [`crate::remap`]). A new state
//! variable is a field here and a line of each.

use callus_bio::rules::Classification;
use callus_bio::state::{ElementTissue, TissueState};
use callus_bio::stimulus::{Envelope, MechanicalState};
use callus_mesh::growth::LayerInsertion;

use callus_bio::BioError;
use callus_fem::Idealisation;
use callus_mesh::Mesh;

use crate::mechanics::StepOutcome;
use crate::remap::{remap_nodal, remap_tissue, TissueRemap};
use crate::scenario::{NewLayer, StimulusChoice};

/// Per node.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeFields {
    /// Displacement since day 0 (mm).
    pub displacement_mm: Vec<[f64; 3]>,
    /// Pore pressure left by the last step (MPa; 0 on mid-side nodes).
    pub pressure_mpa: Vec<f64>,
    /// Mesenchymal cell concentration (0..1).
    pub cells: Vec<f64>,
    /// Vascularity φ (0..1, MODEL.md §4b; all 0 with `vascularity.enabled = false`).
    pub vascularity: Vec<f64>,
}

/// The mechanical states an element met today, by where they came from (MODEL.md §5: the stimulus
/// of the day).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DayEnvelopes {
    /// The peaks of the day's distraction steps.
    pub step_peak: Envelope,
    /// The relaxed states, just before the next step.
    pub relaxed: Envelope,
    /// The physiological load cycle.
    pub load: Envelope,
}

impl DayEnvelopes {
    /// The stimulus of the day as `choice` combines the states (`numerics.stimulus`).
    pub fn stimulus(&self, choice: StimulusChoice) -> Envelope {
        let mut day = Envelope::default();
        match choice {
            StimulusChoice::RelaxedAndLoad => {
                day.merge(&self.relaxed);
                day.merge(&self.load);
            }
            StimulusChoice::Maximum => {
                day.merge(&self.step_peak);
                day.merge(&self.load);
            }
            StimulusChoice::StepPeak => day.merge(&self.step_peak),
            StimulusChoice::Relaxed => day.merge(&self.relaxed),
            StimulusChoice::Load => day.merge(&self.load),
        }
        day
    }
}

/// Per element.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ElementFields {
    /// Tissue: phenotype history of regenerate elements, the tissue of fixed ones.
    pub tissue: TissueState,
    /// Effective stress carried from earlier steps (pre-traction, MPa).
    pub prestress_mpa: Vec<[[f64; 3]; 3]>,
    /// The rule's answer on the last day it was asked (none before, and for fixed elements).
    pub vote: Vec<Option<Classification>>,
    /// The mechanical states met so far today.
    pub today: Vec<DayEnvelopes>,
}

/// Every field of the run on the mesh.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// Per node.
    pub nodes: NodeFields,
    /// Per element.
    pub elements: ElementFields,
}

impl State {
    /// The state at the osteotomy: no displacement or pressure, the cells and vascularity given,
    /// the tissue of `tissue`, nothing carried or voted.
    pub fn new(
        num_nodes: usize,
        cells: Vec<f64>,
        vascularity: Vec<f64>,
        tissue: TissueState,
    ) -> State {
        let n = tissue.len();
        State {
            nodes: NodeFields {
                displacement_mm: vec![[0.0; 3]; num_nodes],
                pressure_mpa: vec![0.0; num_nodes],
                cells,
                vascularity,
            },
            elements: ElementFields {
                tissue,
                prestress_mpa: vec![[[0.0; 3]; 3]; n],
                vote: vec![None; n],
                today: vec![DayEnvelopes::default(); n],
            },
        }
    }

    /// Carries every field through a layer insertion: nodal fields are interpolated at the new
    /// nodes (the vascularity set to `new_layer_vascularity` there: new tissue, MODEL.md §4b),
    /// each new element continues the element below it (its tissue too, unless `new_layer` makes
    /// a new regenerate element fresh granulation tissue).
    pub fn carry(
        &mut self,
        insertion: &LayerInsertion,
        new_layer: NewLayer,
        new_layer_vascularity: f64,
    ) {
        let (n, e) = (&mut self.nodes, &mut self.elements);
        insertion.carry_nodes(&mut n.displacement_mm);
        insertion.carry_nodes(&mut n.pressure_mpa);
        insertion.carry_nodes(&mut n.cells);
        insertion.carry_nodes(&mut n.vascularity);
        n.vascularity[insertion.old_num_nodes..].fill(new_layer_vascularity);
        e.tissue
            .extend(&tissue_sources(insertion, new_layer, &e.tissue));
        insertion.carry_elements(&mut e.prestress_mpa);
        insertion.carry_elements(&mut e.vote);
        insertion.carry_elements(&mut e.today);
    }
}

impl State {
    /// Moves the state with the material through a rezoning that took the nodes of `mesh` from
    /// `from` to their positions in `mesh` ([`crate::remap`]): the tissue histories by the volumes
    /// the facets swept, the cells and the vascularity read at the new node positions.
    pub fn remap(
        &mut self,
        mesh: &Mesh,
        ideal: Idealisation,
        from: &[[f64; 3]],
    ) -> Result<TissueRemap, BioError> {
        let to = mesh.coords();
        let regenerate = self.elements.regenerate();
        let tissue = remap_tissue(
            mesh,
            ideal,
            &regenerate,
            from,
            to,
            &mut self.elements.tissue,
        )?;
        let n = &mut self.nodes;
        remap_nodal(mesh, from, to, &mut [&mut n.cells, &mut n.vascularity]);
        Ok(tissue)
    }

    /// What a distraction step leaves: its states join today's, its displacement adds to the
    /// displacement since day 0, the pore pressure is the one at its end, and with pre-traction
    /// (`prestress_decay` given) the effective stress at its end joins the carried one, which
    /// then decays by that factor over the interval to the next step.
    pub fn take_step(&mut self, step: StepOutcome, prestress_decay: Option<f64>) {
        self.elements.absorb_step(&step);
        if let Some(decay) = prestress_decay {
            for (p, s) in self
                .elements
                .prestress_mpa
                .iter_mut()
                .zip(&step.effective_stress)
            {
                for i in 0..3 {
                    for j in 0..3 {
                        p[i][j] = (p[i][j] + s[i][j]) * decay;
                    }
                }
            }
        }
        for (total, u) in self
            .nodes
            .displacement_mm
            .iter_mut()
            .zip(&step.displacement)
        {
            for c in 0..3 {
                total[c] += u[c];
            }
        }
        self.nodes.pressure_mpa = step.pressure;
    }
}

/// Where a value lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// A node (0-based).
    Node(usize),
    /// An element (0-based).
    Element(usize),
}

impl State {
    /// The first field (by name) and place where the state holds a value that is not finite
    /// (NaN or infinite), if any: a solve or an update gone wrong, caught before it spreads.
    pub fn first_not_finite(&self) -> Option<(&'static str, Site)> {
        let (n, e) = (&self.nodes, &self.elements);
        let bad = |v: &f64| !v.is_finite();
        let nodal = [
            ("pore pressure", n.pressure_mpa.iter().position(bad)),
            ("cell concentration", n.cells.iter().position(bad)),
            ("vascularity", n.vascularity.iter().position(bad)),
            (
                "displacement",
                n.displacement_mm.iter().position(|u| u.iter().any(bad)),
            ),
        ];
        let tissue = (0..e.tissue.len()).find(|&i| e.tissue.fractions(i).values().iter().any(bad));
        let elemental = [
            ("tissue fractions", tissue),
            (
                "carried stress",
                e.prestress_mpa
                    .iter()
                    .position(|s| s.iter().flatten().any(bad)),
            ),
        ];
        nodal
            .into_iter()
            .find_map(|(name, i)| Some((name, Site::Node(i?))))
            .or_else(|| {
                elemental
                    .into_iter()
                    .find_map(|(name, i)| Some((name, Site::Element(i?))))
            })
    }
}

/// For each new element, the element whose tissue it continues, or none for fresh granulation.
fn tissue_sources(
    insertion: &LayerInsertion,
    new_layer: NewLayer,
    tissue: &TissueState,
) -> Vec<Option<usize>> {
    insertion
        .new_elements
        .iter()
        .map(|&below| match (new_layer, tissue.element(below)) {
            (NewLayer::Granulation, ElementTissue::Regenerate(_)) => None,
            _ => Some(below),
        })
        .collect()
}

impl ElementFields {
    /// Forgets the states met yesterday.
    pub fn start_day(&mut self) {
        self.today.fill(DayEnvelopes::default());
    }

    /// Takes the states of a distraction step into today's, for every element (those a layer
    /// brought today too).
    pub fn absorb_step(&mut self, step: &StepOutcome) {
        assert_eq!(step.peak.len(), self.today.len(), "one state per element");
        for ((today, peak), relaxed) in self.today.iter_mut().zip(&step.peak).zip(&step.relaxed) {
            today.step_peak.merge(peak);
            today.relaxed.absorb(relaxed);
        }
    }

    /// The phenotype of the last vote, as a field value (its index in
    /// [`callus_bio::rules::Phenotype::ALL`], −1 for
    /// none).
    pub fn phenotype_field(&self) -> Vec<f64> {
        self.vote
            .iter()
            .map(|v| v.map_or(-1.0, |c| c.phenotype.index() as f64))
            .collect()
    }

    /// The stimulus value of the last vote, as a field value (NaN for none, or a rule without one).
    pub fn stimulus_field(&self) -> Vec<f64> {
        self.vote
            .iter()
            .map(|v| v.and_then(|c| c.stimulus).unwrap_or(f64::NAN))
            .collect()
    }

    /// A measure of today's states per element as a field value (NaN where none was met), e.g.
    /// the distortional strain of the relaxed envelope.
    pub fn today_field(
        &self,
        envelope: fn(&DayEnvelopes) -> &Envelope,
        measure: fn(&MechanicalState) -> f64,
    ) -> Vec<f64> {
        self.today
            .iter()
            .map(|t| envelope(t).state().map_or(f64::NAN, measure))
            .collect()
    }

    /// Whether each element is of the regenerate (not of a fixed region).
    pub fn regenerate(&self) -> Vec<bool> {
        (0..self.tissue.len()).map(|e| !self.is_fixed(e)).collect()
    }

    /// Whether element `e` is of a fixed region (keeps its catalogue tissue).
    pub fn is_fixed(&self, e: usize) -> bool {
        matches!(self.tissue.element(e), ElementTissue::Fixed(_))
    }

    /// Whether element `e` is cortical bone (the intact reference of the stiffness).
    pub fn is_cortical(&self, e: usize) -> bool {
        matches!(self.tissue.element(e), ElementTissue::Fixed(t) if t == "cortical_bone")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use callus_bio::tissue::TissueCatalogue;
    use callus_bio::Fractions;
    use callus_mesh::generate::{axisymmetric, OsteotomyGeometry};
    use callus_mesh::growth::insert_layer;

    fn shear(g: f64) -> MechanicalState {
        MechanicalState {
            strain: [[g, 0.0, 0.0], [0.0, -g, 0.0], [0.0, 0.0, 0.0]],
            ..MechanicalState::default()
        }
    }

    /// Goal: a value that is not finite is found in each field of the state, named with its node
    /// or element, nodes first; a finite state has none.
    ///
    /// State: 4 nodes and 2 regenerate elements of granulation, all finite; then one bad value
    /// planted at a time.
    #[test]
    fn a_value_that_is_not_a_number_is_found_and_placed() {
        let cat = TissueCatalogue::default_table();
        let tissue = TissueState::new(vec![None; 2], 10, Default::default(), &cat).unwrap();
        let fresh = State::new(4, vec![0.5; 4], vec![0.0; 4], tissue);
        assert_eq!(fresh.first_not_finite(), None);
        let planted = |plant: &dyn Fn(&mut State)| {
            let mut s = fresh.clone();
            plant(&mut s);
            s.first_not_finite()
        };
        assert_eq!(
            planted(&|s| s.nodes.pressure_mpa[2] = f64::NAN),
            Some(("pore pressure", Site::Node(2)))
        );
        assert_eq!(
            planted(&|s| s.nodes.cells[3] = f64::INFINITY),
            Some(("cell concentration", Site::Node(3)))
        );
        assert_eq!(
            planted(&|s| s.nodes.vascularity[1] = f64::NAN),
            Some(("vascularity", Site::Node(1)))
        );
        assert_eq!(
            planted(&|s| s.nodes.displacement_mm[0][2] = f64::NEG_INFINITY),
            Some(("displacement", Site::Node(0)))
        );
        assert_eq!(
            planted(&|s| s.elements.prestress_mpa[1][0][1] = f64::NAN),
            Some(("carried stress", Site::Element(1)))
        );
        let mut vote = Fractions::granulation();
        vote.fibrous = f64::NAN;
        assert_eq!(
            planted(&|s| s.elements.tissue.record_votes(&[None, Some(vote)]).unwrap()),
            Some(("tissue fractions", Site::Element(1)))
        );
        assert_eq!(
            planted(&|s| {
                s.elements.prestress_mpa[0][0][0] = f64::NAN;
                s.nodes.cells[1] = f64::NAN;
            }),
            Some(("cell concentration", Site::Node(1)))
        );
    }

    /// Goal: a layer inserted during a day carries every field from the element below (or the
    /// node values it lies between), and the new elements then take the day's later steps like
    /// the others (the loop once skipped them, with a count of elements taken at dawn).
    ///
    /// Mesh: the built-in axisymmetric osteotomy (linear, 1 mm elements), one layer at the growth
    /// plane. Steps: a first one before the insertion with shear 0.01 everywhere, a second after it
    /// with 0.05 everywhere.
    #[test]
    fn a_layer_inserted_today_takes_the_later_steps() {
        let mut mesh = axisymmetric(&OsteotomyGeometry {
            element_size_mm: 1.0,
            ..OsteotomyGeometry::default()
        })
        .unwrap();
        let n = mesh.num_elements();
        let cat = TissueCatalogue::default_table();
        let tissue = TissueState::new(vec![None; n], 10, Default::default(), &cat).unwrap();
        let cells: Vec<f64> = (0..mesh.num_nodes()).map(|i| i as f64).collect();
        let phi = vec![0.5; mesh.num_nodes()];
        let mut state = State::new(mesh.num_nodes(), cells, phi, tissue);
        let step = |g: f64, elements: usize| StepOutcome {
            peak: (0..elements)
                .map(|_| {
                    let mut e = Envelope::default();
                    e.absorb(&shear(g));
                    e
                })
                .collect(),
            relaxed: vec![shear(g); elements],
            displacement: vec![],
            pressure: vec![],
            effective_stress: vec![],
            forces: vec![],
        };
        state.elements.absorb_step(&step(0.01, n));
        let insertion = insert_layer(&mut mesh, "growth_plane", 0.5).unwrap();
        state.carry(&insertion, NewLayer::Neighbour, 0.0);
        let grown = mesh.num_elements();
        assert!(grown > n);
        assert_eq!(state.elements.today.len(), grown);
        assert_eq!(state.elements.tissue.len(), grown);
        assert_eq!(state.nodes.cells.len(), mesh.num_nodes());
        let old = insertion.old_num_nodes;
        assert!(state.nodes.vascularity[..old].iter().all(|&v| v == 0.5));
        assert!(
            state.nodes.vascularity[old..].iter().all(|&v| v == 0.0),
            "the new layer's nodes are avascular"
        );
        for (i, &below) in insertion.new_elements.iter().enumerate() {
            assert_eq!(state.elements.today[n + i], state.elements.today[below]);
        }
        state.elements.absorb_step(&step(0.05, grown));
        let g = |e: usize| {
            let s = state.elements.today[e].step_peak.state().unwrap();
            s.strain[0][0]
        };
        assert!(
            (0..grown).all(|e| g(e) == 0.05),
            "every element took the second step"
        );
        state.elements.start_day();
        assert!(state
            .elements
            .today
            .iter()
            .all(|t| t.step_peak.state().is_none()));
    }
}
