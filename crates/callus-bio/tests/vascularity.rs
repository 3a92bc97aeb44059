//! Vascularity (MODEL.md §4b): the Fisher–KPP front speed, the gates against hand values, the
//! bounds of φ and the held values.

use callus_bio::rules::Phenotype;
use callus_bio::vascularity::{Ramp, Vascularity, VascularityParams};
use callus_fem::Idealisation;
use callus_mesh::elevate::{elevate, QuadraticQuad};
use callus_mesh::{ElementKind, Mesh};

/// A strip [−h, 30] × [0, h] of Quad9 of size `h` (mm): the first element is region `cortex`
/// (φ held at 1), the rest `gap`.
fn strip(h: f64) -> Mesh {
    let nx = (30.0 / h).round() as usize + 1;
    let mut mesh = Mesh::new(2);
    let cortex = mesh.region_id_or_insert("cortex");
    let gap = mesh.region_id_or_insert("gap");
    for j in 0..2 {
        for i in 0..=nx {
            mesh.add_node([-h + i as f64 * h, j as f64 * h, 0.0]);
        }
    }
    for i in 0..nx {
        let region = if i == 0 { cortex } else { gap };
        let quad = [i, i + 1, nx + 2 + i, nx + 1 + i];
        mesh.add_element(ElementKind::Quad4, &quad, region);
    }
    elevate(&mesh, QuadraticQuad::Quad9).unwrap()
}

fn params() -> VascularityParams {
    VascularityParams {
        soft_tissue_regions: vec![],
        marrow_regions: vec![],
        ..VascularityParams::default()
    }
}

/// The position (mm) where φ falls through 0.5 along the bottom edge (linear between nodes).
fn front(mesh: &Mesh, phi: &[f64]) -> f64 {
    let mut edge: Vec<(f64, f64)> = (0..mesh.num_nodes())
        .filter(|&n| mesh.coords()[n][1].abs() < 1e-12)
        .map(|n| (mesh.coords()[n][0], phi[n]))
        .collect();
    edge.sort_by(|a, b| a.0.total_cmp(&b.0));
    for w in edge.windows(2) {
        let ((x0, p0), (x1, p1)) = (w[0], w[1]);
        if p0 >= 0.5 && p1 < 0.5 {
            return x0 + (p0 - 0.5) / (p0 - p1) * (x1 - x0);
        }
    }
    f64::NAN
}

/// Goal: the front of an unstrained tissue advances at the Fisher–KPP speed c = 2√(D_φ k_φ)
/// approached from below as c − 3/(2λt), λ = √(k_φ/D_φ) (Bramson), MODEL.md §4b.
///
/// Mesh: a 30 mm strip of Quad9 at 0.5 mm (the element size of the default mesh at the gap),
/// plane strain, one element column held at φ = 1 at the left end, φ = 0 elsewhere at day 0.
/// No strain (g = 1, h = 0). Defaults: c = 0.4 mm/day, k_φ = 0.3 /day, 10 sub-steps a day. The
/// reference is the mean of c − 3/(2λt) over days 40–80: c − (3/(2λ))·ln 2 / 40 = 0.3827 mm/day.
/// The error is first order in the sub-step; the test also checks that it shrinks with more
/// sub-steps.
#[test]
fn fisher_kpp_front_speed_in_a_strip() {
    let mesh = strip(0.5);
    let n = mesh.num_elements();
    let speed = |substeps: usize| {
        let p = VascularityParams {
            substeps_per_day: substeps,
            ..params()
        };
        let (c, k) = (p.front_speed_mm_per_day, p.growth_rate_per_day);
        let lambda = (k / p.diffusivity_mm2_per_day()).sqrt();
        let reference = c - 3.0 / (2.0 * lambda) * 2f64.ln() / 40.0;
        let mut v = Vascularity::new(&mesh, Idealisation::PlaneStrain, p).unwrap();
        let mut phi = v.initial();
        let (gate, damage) = (vec![1.0; n], vec![0.0; n]);
        v.advance(&mesh, &mut phi, 20, 40.0, &gate, &damage)
            .unwrap();
        let x40 = front(&mesh, &phi);
        v.advance(&mesh, &mut phi, 60, 40.0, &gate, &damage)
            .unwrap();
        let x80 = front(&mesh, &phi);
        assert!(phi.iter().all(|&f| (0.0..=1.0).contains(&f)));
        ((x80 - x40) / 40.0, reference)
    };
    let (coarse, reference) = speed(10);
    let (fine, _) = speed(40);
    let error = |s: f64| (s - reference).abs() / reference;
    eprintln!("front slope over days 40–80: {coarse:.4} (10 sub-steps), {fine:.4} (40) mm/day; reference {reference:.4}");
    assert!(
        error(coarse) < 0.05,
        "10 sub-steps: slope {coarse:.4} mm/day against {reference:.4}"
    );
    assert!(
        error(fine) < error(coarse),
        "40 sub-steps: slope {fine:.4} no closer to {reference:.4} than {coarse:.4}"
    );
}

