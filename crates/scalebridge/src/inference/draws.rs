//! Posterior draws of the law's coefficients `θ` and of the noise precision `v`, for users who
//! take the posterior further (ArviZ summaries, their own forecasts).
//!
//! `θ` is drawn from the *marginal* Gaussian `N(μθ, theta_cov_marginal)` (the latent states
//! integrated out; the error bars `show` prints), `v` from `q(v) = Gamma(shape, rate)` per
//! noise group. Draw `d` uses the stream `(seed, DRAWS, d)`, so the draws are reproducible and
//! the same whatever the thread count.

use super::Posterior;
use crate::error::{Error, Result};
use crate::rng::{SbRng, purpose, standard_normal, stream};
use faer::{Mat, Side};
use ndarray::Array2;
use rand_distr::{Distribution, Gamma};

/// `n` posterior draws: `theta` `(n, L)` and the noise precision `v` `(n, groups)` (one group
/// for a shared noise, `nc` for per-bin noise).
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorDraws {
    /// Draws of `θ`, `(n, L)`.
    pub theta: Array2<f64>,
    /// Draws of `v`, `(n, groups)`.
    pub noise_precision: Array2<f64>,
}

/// Draws `(θ, v)` from a posterior: `θ ~ N(μθ, theta_cov_marginal)` through its Cholesky
/// factor, then `v ~ q(v)` per noise group, in that order from the generator given (the
/// predictive sampler draws its paths' coefficients the same way).
#[derive(Clone, Debug)]
pub struct PosteriorSampler {
    mean: Vec<f64>,
    chol: Mat<f64>,
    gammas: Vec<Gamma<f64>>,
}

impl PosteriorSampler {
    /// Factors the marginal covariance; `context` names the caller in a numerical error.
    pub fn new(posterior: &Posterior, context: &str) -> Result<Self> {
        let l = posterior.theta_mean.len();
        let cov = Mat::from_fn(l, l, |r, c| posterior.theta_cov_marginal[r][c]);
        let llt = cov.llt(Side::Lower).map_err(|e| {
            Error::numerical(
                context,
                format!("marginal covariance of θ not positive definite ({e:?})"),
            )
        })?;
        let gammas = posterior
            .noise_shape
            .iter()
            .zip(&posterior.noise_rate)
            .map(|(a, b)| Gamma::new(*a, 1.0 / b))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::numerical(context, format!("q(v): {e}")))?;
        Ok(PosteriorSampler {
            mean: posterior.theta_mean.clone(),
            chol: llt.L().to_owned(),
            gammas,
        })
    }

    /// Noise groups (1 shared, or `nc`).
    pub fn groups(&self) -> usize {
        self.gammas.len()
    }

    /// One draw of `θ` (`L`) and `v` (one per group).
    pub fn draw(&self, rng: &mut SbRng) -> (Vec<f64>, Vec<f64>) {
        let l = self.mean.len();
        let z: Vec<f64> = (0..l).map(|_| standard_normal(rng)).collect();
        let theta = (0..l)
            .map(|r| self.mean[r] + (0..=r).map(|c| self.chol[(r, c)] * z[c]).sum::<f64>())
            .collect();
        let v = self.gammas.iter().map(|g| g.sample(rng)).collect();
        (theta, v)
    }
}

/// Draws `n` samples of `(θ, v)` from the posterior with `seed`.
pub fn posterior_draws(posterior: &Posterior, n: usize, seed: u64) -> Result<PosteriorDraws> {
    if n == 0 {
        return Err(Error::param("n", 0, ">= 1"));
    }
    let sampler = PosteriorSampler::new(posterior, "posterior draws")?;
    let l = posterior.theta_mean.len();
    let mut theta = Array2::zeros((n, l));
    let mut noise = Array2::zeros((n, sampler.groups()));
    for d in 0..n {
        let mut rng: SbRng = stream(seed, purpose::DRAWS, d as u64);
        let (t, v) = sampler.draw(&mut rng);
        theta.row_mut(d).assign(&ndarray::ArrayView1::from(&t));
        noise.row_mut(d).assign(&ndarray::ArrayView1::from(&v));
    }
    Ok(PosteriorDraws {
        theta,
        noise_precision: noise,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The draws' sample mean and covariance match the marginal posterior within their
    /// standard errors (n = 20 000: 5 standard errors on every moment).
    #[test]
    #[allow(clippy::unwrap_used)]
    fn draws_have_the_posterior_moments() {
        let x0 = ndarray::array![[0.4, -0.1, -0.3], [-0.5, 0.2, 0.3], [0.1, 0.3, -0.4]];
        let counts = ndarray::array![[22i64, 15, 13], [12, 20, 18], [17, 19, 14]];
        let data = super::super::TrainingData::new(
            &x0,
            &counts,
            None,
            None,
            std::path::Path::new("(tiny)"),
        )
        .unwrap();
        let params = super::super::LearnerParams {
            law: crate::law::LawSpec::Polynomial { range: 1, order: 1 },
            max_iter: 200,
            ..Default::default()
        }
        .check()
        .unwrap();
        let (p, _) = super::super::Learner::new(params)
            .unwrap()
            .fit(&data, &mut |_| {})
            .unwrap();
        let n = 20_000;
        let d = posterior_draws(&p, n, 7).unwrap();
        let l = p.theta_mean.len();
        for r in 0..l {
            let col = d.theta.column(r);
            let mean = col.sum() / n as f64;
            let sd = p.theta_cov_marginal[r][r].sqrt();
            assert!(
                (mean - p.theta_mean[r]).abs() < 5.0 * sd / (n as f64).sqrt(),
                "θ[{r}]: mean {mean} vs {}",
                p.theta_mean[r]
            );
            let var = col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            // var of a sample variance: 2σ⁴/(n−1)
            let se = sd * sd * (2.0 / (n - 1) as f64).sqrt();
            assert!(
                (var - sd * sd).abs() < 5.0 * se,
                "θ[{r}]: var {var} vs {}",
                sd * sd
            );
        }
        for g in 0..p.noise_shape.len() {
            let (a, b) = (p.noise_shape[g], p.noise_rate[g]);
            let mean = d.noise_precision.column(g).sum() / n as f64;
            let se = (a.sqrt() / b) / (n as f64).sqrt();
            assert!(
                (mean - a / b).abs() < 5.0 * se,
                "v[{g}]: {mean} vs {}",
                a / b
            );
        }
        // reproducible from the seed
        assert_eq!(
            posterior_draws(&p, 10, 7).unwrap().theta,
            d.theta.slice(ndarray::s![..10, ..])
        );
    }
}
