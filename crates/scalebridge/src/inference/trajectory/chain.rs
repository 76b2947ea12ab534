//! One run's latent chain `X_0..X_T` (SPEC A.10): a Gaussian `q(X_{0..T}) = N(m, Λ⁻¹)` whose
//! precision `Λ` is block-tridiagonal in `t` with dense `nc × nc` blocks, fitted by
//! Newton/Laplace steps on the chain.
//!
//! With the law linearised around the means (`μ(X_t) ≈ μ(m_t) + J_t (X_t − m_t)`,
//! `J_t = ∂μ/∂X` at `m_t` and `⟨θ⟩`) and the likelihood under the Jensen bound, the part of
//! the ELBO that depends on `q(X_i)` is
//!
//! ```text
//! F_i = Σ_t [c_tᵀm_t − n_t ln Σ_k e^{m_tk + C_tt,kk/2}] − ½ Σ_{t<T} r_tᵀ V r_t − ½ tr(A C)
//!       − (|m_0|² + tr C_00)/(2σ0²) + ½ ln|C| + const,        r_t = m_{t+1} − μ(m_t)
//! ```
//!
//! where `A` is the Gauss–Newton precision of the transitions and the start prior: blocks
//! `V` at `(t+1, t+1)`, `J_tᵀ V J_t` at `(t, t)`, `−V J_t` at `(t+1, t)`, and `I/σ0²` at
//! `(0, 0)`. Its maximiser over `C` for fixed means is `C⁻¹ = Λ = A + diag(n_t ρ̃_t)`
//! (`ρ̃_t = softmax(m_t + diag C_tt/2)`, a fixed point iterated to convergence); over `m` for
//! fixed `C`, Newton steps with the Hessian `A + n_t (diag ρ̃_t − ρ̃_t ρ̃_tᵀ)` and a line search
//! on `F_i`. The `m`-dependence of `J_t` inside `tr(A C)` and the uncertainty of `θ` in the
//! latent update (`tr(Sθ G)`, a term of order `L/(N T)` of the residuals) are not
//! differentiated: that is the linearisation. The law is always evaluated on the centred input
//! (`μ(P X)`, `P` the centring projector), as prediction does.
//!
//! Everything is O(T·nc³) per run: a block Cholesky `Λ = L Lᵀ` (diagonal blocks `L_t`,
//! sub-diagonal blocks `B_t`), its solves, draws `m + L⁻ᵀ ε`, `ln|Λ|`, and the diagonal
//! blocks of `C = Λ⁻¹` by the backward recursion `C_TT = L_T⁻ᵀ L_T⁻¹`,
//! `C_tt = L_t⁻ᵀ (I + B_tᵀ C_{t+1,t+1} B_t) L_t⁻¹`.

use crate::error::{Error, Result};
use crate::law::CoarseLaw;
use crate::math::{centre, log_sum_exp, softmax_into};
use faer::linalg::matmul::matmul;
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Accum, MatMut, MatRef, Par};

/// Lower Cholesky factor of the `n × n` row-major SPD matrix `a`, in place (the upper triangle
/// is zeroed); `Err(k)` names the first pivot that is not positive.
///
/// Right-looking: once column `j` is known, its outer product leaves the trailing lower
/// triangle, one contiguous row segment at a time (`a_ik −= l_ij l_kj`, `k ≤ i`), a loop the
/// compiler vectorises. Every entry still subtracts its products in the order `j = 0, 1, …`
/// of the dot-product (left-looking) form, so the factor is the same to the last bit; that
/// form's dot products were a chain of dependent additions (measured on a 96-bin chain:
/// `factor` 10.6% of a fit's samples).
fn cholesky(a: &mut [f64], n: usize) -> std::result::Result<(), usize> {
    let mut col = vec![0.0; n];
    for j in 0..n {
        let d = a[j * n + j];
        if !(d > 0.0 && d.is_finite()) {
            return Err(j);
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let v = a[i * n + j] / d;
            a[i * n + j] = v;
            col[i] = v;
        }
        for i in j + 1..n {
            let lij = col[i];
            for (x, c) in a[i * n + j + 1..=i * n + i].iter_mut().zip(&col[j + 1..=i]) {
                *x -= lij * c;
            }
        }
        for k in j + 1..n {
            a[j * n + k] = 0.0;
        }
    }
    Ok(())
}

/// `x ← L⁻¹ x`.
fn solve_lower(l: &[f64], n: usize, x: &mut [f64]) {
    for i in 0..n {
        let mut s = x[i];
        for k in 0..i {
            s -= l[i * n + k] * x[k];
        }
        x[i] = s / l[i * n + i];
    }
}

/// `x ← L⁻ᵀ x`, by rows of `L` (contiguous: the updates vectorise, where the sums down a
/// column of the row-major `L` did not).
fn solve_lower_t(l: &[f64], n: usize, x: &mut [f64]) {
    for i in (0..n).rev() {
        let xi = x[i] / l[i * n + i];
        x[i] = xi;
        for (a, b) in x[..i].iter_mut().zip(&l[i * n..i * n + i]) {
            *a -= b * xi;
        }
    }
}

/// A block-tridiagonal symmetric matrix: diagonal blocks `(t, t)` and sub-diagonal blocks
/// `(t+1, t)`, each `nc × nc` row-major.
#[derive(Clone, Debug)]
pub struct BlockTridiagonal {
    /// Block size.
    pub nc: usize,
    /// Number of diagonal blocks `T + 1`.
    pub t1: usize,
    /// Diagonal blocks, `(T+1)·nc²`.
    pub diag: Vec<f64>,
    /// Sub-diagonal blocks `(t+1, t)`, `T·nc²`.
    pub sub: Vec<f64>,
}

/// The block Cholesky factor of a [`BlockTridiagonal`].
#[derive(Clone, Debug)]
pub struct BlockCholesky {
    nc: usize,
    t1: usize,
    l: Vec<f64>,
    b: Vec<f64>,
    /// `ln |Λ|`, summed when first asked for (every objective of the chain asks for it, the
    /// covariance's fixed point never does).
    logdet: std::sync::OnceLock<f64>,
}

impl BlockTridiagonal {
    fn zeros(nc: usize, t1: usize) -> Self {
        BlockTridiagonal {
            nc,
            t1,
            diag: vec![0.0; t1 * nc * nc],
            sub: vec![0.0; t1.saturating_sub(1) * nc * nc],
        }
    }

