//! Mechano-regulation rules: the exact values of MODEL.md §3 and the classification at and around
//! every threshold of each rule.

use callus_bio::rules::{
    Carter, ClaesHeigele, MechanoRule, Phenotype, Prendergast, RuleChoice, ShearMeasure,
};
use callus_bio::stimulus::MechanicalState;

/// Uniaxial isochoric strain ε (ε, −ε/2, −ε/2) with a fluid velocity v (mm/s) along x.
fn isochoric(eps: f64, v: f64) -> MechanicalState {
    MechanicalState {
        strain: [
            [eps, 0.0, 0.0],
            [0.0, -eps / 2.0, 0.0],
            [0.0, 0.0, -eps / 2.0],
        ],
        fluid_velocity_mm_per_s: [v, 0.0, 0.0],
        ..Default::default()
    }
}

/// A state whose octahedral shear strain is γ: isochoric with ε = γ/√2.
fn with_shear(gamma: f64, v: f64) -> MechanicalState {
    isochoric(gamma / 2f64.sqrt(), v)
}

#[test]
fn uniaxial_isochoric_strain_has_octahedral_shear_root_two_epsilon() {
    for eps in [1e-4, 0.01, 0.2] {
        assert!((isochoric(eps, 0.0).octahedral_shear_strain() - 2f64.sqrt() * eps).abs() < 1e-15);
        assert!((isochoric(eps, 0.0).max_shear_strain() - 1.5 * eps).abs() < 1e-15);
    }
}

#[test]
fn prendergast_stimulus_exact_values() {
    let r = Prendergast::default();
    assert!((r.stimulus(0.0375, 0.0) - 1.0).abs() < 1e-14);
    assert!(
        (r.stimulus(0.0, 3e-3) - 1.0).abs() < 1e-14,
        "3 µm/s = 3e-3 mm/s gives 1"
    );
    assert!((r.stimulus(0.1125, 0.0) - 3.0).abs() < 1e-14);
    let c = r.classify(&with_shear(0.0375, 3e-3));
    assert!(
        (c.stimulus.unwrap() - 2.0).abs() < 1e-12,
        "γ and v add: {:?}",
        c.stimulus
    );
    assert_eq!(c.phenotype, Phenotype::Cartilage);
}

#[test]
fn prendergast_classification_around_every_threshold() {
    let r = Prendergast::default();
    let eps = 1e-9;
    for (s, below, above) in [
        (3.0, Phenotype::Cartilage, Phenotype::Fibrous),
        (1.0, Phenotype::ImmatureBone, Phenotype::Cartilage),
        (0.53, Phenotype::MatureBone, Phenotype::ImmatureBone),
        (0.01, Phenotype::Resorption, Phenotype::MatureBone),
    ] {
        assert_eq!(r.phenotype(s - eps), below, "just below {s}");
        assert_eq!(r.phenotype(s + eps), above, "just above {s}");
        // Through the full rule, by shear strain alone.
        assert_eq!(
            r.classify(&with_shear((s - 1e-6) * r.a, 0.0)).phenotype,
            below
        );
        assert_eq!(
            r.classify(&with_shear((s + 1e-6) * r.a, 0.0)).phenotype,
            above
        );
    }
    // γ = 0.1125 is the fibrous/cartilage boundary.
    assert_eq!(
        r.classify(&with_shear(0.1125 * (1.0 + 1e-6), 0.0))
            .phenotype,
        Phenotype::Fibrous
    );
    assert_eq!(
        r.classify(&with_shear(0.1125 * (1.0 - 1e-6), 0.0))
            .phenotype,
        Phenotype::Cartilage
    );
    // s_m = 0.267 moves the mature/immature boundary.
    let low = Prendergast {
        s_mature: 0.267,
        ..Default::default()
    };
    assert_eq!(low.phenotype(0.4), Phenotype::ImmatureBone);
    assert_eq!(r.phenotype(0.4), Phenotype::MatureBone);
    // Max shear instead of octahedral: 1.5ε vs √2ε.
    let max = Prendergast {
        shear: ShearMeasure::MaxShear,
        ..Default::default()
    };
    let s_max = max.classify(&isochoric(0.02, 0.0)).stimulus.unwrap();
    assert!((s_max - 0.03 / 0.0375).abs() < 1e-12);
    assert!(Prendergast {
        s_mature: 2.0,
        ..Default::default()
    }
    .validate()
    .is_err());
    assert!(Prendergast::default().validate().is_ok());
}

