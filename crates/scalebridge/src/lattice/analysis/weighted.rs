//! Estimates from importance weights: the effective sample size, `ln Z` per site, reweighted
//! observables, and the acceptance of an independence Metropolis chain on the same proposals.
//!
//! With `ln w_i = K·Σ_<ij> s_i s_j − ln q(s_i)` (the Boltzmann weight over the generator's
//! probability, computed in log space and shifted by its maximum before exponentiating):
//! `ESS/N = (Σw)² / (N Σw²)`, `ln Z = ln (Σw / N)` (unbiased for `Z`, consistent for `ln Z`),
//! and `⟨O⟩ = Σ w O / Σ w`. Every error bar is a jackknife over [`BLOCKS`] consecutive blocks
//! of samples (the samples are independent; the jackknife handles the ratio estimators and
//! the nonlinear `χ`, `C`, `V4`).

use super::estimates::{BLOCKS, jackknife};
use crate::error::{Error, Result};
use crate::rng::{SbRng, uniform};
use serde::{Deserialize, Serialize};

/// One generated configuration: its `ln q`, bond sum and magnetisation per site.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedSample {
    /// `ln q(s)`.
    pub log_q: f64,
    /// `Σ_<ij> s_i s_j` over the `2L²` bonds.
    pub bonds: i64,
    /// Magnetisation per site.
    pub m: f64,
}

impl WeightedSample {
    /// `ln w = K·bonds − ln q`.
    pub fn log_w(&self, k: f64) -> f64 {
        k * self.bonds as f64 - self.log_q
    }
}

/// What `ising nis` reports (`nis.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NisEstimates {
    /// Linear size.
    #[serde(rename = "L")]
    pub l: usize,
    /// Coupling.
    #[serde(rename = "K")]
    pub k: f64,
    /// Samples.
    pub n: usize,
    /// `ESS/N`.
    pub ess_per_sample: f64,
    /// `ln Z / L²`.
    pub ln_z_per_site: f64,
    /// Its standard error.
    pub ln_z_per_site_err: f64,
    /// Reweighted `⟨e⟩` per site (`e = −Σ s_i s_j / L²`).
    pub energy_per_site: f64,
    /// Its standard error.
    pub energy_per_site_err: f64,
    /// Reweighted `⟨|m|⟩`.
    pub abs_magnetisation: f64,
    /// Its standard error.
    pub abs_magnetisation_err: f64,
    /// Reweighted `χ = L²(⟨m²⟩ − ⟨|m|⟩²)`.
    pub susceptibility: f64,
    /// Its standard error.
    pub susceptibility_err: f64,
    /// Reweighted `C = K² L² (⟨e²⟩ − ⟨e⟩²)`.
    pub specific_heat: f64,
    /// Its standard error.
    pub specific_heat_err: f64,
    /// Reweighted `V4 = ⟨m⁴⟩/⟨m²⟩²`.
    pub v4: f64,
    /// Its standard error.
    pub v4_err: f64,
    /// Acceptance rate of the independence Metropolis chain on the same proposals.
    pub metropolis_acceptance: f64,
    /// Variance of `ln w` over the samples.
    pub log_w_variance: f64,
    /// The largest normalised weight `max w / Σ w`.
    pub max_weight_fraction: f64,
    /// The generator's own (unweighted) `⟨e⟩` per site.
    pub generator_energy_per_site: f64,
    /// The generator's own (unweighted) `V4`.
    pub generator_v4: f64,
    /// Wall time of the generation (s).
    pub seconds: f64,
}

/// Weighted sums of one block: Σw, Σw², Σw|m|, Σwm², Σwm⁴, Σwe, Σwe².
#[derive(Clone, Copy, Debug, Default)]
struct Sums([f64; 7]);

impl Sums {
    fn add(&mut self, w: f64, m: f64, e: f64) {
        let m2 = m * m;
        for (s, v) in
            self.0
                .iter_mut()
                .zip([w, w * w, w * m.abs(), w * m2, w * m2 * m2, w * e, w * e * e])
        {
            *s += v;
        }
    }
    fn minus(&self, o: &Sums) -> Sums {
        let mut s = *self;
        s.0.iter_mut().zip(o.0).for_each(|(a, b)| *a -= b);
        s
    }
}

