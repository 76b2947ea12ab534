//! The coordinate-ascent loop on trajectories (SPEC A.10).
//!
//! `q = Π_i q(X_{i,0..T}) · q(θ) · q(τ) · q(v)`, each run's `q(X_i)` a Gaussian with
//! block-tridiagonal precision ([`super::chain`]). Each sweep:
//!
//! 1. `q(θ)`, `q(τ)`, `q(v)` from the transitions of `S` draws of every run's chain
//!    (`X^(s) = m + L⁻ᵀ ε^(s)`, antithetic pairs `±ε`, the same `ε` every sweep — common random
//!    numbers, so the fit is a deterministic function of the seed): the expectations
//!    `E_q[(X_{t+1} − μ(X_t; θ))²]` and the Gram matrices of the features at latent inputs are
//!    Monte Carlo averages over the draws. This keeps the cross-covariance of `X_t` and
//!    `X_{t+1}` (without it, regressing smoothed means on smoothed means is biased) and works
//!    for any law family through [`crate::law::CoarseLaw::linearise_into`]; for a nonlinear law
//!    `q(θ)` is the damped Gauss–Newton/Laplace mode of the controlled-experiment path, on the
//!    drawn transitions. The ARD and noise updates are the closed forms of SPEC A.6 with every
//!    transition counted once (`N·T` per bin).
//! 2. (The start prior `X_{i,0} ~ N(0, σ0² I)` is fixed and wide, `σ0² = 10`:
//!    proper, so the ELBO keeps every constant, and the same for every model of the data.)
//! 3. Every run's chain, in parallel ([`super::chain::update_run`]), with the law linearised
//!    around the means.
//! 4. The ELBO with every constant, the transitions' term from the new draws.
//!
//! Convergence as on the controlled path: no coefficient moved by more than `tol` posterior
//! standard deviations and the noise level by less than a relative `tol`, two sweeps in a row.

use super::chain::{ChainModel, RunData, RunPosterior, run_terms, theta_coupling, update_run};
use super::data::TrajectoryData;
use crate::error::{Error, Result};
use crate::inference::IterationInfo;
use crate::inference::design::Design;
use crate::inference::elbo::{ElboParts, add_parameter_terms, row_constant, transition_term};
use crate::inference::learner::{
    Learner, START_MAX_ITER, START_RIDGE, Settling, ThetaBlock, damp_to_exact_ascent, log_move,
    max_move, sd_of, theta_step,
};
use crate::inference::posterior::{Assembly, Posterior, TrainingRuns};
use crate::inference::updates::{
    QGamma, QTheta, expected_sq_residuals, solve_v, trace_terms, v_of,
};
use crate::law::least_squares::fit_least_squares;
use crate::math::centre;
use crate::rng::{purpose, standard_normal, stream};
use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};
use ndarray::Array3;
use rayon::prelude::*;
use std::path::Path;

/// Antithetic pairs of draws of every run's chain per sweep: enough that `S·N·T ≥ 2048` drawn
/// transitions (`S = 2·pairs`), between 1 and 8 pairs (measured on the synthetic law, 16 × 8:
/// with 4 pairs a spurious `X(j)` term reached 3.1 marginal σ, with 8 it stayed below 3). With `±ε` pairs the parts of the
/// `θ`-step linear in the draws are exact; what remains random is the latent covariance's
/// share of the Gram matrix and right-hand side, averaged over `S·N·T·nc` terms (accuracy
/// against more draws measured in `docs/learning.md`).
pub fn chain_pairs(runs: usize, steps: usize) -> usize {
    2048usize.div_ceil((runs * steps).max(1)).clamp(1, 8)
}

/// The latent states of every run: `latent.npz` of a model learned from trajectories.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentTrajectories {
    /// Means, `(N, T+1, nc)`.
    pub mean: Array3<f64>,
    /// Marginal standard deviations, `(N, T+1, nc)`.
    pub std: Array3<f64>,
}

