//! Tissue catalogue, averaging window and rule of mixtures (MODEL.md §2, §4), bad tissue files, and
//! a serde round trip of the state.

use callus_bio::rules::Phenotype;
use callus_bio::state::{
    ElementTissue, MixingLaws, ModulusMixing, PermeabilityMixing, TissueState,
};
use callus_bio::tissue::{TissueCatalogue, DEFAULT_TISSUES_TOML, M4_TO_MM4};
use callus_bio::{BioError, Fractions};

#[test]
fn default_table_in_solver_units() {
    let cat = TissueCatalogue::default_table();
    let g = cat.get("granulation").unwrap();
    assert_eq!(g.youngs_modulus_mpa, 0.2);
    assert!(
        (g.mobility_mm4_per_ns - 1e-2).abs() < 1e-15,
        "1e-14 m⁴/Ns = 1e-2 mm⁴/Ns"
    );
    assert_eq!(cat.get("cortical_bone").unwrap().porosity, 0.04);
    assert!(
        (cat.get("mature_bone").unwrap().mobility_mm4_per_ns - 3.7e-13 * M4_TO_MM4).abs() < 1e-12
    );
    let e = cat.get("tendon").unwrap_err();
    assert!(
        e.to_string().contains("tendon") && e.to_string().contains("granulation"),
        "{e}"
    );
    // Biot constants: granulation α = 1 − K_d/K_s ≈ 1, with K_d = E/(3(1 − 2ν)).
    let b = g.biot();
    assert!((b.alpha - (1.0 - 0.2 / (3.0 * (1.0 - 0.334)) / 2300.0)).abs() < 1e-12);
    // The published cortical row is stiffer than its grains (K_d 16.7 GPa > K_s 13.9 GPa): α would be
    // −0.20 and is set to 0. Mature bone breaks K_d ≤ (1 − n)K_s too (α = 0.641 < n = 0.8) but keeps
    // the formula's value. Both are reported.
    let cortical = cat.get("cortical_bone").unwrap().biot();
    assert_eq!(cortical.alpha, 0.0);
    assert!((cortical.inv_biot_modulus_per_mpa - (0.04 / 2300.0 - 0.04 / 13920.0)).abs() < 1e-15);
    let mature = cat.get("mature_bone").unwrap().biot();
    assert!((mature.alpha - (1.0 - 5000.0 / 13920.0)).abs() < 1e-12);
    let warnings = cat.warnings();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("cortical_bone")
            && warnings[0].contains("-0.197")
            && warnings[0].contains("α = 0"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].contains("mature_bone") && warnings[1].contains("kept"),
        "{}",
        warnings[1]
    );
}