    /// `Λ = L Lᵀ`; an error names the time whose block lost positive definiteness.
    pub fn factor(&self) -> Result<BlockCholesky> {
        let (nc, t1) = (self.nc, self.t1);
        let q = nc * nc;
        let mut l = self.diag.clone();
        let mut b = vec![0.0; self.sub.len()];
        for t in 0..t1 {
            if t > 0 {
                // L_t L_tᵀ = D_t − B_{t−1} B_{t−1}ᵀ
                let bp = &b[(t - 1) * q..t * q];
                gemm(
                    &mut l[t * q..(t + 1) * q],
                    true,
                    -1.0,
                    bp,
                    false,
                    bp,
                    true,
                    nc,
                );
            }
            cholesky(&mut l[t * q..(t + 1) * q], nc).map_err(|k| {
                Error::numerical(
                    "latent chain",
                    format!("the precision of q(X) is not positive definite at t = {t} (bin {k})"),
                )
            })?;
            if t + 1 < t1 {
                // B_t L_tᵀ = O_t, i.e. L_t B_tᵀ = O_tᵀ: one triangular solve with nc columns
                let lt = MatRef::from_row_major_slice(&l[t * q..(t + 1) * q], nc, nc);
                let bt = &mut b[t * q..(t + 1) * q];
                bt.copy_from_slice(&self.sub[t * q..(t + 1) * q]);
                let bt = MatMut::from_row_major_slice_mut(bt, nc, nc).transpose_mut();
                solve_lower_triangular_in_place(lt, bt, Par::Seq);
            }
        }
        Ok(BlockCholesky {
            nc,
            t1,
            l,
            b,
            logdet: std::sync::OnceLock::new(),
        })
    }
}

impl BlockTridiagonal {
    /// [`BlockTridiagonal::factor`], retried with a growing ridge `λ·max diag` (`λ = 10⁻¹²,
    /// 10⁻¹⁰, …, 10⁻⁴`) on the diagonal when rounding makes a nearly singular chain lose
    /// positive definiteness (a nearly deterministic law: `⟨v⟩` many orders above the
    /// likelihood's curvature); the error of the last try otherwise.
    pub fn factor_regularised(&self) -> Result<BlockCholesky> {
        let first = match self.factor() {
            Ok(c) => return Ok(c),
            Err(e) => e,
        };
        let nc = self.nc;
        let scale = (0..self.t1 * nc)
            .map(|k| self.diag[(k / nc) * nc * nc + (k % nc) * (nc + 1)].abs())
            .fold(0.0, f64::max);
        for exp in [-12, -10, -8, -6, -4] {
            let mut p = self.clone();
            let ridge = 10f64.powi(exp) * scale;
            for t in 0..self.t1 {
                for k in 0..nc {
                    p.diag[t * nc * nc + k * (nc + 1)] += ridge;
                }
            }
            if let Ok(c) = p.factor() {
                return Ok(c);
            }
        }
        Err(first)
    }
}

impl BlockCholesky {
    fn lt(&self, t: usize) -> &[f64] {
        let q = self.nc * self.nc;
        &self.l[t * q..(t + 1) * q]
    }

    fn bt(&self, t: usize) -> &[f64] {
        let q = self.nc * self.nc;
        &self.b[t * q..(t + 1) * q]
    }

    /// `x ← Λ⁻¹ x` (`x` has `(T+1)·nc` values).
    pub fn solve(&self, x: &mut [f64]) {
        let nc = self.nc;
        for t in 0..self.t1 {
            if t > 0 {
                let (prev, cur) = x.split_at_mut(t * nc);
                let y = &prev[(t - 1) * nc..];
                let bt = self.bt(t - 1);
                for r in 0..nc {
                    cur[r] -= (0..nc).map(|k| bt[r * nc + k] * y[k]).sum::<f64>();
                }
            }
            solve_lower(self.lt(t), nc, &mut x[t * nc..(t + 1) * nc]);
        }
        self.back(x);
    }

    /// `X ← L⁻¹ X` for the `k` columns of the row-major `((T+1)·nc) × k` matrix `x` at once:
    /// the forward half of a solve.
    pub fn forward_many(&self, x: &mut [f64], k: usize) {
        let nc = self.nc;
        for t in 0..self.t1 {
            let (prev, cur) = x.split_at_mut(t * nc * k);
            let mut cur = MatMut::from_row_major_slice_mut(&mut cur[..nc * k], nc, k);
            if t > 0 {
                let y = MatRef::from_row_major_slice(&prev[(t - 1) * nc * k..], nc, k);
                let bt = MatRef::from_row_major_slice(self.bt(t - 1), nc, nc);
                matmul(cur.as_mut(), Accum::Add, bt, y, -1.0, Par::Seq);
            }
            let lt = MatRef::from_row_major_slice(self.lt(t), nc, nc);
            solve_lower_triangular_in_place(lt, cur, Par::Seq);
        }
    }

    /// `x ← L⁻ᵀ x`: the backward half of a solve, and a draw `L⁻ᵀ ε` of `N(0, Λ⁻¹)`.
    pub fn back(&self, x: &mut [f64]) {
        let nc = self.nc;
        for t in (0..self.t1).rev() {
            if t + 1 < self.t1 {
                let (cur, next) = x.split_at_mut((t + 1) * nc);
                let z = &next[..nc];
                // x_t −= B_tᵀ z, by rows of B_t (contiguous)
                let bt = self.bt(t);
                let xt = &mut cur[t * nc..];
                for (r, zr) in z.iter().enumerate() {
                    for (a, b) in xt.iter_mut().zip(&bt[r * nc..(r + 1) * nc]) {
                        *a -= b * zr;
                    }
                }
            }
            solve_lower_t(self.lt(t), nc, &mut x[t * nc..(t + 1) * nc]);
        }
    }

    /// `ln |Λ|`.
    pub fn logdet(&self) -> f64 {
        *self.logdet.get_or_init(|| {
            let nc = self.nc;
            (0..self.t1)
                .map(|t| {
                    let lt = self.lt(t);
                    (0..nc).map(|k| 2.0 * lt[k * nc + k].ln()).sum::<f64>()
                })
                .sum()
        })
    }

    /// The marginal variances `diag C_tt` of `C = Λ⁻¹`, `(T+1)·nc` values.
    pub fn marginal_variances(&self) -> Vec<f64> {
        let nc = self.nc;
        self.marginal_blocks()
            .iter()
            .flat_map(|c| (0..nc).map(move |k| c[k * nc + k]))
            .collect()
    }

    /// The diagonal blocks `C_tt` of `C = Λ⁻¹`, each `nc × nc` row-major.
    pub fn marginal_blocks(&self) -> Vec<Vec<f64>> {
        self.covariance_blocks(false).0
    }

