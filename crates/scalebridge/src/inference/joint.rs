//! A joint Newton step on the coefficient mean `μθ` and all latent means `μ_i` at once (fast
//! path only).
//!
//! Coordinate ascent between `q(θ)` and `q(X)` converges at the rate of the "missing
//! information", `⟨v⟩/(⟨v⟩ + nf ρ)`: close to 1 when the coarse law is nearly deterministic
//! (the synthetic system: `⟨v⟩ ~ 10⁴` against `nf ρ ~ 200`), which costs thousands of sweeps.
//! With the widths `s` and all other factors fixed, the ELBO is jointly concave in
//! `(μθ, μ_1..μ_N)`:
//!
//! ```text
//! E = Σ_i [m_iᵀμ_i − nf ln Σ_j e^{μ_ij + s_ij²/2} − ½ Σ_j v_j (μ_ij − Φ_ijᵀμθ)²] − ½ Σ_l τ_l μθ_l²
//! ```
//!
//! so a Newton step on all of them is a legitimate ascent step with the same fixed points as the
//! coordinate updates. Eliminating the `μ_i` (each block `A_i = nf(diag ρ̃_i − ρ̃_iρ̃_iᵀ) + diag v`
//! is diagonal plus rank one) leaves an `L × L` system with the Schur complement
//!
//! ```text
//! K = Σ_ij [v_j nf ρ̃_ij/(nf ρ̃_ij + v_j)] Φ_ij Φ_ijᵀ − Σ_i c_i u_i u_iᵀ + diag τ
//! ```
//!
//! which is well conditioned whatever `⟨v⟩` is. A backtracking line search keeps every step an
//! ascent step. Cost O(N·nc·L²) per step: two Gram products, done by faer's matrix multiply
//! (lower triangle only) over fixed blocks of experiments ([`super::design::Blocks`]) in parallel.

use super::design::{Design, gemv_rows_transposed};
use super::updates::v_of;
use crate::error::{Error, Result};
use crate::math::{log_sum_exp, softmax_into};
use faer::linalg::matmul::triangular::{BlockStructure, matmul as tri_matmul};
use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, MatRef, Par, Side};
use rayon::prelude::*;

/// The objective `E` above, with `a` the law's mean at `theta` ([`Design::predict`]): the
/// experiments' terms computed in parallel and added in index order.
fn objective(
    d: &Design,
    counts: &[f64],
    nf: f64,
    mu: &[f64],
    s: &[f64],
    a: &[f64],
    theta: &[f64],
    v: &[f64],
    tau: &[f64],
) -> f64 {
    let nc = d.nc;
    let terms: Vec<f64> = (0..d.n)
        .into_par_iter()
        .map(|i| {
            let mut shifted = vec![0.0; nc];
            let mut e = 0.0;
            for j in 0..nc {
                let k = i * nc + j;
                shifted[j] = mu[k] + 0.5 * s[k] * s[k];
                let r = mu[k] - a[k];
                e += counts[k] * mu[k] - 0.5 * v_of(v, j) * r * r;
            }
            e - nf * log_sum_exp(&shifted)
        })
        .collect();
    terms.iter().sum::<f64>() - 0.5 * theta.iter().zip(tau).map(|(t, w)| w * t * t).sum::<f64>()
}

/// The local pieces of the joint Newton system at the current point (O(N·nc) to compute, one
/// pass over `Φ` for the right-hand side): what is needed to back-substitute the `Δμ_i`, the
/// weights that enter the Schur complement, and the reduced right-hand side.
struct Local {
    rhs: Vec<f64>,
    g_mu: Vec<f64>,
    dd: Vec<f64>,
    rho_all: Vec<f64>,
    /// `k_ij = v_j nf ρ̃_ij/(nf ρ̃_ij + v_j)`.
    kw: Vec<f64>,
    /// `c_i = nf/(1 − nf ρ̃_iᵀD_i⁻¹ρ̃_i)`.
    coef: Vec<f64>,
}

