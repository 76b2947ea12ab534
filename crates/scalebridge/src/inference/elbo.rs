//! The evidence lower bound with every constant (SPEC A.6):
//!
//! ```text
//! F = Σ_i E_q[log p_cf(x_i|X_i)] + E_q[log p(X|θ,v)] + E_q[log p(θ|τ)] + E_q[log p(τ)] + E_q[log p(v)]
//!     + H[q(X)] + H[q(θ)] + H[q(τ)] + H[q(v)]
//! ```
//!
//! with, term by term (`ψ` digamma, `E ln v = ψ(γ) − ln ζ`, `⟨v⟩ = γ/ζ`, and likewise for `τ`):
//!
//! * `E log p_cf = Σ_j m_j μ_j − nf·E[ln Σ e^X] − nf ln Δy` (positions) or
//!   `+ ln nf! − Σ_j ln m_j!` instead of `− nf ln Δy` (counts);
//! * `E log p(X|θ,v) = Σ_j [N(−½ ln 2π + ½ E ln v_j) − ½⟨v_j⟩ Σ_i E(X_ij − θᵀΦ_ij)²]`;
//! * `E log p(θ|τ) = Σ_l [−½ ln 2π + ½ E ln τ_l − ½⟨τ_l⟩(μθ_l² + Sθ_ll)]`;
//! * `E log p(τ) = Σ_l [α0 ln β0 − ln Γ(α0) + (α0−1) E ln τ_l − β0⟨τ_l⟩]`, same for `v`;
//! * `H[q(X)] = Σ_ij (½ ln 2πe + ln s_ij)`, `H[q(θ)] = (L/2) ln 2πe + ½ ln|Sθ|`,
//!   `H[Gamma(α, β)] = α − ln β + ln Γ(α) + (1−α) ψ(α)`.
//!
//! `E[ln Σ e^X]` is supplied per experiment by the caller: the Jensen bound on the fast path
//! (so `F` stays a lower bound), a Monte Carlo estimate on the reference path.

use super::data::{LikelihoodForm, TrainingData};
use super::design::{Design, LatentStats};
use super::params::Priors;
use super::updates::{QGamma, QTheta, expected_sq_residuals};
use statrs::function::gamma::{digamma, ln_gamma};
use std::f64::consts::{E, PI};

/// The ELBO's terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ElboParts {
    pub likelihood: f64,
    pub latent_prior: f64,
    pub theta_prior: f64,
    pub tau_prior: f64,
    pub v_prior: f64,
    pub entropy_x: f64,
    pub entropy_theta: f64,
    pub entropy_tau: f64,
    pub entropy_v: f64,
}

impl ElboParts {
    /// The ELBO.
    pub fn total(&self) -> f64 {
        self.likelihood
            + self.latent_prior
            + self.theta_prior
            + self.tau_prior
            + self.v_prior
            + self.entropy_x
            + self.entropy_theta
            + self.entropy_tau
            + self.entropy_v
    }
}

/// Entropy of `Gamma(shape a, rate b)`.
pub fn gamma_entropy(a: f64, b: f64) -> f64 {
    a - b.ln() + ln_gamma(a) + (1.0 - a) * digamma(a)
}

/// `E_q[log Gamma(x; a0, b0)]` under `q = Gamma(a, b)`.
pub fn gamma_expected_log_prior(a0: f64, b0: f64, a: f64, b: f64) -> f64 {
    let e_ln = digamma(a) - b.ln();
    a0 * b0.ln() - ln_gamma(a0) + (a0 - 1.0) * e_ln - b0 * a / b
}

/// The constant of the likelihood for one experiment: `−nf ln Δy` (positions) or
/// `ln nf! − Σ_j ln m_j!` (counts).
pub fn likelihood_constant(data: &TrainingData, i: usize) -> f64 {
    let dy = data.domain.map_or(1.0, |d| d.bin_width(data.nc));
    row_constant(
        data.likelihood_form(),
        dy,
        data.nf as f64,
        data.counts_row(i),
    )
}

/// The likelihood constant of one row of counts `m` with `nf` walkers on bins of width `dy`.
pub fn row_constant(form: LikelihoodForm, dy: f64, nf: f64, m: &[f64]) -> f64 {
    match form {
        LikelihoodForm::Positions => -nf * dy.ln(),
        LikelihoodForm::Counts => {
            ln_gamma(nf + 1.0) - m.iter().map(|c| ln_gamma(c + 1.0)).sum::<f64>()
        }
    }
}

/// Evaluates every term of the ELBO.
pub fn elbo(
    data: &TrainingData,
    design: &Design,
    stats: &LatentStats,
    lat_mean: &[f64],
    lat_std: &[f64],
    expected_lse: &[f64],
    q_theta: &QTheta,
    q_tau: &QGamma,
    q_v: &QGamma,
    priors: &Priors,
) -> ElboParts {
    let (n, nc) = (data.n, data.nc);
    let nf = data.nf as f64;
    let mut p = ElboParts::default();
    for i in 0..n {
        let mu = &lat_mean[i * nc..(i + 1) * nc];
        let m = data.counts_row(i);
        p.likelihood += m.iter().zip(mu).map(|(a, b)| a * b).sum::<f64>() - nf * expected_lse[i]
            + likelihood_constant(data, i);
    }
    let sq = expected_sq_residuals(design, stats, q_theta);
    p.latent_prior = transition_term(&sq, n, q_v);
    add_parameter_terms(&mut p, q_theta, q_tau, q_v, priors);
    let half_ln_2pie = 0.5 * (2.0 * PI * E).ln();
    p.entropy_x = lat_std.iter().map(|s| half_ln_2pie + s.ln()).sum();
    p
}