    /// The diagonal blocks `C_tt` of `C = Λ⁻¹` and, with `cross`, the sub-diagonal blocks
    /// `C_{t+1,t} = −C_{t+1,t+1} B_t L_t⁻¹` (from `Lᵀ C = L⁻¹`, whose block `(t, t+1)` is 0),
    /// each `nc × nc` row-major.
    pub fn covariance_blocks(&self, cross: bool) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let (nc, t1) = (self.nc, self.t1);
        let mut out = vec![Vec::new(); t1];
        let mut sub = vec![Vec::new(); if cross { t1 - 1 } else { 0 }];
        // W = L_t⁻¹ (lower triangular): one triangular solve with the identity's columns
        let inverse = |lt: &[f64]| {
            let mut w = vec![0.0; nc * nc];
            for k in 0..nc {
                w[k * nc + k] = 1.0;
            }
            solve_lower_triangular_in_place(
                MatRef::from_row_major_slice(lt, nc, nc),
                MatMut::from_row_major_slice_mut(&mut w, nc, nc),
                Par::Seq,
            );
            w
        };
        let mut next = vec![0.0; nc * nc];
        let mut cb = vec![0.0; nc * nc];
        let mut iw = vec![0.0; nc * nc];
        for t in (0..t1).rev() {
            let w = inverse(self.lt(t));
            // inner = I + B_tᵀ C_{t+1,t+1} B_t
            let mut inner = vec![0.0; nc * nc];
            for k in 0..nc {
                inner[k * nc + k] = 1.0;
            }
            if t + 1 < t1 {
                let bt = self.bt(t);
                // C_{t+1,t+1} B_t
                gemm(&mut cb, false, 1.0, &next, false, bt, false, nc);
                gemm(&mut inner, true, 1.0, bt, true, &cb, false, nc);
                if cross {
                    // C_{t+1,t} = −(C_{t+1,t+1} B_t) W
                    let mut x = vec![0.0; nc * nc];
                    gemm(&mut x, false, -1.0, &cb, false, &w, false, nc);
                    sub[t] = x;
                }
            }
            // C_tt = Wᵀ inner W
            gemm(&mut iw, false, 1.0, &inner, false, &w, false, nc);
            let mut ctt = vec![0.0; nc * nc];
            gemm(&mut ctt, false, 1.0, &w, true, &iw, false, nc);
            out[t] = ctt.clone();
            next = ctt;
        }
        (out, sub)
    }
}

/// `out ← op(x)·op(y)·alpha`, or with `add` `out + op(x)·op(y)·alpha`, for `n × n` row-major
/// blocks, `op(x) = xᵀ` when `xt` (faer's gemm, sequential: it vectorises what plain loops
/// over these 24 × 24 blocks did not — measured, the marginal blocks of a 51-step chain 2×
/// faster).
fn gemm(
    out: &mut [f64],
    add: bool,
    alpha: f64,
    x: &[f64],
    xt: bool,
    y: &[f64],
    yt: bool,
    n: usize,
) {
    fn op(m: &[f64], t: bool, n: usize) -> MatRef<'_, f64> {
        let m = MatRef::from_row_major_slice(m, n, n);
        if t { m.transpose() } else { m }
    }
    let accum = if add { Accum::Add } else { Accum::Replace };
    matmul(
        MatMut::from_row_major_slice_mut(out, n, n),
        accum,
        op(x, xt, n),
        op(y, yt, n),
        alpha,
        Par::Seq,
    );
}

/// The law and the factors a run's chain is fitted under.
pub struct ChainModel<'a> {
    /// The law family.
    pub law: &'a dyn CoarseLaw,
    /// `⟨θ⟩`.
    pub theta: &'a [f64],
    /// `⟨v_j⟩`, one per bin.
    pub v: &'a [f64],
    /// Variance `σ0²` of the start prior `X_0 ~ N(0, σ0² I)`.
    pub prior_var: f64,
    /// `Sθ`, `L × L` row-major: the transitions' term of the objective includes
    /// `tr(Sθ GᵀVG)` when given.
    pub theta_cov: Option<&'a [f64]>,
}

impl std::fmt::Debug for ChainModel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainModel")
            .field("prior_var", &self.prior_var)
            .finish_non_exhaustive()
    }
}

/// One run's data: counts `(T+1, nc)` and walkers per time.
#[derive(Clone, Copy, Debug)]
pub struct RunData<'a> {
    /// Counts, row-major `(T+1, nc)`.
    pub counts: &'a [f64],
    /// Walkers at each time.
    pub nf: &'a [f64],
}

/// `q(X_{0..T})` of one run.
#[derive(Clone, Debug)]
pub struct RunPosterior {
    /// Means, `(T+1)·nc`.
    pub mean: Vec<f64>,
    /// Marginal variances `diag C_tt`, `(T+1)·nc`.
    pub var: Vec<f64>,
    /// The factor of the precision, once fitted.
    pub chol: Option<BlockCholesky>,
    /// The precision `Λ`, once fitted.
    pub prec: Option<BlockTridiagonal>,
}

impl RunPosterior {
    /// The start: centred `ln(m + ½)` and `s² = 1/(n ρ(1−ρ) + 1)` at every time.
    pub fn from_counts(run: &RunData<'_>, nc: usize) -> Self {
        let t1 = run.nf.len();
        let mut mean = vec![0.0; t1 * nc];
        let mut var = vec![0.0; t1 * nc];
        for t in 0..t1 {
            let c = &run.counts[t * nc..(t + 1) * nc];
            let m = &mut mean[t * nc..(t + 1) * nc];
            for (x, k) in m.iter_mut().zip(c) {
                *x = (k + 0.5).ln();
            }
            centre(m);
            for j in 0..nc {
                let rho = (c[j] + 0.5) / (run.nf[t] + 0.5 * nc as f64);
                var[t * nc + j] = 1.0 / (run.nf[t] * rho * (1.0 - rho) + 1.0);
            }
        }
        RunPosterior {
            mean,
            var,
            chol: None,
            prec: None,
        }
    }

    /// The diagonal blocks `C_tt` and sub-diagonal blocks `C_{t+1,t}` of the covariance
    /// (before the first fit: diagonal, no cross-covariance).
    pub fn covariance_blocks(&self, nc: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        match &self.chol {
            Some(ch) => ch.covariance_blocks(true),
            None => {
                let t1 = self.var.len() / nc;
                let diag = (0..t1)
                    .map(|t| {
                        let mut b = vec![0.0; nc * nc];
                        for k in 0..nc {
                            b[k * (nc + 1)] = self.var[t * nc + k];
                        }
                        b
                    })
                    .collect();
                (diag, vec![vec![0.0; nc * nc]; t1 - 1])
            }
        }
    }

    /// The offset `L⁻ᵀ ε` of a draw from the mean (`ε` standard normal, `(T+1)·nc`); before the
    /// first fit, the marginal standard deviations times `ε`.
    pub fn offset(&self, eps: &[f64]) -> Vec<f64> {
        let mut z = eps.to_vec();
        match &self.chol {
            Some(ch) => ch.back(&mut z),
            None => {
                for (x, v) in z.iter_mut().zip(&self.var) {
                    *x *= v.sqrt();
                }
            }
        }
        z
    }

    /// `ln |Λ|` of the current covariance.
    fn logdet(&self) -> f64 {
        self.chol.as_ref().map_or_else(
            || -self.var.iter().map(|v| v.ln()).sum::<f64>(),
            BlockCholesky::logdet,
        )
    }
}