impl LatentTrajectories {
    /// Writes `latent.npz`: `mean` and `std`, float64 `(N, T+1, nc)`.
    pub fn write_npz(&self, path: &Path) -> Result<()> {
        crate::io::write_npz(path, |w| {
            w.add("mean", &self.mean)?;
            w.add("std", &self.std)
        })
    }

    /// Reads `latent.npz` of a model learned from `(n, t1, nc)` trajectories.
    pub fn read_npz(path: &Path, n: usize, t1: usize, nc: usize) -> Result<Self> {
        let mut z = crate::io::NpzIn::open(path)?;
        let want = format!("float64 ({n}, {t1}, {nc}) = (N, T+1, nc)");
        let mean: Array3<f64> = z.array("mean", &want)?;
        let std: Array3<f64> = z.array("std", &want)?;
        for (name, a) in [("mean", &mean), ("std", &std)] {
            if a.dim() != (n, t1, nc) {
                return Err(z.bad(
                    name,
                    format!("expected {want} of the model, found {:?}", a.shape()),
                ));
            }
        }
        if mean.iter().any(|v| !v.is_finite()) {
            return Err(z.bad("mean", "non-finite value"));
        }
        if std.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(z.bad("std", "values must be finite and > 0"));
        }
        Ok(LatentTrajectories { mean, std })
    }
}

/// Inputs (centred, as prediction applies the law) and targets of every drawn transition,
/// row-major `(N·S·T, nc)`, in the order run, draw, time.
fn draw_transitions(
    posts: &[RunPosterior],
    eps: &[Vec<f64>],
    nc: usize,
    half: usize,
) -> (Vec<f64>, Vec<f64>) {
    let parts: Vec<(Vec<f64>, Vec<f64>)> = posts
        .par_iter()
        .enumerate()
        .map(|(i, post)| {
            let t1 = post.mean.len() / nc;
            let mut inputs = Vec::with_capacity(2 * half * (t1 - 1) * nc);
            let mut targets = Vec::with_capacity(2 * half * (t1 - 1) * nc);
            for h in 0..half {
                for sign in [1.0, -1.0] {
                    let e: Vec<f64> = eps[i * half + h].iter().map(|x| sign * x).collect();
                    let x = post.draw(&e);
                    for t in 0..t1 - 1 {
                        let mut input = x[t * nc..(t + 1) * nc].to_vec();
                        centre(&mut input);
                        inputs.extend(input);
                        targets.extend_from_slice(&x[(t + 1) * nc..(t + 2) * nc]);
                    }
                }
            }
            (inputs, targets)
        })
        .collect();
    let mut inputs = Vec::new();
    let mut targets = Vec::new();
    for (a, b) in parts {
        inputs.extend(a);
        targets.extend(b);
    }
    (inputs, targets)
}

/// Variance `σ0²` of the start prior `X_{i,0} ~ N(0, σ0² I)`, fixed: 10, i.e. a standard
/// deviation of 3.2 in `log ρ` — a factor 25 in density either way, wider than any start in
/// this project's systems — so that a start is shrunk towards 0 by at most
/// `1/(1 + σ0² n ρ)`: 0.05% at 200 walkers a bin, 0.5% with 20. A learned isotropic prior (the
/// closed-form maximiser, `σ0² ≈ E|X_0|²/nc ≈ 0.3` for the synthetic law's starts) shrank
/// them by 1.5% and 13% and biased the second-order coefficients by about 1σ (measured); the
/// vague prior of a prediction's start (`σ0² = 10⁴`) made the kernel law's chains diverge on a
/// heterogeneous medium (a likelihood of −6.6e17 after two sweeps, not understood yet).
fn start_prior_var() -> f64 {
    10.0
}

/// `q(v)` scaled to the draws: `⟨v⟩/S` weighs each of the `S` drawn copies of a transition.
fn per_draw(q_v: &QGamma, draws: f64) -> QGamma {
    QGamma {
        shape: q_v.shape.clone(),
        rate: q_v.rate.iter().map(|r| r * draws).collect(),
    }
}

