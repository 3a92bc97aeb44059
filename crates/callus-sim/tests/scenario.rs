//! Scenarios: the built-in default, merging a user's file over it, strict refusal of unknown keys,
//! impossible values and missing files (naming the key), and the protocol's day-by-day plan.

use callus_bio::rules::RuleChoice;
use callus_sim::protocol::DAY_S;
use callus_sim::scenario::{Loading, Phase, Rhythm, DEFAULT_SCENARIO_TOML};
use callus_sim::{Scenario, ScenarioError};

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_toml(text, "my.toml")
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn the_default_is_the_commented_file_and_round_trips() {
    let d = Scenario::default_scenario();
    assert_eq!(d.protocol.rate_mm_per_day, 1.0);
    assert_eq!(d.protocol.rhythm, Rhythm::Steps(4));
    assert_eq!(d.protocol.latency_days, 7);
    assert_eq!(d.protocol.lengthening_mm, 10.0);
    assert_eq!(
        d.geometry.osteotomy,
        callus_mesh::generate::OsteotomyGeometry::default(),
        "the file and the generator agree"
    );
    assert!(
        matches!(&d.loading, Loading::CyclicAxial { phases, .. } if phases == &[callus_sim::scenario::Phase::Consolidation]),
        "weight bearing in consolidation drives ossification: {:?}",
        d.loading
    );
    assert_eq!(parse(DEFAULT_SCENARIO_TOML).unwrap(), d);
    assert_eq!(
        parse(&d.to_toml()).unwrap(),
        d,
        "what a run records reads back the same"
    );
}

#[test]
fn a_users_file_overrides_only_what_it_names() {
    let s = parse("[protocol]\nrate_mm_per_day = 0.5\nrhythm = \"continuous\"\n\n[geometry.osteotomy]\ngap_mm = 2.0\n").unwrap();
    assert_eq!(s.protocol.rate_mm_per_day, 0.5);
    assert_eq!(s.protocol.rhythm, Rhythm::Continuous);
    assert_eq!(s.protocol.latency_days, 7, "kept from the default");
    assert_eq!(s.geometry.osteotomy.gap_mm, 2.0);
    assert_eq!(s.geometry.osteotomy.outer_radius_mm, 10.0);
    // A different rule replaces the [rule] table whole (its keys differ).
    let s = parse("[rule]\nrule = \"claes_heigele\"\npressure_mpa = 0.2\n").unwrap();
    assert!(
        matches!(s.rule, RuleChoice::ClaesHeigele(c) if c.pressure_mpa == 0.2 && c.bone_strain == 0.05)
    );
    let s = parse("[loading]\nkind = \"cyclic_axial\"\nload_n = 100.0\nphases = [\"consolidation\"]\n[fixator]\nstiffness_n_per_mm = 500.0\n").unwrap();
    assert!(
        matches!(s.loading, Loading::CyclicAxial { load_n, ref phases, .. } if load_n == 100.0 && phases == &[Phase::Consolidation])
    );
}

#[test]
fn unknown_keys_and_wrong_types_are_refused_with_the_key() {
    let e = error("[protocol]\nrate_mm_per_dya = 1.0\n");
    assert!(
        e.contains("my.toml") && e.contains("rate_mm_per_dya"),
        "{e}"
    );
    assert!(error("[protocl]\nrate_mm_per_day = 1.0\n").contains("protocl"));
    assert!(error("[rule]\nrule = \"prendergast\"\nbogus = 1\n").contains("bogus"));
    let e = error("[protocol]\nrate_mm_per_day = \"fast\"\n");
    assert!(
        e.contains("rate_mm_per_day") && e.contains("expected a number"),
        "no Rust type names: {e}"
    );
    let e = error("[protocol]\nlatency_days = -3\n");
    assert!(
        e.contains("latency_days") && e.contains("expected a whole number, 0 or more"),
        "{e}"
    );
    assert!(error("[geometry]\nidealisation = \"2d\"\n").contains("idealisation"));
    assert!(error("this is = = not toml").contains("my.toml"));
}

