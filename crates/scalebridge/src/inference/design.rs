//! The (linearised) design of every experiment: the law's mean around a point `θ*` is
//!
//! ```text
//! μ_ij(θ) ≈ c_ij + Φ_ijᵀ θ,   Φ_ij = ∂μ_j(X0_i; θ*)/∂θ,   c_ij = μ_j(X0_i; θ*) − Φ_ijᵀ θ*
//! ```
//!
//! exact for a law linear in `θ` (then `Φ_ij = φ̃^(j)(X0_i)` and `c = 0`), the Gauss–Newton
//! linearisation for a nonlinear law (the kernel law of SPEC A.9), which the learner rebuilds
//! around the current posterior mean every sweep. With the Gram matrices
//! `G_j = Σ_i Φ_ij Φ_ijᵀ` (one per bin, and their sum) every sweep costs O(nc·L²) for the
//! `q(θ)` and `q(v)` updates instead of O(N·nc·L²).

use super::data::TrainingData;
use crate::law::CoarseLaw;
use faer::Mat;
use rayon::prelude::*;

/// Design rows, offsets and Gram matrices.
#[derive(Clone, Debug)]
pub struct Design {
    /// Experiments `N`.
    pub n: usize,
    /// Bins `nc`.
    pub nc: usize,
    /// Coefficients `L`.
    pub l: usize,
    /// `Φ`, row-major `(N, nc, L)`.
    pub phi: Vec<f64>,
    /// `c`, row-major `(N, nc)`; all zero for a linear law.
    pub offset: Vec<f64>,
    /// `G_j`, one per bin.
    pub gram_bin: Vec<Mat<f64>>,
    /// `G = Σ_j G_j`.
    pub gram: Mat<f64>,
}

impl Design {
    /// Evaluates (linearises) the law on every `X0` around `theta`.
    pub fn new(law: &dyn CoarseLaw, data: &TrainingData, theta: &[f64]) -> Self {
        let (n, nc, l) = (data.n, data.nc, law.len());
        let linear = law.is_linear();
        let rows: Vec<(Vec<f64>, Vec<f64>)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let mut jac = vec![0.0; nc * l];
                let mut mean = vec![0.0; nc];
                law.linearise_into(data.x0_row(i), theta, &mut mean, &mut jac);
                let offset = if linear {
                    vec![0.0; nc]
                } else {
                    (0..nc)
                        .map(|j| {
                            let row = &jac[j * l..(j + 1) * l];
                            mean[j] - row.iter().zip(theta).map(|(a, b)| a * b).sum::<f64>()
                        })
                        .collect()
                };
                (jac, offset)
            })
            .collect();
        let mut phi = Vec::with_capacity(n * nc * l);
        let mut offset = Vec::with_capacity(n * nc);
        for (j, c) in rows {
            phi.extend(j);
            offset.extend(c);
        }
        let gram_bin: Vec<Mat<f64>> = (0..nc)
            .map(|j| {
                let a = Mat::from_fn(n, l, |i, c| phi[(i * nc + j) * l + c]);
                a.transpose() * &a
            })
            .collect();
        let mut gram = Mat::<f64>::zeros(l, l);
        for g in &gram_bin {
            gram += g;
        }
        Design {
            n,
            nc,
            l,
            phi,
            offset,
            gram_bin,
            gram,
        }
    }

    /// `Φ_i^(j)`.
    #[inline]
    pub fn row(&self, i: usize, j: usize) -> &[f64] {
        let o = (i * self.nc + j) * self.l;
        &self.phi[o..o + self.l]
    }

    /// The (linearised) mean `a_ij = c_ij + Φ_ijᵀ θ` of every experiment, row-major
    /// `(N, nc)`.
    pub fn predict(&self, theta: &[f64]) -> Vec<f64> {
        self.phi
            .chunks_exact(self.l)
            .zip(&self.offset)
            .map(|(r, c)| r.iter().zip(theta).map(|(a, b)| a * b).sum::<f64>() + c)
            .collect()
    }

    /// The change of the mean for a change `dtheta` of the coefficients, `Φ_ijᵀ Δθ`.
    pub fn apply(&self, dtheta: &[f64]) -> Vec<f64> {
        self.phi
            .chunks_exact(self.l)
            .map(|r| r.iter().zip(dtheta).map(|(a, b)| a * b).sum())
            .collect()
    }
}
