//! Known-answer checks of the ELBO on a tiny problem (`nc = 3`, `N = 2`, 3 features): the
//! closed-form terms against a brute-force Monte Carlo estimate of the same expectations, and
//! the bound against an importance-sampling estimate of the log evidence.

use super::data::TrainingData;
use super::design::Design;
use super::elbo::elbo;
use super::latent::{expected_lse_jensen, expected_lse_mc};
use super::learner::Learner;
use super::params::{LearnerParams, Priors};
use super::updates::{QGamma, QTheta};
use crate::rng::{SbRng, standard_normal, stream};
use crate::walkers::domain::Domain;
use crate::walkers::lift::{LiftMap, SoftmaxLift};
use ndarray::array;
use rand_distr::{Distribution, Gamma};
use statrs::function::gamma::ln_gamma;
use std::f64::consts::PI;
use std::path::Path;

fn ln_normal(x: f64, m: f64, var: f64) -> f64 {
    -0.5 * (2.0 * PI * var).ln() - 0.5 * (x - m) * (x - m) / var
}

fn ln_gamma_pdf(x: f64, a: f64, b: f64) -> f64 {
    a * b.ln() - ln_gamma(a) + (a - 1.0) * x.ln() - b * x
}

fn draw_gamma(a: f64, b: f64, rng: &mut SbRng) -> f64 {
    Gamma::new(a, 1.0 / b)
        .expect("shape, scale > 0")
        .sample(rng)
}

struct Fitted {
    data: TrainingData,
    design: Design,
    mean: Vec<f64>,
    std: Vec<f64>,
    q_theta: QTheta,
    q_tau: QGamma,
    q_v: QGamma,
    priors: Priors,
}

/// A tiny fitted problem. The priors are proper and moderate (shape 2) so that the importance
/// weights have finite variance; the ELBO code is the same for any hyper-parameters.
fn fitted() -> Fitted {
    let x0 = array![[0.4, -0.1, -0.3], [-0.5, 0.2, 0.3]];
    let counts = array![[22i64, 15, 13], [12, 20, 18]];
    let data = TrainingData::new(
        &x0,
        &counts,
        Some(Domain::default()),
        None,
        Path::new("(tiny)"),
    )
    .expect("valid data");
    let priors = Priors {
        alpha0: 2.0,
        beta0: 0.5,
        gamma0: 2.0,
        zeta0: 0.05,
    };
    let params = LearnerParams {
        law: crate::law::LawSpec::Polynomial { range: 1, order: 1 },
        max_iter: 200,
        priors,
        ..Default::default()
    }
    .check()
    .expect("params");
    let learner = Learner::new(params).expect("learner");
    let (post, latent) = learner.fit(&data, &mut |_| {}).expect("fit");
    let design = Design::new(learner.law(), &data, &vec![0.0; learner.law().len()]);
    Fitted {
        design,
        mean: latent.mean.iter().copied().collect(),
        std: latent.std.iter().copied().collect(),
        q_theta: QTheta::from_mean_cov(post.theta_mean.clone(), &post.theta_cov).expect("cov"),
        q_tau: QGamma {
            shape: post.tau_shape.clone(),
            rate: post.tau_rate.clone(),
        },
        q_v: QGamma {
            shape: post.noise_shape.clone(),
            rate: post.noise_rate.clone(),
        },
        data,
        priors,
    }
}

