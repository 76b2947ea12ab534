//! The coordinate-ascent loop of mean-field VB (the paper's Algorithm 1):
//!
//! 1. initialise `q(X_i)` from the counts (`μ_i = clr(m_i + ½)`), `⟨τ⟩ = 10⁻²`, `⟨v⟩ = 1`;
//! 2. each sweep: update `q(θ)`, `q(τ)`, `q(v)` in closed form ([`super::updates`]), then every
//!    `q(X_i)` in parallel ([`super::latent`]), then evaluate the ELBO ([`super::elbo`]);
//!    both paths also try the accelerated ARD step ([`super::updates::accelerated_tau`], kept
//!    only when it raises the ELBO); the fast path in addition solves the `q(v)`–width coupling
//!    ([`super::updates::solve_v`]) and takes a joint Newton step on `(μθ, μ_i)`
//!    ([`super::joint`]) — the two slow modes of the plain alternation;
//! 3. stop when the parameters have settled (see [`super::params`] for what `tol` measures) or
//!    after `max_iter` sweeps.
//!
//! On the fast path every step maximises its block of the (Jensen-bound) ELBO exactly, so the
//! ELBO never decreases. Per-experiment work runs in parallel with rayon; every sum over
//! experiments is done afterwards in index order, so the result is bit-identical for any number
//! of threads. A non-finite ELBO or coefficient stops the fit with a numerical error.

use super::data::TrainingData;
use super::design::{CHUNK, Design, LatentStats};
use super::elbo::{elbo, theta_tau_terms};
use super::joint::{joint_newton_step, marginal_theta_cov};
use super::latent::{self, Site};
use super::params::{LatentMethod, Priors, ValidParams};
use super::posterior::{Assembly, Latent, Posterior};
use super::updates::{
    QGamma, QTheta, accelerated_tau, solve_v, trace_terms, update_tau, update_theta, v_of,
};
use crate::error::{Error, Result};
use crate::law::least_squares::fit_least_squares;
use crate::law::{CoarseLaw, FeatureLibrary};
use crate::rng::{purpose, stream};
use ndarray::Array2;
use rayon::prelude::*;

/// Monte Carlo draws per experiment for the ELBO on the reference path.
const ELBO_MC_SAMPLES: usize = 256;
/// Consecutive settled sweeps required for convergence.
pub(crate) const SETTLED_SWEEPS: usize = 2;

/// What the learner reports after each sweep.
#[derive(Clone, Copy, Debug)]
pub struct IterationInfo {
    /// Sweep number (1-based).
    pub iteration: usize,
    /// ELBO after the sweep.
    pub elbo: f64,
    /// Mean of `1/⟨v_j⟩` over bins.
    pub noise_var: f64,
    /// Largest coefficient move in posterior standard deviations.
    pub max_move: f64,
}

/// Ridge `λ` of the least-squares start of a nonlinear law: the initial ARD precision
/// `⟨τ⟩ = 10⁻²` over the initial noise precision `⟨v⟩ = 1`.
pub(crate) const START_RIDGE: f64 = 1e-2;
/// Levenberg–Marquardt iterations of that start.
pub(crate) const START_MAX_ITER: usize = 100;
/// Damped Gauss–Newton iterations of `q(θ)` per sweep for a nonlinear law.
pub(crate) const INNER_MAX_ITER: usize = 20;
/// Moves below this many standard deviations skip the damping check.
const SMALL_MOVE: f64 = 0.1;

/// The standard deviations of `q(θ)`.
pub(crate) fn sd_of(q: &QTheta) -> Vec<f64> {
    (0..q.mean.len()).map(|k| q.cov[(k, k)].sqrt()).collect()
}

/// The largest move from `from` to `to`, in standard deviations `sd`.
pub(crate) fn max_move(to: &[f64], from: &[f64], sd: &[f64]) -> f64 {
    to.iter()
        .zip(from)
        .zip(sd)
        .map(|((a, b), s)| (a - b).abs() / s)
        .fold(0.0, f64::max)
}

/// The largest relative move of the noise precisions, `max_j |ln v_j − ln v_j,prev|`.
pub(crate) fn log_move(v: &[f64], prev: &[f64]) -> f64 {
    v.iter()
        .zip(prev)
        .map(|(a, b)| (a.ln() - b.ln()).abs())
        .fold(0.0, f64::max)
}