/// One block of experiments' share of [`Local`] (`rhs` without the prior's part).
fn local_block(
    d: &Design,
    range: std::ops::Range<usize>,
    counts: &[f64],
    nf: f64,
    mu: &[f64],
    s: &[f64],
    a: &[f64],
    v: &[f64],
) -> Local {
    let (nc, l) = (d.nc, d.l);
    let nb = range.len();
    let rows = nb * nc;
    let k0 = range.start * nc;
    let mut rho = vec![0.0; nc];
    let mut shifted = vec![0.0; nc];
    let mut out = Local {
        rhs: vec![0.0; l],
        g_mu: vec![0.0; rows],
        dd: vec![0.0; rows],
        rho_all: vec![0.0; rows],
        kw: vec![0.0; rows],
        coef: vec![0.0; nb],
    };
    // the weights of the data gradient, v_j (r + (A⁻¹g)_j)
    let mut w_rhs = vec![0.0; rows];
    for b in 0..nb {
        let o = b * nc;
        for j in 0..nc {
            shifted[j] = mu[k0 + o + j] + 0.5 * s[k0 + o + j] * s[k0 + o + j];
        }
        softmax_into(&shifted, &mut rho);
        let mut wdw = 0.0;
        for j in 0..nc {
            let (k, kk) = (o + j, k0 + o + j);
            let vj = v_of(v, j);
            let r = mu[kk] - a[kk];
            out.g_mu[k] = counts[kk] - nf * rho[j] - vj * r;
            out.dd[k] = nf * rho[j] + vj;
            out.rho_all[k] = rho[j];
            wdw += rho[j] * vj / out.dd[k];
            out.kw[k] = vj * nf * rho[j] / out.dd[k];
            w_rhs[k] = vj * r;
        }
        // 1 − nf ρ̃ᵀD⁻¹ρ̃ = Σ_j ρ̃_j v_j/D_j (Σ ρ̃ = 1), without cancellation
        let c = nf / wdw.max(1e-300);
        out.coef[b] = c;
        let wdg: f64 = (o..o + nc)
            .map(|k| out.rho_all[k] * out.g_mu[k] / out.dd[k])
            .sum();
        for k in o..o + nc {
            // (A⁻¹ g)_j = g_j/D_j + c ρ̃_j/D_j (ρ̃ᵀD⁻¹g)
            let ag = out.g_mu[k] / out.dd[k] + c * out.rho_all[k] / out.dd[k] * wdg;
            w_rhs[k] += v_of(v, k - o) * ag;
        }
    }
    gemv_rows_transposed(d.rows(range), &w_rhs, &mut out.rhs);
    out
}

/// One block's share of the Schur complement, lower triangle:
/// `Σ k_ij Φ_ij Φ_ijᵀ − Σ_i c_i u_i u_iᵀ`, `u_i = Φ_iᵀ V D_i⁻¹ ρ̃_i`, both sums as matrix
/// products (columns `√k_ij Φ_ij`, and `√c_i u_i`).
fn gram_block(d: &Design, range: std::ops::Range<usize>, loc: &Local, v: &[f64]) -> Mat<f64> {
    let (nc, l) = (d.nc, d.l);
    let nb = range.len();
    let rows = nb * nc;
    let k0 = range.start * nc;
    let phi = d.rows(range.clone());
    // column k holds √k_ij Φ_ij (column-major L × rows: a scaled copy of the rows of Φ)
    let mut weighted = phi.to_vec();
    let mut scaled_u = vec![0.0; l * nb];
    for b in 0..nb {
        let sc = loc.coef[range.start + b].sqrt();
        let u = &mut scaled_u[b * l..(b + 1) * l];
        for j in 0..nc {
            let k = b * nc + j;
            let kk = k0 + k;
            let sq = loc.kw[kk].sqrt();
            let wu = sc * v_of(v, j) * loc.rho_all[kk] / loc.dd[kk];
            let row = &phi[k * l..(k + 1) * l];
            for ((x, uc), p) in weighted[k * l..(k + 1) * l]
                .iter_mut()
                .zip(u.iter_mut())
                .zip(row)
            {
                *x *= sq;
                *uc += wu * p;
            }
        }
    }
    let mut kmat = Mat::<f64>::zeros(l, l);
    let wm = MatRef::from_column_major_slice(&weighted, l, rows);
    let um = MatRef::from_column_major_slice(&scaled_u, l, nb);
    let (rect, lower) = (BlockStructure::Rectangular, BlockStructure::TriangularLower);
    tri_matmul(
        kmat.as_mut(),
        lower,
        Accum::Replace,
        wm,
        rect,
        wm.transpose(),
        rect,
        1.0,
        Par::Seq,
    );
    tri_matmul(
        kmat.as_mut(),
        lower,
        Accum::Add,
        um,
        rect,
        um.transpose(),
        rect,
        -1.0,
        Par::Seq,
    );
    kmat
}

