//! Observables of a day (MODEL.md §6): gap length, tissue fractions of the regenerate, bony
//! bridging, and the intact-bone reference of the stiffness.

use std::collections::HashMap;

use callus_bio::state::{ElementTissue, TissueState};
use callus_bio::Fractions;
use callus_fem::Idealisation;
use callus_mesh::geometry::{axisymmetric_volume, element_measure};
use callus_mesh::{ElementId, Mesh, MeshError};

use crate::growth::plane_position;

/// Catalogue tissues that count as bone for bridging when an element is fixed to them.
pub const BONE_TISSUES: [&str; 3] = ["cortical_bone", "mature_bone", "immature_bone"];

/// Bone fraction (immature + mature) from which a regenerate element counts as bone.
pub const BONE_ELEMENT_FRACTION: f64 = 0.5;

/// The fixator's share of an axial load below which the regenerate counts as healed (MODEL.md §6:
/// the bone carries at least 90 %; the clinical frame-removal criterion, BMC Musculoskelet Disord
/// 2024, doi:10.1186/s12891-024-07440-y).
pub const HEALED_FIXATOR_SHARE: f64 = 0.1;

/// The share of an axial load the fixator (stiffness `fixator_n_per_mm`) carries in parallel
/// with the construct (drained stiffness `construct_n_per_mm`): k_f / (k_f + k_c).
pub fn fixator_load_share(construct_n_per_mm: f64, fixator_n_per_mm: f64) -> f64 {
    fixator_n_per_mm / (fixator_n_per_mm + construct_n_per_mm)
}

/// Whether a construct of stiffness `construct_n_per_mm` has healed beside the fixator: its load
/// share is at most 10 % (k_c ≥ 9 k_f).
pub fn is_healed(construct_n_per_mm: f64, fixator_n_per_mm: f64) -> bool {
    fixator_load_share(construct_n_per_mm, fixator_n_per_mm) <= HEALED_FIXATOR_SHARE
}

/// The healed day of a stiffness history, (day, construct stiffness in N/mm) in day order: the
/// first day [`is_healed`] holds; `None` if it never does.
pub fn healed_day(
    history: impl IntoIterator<Item = (u32, f64)>,
    fixator_n_per_mm: f64,
) -> Option<u32> {
    history
        .into_iter()
        .find(|&(_, k)| is_healed(k, fixator_n_per_mm))
        .map(|(day, _)| day)
}

/// Volume (mm³) of element `e` in the mesh's configuration (revolved in axisymmetry).
pub fn volume(mesh: &Mesh, ideal: Idealisation, e: ElementId) -> f64 {
    match ideal {
        Idealisation::Axisymmetric => axisymmetric_volume(mesh, e),
        _ => element_measure(mesh, e),
    }
}

/// Gap length (mm): mean axial distance between the bone surfaces facing the gap, over their
/// nodes on bone (`on_bone[node]`; the marrow face of an osteotomy is pulled into the gap with the
/// regenerate, the cortex is not), or over all their nodes if none is on bone.
pub fn gap_length(
    mesh: &Mesh,
    proximal: &str,
    distal: &str,
    on_bone: &[bool],
) -> Result<f64, MeshError> {
    let a = mesh.dim() - 1;
    across_gap(mesh, proximal, distal, on_bone, |n| mesh.coords()[n][a])
}

/// Interfragmentary movement (mm, shortening positive) under the nodal displacement
/// `displacement`: how much the gap length of [`gap_length`] (same surfaces, same nodes) shortens.
/// Measured on the bone ends, not at the loaded end of the construct, whose marrow face may sink
/// under the load.
pub fn interfragmentary_movement(
    mesh: &Mesh,
    proximal: &str,
    distal: &str,
    on_bone: &[bool],
    displacement: &[[f64; 3]],
) -> Result<f64, MeshError> {
    let a = mesh.dim() - 1;
    Ok(-across_gap(mesh, proximal, distal, on_bone, |n| {
        displacement[n][a]
    })?)
}

