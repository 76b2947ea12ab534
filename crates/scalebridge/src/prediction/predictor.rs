//! The predictive sampler and its summaries.
//!
//! `θ` is drawn from the *marginal* posterior covariance (`theta_cov_marginal`: the latent
//! states integrated out), not the over-confident mean-field one; `v` from `q(v)`
//! ([`PosteriorSampler`]). Sample `s`
//! draws everything from the stream `(seed, PREDICT, s)`; samples run in parallel and are
//! collected in order, so a prediction is bit-identical whatever the thread count.

use super::observables::{LiftedSample, Observable};
use super::start::Start;
use crate::error::{Error, Result};
use crate::inference::Posterior;
use crate::inference::draws::PosteriorSampler;
use crate::math::{centre, sample_multinomial, softmax};
use crate::rng::{SbRng, purpose, standard_normal, stream};
use crate::walkers::domain::Domain;
use crate::walkers::within::WithinBin;
use ndarray::Array2;
use rayon::prelude::*;

/// What to predict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PredictionParams {
    /// Coarse steps `T` (times `0..=T`).
    pub horizon: usize,
    /// Predictive samples.
    pub samples: usize,
    /// Level of the central credible interval, e.g. 0.95.
    pub level: f64,
    /// Seed.
    pub seed: u64,
    /// How walkers spread within a coarse bin on a finer binning.
    pub within: WithinBin,
}

impl PredictionParams {
    /// Checks the ranges.
    pub fn check(&self) -> Result<()> {
        if self.horizon == 0 {
            return Err(Error::param("horizon", 0, ">= 1"));
        }
        if self.samples < 2 {
            return Err(Error::param("samples", self.samples, ">= 2"));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::param("level", self.level, "in (0, 1)"));
        }
        Ok(())
    }
}

/// Monte Carlo mean and central credible interval of one observable over time.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// The observable's name.
    pub name: String,
    /// Means, `(T+1, dim)`.
    pub mean: Array2<f64>,
    /// Lower quantile `(1−level)/2`.
    pub q_lo: Array2<f64>,
    /// Upper quantile `(1+level)/2`.
    pub q_hi: Array2<f64>,
}

/// A prediction: times and one band per observable.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction {
    /// Physical times `k·Δt`.
    pub t: Vec<f64>,
    /// One band per observable, in the order given.
    pub bands: Vec<Band>,
}