/// The local pieces at `(μθ = theta, μ)`, `a` the law's mean at `theta`: blocks of
/// experiments in parallel, their sums added in block order.
fn local(
    d: &Design,
    counts: &[f64],
    nf: f64,
    mu: &[f64],
    s: &[f64],
    a: &[f64],
    theta: &[f64],
    v: &[f64],
    tau: &[f64],
) -> Local {
    let (n, nc) = (d.n, d.nc);
    let parts: Vec<Local> = d
        .blocks
        .ranges()
        .into_par_iter()
        .map(|r| local_block(d, r, counts, nf, mu, s, a, v))
        .collect();
    let mut out = Local {
        rhs: theta.iter().zip(tau).map(|(t, w)| -w * t).collect(),
        g_mu: Vec::with_capacity(n * nc),
        dd: Vec::with_capacity(n * nc),
        rho_all: Vec::with_capacity(n * nc),
        kw: Vec::with_capacity(n * nc),
        coef: Vec::with_capacity(n),
    };
    for p in parts {
        for (r, x) in out.rhs.iter_mut().zip(&p.rhs) {
            *r += x;
        }
        out.g_mu.extend(p.g_mu);
        out.dd.extend(p.dd);
        out.rho_all.extend(p.rho_all);
        out.kw.extend(p.kw);
        out.coef.extend(p.coef);
    }
    out
}

/// The data part of the Schur complement `K` (without `diag τ`) for the local pieces `loc`:
/// blocks in parallel, added in block order.
fn schur_data(d: &Design, loc: &Local, v: &[f64]) -> Mat<f64> {
    let l = d.l;
    let parts: Vec<Mat<f64>> = d
        .blocks
        .ranges()
        .into_par_iter()
        .map(|r| gram_block(d, r, loc, v))
        .collect();
    let mut kmat = Mat::<f64>::zeros(l, l);
    for p in &parts {
        kmat += p;
    }
    for c in 0..l {
        for r in 0..c {
            kmat[(r, c)] = kmat[(c, r)];
        }
    }
    kmat
}

/// `K = data + diag τ`, factorised.
fn factorise(data: &Mat<f64>, tau: &[f64], what: &str) -> Result<faer::linalg::solvers::Llt<f64>> {
    let mut k = data.clone();
    for (c, t) in tau.iter().enumerate() {
        k[(c, c)] += t;
    }
    k.llt(Side::Lower).map_err(|e| {
        Error::numerical(
            what,
            format!("Schur complement not positive definite ({e:?})"),
        )
    })
}

/// Relative change of the Schur weights (`k_ij`, `c_i`) below which a joint step reuses the
/// data part of the Schur complement of an earlier step (`diag τ` is always the current one).
const REUSE_CHANGE: f64 = 0.05;

/// The data part of a Schur complement (O(N·nc·L²) to assemble), the design it was assembled
/// from and the weights it was assembled with: reused only for the same design
/// ([`Design::id`]; a re-linearised law has a new Jacobian). A Newton step with this matrix after the weights have moved by a relative
/// `δ` is still an ascent direction (the matrix is positive definite, and the line search
/// checks the objective); it contracts at a rate of about `δ` instead of quadratically, which
/// the learner's other slow modes dominate.
#[derive(Debug)]
pub struct SchurFactor {
    design: u64,
    data: Mat<f64>,
    kw: Vec<f64>,
    coef: Vec<f64>,
}

/// The largest relative difference between `a` and `b`.
fn max_rel_change(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / x.abs().max(y.abs()).max(1e-300))
        .fold(0.0, f64::max)
}

/// What a joint Newton step returns.
#[derive(Clone, Debug)]
pub struct JointStep {
    /// The marginal variances of `θ` at the point the step started from (the diagonal of the
    /// inverse Schur complement, as [`marginal_theta_cov`]): the scale the learner's
    /// convergence rule measures moves in.
    pub marginal_var: Vec<f64>,
    /// The law's (linearised) mean at the new `θ`, row-major `(N, nc)`.
    pub mean: Vec<f64>,
}