/// The law's mean and centred Jacobian at each `x_t`, `t < T`, of the states `x` it was
/// linearised at.
struct Linearised {
    x: Vec<f64>,
    mu: Vec<f64>,
    jac: Vec<f64>,
}

fn linearise(model: &ChainModel<'_>, x: Vec<f64>, nc: usize, steps: usize) -> Linearised {
    let mut mu = vec![0.0; steps * nc];
    let mut jac = vec![0.0; steps * nc * nc];
    for t in 0..steps {
        let mut xc = x[t * nc..(t + 1) * nc].to_vec();
        centre(&mut xc);
        let j = &mut jac[t * nc * nc..(t + 1) * nc * nc];
        model
            .law
            .mean_and_jacobian_x_into(&xc, model.theta, &mut mu[t * nc..(t + 1) * nc], j);
        // ∂μ(P X)/∂X = J P: subtract each row's mean
        for r in 0..nc {
            let row = &mut j[r * nc..(r + 1) * nc];
            let mean_r = row.iter().sum::<f64>() / nc as f64;
            for x in row {
                *x -= mean_r;
            }
        }
    }
    Linearised { x, mu, jac }
}

/// `A` (transitions and start prior) plus the likelihood's curvature: `exact_mean = true` gives
/// the Newton Hessian for the means (`n(diag ρ̃ − ρ̃ρ̃ᵀ)`), `false` the optimal precision of
/// `q` (`n diag ρ̃`). The transitions' blocks (`JᵀVJ`, `−VJ`) are averaged over `lins`, the law
/// linearised at each draw: the Gauss–Newton Hessian of the drawn objective (one
/// linearisation, at the means, for the linearised objective and the covariance).
fn precision(
    model: &ChainModel<'_>,
    run: &RunData<'_>,
    nc: usize,
    mean: &[f64],
    var: &[f64],
    lins: &[Linearised],
    exact_mean: bool,
) -> BlockTridiagonal {
    let mut p = transition_precision(model, nc, run.nf.len(), lins);
    add_likelihood_curvature(&mut p, run, mean, var, exact_mean);
    p
}

/// `A`: the start prior `I/σ0²` at `(0, 0)`, `V` at `(t+1, t+1)`, `JᵀVJ` at `(t, t)` and `−VJ`
/// at `(t+1, t)`, averaged over `lins`. It does not depend on the chain's variances, so the
/// covariance's fixed point computes it once.
fn transition_precision(
    model: &ChainModel<'_>,
    nc: usize,
    t1: usize,
    lins: &[Linearised],
) -> BlockTridiagonal {
    let q = nc * nc;
    let mut p = BlockTridiagonal::zeros(nc, t1);
    let w = 1.0 / lins.len() as f64;
    let mut vj = vec![0.0; q];
    for t in 0..t1 {
        let d = &mut p.diag[t * q..(t + 1) * q];
        for r in 0..nc {
            d[r * nc + r] += if t == 0 {
                1.0 / model.prior_var
            } else {
                model.v[r]
            };
        }
        if t + 1 < t1 {
            let s = &mut p.sub[t * q..(t + 1) * q];
            for lin in lins {
                let j = &lin.jac[t * q..(t + 1) * q];
                // (t+1, t): −V J, and (t, t): + Jᵀ V J
                for r in 0..nc {
                    for c in 0..nc {
                        vj[r * nc + c] = w * model.v[r] * j[r * nc + c];
                        s[r * nc + c] -= vj[r * nc + c];
                    }
                }
                gemm(d, true, 1.0, j, true, &vj, false, nc);
            }
        }
    }
    p
}

/// Adds the Jensen likelihood's curvature at the means and variances to the diagonal blocks of
/// `p`: `n_t(diag ρ̃_t − ρ̃_t ρ̃_tᵀ)` with `exact_mean`, else `n_t diag ρ̃_t`.
fn add_likelihood_curvature(
    p: &mut BlockTridiagonal,
    run: &RunData<'_>,
    mean: &[f64],
    var: &[f64],
    exact_mean: bool,
) {
    let (nc, t1) = (p.nc, p.t1);
    let q = nc * nc;
    let mut rho = vec![0.0; nc];
    let mut shifted = vec![0.0; nc];
    for t in 0..t1 {
        let d = &mut p.diag[t * q..(t + 1) * q];
        jensen_shift(mean, var, nc, t, &mut shifted);
        softmax_into(&shifted, &mut rho);
        let n = run.nf[t];
        for r in 0..nc {
            d[r * nc + r] += n * rho[r];
            if exact_mean {
                for c in 0..nc {
                    d[r * nc + c] -= n * rho[r] * rho[c];
                }
            }
        }
    }
}

/// Newton iterations on the means per call, at most.
const MEAN_MAX_ITER: usize = 30;
/// Stop the means when a full step moves no mean by more than this many of its posterior
/// standard deviations (the coordinate ascent around it re-enters every sweep).
const MEAN_TOL: f64 = 1e-3;
/// Stop the covariance's fixed point when no variance changes by more than this (relative).
const VAR_TOL: f64 = 1e-6;
/// Alternations of means and covariance per call, at most (the sweep re-enters).
const OUTER_MAX_ITER: usize = 2;
/// Iterations of the covariance's fixed point per alternation, at most (warm-started from the
/// last sweep's variances).
const COV_MAX_ITER: usize = 6;
/// Blends `Λ(α)`, `α = 1, ½, ¼`, tried before the covariance is kept as it was.
const BLEND_TRIES: usize = 3;

/// Drawn transitions whose `θ`-Jacobians one Gram product of [`drawn_objective`] takes
/// (`64·nc·L` values: 690 kB at `nc = 24`, `L = 56`).
const GRAM_BLOCK: usize = 64;

/// The drawn offsets `L⁻ᵀ ε^(s)` of the chain's current covariance ([`RunPosterior::offset`]).
pub(crate) fn offsets(post: &RunPosterior, eps: &[Vec<f64>]) -> Vec<Vec<f64>> {
    eps.iter().map(|e| post.offset(e)).collect()
}

/// What the objective needs of the chain's covariance: `ln|Λ|` and the offsets of the draws.
struct Draws {
    logdet: f64,
    /// The draws' offsets; for a law linear in `θ` one zero offset (the objective linearised
    /// at the means).
    zs: Vec<Vec<f64>>,
}

impl Draws {
    /// The law linearised at every draw `mean + z`.
    fn linearised(
        &self,
        model: &ChainModel<'_>,
        mean: &[f64],
        nc: usize,
        steps: usize,
    ) -> Vec<Linearised> {
        self.zs
            .iter()
            .map(|z| {
                linearise(
                    model,
                    mean.iter().zip(z).map(|(a, b)| a + b).collect(),
                    nc,
                    steps,
                )
            })
            .collect()
    }

