//! Closed-form coordinate updates of `q(θ)`, `q(τ)` and `q(v)` (SPEC A.6), for the
//! (linearised) design `μ_ij ≈ c_ij + Φ_ijᵀθ` of [`super::design`] (the formulas below with
//! `μ_ij − c_ij` in place of `μ_ij`; `c = 0` for a linear law):
//!
//! ```text
//! Sθ⁻¹ = Σ_j ⟨v_j⟩ G_j + diag⟨τ⟩            μθ = Sθ Σ_j ⟨v_j⟩ Σ_i Φ_i^(j) μ_{i,j}
//! α_l  = α0 + ½                              β_l = β0 + (μθ_l² + Sθ_ll)/2
//! γ_j  = γ0 + N/2                            ζ_j = ζ0 + ½ Σ_i [(μ_ij − μθᵀΦ_i^(j))² + s_ij² + Φ_i^(j)ᵀ Sθ Φ_i^(j)]
//! ```
//!
//! (shared `v`: `γ = γ0 + N·nc/2`, `ζ` sums over bins too). `Σ_i Φᵀ Sθ Φ = tr(Sθ G_j)`.

use super::design::Design;
use crate::error::{Error, Result};
use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

/// `q(θ) = Normal(mean, cov)`.
#[derive(Clone, Debug)]
pub struct QTheta {
    /// `μθ`.
    pub mean: Vec<f64>,
    /// `Sθ`.
    pub cov: Mat<f64>,
    /// `ln |Sθ|`.
    pub logdet_cov: f64,
}

impl QTheta {
    /// `q(θ)` from a mean and a covariance (as stored in `posterior.json`); checks that the
    /// covariance is positive definite.
    pub fn from_mean_cov(mean: Vec<f64>, cov: &[Vec<f64>]) -> Result<Self> {
        let l = mean.len();
        let cov = Mat::from_fn(l, l, |r, c| cov[r][c]);
        let llt = cov.llt(Side::Lower).map_err(|e| {
            Error::numerical("q(θ)", format!("covariance not positive definite ({e:?})"))
        })?;
        let lower = llt.L();
        let logdet_cov = (0..l).map(|k| 2.0 * lower[(k, k)].ln()).sum();
        Ok(QTheta {
            mean,
            cov,
            logdet_cov,
        })
    }
}

/// Independent Gamma factors `q(x_k) = Gamma(shape_k, rate_k)`.
#[derive(Clone, Debug, PartialEq)]
pub struct QGamma {
    /// Shapes.
    pub shape: Vec<f64>,
    /// Rates.
    pub rate: Vec<f64>,
}

impl QGamma {
    /// Factors with the given means and shapes.
    pub fn with_means(shape: f64, means: &[f64]) -> Self {
        QGamma {
            shape: vec![shape; means.len()],
            rate: means.iter().map(|m| shape / m).collect(),
        }
    }

    /// `⟨x_k⟩ = shape/rate`.
    pub fn means(&self) -> Vec<f64> {
        self.shape
            .iter()
            .zip(&self.rate)
            .map(|(a, b)| a / b)
            .collect()
    }

    /// `E[ln x_k] = ψ(shape) − ln rate`.
    pub fn log_means(&self) -> Vec<f64> {
        self.shape
            .iter()
            .zip(&self.rate)
            .map(|(a, b)| statrs::function::gamma::digamma(*a) - b.ln())
            .collect()
    }
}

/// `tr(A B)` for symmetric `B`.
fn trace_prod(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let n = a.nrows();
    let mut t = 0.0;
    for i in 0..n {
        for k in 0..n {
            t += a[(i, k)] * b[(k, i)];
        }
    }
    t
}

/// `⟨v_j⟩` for bin `j` (shared noise: one value for all bins).
#[inline]
pub fn v_of(v: &[f64], j: usize) -> f64 {
    if v.len() == 1 { v[0] } else { v[j] }
}