/// Mean of `value` over the distal surface's nodes minus its mean over the proximal surface's
/// nodes, each over its nodes on bone (all of them if none is).
fn across_gap(
    mesh: &Mesh,
    proximal: &str,
    distal: &str,
    on_bone: &[bool],
    value: impl Fn(usize) -> f64,
) -> Result<f64, MeshError> {
    let mean = |set: &str| -> Result<f64, MeshError> {
        let all = &mesh.set(set)?.nodes;
        let bone: Vec<usize> = all.iter().copied().filter(|&n| on_bone[n]).collect();
        let nodes = if bone.is_empty() { all.clone() } else { bone };
        Ok(nodes.iter().map(|&n| value(n)).sum::<f64>() / nodes.len().max(1) as f64)
    };
    Ok(mean(distal)? - mean(proximal)?)
}

/// Nodes of elements whose tissue is fixed bone.
pub fn bone_nodes(mesh: &Mesh, state: &TissueState) -> Vec<bool> {
    let mut on = vec![false; mesh.num_nodes()];
    for el in mesh.elements() {
        if matches!(state.element(el.id), ElementTissue::Fixed(t) if BONE_TISSUES.contains(&t.as_str()))
        {
            for &n in el.nodes {
                on[n] = true;
            }
        }
    }
    on
}

/// Volume-weighted tissue fractions of the regenerate (granulation, fibrous, cartilage, immature
/// bone, mature bone, resorption/marrow) and its volume (mm³).
pub fn regenerate_fractions(
    mesh: &Mesh,
    ideal: Idealisation,
    state: &TissueState,
) -> (Fractions, f64) {
    let mut total = Fractions::default();
    let mut v_all = 0.0;
    for e in 0..state.len() {
        if let ElementTissue::Regenerate(_) = state.element(e) {
            let v = volume(mesh, ideal, e);
            v_all += v;
            total.add_scaled(v, &state.fractions(e));
        }
    }
    if v_all > 0.0 {
        total.divide(v_all);
    }
    (total, v_all)
}

/// Whether element `e` is bone: a fixed bone tissue, or regenerate with bone fraction ≥ ½.
pub fn is_bone(state: &TissueState, e: ElementId) -> bool {
    match state.element(e) {
        ElementTissue::Fixed(t) => BONE_TISSUES.contains(&t.as_str()),
        ElementTissue::Regenerate(_) => state.fractions(e).bone() >= BONE_ELEMENT_FRACTION,
    }
}

/// Bony bridging: whether bone elements connected through shared facets join an element touching
/// the fixed set (the proximal segment) to one touching the moving set (the distal segment).
pub fn bridged(
    mesh: &Mesh,
    state: &TissueState,
    fixed_set: &str,
    moving_set: &str,
) -> Result<bool, MeshError> {
    let n = mesh.num_elements();
    let bone: Vec<bool> = (0..n).map(|e| is_bone(state, e)).collect();
    // Union–find over bone elements sharing a facet.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut seen: HashMap<Vec<usize>, ElementId> = HashMap::new();
    for el in mesh.elements().filter(|el| bone[el.id]) {
        for local in 0..el.kind.facets().len() {
            if let Some(&other) = seen.get(&el.facet_key(local)) {
                let (a, b) = (root(&mut parent, el.id), root(&mut parent, other));
                parent[a] = b;
            } else {
                seen.insert(el.facet_key(local), el.id);
            }
        }
    }
    let touching = |set: &str| -> Result<Vec<bool>, MeshError> {
        let mut on = vec![false; mesh.num_nodes()];
        for &v in &mesh.set(set)?.nodes {
            on[v] = true;
        }
        Ok(mesh
            .elements()
            .map(|el| el.nodes.iter().any(|&v| on[v]))
            .collect())
    };
    let (near_fixed, near_moving) = (touching(fixed_set)?, touching(moving_set)?);
    let mut fixed_roots = std::collections::HashSet::new();
    for e in (0..n).filter(|&e| bone[e] && near_fixed[e]) {
        fixed_roots.insert(root(&mut parent, e));
    }
    Ok((0..n).any(|e| bone[e] && near_moving[e] && fixed_roots.contains(&root(&mut parent, e))))
}