    /// The learner's draws `L⁻ᵀ ε^(s)` (the drawn objective), or for a law linear in `θ` one
    /// zero offset: the objective linearised at the means (see [`update_run`]).
    fn of(model: &ChainModel<'_>, post: &RunPosterior, eps: &[Vec<f64>]) -> Self {
        let zs = if model.law.is_linear() {
            vec![vec![0.0; post.mean.len()]]
        } else {
            offsets(post, eps)
        };
        Draws {
            logdet: post.logdet(),
            zs,
        }
    }
}

/// The chain's part of the ELBO as the learner computes it (up to constants): the Jensen
/// likelihood, the start prior, the entropy `−½ ln|Λ|`, and the transitions' term
/// `−½ Σ_j ⟨v_j⟩ (1/S) Σ_s Σ_t [r_tj² + g_tjᵀ Sθ g_tj]` over the draws `X^(s) = m + z^(s)`
/// (`r = X_{t+1} − μ(X_t)`, `g_tj = ∂μ_j/∂θ` at `X_t`): the objective that the `θ`-step and the
/// ELBO use, so that the chains' update is an ascent of the same function.
fn drawn_objective(
    model: &ChainModel<'_>,
    run: &RunData<'_>,
    nc: usize,
    mean: &[f64],
    var: &[f64],
    draws: &Draws,
    with_theta_cov: bool,
) -> f64 {
    let (logdet, zs) = (draws.logdet, &draws.zs);
    let t1 = run.nf.len();
    let l = model.law.len();
    let mut f = -0.5 * logdet + jensen_likelihood(run, nc, mean, var);
    f -= 0.5 * (0..nc).map(|k| mean[k] * mean[k] + var[k]).sum::<f64>() / model.prior_var;
    let cov = model.theta_cov.filter(|_| with_theta_cov);
    let mut mu = vec![0.0; nc];
    let mut xc = vec![0.0; nc];
    // with `Sθ`: `Σ_s Σ_t Σ_j v_j g_tjᵀ Sθ g_tj = tr(Sθ GᵀG)`, `G` the rows `√v_j ∂μ_j/∂θ` of
    // the drawn transitions, its Gram matrix summed block by block as matrix products (a
    // product per row was a fifth of a kernel fit's time)
    let block = if cov.is_some() { GRAM_BLOCK } else { 0 };
    let mut g = vec![0.0; block * nc * l];
    let mut gram = faer::Mat::<f64>::zeros(l, l);
    let mut filled = 0;
    let add_block = |g: &[f64], filled: usize, gram: &mut faer::Mat<f64>| {
        let gm = MatRef::from_row_major_slice(&g[..filled * nc * l], filled * nc, l);
        matmul(gram.as_mut(), Accum::Add, gm.transpose(), gm, 1.0, Par::Seq);
    };
    let mut acc = 0.0;
    for z in zs {
        for t in 0..t1 - 1 {
            for k in 0..nc {
                xc[k] = mean[t * nc + k] + z[t * nc + k];
            }
            centre(&mut xc);
            if block > 0 {
                let gt = &mut g[filled * nc * l..(filled + 1) * nc * l];
                model.law.linearise_into(&xc, model.theta, &mut mu, gt);
                for (row, v) in gt.chunks_mut(l).zip(model.v) {
                    let w = v.sqrt();
                    row.iter_mut().for_each(|x| *x *= w);
                }
                filled += 1;
                if filled == block {
                    add_block(&g, filled, &mut gram);
                    filled = 0;
                }
            } else {
                model.law.mean_into(&xc, model.theta, &mut mu);
            }
            for j in 0..nc {
                let r = mean[(t + 1) * nc + j] + z[(t + 1) * nc + j] - mu[j];
                acc += model.v[j] * r * r;
            }
        }
    }
    if let Some(cov) = cov {
        if filled > 0 {
            add_block(&g, filled, &mut gram);
        }
        for a in 0..l {
            for b in 0..l {
                acc += cov[a * l + b] * gram[(a, b)];
            }
        }
    }
    f - 0.5 * acc / zs.len().max(1) as f64
}

/// `∂F_i/∂m` of [`drawn_objective`] for the covariance fixed, without the derivative of the
/// `θ`-uncertainty term (of order `L/(N·T)` of the residuals; the line search on the full
/// objective keeps every step an ascent). `at_mean` is the law linearised at the means (what
/// the linearised objective's one zero offset needs).
fn drawn_gradient(
    model: &ChainModel<'_>,
    run: &RunData<'_>,
    nc: usize,
    mean: &[f64],
    var: &[f64],
    lins: &[Linearised],
) -> Vec<f64> {
    let t1 = run.nf.len();
    let steps = t1 - 1;
    let mut g = vec![0.0; t1 * nc];
    let mut rho = vec![0.0; nc];
    let mut shifted = vec![0.0; nc];
    for t in 0..t1 {
        jensen_shift(mean, var, nc, t, &mut shifted);
        softmax_into(&shifted, &mut rho);
        for k in 0..nc {
            g[t * nc + k] += run.counts[t * nc + k] - run.nf[t] * rho[k];
        }
    }
    for k in 0..nc {
        g[k] -= mean[k] / model.prior_var;
    }
    let w = 1.0 / lins.len() as f64;
    let mut vr = vec![0.0; nc];
    for lin in lins {
        let x = &lin.x;
        for t in 0..steps {
            let j = &lin.jac[t * nc * nc..(t + 1) * nc * nc];
            for k in 0..nc {
                vr[k] = w * model.v[k] * (x[(t + 1) * nc + k] - lin.mu[t * nc + k]);
                g[(t + 1) * nc + k] -= vr[k];
            }
            for (r, a) in vr.iter().enumerate() {
                for (gc, jc) in g[t * nc..(t + 1) * nc]
                    .iter_mut()
                    .zip(&j[r * nc..(r + 1) * nc])
                {
                    *gc += jc * a;
                }
            }
        }
    }
    g
}

/// `max_k |ln(a_k / b_k)|` (0 for none), from the logarithms of the smallest and the largest
/// ratio only: `|ln r|` falls and then rises in `r`, so its maximum lies at an end (a logarithm
/// per variance, in every iteration of the covariance's fixed point, was 1% of a kernel fit).
fn max_log_ratio(a: &[f64], b: &[f64]) -> f64 {
    let (lo, hi) = a
        .iter()
        .zip(b)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (x, y)| {
            (lo.min(x / y), hi.max(x / y))
        });
    if lo > hi {
        return 0.0;
    }
    0.0f64.max(lo.ln().abs()).max(hi.ln().abs())
}