/// Update of `q(θ)` given the latent means, `⟨v⟩` and `⟨τ⟩`.
pub fn update_theta(d: &Design, latent_mean: &[f64], v: &[f64], tau: &[f64]) -> Result<QTheta> {
    let l = d.l;
    let mut p = if v.len() == 1 {
        &d.gram * faer::Scale(v[0])
    } else {
        let mut p = Mat::<f64>::zeros(l, l);
        for (j, g) in d.gram_bin.iter().enumerate() {
            p += g * faer::Scale(v[j]);
        }
        p
    };
    for k in 0..l {
        p[(k, k)] += tau[k];
    }
    let mut b = Mat::<f64>::zeros(l, 1);
    for i in 0..d.n {
        for j in 0..d.nc {
            let k = i * d.nc + j;
            let w = v_of(v, j) * (latent_mean[k] - d.offset[k]);
            for (k, phi) in d.row(i, j).iter().enumerate() {
                b[(k, 0)] += w * phi;
            }
        }
    }
    let llt = p.llt(Side::Lower).map_err(|e| {
        Error::numerical(
            "q(θ) update",
            format!("the posterior precision of θ is not positive definite ({e:?})"),
        )
    })?;
    let lower = llt.L();
    let logdet_prec: f64 = (0..l).map(|k| 2.0 * lower[(k, k)].ln()).sum();
    let cov = llt.inverse();
    let mean: Vec<f64> = (0..l)
        .map(|r| (0..l).map(|c| cov[(r, c)] * b[(c, 0)]).sum())
        .collect();
    if mean.iter().any(|m| !m.is_finite()) || !logdet_prec.is_finite() {
        return Err(Error::numerical(
            "q(θ) update",
            "non-finite posterior mean or covariance",
        ));
    }
    Ok(QTheta {
        mean,
        cov,
        logdet_cov: -logdet_prec,
    })
}

/// Update of `q(τ)`: `α_l = α0 + ½`, `β_l = β0 + (μθ_l² + Sθ_ll)/2`.
pub fn update_tau(q: &QTheta, alpha0: f64, beta0: f64) -> QGamma {
    let l = q.mean.len();
    QGamma {
        shape: vec![alpha0 + 0.5; l],
        rate: (0..l)
            .map(|k| beta0 + 0.5 * (q.mean[k] * q.mean[k] + q.cov[(k, k)]))
            .collect(),
    }
}

/// Expected squared residuals per bin, `Σ_i E[(X_ij − θᵀΦ_ij)²]`
/// `= Σ_i [(μ_ij − μθᵀΦ_ij)² + s_ij²] + tr(Sθ G_j)`.
pub fn expected_sq_residuals(
    d: &Design,
    latent_mean: &[f64],
    latent_std: &[f64],
    q: &QTheta,
) -> Vec<f64> {
    let a = d.predict(&q.mean);
    let mut per_bin = vec![0.0; d.nc];
    for i in 0..d.n {
        for j in 0..d.nc {
            let k = i * d.nc + j;
            let r = latent_mean[k] - a[k];
            per_bin[j] += r * r + latent_std[k] * latent_std[k];
        }
    }
    for (j, g) in d.gram_bin.iter().enumerate() {
        per_bin[j] += trace_prod(&q.cov, g);
    }
    per_bin
}

/// Update of `q(v)`, shared (`shared = true`: one factor) or per bin.
pub fn update_v(sq_residuals: &[f64], n: usize, gamma0: f64, zeta0: f64, shared: bool) -> QGamma {
    if shared {
        let nc = sq_residuals.len();
        QGamma {
            shape: vec![gamma0 + 0.5 * (n * nc) as f64],
            rate: vec![zeta0 + 0.5 * sq_residuals.iter().sum::<f64>()],
        }
    } else {
        QGamma {
            shape: vec![gamma0 + 0.5 * n as f64; sq_residuals.len()],
            rate: sq_residuals.iter().map(|r| zeta0 + 0.5 * r).collect(),
        }
    }
}