impl Learner {
    /// Fits the model to trajectories: every coarse state latent (SPEC A.10). `observer` sees
    /// every sweep.
    pub fn fit_trajectories(
        &self,
        data: &TrajectoryData,
        observer: &mut dyn FnMut(&IterationInfo),
    ) -> Result<(Posterior, LatentTrajectories)> {
        let p = &self.params().0;
        let law = self.law();
        law.check(data.nc)?;
        let (n, nc, steps, l) = (data.n, data.nc, data.steps, law.len());
        let t1 = steps + 1;
        let linear = law.is_linear();
        let pr = p.priors;
        let half = chain_pairs(n, steps);
        let draws = (2 * half) as f64;
        let eps: Vec<Vec<f64>> = (0..n * half)
            .map(|k| {
                let mut rng = stream(p.seed, purpose::CHAIN, k as u64);
                (0..t1 * nc).map(|_| standard_normal(&mut rng)).collect()
            })
            .collect();
        let runs: Vec<RunData<'_>> = (0..n)
            .map(|i| RunData {
                counts: data.run(i),
                nf: &data.nf[i * t1..(i + 1) * t1],
            })
            .collect();
        let mut posts: Vec<RunPosterior> = runs
            .iter()
            .map(|r| RunPosterior::from_counts(r, nc))
            .collect();
        let prior_var = start_prior_var();

        let theta_start = if linear {
            vec![0.0; l]
        } else {
            let pairs: Vec<(Vec<f64>, Vec<f64>)> = posts
                .iter()
                .flat_map(|post| {
                    (0..steps).map(move |t| {
                        (
                            post.mean[t * nc..(t + 1) * nc].to_vec(),
                            post.mean[(t + 1) * nc..(t + 2) * nc].to_vec(),
                        )
                    })
                })
                .collect();
            fit_least_squares(law, &pairs, &vec![0.0; l], START_RIDGE, START_MAX_ITER)?.theta
        };
        let (mut inputs, mut targets) = draw_transitions(&posts, &eps, nc, half);
        let zeros = vec![0.0; targets.len()];
        let mut design = Design::from_inputs(law, &inputs, nc, &theta_start);
        let mut stats = design.latent_stats(&targets, &zeros);
        let mut theta_lin = theta_start;
        let mut q_tau = QGamma::with_means(pr.alpha0 + 0.5, &vec![1e-2; l]);
        let nv = if p.per_bin_noise { nc } else { 1 };
        let mut q_v = QGamma::with_means(pr.gamma0 + 0.5, &vec![1.0; nv]);
        let mut q_theta: Option<QTheta> = None;
        let mut trace = Vec::new();
        let mut last_parts = ElboParts::default();
        let mut last_marginal = None;
        let (mut settling, mut converged, mut iterations) = (Settling::default(), false, 0);
        let dy = data.domain.map_or(1.0, |d| d.bin_width(nc));
        let form = data.likelihood_form();
        let constant: f64 = (0..n)
            .flat_map(|i| (0..t1).map(move |t| (i, t)))
            .map(|(i, t)| row_constant(form, dy, data.nf_at(i, t), data.counts_at(i, t)))
            .sum();

        for it in 1..=p.max_iter {
            iterations = it;
            let prev_mean = q_theta.as_ref().map(|q| q.mean.clone());
            let prev_v = q_v.means();
            let tau_used = q_tau.means();
            let scaled = per_draw(&q_v, draws);
            let v_draw = scaled.means();
            let block = ThetaBlock {
                law,
                inputs: &inputs,
                nc,
                targets: &targets,
                target_std: &zeros,
                q_v: &scaled,
                priors: &pr,
                tol: p.tol,
            };
            let (mut qt, q_tau_new) =
                theta_step(&block, &mut design, &mut stats, &mut theta_lin, &tau_used)?;
            q_tau = q_tau_new;
            if !linear {
                // the last Gauss–Newton step (and the accelerated ARD step's) is undamped: keep
                // its move only as far as it raises the exact objective on the drawn transitions
                // (measured: without this a small hop's log-odds ran off to −600 on a system
                // with empty bins)
                damp_to_exact_ascent(
                    law,
                    &inputs,
                    nc,
                    &design,
                    &targets,
                    &v_draw,
                    &q_tau.means(),
                    &theta_lin,
                    &sd_of(&qt),
                    &mut qt.mean,
                );
            }
            let sq: Vec<f64> = expected_sq_residuals(&design, &stats, &qt)
                .iter()
                .map(|x| x / draws)
                .collect();
            q_v = coupled_noise_update(
                law,
                &design,
                &qt,
                &posts,
                &sq,
                &q_v,
                nc,
                &pr,
                p.per_bin_noise,
                draws,
            );

            let v_means = q_v.means();
            let v_bins: Vec<f64> = (0..nc).map(|j| v_of(&v_means, j)).collect();
            let model = ChainModel {
                law,
                theta: &qt.mean,
                v: &v_bins,
                prior_var,
            };
            posts
                .par_iter_mut()
                .zip(&runs)
                .try_for_each(|(post, run)| update_run(&model, run, nc, post))?;
            let marginal = marginal_theta_cov(&q_tau.means(), &model, &runs, &posts, nc)?;

            (inputs, targets) = draw_transitions(&posts, &eps, nc, half);
            design = Design::from_inputs(law, &inputs, nc, &qt.mean);
            stats = design.latent_stats(&targets, &zeros);
            theta_lin = qt.mean.clone();
            let sq: Vec<f64> = expected_sq_residuals(&design, &stats, &qt)
                .iter()
                .map(|x| x / draws)
                .collect();
            let mut parts = ElboParts {
                likelihood: constant,
                latent_prior: transition_term(&sq, n * steps, &q_v),
                ..Default::default()
            };
            for (post, run) in posts.iter().zip(&runs) {
                let r = run_terms(prior_var, run, nc, post);
                parts.likelihood += r.likelihood;
                parts.latent_prior += r.start_prior;
                parts.entropy_x += r.entropy;
            }
            add_parameter_terms(&mut parts, &qt, &q_tau, &q_v, &pr);
            let f = parts.total();
            if !f.is_finite() {
                return Err(Error::numerical(
                    "ELBO",
                    format!("non-finite value {f} at iteration {it}: {parts:?}"),
                ));
            }
            trace.push(f);
            last_parts = parts;
            let scale: Vec<f64> = (0..l).map(|k| marginal[(k, k)].sqrt()).collect();
            let moved = prev_mean
                .as_ref()
                .map_or(f64::INFINITY, |pm| max_move(&qt.mean, pm, &scale));
            last_marginal = Some(marginal);
            let v_move = log_move(&q_v.means(), &prev_v);
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
        let marginal = last_marginal.ok_or_else(|| Error::numerical("fit", "no iteration ran"))?;
        let walker_steps = data.walker_steps();
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
            nf: (walker_steps / (n * steps) as f64).round() as usize,
            n: n * steps,
            likelihood: form,
            data_fingerprint: data.fingerprint.clone(),
            params: p.clone(),
            trajectories: Some(TrainingRuns {
                runs: n,
                steps,
                start_prior_var: prior_var,
            }),
        }
        .posterior();
        let mut mean = Array3::<f64>::zeros((n, t1, nc));
        let mut std = Array3::<f64>::zeros((n, t1, nc));
        for (i, post) in posts.iter().enumerate() {
            for t in 0..t1 {
                for j in 0..nc {
                    mean[(i, t, j)] = post.mean[t * nc + j];
                    std[(i, t, j)] = post.var[t * nc + j].sqrt();
                }
            }
        }
        Ok((posterior, LatentTrajectories { mean, std }))
    }
}

