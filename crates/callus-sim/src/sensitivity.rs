//! The statistics of a sampled study: for each output, its mean and 5–95 % range over the cases that
//! have it, and its standardised rank regression coefficients (SRRC) on the inputs.
//!
//! SRRC (Saltelli et al. 2004, *Sensitivity analysis in practice*, §1.2.4; Helton & Davis 2003,
//! Reliab. Eng. Syst. Saf. 81:23): the inputs and the output are replaced by their ranks (ties
//! averaged), standardised, and the output regressed on the inputs by least squares; each
//! coefficient is in [−1, 1] for a monotone, additive model, its sign is the direction of the
//! effect, and R² of the rank regression says how much of the output's rank variance the model
//! explains (a low R² means the coefficients miss interactions or non-monotone effects).

use nalgebra::{DMatrix, DVector};
use statrs::statistics::{Data, OrderStatistics, RankTieBreaker};

/// The statistics of one output over a study.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputStatistics {
    /// Cases in which the output has a value (a case that never bridges has no bridging day).
    pub cases: usize,
    /// Mean over those cases (NaN if none).
    pub mean: f64,
    /// 5th percentile.
    pub p5: f64,
    /// 95th percentile.
    pub p95: f64,
    /// R² of the rank regression (NaN where the coefficients are).
    pub rank_r2: f64,
    /// One SRRC per input, in input order; NaN when the output has fewer values than inputs + 2
    /// or does not vary (a coefficient would mean nothing).
    pub srrc: Vec<f64>,
}

/// The statistics of `output` (one value per case, NaN where the case has none) against `inputs`
/// (`inputs[k][i]`: input k in case i). Cases without a value are left out of everything.
pub fn output_statistics(inputs: &[Vec<f64>], output: &[f64]) -> OutputStatistics {
    let kept: Vec<usize> = (0..output.len())
        .filter(|&i| output[i].is_finite())
        .collect();
    let values: Vec<f64> = kept.iter().map(|&i| output[i]).collect();
    let (mean, p5, p95) = if values.is_empty() {
        (f64::NAN, f64::NAN, f64::NAN)
    } else {
        let mut data = Data::new(values.clone());
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        (mean, data.percentile(5), data.percentile(95))
    };
    let (rank_r2, srrc) = rank_regression(inputs, &kept, &values);
    OutputStatistics {
        cases: values.len(),
        mean,
        p5,
        p95,
        rank_r2,
        srrc,
    }
}

/// Ranks of `x` (ties averaged), standardised to mean 0 and unit variance; `None` if constant.
fn standard_ranks(x: &[f64]) -> Option<Vec<f64>> {
    let ranks = Data::new(x.to_vec()).ranks(RankTieBreaker::Average);
    let n = ranks.len() as f64;
    let mean = ranks.iter().sum::<f64>() / n;
    let sd = (ranks.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / n).sqrt();
    (sd > 1e-12).then(|| ranks.iter().map(|r| (r - mean) / sd).collect())
}

/// (R², SRRC per input) of the rank regression of `y` (the outputs of cases `kept`) on the inputs.
fn rank_regression(inputs: &[Vec<f64>], kept: &[usize], y: &[f64]) -> (f64, Vec<f64>) {
    let none = (f64::NAN, vec![f64::NAN; inputs.len()]);
    let n = kept.len();
    if n < inputs.len() + 2 {
        return none;
    }
    let Some(ry) = standard_ranks(y) else {
        return none;
    };
    let mut x = DMatrix::<f64>::zeros(n, inputs.len());
    for (k, input) in inputs.iter().enumerate() {
        let column: Vec<f64> = kept.iter().map(|&i| input[i]).collect();
        let Some(rx) = standard_ranks(&column) else {
            return none;
        };
        x.set_column(k, &DVector::from_vec(rx));
    }
    let ry = DVector::from_vec(ry);
    let Ok(beta) = x.clone().svd(true, true).solve(&ry, 1e-12) else {
        return none;
    };
    let residual = &ry - &x * &beta;
    let r2 = 1.0 - residual.norm_squared() / ry.norm_squared();
    (r2, beta.iter().copied().collect())
}
