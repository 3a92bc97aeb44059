//! The state follows the material through a rezoning (MODEL.md §5: state mapping conserves cell and
//! tissue content): a rezoning moves the nodes inside the soft tissue ([`crate::rezone`]), so an
//! element afterwards covers material that its neighbours covered before. This moves the state
//! with that material, the remap step of an arbitrary Lagrangian–Eulerian code (Margolin &
//! Shashkov, "Second-order sign-preserving conservative interpolation (remapping) on general
//! grids", J. Comput. Phys. 184, 2003: the swept-region form used here, first order).
//!
//! - **Tissue** (the phenotype history of each regenerate element): each facet between two
//!   regenerate elements sweeps a volume as its vertices move in straight lines from the positions
//!   before to those after ([`callus_mesh::geometry::swept_volume`]); the element it sweeps into
//!   takes that volume of the material of the element it sweeps out of (donor cell). The volumes an
//!   element's facets sweep add up to the change of its volume, so the new history is a volume-
//!   weighted mix of the old ones ([`TissueState::remix`]) and every tissue's volume in the
//!   regenerate is conserved to rounding, except across the facets between the regenerate and the
//!   fixed tissues. There the rezoning moves the interface back towards where it was built, after
//!   the distraction steps drew marrow into the gap: a regenerate element that sweeps into a
//!   marrow element takes the marrow it covers now, as the marrow phenotype
//!   ([`TissueState::entering_fractions`]; fibrous soft tissue as the fibrous phenotype), and this
//!   inflow is reported. Where an interface moves the other way the regenerate's material it leaves
//!   stays uncounted (a fixed element cannot hold it): the drift the summary reports. Nothing flows
//!   across the outer surface. A motion large enough that an element would give away more than half
//!   of its volume is taken in equal sub-steps, so that every weight stays positive.
//! - **Nodal fields** (cells, vascularity): the value at a node's new position is read from the
//!   field before, in the element of the old positions that holds that position (the inverse of its
//!   isoparametric map, [`callus_fem::shape::locate`]), bounded by that element's nodal values so
//!   that a field in [0, 1] stays in it.
//!
//! The other per-element state (pre-traction, today's envelopes, the last vote) and the
//! displacement and pressure of the nodes stay with their element and node: they are the record of
//! the day's mechanics, renewed by the next step.

use callus_bio::state::TissueState;
use callus_bio::{BioError, Fractions};
use callus_fem::shape::{eval, locate, MAX_NODES};
use callus_fem::Idealisation;
use callus_mesh::generate::facet_neighbours;
use callus_mesh::geometry::swept_volume;
use callus_mesh::{ElementId, Mesh};

use crate::observe::volume;

/// The largest share of its volume an element gives away in one sub-step of the tissue remap.
const MAX_OUTFLOW_SHARE: f64 = 0.5;

/// The most sub-steps the tissue remap takes (a rezoning that needs more is refused upstream: it
/// would move nodes by many element sizes).
const MAX_SUBSTEPS: usize = 64;

/// `from + s (to − from)`.
fn between(from: &[[f64; 3]], to: &[[f64; 3]], s: f64) -> Vec<[f64; 3]> {
    from.iter()
        .zip(to)
        .map(|(a, b)| [0, 1, 2].map(|c| a[c] + s * (b[c] - a[c])))
        .collect()
}

/// What the material of each fixed element brings into a regenerate element
/// ([`TissueState::entering_fractions`]); `None` for regenerate elements, and for a fixed tissue of
/// no phenotype, whose elements then give nothing.
fn fixed_brings(tissue: &TissueState, regenerate: &[bool]) -> Vec<Option<Fractions>> {
    (0..tissue.len())
        .map(|e| {
            (!regenerate[e])
                .then(|| tissue.entering_fractions(e))
                .flatten()
        })
        .collect()
}

/// The donor-cell mixes for the motion `from` → `to` of the nodes of `mesh` (module docs).
struct Mixes {
    /// For each regenerate element, its sources and their shares of its new volume.
    of: Vec<Vec<(usize, f64)>>,
    /// The largest share of its volume any element gives away.
    worst_outflow: f64,
    /// The volume of each tissue that entered the regenerate from the fixed tissues (mm³, in the
    /// order of [`Fractions::NAMES`]).
    inflow: [f64; 6],
}