/// The covariance of `θ` with the latent chains integrated out (Laplace at the means):
/// the inverse of `diag⟨τ⟩ + Σ_i (Σ_t G_tᵀ V G_t − H_θX Λ_i⁻¹ H_Xθ)`
/// ([`super::chain::theta_coupling`]). Mean-field
/// `Sθ` alone is several times too narrow when the inputs of the law are latent (measured on
/// the controlled path: 9×).
fn marginal_theta_cov(
    tau: &[f64],
    model: &ChainModel<'_>,
    runs: &[RunData<'_>],
    posts: &[RunPosterior],
    nc: usize,
) -> Result<Mat<f64>> {
    let l = tau.len();
    let parts: Vec<Vec<f64>> = posts
        .par_iter()
        .zip(runs)
        .map(|(post, run)| theta_coupling(model, run, nc, post))
        .collect::<Result<_>>()?;
    let fail = |what: &str| {
        Error::numerical(
            "marginal covariance of θ",
            format!("{what} is not positive definite"),
        )
    };
    let mut prec = Mat::<f64>::zeros(l, l);
    for k in 0..l {
        prec[(k, k)] = tau[k];
    }
    for part in &parts {
        for r in 0..l {
            for c in 0..l {
                prec[(r, c)] += part[r * l + c];
            }
        }
    }
    Ok(prec
        .llt(Side::Lower)
        .map_err(|_| fail("the Schur complement"))?
        .inverse())
}

/// The `q(v)` update coupled to the latent chains ([`solve_v`]): with `v` near the limit of a
/// (near-)deterministic law the plain alternation `q(v) ↔ q(X)` contracts at a rate close to 1,
/// because the residual variance under `q` is itself ≈ `1/(v + w)`. `w` is read off the
/// current fit (`Σ Var_q(r) = n/(v₀ + w)`, per bin or shared); the residual means
/// `r̄ = m_{t+1} − μ(m_t)` are held (the controlled path's model of their response,
/// `(w + v₀)/(w + v)`, made the chain's `v` jump between two values every other sweep, measured
/// on the synthetic law). At `v = v₀` the model reproduces the current expectations, so the
/// fixed point is the alternation's own.
fn coupled_noise_update(
    law: &dyn crate::law::CoarseLaw,
    design: &Design,
    qt: &QTheta,
    posts: &[RunPosterior],
    sq: &[f64],
    q_v: &QGamma,
    nc: usize,
    pr: &crate::inference::Priors,
    per_bin: bool,
    draws: f64,
) -> QGamma {
    let trace: Vec<f64> = trace_terms(design, qt).iter().map(|x| x / draws).collect();
    let resid_sq: Vec<f64> = posts
        .par_iter()
        .flat_map_iter(|post| {
            let t1 = post.mean.len() / nc;
            let mut out = Vec::with_capacity((t1 - 1) * nc);
            let mut mu = vec![0.0; nc];
            for t in 0..t1 - 1 {
                let mut x = post.mean[t * nc..(t + 1) * nc].to_vec();
                centre(&mut x);
                law.mean_into(&x, &qt.mean, &mut mu);
                out.extend((0..nc).map(|j| (post.mean[(t + 1) * nc + j] - mu[j]).powi(2)));
            }
            out
        })
        .collect();
    let rows = resid_sq.len() / nc;
    let mut r_bin = vec![0.0; nc];
    for (k, r) in resid_sq.iter().enumerate() {
        r_bin[k % nc] += r;
    }
    let var_bin: Vec<f64> = (0..nc)
        .map(|j| (sq[j] - trace[j] - r_bin[j]).max(1e-300))
        .collect();
    let v0 = q_v.means();
    let w: Vec<f64> = if per_bin {
        (0..nc)
            .map(|j| (rows as f64 / var_bin[j] - v0[j]).max(0.0))
            .collect()
    } else {
        let total: f64 = var_bin.iter().sum();
        vec![((rows * nc) as f64 / total - v0[0]).max(0.0); nc]
    };
    let w_rows: Vec<f64> = (0..rows * nc).map(|k| w[k % nc]).collect();
    solve_v(
        &trace, &resid_sq, &w_rows, rows, pr.gamma0, pr.zeta0, !per_bin, &v0, false,
    )
}