#[test]
fn deviatoric_rule_ignores_fluid_flow() {
    let r = Prendergast::deviatoric_only();
    let fast_flow = with_shear(0.01, 1.0);
    assert_eq!(r.classify(&fast_flow).phenotype, Phenotype::MatureBone);
    assert_eq!(
        Prendergast::default().classify(&fast_flow).phenotype,
        Phenotype::Fibrous
    );
    assert_eq!(
        RuleChoice::DeviatoricStrain(Prendergast::default())
            .rule()
            .classify(&fast_flow)
            .phenotype,
        Phenotype::MatureBone
    );
}

/// A state with strain magnitude `eps` (uniaxial, other principal strains smaller) and hydrostatic
/// pressure `p` (MPa, compression positive).
fn strained(eps: f64, p: f64) -> MechanicalState {
    MechanicalState {
        strain: [[eps, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        hydrostatic_stress_mpa: -p,
        ..Default::default()
    }
}

#[test]
fn claes_heigele_thresholds() {
    let r = ClaesHeigele::default();
    let d = 1e-6;
    assert_eq!(
        r.classify(&strained(0.05 - d, 0.0)).phenotype,
        Phenotype::ImmatureBone
    );
    assert_eq!(
        r.classify(&strained(0.05 + d, 0.0)).phenotype,
        Phenotype::Fibrous,
        "strain too large for bone, pressure too low for cartilage"
    );
    assert_eq!(
        r.classify(&strained(0.01, 0.15 - d)).phenotype,
        Phenotype::ImmatureBone
    );
    assert_eq!(
        r.classify(&strained(0.01, 0.15 + d)).phenotype,
        Phenotype::Cartilage
    );
    assert_eq!(
        r.classify(&strained(0.15 - d, 0.2)).phenotype,
        Phenotype::Cartilage
    );
    assert_eq!(
        r.classify(&strained(0.15 + d, 0.2)).phenotype,
        Phenotype::Fibrous
    );
    assert_eq!(
        r.classify(&strained(0.01, -0.2)).phenotype,
        Phenotype::Fibrous,
        "tensile pressure: neither bone nor cartilage"
    );
    assert_eq!(
        r.classify(&strained(-0.04, 0.0)).phenotype,
        Phenotype::ImmatureBone,
        "magnitude, not sign"
    );
}

#[test]
fn carter_thresholds() {
    let r = Carter::default();
    let d = 1e-6;
    assert_eq!(
        r.classify(&strained(0.05 + d, 0.0)).phenotype,
        Phenotype::Fibrous
    );
    assert_eq!(
        r.classify(&strained(0.05 - d, 0.0)).phenotype,
        Phenotype::ImmatureBone
    );
    assert_eq!(
        r.classify(&strained(0.01, 0.15 + d)).phenotype,
        Phenotype::Cartilage
    );
    assert_eq!(
        r.classify(&strained(0.01, 0.15 - d)).phenotype,
        Phenotype::ImmatureBone
    );
    assert_eq!(
        r.classify(&strained(-0.2, 0.0)).phenotype,
        Phenotype::ImmatureBone,
        "compressive strain is not tension"
    );
}

#[test]
fn rule_choice_reads_from_toml_with_defaults() {
    let c: RuleChoice = toml::from_str("rule = \"prendergast\"\ns_mature = 0.267\n").unwrap();
    assert_eq!(
        c,
        RuleChoice::Prendergast(Prendergast {
            s_mature: 0.267,
            ..Default::default()
        })
    );
    let c: RuleChoice = toml::from_str("rule = \"claes_heigele\"\n").unwrap();
    assert_eq!(c.rule().name(), "claes_heigele");
    assert!(
        toml::from_str::<RuleChoice>("rule = \"prendergast\"\ns_matur = 0.3\n").is_err(),
        "unknown keys are refused"
    );
}

/// Goal: every rule refuses parameters that are not numbers or are out of order, naming the key
/// (a NaN threshold would otherwise classify every point as the last branch, silently).
#[test]
fn every_rule_refuses_bad_parameters_naming_them() {
    let refused = |choice: RuleChoice, key: &str| {
        let e = choice.validate().expect_err("refused").to_string();
        assert!(e.contains(key), "{choice:?}: {e}");
    };
    refused(
        RuleChoice::Prendergast(Prendergast {
            a: f64::NAN,
            ..Default::default()
        }),
        "a = NaN",
    );
    refused(
        RuleChoice::ClaesHeigele(ClaesHeigele {
            pressure_mpa: f64::NAN,
            ..Default::default()
        }),
        "pressure_mpa",
    );
    refused(
        RuleChoice::ClaesHeigele(ClaesHeigele {
            bone_strain: 0.2,
            ..Default::default()
        }),
        "cartilage_strain = 0.15: must be above bone_strain = 0.2",
    );
    refused(
        RuleChoice::Carter(Carter {
            tension_strain: -0.05,
            ..Default::default()
        }),
        "tension_strain",
    );
    refused(
        RuleChoice::Carter(Carter {
            compression_mpa: f64::INFINITY,
            ..Default::default()
        }),
        "compression_mpa",
    );
    for ok in [
        RuleChoice::default(),
        RuleChoice::DeviatoricStrain(Prendergast::deviatoric_only()),
        RuleChoice::ClaesHeigele(ClaesHeigele::default()),
        RuleChoice::Carter(Carter::default()),
    ] {
        assert!(ok.validate().is_ok(), "{ok:?}");
    }
}

/// Goal: a stimulus exactly on a threshold of the Prendergast rule goes to the stiffer side, as
/// the rule's doc states (MODEL.md §3 leaves the boundaries open).
///
/// Input: S exactly 3, 1, s_m = 0.53 and 0.01 with the default thresholds. Checked: S = 3 is
/// cartilage (fibrous needs S > 3), S = 1 immature bone, S = 0.53 mature bone, S = 0.01 mature
/// bone (not resorption).
#[test]
fn prendergast_stimulus_exactly_on_a_threshold_goes_to_the_stiffer_side() {
    let r = Prendergast::default();
    assert_eq!(r.phenotype(3.0), Phenotype::Cartilage);
    assert_eq!(r.phenotype(1.0), Phenotype::ImmatureBone);
    assert_eq!(r.phenotype(0.53), Phenotype::MatureBone);
    assert_eq!(r.phenotype(0.01), Phenotype::MatureBone);
}

/// Goal: the strict inequalities of Claes & Heigele (MODEL.md §3: bone for |ε| < 5 % and
/// |p_h| < 0.15 MPa, cartilage for |ε| < 15 % and p_h > 0.15 MPa) hold exactly on each threshold.
///
/// Input: uniaxial strain of magnitude exactly 0.05 or 0.15 and hydrostatic pressure exactly
/// 0.15 MPa (compression). Checked: ε = 0.05 at no pressure is not bone (fibrous); p = 0.15 at
/// ε = 1 % is neither bone nor cartilage (fibrous); ε = 0.15 at p = 0.2 is not cartilage
/// (fibrous).
#[test]
fn claes_heigele_values_exactly_on_a_threshold_are_fibrous() {
    let r = ClaesHeigele::default();
    let on_bone_strain = strained(0.05, 0.0);
    assert_eq!(on_bone_strain.max_abs_principal_strain(), 0.05);
    assert_eq!(r.classify(&on_bone_strain).phenotype, Phenotype::Fibrous);
    let on_pressure = strained(0.01, 0.15);
    assert_eq!(on_pressure.hydrostatic_pressure_mpa(), 0.15);
    assert_eq!(r.classify(&on_pressure).phenotype, Phenotype::Fibrous);
    let on_cartilage_strain = strained(0.15, 0.2);
    assert_eq!(on_cartilage_strain.max_abs_principal_strain(), 0.15);
    assert_eq!(
        r.classify(&on_cartilage_strain).phenotype,
        Phenotype::Fibrous
    );
}

/// Goal: Carter's diagram (our thresholds: fibrous where the tensile principal strain exceeds
/// 5 %, cartilage where the hydrostatic compression exceeds 0.15 MPa) holds exactly on each
/// threshold.
///
/// Input: tensile strain exactly 0.05 at no pressure; strain 1 % at exactly 0.15 MPa
/// compression. Checked: both are bone (neither threshold is exceeded).
#[test]
fn carter_values_exactly_on_a_threshold_are_bone() {
    let r = Carter::default();
    let on_tension = strained(0.05, 0.0);
    assert_eq!(on_tension.principal_strains()[0], 0.05);
    assert_eq!(r.classify(&on_tension).phenotype, Phenotype::ImmatureBone);
    assert_eq!(
        r.classify(&strained(0.01, 0.15)).phenotype,
        Phenotype::ImmatureBone
    );
}

/// Goal: a zero scale and two equal thresholds are refused, naming the key: zero is not a
/// positive number (S = γ/0), and equal thresholds leave a phenotype no interval (MODEL.md §3
/// orders them strictly).
///
/// Input: Prendergast with a = 0, with b = 0, with s_resorption = 0, with s_mature = s_cartilage
/// = 1; Claes & Heigele with equal strain limits. Checked: each refused with the key and value.
#[test]
fn zero_scales_and_equal_thresholds_are_refused_naming_the_key() {
    let refused = |choice: RuleChoice, key: &str| {
        let e = choice.validate().expect_err("refused").to_string();
        assert!(e.contains(key), "{choice:?}: {e}");
    };
    let p = Prendergast::default();
    refused(
        RuleChoice::Prendergast(Prendergast { a: 0.0, ..p }),
        "a = 0: must be a positive number",
    );
    refused(
        RuleChoice::Prendergast(Prendergast {
            b_mm_per_s: 0.0,
            ..p
        }),
        "b_mm_per_s = 0",
    );
    refused(
        RuleChoice::DeviatoricStrain(Prendergast {
            s_resorption: 0.0,
            ..p
        }),
        "s_resorption = 0",
    );
    refused(
        RuleChoice::Prendergast(Prendergast { s_mature: 1.0, ..p }),
        "s_cartilage = 1: must be above s_mature = 1",
    );
    refused(
        RuleChoice::ClaesHeigele(ClaesHeigele {
            bone_strain: 0.15,
            ..Default::default()
        }),
        "cartilage_strain = 0.15: must be above bone_strain = 0.15",
    );
}

/// Goal: each rule carries the short name its outputs use.
///
/// Input: the four rules of [`RuleChoice`]. Checked: "prendergast", "deviatoric_strain" (also for
/// [`Prendergast::deviatoric_only`] itself), "claes_heigele", "carter".
#[test]
fn every_rule_has_its_output_name() {
    assert_eq!(RuleChoice::default().rule().name(), "prendergast");
    assert_eq!(
        RuleChoice::DeviatoricStrain(Prendergast::default())
            .rule()
            .name(),
        "deviatoric_strain"
    );
    assert_eq!(Prendergast::deviatoric_only().name(), "deviatoric_strain");
    assert_eq!(
        RuleChoice::ClaesHeigele(ClaesHeigele::default())
            .rule()
            .name(),
        "claes_heigele"
    );
    assert_eq!(
        RuleChoice::Carter(Carter::default()).rule().name(),
        "carter"
    );
}