fn mixes(
    mesh: &Mesh,
    ideal: Idealisation,
    brings: &[Option<Fractions>],
    regenerate: &[bool],
    across: &[Vec<Option<ElementId>>],
    from: &[[f64; 3]],
    to: &[[f64; 3]],
) -> Mixes {
    let axisymmetric = ideal == Idealisation::Axisymmetric;
    let mut before = mesh.clone();
    before.coords_mut().copy_from_slice(from);
    let mut out = Mixes {
        of: vec![Vec::new(); mesh.num_elements()],
        worst_outflow: 0.0,
        inflow: [0.0; 6],
    };
    for e in mesh.elements().filter(|e| regenerate[e.id]) {
        let v = volume(&before, ideal, e.id);
        let mut own = v;
        let mut mix = Vec::new();
        for (l, facet) in e.kind.facets().iter().enumerate() {
            let pick = |x: &[[f64; 3]]| -> Vec<[f64; 3]> {
                facet.vertices.iter().map(|&a| x[e.nodes[a]]).collect()
            };
            let gained = swept_volume(&pick(from), &pick(to), axisymmetric);
            match across[e.id][l].filter(|&f| regenerate[f] || brings[f].is_some()) {
                Some(f) if gained > 0.0 => {
                    mix.push((f, gained));
                    if let Some(q) = brings[f] {
                        for (i, v) in q.values().iter().enumerate() {
                            out.inflow[i] += gained * v;
                        }
                    }
                }
                // Given away (to a fixed tissue it is lost: the measured drift), or the small
                // sweep of the outer surface (its own material).
                _ => own += gained,
            }
        }
        out.worst_outflow = out.worst_outflow.max(1.0 - own / v);
        mix.push((e.id, own.max(0.0)));
        let total: f64 = mix.iter().map(|m| m.1).sum();
        mix.iter_mut().for_each(|m| m.1 /= total);
        out.of[e.id] = mix;
    }
    out
}

/// What a tissue remap did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TissueRemap {
    /// Sub-steps taken.
    pub substeps: usize,
    /// The volume of each tissue that entered the regenerate from the fixed tissues (mm³, in the
    /// order of [`Fractions::NAMES`]: marrow drawn into the gap and back out of the marrow's
    /// elements by the rezoning).
    pub inflow_mm3: [f64; 6],
}

/// Remaps the tissue histories of the elements with `regenerate[e]` for the motion of the nodes of
/// `mesh` from `from` to `to` (module docs).
pub fn remap_tissue(
    mesh: &Mesh,
    ideal: Idealisation,
    regenerate: &[bool],
    from: &[[f64; 3]],
    to: &[[f64; 3]],
    tissue: &mut TissueState,
) -> Result<TissueRemap, BioError> {
    let across = facet_neighbours(mesh);
    let brings = fixed_brings(tissue, regenerate);
    let whole = mixes(mesh, ideal, &brings, regenerate, &across, from, to);
    let substeps =
        ((whole.worst_outflow / MAX_OUTFLOW_SHARE).ceil() as usize).clamp(1, MAX_SUBSTEPS);
    // One step reuses the mixes of the whole motion; more take the motion in equal parts.
    let mut whole = (substeps == 1).then_some(whole);
    let mut inflow_mm3 = [0.0; 6];
    for i in 0..substeps {
        let step = whole.take().unwrap_or_else(|| {
            let a = between(from, to, i as f64 / substeps as f64);
            let b = between(from, to, (i + 1) as f64 / substeps as f64);
            mixes(mesh, ideal, &brings, regenerate, &across, &a, &b)
        });
        tissue.remix(&step.of)?;
        for (t, v) in inflow_mm3.iter_mut().zip(step.inflow) {
            *t += v;
        }
    }
    Ok(TissueRemap {
        substeps,
        inflow_mm3,
    })
}

/// Reads each nodal field of `fields` (one value per node of `mesh`) at the nodes' new positions
/// `to` from the field on the positions `from` (module docs). Nodes that did not move keep their
/// values; a node whose new position lies in no element around it keeps its value too.
pub fn remap_nodal(mesh: &Mesh, from: &[[f64; 3]], to: &[[f64; 3]], fields: &mut [&mut Vec<f64>]) {
    let mut around: Vec<Vec<ElementId>> = vec![Vec::new(); mesh.num_nodes()];
    for e in mesh.elements() {
        e.nodes.iter().for_each(|&n| around[n].push(e.id));
    }
    let old: Vec<Vec<f64>> = fields.iter().map(|f| f.to_vec()).collect();
    let (mut x, mut n, mut dn) = (
        [[0.0; 3]; MAX_NODES],
        [0.0; MAX_NODES],
        [[0.0; 3]; MAX_NODES],
    );
    let mut candidates: Vec<ElementId> = Vec::new();
    for node in (0..mesh.num_nodes()).filter(|&v| from[v] != to[v]) {
        // The elements around the nodes of the elements around the node (its own among them).
        candidates.clear();
        for &e in &around[node] {
            for &m in mesh.element(e).nodes {
                candidates.extend_from_slice(&around[m]);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(ElementId, [f64; 3], f64)> = None;
        for &e in &candidates {
            let el = mesh.element(e);
            for (xa, &m) in x.iter_mut().zip(el.nodes) {
                *xa = from[m];
            }
            if let Some((xi, outside)) = locate(el.kind, &x[..el.nodes.len()], to[node]) {
                if best.is_none_or(|b| outside < b.2) {
                    best = Some((e, xi, outside));
                }
            }
        }
        let Some((e, xi, outside)) = best else {
            continue;
        };
        if outside > 1e-6 {
            continue;
        }
        let el = mesh.element(e);
        eval(el.kind, xi, &mut n, &mut dn);
        for (field, old) in fields.iter_mut().zip(&old) {
            let values = el.nodes.iter().map(|&m| old[m]);
            let (lo, hi) = values
                .clone()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                    (l.min(v), h.max(v))
                });
            let value: f64 = values.zip(&n).map(|(v, w)| v * w).sum();
            field[node] = value.clamp(lo, hi);
        }
    }
}
