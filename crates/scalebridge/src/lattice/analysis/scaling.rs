//! Finite-size scaling across lattice sizes: the exponent of `χ ~ L^{γ/ν}` and the flatness of
//! `V4(L)`, with honest error bars.
//!
//! Two kinds of series:
//! * **independent sizes** (Monte Carlo, one run per `L`): the slope is the ordinary
//!   least-squares slope of `ln χ` on `ln L`, a linear combination `Σ w_i ln χ_i`, so its error
//!   is `sqrt(Σ w_i² (δχ_i/χ_i)²)`;
//! * **nested sizes** (dreamed: every sample is measured at every level, so the sizes are
//!   strongly correlated): the same least-squares slope, with a jackknife error over 32 blocks
//!   of samples — the slope is recomputed with each block left out.
//!
//! Unweighted least squares is used in both cases so the two are the same estimator.

use super::estimates::{BLOCKS, Estimate};
use serde::Serialize;

/// Least-squares slope of `y` on `x`, and the weights `w` with `slope = Σ w_i y_i`.
pub fn ols_slope(x: &[f64], y: &[f64]) -> (f64, Vec<f64>) {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let w: Vec<f64> = x.iter().map(|a| (a - mx) / sxx).collect();
    (w.iter().zip(y).map(|(a, b)| a * b).sum(), w)
}

/// The exponent of `value ~ L^slope` from independent estimates.
pub fn exponent_independent(l: &[usize], values: &[Estimate]) -> Estimate {
    let x: Vec<f64> = l.iter().map(|&v| (v as f64).ln()).collect();
    let y: Vec<f64> = values.iter().map(|v| v.value.ln()).collect();
    let (slope, w) = ols_slope(&x, &y);
    let var: f64 = w
        .iter()
        .zip(values)
        .map(|(a, v)| (a * v.error / v.value).powi(2))
        .sum();
    Estimate {
        value: slope,
        error: var.sqrt(),
    }
}

/// Moments of `m` over a set of samples: Σ|m|, Σm², Σm⁴, count.
#[derive(Clone, Copy, Debug, Default)]
struct Moments([f64; 4]);

impl Moments {
    fn of(m: &[f64]) -> Self {
        let mut s = [0.0; 4];
        for &v in m {
            let v2 = v * v;
            s[0] += v.abs();
            s[1] += v2;
            s[2] += v2 * v2;
            s[3] += 1.0;
        }
        Moments(s)
    }
    fn minus(&self, o: &Moments) -> Moments {
        Moments([0, 1, 2, 3].map(|i| self.0[i] - o.0[i]))
    }
    fn chi(&self, l: usize) -> f64 {
        let n = self.0[3];
        let (am, m2) = (self.0[0] / n, self.0[1] / n);
        (l * l) as f64 * (m2 - am * am)
    }
    fn v4(&self) -> f64 {
        let n = self.0[3];
        let m2 = self.0[1] / n;
        self.0[2] / n / (m2 * m2)
    }
}

/// Nested-size quantities of a dreamed ensemble, with jackknife errors over blocks of samples.
#[derive(Clone, Debug, Serialize)]
pub struct NestedScaling {
    /// `γ/ν` from `χ` at the sizes `fit_l`.
    pub gamma_over_nu: Estimate,
    /// Sizes in the fit.
    pub fit_l: Vec<usize>,
    /// `V4(l_hi)/V4(l_lo) − 1`.
    pub v4_change: Estimate,
    /// `(l_lo, l_hi)` of the V4 comparison.
    pub v4_between: (usize, usize),
}

