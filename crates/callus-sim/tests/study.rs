//! Studies: the cases of a grid over any keys and of a Latin hypercube (named, ordered, validated
//! before any runs, reproducible from the seed), their shards, and the statistics of a sampled
//! study (percentiles and standardised rank regression coefficients against known answers).

use callus_sim::scenario::Rhythm;
use callus_sim::sensitivity::output_statistics;
use callus_sim::sweep::{grid, latin_hypercube, Law, Sampled, Shard, Varied};
use callus_sim::Scenario;

fn vary(text: &str) -> Varied {
    Varied::parse(text).unwrap()
}

fn sample(text: &str) -> Sampled {
    Sampled::parse(text).unwrap()
}

/// Goal: rates outermost, the last varied key innermost; each case's folder name names the varied
/// keys, its parameters hold their values and its scenario has them; `--vary` of the rate is the
/// shorthand; a value a key cannot take is refused before any case runs, naming the case.
#[test]
fn a_grid_over_any_keys() {
    let base = Scenario::default_scenario();
    let cases = grid(
        &base,
        &[1.0],
        &[Rhythm::Steps(4)],
        &[
            vary("protocol.rate_mm_per_day=0.5,2"),
            vary("fixator.stiffness_n_per_mm=500,1000"),
            vary("tissues.granulation.youngs_modulus_mpa=0.5,1.5"),
        ],
        "default",
    )
    .unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 8);
    assert_eq!(
        names[..3],
        [
            "rate_0.5_rhythm_4_fixator.stiffness_n_per_mm_500_tissues.granulation.youngs_modulus_mpa_0.5",
            "rate_0.5_rhythm_4_fixator.stiffness_n_per_mm_500_tissues.granulation.youngs_modulus_mpa_1.5",
            "rate_0.5_rhythm_4_fixator.stiffness_n_per_mm_1000_tissues.granulation.youngs_modulus_mpa_0.5",
        ]
    );
    let last = &cases[7];
    assert_eq!(last.rate_mm_per_day, 2.0);
    assert_eq!(last.scenario.protocol.rate_mm_per_day, 2.0);
    assert_eq!(last.scenario.fixator.stiffness_n_per_mm, 1000.0);
    assert_eq!(
        last.scenario
            .tissue_catalogue("t")
            .unwrap()
            .get("granulation")
            .unwrap()
            .youngs_modulus_mpa,
        1.5
    );
    assert_eq!(
        last.parameters,
        [
            ("fixator.stiffness_n_per_mm".to_string(), "1000".to_string()),
            (
                "tissues.granulation.youngs_modulus_mpa".to_string(),
                "1.5".to_string()
            )
        ]
    );
    let e = grid(
        &base,
        &[1.0],
        &[Rhythm::Steps(4)],
        &[vary("tissues.granulation.porosity=0.5,2")],
        "default",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("tissues.granulation.porosity") && e.contains("porosity_2"),
        "{e}"
    );
    assert!(Varied::parse("fixator.stiffness_n_per_mm").is_err());
    assert!(Varied::parse("fixator.stiffness_n_per_mm=1,,2").is_err());
}