/// `Λ(α) = (1 − α) Λ₀ + α Λ₁` (both block-tridiagonal SPD, hence so is every `Λ(α)`).
fn blend(a: &BlockTridiagonal, b: &BlockTridiagonal, alpha: f64) -> BlockTridiagonal {
    let mix = |x: &[f64], y: &[f64]| -> Vec<f64> {
        x.iter()
            .zip(y)
            .map(|(p, q)| (1.0 - alpha) * p + alpha * q)
            .collect()
    };
    BlockTridiagonal {
        nc: a.nc,
        t1: a.t1,
        diag: mix(&a.diag, &b.diag),
        sub: mix(&a.sub, &b.sub),
    }
}

/// The diagonal precision of a chain before its first fit.
fn diagonal_precision(var: &[f64], nc: usize, t1: usize) -> BlockTridiagonal {
    let mut p = BlockTridiagonal::zeros(nc, t1);
    for (k, v) in var.iter().enumerate() {
        let (t, j) = (k / nc, k % nc);
        p.diag[t * nc * nc + j * (nc + 1)] = 1.0 / v;
    }
    p
}

/// Fits `q(X_{0..T})` of one run under `model`, starting from `post`: Newton steps on the
/// means (the gradient of the objective and its Gauss–Newton Hessian, both from the law
/// linearised at every draw, and a line search on the objective), then the covariance's fixed
/// point at the means, `Λ = A + diag(n ρ̃)`. (The Hessian of the law linearised at the means
/// instead, beside the drawn gradient, took 2.7× as many Newton steps, half of them shortened
/// by the line search: measured on the kernel law, 16 × 50 advection–diffusion runs.)
///
/// For a law nonlinear in `θ` (the kernel law) the objective is the drawn ELBO with the
/// learner's draws `eps` (`S` standard normal vectors of `(T+1)·nc`, its common random
/// numbers): the covariance's fixed point is kept only as far along `Λ(α)` as it raises it, and
/// a run whose whole update lowered it (with the `θ`-uncertainty term) keeps its old chain, so
/// the chains ascend the ELBO the learner computes (measured on the heterogeneous medium of
/// `unseen.rs`: 20-step error 0.068 against 0.104 with the linearised objective, ELBO 63 nats
/// higher). For a law linear in `θ` the objective is linearised at the means (one zero draw)
/// and the fixed point is taken: measured on the synthetic law, the drawn objective shrank
/// every coefficient by 2–3% when the start is thinned to a tenth of the walkers (3.4σ of the
/// nested difference), the linearised one by under 1%.
pub fn update_run(
    model: &ChainModel<'_>,
    run: &RunData<'_>,
    nc: usize,
    post: &mut RunPosterior,
    eps: &[Vec<f64>],
) -> Result<()> {
    let t1 = run.nf.len();
    let steps = t1 - 1;
    let linear = model.law.is_linear();
    let full = |p: &RunPosterior| {
        let d = Draws::of(model, p, eps);
        drawn_objective(model, run, nc, &p.mean, &p.var, &d, true)
    };
    let start = post.clone();
    let f_start = if linear { f64::NAN } else { full(&start) };
    for _ in 0..OUTER_MAX_ITER {
        let mut moved = 0.0f64;
        let draws = Draws::of(model, post, eps);
        let mut f0 = drawn_objective(model, run, nc, &post.mean, &post.var, &draws, false);
        for _ in 0..MEAN_MAX_ITER {
            // the law linearised at every draw: the gradient's and the Gauss–Newton
            // Hessian's (the average of JᵀVJ over the draws, the curvature of the objective
            // the line search ascends)
            let lins = draws.linearised(model, &post.mean, nc, steps);
            let h = precision(model, run, nc, &post.mean, &post.var, &lins, true);
            let mut step = drawn_gradient(model, run, nc, &post.mean, &post.var, &lins);
            h.factor_regularised()?.solve(&mut step);
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..30 {
                let cand: Vec<f64> = post
                    .mean
                    .iter()
                    .zip(&step)
                    .map(|(m, d)| m + t * d)
                    .collect();
                let f = drawn_objective(model, run, nc, &cand, &post.var, &draws, false);
                if f.is_finite() && f >= f0 {
                    post.mean = cand;
                    f0 = f;
                    accepted = true;
                    break;
                }
                t *= 0.5;
            }
            let full = step
                .iter()
                .zip(&post.var)
                .fold(0.0f64, |a, (d, v)| a.max(d.abs() / v.sqrt()));
            if accepted {
                moved = moved.max(full * t);
            }
            // a short step means the direction (without the θ-uncertainty term's derivative)
            // has stopped being a good ascent direction: the means have converged to that
            if !accepted || full < MEAN_TOL || t < 0.125 {
                break;
            }
        }
        // the covariance at these means: a fixed point in diag C (through ρ̃) …
        let lin = linearise(model, post.mean.clone(), nc, steps);
        let transitions = transition_precision(model, nc, t1, std::slice::from_ref(&lin));
        let mut var = post.var.clone();
        let mut proposal = None;
        for _ in 0..COV_MAX_ITER {
            let mut p = transitions.clone();
            add_likelihood_curvature(&mut p, run, &post.mean, &var, false);
            let ch = p.factor_regularised()?;
            let next = ch.marginal_variances();
            let change = max_log_ratio(&next, &var);
            var = next;
            proposal = Some((p, ch));
            if change < VAR_TOL {
                break;
            }
        }
        // … kept as far as it raises the drawn objective (Λ blended with the current one)
        let Some((target, ch)) = proposal else {
            break;
        };
        let current = post
            .prec
            .clone()
            .unwrap_or_else(|| diagonal_precision(&post.var, nc, t1));
        let mut candidate = Some((ch, var, target.clone()));
        let mut change = 0.0f64;
        let mut alpha = 1.0;
        for _ in 0..BLEND_TRIES {
            let (ch, var, prec) = match candidate.take() {
                Some(c) => c,
                None => {
                    let p = blend(&current, &target, alpha);
                    let ch = p.factor_regularised()?;
                    let var = ch.marginal_variances();
                    (ch, var, p)
                }
            };
            let trial = RunPosterior {
                mean: post.mean.clone(),
                var,
                chol: Some(ch),
                prec: Some(prec),
            };
            // a linear law takes the fixed point (see above)
            let keep = linear || {
                let d = Draws::of(model, &trial, eps);
                let f = drawn_objective(model, run, nc, &trial.mean, &trial.var, &d, false);
                f.is_finite() && f >= f0
            };
            if keep {
                change = max_log_ratio(&trial.var, &post.var);
                *post = trial;
                break;
            }
            alpha *= 0.5;
        }
        if post.mean.iter().chain(&post.var).any(|x| !x.is_finite()) {
            return Err(Error::numerical(
                "latent chain",
                "non-finite mean or variance of q(X)",
            ));
        }
        // the means depend on the variances only through ρ̃ and the draws: another round only
        // when the variances moved appreciably
        if change < 1e-3 || moved < MEAN_TOL {
            break;
        }
    }
    // the steps ascend the objective without the θ-uncertainty term (the expensive part, of
    // order L/(N·T) of the transitions' term): keep them only if the whole objective rose
    if !linear && f_start.is_finite() && full(post) < f_start {
        *post = start;
    }
    Ok(())
}

