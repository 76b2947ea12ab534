//! A plain (ridge-regularised) least-squares fit of any law family, by Levenberg–Marquardt:
//!
//! ```text
//! min_θ  Σ_i ‖X1_i − μ(X0_i; θ)‖² + λ ‖θ‖²
//! ```
//!
//! for pairs of centred coarse states `(X0_i, X1_i)`. This is the maximum-likelihood (or, with
//! `λ > 0`, MAP) version of the law under a shared Gaussian transition noise, without
//! uncertainty; the learner uses it to start a nonlinear law near its optimum before the
//! variational sweeps (a Gauss–Newton step from far away can overshoot).

use super::family::CoarseLaw;
use crate::error::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, MatRef, Par};

/// Pairs whose Jacobian rows one matrix product takes (about 5 MB at `nc = 24`, 56 terms).
const BLOCK_PAIRS: usize = 512;

/// A least-squares fit.
#[derive(Clone, Debug)]
pub struct LeastSquaresFit {
    /// The fitted coefficients.
    pub theta: Vec<f64>,
    /// Mean squared residual per bin.
    pub residual_var: f64,
    /// Levenberg–Marquardt iterations.
    pub iterations: usize,
    /// Whether the relative decrease of the cost fell below `1e-12` (or no step could lower
    /// it) before `max_iter`.
    pub converged: bool,
}

/// Fits `θ` from `theta0` (see the module docs); `ridge` is `λ`.
pub fn fit_least_squares(
    law: &dyn CoarseLaw,
    pairs: &[(Vec<f64>, Vec<f64>)],
    theta0: &[f64],
    ridge: f64,
    max_iter: usize,
) -> Result<LeastSquaresFit> {
    let p = law.len();
    if pairs.is_empty() {
        return Err(Error::param("pairs", 0, ">= 1"));
    }
    if theta0.len() != p {
        return Err(Error::param(
            "theta0",
            format!("{} values", theta0.len()),
            &format!("{p} (one per coefficient)"),
        ));
    }
    let nc = pairs[0].0.len();
    if pairs.iter().any(|(a, b)| a.len() != nc || b.len() != nc) {
        return Err(Error::param(
            "pairs",
            "mixed lengths",
            "every state of the same nc",
        ));
    }
    let mut mean = vec![0.0; nc];
    let cost = |theta: &[f64], mean: &mut [f64]| -> f64 {
        let data: f64 = pairs
            .iter()
            .map(|(x0, x1)| {
                law.mean_into(x0, theta, mean);
                mean.iter()
                    .zip(x1)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
            })
            .sum();
        data + ridge * theta.iter().map(|t| t * t).sum::<f64>()
    };
    let mut theta = theta0.to_vec();
    let mut c0 = cost(&theta, &mut mean);
    let mut lambda = 1e-3;
    let mut converged = false;
    let mut iterations = 0;
    // the Jacobian's rows and the residuals of a block of pairs: `JᵀJ` and `Jᵀr` as matrix
    // products, block by block (memory bounded by the block, not the data)
    let block = BLOCK_PAIRS.min(pairs.len());
    let mut jac = vec![0.0; block * nc * p];
    let mut res = vec![0.0; block * nc];
    for it in 1..=max_iter {
        iterations = it;
        let mut jtj = Mat::<f64>::zeros(p, p);
        let mut jtr = Mat::<f64>::zeros(p, 1);
        for chunk in pairs.chunks(block) {
            let rows = chunk.len() * nc;
            for (k, (x0, x1)) in chunk.iter().enumerate() {
                law.linearise_into(
                    x0,
                    &theta,
                    &mut mean,
                    &mut jac[k * nc * p..(k + 1) * nc * p],
                );
                for j in 0..nc {
                    res[k * nc + j] = x1[j] - mean[j];
                }
            }
            let jm = MatRef::from_row_major_slice(&jac[..rows * p], rows, p);
            let rm = MatRef::from_column_major_slice(&res[..rows], rows, 1);
            matmul(jtj.as_mut(), Accum::Add, jm.transpose(), jm, 1.0, Par::Seq);
            matmul(jtr.as_mut(), Accum::Add, jm.transpose(), rm, 1.0, Par::Seq);
        }
        for a in 0..p {
            jtr[(a, 0)] -= ridge * theta[a];
            jtj[(a, a)] += ridge;
            for b in 0..a {
                jtj[(b, a)] = jtj[(a, b)];
            }
        }
        let mut improved = false;
        for _ in 0..30 {
            let mut damped = jtj.clone();
            for a in 0..p {
                damped[(a, a)] += lambda * (jtj[(a, a)] + 1e-12);
            }
            let step = damped.full_piv_lu().solve(&jtr);
            let cand: Vec<f64> = (0..p).map(|a| theta[a] + step[(a, 0)]).collect();
            if cand.iter().any(|v| !v.is_finite()) {
                return Err(Error::numerical("least-squares fit", "the step diverged"));
            }
            let c1 = cost(&cand, &mut mean);
            if c1 <= c0 {
                let rel = (c0 - c1) / c0.max(f64::MIN_POSITIVE);
                theta = cand;
                c0 = c1;
                lambda = (lambda / 3.0).max(1e-12);
                improved = true;
                converged = rel < 1e-12;
                break;
            }
            lambda *= 4.0;
        }
        if !improved || converged {
            converged = true;
            break;
        }
    }
    if !c0.is_finite() {
        return Err(Error::numerical("least-squares fit", "non-finite cost"));
    }
    Ok(LeastSquaresFit {
        residual_var: c0 / (pairs.len() * nc) as f64,
        theta,
        iterations,
        converged,
    })
}