/// One joint Newton step with backtracking, from `theta` whose law mean is `a0`
/// ([`Design::predict`]). Updates `theta` and `mu` in place when the objective increases.
pub fn joint_newton_step(
    d: &Design,
    counts: &[f64],
    nf: f64,
    mu: &mut [f64],
    s: &[f64],
    theta: &mut [f64],
    a0: &[f64],
    v: &[f64],
    tau: &[f64],
    factor: &mut Option<SchurFactor>,
) -> Result<JointStep> {
    let (n, nc, l) = (d.n, d.nc, d.l);
    let loc = local(d, counts, nf, mu, s, a0, theta, v, tau);
    let reuse = factor.as_ref().is_some_and(|f| {
        f.design == d.id
            && max_rel_change(&f.kw, &loc.kw) < REUSE_CHANGE
            && max_rel_change(&f.coef, &loc.coef) < REUSE_CHANGE
    });
    let f = match factor {
        Some(f) if reuse => f,
        _ => factor.insert(SchurFactor {
            design: d.id,
            data: schur_data(d, &loc, v),
            kw: loc.kw.clone(),
            coef: loc.coef.clone(),
        }),
    };
    let llt = factorise(&f.data, tau, "joint Newton step")?;
    let inverse = faer::linalg::solvers::DenseSolveCore::inverse(&llt);
    let marginal_var: Vec<f64> = (0..l).map(|k| inverse[(k, k)]).collect();
    let rhs_m = Mat::from_fn(l, 1, |r, _| loc.rhs[r]);
    let sol = llt.solve(&rhs_m);
    let dtheta: Vec<f64> = (0..l).map(|r| sol[(r, 0)]).collect();
    let unchanged = |marginal_var| {
        Ok(JointStep {
            marginal_var,
            mean: a0.to_vec(),
        })
    };
    if dtheta.iter().any(|x| !x.is_finite()) {
        return unchanged(marginal_var);
    }
    // Δμ_i = A_i⁻¹ (g_μi + V Φ_i Δθ)
    let a_d = d.apply(&dtheta);
    let Local {
        g_mu,
        dd,
        rho_all,
        coef,
        ..
    } = loc;
    let mut dmu = vec![0.0; n * nc];
    dmu.par_chunks_mut(nc).enumerate().for_each(|(i, out)| {
        let r = i * nc..(i + 1) * nc;
        let h: Vec<f64> = r
            .clone()
            .map(|k| g_mu[k] + v_of(v, k - i * nc) * a_d[k])
            .collect();
        let wdh: f64 = r
            .clone()
            .enumerate()
            .map(|(j, k)| rho_all[k] * h[j] / dd[k])
            .sum();
        for (j, k) in r.enumerate() {
            out[j] = h[j] / dd[k] + coef[i] * rho_all[k] / dd[k] * wdh;
        }
    });
    // along the step the law's mean moves linearly: a0 + t Φ Δθ
    let e0 = objective(d, counts, nf, mu, s, a0, theta, v, tau);
    let mut t = 1.0;
    for _ in 0..30 {
        let th: Vec<f64> = theta.iter().zip(&dtheta).map(|(a, b)| a + t * b).collect();
        let m: Vec<f64> = mu.iter().zip(&dmu).map(|(a, b)| a + t * b).collect();
        let at: Vec<f64> = a0.iter().zip(&a_d).map(|(a, b)| a + t * b).collect();
        let e1 = objective(d, counts, nf, &m, s, &at, &th, v, tau);
        if e1 > e0 {
            theta.copy_from_slice(&th);
            mu.copy_from_slice(&m);
            return Ok(JointStep {
                marginal_var,
                mean: at,
            });
        }
        t *= 0.5;
    }
    // no ascent along a step from a reused factor: the next step assembles a fresh one
    if reuse {
        *factor = None;
    }
    unchanged(marginal_var)
}

/// The covariance of `θ` with the latent states integrated out under the Laplace approximation
/// of the Jensen-bound likelihood at the current point: `K⁻¹`, the inverse Schur complement.
///
/// Mean-field VB treats the latent means as data of precision `⟨v⟩` and so reports
/// `Sθ = (Σ_j ⟨v_j⟩ G_j + diag⟨τ⟩)⁻¹`; but each latent state is only known to
/// `1/(⟨v⟩ + nf ρ)`, and the effective precision of a data point for `θ` is
/// `⟨v⟩ nf ρ/(⟨v⟩ + nf ρ)` — far smaller when `⟨v⟩ ≫ nf ρ` (nearly deterministic laws). `K⁻¹`
/// accounts for that: it is the posterior covariance of `θ` one would get without the
/// mean-field factorisation between `θ` and the latent states.
pub fn marginal_theta_cov(
    d: &Design,
    counts: &[f64],
    nf: f64,
    mu: &[f64],
    s: &[f64],
    theta: &[f64],
    v: &[f64],
    tau: &[f64],
) -> Result<Mat<f64>> {
    let a = d.predict(theta);
    let loc = local(d, counts, nf, mu, s, &a, theta, v, tau);
    let llt = factorise(&schur_data(d, &loc, v), tau, "marginal covariance of θ")?;
    Ok(faer::linalg::solvers::DenseSolveCore::inverse(&llt))
}
