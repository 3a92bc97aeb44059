//! The cases of a study: the base scenario over a grid (rates × rhythms × any keys, `--vary`) or at
//! the draws of a Latin hypercube (`--sample`), each validated (its tissue catalogue included) and
//! named before any runs, and the deterministic split of the cases into shards. Running them, in
//! parallel and into folders, is callus-io's (`callus_io::sweep`); the statistics of a sampled
//! study are [`crate::sensitivity`]'s.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::scenario::{Rhythm, Scenario, ScenarioError};
use crate::SimError;

/// One case of a study.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Folder name of the case: `rate_1_rhythm_4`, with `_<key>_<value>` for each varied key, or
    /// `sample_007` for a draw.
    pub name: String,
    /// Distraction rate (mm/day).
    pub rate_mm_per_day: f64,
    /// Rhythm.
    pub rhythm: Rhythm,
    /// The study's varied or sampled keys (not rate and rhythm) and this case's value of each, as
    /// given or drawn, in the study's key order: the extra columns of `sweep.csv`.
    pub parameters: Vec<(String, String)>,
    /// The scenario of the case (the base with the case's values).
    pub scenario: Scenario,
}

/// The rhythm as a case name has it (`4`, `continuous`).
pub fn rhythm_label(r: Rhythm) -> String {
    match r {
        Rhythm::Steps(n) => n.to_string(),
        Rhythm::Continuous => "continuous".into(),
    }
}

/// Steps per day as a number (`continuous` as 0, as in `sweep.csv`).
pub fn rhythm_number(r: Rhythm) -> u32 {
    match r {
        Rhythm::Steps(n) => n,
        Rhythm::Continuous => 0,
    }
}

/// A rhythm as the command line writes it: steps per day (1–1440), or `continuous` (or 0).
pub fn parse_rhythm(text: &str) -> Result<Rhythm, String> {
    match text.trim() {
        "continuous" | "0" => Ok(Rhythm::Continuous),
        n => match n.parse::<u32>() {
            Ok(n) if (1..=1440).contains(&n) => Ok(Rhythm::Steps(n)),
            _ => Err(format!("'{n}': give 1 to 1440 steps a day, or continuous")),
        },
    }
}

/// A varied key and its values, as `--vary KEY=V1,V2,...` gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Varied {
    /// Dotted scenario key, e.g. `fixator.stiffness_n_per_mm`.
    pub key: String,
    /// The values, as TOML values in text (`500`, `"relaxed"` or `relaxed`).
    pub values: Vec<String>,
}

impl Varied {
    /// Parses `KEY=V1,V2,...`.
    pub fn parse(text: &str) -> Result<Varied, String> {
        let (key, values) = text.split_once('=').ok_or_else(|| {
            format!("'{text}': give KEY=V1,V2,... (e.g. fixator.stiffness_n_per_mm=500,1000)")
        })?;
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if key.trim().is_empty() || values.iter().any(String::is_empty) {
            return Err(format!("'{text}': give KEY=V1,V2,... with no empty value"));
        }
        Ok(Varied {
            key: key.trim().to_string(),
            values,
        })
    }
}

/// The cases of `base` at every rate × rhythm (rates outer), each validated.
pub fn cases(
    base: &Scenario,
    rates_mm_per_day: &[f64],
    rhythms: &[Rhythm],
    file: &str,
) -> Result<Vec<Case>, SimError> {
    grid(base, rates_mm_per_day, rhythms, &[], file)
}