/// `γ/ν` over the sizes of `l` within `[fit_min, ∞)` and the relative change of `V4` between
/// `v4_lo` and the largest size, from per-sample magnetisations `m[level][sample]` measured on
/// the same samples at every size. `None` if fewer than 2 sizes qualify or too few samples.
pub fn nested(l: &[usize], m: &[Vec<f64>], fit_min: usize, v4_lo: usize) -> Option<NestedScaling> {
    let n = m.first()?.len();
    let b = n / BLOCKS;
    if b == 0 {
        return None;
    }
    let fit: Vec<usize> = (0..l.len()).filter(|&i| l[i] >= fit_min).collect();
    let lo = (0..l.len()).find(|&i| l[i] == v4_lo)?;
    let hi = l.len() - 1;
    if fit.len() < 2 || hi <= lo {
        return None;
    }
    let used = b * BLOCKS;
    // per level: total moments and per-block moments
    let total: Vec<Moments> = m.iter().map(|r| Moments::of(&r[..used])).collect();
    let blocks: Vec<Vec<Moments>> = m
        .iter()
        .map(|r| {
            (0..BLOCKS)
                .map(|k| Moments::of(&r[k * b..(k + 1) * b]))
                .collect()
        })
        .collect();
    let x: Vec<f64> = fit.iter().map(|&i| (l[i] as f64).ln()).collect();
    let stats = |mom: &dyn Fn(usize) -> Moments| -> (f64, f64) {
        let y: Vec<f64> = fit.iter().map(|&i| mom(i).chi(l[i]).ln()).collect();
        (ols_slope(&x, &y).0, mom(hi).v4() / mom(lo).v4() - 1.0)
    };
    let full = stats(&|i| total[i]);
    let jack: Vec<(f64, f64)> = (0..BLOCKS)
        .map(|k| stats(&|i| total[i].minus(&blocks[i][k])))
        .collect();
    let nb = BLOCKS as f64;
    let err = |f: &dyn Fn(&(f64, f64)) -> f64| {
        let mean = jack.iter().map(f).sum::<f64>() / nb;
        (jack.iter().map(|j| (f(j) - mean).powi(2)).sum::<f64>() * (nb - 1.0) / nb).sqrt()
    };
    Some(NestedScaling {
        gamma_over_nu: Estimate {
            value: full.0,
            error: err(&|j| j.0),
        },
        fit_l: fit.iter().map(|&i| l[i]).collect(),
        v4_change: Estimate {
            value: full.1,
            error: err(&|j| j.1),
        },
        v4_between: (l[lo], l[hi]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};

    /// Synthetic nested data with a known exponent: m_L = L^{−β/ν} · g, g the same Gaussian
    /// for every size of a sample, so χ ∝ L^{2 − 2β/ν} exactly in expectation and V4 is flat.
    #[test]
    fn nested_recovers_a_known_exponent() {
        let l: Vec<usize> = (2..=8).map(|k| 1 << k).collect();
        let beta_nu = 0.125;
        let mut rng = stream(4, 0, 0);
        let g: Vec<f64> = (0..6400).map(|_| standard_normal(&mut rng)).collect();
        let m: Vec<Vec<f64>> = l
            .iter()
            .map(|&s| g.iter().map(|x| x * (s as f64).powf(-beta_nu)).collect())
            .collect();
        let r = nested(&l, &m, 16, 64).unwrap();
        // the same g at every size: the slope is exact, its jackknife error ~0
        assert!((r.gamma_over_nu.value - 1.75).abs() < 1e-9, "{r:?}");
        assert!(r.v4_change.value.abs() < 1e-12);
        assert_eq!(r.fit_l, vec![16, 32, 64, 128, 256]);
        // independent estimates: error propagation through the OLS weights
        let vals: Vec<Estimate> = l
            .iter()
            .map(|&s| Estimate {
                value: (s as f64).powf(1.75),
                error: 0.01 * (s as f64).powf(1.75),
            })
            .collect();
        let e = exponent_independent(&l, &vals);
        assert!((e.value - 1.75).abs() < 1e-12);
        let x: Vec<f64> = l.iter().map(|&s| (s as f64).ln()).collect();
        let mx = x.iter().sum::<f64>() / x.len() as f64;
        let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        assert!((e.error - 0.01 / sxx.sqrt()).abs() < 1e-12);
    }
}