/// Goal: the gates g and h and the bone/cartilage split against hand values (MODEL.md §4b).
///
/// g: ε_d ramps 1 → 0 over 5–9 %, compression −ε_h over 4–6 %, multiplied: ε_d = 7 %, ε_h = −5 %
/// gives 0.5 · 0.5 = 0.25. h: the larger of ε_d over 14–18 % and |ε_h| over 4–6 %: ε_d = 15 %
/// gives 0.25, with ε_h = +5.5 % it is 0.75. w = smoothstep(φ; 0.6, 0.8): 0.5 at φ = 0.7, 0.104
/// at φ = 0.64 (t = 0.2: 3·0.04 − 2·0.008).
#[test]
fn gates_and_the_bone_cartilage_split_by_hand() {
    let p = VascularityParams::default();
    assert_eq!(p.growth_gate(0.0, 0.0), 1.0);
    assert!((p.growth_gate(0.07, 0.0) - 0.5).abs() < 1e-12);
    assert!((p.growth_gate(0.07, -0.05) - 0.25).abs() < 1e-12);
    assert!(
        (p.growth_gate(0.07, 0.05) - 0.5).abs() < 1e-12,
        "tension does not block growth"
    );
    assert_eq!(p.growth_gate(0.10, 0.0), 0.0);
    assert_eq!(p.damage(0.10, 0.0), 0.0);
    assert!((p.damage(0.15, 0.0) - 0.25).abs() < 1e-12);
    assert!((p.damage(0.15, 0.055) - 0.75).abs() < 1e-12);
    assert!((p.damage(0.0, -0.055) - 0.75).abs() < 1e-12);
    assert_eq!(p.damage(0.2, 0.0), 1.0);
    assert!((p.bone_weight(0.7) - 0.5).abs() < 1e-12);
    assert!((p.bone_weight(0.64) - 0.104).abs() < 1e-12);
    assert_eq!(p.bone_weight(0.5), 0.0);
    assert_eq!(p.bone_weight(0.9), 1.0);
    let bone = p.split_vote(Phenotype::ImmatureBone, 0.64);
    assert!((bone.immature_bone - 0.104).abs() < 1e-12);
    assert!((bone.cartilage - 0.896).abs() < 1e-12);
    assert!((bone.total() - 1.0).abs() < 1e-15);
    let resorb = p.split_vote(Phenotype::Resorption, 0.0);
    assert_eq!((resorb.fibrous, resorb.marrow), (1.0, 0.0));
    let fibrous = p.split_vote(Phenotype::Fibrous, 1.0);
    assert_eq!(fibrous.fibrous, 1.0);
}

/// Goal: damage lowers φ and never below 0; held values follow the marrow delay; a node shared
/// by two held regions takes the larger value.
///
/// Mesh: a 5 mm strip of 0.5 mm Quad9 whose first element is `cortex`, the second `marrow`
/// (0 for 10 days, then 0.3), the rest `gap`. Full damage (h = 1) on every element for 20 days
/// at k_d = 0.073/day with the growth gate shut: φ in the gap stays at 0.
#[test]
fn damage_held_values_and_bounds() {
    let mut mesh = strip(0.5);
    let marrow = mesh.region_id_or_insert("marrow");
    // Relabel the second element (x in [0, 0.5]) as marrow.
    let second = (0..mesh.num_elements())
        .find(|&e| {
            let c = mesh.element_centroid(e);
            (c[0] - 0.25).abs() < 1e-9
        })
        .unwrap();
    let rebuilt = {
        let mut m = Mesh::new(2);
        for &x in mesh.coords() {
            m.add_node(x);
        }
        for name in mesh.region_names().to_vec() {
            m.region_id_or_insert(&name);
        }
        for e in mesh.elements() {
            let region = if e.id == second { marrow } else { e.region };
            m.add_element(e.kind, e.nodes, region);
        }
        m
    };
    mesh = rebuilt;
    let p = VascularityParams {
        soft_tissue_regions: vec![],
        ..VascularityParams::default()
    };
    let mut v = Vascularity::new(&mesh, Idealisation::PlaneStrain, p).unwrap();
    let n = mesh.num_elements();
    let mut phi = v.initial();
    let at = |phi: &[f64], x: f64| {
        (0..mesh.num_nodes())
            .find(|&i| (mesh.coords()[i][0] - x).abs() < 1e-9 && mesh.coords()[i][1] == 0.0)
            .map(|i| phi[i])
            .unwrap()
    };
    assert_eq!(
        at(&phi, 0.0),
        1.0,
        "cortex and marrow share x = 0: the larger"
    );
    assert_eq!(at(&phi, 0.25), 0.0, "marrow before the delay");
    v.advance(&mesh, &mut phi, 0, 10.0, &vec![0.0; n], &vec![1.0; n])
        .unwrap();
    assert!(phi.iter().all(|&f| (0.0..=1.0).contains(&f)));
    assert_eq!(at(&phi, 2.0), 0.0, "damage cannot take φ below 0");
    v.advance(&mesh, &mut phi, 10, 1.0, &vec![1.0; n], &vec![0.0; n])
        .unwrap();
    assert!(
        (at(&phi, 0.25) - 0.3).abs() < 1e-12,
        "marrow after the delay"
    );
    let before = at(&phi, 1.0);
    assert!(before > 0.0);
    v.advance(&mesh, &mut phi, 11, 1.0, &vec![0.0; n], &vec![1.0; n])
        .unwrap();
    assert!(at(&phi, 1.0) < before, "damage lowers φ");
    let bad = VascularityParams {
        marrow_regions: vec!["bone_marrow".into()],
        ..VascularityParams::default()
    };
    assert!(Vascularity::new(&mesh, Idealisation::PlaneStrain, bad).is_err());
    let slow = VascularityParams {
        substeps_per_day: 4,
        ..VascularityParams::default()
    };
    let refused = Vascularity::new(&mesh, Idealisation::PlaneStrain, slow).err();
    assert!(refused.unwrap().to_string().contains("substeps_per_day"));
}