/// Axial stiffness (N/mm) of an intact bone over the construct's length: E·A/L with E the cortical
/// bone's modulus, A the cortex cross-section (volume of the `cortex` elements over their axial
/// extent, gap excluded) and L the distance between the fixed and moving sets. The reference of
/// `stiffness_pct_intact` (MODEL.md §6).
pub fn intact_stiffness(
    mesh: &Mesh,
    ideal: Idealisation,
    cortical: &[bool],
    e_cortical_mpa: f64,
    ends: (&str, &str),
    gap_mm: f64,
) -> Result<f64, MeshError> {
    let length = plane_position(mesh, ends.1)? - plane_position(mesh, ends.0)?;
    let v: f64 = (0..mesh.num_elements())
        .filter(|&e| cortical[e])
        .map(|e| volume(mesh, ideal, e))
        .sum();
    let area = v / (length - gap_mm);
    Ok(e_cortical_mpa * area / length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use callus_mesh::generate::{axisymmetric, OsteotomyGeometry};

    /// Goal: the interfragmentary movement is the shortening of the gap between the bone ends.
    ///
    /// Mesh: the built-in axisymmetric osteotomy (1 mm gap centred on z = 0). Displacement: the
    /// distal half (z > 0) moved 0.1 mm towards the proximal one, and the distal osteotomy's
    /// marrow face pushed a further 5 mm into the gap (as a soft face does under a uniform
    /// traction). Only the cortex counts as bone, so the movement is 0.1 mm, and it equals the
    /// gap length before minus after.
    #[test]
    fn interfragmentary_movement_is_the_gap_shortening_on_bone() {
        let mesh = axisymmetric(&OsteotomyGeometry::default()).unwrap();
        let cortex = mesh.require_regions(&["cortex"]).unwrap()[0];
        let mut on_bone = vec![false; mesh.num_nodes()];
        for el in mesh.elements().filter(|el| el.region == cortex) {
            for &n in el.nodes {
                on_bone[n] = true;
            }
        }
        let distal_face = &mesh.set("distal_osteotomy").unwrap().nodes;
        assert!(
            distal_face.iter().any(|&n| !on_bone[n]),
            "the face has a marrow part to sink"
        );
        let u: Vec<[f64; 3]> = (0..mesh.num_nodes())
            .map(|n| {
                let z = mesh.coords()[n][1];
                let mut dz = if z > 0.0 { -0.1 } else { 0.0 };
                if distal_face.contains(&n) && !on_bone[n] {
                    dz -= 5.0;
                }
                [0.0, dz, 0.0]
            })
            .collect();
        let (p, d) = ("proximal_osteotomy", "distal_osteotomy");
        let movement = interfragmentary_movement(&mesh, p, d, &on_bone, &u).unwrap();
        assert!((movement - 0.1).abs() < 1e-12, "{movement}");
        let before = gap_length(&mesh, p, d, &on_bone).unwrap();
        let mut moved = mesh.clone();
        for (x, du) in moved.coords_mut().iter_mut().zip(&u) {
            x[1] += du[1];
        }
        let after = gap_length(&moved, p, d, &on_bone).unwrap();
        assert!((before - after - movement).abs() < 1e-12);
        assert!((before - 1.0).abs() < 1e-12, "{before}");
    }
}

/// φ below which tissue counts as avascular (MODEL.md §4b/§6: the lower end of the bone window;
/// below it the regenerate is the avascular central zone, the fibrous interzone).
pub const VASCULARISED_PHI: f64 = 0.6;

/// The avascular central zone of the regenerate on one day (MODEL.md §6).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vascularised {
    /// Volume fraction of the regenerate with φ ≥ [`VASCULARISED_PHI`] (element means).
    pub fraction: f64,
    /// Length (mm) along the bone axis (r = 0) of regenerate with φ < 0.6, with φ linear between
    /// the axis nodes; `None` where the mesh has no axis (plane strain).
    pub width_on_axis_mm: Option<f64>,
    /// Avascular volume of the regenerate over its section at the growth plane (mm): the width of
    /// the zone as a volume-weighted mean over the section.
    pub width_mean_mm: f64,
}

