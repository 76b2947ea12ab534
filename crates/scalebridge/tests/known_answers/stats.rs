//! Small statistics helpers for goodness-of-fit tests.

use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Pearson chi-square of observed counts against expected counts, pooling neighbouring cells
/// (in order) until each pooled cell expects at least 5. Returns (statistic, degrees of freedom).
pub fn chi_square(observed: &[f64], expected: &[f64]) -> (f64, usize) {
    let mut stat = 0.0;
    let mut cells = 0usize;
    let (mut o, mut e) = (0.0, 0.0);
    for (&oi, &ei) in observed.iter().zip(expected) {
        o += oi;
        e += ei;
        if e >= 5.0 {
            stat += (o - e).powi(2) / e;
            cells += 1;
            o = 0.0;
            e = 0.0;
        }
    }
    if e > 0.0 {
        // fold the leftover tail into the last cell: count it as its own small cell
        stat += (o - e).powi(2) / e.max(5.0);
        cells += 1;
    }
    (stat, cells.saturating_sub(1))
}

/// Upper `1 - alpha` quantile of the chi-square distribution with `dof` degrees of freedom.
pub fn chi_square_critical(dof: usize, alpha: f64) -> f64 {
    ChiSquared::new(dof as f64)
        .expect("dof > 0")
        .inverse_cdf(1.0 - alpha)
}

/// Mean, variance (unbiased) and the standard errors of both for a sample.
pub fn moments(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let se_mean = (var / n).sqrt();
    let se_var = ((m4 - var * var) / n).sqrt();
    (mean, var, se_mean, se_var)
}