/// `E log p(X|θ,v) = Σ_j [n(−½ ln 2π + ½ E ln v_j) − ½⟨v_j⟩ sq_j]` for `n` transitions per bin
/// with expected squared residuals `sq_j`.
pub fn transition_term(sq: &[f64], n: usize, q_v: &QGamma) -> f64 {
    let ln2pi = (2.0 * PI).ln();
    let (v_mean, v_log) = (q_v.means(), q_v.log_means());
    (0..sq.len())
        .map(|j| {
            let k = if v_mean.len() == 1 { 0 } else { j };
            n as f64 * (-0.5 * ln2pi + 0.5 * v_log[k]) - 0.5 * v_mean[k] * sq[j]
        })
        .sum()
}

/// Adds the terms of `θ`, `τ` and `v` (priors and entropies) to `p`.
pub fn add_parameter_terms(
    p: &mut ElboParts,
    q_theta: &QTheta,
    q_tau: &QGamma,
    q_v: &QGamma,
    priors: &Priors,
) {
    let ln2pi = (2.0 * PI).ln();
    let (t_mean, t_log) = (q_tau.means(), q_tau.log_means());
    for l in 0..q_theta.mean.len() {
        let second = q_theta.mean[l] * q_theta.mean[l] + q_theta.cov[(l, l)];
        p.theta_prior += -0.5 * ln2pi + 0.5 * t_log[l] - 0.5 * t_mean[l] * second;
        p.tau_prior +=
            gamma_expected_log_prior(priors.alpha0, priors.beta0, q_tau.shape[l], q_tau.rate[l]);
        p.entropy_tau += gamma_entropy(q_tau.shape[l], q_tau.rate[l]);
    }
    for k in 0..q_v.shape.len() {
        p.v_prior +=
            gamma_expected_log_prior(priors.gamma0, priors.zeta0, q_v.shape[k], q_v.rate[k]);
        p.entropy_v += gamma_entropy(q_v.shape[k], q_v.rate[k]);
    }
    p.entropy_theta =
        q_theta.mean.len() as f64 * 0.5 * (2.0 * PI * E).ln() + 0.5 * q_theta.logdet_cov;
}

/// The ELBO terms that depend on `q(θ)` and `q(τ)` (for comparing two candidate `(q(θ), q(τ))`
/// with everything else fixed): the latent prior, `E log p(θ|τ)`, `E log p(τ)`, `H[q(θ)]`,
/// `H[q(τ)]`.
pub fn theta_tau_terms(
    design: &Design,
    stats: &LatentStats,
    q_theta: &QTheta,
    q_tau: &QGamma,
    q_v: &QGamma,
    priors: &Priors,
) -> f64 {
    let sq = expected_sq_residuals(design, stats, q_theta);
    let v_mean = q_v.means();
    let mut f: f64 = (0..design.nc)
        .map(|j| -0.5 * v_mean[if v_mean.len() == 1 { 0 } else { j }] * sq[j])
        .sum();
    let (t_mean, t_log) = (q_tau.means(), q_tau.log_means());
    for l in 0..q_theta.mean.len() {
        let second = q_theta.mean[l] * q_theta.mean[l] + q_theta.cov[(l, l)];
        f += 0.5 * t_log[l] - 0.5 * t_mean[l] * second
            + gamma_expected_log_prior(priors.alpha0, priors.beta0, q_tau.shape[l], q_tau.rate[l])
            + gamma_entropy(q_tau.shape[l], q_tau.rate[l]);
    }
    f + 0.5 * q_theta.logdet_cov
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gamma entropy and expected log density against direct numerical integration.
    #[test]
    fn gamma_formulas_match_quadrature() {
        let (a, b) = (2.5, 1.7);
        let (a0, b0) = (1.3, 0.4);
        let ln_pdf = |x: f64, a: f64, b: f64| a * b.ln() - ln_gamma(a) + (a - 1.0) * x.ln() - b * x;
        let (mut h, mut e) = (0.0, 0.0);
        let dx = 1e-4;
        let mut x = dx / 2.0;
        while x < 40.0 {
            let q = ln_pdf(x, a, b).exp();
            h -= q * ln_pdf(x, a, b) * dx;
            e += q * ln_pdf(x, a0, b0) * dx;
            x += dx;
        }
        assert!(
            (gamma_entropy(a, b) - h).abs() < 1e-6,
            "{} vs {h}",
            gamma_entropy(a, b)
        );
        assert!((gamma_expected_log_prior(a0, b0, a, b) - e).abs() < 1e-6);
    }
}