#[test]
fn impossible_values_are_refused_with_the_key_and_the_reason() {
    for (text, key) in [
        ("[protocol]\nrate_mm_per_day = -1.0\n", "protocol.rate_mm_per_day"),
        ("[protocol]\nrate_mm_per_day = 20.0\n", "protocol.rate_mm_per_day"),
        ("[protocol]\nlengthening_mm = 0.0\n", "protocol.lengthening_mm"),
        ("[protocol]\nrhythm = 0\n", "rhythm"),
        ("[protocol]\nrhythm = \"sometimes\"\n", "rhythm"),
        ("[protocol]\nrhythm = 1000\nramp_s = 120.0\n", "protocol.ramp_s"),
        ("[geometry.osteotomy]\ngap_mm = 0.0\n", "gap_mm"),
        ("[geometry.osteotomy]\ngap_mm = -1.0\n", "gap_mm"),
        ("[numerics]\nfirst_time_step_s = 100.0\n", "numerics.first_time_step_s"),
        ("[numerics]\nmax_element_height_mm = 0.0\n", "numerics.max_element_height_mm"),
        ("[numerics]\nrezone_below_quality = 1.5\n", "numerics.rezone_below_quality"),
        ("[cells]\ndiffusivity_mm2_per_day = -0.5\n", "cells.diffusivity_mm2_per_day"),
        ("[tissues]\nwindow_days = 0\n", "tissues.window_days"),
        ("[rule]\nrule = \"prendergast\"\ns_mature = 5.0\n", "rule.s_cartilage = 1: must be above s_mature = 5"),
        ("[rule]\nrule = \"prendergast\"\na = nan\n", "rule.a = NaN"),
        ("[rule]\nrule = \"claes_heigele\"\npressure_mpa = nan\n", "rule.pressure_mpa = NaN"),
        ("[rule]\nrule = \"claes_heigele\"\nbone_strain = 0.3\n", "rule.cartilage_strain"),
        ("[rule]\nrule = \"carter\"\ntension_strain = -0.05\n", "rule.tension_strain"),
        ("[protocol]\nrate_mm_per_day = 1e-9\n", "protocol.rate_mm_per_day"),
        ("[protocol]\nlatency_days = 4000000000\n", "protocol.latency_days"),
        ("[protocol]\nconsolidation_days = 5000\n", "protocol.consolidation_days"),
        ("[fixator]\nstiffness_n_per_mm = -1.0\n", "fixator.stiffness_n_per_mm"),
        ("[loading]\nkind = \"cyclic_axial\"\nload_n = 100.0\nfixator_stiffness_n_per_mm = 500.0\nphases = [\"distraction\"]\n", "[fixator] stiffness_n_per_mm"),
        ("[loading]\nkind = \"cyclic_axial\"\nload_n = 100.0\nphases = []\n", "loading.phases"),
        ("[output]\nfield_every_days = 0\n", "output.field_every_days"),
        ("[vascularity]\nsubsteps_per_day = 4\n", "vascularity.substeps_per_day"),
        ("[vascularity]\nfront_speed_mm_per_day = -0.4\n", "vascularity.front_speed_mm_per_day"),
        ("[vascularity]\nbone_window = { from = 0.8, to = 0.6 }\n", "vascularity.bone_window"),
        ("[vascularity]\nsoft_tissue_value = 1.3\n", "vascularity.soft_tissue_value"),
        ("[numerics]\ncontinuous_strain_increment_s = 0.0\n", "numerics.continuous_strain_increment_s"),
    ] {
        let e = error(text);
        assert!(e.contains(key), "{text}: {e}");
    }
}

#[test]
fn files_are_found_relative_to_the_scenario_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("run.toml");
    std::fs::write(&scenario, "[geometry]\nmesh_file = \"bone.msh\"\n").unwrap();
    let e = Scenario::from_file(&scenario).unwrap_err().to_string();
    assert!(
        e.contains("geometry.mesh_file") && e.contains("bone.msh") && e.contains("no such file"),
        "{e}"
    );
    std::fs::write(dir.path().join("bone.msh"), "").unwrap();
    let s = Scenario::from_file(&scenario).unwrap();
    assert_eq!(s.geometry.mesh_file.unwrap(), dir.path().join("bone.msh"));
    let e = Scenario::from_file(&dir.path().join("missing.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("missing.toml") && e.contains("--print-default"),
        "the file and where to get one: {e}"
    );
}

#[test]
fn the_plan_of_the_default_protocol() {
    let plan = Scenario::default_scenario().protocol.plan();
    assert_eq!(plan.len(), 7 + 10 + 40);
    assert!(plan[..7]
        .iter()
        .all(|d| d.phase == Phase::Latency && d.steps.is_empty()));
    let distraction: Vec<_> = plan
        .iter()
        .filter(|d| d.phase == Phase::Distraction)
        .collect();
    assert_eq!(distraction.len(), 10);
    assert_eq!(distraction[0].day, 7);
    for d in &distraction {
        assert_eq!(d.steps.len(), 4);
        assert!(d
            .steps
            .iter()
            .all(|s| (s.amount_mm - 0.25).abs() < 1e-15 && s.ramp_s == 60.0));
        assert_eq!(d.steps[1].start_s, DAY_S / 4.0);
    }
    assert!(plan.last().unwrap().phase == Phase::Consolidation && plan.last().unwrap().day == 56);
}