/// The cases of `base` over rates × rhythms × each varied key's values (rates outermost, the last
/// varied key innermost), each validated with its tissue catalogue. `--vary` of the rate or the
/// rhythm key is the `rates`/`rhythms` shorthand.
pub fn grid(
    base: &Scenario,
    rates_mm_per_day: &[f64],
    rhythms: &[Rhythm],
    varied: &[Varied],
    file: &str,
) -> Result<Vec<Case>, SimError> {
    let mut rates = rates_mm_per_day.to_vec();
    let mut rhythms = rhythms.to_vec();
    let mut others: Vec<&Varied> = Vec::new();
    for v in varied {
        let refuse = |why: String| ScenarioError::Parse {
            file: format!("--vary {}", v.key),
            message: why,
        };
        match v.key.as_str() {
            "protocol.rate_mm_per_day" => {
                rates = v
                    .values
                    .iter()
                    .map(|t| {
                        t.parse()
                            .map_err(|_| refuse(format!("'{t}' is not a rate in mm/day")))
                    })
                    .collect::<Result<_, _>>()?
            }
            "protocol.rhythm" => {
                rhythms = v
                    .values
                    .iter()
                    .map(|t| parse_rhythm(t.trim_matches('"')).map_err(refuse))
                    .collect::<Result<_, _>>()?
            }
            _ if others.iter().any(|o| o.key == v.key) => {
                return Err(refuse("varied twice; give its values once".into()).into())
            }
            _ => others.push(v),
        }
    }
    let mut out = Vec::new();
    // Odometer over the varied keys' values, the last key fastest.
    let combinations: usize = others.iter().map(|v| v.values.len()).product();
    for &rate in &rates {
        for &rhythm in &rhythms {
            for mut index in 0..combinations {
                let mut picks = vec![0; others.len()];
                for (pick, v) in picks.iter_mut().zip(&others).rev() {
                    *pick = index % v.values.len();
                    index /= v.values.len();
                }
                let parameters: Vec<(String, String)> = others
                    .iter()
                    .zip(&picks)
                    .map(|(v, &i)| (v.key.clone(), v.values[i].clone()))
                    .collect();
                let mut name = format!("rate_{rate}_rhythm_{}", rhythm_label(rhythm));
                for (key, value) in &parameters {
                    name.push_str(&format!("_{key}_{}", folder_safe(value)));
                }
                out.push(case(base, rate, rhythm, parameters, name, file)?);
            }
        }
    }
    Ok(out)
}

/// A case of `base` with `parameters` set, at `rate` and `rhythm`, validated with its catalogue.
fn case(
    base: &Scenario,
    rate: f64,
    rhythm: Rhythm,
    parameters: Vec<(String, String)>,
    name: String,
    file: &str,
) -> Result<Case, SimError> {
    let settings: Vec<String> = parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let label = format!("{file} (case {name})");
    let mut scenario = base
        .with_settings(&settings)
        .map_err(|e| e.in_file(&label))?;
    scenario.protocol.rate_mm_per_day = rate;
    scenario.protocol.rhythm = rhythm;
    scenario.validate(&label)?;
    scenario.tissue_catalogue(&label)?;
    Ok(Case {
        name,
        rate_mm_per_day: rate,
        rhythm,
        parameters,
        scenario,
    })
}

/// A value as a folder name may hold it (letters, digits, `.`, `-`, `+`; anything else `-`).
fn folder_safe(value: &str) -> String {
    value
        .trim_matches('"')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-+".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The law of a sampled key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Law {
    /// Uniform on [a, b].
    Uniform(f64, f64),
    /// Uniform in the logarithm on [a, b] (0 < a < b): for moduli and permeabilities.
    LogUniform(f64, f64),
    /// Normal with a mean and a standard deviation (a draw outside the key's range is refused).
    Normal(f64, f64),
}

impl Law {
    /// The value at the quantile `u` ∈ (0, 1).
    pub fn quantile(self, u: f64) -> f64 {
        match self {
            Law::Uniform(a, b) => a + u * (b - a),
            Law::LogUniform(a, b) => (a.ln() + u * (b.ln() - a.ln())).exp(),
            Law::Normal(mean, sd) => Normal::new(mean, sd)
                .expect("a checked normal law")
                .inverse_cdf(u),
        }
    }
}

/// The law as `--sample` writes it (`uniform(0.5,1.5)`), which [`Sampled::parse`] reads back
/// exactly (the numbers in their shortest exact form).
impl std::fmt::Display for Law {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Law::Uniform(a, b) => write!(f, "uniform({a:?},{b:?})"),
            Law::LogUniform(a, b) => write!(f, "loguniform({a:?},{b:?})"),
            Law::Normal(a, b) => write!(f, "normal({a:?},{b:?})"),
        }
    }
}

/// A sampled key and its law, as `--sample KEY=uniform(A,B)` gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sampled {
    /// Dotted scenario key (a number), e.g. `tissues.granulation.youngs_modulus_mpa`.
    pub key: String,
    /// Its law.
    pub law: Law,
}