/// The convergence rule: coefficients (in standard deviations) and noise precisions (relative)
/// both moved less than `tol`, for [`SETTLED_SWEEPS`] sweeps in a row.
#[derive(Debug, Default)]
pub(crate) struct Settling {
    sweeps: usize,
}

impl Settling {
    /// Records a sweep's moves; whether the fit has now settled.
    pub(crate) fn settled(&mut self, moved: f64, v_move: f64, tol: f64) -> bool {
        self.sweeps = if moved < tol && v_move < tol {
            self.sweeps + 1
        } else {
            0
        };
        self.sweeps >= SETTLED_SWEEPS
    }
}

/// The learner: validated parameters and a law family.
#[derive(Debug)]
pub struct Learner {
    params: ValidParams,
    law: Box<dyn CoarseLaw>,
}

impl Learner {
    /// A learner with the law family the parameters name.
    pub fn new(params: ValidParams) -> Result<Self> {
        let law = params.0.law.build()?;
        Ok(Learner { params, law })
    }

    /// A learner with a feature library of the caller's (custom feature families). The
    /// posterior records the library's [`CoarseLaw::spec`]: a custom library cannot be rebuilt
    /// from `posterior.json` by [`Posterior::law`].
    pub fn with_library(params: ValidParams, library: FeatureLibrary) -> Self {
        Self::with_law(params, Box::new(library))
    }

    /// A learner with a law family of the caller's.
    pub fn with_law(params: ValidParams, law: Box<dyn CoarseLaw>) -> Self {
        Learner { params, law }
    }

    /// The checked parameters.
    pub fn params(&self) -> &ValidParams {
        &self.params
    }

    /// The law family.
    pub fn law(&self) -> &dyn CoarseLaw {
        self.law.as_ref()
    }