/// The avascular zone of the regenerate (`regenerate[e]`) from the nodal φ `phi` and its element
/// means `phi_elements`, the section being the facets of `plane` on regenerate elements.
pub fn vascularised(
    mesh: &Mesh,
    ideal: Idealisation,
    regenerate: &[bool],
    phi: &[f64],
    phi_elements: &[f64],
    plane: &str,
) -> Result<Vascularised, MeshError> {
    let (mut open, mut avascular) = (0.0, 0.0);
    for e in (0..mesh.num_elements()).filter(|&e| regenerate[e]) {
        let v = volume(mesh, ideal, e);
        if phi_elements[e] >= VASCULARISED_PHI {
            open += v;
        } else {
            avascular += v;
        }
    }
    let section: f64 = mesh
        .set(plane)?
        .facets
        .iter()
        .filter(|f| regenerate[f.element])
        .map(|f| {
            facet_area(
                mesh,
                ideal,
                &mesh.element(f.element).facet_vertices(f.local as usize),
            )
        })
        .sum();
    Ok(Vascularised {
        fraction: open / (open + avascular).max(f64::MIN_POSITIVE),
        width_on_axis_mm: width_on_axis(mesh, ideal, regenerate, phi),
        width_mean_mm: if section > 0.0 {
            avascular / section
        } else {
            0.0
        },
    })
}

/// The area (mm²) of a facet with these vertices: revolved in axisymmetry, per unit thickness in
/// plane strain, triangles (a quadrilateral as two) in 3D.
fn facet_area(mesh: &Mesh, ideal: Idealisation, vertices: &[usize]) -> f64 {
    let x = |i: usize| mesh.coords()[vertices[i]];
    match (mesh.dim(), ideal) {
        (2, Idealisation::Axisymmetric) => {
            std::f64::consts::PI * (x(0)[0].powi(2) - x(1)[0].powi(2)).abs()
        }
        (2, _) => ((x(0)[0] - x(1)[0]).powi(2) + (x(0)[1] - x(1)[1]).powi(2)).sqrt(),
        _ => {
            let tri = |a: [f64; 3], b: [f64; 3], c: [f64; 3]| {
                let (u, v) = (
                    [b[0] - a[0], b[1] - a[1], b[2] - a[2]],
                    [c[0] - a[0], c[1] - a[1], c[2] - a[2]],
                );
                let n = [
                    u[1] * v[2] - u[2] * v[1],
                    u[2] * v[0] - u[0] * v[2],
                    u[0] * v[1] - u[1] * v[0],
                ];
                0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt()
            };
            let mut area = tri(x(0), x(1), x(2));
            if vertices.len() == 4 {
                area += tri(x(0), x(2), x(3));
            }
            area
        }
    }
}

/// The avascular length along the axis (r = 0, the last coordinate axial): over the edges between
/// consecutive axis nodes of one regenerate element, the part where the linear φ is below 0.6.
fn width_on_axis(
    mesh: &Mesh,
    ideal: Idealisation,
    regenerate: &[bool],
    phi: &[f64],
) -> Option<f64> {
    if ideal == Idealisation::PlaneStrain {
        return None;
    }
    let a = mesh.dim() - 1;
    let tol = 1e-9 * mesh.size_scale();
    let radial = |x: &[f64; 3]| (0..a).map(|i| x[i] * x[i]).sum::<f64>().sqrt();
    let mut width = 0.0;
    // An axis edge is shared by several elements in 3D: count each once.
    let mut seen = std::collections::HashSet::new();
    for e in mesh.elements().filter(|e| regenerate[e.id]) {
        let mut on_axis: Vec<usize> = e
            .nodes
            .iter()
            .copied()
            .filter(|&n| radial(&mesh.coords()[n]) < tol)
            .collect();
        on_axis.sort_by(|&p, &q| mesh.coords()[p][a].total_cmp(&mesh.coords()[q][a]));
        for w in on_axis.windows(2) {
            let (p, q) = (w[0], w[1]);
            if !seen.insert((p, q)) {
                continue;
            }
            let length = mesh.coords()[q][a] - mesh.coords()[p][a];
            width += length * below(phi[p], phi[q], VASCULARISED_PHI);
        }
    }
    Some(width)
}

/// The share of a segment, with values `p` and `q` at its ends and linear between, where the value
/// is below `level`.
fn below(p: f64, q: f64, level: f64) -> f64 {
    match (p < level, q < level) {
        (true, true) => 1.0,
        (false, false) => 0.0,
        _ => {
            let t = (level - p) / (q - p);
            if p < level {
                t
            } else {
                1.0 - t
            }
        }
    }
}