/// This run's share of the precision of `θ` with its latent chain integrated out (Laplace, at
/// the means): `Σ_t G_tᵀ V G_t − H_θX Λ⁻¹ H_Xθ`, `L × L` row-major, where `Λ` is the Newton Hessian of the chain
/// and `H_Xθ` the mixed derivatives of the transitions, `−V G_t` in the rows of `X_{t+1}` and
/// `J_tᵀ V G_t` in those of `X_t` (`G_t = ∂μ/∂θ` at `m_t`).
pub fn theta_coupling(
    model: &ChainModel<'_>,
    run: &RunData<'_>,
    nc: usize,
    post: &RunPosterior,
) -> Result<Vec<f64>> {
    let t1 = run.nf.len();
    let steps = t1 - 1;
    let l = model.law.len();
    let lin = linearise(model, post.mean.clone(), nc, steps);
    let chol = precision(
        model,
        run,
        nc,
        &post.mean,
        &post.var,
        std::slice::from_ref(&lin),
        true,
    )
    .factor_regularised()?;
    // the rows √V G_t, `(T·nc) × L`, and H_Xθ, `((T+1)·nc) × L`, both row-major; the sums
    // are matrix products (a rank-one update per row and a solve per coefficient were 5% of
    // a kernel fit's time)
    let mut g = vec![0.0; steps * nc * l];
    let mut h = vec![0.0; t1 * nc * l];
    let mut vg = vec![0.0; nc * l];
    let mut mu = vec![0.0; nc];
    let mut xc = vec![0.0; nc];
    for t in 0..steps {
        xc.copy_from_slice(&post.mean[t * nc..(t + 1) * nc]);
        centre(&mut xc);
        let gt = &mut g[t * nc * l..(t + 1) * nc * l];
        model.law.linearise_into(&xc, model.theta, &mut mu, gt);
        for ((out, row), v) in vg.chunks_mut(l).zip(gt.chunks_mut(l)).zip(model.v) {
            let w = v.sqrt();
            for (o, x) in out.iter_mut().zip(row.iter_mut()) {
                *o = v * *x;
                *x *= w;
            }
        }
        // the rows of X_{t+1}: −V G_t
        for (o, x) in h[(t + 1) * nc * l..(t + 2) * nc * l].iter_mut().zip(&vg) {
            *o -= x;
        }
        // the rows of X_t: J_tᵀ V G_t
        let j = MatRef::from_row_major_slice(&lin.jac[t * nc * nc..(t + 1) * nc * nc], nc, nc);
        matmul(
            MatMut::from_row_major_slice_mut(&mut h[t * nc * l..(t + 1) * nc * l], nc, l),
            Accum::Add,
            j.transpose(),
            MatRef::from_row_major_slice(&vg, nc, l),
            1.0,
            Par::Seq,
        );
    }
    // Σ_t G_tᵀ V G_t − H_θX Λ⁻¹ H_Xθ = GᵀG − YᵀY with Y = L⁻¹ H_Xθ
    let mut out = faer::Mat::<f64>::zeros(l, l);
    let gm = MatRef::from_row_major_slice(&g, steps * nc, l);
    matmul(
        out.as_mut(),
        Accum::Replace,
        gm.transpose(),
        gm,
        1.0,
        Par::Seq,
    );
    chol.forward_many(&mut h, l);
    let y = MatRef::from_row_major_slice(&h, t1 * nc, l);
    matmul(out.as_mut(), Accum::Add, y.transpose(), y, -1.0, Par::Seq);
    // exactly symmetric: the lower triangle
    let mut sym = vec![0.0; l * l];
    for a in 0..l {
        for b in 0..=a {
            sym[a * l + b] = out[(a, b)];
            sym[b * l + a] = out[(a, b)];
        }
    }
    Ok(sym)
}

/// `m_t + diag(C_tt)/2` into `out`: the log-densities whose softmax is the Jensen bound's `ρ̃_t`.
fn jensen_shift(mean: &[f64], var: &[f64], nc: usize, t: usize, out: &mut [f64]) {
    let (m, c) = (&mean[t * nc..(t + 1) * nc], &var[t * nc..(t + 1) * nc]);
    for ((o, a), b) in out.iter_mut().zip(m).zip(c) {
        *o = a + 0.5 * b;
    }
}

/// The Jensen-bound likelihood without its constant,
/// `Σ_t [c_tᵀm_t − n_t ln Σ_k e^{m_tk + C_tt,kk/2}]`.
fn jensen_likelihood(run: &RunData<'_>, nc: usize, mean: &[f64], var: &[f64]) -> f64 {
    let mut shifted = vec![0.0; nc];
    (0..run.nf.len())
        .map(|t| {
            let m = &mean[t * nc..(t + 1) * nc];
            jensen_shift(mean, var, nc, t, &mut shifted);
            run.counts[t * nc..(t + 1) * nc]
                .iter()
                .zip(m)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                - run.nf[t] * log_sum_exp(&shifted)
        })
        .sum()
}

/// The ELBO terms of one run that belong to `q(X_i)` alone: the Jensen-bound likelihood
/// without its constant, the start prior, and the entropy `½ ln|2πe C|`.
pub fn run_terms(
    model_prior_var: f64,
    run: &RunData<'_>,
    nc: usize,
    post: &RunPosterior,
) -> RunTerms {
    let t1 = run.nf.len();
    let lik = jensen_likelihood(run, nc, &post.mean, &post.var);
    let ln2pi = (2.0 * std::f64::consts::PI).ln();
    let second: f64 = post.mean[..nc]
        .iter()
        .zip(&post.var[..nc])
        .map(|(m, v)| m * m + v)
        .sum();
    let start_prior =
        -0.5 * nc as f64 * (ln2pi + model_prior_var.ln()) - 0.5 * second / model_prior_var;
    let logdet = post.logdet();
    let entropy = 0.5 * (t1 * nc) as f64 * (ln2pi + 1.0) - 0.5 * logdet;
    RunTerms {
        likelihood: lik,
        start_prior,
        entropy,
    }
}

/// See [`run_terms`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RunTerms {
    /// `Σ_t [c_tᵀm_t − n_t ln Σ e^{m + diag C/2}]`.
    pub likelihood: f64,
    /// `E ln N(X_0; 0, σ0² I)`.
    pub start_prior: f64,
    /// `H[q(X_i)]`.
    pub entropy: f64,
}