/// The derived quantities of a set of sums (`count` samples, `shift` the log-weight shift).
fn derived(s: &Sums, count: f64, shift: f64, l: usize, k: f64) -> [f64; 6] {
    let n2 = (l * l) as f64;
    let w = s.0[0];
    let mean = |i: usize| s.0[i] / w;
    let (am, m2, m4, e, e2) = (mean(2), mean(3), mean(4), mean(5), mean(6));
    [
        (shift + (w / count).ln()) / n2,
        e,
        am,
        n2 * (m2 - am * am),
        k * k * n2 * (e2 - e * e),
        m4 / (m2 * m2),
    ]
}

/// Importance sampling needs at least [`BLOCKS`] samples (the jackknife blocks).
pub fn check_samples(n: usize) -> Result<()> {
    if n < BLOCKS {
        return Err(Error::param(
            "n",
            n,
            &format!(">= {BLOCKS} (the number of jackknife blocks)"),
        ));
    }
    Ok(())
}

/// Estimates from the samples in generation order; the Metropolis chain draws its uniforms
/// from `rng`.
pub fn nis_estimates(
    samples: &[WeightedSample],
    l: usize,
    k: f64,
    rng: &mut SbRng,
) -> Result<NisEstimates> {
    let n = samples.len();
    check_samples(n)?;
    let log_w: Vec<f64> = samples.iter().map(|s| s.log_w(k)).collect();
    if let Some(i) = log_w.iter().position(|v| !v.is_finite()) {
        return Err(Error::numerical(
            "the importance weights",
            format!("ln w of sample {i} is {}", log_w[i]),
        ));
    }
    let shift = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n2 = (l * l) as f64;
    let mut blocks = vec![Sums::default(); BLOCKS];
    let mut counts = vec![0.0; BLOCKS];
    let (mut plain_e, mut plain_m2, mut plain_m4) = (0.0, 0.0, 0.0);
    for (i, (s, lw)) in samples.iter().zip(&log_w).enumerate() {
        let b = i * BLOCKS / n;
        let e = -(s.bonds as f64) / n2;
        blocks[b].add((lw - shift).exp(), s.m, e);
        counts[b] += 1.0;
        plain_e += e;
        plain_m2 += s.m * s.m;
        plain_m4 += s.m.powi(4);
    }
    let mut total = Sums::default();
    for b in &blocks {
        total.0.iter_mut().zip(b.0).for_each(|(a, v)| *a += v);
    }
    let full = derived(&total, n as f64, shift, l, k);
    let leave: Vec<[f64; 6]> = blocks
        .iter()
        .zip(&counts)
        .map(|(b, c)| derived(&total.minus(b), n as f64 - c, shift, l, k))
        .collect();
    let est = |q: usize| jackknife(full[q], &leave.iter().map(|v| v[q]).collect::<Vec<_>>());
    let [lnz, energy, abs_m, chi, heat, v4] = [0, 1, 2, 3, 4, 5].map(est);
    let ess = total.0[0] * total.0[0] / (n as f64 * total.0[1]);
    let max_w = log_w
        .iter()
        .map(|lw| (lw - shift).exp())
        .fold(0.0, f64::max);
    let mean_lw = log_w.iter().sum::<f64>() / n as f64;
    let var_lw = log_w.iter().map(|v| (v - mean_lw).powi(2)).sum::<f64>() / (n - 1) as f64;
    // independence Metropolis: propose the samples in order
    let mut current = log_w[0];
    let mut accepted = 0usize;
    for &lw in &log_w[1..] {
        if lw >= current || uniform(rng) < (lw - current).exp() {
            current = lw;
            accepted += 1;
        }
    }
    let plain_m2 = plain_m2 / n as f64;
    let out = NisEstimates {
        l,
        k,
        n,
        ess_per_sample: ess,
        ln_z_per_site: lnz.value,
        ln_z_per_site_err: lnz.error,
        energy_per_site: energy.value,
        energy_per_site_err: energy.error,
        abs_magnetisation: abs_m.value,
        abs_magnetisation_err: abs_m.error,
        susceptibility: chi.value,
        susceptibility_err: chi.error,
        specific_heat: heat.value,
        specific_heat_err: heat.error,
        v4: v4.value,
        v4_err: v4.error,
        metropolis_acceptance: accepted as f64 / (n - 1) as f64,
        log_w_variance: var_lw,
        max_weight_fraction: max_w / total.0[0],
        generator_energy_per_site: plain_e / n as f64,
        generator_v4: plain_m4 / n as f64 / (plain_m2 * plain_m2),
        seconds: 0.0,
    };
    if !(out.ln_z_per_site.is_finite() && out.energy_per_site.is_finite() && out.v4.is_finite()) {
        return Err(Error::numerical(
            "the reweighted estimates",
            "a weighted mean is not finite",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};

    /// Log-normal weights with known variance σ²: ESS/N → e^{−σ²}, ln mean w → σ²/2 (for
    /// `ln w ~ N(0, σ²)`), and the Metropolis acceptance → 2Φ(−σ/√2).
    #[test]
    fn lognormal_weights_have_the_closed_form_statistics() {
        let sigma = 0.5f64;
        let n = 200_000;
        let mut rng = stream(11, 0, 0);
        let samples: Vec<WeightedSample> = (0..n)
            .map(|_| WeightedSample {
                log_q: -sigma * standard_normal(&mut rng),
                bonds: 0,
                m: 0.5,
            })
            .collect();
        let est = nis_estimates(&samples, 1, 1.0, &mut stream(12, 0, 0)).unwrap();
        let s2 = sigma * sigma;
        // ESS/N: relative sd of Σw² / N dominates, ≈ sqrt((e^{4σ²} − e^{2σ²}·…)/N) < 0.01 here
        assert!(
            (est.ess_per_sample - (-s2).exp()).abs() < 0.01,
            "{}",
            est.ess_per_sample
        );
        assert!((est.ln_z_per_site - s2 / 2.0).abs() < 4.0 * est.ln_z_per_site_err);
        // the error bar itself: sqrt((e^{σ²} − 1)/N)
        let se = ((s2.exp() - 1.0) / n as f64).sqrt();
        assert!((est.ln_z_per_site_err / se - 1.0).abs() < 0.4);
        let phi = statrs::function::erf::erfc(sigma / 2.0); // 2Φ(−σ/√2) = erfc(σ/2)
        assert!(
            (est.metropolis_acceptance - phi).abs() < 0.01,
            "{}",
            est.metropolis_acceptance
        );
        // constant observables reweight to themselves with no error
        assert!((est.abs_magnetisation - 0.5).abs() < 1e-12);
        assert!(est.abs_magnetisation_err < 1e-12);
    }

    /// Reweighting: two configurations types drawn 50/50 with weights 1 and 3 give the mean
    /// weighted 1:3.
    #[test]
    fn reweighting_is_a_weighted_mean() {
        let samples: Vec<WeightedSample> = (0..64)
            .map(|i| WeightedSample {
                log_q: if i % 2 == 0 { 0.0 } else { -(3f64.ln()) },
                bonds: if i % 2 == 0 { 2 } else { 6 },
                m: 0.25,
            })
            .collect();
        let est = nis_estimates(&samples, 2, 1.0, &mut stream(1, 0, 0)).unwrap();
        // K = 1: ln w = bonds − ln q: weights e² and e^6·3
        let (w0, w1) = (2f64.exp(), 6f64.exp() * 3.0);
        let want = -(2.0 * w0 + 6.0 * w1) / (w0 + w1) / 4.0;
        assert!((est.energy_per_site - want).abs() < 1e-12);
        let too_few = nis_estimates(&samples[..10], 2, 1.0, &mut stream(1, 0, 0));
        assert!(matches!(too_few, Err(Error::InvalidParameter { .. })));
    }
}
