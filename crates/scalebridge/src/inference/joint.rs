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
//! ascent step. Cost O(N·nc·L²) per step: two Gram products, done by faer's matrix multiply.

use super::design::Design;
use super::updates::v_of;
use crate::error::{Error, Result};
use crate::math::{log_sum_exp, softmax_into};
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};

/// The objective `E` above.
fn objective(
    d: &Design,
    counts: &[f64],
    nf: f64,
    mu: &[f64],
    s: &[f64],
    theta: &[f64],
    v: &[f64],
    tau: &[f64],
) -> f64 {
    let nc = d.nc;
    let a = d.predict(theta);
    let mut e = 0.0;
    let mut shifted = vec![0.0; nc];
    for i in 0..d.n {
        for j in 0..nc {
            let k = i * nc + j;
            shifted[j] = mu[k] + 0.5 * s[k] * s[k];
            let r = mu[k] - a[k];
            e += counts[k] * mu[k] - 0.5 * v_of(v, j) * r * r;
        }
        e -= nf * log_sum_exp(&shifted);
    }
    e - 0.5 * theta.iter().zip(tau).map(|(t, w)| w * t * t).sum::<f64>()
}

/// The pieces of the joint Newton system at the current point: the Schur complement `K`, the
/// reduced right-hand side, and what is needed to back-substitute the `Δμ_i`.
struct Schur {
    kmat: Mat<f64>,
    rhs: Vec<f64>,
    g_mu: Vec<f64>,
    dd: Vec<f64>,
    rho_all: Vec<f64>,
    coef: Vec<f64>,
}

fn schur(
    d: &Design,
    counts: &[f64],
    nf: f64,
    mu: &[f64],
    s: &[f64],
    theta: &[f64],
    v: &[f64],
    tau: &[f64],
) -> Schur {
    let (n, nc, l) = (d.n, d.nc, d.l);
    let a = d.predict(theta);
    let mut rho = vec![0.0; nc];
    let mut shifted = vec![0.0; nc];
    // per experiment: g_μ, D = nf ρ̃ + v, and the Sherman–Morrison pieces of A⁻¹
    let mut g_mu = vec![0.0; n * nc];
    let mut dd = vec![0.0; n * nc];
    let mut rho_all = vec![0.0; n * nc];
    let mut coef = vec![0.0; n];
    // column k = (i, j) holds √k_ij Φ_ij (column-major: each column contiguous)
    let mut weighted_t = Mat::<f64>::zeros(l, n * nc);
    let mut g_theta: Vec<f64> = theta.iter().zip(tau).map(|(t, w)| -w * t).collect();
    for i in 0..n {
        for j in 0..nc {
            let k = i * nc + j;
            shifted[j] = mu[k] + 0.5 * s[k] * s[k];
        }
        softmax_into(&shifted, &mut rho);
        let mut wdw = 0.0;
        for j in 0..nc {
            let k = i * nc + j;
            let vj = v_of(v, j);
            let r = mu[k] - a[k];
            g_mu[k] = counts[k] - nf * rho[j] - vj * r;
            dd[k] = nf * rho[j] + vj;
            rho_all[k] = rho[j];
            wdw += rho[j] * vj / dd[k];
            let kij = vj * nf * rho[j] / dd[k];
            let sq = kij.sqrt();
            for (c, phi) in d.row(i, j).iter().enumerate() {
                weighted_t[(c, k)] = sq * phi;
                g_theta[c] += vj * r * phi;
            }
        }
        // 1 − nf ρ̃ᵀD⁻¹ρ̃ = Σ_j ρ̃_j v_j/D_j (Σ ρ̃ = 1), without cancellation
        coef[i] = nf / wdw.max(1e-300);
    }
    // K = Σ k_ij ΦΦᵀ − Σ_i c_i u_i u_iᵀ + diag τ ;  u_i = Φ_iᵀ V D_i⁻¹ ρ̃_i: both sums as
    // matrix products (rows √k_ij Φ_ij, and rows √c_i u_i), O(N·nc·L²) in the gemm kernel
    // rhs = g_θ + Σ_i Φ_iᵀ V A_i⁻¹ g_μi
    let mut rhs = g_theta.clone();
    let mut scaled_u_t = Mat::<f64>::zeros(l, n);
    let mut u = vec![0.0; l];
    for i in 0..n {
        let r = i * nc..(i + 1) * nc;
        let wdg: f64 = r.clone().map(|k| rho_all[k] * g_mu[k] / dd[k]).sum();
        u.fill(0.0);
        for j in 0..nc {
            let k = i * nc + j;
            let vj = v_of(v, j);
            // (A⁻¹ g)_j = g_j/D_j + c ρ̃_j/D_j (ρ̃ᵀD⁻¹g)
            let ag = g_mu[k] / dd[k] + coef[i] * rho_all[k] / dd[k] * wdg;
            let (wa, wu) = (vj * ag, vj * rho_all[k] / dd[k]);
            for ((rc, uc), phi) in rhs.iter_mut().zip(u.iter_mut()).zip(d.row(i, j)) {
                *rc += wa * phi;
                *uc += wu * phi;
            }
        }
        let sc = coef[i].sqrt();
        for (c, uc) in u.iter().enumerate() {
            scaled_u_t[(c, i)] = sc * uc;
        }
    }
    let mut kmat = &weighted_t * weighted_t.transpose();
    kmat -= &scaled_u_t * scaled_u_t.transpose();
    for c in 0..l {
        kmat[(c, c)] += tau[c];
    }
    Schur {
        kmat,
        rhs,
        g_mu,
        dd,
        rho_all,
        coef,
    }
}