impl Sampled {
    /// Parses `KEY=uniform(A,B)`, `KEY=loguniform(A,B)` or `KEY=normal(MEAN,SD)`.
    pub fn parse(text: &str) -> Result<Sampled, String> {
        let usage = "give KEY=uniform(A,B), KEY=loguniform(A,B) or KEY=normal(MEAN,SD)";
        let (key, law) = text
            .split_once('=')
            .ok_or_else(|| format!("'{text}': {usage}"))?;
        let law = law.trim();
        let (kind, args) = law
            .strip_suffix(')')
            .and_then(|l| l.split_once('('))
            .ok_or_else(|| format!("'{text}': {usage}"))?;
        let numbers: Vec<f64> = args
            .split(',')
            .map(|a| a.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("'{text}': the law's arguments must be numbers"))?;
        let [a, b] = numbers[..] else {
            return Err(format!("'{text}': the law takes two numbers"));
        };
        let bad = |why: &str| Err(format!("'{text}': {why}"));
        if !(a.is_finite() && b.is_finite()) {
            return bad("the law's arguments must be finite");
        }
        let law = match kind.trim() {
            "uniform" if a < b => Law::Uniform(a, b),
            "loguniform" if 0.0 < a && a < b => Law::LogUniform(a, b),
            "normal" if b > 0.0 => Law::Normal(a, b),
            "uniform" => return bad("give A < B"),
            "loguniform" => return bad("give 0 < A < B"),
            "normal" => return bad("the standard deviation must be positive"),
            other => return bad(&format!("unknown law '{other}'; {usage}")),
        };
        if key.trim().is_empty() {
            return bad(usage);
        }
        Ok(Sampled {
            key: key.trim().to_string(),
            law,
        })
    }
}

/// The cases of a Latin-hypercube study: `samples` draws of the `sampled` keys (each key's range cut
/// into `samples` equal-probability strata, one draw in each, the strata paired at random), from
/// ChaCha8 seeded with `seed` (the same cases on any machine), at the base's rate and rhythm. Every
/// case is validated with its tissue catalogue before any runs: a draw outside a key's range
/// is refused, naming the sample, the key and the value.
pub fn latin_hypercube(
    base: &Scenario,
    sampled: &[Sampled],
    samples: usize,
    seed: u64,
    file: &str,
) -> Result<Vec<Case>, SimError> {
    let refuse = |message: String| -> SimError {
        ScenarioError::Parse {
            file: "--sample".into(),
            message,
        }
        .into()
    };
    if samples == 0 || sampled.is_empty() {
        return Err(refuse(
            "give at least one --sample KEY=law and --samples N ≥ 1".into(),
        ));
    }
    for (i, s) in sampled.iter().enumerate() {
        if sampled[..i].iter().any(|t| t.key == s.key) {
            return Err(refuse(format!("{} is sampled twice", s.key)));
        }
        if matches!(s.key.as_str(), "protocol.rhythm") {
            return Err(refuse(
                "protocol.rhythm is not a number; vary it with --rhythms".into(),
            ));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // columns[k][i]: the value of key k in sample i.
    let columns: Vec<Vec<f64>> = sampled
        .iter()
        .map(|s| {
            let mut strata: Vec<usize> = (0..samples).collect();
            // Fisher–Yates.
            for i in (1..samples).rev() {
                strata.swap(i, rng.random_range(0..=i));
            }
            strata
                .iter()
                .map(|&stratum| {
                    let u = (stratum as f64 + rng.random::<f64>()) / samples as f64;
                    s.law.quantile(u.clamp(1e-12, 1.0 - 1e-12))
                })
                .collect()
        })
        .collect();
    let width = samples.to_string().len().max(3);
    (0..samples)
        .map(|i| {
            let parameters: Vec<(String, String)> = sampled
                .iter()
                .zip(&columns)
                .map(|(s, c)| (s.key.clone(), format!("{:?}", c[i])))
                .collect();
            let rate = match parameters
                .iter()
                .find(|(k, _)| k == "protocol.rate_mm_per_day")
            {
                Some((_, v)) => v.parse().expect("a drawn number"),
                None => base.protocol.rate_mm_per_day,
            };
            let name = format!("sample_{:0width$}", i + 1);
            case(base, rate, base.protocol.rhythm, parameters, name, file)
        })
        .collect()
}

/// A shard of a study: the `index`-th (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1..=count.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` (1 ≤ K ≤ N).
    pub fn parse(text: &str) -> Result<Shard, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if 1 <= index && index <= count => Ok(Shard { index, count }),
            _ => Err(format!("'{text}': give K/N with 1 ≤ K ≤ N, e.g. 1/4")),
        }
    }

    /// Whether case `i` (0-based, in study order) is this shard's: cases are dealt round-robin,
    /// so every shard gets cases from the whole grid.
    pub fn holds(self, i: usize) -> bool {
        i % self.count == self.index - 1
    }
}