/// A reproducible stream of uniform numbers in `[-½, ½)` for tests (a 64-bit LCG).
#[cfg(test)]
pub(crate) fn uniform(mut s: u64) -> impl FnMut() -> f64 {
    move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two-logarithm shortcut against a logarithm per value.
    #[test]
    fn max_log_ratio_is_the_largest_log_ratio() {
        let mut rnd = uniform(3);
        for n in [1, 2, 7, 50] {
            let a: Vec<f64> = (0..n).map(|_| (4.0 * rnd()).exp()).collect();
            let b: Vec<f64> = (0..n).map(|_| (4.0 * rnd()).exp()).collect();
            let direct = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (x / y).ln().abs())
                .fold(0.0, f64::max);
            assert_eq!(max_log_ratio(&a, &b), direct, "n = {n}");
        }
        assert_eq!(max_log_ratio(&[], &[]), 0.0);
    }

    /// The factor of an SPD matrix: `L Lᵀ = A`, upper triangle zero, and bit for bit the
    /// dot-product (left-looking) form it replaced; a matrix that is not positive definite is
    /// refused at its first failing pivot.
    #[test]
    fn cholesky_factors_and_names_the_failing_pivot() {
        let n = 37;
        let mut rnd = uniform(11);
        let m: Vec<f64> = (0..n * n).map(|_| rnd()).collect();
        let mut a = vec![0.0; n * n];
        for r in 0..n {
            for c in 0..n {
                a[r * n + c] = (0..n).map(|k| m[r * n + k] * m[c * n + k]).sum::<f64>()
                    + if r == c { 0.5 } else { 0.0 };
            }
        }
        let mut l = a.clone();
        cholesky(&mut l, n).unwrap();
        let mut reference = a.clone();
        for j in 0..n {
            let mut d = reference[j * n + j];
            for k in 0..j {
                d -= reference[j * n + k] * reference[j * n + k];
            }
            let d = d.sqrt();
            reference[j * n + j] = d;
            for i in j + 1..n {
                let mut s = reference[i * n + j];
                for k in 0..j {
                    s -= reference[i * n + k] * reference[j * n + k];
                }
                reference[i * n + j] = s / d;
            }
            for k in j + 1..n {
                reference[j * n + k] = 0.0;
            }
        }
        assert_eq!(l, reference);
        for r in 0..n {
            for c in 0..n {
                let llt: f64 = (0..n).map(|k| l[r * n + k] * l[c * n + k]).sum();
                assert!((llt - a[r * n + c]).abs() < 1e-12 * n as f64, "({r}, {c})");
            }
        }
        // [[1, 2], [2, 1]]: the second pivot is 1 − 4 < 0
        let mut bad = vec![1.0, 2.0, 2.0, 1.0];
        assert_eq!(cholesky(&mut bad, 2), Err(1));
        let mut nan = vec![f64::NAN];
        assert_eq!(cholesky(&mut nan, 1), Err(0));
    }

    /// A dense SPD block-tridiagonal matrix: the block Cholesky's solve, draws' covariance
    /// (through `L⁻ᵀ`), log-determinant and marginal variances against dense linear algebra.
    #[test]
    fn block_cholesky_matches_dense() {
        let (nc, t1) = (3, 4);
        let n = nc * t1;
        let mut p = BlockTridiagonal::zeros(nc, t1);
        let mut dense = vec![0.0; n * n];
        let mut rnd = uniform(7);
        for t in 0..t1 {
            for r in 0..nc {
                for c in 0..nc {
                    if t + 1 < t1 {
                        let x = rnd();
                        p.sub[t * nc * nc + r * nc + c] = x;
                        dense[((t + 1) * nc + r) * n + t * nc + c] = x;
                        dense[(t * nc + c) * n + (t + 1) * nc + r] = x;
                    }
                }
                for c in 0..=r {
                    let x = rnd() + if r == c { 4.0 } else { 0.0 };
                    p.diag[t * nc * nc + r * nc + c] = x;
                    p.diag[t * nc * nc + c * nc + r] = x;
                    dense[(t * nc + r) * n + t * nc + c] = x;
                    dense[(t * nc + c) * n + t * nc + r] = x;
                }
            }
        }
        let ch = p.factor().unwrap();
        let mut l = dense.clone();
        cholesky(&mut l, n).unwrap();
        let logdet: f64 = (0..n).map(|k| 2.0 * l[k * n + k].ln()).sum();
        assert!((ch.logdet() - logdet).abs() < 1e-12);
        // inverse, column by column
        let mut inv = vec![0.0; n * n];
        for c in 0..n {
            let mut e = vec![0.0; n];
            e[c] = 1.0;
            solve_lower(&l, n, &mut e);
            solve_lower_t(&l, n, &mut e);
            for r in 0..n {
                inv[r * n + c] = e[r];
            }
        }
        let b: Vec<f64> = (0..n).map(|k| (k as f64 * 0.7).sin()).collect();
        let mut x = b.clone();
        ch.solve(&mut x);
        for r in 0..n {
            let want: f64 = (0..n).map(|c| inv[r * n + c] * b[c]).sum();
            assert!((x[r] - want).abs() < 1e-12, "{r}: {} vs {want}", x[r]);
        }
        // the forward half on two columns at once: L⁻¹ of the dense factor
        let k = 2;
        let mut xs: Vec<f64> = (0..n * k).map(|i| (i as f64 * 0.3).cos()).collect();
        let cols: Vec<Vec<f64>> = (0..k)
            .map(|c| (0..n).map(|r| xs[r * k + c]).collect())
            .collect();
        ch.forward_many(&mut xs, k);
        for (c, mut want) in cols.into_iter().enumerate() {
            solve_lower(&l, n, &mut want);
            for r in 0..n {
                assert!((xs[r * k + c] - want[r]).abs() < 1e-12, "({r}, {c})");
            }
        }
        let var = ch.marginal_variances();
        for k in 0..n {
            assert!((var[k] - inv[k * n + k]).abs() < 1e-12, "{k}");
        }
        let (diag, sub) = ch.covariance_blocks(true);
        for t in 0..t1 {
            for r in 0..nc {
                for c in 0..nc {
                    let want = inv[(t * nc + r) * n + t * nc + c];
                    assert!((diag[t][r * nc + c] - want).abs() < 1e-12);
                    if t + 1 < t1 {
                        let want = inv[((t + 1) * nc + r) * n + t * nc + c];
                        assert!((sub[t][r * nc + c] - want).abs() < 1e-12, "({t}, {r}, {c})");
                    }
                }
            }
        }
        // L⁻ᵀ applied to the unit vectors gives columns whose outer products sum to Λ⁻¹
        let mut cov = vec![0.0; n * n];
        for k in 0..n {
            let mut e = vec![0.0; n];
            e[k] = 1.0;
            ch.back(&mut e);
            for r in 0..n {
                for c in 0..n {
                    cov[r * n + c] += e[r] * e[c];
                }
            }
        }
        for k in 0..n * n {
            assert!((cov[k] - inv[k]).abs() < 1e-12);
        }
    }
}
