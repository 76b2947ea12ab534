//! The centred design of every experiment, `Φ_i^(j) = φ̃^(j)(X0^(i)) ∈ R^L`, and its Gram
//! matrices `G_j = Σ_i Φ_i^(j) Φ_i^(j)ᵀ` (one per bin, and their sum), computed once: every
//! sweep then costs O(nc·L²) for the `q(θ)` and `q(v)` updates instead of O(N·nc·L²).

use super::data::TrainingData;
use crate::law::FeatureLibrary;
use faer::Mat;

/// Design rows and Gram matrices.
#[derive(Clone, Debug)]
pub struct Design {
    /// Experiments `N`.
    pub n: usize,
    /// Bins `nc`.
    pub nc: usize,
    /// Features `L`.
    pub l: usize,
    /// `Φ`, row-major `(N, nc, L)`.
    pub phi: Vec<f64>,
    /// `G_j`, one per bin.
    pub gram_bin: Vec<Mat<f64>>,
    /// `G = Σ_j G_j`.
    pub gram: Mat<f64>,
}

impl Design {
    /// Evaluates the library on every `X0`.
    pub fn new(library: &FeatureLibrary, data: &TrainingData) -> Self {
        let (n, nc, l) = (data.n, data.nc, library.len());
        let mut phi = vec![0.0; n * nc * l];
        for i in 0..n {
            library.design_into(data.x0_row(i), &mut phi[i * nc * l..(i + 1) * nc * l]);
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

    /// `a_i = Φ_i μθ` for every experiment, row-major `(N, nc)`.
    pub fn predict(&self, theta: &[f64]) -> Vec<f64> {
        self.phi
            .chunks_exact(self.l)
            .map(|r| r.iter().zip(theta).map(|(a, b)| a * b).sum())
            .collect()
    }
}
