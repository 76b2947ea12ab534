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

use super::design::{Design, LatentStats};
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

/// A square matrix as rows (what `posterior.json` stores).
pub fn rows_of(m: &Mat<f64>) -> Vec<Vec<f64>> {
    (0..m.nrows())
        .map(|r| (0..m.ncols()).map(|c| m[(r, c)]).collect())
        .collect()
}

/// `⟨v_j⟩` for bin `j` (shared noise: one value for all bins).
#[inline]
pub fn v_of(v: &[f64], j: usize) -> f64 {
    if v.len() == 1 { v[0] } else { v[j] }
}

/// The precision of `q(θ)`: `diag⟨τ⟩ + Σ_j ⟨v_j⟩ Σ_n G_njᵀ G_nj`, the Gram matrices of the design
/// weighted by the noise precisions.
pub fn theta_precision(d: &Design, v: &[f64], tau: &[f64]) -> Mat<f64> {
    let mut p = if v.len() == 1 {
        &d.gram * faer::Scale(v[0])
    } else {
        let mut p = Mat::<f64>::zeros(d.l, d.l);
        for (j, g) in d.gram_bin.iter().enumerate() {
            p += g * faer::Scale(v[j]);
        }
        p
    };
    for (k, t) in tau.iter().enumerate() {
        p[(k, k)] += t;
    }
    p
}

