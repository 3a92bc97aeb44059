//! The observables of a day (MODEL.md §6) on tiny hand-made meshes whose answers are known by
//! hand: element volumes, the nodes on bone, the volume-weighted regenerate fractions, which
//! elements are bone and bony bridging (both ways), the intact-bone stiffness E·A/L, and the
//! vascularised fraction and avascular widths at and around φ = 0.6.

use std::f64::consts::PI;

use callus_bio::rules::Phenotype;
use callus_bio::state::{MixingLaws, TissueState};
use callus_bio::tissue::TissueCatalogue;
use callus_bio::Fractions;
use callus_fem::Idealisation;
use callus_mesh::generate::{brick, rectangle, SolidElements};
use callus_mesh::Mesh;
use callus_sim::observe::{
    bone_nodes, bridged, intact_stiffness, is_bone, regenerate_fractions, vascularised, volume,
    Vascularised,
};

/// A tissue state for `tissues[e]`: a catalogue tissue name (fixed element) or the phenotype
/// votes of a regenerate element, in a window of `window` days.
enum Tissue {
    Fixed(&'static str),
    Votes(Vec<Phenotype>),
}

fn tissue_state(tissues: &[Tissue], window: usize) -> TissueState {
    let fixed = tissues
        .iter()
        .map(|t| match t {
            Tissue::Fixed(name) => Some(name.to_string()),
            Tissue::Votes(_) => None,
        })
        .collect();
    let mut state = TissueState::new(
        fixed,
        window,
        MixingLaws::default(),
        &TissueCatalogue::default_table(),
    )
    .unwrap();
    let days = tissues
        .iter()
        .map(|t| match t {
            Tissue::Votes(v) => v.len(),
            Tissue::Fixed(_) => 0,
        })
        .max()
        .unwrap_or(0);
    for day in 0..days {
        let votes: Vec<Option<Phenotype>> = tissues
            .iter()
            .map(|t| match t {
                Tissue::Votes(v) => v.get(day).copied(),
                Tissue::Fixed(_) => None,
            })
            .collect();
        state.record_day(&votes).unwrap();
    }
    state
}

fn bone_votes() -> Tissue {
    Tissue::Votes(vec![Phenotype::MatureBone])
}

fn fibrous_votes() -> Tissue {
    Tissue::Votes(vec![Phenotype::Fibrous])
}

/// Goal: an element's volume is its area in plane strain and its revolved volume in axisymmetry.
///
/// Input: one Quad4 [1, 2] × [0, 1] mm. Checked: 1 mm² (per mm of thickness) in plane strain,
/// π(2² − 1²)·1 = 3π mm³ revolved.
#[test]
fn element_volume_is_its_area_or_its_revolved_volume() {
    let mesh = rectangle([1.0, 2.0], [0.0, 1.0], 1, 1).unwrap();
    assert!((volume(&mesh, Idealisation::PlaneStrain, 0) - 1.0).abs() < 1e-14);
    assert!((volume(&mesh, Idealisation::Axisymmetric, 0) - 3.0 * PI).abs() < 1e-12);
}

/// Goal: the nodes on bone are those of elements fixed to a bone tissue (cortical, mature or
/// immature bone), not those of regenerate bone or of fixed marrow.
///
/// Input: a column of four Quad4 [0, 1] × [0, 4] (nodes 2j, 2j + 1 at y = j): cortical bone,
/// regenerate of mature bone, fixed marrow, fixed mature bone. Checked: the nodes at y = 0, 1 (of
/// the cortex) and y = 3, 4 (of the fixed mature bone) are on bone, those at y = 2 are not.
#[test]
fn bone_nodes_are_the_nodes_of_fixed_bone_elements() {
    let mesh = rectangle([0.0, 1.0], [0.0, 4.0], 1, 4).unwrap();
    let state = tissue_state(
        &[
            Tissue::Fixed("cortical_bone"),
            bone_votes(),
            Tissue::Fixed("marrow"),
            Tissue::Fixed("mature_bone"),
        ],
        1,
    );
    let on: Vec<bool> = (0..10).map(|n| n / 2 != 2).collect();
    assert_eq!(bone_nodes(&mesh, &state), on);
}

/// Goal: the regenerate's tissue fractions are weighted by element volume, fixed elements left
/// out; a mesh without regenerate reports zeros and no volume (not NaN).
///
/// Input: three Quad4 side by side in r, [0, 3] × [0, 1] mm, axisymmetric: r ∈ [0, 1] fibrous
/// (volume π), r ∈ [1, 2] cartilage (3π), r ∈ [2, 3] fixed cortical bone (5π). Checked: volume
/// 4π, fibrous 1/4, cartilage 3/4 (an unweighted mean would give 1/2 each). The same mesh all
/// fixed: all fractions 0, volume 0.
#[test]
fn regenerate_fractions_are_weighted_by_element_volume() {
    let mesh = rectangle([0.0, 3.0], [0.0, 1.0], 3, 1).unwrap();
    let state = tissue_state(
        &[
            fibrous_votes(),
            Tissue::Votes(vec![Phenotype::Cartilage]),
            Tissue::Fixed("cortical_bone"),
        ],
        1,
    );
    let (f, v) = regenerate_fractions(&mesh, Idealisation::Axisymmetric, &state);
    assert!((v - 4.0 * PI).abs() < 1e-12, "{v}");
    assert!((f.fibrous - 0.25).abs() < 1e-14, "{f:?}");
    assert!((f.cartilage - 0.75).abs() < 1e-14, "{f:?}");
    assert!((f.total() - 1.0).abs() < 1e-14, "{f:?}");
    let cortex = || Tissue::Fixed("cortical_bone");
    let fixed = tissue_state(&[cortex(), cortex(), cortex()], 1);
    let (f, v) = regenerate_fractions(&mesh, Idealisation::Axisymmetric, &fixed);
    assert_eq!((f, v), (Fractions::default(), 0.0));
}

/// Goal: an element is bone when fixed to a bone tissue, or as regenerate when its bone fraction
/// (immature + mature) is at least ½, exactly ½ included.
///
/// Input: window 2 days; regenerate of one immature bone and one fibrous vote (bone ½), of one
/// mature bone vote and one unlived day (bone ½, the rest granulation), of one fibrous vote;
/// fixed cortical bone, immature bone, marrow and fibrous tissue. Window 3: one bone vote of three
/// days (bone ⅓). Checked: bone, bone, not, bone, bone, not, not; not.
#[test]
fn is_bone_from_half_a_bone_fraction_or_a_fixed_bone_tissue() {
    let state = tissue_state(
        &[
            Tissue::Votes(vec![Phenotype::ImmatureBone, Phenotype::Fibrous]),
            bone_votes(),
            fibrous_votes(),
            Tissue::Fixed("cortical_bone"),
            Tissue::Fixed("immature_bone"),
            Tissue::Fixed("marrow"),
            Tissue::Fixed("fibrous"),
        ],
        2,
    );
    assert_eq!(state.fractions(0).bone(), 0.5);
    assert_eq!(state.fractions(1).bone(), 0.5);
    let bone: Vec<bool> = (0..state.len()).map(|e| is_bone(&state, e)).collect();
    assert_eq!(bone, [true, true, false, true, true, false, false]);
    let third = tissue_state(&[bone_votes()], 3);
    assert!(!is_bone(&third, 0));
}

/// A column of three Quad4 [0, 1] × [0, 3] mm: cortical bone at both ends (touching the sets
/// `bottom` and `top`) and a regenerate element `middle` between them.
fn column(middle: Tissue) -> (Mesh, TissueState) {
    let mesh = rectangle([0.0, 1.0], [0.0, 3.0], 1, 3).unwrap();
    let cortex = || Tissue::Fixed("cortical_bone");
    let state = tissue_state(&[cortex(), middle, cortex()], 1);
    (mesh, state)
}

/// Goal: bony bridging (MODEL.md §6) needs a path of bone elements sharing facets from the
/// proximal segment to the distal one; bone at both ends alone is not a bridge.
///
/// Input: the column of [`column`] with the middle element mature bone, then fibrous. Checked:
/// bridged, then not bridged (the two cortices are bone, each touches its end, but no bone
/// path joins them).
#[test]
fn bridged_through_a_bone_element_and_not_through_a_soft_one() {
    let (mesh, state) = column(bone_votes());
    assert!(bridged(&mesh, &state, "bottom", "top").unwrap());
    let (mesh, state) = column(fibrous_votes());
    assert!(!bridged(&mesh, &state, "bottom", "top").unwrap());
    assert!(
        bridged(&mesh, &state, "bottom", "no_such_set").is_err(),
        "a missing set is an error"
    );
}

/// Goal: bone elements that touch at a corner only are not connected (bridging goes through
/// shared facets), and the same elements joined by a third bone element are.
///
/// Input: 2 × 2 Quad4 on [0, 2]², all regenerate: elements (0, 0) and (1, 1) bone, the two others
/// fibrous, so bone touches the bottom and the top but only through the corner node (1, 1); then
/// the element (0, 1) bone too. Checked: not bridged, then bridged.
#[test]
fn bone_elements_meeting_at_a_corner_do_not_bridge() {
    let mesh = rectangle([0.0, 2.0], [0.0, 2.0], 2, 2).unwrap();
    // Element ids: (i, j) → 2j + i.
    let corner = tissue_state(
        &[bone_votes(), fibrous_votes(), fibrous_votes(), bone_votes()],
        1,
    );
    assert!(!bridged(&mesh, &corner, "bottom", "top").unwrap());
    let joined = tissue_state(
        &[bone_votes(), fibrous_votes(), bone_votes(), bone_votes()],
        1,
    );
    assert!(bridged(&mesh, &joined, "bottom", "top").unwrap());
}

/// Goal: the intact-bone reference of the stiffness is E·A/L, A the cortex cross-section (its
/// volume over its axial extent, the gap left out) and L the distance between the fixed and moving
/// sets (MODEL.md §6).
///
/// Input: four Quad4 of 1 mm stacked on y ∈ [1, 5] (so L = 4 mm), the third a 1 mm gap, the
/// others cortex, E = 20000 MPa. Plane strain, x ∈ [0, 1]: A = 3 mm² / 3 mm = 1 mm², k = 20000 ·
/// 1 / 4 = 5000 N/mm. Axisymmetric tube r ∈ [1, 2]: A = π(2² − 1²) = 3π mm², k = 15000π N/mm.
#[test]
fn intact_stiffness_is_e_a_over_l_of_the_cortex() {
    let cortical = [true, true, false, true];
    let plane = rectangle([0.0, 1.0], [1.0, 5.0], 1, 4).unwrap();
    let k = intact_stiffness(
        &plane,
        Idealisation::PlaneStrain,
        &cortical,
        20000.0,
        ("bottom", "top"),
        1.0,
    )
    .unwrap();
    assert!((k - 5000.0).abs() < 1e-9, "{k}");
    let tube = rectangle([1.0, 2.0], [1.0, 5.0], 1, 4).unwrap();
    let k = intact_stiffness(
        &tube,
        Idealisation::Axisymmetric,
        &cortical,
        20000.0,
        ("bottom", "top"),
        1.0,
    )
    .unwrap();
    assert!((k - 15000.0 * PI).abs() < 1e-8, "{k}");
}

/// The vascularised state of an all-regenerate mesh with nodal φ `phi(x)` and element means
/// `means`, the section being the set `plane`.
fn zone(
    mesh: &Mesh,
    ideal: Idealisation,
    phi: impl Fn(&[f64; 3]) -> f64,
    means: &[f64],
    plane: &str,
) -> Vascularised {
    let phi: Vec<f64> = mesh.coords().iter().map(phi).collect();
    let regenerate = vec![true; mesh.num_elements()];
    vascularised(mesh, ideal, &regenerate, &phi, means, plane).unwrap()
}

/// Goal: φ exactly 0.6 is vascularised (the zone is φ < 0.6, MODEL.md §4b/§6), for the element
/// means and on the axis.
///
/// Input: [0, 1] × [0, 2] in (r, z), 1 × 4 Quad4, axisymmetric, φ = 0.6 at every node and element.
/// Checked: vascularised fraction 1, no avascular width on the axis or over the section.
#[test]
fn phi_exactly_at_the_threshold_is_vascularised() {
    let mesh = rectangle([0.0, 1.0], [0.0, 2.0], 1, 4).unwrap();
    let v = zone(
        &mesh,
        Idealisation::Axisymmetric,
        |_| 0.6,
        &[0.6; 4],
        "bottom",
    );
    assert_eq!(v.fraction, 1.0, "{v:?}");
    assert_eq!(v.width_on_axis_mm, Some(0.0), "{v:?}");
    assert_eq!(v.width_mean_mm, 0.0, "{v:?}");
}

/// Goal: the vascularised fraction and the mean width weigh elements by their volume.
///
/// Input: [0, 2]² in (r, z), 2 × 2 Quad4, axisymmetric; element means 0.5 at r ∈ [0, 1], z < 1
/// (volume π) and 0.7, 0.9, 0.9 elsewhere (volumes 3π, π, 3π); the section `bottom` has area 4π.
/// Checked: vascularised fraction 7π/8π = 7/8; mean width π/4π = 0.25 mm.
#[test]
fn vascularised_fraction_and_mean_width_weigh_by_volume() {
    let mesh = rectangle([0.0, 2.0], [0.0, 2.0], 2, 2).unwrap();
    let v = zone(
        &mesh,
        Idealisation::Axisymmetric,
        |_| 1.0,
        &[0.5, 0.7, 0.9, 0.9],
        "bottom",
    );
    assert!((v.fraction - 0.875).abs() < 1e-14, "{v:?}");
    assert!((v.width_mean_mm - 0.25).abs() < 1e-14, "{v:?}");
    let none = zone(
        &mesh,
        Idealisation::Axisymmetric,
        |_| 1.0,
        &[0.5, 0.7, 0.9, 0.9],
        "left",
    );
    assert_eq!(
        none.width_mean_mm, 0.0,
        "a section of zero area (the axis) has no mean width"
    );
}

/// Goal: the avascular length on the axis where φ falls along it, between nodes and from a node
/// exactly at 0.6.
///
/// Input: [0, 1] × [0, 2] in (r, z), 1 × 4 Quad4 (axis nodes at z = 0, 0.5, … 2), axisymmetric.
/// φ = 1 − z/2 is below 0.6 for z > 0.8: width 1.2 mm (0.2 of the edge from z = 0.5 to 1).
/// φ = 0.6 − z/10 is 0.6 at z = 0 and below above it: the whole 2 mm.
#[test]
fn avascular_width_where_phi_falls_along_the_axis() {
    let mesh = rectangle([0.0, 1.0], [0.0, 2.0], 1, 4).unwrap();
    let means = [1.0; 4];
    let v = zone(
        &mesh,
        Idealisation::Axisymmetric,
        |x| 1.0 - x[1] / 2.0,
        &means,
        "bottom",
    );
    assert!((v.width_on_axis_mm.unwrap() - 1.2).abs() < 1e-12, "{v:?}");
    let v = zone(
        &mesh,
        Idealisation::Axisymmetric,
        |x| 0.6 - x[1] / 10.0,
        &means,
        "bottom",
    );
    assert!((v.width_on_axis_mm.unwrap() - 2.0).abs() < 1e-12, "{v:?}");
}

/// `mesh` turned by `angle` (rad) about the unit axis `axis` (Rodrigues' formula): lengths, areas
/// and volumes stay.
fn rotated(mut mesh: Mesh, axis: [f64; 3], angle: f64) -> Mesh {
    let (s, c) = angle.sin_cos();
    for x in mesh.coords_mut() {
        let dot = axis[0] * x[0] + axis[1] * x[1] + axis[2] * x[2];
        let cross = [
            axis[1] * x[2] - axis[2] * x[1],
            axis[2] * x[0] - axis[0] * x[2],
            axis[0] * x[1] - axis[1] * x[0],
        ];
        let old = *x;
        *x = std::array::from_fn(|i| old[i] * c + cross[i] * s + axis[i] * dot * (1.0 - c));
    }
    mesh
}

/// Goal: the section's area is right for facets in any orientation: segments in plane strain,
/// triangles and quadrilaterals in 3D.
///
/// Input: all avascular (φ = 0). Plane strain: [1, 3] × [1, 2] mm, 2 × 1 Quad4, turned 30° in
/// its plane: area 2 mm², section `bottom` 2 mm long, mean width 1 mm. 3D: the brick [1, 2] ×
/// [1, 3] × [1, 4] mm (no corner at the origin, so that no edge vector equals a vertex) as one
/// Hex8 and as six Tet4, turned 40° about (1, 2, 2)/3 through the origin: volume 6 mm³, section
/// `bottom` 2 mm² (one quadrilateral, or two triangles), mean width 3 mm. Checked: the mean
/// widths and a vascularised fraction of 0.
#[test]
fn section_area_of_turned_facets() {
    let plane = rotated(
        rectangle([1.0, 3.0], [1.0, 2.0], 2, 1).unwrap(),
        [0.0, 0.0, 1.0],
        PI / 6.0,
    );
    let v = zone(
        &plane,
        Idealisation::PlaneStrain,
        |_| 0.0,
        &[0.0; 2],
        "bottom",
    );
    assert!((v.width_mean_mm - 1.0).abs() < 1e-12, "{v:?}");
    assert_eq!(v.fraction, 0.0);
    let axis = [1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0];
    for elements in [SolidElements::Hex, SolidElements::Tet] {
        let solid = brick([1.0, 2.0], [1.0, 3.0], [1.0, 4.0], [1, 1, 1], elements).unwrap();
        let solid = rotated(solid, axis, 40f64.to_radians());
        let means = vec![0.0; solid.num_elements()];
        let v = zone(&solid, Idealisation::ThreeD, |_| 0.0, &means, "bottom");
        assert!((v.width_mean_mm - 3.0).abs() < 1e-12, "{elements:?}: {v:?}");
    }
}

/// Goal: in 3D the axis is the line x = y = 0, found within rounding (1e-9 of the mesh's size),
/// and an axis edge shared by several elements counts once.
///
/// Input: the brick [−1, 1]² × [0, 2] mm, 2 × 2 × 2 Hex8, its axis nodes moved 1e-9 mm off the
/// axis (rounding of a mesh generator; the tolerance is 1e-9 × 2√3 mm); every element avascular
/// (φ = 0). Checked: the avascular width on the axis is the 2 mm of the axis, each of its two
/// edges shared by four elements; moved exactly the tolerance off, the nodes are off the axis
/// (width 0).
#[test]
fn axis_of_a_3d_mesh_within_rounding_counted_once() {
    let mut mesh = brick(
        [-1.0, 1.0],
        [-1.0, 1.0],
        [0.0, 2.0],
        [2, 2, 2],
        SolidElements::Hex,
    )
    .unwrap();
    for x in mesh.coords_mut() {
        if x[0] == 0.0 && x[1] == 0.0 {
            x[0] = 1e-9;
        }
    }
    let v = zone(&mesh, Idealisation::ThreeD, |_| 0.0, &[0.0; 8], "bottom");
    assert!((v.width_on_axis_mm.unwrap() - 2.0).abs() < 1e-12, "{v:?}");
    // Exactly the tolerance off (the box, so the tolerance, unchanged): off the axis.
    let tol = 1e-9 * mesh.size_scale();
    for x in mesh.coords_mut() {
        if x[0] == 1e-9 {
            x[0] = tol;
        }
    }
    assert_eq!(1e-9 * mesh.size_scale(), tol);
    let v = zone(&mesh, Idealisation::ThreeD, |_| 0.0, &[0.0; 8], "bottom");
    assert_eq!(v.width_on_axis_mm, Some(0.0), "{v:?}");
}