/// Goal: a Latin hypercube of N draws puts exactly one draw of each key in each of its N
/// equal-probability strata, is the same for the same seed and differs for another, and a draw
/// outside the key's range is refused before any case runs, naming the sample and the key.
#[test]
fn a_latin_hypercube_is_stratified_reproducible_and_checked() {
    let base = Scenario::default_scenario();
    let keys = [
        sample("tissues.granulation.youngs_modulus_mpa=uniform(0.5,1.5)"),
        sample("tissues.fibrous.permeability_m4_per_ns=loguniform(1e-15,1e-13)"),
        sample("fixator.stiffness_n_per_mm=normal(1000,100)"),
    ];
    let n = 16;
    let cases = latin_hypercube(&base, &keys, n, 7, "default").unwrap();
    assert_eq!(cases.len(), n);
    assert_eq!(cases[0].name, "sample_001");
    for (k, key) in keys.iter().enumerate() {
        let mut strata: Vec<usize> = cases
            .iter()
            .map(|c| {
                let v: f64 = c.parameters[k].1.parse().unwrap();
                let u = match key.law {
                    Law::Uniform(a, b) => (v - a) / (b - a),
                    Law::LogUniform(a, b) => (v.ln() - a.ln()) / (b.ln() - a.ln()),
                    Law::Normal(m, s) => {
                        use statrs::distribution::{ContinuousCDF, Normal};
                        Normal::new(m, s).unwrap().cdf(v)
                    }
                };
                (u * n as f64).floor() as usize
            })
            .collect();
        strata.sort();
        assert_eq!(strata, (0..n).collect::<Vec<_>>(), "{}", key.key);
    }
    let stiffness: f64 = cases[3].parameters[2].1.parse().unwrap();
    assert_eq!(cases[3].scenario.fixator.stiffness_n_per_mm, stiffness);
    assert_eq!(
        latin_hypercube(&base, &keys, n, 7, "default").unwrap(),
        cases
    );
    assert_ne!(
        latin_hypercube(&base, &keys, n, 8, "default").unwrap(),
        cases
    );
    // Out of range, through the tissue catalogue and through the scenario's own checks.
    for wide in [
        "tissues.granulation.youngs_modulus_mpa=normal(1,2)",
        "fixator.stiffness_n_per_mm=normal(100,500)",
    ] {
        let e = latin_hypercube(&base, &[sample(wide)], 32, 1, "default")
            .unwrap_err()
            .to_string();
        let key = wide.split('=').next().unwrap();
        assert!(e.contains("sample_") && e.contains(key), "{e}");
    }
    // A law written out reads back the same (the shard tasks of --slurm pass it on).
    for key in &keys {
        let text = format!("{}={}", key.key, key.law);
        assert_eq!(&Sampled::parse(&text).unwrap(), key, "{text}");
    }
    for bad in [
        "k=uniform(2,1)",
        "k=loguniform(0,1)",
        "k=normal(1,0)",
        "k=beta(1,2)",
        "k=uniform(1)",
        "k",
    ] {
        assert!(Sampled::parse(bad).is_err(), "{bad}");
    }
}

/// Goal: the shards of a study deal every case to exactly one shard.
#[test]
fn shards_deal_every_case_once() {
    for count in 1..=5 {
        let mut seen = vec![0; 11];
        for index in 1..=count {
            let shard = Shard::parse(&format!("{index}/{count}")).unwrap();
            for (i, s) in seen.iter_mut().enumerate() {
                *s += usize::from(shard.holds(i));
            }
        }
        assert!(seen.iter().all(|&s| s == 1), "{count}: {seen:?}");
    }
    for bad in ["0/2", "3/2", "1", "a/b"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
}

/// Goal: the statistics of an output against known answers. Inputs x1, x2 on 100 cases, x2 a
/// shuffle of x1; y1 = exp(x1) (monotone in x1 alone: SRRC 1 and 0, R² 1), y2 = −x2³ + x1/100
/// (nearly all x2, decreasing), y3 with half its values missing (only the rest are counted), y4
/// constant (no coefficients).
#[test]
fn output_statistics_reproduce_known_answers() {
    let x1: Vec<f64> = (0..100).map(|i| i as f64).collect();
    let x2: Vec<f64> = (0..100).map(|i| ((i * 37) % 100) as f64).collect();
    let inputs = vec![x1.clone(), x2.clone()];
    let y1: Vec<f64> = x1.iter().map(|x| (x / 50.0).exp()).collect();
    let s = output_statistics(&inputs, &y1);
    assert_eq!(s.cases, 100);
    assert!(
        (s.srrc[0] - 1.0).abs() < 1e-9 && s.srrc[1].abs() < 1e-9,
        "{s:?}"
    );
    assert!((s.rank_r2 - 1.0).abs() < 1e-9);
    let y2: Vec<f64> = x1
        .iter()
        .zip(&x2)
        .map(|(a, b)| -b.powi(3) + a / 100.0)
        .collect();
    let s = output_statistics(&inputs, &y2);
    assert!(s.srrc[1] < -0.99 && s.srrc[0].abs() < 0.05, "{s:?}");
    let y3: Vec<f64> = x1
        .iter()
        .map(|&x| if x < 50.0 { f64::NAN } else { x })
        .collect();
    let s = output_statistics(&inputs, &y3);
    assert_eq!(s.cases, 50);
    assert!((s.mean - 74.5).abs() < 1e-12);
    assert!(
        s.p5 > 50.0 && s.p5 < 54.0 && s.p95 > 95.0 && s.p95 < 99.0,
        "{s:?}"
    );
    let s = output_statistics(&inputs, &vec![3.0; 100]);
    assert_eq!(s.mean, 3.0);
    assert!(s.srrc.iter().all(|c| c.is_nan()) && s.rank_r2.is_nan());
}
