//! Ensemble estimates with error bars that account for autocorrelation (SPEC B.1).
//!
//! The time series of `m` and `e` are cut into `B = 32` consecutive blocks; every estimate
//! (including the nonlinear ones: `χ`, `C`, `V4`, `U4`) gets a jackknife error over blocks,
//! which is valid as long as a block is much longer than the autocorrelation time. The
//! integrated autocorrelation time is reported from the same blocks,
//! `τ_int = ½ · b · var(block means) / var(samples)` (in units of measurements, `b` the block
//! length), for `|m|` and `e`.

use serde::{Deserialize, Serialize};

/// Number of blocks of the jackknife.
pub const BLOCKS: usize = 32;

/// An estimate with its error bar.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Its standard error.
    pub error: f64,
}

/// Ensemble estimates at linear size `L`, coupling `K`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ensemble {
    #[serde(rename = "L")]
    pub l: usize,
    #[serde(rename = "K")]
    pub k: f64,
    /// Measurements.
    pub n: usize,
    pub abs_m: Estimate,
    pub m2: Estimate,
    /// `χ = L² (⟨m²⟩ − ⟨|m|⟩²)`.
    pub chi: Estimate,
    /// `χ' = L² ⟨m²⟩`.
    pub chi_m2: Estimate,
    /// `⟨e⟩` per site.
    pub energy: Estimate,
    /// `C = K² L² (⟨e²⟩ − ⟨e⟩²)`.
    pub specific_heat: Estimate,
    /// `V4 = ⟨m⁴⟩/⟨m²⟩²`.
    pub v4: Estimate,
    /// `U4 = 1 − V4/3`.
    pub u4: Estimate,
    /// Integrated autocorrelation time of `|m|` (measurements).
    pub tau_abs_m: f64,
    /// Integrated autocorrelation time of `e` (measurements).
    pub tau_energy: f64,
}

/// Moments of one block: Σ|m|, Σm², Σm⁴, Σe, Σe², count.
#[derive(Clone, Copy, Debug, Default)]
struct Sums([f64; 5], f64);

impl Sums {
    fn add(&mut self, m: f64, e: f64) {
        let m2 = m * m;
        self.0[0] += m.abs();
        self.0[1] += m2;
        self.0[2] += m2 * m2;
        self.0[3] += e;
        self.0[4] += e * e;
        self.1 += 1.0;
    }
    fn plus(&self, o: &Sums) -> Sums {
        let mut s = *self;
        for i in 0..5 {
            s.0[i] += o.0[i];
        }
        s.1 += o.1;
        s
    }
    fn minus(&self, o: &Sums) -> Sums {
        let mut s = *self;
        for i in 0..5 {
            s.0[i] -= o.0[i];
        }
        s.1 -= o.1;
        s
    }
    /// [⟨|m|⟩, ⟨m²⟩, χ, χ', ⟨e⟩, C, V4, U4]
    fn derived(&self, l: usize, k: f64) -> [f64; 8] {
        let n = self.1;
        let (am, m2, m4, e, e2) = (
            self.0[0] / n,
            self.0[1] / n,
            self.0[2] / n,
            self.0[3] / n,
            self.0[4] / n,
        );
        let sites = (l * l) as f64;
        let v4 = m4 / (m2 * m2);
        [
            am,
            m2,
            sites * (m2 - am * am),
            sites * m2,
            e,
            k * k * sites * (e2 - e * e),
            v4,
            1.0 - v4 / 3.0,
        ]
    }
}

fn tau(series: &[f64], blocks: usize) -> f64 {
    let n = series.len();
    let b = n / blocks;
    let mean = series.iter().sum::<f64>() / n as f64;
    let var = series.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    if var == 0.0 || b == 0 {
        return 0.5;
    }
    let means: Vec<f64> = (0..blocks)
        .map(|i| series[i * b..(i + 1) * b].iter().sum::<f64>() / b as f64)
        .collect();
    let bm = means.iter().sum::<f64>() / blocks as f64;
    let bvar = means.iter().map(|x| (x - bm).powi(2)).sum::<f64>() / (blocks - 1) as f64;
    0.5 * b as f64 * bvar / var
}