    /// Fits the model to `data`; `observer` sees every sweep.
    pub fn fit(
        &self,
        data: &TrainingData,
        observer: &mut dyn FnMut(&IterationInfo),
    ) -> Result<(Posterior, Latent)> {
        let p = &self.params.0;
        let law = self.law.as_ref();
        law.check(data.nc)?;
        let (n, nc, l) = (data.n, data.nc, law.len());
        let nf = data.nf as f64;
        let linear = law.is_linear();

        // initial q(X): centred log of the counts (with half a walker added), and
        // s² = 1/(nf ρ(1-ρ) + 1)
        let mut lat_mean = vec![0.0; n * nc];
        let mut lat_std = vec![0.0; n * nc];
        for i in 0..n {
            let m = data.counts_row(i);
            let row: Vec<f64> = m.iter().map(|c| (c + 0.5).ln()).collect();
            let mean = row.iter().sum::<f64>() / nc as f64;
            for j in 0..nc {
                lat_mean[i * nc + j] = row[j] - mean;
                let rho = (m[j] + 0.5) / (nf + 0.5 * nc as f64);
                lat_std[i * nc + j] = 1.0 / (nf * rho * (1.0 - rho) + 1.0).sqrt();
            }
        }
        // a nonlinear law starts from the least-squares fit to the initial latent means and is
        // re-linearised around the current mean of q(θ) at the start of every sweep
        let theta_start = if linear {
            vec![0.0; l]
        } else {
            let pairs: Vec<(Vec<f64>, Vec<f64>)> = (0..n)
                .map(|i| {
                    let r = i * nc..(i + 1) * nc;
                    (data.x0_row(i).to_vec(), lat_mean[r].to_vec())
                })
                .collect();
            fit_least_squares(law, &pairs, &vec![0.0; l], START_RIDGE, START_MAX_ITER)?.theta
        };
        let mut design = Design::new(law, data, &theta_start);
        let mut stats = design.latent_stats(&lat_mean, &lat_std);
        let mut theta_lin = theta_start;
        let mut last_e_lse = Vec::new();
        let pr = p.priors;
        let mut q_tau = QGamma::with_means(pr.alpha0 + 0.5, &vec![1e-2; l]);
        let nv = if p.per_bin_noise { nc } else { 1 };
        let mut q_v = QGamma::with_means(pr.gamma0 + 0.5, &vec![1.0; nv]);
        let mut q_theta: Option<QTheta> = None;
        let mut trace = Vec::new();
        let mut settling = Settling::default();
        let mut converged = false;
        let mut last_parts = Default::default();
        let mut iterations = 0;

        let mut schur_factor = None;
        let mut last_moved = f64::INFINITY;
        for it in 1..=p.max_iter {
            iterations = it;
            let prev_mean = q_theta.as_ref().map(|q| q.mean.clone());
            if let (false, Some(m), Some(q)) = (linear, &prev_mean, &q_theta) {
                // re-linearise unless the mean is where the design was linearised (to well
                // within the tolerance)
                if max_move(m, &theta_lin, &sd_of(q)) >= 0.1 * p.tol {
                    design = Design::new(law, data, m);
                    stats = design.latent_stats(&lat_mean, &lat_std);
                    theta_lin = m.clone();
                }
            }
            let prev_v = q_v.means();
            let tau_used = q_tau.means();
            let block = ThetaBlock {
                law,
                inputs: &data.x0,
                nc,
                targets: &lat_mean,
                target_std: &lat_std,
                q_v: &q_v,
                priors: &pr,
                tol: p.tol,
            };
            let (mut qt, q_tau_new) =
                theta_step(&block, &mut design, &mut stats, &mut theta_lin, &tau_used)?;
            q_tau = q_tau_new;
            let a_now = design.predict(&qt.mean);
            q_v = coupled_noise_update(
                &trace_terms(&design, &qt),
                &a_now,
                &lat_mean,
                &lat_std,
                n,
                nc,
                nf,
                &pr,
                p.per_bin_noise,
                &q_v,
                p.method,
                last_moved < 1.0,
            );
            let v_means = q_v.means();
            let precision: Vec<f64> = (0..nc).map(|j| v_of(&v_means, j)).collect();
            let mut marginal_var = None;
            let mut a = a_now;
            if p.method == LatentMethod::Newton {
                // joint ascent on (μθ, μ_i): removes the slow θ ↔ X alternation
                let step = joint_newton_step(
                    &design,
                    &data.counts,
                    nf,
                    &mut lat_mean,
                    &lat_std,
                    &mut qt.mean,
                    &a,
                    &v_means,
                    &q_tau.means(),
                    &mut schur_factor,
                )?;
                marginal_var = Some(step.marginal_var);
                a = step.mean;
            }
            if !linear {
                // a Gauss–Newton step can overshoot where the Jacobian changes fast (a hop
                // probability near 0): keep the θ moves of this sweep only as far as they
                // raise the exact (not linearised) objective
                damp_to_exact_ascent(
                    law,
                    &data.x0,
                    nc,
                    &design,
                    &lat_mean,
                    &v_means,
                    &q_tau.means(),
                    &theta_lin,
                    &sd_of(&qt),
                    &mut qt.mean,
                );
                a = design.predict(&qt.mean);
            }

            let updated: Vec<(Vec<f64>, Vec<f64>, f64)> = (0..n)
                .into_par_iter()
                .map(|i| {
                    let r = i * nc..(i + 1) * nc;
                    let site = Site {
                        counts: data.counts_row(i),
                        prior_mean: &a[r.clone()],
                        precision: &precision,
                        nf,
                    };
                    let mut mu = lat_mean[r.clone()].to_vec();
                    let mut s = lat_std[r].to_vec();
                    let e_lse = match p.method {
                        LatentMethod::Newton => {
                            latent::newton(&site, &mut mu, &mut s);
                            latent::expected_lse_jensen(&mu, &s)
                        }
                        LatentMethod::Adam => {
                            let mut rng =
                                stream(p.seed, purpose::LATENT, ((it as u64) << 32) | i as u64);
                            latent::adam(
                                &site,
                                &mut mu,
                                &mut s,
                                p.adam_steps,
                                p.adam_samples,
                                p.adam_lr,
                                &mut rng,
                            );
                            latent::expected_lse_mc(&mu, &s, ELBO_MC_SAMPLES, &mut rng)
                        }
                    };
                    (mu, s, e_lse)
                })
                .collect();
            let mut e_lse = Vec::with_capacity(n);
            for (i, (mu, s, e)) in updated.into_iter().enumerate() {
                lat_mean[i * nc..(i + 1) * nc].copy_from_slice(&mu);
                lat_std[i * nc..(i + 1) * nc].copy_from_slice(&s);
                e_lse.push(e);
            }
            stats = design.latent_stats(&lat_mean, &lat_std);
            let parts = elbo(
                data, &design, &stats, &lat_mean, &lat_std, &e_lse, &qt, &q_tau, &q_v, &pr,
            );
            let f = parts.total();
            if !f.is_finite() {
                return Err(Error::numerical(
                    "ELBO",
                    format!("non-finite value {f} at iteration {it}: {parts:?}"),
                ));
            }
            trace.push(f);
            last_parts = parts;
            last_e_lse = e_lse;

            // moves in the error bars the user is shown: the marginal standard deviations on
            // the fast path (from the joint step's Schur complement), mean-field otherwise
            let scale: Vec<f64> = match &marginal_var {
                Some(var) => var.iter().map(|x| x.max(0.0).sqrt()).collect(),
                None => sd_of(&qt),
            };
            let moved = prev_mean
                .as_ref()
                .map_or(f64::INFINITY, |pm| max_move(&qt.mean, pm, &scale));
            let v_move = log_move(&q_v.means(), &prev_v);
            last_moved = moved;
            q_theta = Some(qt);
            observer(&IterationInfo {
                iteration: it,
                elbo: f,
                noise_var: q_v.means().iter().map(|v| 1.0 / v).sum::<f64>() / nv as f64,
                max_move: moved,
            });
            if settling.settled(moved, v_move, p.tol) && it >= p.min_iter {
                converged = true;
                break;
            }
        }

        let qt = q_theta.ok_or_else(|| Error::numerical("fit", "no iteration ran"))?;
        if !linear {
            // the final ELBO, error bars and contributions at the linearisation around the
            // final mean (Laplace)
            design = Design::new(law, data, &qt.mean);
            stats = design.latent_stats(&lat_mean, &lat_std);
            last_parts = elbo(
                data,
                &design,
                &stats,
                &lat_mean,
                &lat_std,
                &last_e_lse,
                &qt,
                &q_tau,
                &q_v,
                &pr,
            );
            if let Some(f) = trace.last_mut() {
                *f = last_parts.total();
            }
        }
        let v_final = q_v.means();
        let marginal = marginal_theta_cov(
            &design,
            &data.counts,
            nf,
            &lat_mean,
            &lat_std,
            &qt.mean,
            &v_final,
            &q_tau.means(),
        )?;
        let posterior = Assembly {
            law,
            contribution: design.contribution(&qt.mean),
            qt,
            marginal,
            q_tau: &q_tau,
            q_v: &q_v,
            trace,
            parts: last_parts,
            iterations,
            converged,
            nc,
            nf: data.nf,
            n,
            likelihood: data.likelihood_form(),
            data_fingerprint: data.fingerprint.clone(),
            params: p.clone(),
            trajectories: None,
            training_states: crate::inference::StateRange::of_experiments(data),
        }
        .posterior();
        let to_arr = |v: Vec<f64>| {
            Array2::from_shape_vec((n, nc), v)
                .map_err(|e| Error::numerical("latent", e.to_string()))
        };
        let latent = Latent {
            mean: to_arr(lat_mean)?,
            std: to_arr(lat_std)?,
        };
        Ok((posterior, latent))
    }
}