/// Goal: every parameter check of MODEL.md §4b refuses the value on or past its bound and names
/// the parameter: rates positive (0 and −1 refused), damage rate 0 or more (−0.1 refused, 0 kept),
/// each ramp finite with 0 ≤ `from` < `to`.
///
/// Input: the default parameters with one value changed at a time.
#[test]
fn parameters_on_or_past_their_bounds_are_refused_by_name() {
    let refused = |p: VascularityParams| match p.validate() {
        Err(callus_bio::BioError::Parameter { name, .. }) => name,
        other => panic!("{p:?}: {other:?}"),
    };
    for speed in [0.0, -1.0, f64::NAN] {
        let p = VascularityParams {
            front_speed_mm_per_day: speed,
            ..params()
        };
        assert_eq!(refused(p), "front_speed_mm_per_day");
    }
    let p = VascularityParams {
        growth_rate_per_day: 0.0,
        ..params()
    };
    assert_eq!(refused(p), "growth_rate_per_day");
    let p = VascularityParams {
        damage_rate_per_day: -0.1,
        ..params()
    };
    assert_eq!(refused(p), "damage_rate_per_day");
    let zero_damage = VascularityParams {
        damage_rate_per_day: 0.0,
        ..params()
    };
    assert!(zero_damage.validate().is_ok());
    for (from, to) in [
        (0.1, 0.05),
        (0.1, 0.1),
        (0.1, f64::INFINITY),
        (f64::NAN, 0.5),
        (-0.1, 0.5),
    ] {
        let p = VascularityParams {
            bone_window: Ramp { from, to },
            ..params()
        };
        assert_eq!(refused(p), "bone_window", "from {from}, to {to}");
    }
    let p = VascularityParams {
        bone_window: Ramp { from: 0.0, to: 0.5 },
        ..params()
    };
    assert!(p.validate().is_ok(), "from = 0 is allowed");
}