/// Estimates from time series of `m` and `e` (equal lengths, at least `BLOCKS` each: fewer
/// is an error naming `n`, never a NaN).
/// The estimate `full` with the jackknife error from its leave-one-block-out values:
/// `σ² = (B − 1)/B · Σ (x_b − x̄)²`.
pub fn jackknife(full: f64, leave_one_out: &[f64]) -> Estimate {
    let nb = leave_one_out.len() as f64;
    let mean = leave_one_out.iter().sum::<f64>() / nb;
    let var = leave_one_out
        .iter()
        .map(|x| (x - mean).powi(2))
        .sum::<f64>()
        * (nb - 1.0)
        / nb;
    Estimate {
        value: full,
        error: var.sqrt(),
    }
}

pub fn estimate(l: usize, k: f64, m: &[f64], e: &[f64]) -> crate::error::Result<Ensemble> {
    let n = m.len().min(e.len());
    if n < BLOCKS || m.len() != e.len() {
        return Err(crate::error::Error::param(
            "n",
            format!("{} measurements of m and {} of e", m.len(), e.len()),
            &format!("equal numbers, at least {BLOCKS} (the jackknife blocks)"),
        ));
    }
    let b = n / BLOCKS;
    let used = b * BLOCKS;
    let blocks: Vec<Sums> = (0..BLOCKS)
        .map(|i| {
            let mut s = Sums::default();
            for t in i * b..(i + 1) * b {
                s.add(m[t], e[t]);
            }
            s
        })
        .collect();
    let total = blocks.iter().fold(Sums::default(), |a, x| a.plus(x));
    let full = total.derived(l, k);
    let jack: Vec<[f64; 8]> = blocks
        .iter()
        .map(|x| total.minus(x).derived(l, k))
        .collect();
    let est = |q: usize| jackknife(full[q], &jack.iter().map(|j| j[q]).collect::<Vec<_>>());
    let abs_m: Vec<f64> = m[..used].iter().map(|x| x.abs()).collect();
    Ok(Ensemble {
        l,
        k,
        n: used,
        abs_m: est(0),
        m2: est(1),
        chi: est(2),
        chi_m2: est(3),
        energy: est(4),
        specific_heat: est(5),
        v4: est(6),
        u4: est(7),
        tau_abs_m: tau(&abs_m, BLOCKS),
        tau_energy: tau(&e[..used], BLOCKS),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};

    /// AR(1) series x_t = φ x_{t−1} + ε: τ_int = ½ (1+φ)/(1−φ); the jackknife error of the mean
    /// matches the exact one, sqrt(2 τ_int var / n).
    #[test]
    fn autocorrelation_of_an_ar1_series() {
        let phi: f64 = 0.9;
        let n = 320_000;
        let mut rng = stream(3, 0, 0);
        let mut x = 0.0;
        let series: Vec<f64> = (0..n)
            .map(|_| {
                x = phi * x + standard_normal(&mut rng);
                x
            })
            .collect();
        let t = tau(&series, BLOCKS);
        let want = 0.5 * (1.0 + phi) / (1.0 - phi);
        assert!((t / want - 1.0).abs() < 0.15, "tau {t} vs {want}");
        let zeros = vec![0.0; n];
        let ens = estimate(4, 0.4, &zeros, &series).unwrap();
        assert!(estimate(4, 0.4, &zeros[..31], &series[..31]).is_err());
        let var = 1.0 / (1.0 - phi * phi);
        let exact = (2.0 * want * var / n as f64).sqrt();
        assert!(
            (ens.energy.error / exact - 1.0).abs() < 0.35,
            "{} vs {exact}",
            ens.energy.error
        );
    }
}
