//! The tissue catalogue's ranges and its one-property replacement (`tissues.<name>.<property>`
//! scenario keys): each bound exactly on its edge, each property reaching the tissue it names, in
//! solver units, and the others left as they were.

use callus_bio::tissue::{Tissue, TissueCatalogue, DEFAULT_TISSUES_TOML, M4_TO_MM4};

/// The built-in table with one value of granulation replaced.
fn with_granulation(key: &str, value: &str) -> Result<TissueCatalogue, String> {
    let mut out = String::new();
    let mut in_granulation = false;
    for line in DEFAULT_TISSUES_TOML.lines() {
        if line.starts_with('[') {
            in_granulation = line == "[granulation]";
        }
        if in_granulation && line.starts_with(key) {
            out.push_str(&format!("{key} = {value}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    TissueCatalogue::from_toml(&out, "edge.toml").map_err(|e| e.to_string())
}

/// Goal: every range is open where MODEL.md §2 says so: a value exactly on an excluded bound is
/// refused naming the key, and the largest permeability accepted is 1e-6 m⁴/(N·s) itself (above
/// it the unit is taken for mm⁴/(N·s)).
///
/// Input: the built-in table with one granulation value set to the bound.
#[test]
fn values_exactly_on_a_bound_are_refused_and_the_permeability_limit_is_accepted() {
    for (key, value) in [
        ("youngs_modulus_mpa", "0.0"),
        ("poisson_ratio", "-1.0"),
        ("poisson_ratio", "0.5"),
        ("permeability_m4_per_ns", "0.0"),
        ("solid_bulk_mpa", "0.0"),
        ("fluid_bulk_mpa", "0.0"),
        ("porosity", "0.0"),
        ("porosity", "1.0"),
    ] {
        let e = with_granulation(key, value).expect_err(&format!("{key} = {value} accepted"));
        assert!(e.contains(&format!("[granulation] {key} = ")), "{e}");
    }
    let cat = with_granulation("permeability_m4_per_ns", "1e-6").unwrap();
    assert_eq!(
        cat.get("granulation").unwrap().mobility_mm4_per_ns,
        1e-6 * M4_TO_MM4
    );
    let e = with_granulation("permeability_m4_per_ns", "1.0000001e-6").unwrap_err();
    assert!(e.contains("far too large"), "{e}");
}

/// Goal: `with_property` sets the one property it names, in solver units (the permeability in
/// m⁴/(N·s) becomes a mobility in mm⁴/(N·s), × 10¹²), and leaves every other value of that
/// tissue and every other tissue exactly as it was.
///
/// Input: the built-in table; each of the six properties of granulation set to a new value in its
/// range (E 0.5 MPa, k 3e-14 m⁴/(N·s), ν 0.3, K_s 2000 MPa, K_f 2100 MPa, n 0.7).
#[test]
fn each_property_replaced_reaches_its_tissue_alone() {
    let before = TissueCatalogue::default_table();
    let granulation = *before.get("granulation").unwrap();
    let cases: [(&str, f64, Tissue); 6] = [
        (
            "youngs_modulus_mpa",
            0.5,
            Tissue {
                youngs_modulus_mpa: 0.5,
                ..granulation
            },
        ),
        (
            "permeability_m4_per_ns",
            3e-14,
            Tissue {
                mobility_mm4_per_ns: 3e-14 * M4_TO_MM4,
                ..granulation
            },
        ),
        (
            "poisson_ratio",
            0.3,
            Tissue {
                poisson_ratio: 0.3,
                ..granulation
            },
        ),
        (
            "solid_bulk_mpa",
            2000.0,
            Tissue {
                solid_bulk_mpa: 2000.0,
                ..granulation
            },
        ),
        (
            "fluid_bulk_mpa",
            2100.0,
            Tissue {
                fluid_bulk_mpa: 2100.0,
                ..granulation
            },
        ),
        (
            "porosity",
            0.7,
            Tissue {
                porosity: 0.7,
                ..granulation
            },
        ),
    ];
    for (property, value, expected) in cases {
        let after = before
            .clone()
            .with_property("granulation", property, value)
            .unwrap_or_else(|e| panic!("{property} = {value}: {e}"));
        assert_eq!(*after.get("granulation").unwrap(), expected, "{property}");
        for (name, tissue) in before.iter().filter(|(n, _)| *n != "granulation") {
            assert_eq!(
                after.get(name).unwrap(),
                tissue,
                "{property} changed {name}"
            );
        }
    }
}

/// Goal: replacing another property keeps a mobility bit for bit, even one whose way through
/// m⁴/(N·s) and back is not exact (0.029319129045484303 mm⁴/(N·s): ÷ 10¹² × 10¹² gives
/// 0.0293191290454843), as a catalogue read back from a checkpoint can hold.
///
/// Input: a catalogue deserialised with that mobility for granulation (the built-in values
/// otherwise); granulation's modulus set to 1 MPa.
#[test]
fn replacing_a_property_keeps_the_mobility_bit_for_bit() {
    let mobility = 0.029319129045484303;
    assert_ne!(
        mobility / M4_TO_MM4 * M4_TO_MM4,
        mobility,
        "inexact way back"
    );
    let mut text = toml::to_string(&TissueCatalogue::default_table()).unwrap();
    let start = text.find("[tissues.granulation]").unwrap();
    let at = start + text[start..].find("mobility_mm4_per_ns = ").unwrap();
    let end = at + text[at..].find('\n').unwrap();
    text.replace_range(at..end, &format!("mobility_mm4_per_ns = {mobility:?}"));
    let cat: TissueCatalogue = toml::from_str(&text).unwrap();
    assert_eq!(
        cat.get("granulation").unwrap().mobility_mm4_per_ns,
        mobility
    );
    let after = cat
        .with_property("granulation", "youngs_modulus_mpa", 1.0)
        .unwrap();
    let g = after.get("granulation").unwrap();
    assert_eq!(g.youngs_modulus_mpa, 1.0);
    assert_eq!(g.mobility_mm4_per_ns, mobility);
}

/// Granulation with E, ν, K_s and n replaced (the built-in values otherwise).
fn granulation_with(e_mpa: f64, nu: f64, ks_mpa: f64, n: f64) -> TissueCatalogue {
    [
        ("poisson_ratio", nu),
        ("youngs_modulus_mpa", e_mpa),
        ("solid_bulk_mpa", ks_mpa),
        ("porosity", n),
    ]
    .into_iter()
    .fold(
        TissueCatalogue::default_table(),
        |cat, (property, value)| cat.with_property("granulation", property, value).unwrap(),
    )
}

/// Goal: the warnings of [`TissueCatalogue::warnings`] start strictly beyond the bound α ≥ n
/// (K_d ≤ (1 − n)·K_s), and α = 0 itself is kept as the formula gives it (only a negative α is
/// replaced by 0).
///
/// Input: granulation with ν = 0.25 (K_d = E/1.5, exact), K_s = 1000 MPa: E = 750 MPa and
/// n = 0.5 give α = 1 − 500/1000 = 0.5 = n exactly (no warning); E = 1500 MPa and n = 0.5 give
/// α = 0 exactly (a warning that keeps it); E = 1800 MPa gives α = −0.2 (a warning that uses 0).
/// The built-in table warns of cortical and mature bone only.
#[test]
fn warnings_start_beyond_the_bound_and_keep_a_zero_biot_coefficient() {
    let on_granulation = |cat: &TissueCatalogue| -> Vec<String> {
        cat.warnings()
            .into_iter()
            .filter(|w| w.contains("'granulation'"))
            .collect()
    };
    assert!(on_granulation(&granulation_with(750.0, 0.25, 1000.0, 0.5)).is_empty());
    let zero = on_granulation(&granulation_with(1500.0, 0.25, 1000.0, 0.5));
    assert_eq!(zero.len(), 1);
    assert!(
        zero[0].contains("α = 1 − K_d/K_s = 0.000 is kept"),
        "{}",
        zero[0]
    );
    let negative = on_granulation(&granulation_with(1800.0, 0.25, 1000.0, 0.5));
    assert!(
        negative[0].contains("not admissible; α = 0"),
        "{}",
        negative[0]
    );
}

/// Goal: `iter` lists every tissue of the catalogue, in name order.
#[test]
fn the_catalogue_lists_its_tissues_in_name_order() {
    let names: Vec<String> = TissueCatalogue::default_table()
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    let mut expected: Vec<String> = callus_bio::tissue::REQUIRED
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(names, expected);
}