/// [`theta_objective`] with the law evaluated exactly at `theta` on every input (rows of
/// `inputs`, in parallel; the sum in a fixed order).
pub(crate) fn exact_theta_objective(
    law: &dyn CoarseLaw,
    inputs: &[f64],
    lat_mean: &[f64],
    nc: usize,
    v: &[f64],
    tau: &[f64],
    theta: &[f64],
) -> f64 {
    let means = per_input(inputs, nc, nc, |x, m| law.mean_into(x, theta, m));
    theta_objective(lat_mean, &means, nc, v, tau, theta)
}

/// `f(x, out)` for every input `x` (a row of `nc` values of `inputs`) into its `width` values
/// of the result, in parallel chunks of CHUNK inputs (one task and no allocation per input).
fn per_input(
    inputs: &[f64],
    nc: usize,
    width: usize,
    f: impl Fn(&[f64], &mut [f64]) + Sync,
) -> Vec<f64> {
    let mut out = vec![0.0; inputs.len() / nc * width];
    out.par_chunks_mut(CHUNK * width)
        .zip(inputs.par_chunks(CHUNK * nc))
        .for_each(|(o, xs)| {
            for (m, x) in o.chunks_mut(width).zip(xs.chunks(nc)) {
                f(x, m);
            }
        });
    out
}