/// Goal: the problem keeps the parameters it was given, refuses arrays of the wrong length (each
/// of φ, the gates and the damages alone), holds its held nodes, and gives element means of φ.
///
/// Mesh: the 30 mm strip of 1 mm Quad9 (`cortex` first, held at 1). φ = x (mm) on every node.
/// Checked: the element means are the centroids' x (φ is linear), `hold` puts back 1 on the
/// cortex's nodes and leaves the others; wrong lengths, a gate outside [0, 1] and a damage that
/// is not a number are refused, naming the element.
#[test]
fn parameters_kept_lengths_checked_held_nodes_and_element_means() {
    let mesh = strip(1.0);
    let p = VascularityParams {
        growth_rate_per_day: 0.5,
        substeps_per_day: 12,
        ..params()
    };
    let mut v = Vascularity::new(&mesh, Idealisation::PlaneStrain, p.clone()).unwrap();
    assert_eq!(*v.params(), p);
    let n = mesh.num_elements();
    let x: Vec<f64> = mesh.coords().iter().map(|c| c[0]).collect();
    let means = v.element_means(&mesh, &x).unwrap();
    assert_eq!(means.len(), n);
    for (e, m) in means.iter().enumerate() {
        assert!((m - mesh.element_centroid(e)[0]).abs() < 1e-12, "{e}: {m}");
    }
    let mut phi = x.clone();
    v.hold(&mut phi, 3);
    for (i, c) in mesh.coords().iter().enumerate() {
        let expected = if c[0] <= 0.0 { 1.0 } else { c[0] };
        assert_eq!(phi[i], expected, "node at x = {}", c[0]);
    }
    let (ones, short) = (vec![1.0; n], vec![1.0; n - 1]);
    for (phi_len, gate, damage) in [
        (x.len() - 1, &ones, &ones),
        (x.len(), &short, &ones),
        (x.len(), &ones, &short),
    ] {
        let mut phi = vec![0.0; phi_len];
        let e = v
            .advance(&mesh, &mut phi, 0, 1.0, gate, damage)
            .unwrap_err();
        assert!(e.to_string().contains("values for"), "{e}");
    }
    let mut bad_gate = ones.clone();
    bad_gate[7] = 1.5;
    let mut bad_damage = vec![0.0; n];
    bad_damage[3] = f64::NAN;
    for (gate, damage, element) in [(&bad_gate, &ones, 7), (&ones, &bad_damage, 3)] {
        let mut phi = vec![0.0; x.len()];
        let e = v
            .advance(&mesh, &mut phi, 0, 1.0, gate, damage)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&format!("element {element}")), "{e}");
    }
}

/// φ on the 30 mm strip of 1 mm Quad9 with no held region after 3 days of 10 sub-steps, from
/// `phi0` everywhere with the same `gate` and `damage` on every element, and the factorizations
/// the call made.
fn uniform_after_3_days(
    p: VascularityParams,
    phi0: f64,
    gate: f64,
    damage: f64,
) -> (Vec<f64>, usize) {
    let mesh = strip(1.0);
    let p = VascularityParams {
        vascular_regions: vec![],
        substeps_per_day: 10,
        ..p
    };
    let mut v = Vascularity::new(&mesh, Idealisation::PlaneStrain, p).unwrap();
    let n = mesh.num_elements();
    let mut phi = vec![phi0; mesh.num_nodes()];
    let stats = v
        .advance(&mesh, &mut phi, 0, 3.0, &vec![gate; n], &vec![damage; n])
        .unwrap();
    (phi, stats.factorizations)
}

/// Goal: the growth term k_φ·g·(1 − φ̄)·φ (MODEL.md §4b) with backward Euler, against the hand
/// recurrence of a uniform field: no gradient, so no diffusion, and each sub-step of
/// Δt = 1/N day gives φ ← φ/(1 − Δt·k_φ·g·(1 − φ)). Both ways of solving a sub-step are checked:
/// k_φ = 0.4/day (Δt·k_φ = 0.04: the fixed point on one factorization of M + Δt K for the call)
/// and 4/day (Δt·k_φ = 0.4: a factorization of each of the 30 sub-steps' matrices).
///
/// Mesh: the 30 mm strip of 1 mm Quad9 with no held region; φ = 0.2 everywhere, gate g = 0.5 on
/// every element, no damage, N = 10 sub-steps, 3 days.
#[test]
fn uniform_growth_follows_the_backward_euler_recurrence() {
    for (rate, factorizations) in [(0.4, 1), (4.0, 30)] {
        let p = VascularityParams {
            growth_rate_per_day: rate,
            ..params()
        };
        let (phi, made) = uniform_after_3_days(p, 0.2, 0.5, 0.0);
        assert_eq!(made, factorizations, "k = {rate}");
        let mut expected = 0.2;
        for _ in 0..30 {
            expected /= 1.0 - 0.1 * rate * 0.5 * (1.0 - expected);
        }
        for f in &phi {
            assert!(
                (f - expected).abs() < 1e-12,
                "k = {rate}: {f} against {expected}"
            );
        }
    }
}

/// Goal: the damage term −k_d·h (MODEL.md §4b) as the load −Δt·k_d·h·∫N against the hand value of
/// a uniform field: no gradient and a shut growth gate, so each day takes k_d·h off φ
/// everywhere.
///
/// Mesh: the 30 mm strip of 1 mm Quad9 with no held region; φ = 0.8 everywhere, damage h = 0.5 on
/// every element, gate 0, k_d = 0.073/day (the default), 10 sub-steps a day, 3 days: φ = 0.8 −
/// 3 · 0.073 · 0.5 = 0.6905.
#[test]
fn uniform_damage_takes_its_rate_off_each_day() {
    assert_eq!(params().damage_rate_per_day, 0.073);
    let (phi, _) = uniform_after_3_days(params(), 0.8, 0.0, 0.5);
    for f in &phi {
        assert!((f - 0.6905).abs() < 1e-12, "{f}");
    }
}