#[test]
fn uneven_and_continuous_protocols_reach_the_lengthening_exactly() {
    let mut p = Scenario::default_scenario().protocol;
    p.rate_mm_per_day = 0.7;
    p.rhythm = Rhythm::Steps(3);
    let total: f64 = p
        .plan()
        .iter()
        .flat_map(|d| d.steps.iter())
        .map(|s| s.amount_mm)
        .sum();
    assert!((total - 10.0).abs() < 1e-12, "{total}");
    assert_eq!(
        p.plan()
            .iter()
            .filter(|d| d.phase == Phase::Distraction)
            .count(),
        15,
        "10 / 0.7 = 14.3 days"
    );
    p.rhythm = Rhythm::Continuous;
    p.rate_mm_per_day = 1.0;
    let plan = p.plan();
    let d = plan.iter().find(|d| d.phase == Phase::Distraction).unwrap();
    assert_eq!(d.steps.len(), 1);
    assert_eq!((d.steps[0].ramp_s, d.steps[0].amount_mm), (DAY_S, 1.0));
}

/// Goal: the idealisation's name (results.h5's `idealisation` attribute) is what a scenario writes.
#[test]
fn idealisation_names_are_the_scenario_words() {
    use callus_sim::scenario::IdealisationChoice;
    for choice in [IdealisationChoice::Axisymmetric, IdealisationChoice::ThreeD] {
        assert_eq!(
            serde_json::to_value(choice).unwrap().as_str(),
            Some(choice.name())
        );
    }
}

/// Goal: a tissue's properties are scenario keys (`[tissues.granulation]`, or
/// `tissues.granulation.youngs_modulus_mpa` in `--set`), replace the catalogue's value in its
/// published unit, round-trip through the run's record, and are refused with the key when the
/// tissue, the property or the value is wrong.
#[test]
fn tissue_properties_are_scenario_keys() {
    let default = Scenario::default_scenario().tissue_catalogue("d").unwrap();
    let granulation = *default.get("granulation").unwrap();
    let s =
        parse("[tissues.granulation]\nyoungs_modulus_mpa = 1.5\npermeability_m4_per_ns = 2e-14\n")
            .unwrap();
    let catalogue = s.tissue_catalogue("my.toml").unwrap();
    let g = catalogue.get("granulation").unwrap();
    assert_eq!(g.youngs_modulus_mpa, 1.5);
    assert_eq!(g.mobility_mm4_per_ns, 2e-14 * callus_bio::tissue::M4_TO_MM4);
    assert_eq!(
        g.poisson_ratio, granulation.poisson_ratio,
        "the rest is kept"
    );
    assert_eq!(
        catalogue.get("fibrous").unwrap(),
        default.get("fibrous").unwrap()
    );
    assert_eq!(
        parse(&s.to_toml()).unwrap(),
        s,
        "the record reads back the same"
    );
    let set = Scenario::default_scenario()
        .with_settings(&["tissues.granulation.youngs_modulus_mpa=1.5".into()])
        .unwrap();
    assert_eq!(
        set.tissue_catalogue("d")
            .unwrap()
            .get("granulation")
            .unwrap()
            .youngs_modulus_mpa,
        1.5
    );
    // Wrong property, wrong type, a typo of a [tissues] key, a bad value, an unknown tissue.
    assert!(error("[tissues.granulation]\nyoung = 1.0\n").contains("tissues.granulation.young"));
    assert!(error("[tissues.granulation]\nporosity = \"high\"\n").contains("must be a number"));
    let e = error("[tissues]\nwindow_day = 3\n");
    assert!(
        e.contains("tissues.window_day") && e.contains("window_days"),
        "{e}"
    );
    let bad = parse("[tissues.granulation]\nporosity = 1.5\n").unwrap();
    let e = bad.tissue_catalogue("my.toml").unwrap_err().to_string();
    assert!(
        e.contains("tissues.granulation.porosity") && e.contains("(0, 1)"),
        "{e}"
    );
    // The keys [tissues] has besides tissue tables, as the refusal lists them: those of the
    // default scenario's table.
    let e = error("[tissues]\nwindow_day = 3\n");
    let table = toml::Table::try_from(Scenario::default_scenario()).unwrap();
    for key in table["tissues"].as_table().unwrap().keys() {
        assert!(e.contains(key.as_str()), "{key}: {e}");
    }
    let e = parse("[tissues.granulaton]\nporosity = 0.5\n")
        .unwrap()
        .tissue_catalogue("my.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("granulaton") && e.contains("granulation"), "{e}");
}