/// [`exact_theta_objective`] at `theta + δ e_k` for every `δ` of `deltas`: the law's
/// evaluations shared through [`CoarseLaw::mean_along_into`], each objective summed in the
/// same order.
pub(crate) fn exact_theta_objective_along(
    law: &dyn CoarseLaw,
    inputs: &[f64],
    lat_mean: &[f64],
    nc: usize,
    v: &[f64],
    tau: &[f64],
    theta: &[f64],
    k: usize,
    deltas: &[f64],
) -> Vec<f64> {
    let s = deltas.len();
    // the law's means, `(input, δ, bin)`
    let means = per_input(inputs, nc, s * nc, |x, m| {
        law.mean_along_into(x, theta, k, deltas, m)
    });
    let mut mean = vec![0.0; inputs.len()];
    let mut th = theta.to_vec();
    deltas
        .iter()
        .enumerate()
        .map(|(d, delta)| {
            for (i, row) in mean.chunks_mut(nc).enumerate() {
                row.copy_from_slice(&means[(i * s + d) * nc..(i * s + d + 1) * nc]);
            }
            th[k] = theta[k] + delta;
            theta_objective(lat_mean, &mean, nc, v, tau, &th)
        })
        .collect()
}

/// The `θ`-dependent part of the ELBO for the law means `mean` (row-major `(N, nc)`), the
/// latent means and the other factors fixed:
/// `−½ Σ_ij ⟨v_j⟩ (μ_ij − mean_ij)² − ½ Σ_l ⟨τ_l⟩ θ_l²`.
fn theta_objective(
    lat_mean: &[f64],
    mean: &[f64],
    nc: usize,
    v: &[f64],
    tau: &[f64],
    theta: &[f64],
) -> f64 {
    let data: f64 = lat_mean
        .iter()
        .zip(mean)
        .enumerate()
        .map(|(k, (a, b))| v_of(v, k % nc) * (a - b).powi(2))
        .sum();
    -0.5 * data - 0.5 * theta.iter().zip(tau).map(|(t, w)| w * t * t).sum::<f64>()
}

/// The transitions a θ-step fits: inputs `X` and targets `X'` (row-major `(n, nc)`, the
/// targets' posterior standard deviations beside them — zeros for drawn states), the noise
/// factor `q(v)` whose means weight them, and what the step needs of the learner.
pub(crate) struct ThetaBlock<'a> {
    pub law: &'a dyn CoarseLaw,
    pub inputs: &'a [f64],
    pub nc: usize,
    pub targets: &'a [f64],
    pub target_std: &'a [f64],
    pub q_v: &'a QGamma,
    pub priors: &'a Priors,
    pub tol: f64,
}

/// One sweep's update of `q(θ)` and `q(τ)` (shared by both learners): `q(θ)` at the mode of
/// the exact θ-block with the other factors fixed — for a nonlinear law damped Gauss–Newton
/// steps, re-linearised (`design`, `stats`, `theta_lin` follow the mean), until the mean has
/// settled (a single step per sweep can fall into a 2-cycle with the ARD update where a hop
/// probability is near 0 and its log-odds are barely identified) — then `q(τ)`, and the
/// accelerated-ARD proposal (each precision jumped to the limit of its own alternation,
/// `q(θ)` refitted) kept when its ELBO terms are higher.
pub(crate) fn theta_step(
    block: &ThetaBlock<'_>,
    design: &mut Design,
    stats: &mut LatentStats,
    theta_lin: &mut Vec<f64>,
    tau_used: &[f64],
) -> Result<(QTheta, QGamma)> {
    let (law, nc, pr) = (block.law, block.nc, block.priors);
    let v_now = block.q_v.means();
    let mut qt = update_theta(design, stats, &v_now, tau_used)?;
    if !law.is_linear() {
        for _ in 0..INNER_MAX_ITER {
            damp_to_exact_ascent(
                law,
                block.inputs,
                nc,
                design,
                block.targets,
                &v_now,
                tau_used,
                theta_lin,
                &sd_of(&qt),
                &mut qt.mean,
            );
            if max_move(&qt.mean, theta_lin, &sd_of(&qt)) < 0.1 * block.tol {
                break;
            }
            design.relinearise(law, block.inputs, nc, &qt.mean);
            *stats = design.latent_stats(block.targets, block.target_std);
            *theta_lin = qt.mean.clone();
            qt = update_theta(design, stats, &v_now, tau_used)?;
        }
    }
    let mut q_tau = update_tau(&qt, pr.alpha0, pr.beta0);
    let tau_acc = accelerated_tau(&qt, tau_used, pr.alpha0, pr.beta0);
    let qt_acc = update_theta(design, stats, &v_now, &tau_acc)?;
    let q_tau_acc = update_tau(&qt_acc, pr.alpha0, pr.beta0);
    let f = |a: &QTheta, b: &QGamma| theta_tau_terms(design, stats, a, b, block.q_v, pr);
    if f(&qt_acc, &q_tau_acc) > f(&qt, &q_tau) {
        qt = qt_acc;
        q_tau = q_tau_acc;
    }
    Ok((qt, q_tau))
}