fn bad(text: &str) -> String {
    TissueCatalogue::from_toml(text, "my_tissues.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_tissue_files_are_refused_with_the_key() {
    let edit = |tissue: &str, key: &str, value: &str| {
        let mut out = String::new();
        let mut current = "";
        for line in DEFAULT_TISSUES_TOML.lines() {
            if line.starts_with('[') {
                current = line;
            }
            if current == format!("[{tissue}]") && line.starts_with(key) {
                out.push_str(&format!("{key} = {value}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    };
    let e = bad(&edit("fibrous", "youngs_modulus_mpa", "-2"));
    assert!(
        e.contains("my_tissues.toml") && e.contains("[fibrous] youngs_modulus_mpa = -2"),
        "{e}"
    );
    assert!(bad(&edit("cartilage", "poisson_ratio", "0.5")).contains("poisson_ratio"));
    assert!(bad(&edit("marrow", "porosity", "1.2")).contains("porosity"));
    assert!(
        bad(&edit("granulation", "permeability_m4_per_ns", "0.01")).contains("not mm⁴/(N·s)"),
        "a unit mix-up is named"
    );
    assert!(bad(&edit("granulation", "permeability_m4_per_ns", "nan")).contains("permeability"));
    assert!(
        bad(&DEFAULT_TISSUES_TOML.replace("[fibrous]", "[fibrous_tissue]"))
            .contains("no [fibrous] table")
    );
    assert!(
        bad(&DEFAULT_TISSUES_TOML.replace("porosity = 0.04", "porosity = 0.04\ncolour = 3"))
            .contains("colour")
    );
    assert!(bad("this is not toml [").contains("my_tissues.toml"));
    let missing =
        TissueCatalogue::from_file(std::path::Path::new("/nonexistent/tissues.toml")).unwrap_err();
    assert!(
        matches!(missing, BioError::Tissues { .. })
            && missing.to_string().contains("/nonexistent/tissues.toml")
    );
}

/// Elements with the linear law of E (the rule of mixtures these tests check) and `mixing` for k.
fn state(n: usize, window: usize, mixing: PermeabilityMixing) -> TissueState {
    TissueState::new(
        vec![None; n],
        window,
        MixingLaws {
            permeability: mixing,
            modulus: ModulusMixing::Linear,
        },
        &TissueCatalogue::default_table(),
    )
    .unwrap()
}

#[test]
fn rule_of_mixtures_reproduces_the_table() {
    let cat = TissueCatalogue::default_table();
    // c = 0: granulation whatever the history.
    let mut s = state(1, 10, PermeabilityMixing::Linear);
    for _ in 0..10 {
        s.record_day(&[Some(Phenotype::MatureBone)]).unwrap();
    }
    assert_eq!(
        s.material(0, 0.0, &cat).unwrap(),
        *cat.get("granulation").unwrap()
    );
    // c = 1 with a pure phenotype held N days: exactly the table (both mixing laws).
    for mixing in [PermeabilityMixing::Linear, PermeabilityMixing::Logarithmic] {
        for p in Phenotype::ALL {
            let mut s = state(1, 10, mixing);
            for _ in 0..10 {
                s.record_day(&[Some(p)]).unwrap();
            }
            let m = s.material(0, 1.0, &cat).unwrap();
            let t = cat.get(p.tissue()).unwrap();
            assert!(
                (m.youngs_modulus_mpa - t.youngs_modulus_mpa).abs() < 1e-12 * t.youngs_modulus_mpa,
                "{p:?}"
            );
            assert!(
                (m.mobility_mm4_per_ns - t.mobility_mm4_per_ns).abs()
                    < 1e-12 * t.mobility_mm4_per_ns,
                "{p:?} {mixing:?}"
            );
            assert!(
                (m.porosity - t.porosity).abs() < 1e-15
                    && (m.poisson_ratio - t.poisson_ratio).abs() < 1e-15
            );
        }
    }
    // Halfway: c = 0.5, pure fibrous: E = 0.5·0.2 + 0.5·2; log-mixed k between granulation and fibrous (equal).
    let mut s = state(1, 1, PermeabilityMixing::Logarithmic);
    s.record_day(&[Some(Phenotype::ImmatureBone)]).unwrap();
    let m = s.material(0, 0.5, &cat).unwrap();
    assert!((m.youngs_modulus_mpa - 500.1).abs() < 1e-9);
    assert!(
        (m.mobility_mm4_per_ns - (1e-2f64 * 1e-1).sqrt()).abs() < 1e-12,
        "geometric mean of 1e-2 and 1e-1"
    );
    assert!(s.material(0, 1.5, &cat).is_err());
}

/// Goal: Young's modulus with the bone share cubed (MODEL.md §4, the default) against hand values.
///
/// One element, window 10 days, the built-in table (fibrous 2, granulation 0.2, immature bone
/// 1000, mature bone 6000 MPa). 1 day of immature bone and 9 of fibrous at c = 1: w_b = 0.1,
/// E = 2 + 0.1³·(1000 − 2) = 2.998 MPa (the linear law: 101.8). Ten days of immature bone at
/// c = 0.5: w_b = 0.5 with granulation the soft half, E = 0.2 + 0.125·(1000 − 0.2) = 125.175.
/// Five days each of immature and mature bone at c = 1: E_b = 3500. No bone: the linear law.
#[test]
fn youngs_modulus_with_the_bone_share_cubed() {
    let cat = TissueCatalogue::default_table();
    let element = |days: &[(Phenotype, usize)], modulus| {
        let mut s = TissueState::new(
            vec![None],
            10,
            MixingLaws {
                modulus,
                ..Default::default()
            },
            &cat,
        )
        .unwrap();
        for &(p, n) in days {
            for _ in 0..n {
                s.record_day(&[Some(p)]).unwrap();
            }
        }
        s
    };
    let e = |s: &TissueState, c: f64| s.material(0, c, &cat).unwrap().youngs_modulus_mpa;
    let cubed = ModulusMixing::BoneShareCubed;
    let sparse = [(Phenotype::Fibrous, 9), (Phenotype::ImmatureBone, 1)];
    assert!((e(&element(&sparse, cubed), 1.0) - 2.998).abs() < 1e-12);
    assert!((e(&element(&sparse, ModulusMixing::Linear), 1.0) - 101.8).abs() < 1e-12);
    let woven = element(&[(Phenotype::ImmatureBone, 10)], cubed);
    assert!((e(&woven, 0.5) - 125.175).abs() < 1e-12);
    assert!((e(&woven, 1.0) - 1000.0).abs() < 1e-12);
    let both = [(Phenotype::ImmatureBone, 5), (Phenotype::MatureBone, 5)];
    assert!((e(&element(&both, cubed), 1.0) - 3500.0).abs() < 1e-9);
    let soft = [(Phenotype::Fibrous, 4), (Phenotype::Cartilage, 3)];
    assert_eq!(
        e(&element(&soft, cubed), 0.7),
        e(&element(&soft, ModulusMixing::Linear), 0.7)
    );
    let rising: Vec<f64> = (0..=10)
        .map(|n| {
            let days = [(Phenotype::Fibrous, 10 - n), (Phenotype::ImmatureBone, n)];
            e(&element(&days, cubed), 1.0)
        })
        .collect();
    assert!(rising.windows(2).all(|w| w[1] > w[0]), "{rising:?}");
}

#[test]
fn averaging_window_converts_over_n_days_and_averages_alternation() {
    let mut s = state(2, 10, PermeabilityMixing::Linear);
    for day in 1..=10 {
        s.record_day(&[
            Some(Phenotype::Cartilage),
            Some(if day % 2 == 0 {
                Phenotype::Fibrous
            } else {
                Phenotype::ImmatureBone
            }),
        ])
        .unwrap();
        let f = s.fractions(0);
        assert!(
            (f.of(Phenotype::Cartilage) - day as f64 / 10.0).abs() < 1e-12,
            "day {day}: phases in"
        );
        assert!(
            (f.granulation - (10 - day) as f64 / 10.0).abs() < 1e-12,
            "the rest is granulation"
        );
        assert!((f.total() - 1.0).abs() < 1e-12);
    }
    let f = s.fractions(1);
    assert!(
        (f.of(Phenotype::Fibrous) - 0.5).abs() < 1e-12
            && (f.of(Phenotype::ImmatureBone) - 0.5).abs() < 1e-12
    );
    // The window slides: 10 more days of bone replace the cartilage.
    for _ in 0..10 {
        s.record_day(&[Some(Phenotype::MatureBone), Some(Phenotype::MatureBone)])
            .unwrap();
    }
    assert!((s.fractions(0).of(Phenotype::MatureBone) - 1.0).abs() < 1e-12);
    assert!(
        s.record_day(&[Some(Phenotype::Fibrous)]).is_err(),
        "one phenotype per element"
    );
}

#[test]
fn fixed_regions_never_change_and_state_round_trips() {
    let cat = TissueCatalogue::default_table();
    let mut s = TissueState::new(
        vec![Some("cortical_bone".into()), None, Some("marrow".into())],
        10,
        MixingLaws::default(),
        &cat,
    )
    .unwrap();
    for _ in 0..12 {
        s.record_day(&[Some(Phenotype::Fibrous); 3]).unwrap();
    }
    assert_eq!(
        s.material(0, 0.3, &cat).unwrap(),
        *cat.get("cortical_bone").unwrap()
    );
    assert_eq!(
        s.material(2, 1.0, &cat).unwrap(),
        *cat.get("marrow").unwrap()
    );
    assert!(matches!(s.element(0), ElementTissue::Fixed(_)));
    s.extend(&[Some(1), None]);
    assert_eq!(s.len(), 5);
    assert_eq!(s.fractions(3), s.fractions(1));
    assert_eq!(
        s.fractions(4),
        Fractions::granulation(),
        "a new layer starts as granulation"
    );
    let json = serde_json::to_string(&s).unwrap();
    let back: TissueState = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    assert!(TissueState::new(vec![Some("bone".into())], 10, MixingLaws::default(), &cat).is_err());
    assert!(TissueState::new(vec![None], 0, MixingLaws::default(), &cat).is_err());
}

/// Goal: a day on which no mechanical state reached an element is no vote: its history stays as
/// it was (it is not counted as fibrous tissue, or as anything), while the others record theirs.
#[test]
fn an_element_without_a_stimulus_keeps_its_history() {
    let mut s = state(2, 4, PermeabilityMixing::Linear);
    s.record_day(&[Some(Phenotype::Cartilage), Some(Phenotype::Cartilage)])
        .unwrap();
    s.record_day(&[None, Some(Phenotype::MatureBone)]).unwrap();
    assert_eq!(
        s.fractions(0),
        Fractions {
            granulation: 0.75,
            cartilage: 0.25,
            ..Fractions::default()
        }
    );
    assert_eq!(s.fractions(1).of(Phenotype::MatureBone), 0.25);
    assert_eq!(s.fractions(1).granulation, 0.5);
}

/// Goal: remixing histories (the conservative remap of a rezoning) mixes the fractions by the
/// weights, pads a short history with granulation on its unlived days so that it then evolves as
/// the unpadded one would, leaves fixed elements and self-only mixes alone and refuses tissue from
/// a fixed element of no phenotype's tissue (cortical bone) and takes marrow as the marrow
/// phenotype.
#[test]
fn remixed_histories_mix_the_fractions_by_volume_and_evolve_like_the_originals() {
    let cat = TissueCatalogue::default_table();
    let mut s = TissueState::new(
        vec![None, None, None, Some("marrow".into())],
        4,
        MixingLaws::default(),
        &cat,
    )
    .unwrap();
    s.record_day(&[
        Some(Phenotype::Cartilage),
        None,
        Some(Phenotype::Fibrous),
        None,
    ])
    .unwrap();
    s.record_day(&[
        Some(Phenotype::ImmatureBone),
        None,
        Some(Phenotype::Fibrous),
        None,
    ])
    .unwrap();
    // Element 0: cartilage 1/4, bone 1/4, granulation 1/2; element 1: granulation; 2: fibrous 1/2.
    let (f0, f1, f2) = (s.fractions(0), s.fractions(1), s.fractions(2));
    let untouched = s.clone();
    s.remix(&[
        vec![(0, 0.7), (1, 0.3)],
        vec![(1, 1.0)],
        vec![(2, 0.6), (0, 0.4)],
        vec![(3, 1.0)],
    ])
    .unwrap();
    let mut expected = Fractions::default();
    expected.add_scaled(0.7, &f0);
    expected.add_scaled(0.3, &f1);
    for (got, want) in s.fractions(0).values().iter().zip(expected.values()) {
        assert!((got - want).abs() < 1e-15, "{:?}", s.fractions(0));
    }
    assert_eq!(s.element(1), untouched.element(1));
    assert_eq!(s.element(3), untouched.element(3));
    let mut e2 = Fractions::default();
    e2.add_scaled(0.6, &f2);
    e2.add_scaled(0.4, &f0);
    assert!((s.fractions(2).fibrous - e2.fibrous).abs() < 1e-15);
    assert!((s.fractions(2).total() - 1.0).abs() < 1e-15);
    // Two more votes of bone: the padded granulation goes first, as in the unpadded history.
    let mut plain = untouched.clone();
    for state in [&mut s, &mut plain] {
        for _ in 0..2 {
            state.record_day(&[Some(Phenotype::MatureBone); 4]).unwrap();
        }
    }
    let mut expected = Fractions::default();
    expected.add_scaled(0.7, &plain.fractions(0));
    expected.add_scaled(0.3, &plain.fractions(1));
    for (got, want) in s.fractions(0).values().iter().zip(expected.values()) {
        assert!(
            (got - want).abs() < 1e-15,
            "{:?} vs {expected:?}",
            s.fractions(0)
        );
    }
    assert!(s.remix(&[vec![(0, 1.0)]]).is_err());
    // Marrow drawn in from a fixed element enters as the marrow phenotype, a full window of it.
    assert_eq!(
        s.entering_fractions(3),
        Some(Fractions::pure(Phenotype::Resorption))
    );
    let before = s.fractions(1);
    s.remix(&[
        vec![(0, 1.0)],
        vec![(1, 0.75), (3, 0.25)],
        vec![(2, 1.0)],
        vec![(3, 1.0)],
    ])
    .unwrap();
    let f = s.fractions(1);
    assert!(
        (f.marrow - (0.75 * before.marrow + 0.25)).abs() < 1e-15,
        "{f:?}"
    );
    assert!((f.total() - 1.0).abs() < 1e-15);
    let mut with_cortex = TissueState::new(
        vec![None, Some("cortical_bone".into())],
        4,
        MixingLaws::default(),
        &cat,
    )
    .unwrap();
    assert_eq!(with_cortex.entering_fractions(1), None);
    assert!(with_cortex
        .remix(&[vec![(0, 0.5), (1, 0.5)], vec![(1, 1.0)]])
        .is_err());
}

/// Goal: `len` and `is_empty` say how many elements the state holds.
///
/// Input: a state of no elements and one of two elements (one fixed, one regenerate). Checked:
/// the first is empty with length 0, the second not empty with length 2.
#[test]
fn an_empty_state_is_empty_and_a_filled_one_is_not() {
    let cat = TissueCatalogue::default_table();
    let empty = TissueState::new(Vec::new(), 10, MixingLaws::default(), &cat).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.len(), 0);
    let two = TissueState::new(
        vec![Some("cortical_bone".into()), None],
        10,
        MixingLaws::default(),
        &cat,
    )
    .unwrap();
    assert!(!two.is_empty());
    assert_eq!(two.len(), 2);
}

/// Goal: a day's vote whose fractions do not sum to 1 is refused, naming the element and the sum
/// (MODEL.md §4b: a vote is a vector of phenotype fractions, the bone/cartilage split of one day).
///
/// Input: two regenerate elements; element 1 votes half fibrous and nothing else (sum 0.5).
/// Checked: the day is refused with "element 1 sums to 0.5", and neither history changed.
#[test]
fn a_vote_not_summing_to_one_is_refused_naming_the_element() {
    let mut s = state(2, 4, PermeabilityMixing::Linear);
    let half = Fractions {
        fibrous: 0.5,
        ..Fractions::default()
    };
    let e = s
        .record_votes(&[Some(Fractions::pure(Phenotype::Cartilage)), Some(half)])
        .expect_err("refused")
        .to_string();
    assert!(e.contains("element 1 sums to 0.5"), "{e}");
    assert_eq!(s.fractions(0), Fractions::granulation());
    assert_eq!(s.fractions(1), Fractions::granulation());
}