/// Type-7 quantile of sorted values.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Draws `params.samples` predictive paths from `start` and summarises the observables.
pub fn predict(
    posterior: &Posterior,
    start: &Start,
    nf: usize,
    domain: Domain,
    dt: f64,
    observables: &[&dyn Observable],
    params: &PredictionParams,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Prediction> {
    params.check()?;
    let law = posterior.law()?;
    let nc = posterior.nc;
    if start.nc() != nc {
        return Err(Error::param(
            "initial state",
            format!("{} coarse bins", start.nc()),
            &format!("the model's nc = {nc}"),
        ));
    }
    let sampler = PosteriorSampler::new(posterior, "prediction")?;
    let dims: Vec<usize> = observables.iter().map(|o| o.dim()).collect();
    let width: usize = dims.iter().sum();
    let steps = params.horizon + 1;

    let paths: Vec<Vec<f64>> = (0..params.samples)
        .into_par_iter()
        .map(|s| -> Result<Vec<f64>> {
            let mut rng: SbRng = stream(params.seed, purpose::PREDICT, s as u64);
            let (theta, v) = sampler.draw(&mut rng);
            let mut out = vec![0.0; steps * width];
            let mut x: Vec<f64> = Vec::new();
            let mut mean = vec![0.0; nc];
            for k in 0..steps {
                x = match start.state_at(k, &mut rng) {
                    Some(x) => x,
                    None => {
                        law.mean_into(&x, &theta, &mut mean);
                        let mut next: Vec<f64> = mean
                            .iter()
                            .enumerate()
                            .map(|(j, m)| {
                                let vj = if v.len() == 1 { v[0] } else { v[j] };
                                m + standard_normal(&mut rng) / vj.sqrt()
                            })
                            .collect();
                        centre(&mut next);
                        next
                    }
                };
                if let Some(j) = x.iter().position(|v| !v.is_finite()) {
                    return Err(Error::numerical(
                        "prediction",
                        format!(
                            "predictive sample {s} diverged at t = {} (X[{j}] = {}): the sampled law is unstable this far out; shorten the horizon",
                            k as f64 * dt,
                            x[j]
                        ),
                    ));
                }
                let counts = sample_multinomial(nf as u64, &softmax(&x), &mut rng)?;
                let lifted = LiftedSample {
                    x: &x,
                    counts: &counts,
                    nf,
                    domain,
                    within: params.within,
                };
                let mut off = k * width;
                for (o, d) in observables.iter().zip(&dims) {
                    o.evaluate(&lifted, &mut rng, &mut out[off..off + d])?;
                    off += d;
                }
            }
            progress(1);
            Ok(out)
        })
        .collect::<Result<_>>()?;

    let (plo, phi) = ((1.0 - params.level) / 2.0, (1.0 + params.level) / 2.0);
    let mut bands = Vec::with_capacity(observables.len());
    let mut offset = 0;
    let mut column = vec![0.0; params.samples];
    for (o, &d) in observables.iter().zip(&dims) {
        let mut mean = Array2::zeros((steps, d));
        let mut q_lo = Array2::zeros((steps, d));
        let mut q_hi = Array2::zeros((steps, d));
        for k in 0..steps {
            for c in 0..d {
                for (s, p) in paths.iter().enumerate() {
                    column[s] = p[k * width + offset + c];
                }
                mean[[k, c]] = column.iter().sum::<f64>() / params.samples as f64;
                column.sort_by(f64::total_cmp);
                q_lo[[k, c]] = quantile(&column, plo);
                q_hi[[k, c]] = quantile(&column, phi);
            }
        }
        bands.push(Band {
            name: o.name(),
            mean,
            q_lo,
            q_hi,
        });
        offset += d;
    }
    Ok(Prediction {
        t: (0..steps).map(|k| k as f64 * dt).collect(),
        bands,
    })
}

impl Band {
    /// Writes a density band: `t` `(T+1,)`, `mean`, `q_lo`, `q_hi` `(T+1, B)`.
    pub fn write_npz(&self, path: &std::path::Path, t: &[f64]) -> Result<()> {
        crate::io::write_npz(path, |w| {
            w.add("t", &ndarray::Array1::from(t.to_vec()))?;
            self.add_to(w)
        })
    }

    /// Writes 2-bin probabilities: `t`, `pairs` int64 `(P, 2)`, `mean`, `q_lo`, `q_hi`
    /// `(T+1, P)`.
    pub fn write_two_bin_npz(
        &self,
        path: &std::path::Path,
        t: &[f64],
        pairs: &[(usize, usize)],
    ) -> Result<()> {
        let p = Array2::from_shape_fn((pairs.len(), 2), |(i, c)| {
            if c == 0 {
                pairs[i].0 as i64
            } else {
                pairs[i].1 as i64
            }
        });
        crate::io::write_npz(path, |w| {
            w.add("t", &ndarray::Array1::from(t.to_vec()))?;
            w.add("pairs", &p)?;
            self.add_to(w)
        })
    }

    fn add_to(&self, w: &mut crate::io::NpzOut<'_>) -> std::io::Result<()> {
        w.add("mean", &self.mean)?;
        w.add("q_lo", &self.q_lo)?;
        w.add("q_hi", &self.q_hi)
    }
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn type7_quantiles() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&x, 0.0), 1.0);
        assert_eq!(quantile(&x, 1.0), 5.0);
        assert_eq!(quantile(&x, 0.5), 3.0);
        assert!((quantile(&x, 0.1) - 1.4).abs() < 1e-12);
    }
}