/// Backtracks the move `theta − from` (halving, at most 20 times) until the objective
/// [`theta_objective`] with the law evaluated exactly is at least its value at `from` (where
/// the design, linearised at `from`, gives the exact means); keeps `from` if no such step is
/// found. A non-finite objective counts as worse. A move of less than [`SMALL_MOVE`] standard
/// deviations `sd` in every coefficient is kept unchecked: the linearisation is accurate there
/// (the overshoots this guards against were moves of about one standard deviation).
pub(crate) fn damp_to_exact_ascent(
    law: &dyn CoarseLaw,
    inputs: &[f64],
    nc: usize,
    design: &Design,
    lat_mean: &[f64],
    v: &[f64],
    tau: &[f64],
    from: &[f64],
    sd: &[f64],
    theta: &mut [f64],
) {
    if max_move(theta, from, sd) < SMALL_MOVE {
        return;
    }
    let f0 = theta_objective(lat_mean, &design.predict(from), nc, v, tau, from);
    let step: Vec<f64> = theta.iter().zip(from).map(|(a, b)| a - b).collect();
    let mut t = 1.0;
    for _ in 0..20 {
        let cand: Vec<f64> = from.iter().zip(&step).map(|(a, d)| a + t * d).collect();
        let f = exact_theta_objective(law, inputs, lat_mean, nc, v, tau, &cand);
        if f >= f0 {
            theta.copy_from_slice(&cand);
            return;
        }
        t *= 0.5;
    }
    theta.copy_from_slice(from);
}

/// The `q(v)` update coupled to the latent widths ([`solve_v`]): the widths' optimum is
/// `s² = 1/(v + w)` with `w = nf ρ̃` on the fast path (Jensen bound, `ρ̃ = softmax(μ + s²/2)`)
/// and `w ≈ nf ρ(1−ρ)` for the exact expectation of the reference path (`ρ = softmax(μ)`, to
/// O(s²); the ADAM update that follows re-optimises the widths exactly).
///
/// The means' response is included (`mean_response`) only once the coefficients move by less
/// than one standard deviation a sweep: jumping `⟨v⟩` to its limit while ARD is still choosing
/// the support can lock in a spurious term (measured: the kernel law on advection–diffusion
/// kept a position term and ended 1.5 nats lower).
fn coupled_noise_update(
    trace: &[f64],
    a_now: &[f64],
    lat_mean: &[f64],
    lat_std: &[f64],
    n: usize,
    nc: usize,
    nf: f64,
    pr: &super::params::Priors,
    per_bin: bool,
    q_v: &QGamma,
    method: LatentMethod,
    mean_response: bool,
) -> QGamma {
    let resid_sq: Vec<f64> = lat_mean
        .iter()
        .zip(a_now)
        .map(|(m, a)| (m - a).powi(2))
        .collect();
    let nf_rho: Vec<f64> = (0..n)
        .flat_map(|i| {
            let r = i * nc..(i + 1) * nc;
            let jensen = method == LatentMethod::Newton;
            let shifted: Vec<f64> = lat_mean[r.clone()]
                .iter()
                .zip(&lat_std[r])
                .map(|(m, s)| if jensen { m + 0.5 * s * s } else { *m })
                .collect();
            crate::math::softmax(&shifted)
                .into_iter()
                .map(move |x| if jensen { nf * x } else { nf * x * (1.0 - x) })
        })
        .collect();
    solve_v(
        trace,
        &resid_sq,
        &nf_rho,
        n,
        pr.gamma0,
        pr.zeta0,
        !per_bin,
        &q_v.means(),
        mean_response,
    )
}