/// Update of `q(θ)` given the latent states (through their [`LatentStats`]), `⟨v⟩` and
/// `⟨τ⟩`.
pub fn update_theta(d: &Design, stats: &LatentStats, v: &[f64], tau: &[f64]) -> Result<QTheta> {
    let l = d.l;
    let p = theta_precision(d, v, tau);
    let mut b = vec![0.0; l];
    for j in 0..d.nc {
        let w = v_of(v, j);
        for (x, y) in b.iter_mut().zip(stats.b_bin(j)) {
            *x += w * y;
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
        .map(|r| (0..l).map(|c| cov[(r, c)] * b[c]).sum())
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

/// `tr(Sθ G_j)` per bin: the part of the expected squared residuals that the uncertainty of
/// `θ` adds.
pub fn trace_terms(d: &Design, q: &QTheta) -> Vec<f64> {
    d.gram_bin.iter().map(|g| trace_prod(&q.cov, g)).collect()
}

/// Expected squared residuals per bin, `Σ_i E[(X_ij − c_ij − θᵀΦ_ij)²]`
/// `= Σ_i [(y_ij − μθᵀΦ_ij)² + s_ij²] + tr(Sθ G_j)` with `y = μ − c`, from the
/// [`LatentStats`]: `Σ_i (y_ij − μθᵀΦ_ij)² = Σ_i y_ij² − 2 μθᵀB_j + μθᵀG_jμθ`.
pub fn expected_sq_residuals(d: &Design, stats: &LatentStats, q: &QTheta) -> Vec<f64> {
    let l = d.l;
    let t = &q.mean;
    (0..d.nc)
        .map(|j| {
            let g = &d.gram_bin[j];
            let mut quad = 0.0;
            for c in 0..l {
                let gt: f64 = (0..l).map(|r| g[(r, c)] * t[r]).sum();
                quad += t[c] * gt;
            }
            let cross: f64 = t.iter().zip(stats.b_bin(j)).map(|(a, b)| a * b).sum();
            (stats.yy[j] - 2.0 * cross + quad).max(0.0) + stats.ss[j] + trace_prod(&q.cov, g)
        })
        .collect()
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

/// Joint update of `q(v)` and the latent states it is coupled to.
///
/// In the (near-)deterministic case the plain alternation `q(v) ↔ q(X)` converges very slowly:
/// `⟨v⟩` sets the widths `s_ij² = 1/(⟨v_j⟩ + w_ij)` and pulls the means towards the law, the
/// residual `r_ij = μ_ij − a_ij` scaling like `w_ij/(w_ij + ⟨v_j⟩)` (`w = nf ρ̃`, the
/// likelihood's diagonal curvature), and both feed back into `ζ_j` at a contraction rate close
/// to 1 when `v ≫ w`. With `ρ̃` held at its current values and the residuals responding as
/// they would to the diagonal part of the latent Hessian, the limit of that alternation is the
/// fixed point of the scalar map
///
/// ```text
/// v ↦ F(v) = γ / (ζ0 + ½ [tr(Sθ G_j) + Σ_i r_ij² ((w_ij + v₀)/(w_ij + v))² + Σ_i 1/(v + w_ij)])
/// ```
///
/// (`v₀` the current value; `fixed_sq` holds `tr(Sθ G_j)`, `resid_sq` the `r_ij²`; summed over
/// bins for a shared `v`). `F` is increasing, so the alternation moves monotonically towards
/// the nearest fixed point in the direction of `F(v) − v`; [`monotone_fixed_point`] finds it,
/// and `q(v)` is returned at that point. The latent update that follows re-optimises the means
/// and widths exactly at the new `⟨v⟩`. With `mean_response` false the residuals are held
/// fixed (only the widths respond).
pub fn solve_v(
    fixed_sq: &[f64],
    resid_sq: &[f64],
    nf_rho: &[f64],
    n: usize,
    gamma0: f64,
    zeta0: f64,
    shared: bool,
    current: &[f64],
    mean_response: bool,
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
        let v0 = current[g];
        let zeta = |v: f64| {
            let s2: f64 = bins
                .iter()
                .map(|&j| {
                    (0..n)
                        .map(|i| {
                            let w = nf_rho[i * nc + j];
                            let shrink = if mean_response {
                                (w + v0) / (w + v)
                            } else {
                                1.0
                            };
                            1.0 / (v + w) + resid_sq[i * nc + j] * shrink * shrink
                        })
                        .sum::<f64>()
                })
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
/// brackets it with geometric steps in the direction of `f(x0) − x0`, then narrows the bracket
/// by false position in `ln x` on `ψ(y) = ln f(eʸ) − y` (Illinois variant, which halves the
/// weight of an end point kept twice, so it converges superlinearly; a bisection step whenever
/// that fails to shrink the bracket by half) to a relative accuracy of 1e-13. Falls back to
/// `f(x0)` (one plain iteration) when no bracket is found within a factor 4²⁰⁰.
pub fn monotone_fixed_point(f: impl Fn(f64) -> f64, x0: f64) -> f64 {
    let psi = |y: f64| f(y.exp()).ln() - y;
    let y0 = x0.ln();
    let p0 = psi(y0);
    if p0 == 0.0 {
        return x0;
    }
    let up = p0 > 0.0;
    // (lo, plo) with ψ ≥ 0, (hi, phi) with ψ < 0
    let (mut lo, mut plo, mut hi, mut phi) = (y0, p0, y0, p0);
    let mut bracketed = false;
    let step = 4f64.ln();
    for _ in 0..200 {
        if up {
            lo = hi;
            plo = phi;
            hi += step;
            phi = psi(hi);
            if phi < 0.0 {
                bracketed = true;
                break;
            }
        } else {
            hi = lo;
            phi = plo;
            lo -= step;
            plo = psi(lo);
            if plo >= 0.0 {
                bracketed = true;
                break;
            }
        }
        if !(plo.is_finite() && phi.is_finite()) {
            break;
        }
    }
    if !(bracketed && plo.is_finite() && phi.is_finite()) {
        return f(x0);
    }
    let mut side = 0i8;
    for _ in 0..200 {
        let width = hi - lo;
        if width <= 1e-13 * (1.0 + lo.abs().max(hi.abs())) {
            break;
        }
        let mut y = (lo * phi - hi * plo) / (phi - plo);
        if !(y > lo && y < hi) {
            y = 0.5 * (lo + hi);
        }
        let py = psi(y);
        if !py.is_finite() {
            return f(x0);
        }
        if py == 0.0 {
            return y.exp();
        }
        if py > 0.0 {
            lo = y;
            plo = py;
            if side == 1 {
                phi *= 0.5;
            }
            side = 1;
        } else {
            hi = y;
            phi = py;
            if side == -1 {
                plo *= 0.5;
            }
            side = -1;
        }
        if hi - lo > 0.5 * width {
            // false position stalled on one side: bisect once
            let m = 0.5 * (lo + hi);
            let pm = psi(m);
            if !pm.is_finite() {
                return f(x0);
            }
            if pm >= 0.0 {
                lo = m;
                plo = pm;
            } else {
                hi = m;
                phi = pm;
            }
            side = 0;
        }
    }
    (0.5 * (lo + hi)).exp()
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