/// Joint update of `q(v)` and the latent widths it is coupled to.
///
/// In the (near-)deterministic case the plain alternation `q(v) ↔ q(X)` converges very slowly:
/// `⟨v⟩` sets `s_ij² = 1/(⟨v_j⟩ + nf ρ̃_ij)`, which feeds back into `ζ_j` at a contraction rate
/// close to 1. With the tilted probabilities `ρ̃` held at their current values, the limit of
/// that alternation is the fixed point of the scalar map
///
/// ```text
/// v ↦ F(v) = γ / (ζ0 + ½ [C_j + Σ_i 1/(v + nf ρ̃_ij)]),   C_j = Σ_i (μ_ij − μθᵀΦ_ij)² + tr(Sθ G_j)
/// ```
///
/// (summed over bins for a shared `v`). `F` is increasing, so the alternation moves
/// monotonically towards the nearest fixed point in the direction of `F(v) − v`; this function
/// brackets it (geometric steps) and bisects in `ln v`, then returns `q(v)` at that point. The
/// latent update that follows re-optimises `s` exactly.
pub fn solve_v(
    fixed_sq: &[f64],
    nf_rho: &[f64],
    n: usize,
    gamma0: f64,
    zeta0: f64,
    shared: bool,
    current: &[f64],
) -> QGamma {
    let nc = fixed_sq.len();
    let groups: Vec<Vec<usize>> = if shared {
        vec![(0..nc).collect()]
    } else {
        (0..nc).map(|j| vec![j]).collect()
    };
    let mut shape = Vec::with_capacity(groups.len());
    let mut rate = Vec::with_capacity(groups.len());
    for (g, bins) in groups.iter().enumerate() {
        let gamma = gamma0 + 0.5 * (n * bins.len()) as f64;
        let c: f64 = bins.iter().map(|&j| fixed_sq[j]).sum();
        let zeta = |v: f64| {
            let s2: f64 = bins
                .iter()
                .map(|&j| (0..n).map(|i| 1.0 / (v + nf_rho[i * nc + j])).sum::<f64>())
                .sum();
            zeta0 + 0.5 * (c + s2)
        };
        let v = monotone_fixed_point(|v| gamma / zeta(v), current[g]);
        shape.push(gamma);
        rate.push(zeta(v));
    }
    QGamma { shape, rate }
}

/// The fixed point that iterating an increasing map `f` on `(0, ∞)` from `x0` converges to:
/// brackets it with geometric steps in the direction of `f(x0) − x0`, then bisects in `ln x`
/// (60 halvings: relative accuracy ~1e-15 of the bracket). Falls back to `f(x0)` (one plain
/// iteration) when no bracket is found within a factor 4²⁰⁰.
pub fn monotone_fixed_point(f: impl Fn(f64) -> f64, x0: f64) -> f64 {
    let phi = |x: f64| f(x) - x;
    let up = phi(x0) >= 0.0;
    let (mut lo, mut hi) = (x0, x0);
    let mut bracketed = false;
    for _ in 0..200 {
        if up {
            lo = hi;
            hi *= 4.0;
            if phi(hi) < 0.0 {
                bracketed = true;
                break;
            }
        } else {
            hi = lo;
            lo /= 4.0;
            if phi(lo) >= 0.0 {
                bracketed = true;
                break;
            }
        }
    }
    if !bracketed {
        return f(x0);
    }
    for _ in 0..60 {
        let mid = (lo * hi).sqrt();
        if phi(mid) >= 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo * hi).sqrt()
}

/// Accelerated ARD precisions: for each term, the limit of alternating the `q(θ_l)` and
/// `q(τ_l)` updates with the rest of `q(θ)` held fixed.
///
/// Holding the other terms fixed, the data enter term `l` only through its "leave-out"
/// precision `s_l = 1/Sθ_ll − τ_l` and precision-weighted mean `q_l = μθ_l/Sθ_ll`: with prior
/// precision `τ`, `θ_l` has mean `q_l/(s_l + τ)` and variance `1/(s_l + τ)`. The VB update then
/// reads `τ ← (α0 + ½)/(β0 + ½[q_l²/(s_l+τ)² + 1/(s_l+τ)])`, an increasing map whose fixed point
/// [`monotone_fixed_point`] finds directly — instead of the thousands of sweeps the plain
/// alternation takes while an irrelevant term's precision grows by about `s_l` per sweep. The
/// learner uses the result only as a proposal and keeps it when it raises the ELBO.
pub fn accelerated_tau(q: &QTheta, tau_used: &[f64], alpha0: f64, beta0: f64) -> Vec<f64> {
    (0..q.mean.len())
        .map(|k| {
            let var = q.cov[(k, k)];
            let s = (1.0 / var - tau_used[k]).max(0.0);
            let qk = q.mean[k] / var;
            let map = |t: f64| {
                let p = s + t;
                (alpha0 + 0.5) / (beta0 + 0.5 * (qk * qk / (p * p) + 1.0 / p))
            };
            monotone_fixed_point(map, tau_used[k])
        })
        .collect()
}