/// One joint Newton step with backtracking. Updates `theta` and `mu` in place when the
/// objective increases. Returns the marginal variances of `θ` at the point the step started
/// from (the diagonal of the inverse Schur complement, as [`marginal_theta_cov`]): the scale
/// the learner's convergence rule measures moves in.
pub fn joint_newton_step(
    d: &Design,
    counts: &[f64],
    nf: f64,
    mu: &mut [f64],
    s: &[f64],
    theta: &mut [f64],
    v: &[f64],
    tau: &[f64],
) -> Result<Vec<f64>> {
    let (n, nc, l) = (d.n, d.nc, d.l);
    let Schur {
        kmat,
        rhs,
        g_mu,
        dd,
        rho_all,
        coef,
    } = schur(d, counts, nf, mu, s, theta, v, tau);
    let llt = kmat.llt(Side::Lower).map_err(|e| {
        Error::numerical(
            "joint Newton step",
            format!("Schur complement not positive definite ({e:?})"),
        )
    })?;
    let inverse = faer::linalg::solvers::DenseSolveCore::inverse(&llt);
    let marginal_var: Vec<f64> = (0..l).map(|k| inverse[(k, k)]).collect();
    let rhs_m = Mat::from_fn(l, 1, |r, _| rhs[r]);
    let sol = llt.solve(&rhs_m);
    let dtheta: Vec<f64> = (0..l).map(|r| sol[(r, 0)]).collect();
    if dtheta.iter().any(|x| !x.is_finite()) {
        return Ok(marginal_var);
    }
    // Δμ_i = A_i⁻¹ (g_μi + V Φ_i Δθ)
    let a_d = d.apply(&dtheta);
    let mut dmu = vec![0.0; n * nc];
    for i in 0..n {
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
            dmu[k] = h[j] / dd[k] + coef[i] * rho_all[k] / dd[k] * wdh;
        }
    }
    let e0 = objective(d, counts, nf, mu, s, theta, v, tau);
    let mut t = 1.0;
    for _ in 0..30 {
        let th: Vec<f64> = theta.iter().zip(&dtheta).map(|(a, b)| a + t * b).collect();
        let m: Vec<f64> = mu.iter().zip(&dmu).map(|(a, b)| a + t * b).collect();
        let e1 = objective(d, counts, nf, &m, s, &th, v, tau);
        if e1 > e0 {
            theta.copy_from_slice(&th);
            mu.copy_from_slice(&m);
            return Ok(marginal_var);
        }
        t *= 0.5;
    }
    Ok(marginal_var)
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
    let k = schur(d, counts, nf, mu, s, theta, v, tau).kmat;
    let llt = k.llt(Side::Lower).map_err(|e| {
        Error::numerical(
            "marginal covariance of θ",
            format!("not positive definite ({e:?})"),
        )
    })?;
    Ok(faer::linalg::solvers::DenseSolveCore::inverse(&llt))
}