/// One draw `Z ~ q` and `log p(data, Z) − log q(Z)`.
fn log_weight(f: &Fitted, rng: &mut SbRng) -> f64 {
    let (n, nc, l) = (f.data.n, f.data.nc, f.q_theta.mean.len());
    let lift = SoftmaxLift {
        domain: Domain::default(),
    };
    let mut lw = 0.0;
    // θ ~ N(μθ, Sθ) via Cholesky (L = 3)
    let c = &f.q_theta.cov;
    let mut chol = [[0.0; 3]; 3];
    for r in 0..l {
        for k in 0..=r {
            let s: f64 = (0..k).map(|m| chol[r][m] * chol[k][m]).sum();
            chol[r][k] = if r == k {
                (c[(r, r)] - s).sqrt()
            } else {
                (c[(r, k)] - s) / chol[k][k]
            };
        }
    }
    let z: Vec<f64> = (0..l).map(|_| standard_normal(rng)).collect();
    let theta: Vec<f64> = (0..l)
        .map(|r| f.q_theta.mean[r] + (0..=r).map(|k| chol[r][k] * z[k]).sum::<f64>())
        .collect();
    // log q(θ): −½ zᵀz − ½ ln|2π Sθ|
    lw -= -0.5 * z.iter().map(|v| v * v).sum::<f64>()
        - 0.5 * (l as f64 * (2.0 * PI).ln() + f.q_theta.logdet_cov);
    let mut tau = vec![0.0; l];
    for k in 0..l {
        tau[k] = draw_gamma(f.q_tau.shape[k], f.q_tau.rate[k], rng);
        lw -= ln_gamma_pdf(tau[k], f.q_tau.shape[k], f.q_tau.rate[k]);
        lw += ln_gamma_pdf(tau[k], f.priors.alpha0, f.priors.beta0);
        lw += ln_normal(theta[k], 0.0, 1.0 / tau[k]);
    }
    let v = draw_gamma(f.q_v.shape[0], f.q_v.rate[0], rng);
    lw -= ln_gamma_pdf(v, f.q_v.shape[0], f.q_v.rate[0]);
    lw += ln_gamma_pdf(v, f.priors.gamma0, f.priors.zeta0);
    let a = f.design.predict(&theta);
    for i in 0..n {
        let mut x = vec![0.0; nc];
        for j in 0..nc {
            let k = i * nc + j;
            x[j] = f.mean[k] + f.std[k] * standard_normal(rng);
            lw -= ln_normal(x[j], f.mean[k], f.std[k] * f.std[k]);
            lw += ln_normal(x[j], a[k], 1.0 / v);
        }
        let m: Vec<i64> = f.data.counts_row(i).iter().map(|c| *c as i64).collect();
        lw += lift.log_density(&x, &m);
    }
    lw
}

fn closed_form_elbo(f: &Fitted, e_lse: &[f64]) -> f64 {
    let stats = f.design.latent_stats(&f.mean, &f.std);
    elbo(
        &f.data, &f.design, &stats, &f.mean, &f.std, e_lse, &f.q_theta, &f.q_tau, &f.q_v, &f.priors,
    )
    .total()
}

#[test]
fn closed_form_elbo_matches_brute_force_monte_carlo() {
    let f = fitted();
    let nc = f.data.nc;
    let mut rng = stream(21, 0, 0);
    let e_mc: Vec<f64> = (0..f.data.n)
        .map(|i| {
            let r = i * nc..(i + 1) * nc;
            expected_lse_mc(&f.mean[r.clone()], &f.std[r], 400_000, &mut rng)
        })
        .collect();
    let exact = closed_form_elbo(&f, &e_mc);
    let samples = 200_000;
    let draws: Vec<f64> = (0..samples).map(|_| log_weight(&f, &mut rng)).collect();
    let mean = draws.iter().sum::<f64>() / samples as f64;
    let var = draws.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (samples - 1) as f64;
    let se = (var / samples as f64).sqrt();
    assert!(
        (exact - mean).abs() < 5.0 * se,
        "closed form {exact:.4} vs Monte Carlo {mean:.4} ± {se:.4}"
    );
    // the Jensen form used on the fast path is a lower bound of the exact one
    let e_j: Vec<f64> = (0..f.data.n)
        .map(|i| {
            let r = i * nc..(i + 1) * nc;
            expected_lse_jensen(&f.mean[r.clone()], &f.std[r])
        })
        .collect();
    assert!(closed_form_elbo(&f, &e_j) < exact);
    // and the ELBO lies below an importance-sampling estimate of log p(data)
    let m = draws.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_evidence = m + (draws.iter().map(|w| (w - m).exp()).sum::<f64>() / samples as f64).ln();
    eprintln!(
        "tiny problem: ELBO closed form {exact:.4}, brute-force MC {mean:.4} ± {se:.4}, \
         Jensen form {:.4}, IS log evidence {log_evidence:.4}",
        closed_form_elbo(&f, &e_j)
    );
    assert!(
        exact < log_evidence,
        "ELBO {exact:.4} vs log evidence {log_evidence:.4}"
    );
}
