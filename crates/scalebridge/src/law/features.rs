//! The open feature library: families of named candidate terms, concatenated.
//!
//! A user adds a family (a third-order term, `X_j·(X_{j+1}-X_{j-1})`, a position-modulated
//! term, …) by implementing [`FeatureFamily`] and pushing it onto a [`FeatureLibrary`]; nothing
//! downstream needs to change.

use super::family::{CoarseLaw, finite_difference_jacobian};
use super::spec::LawSpec;
use crate::error::Result;
use std::fmt;

/// A family of candidate terms evaluated bin by bin on a periodic coarse state.
pub trait FeatureFamily: Send + Sync + fmt::Debug {
    /// Number of features in the family.
    fn len(&self) -> usize;
    /// Whether the family is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Human-readable names, one per feature, e.g. `X(j-1)` or `X(j+1)*X(j+1)`.
    fn names(&self) -> Vec<String>;
    /// Raw (uncentred) features of bin `j` of the state `x`, written into `out` (`len()` values).
    /// Indices are periodic in `x.len()`.
    fn eval_bin(&self, x: &[f64], j: usize, out: &mut [f64]);
    /// Adds `Σ_l θ_l ∂φ_l^(j)/∂X` (before centring across bins) to `out` (`nc` values), where
    /// `theta` holds this family's coefficients; returns `false` when the family has no exact
    /// derivative (the library then takes finite differences).
    fn add_gradient(&self, _x: &[f64], _j: usize, _theta: &[f64], _out: &mut [f64]) -> bool {
        false
    }
    /// Checks that the family can be evaluated on `nc` bins (e.g. a stencil that does not wrap
    /// onto itself).
    fn check(&self, _nc: usize) -> Result<()> {
        Ok(())
    }
}

/// An ordered concatenation of feature families. Feature `l` of the library is feature
/// `l - offset` of the family that holds it.
#[derive(Debug, Default)]
pub struct FeatureLibrary {
    families: Vec<Box<dyn FeatureFamily>>,
    names: Vec<String>,
    /// Set by the named constructors ([`FeatureLibrary::polynomial`]); any family added
    /// afterwards makes the library custom.
    pub(crate) spec: Option<LawSpec>,
}

impl FeatureLibrary {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a family (builder style).
    pub fn with(mut self, family: Box<dyn FeatureFamily>) -> Self {
        self.spec = None;
        self.names.extend(family.names());
        self.families.push(family);
        self
    }

    /// Total number of features `L`.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the library has no features.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Feature names in library order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of the feature called `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Checks every family against `nc` bins.
    pub fn check(&self, nc: usize) -> Result<()> {
        self.families.iter().try_for_each(|f| f.check(nc))
    }

    /// The centred design matrix of state `x`: `out` is `nc × L`, row-major, row `j` holding
    /// `φ̃^(j)(x) = φ^(j)(x) - (1/nc) Σ_k φ^(k)(x)`.
    pub fn design_into(&self, x: &[f64], out: &mut [f64]) {
        let nc = x.len();
        let l = self.len();
        debug_assert_eq!(out.len(), nc * l);
        for j in 0..nc {
            let row = &mut out[j * l..(j + 1) * l];
            let mut offset = 0;
            for fam in &self.families {
                let n = fam.len();
                fam.eval_bin(x, j, &mut row[offset..offset + n]);
                offset += n;
            }
        }
        for c in 0..l {
            let mean = (0..nc).map(|j| out[j * l + c]).sum::<f64>() / nc as f64;
            for j in 0..nc {
                out[j * l + c] -= mean;
            }
        }
    }

    /// [`FeatureLibrary::design_into`] into a new buffer.
    pub fn design(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; x.len() * self.len()];
        self.design_into(x, &mut out);
        out
    }
}

/// A library is a law linear in its coefficients: `μ_j(X) = θᵀ φ̃^(j)(X)` (SPEC A.3).
impl CoarseLaw for FeatureLibrary {
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }
    fn len(&self) -> usize {
        self.names.len()
    }
    fn check(&self, nc: usize) -> Result<()> {
        FeatureLibrary::check(self, nc)
    }
    fn is_linear(&self) -> bool {
        true
    }
    fn mean_into(&self, x: &[f64], theta: &[f64], out: &mut [f64]) {
        let l = self.len();
        let design = self.design(x);
        for (o, row) in out.iter_mut().zip(design.chunks_exact(l)) {
            *o = row.iter().zip(theta).map(|(a, b)| a * b).sum();
        }
    }
    fn jacobian_x_into(&self, x: &[f64], theta: &[f64], jac: &mut [f64]) {
        let nc = x.len();
        jac.fill(0.0);
        for j in 0..nc {
            let row = &mut jac[j * nc..(j + 1) * nc];
            let mut offset = 0;
            for fam in &self.families {
                let n = fam.len();
                if !fam.add_gradient(x, j, &theta[offset..offset + n], row) {
                    return finite_difference_jacobian(self, x, theta, jac);
                }
                offset += n;
            }
        }
        // the features are centred across bins: so is each column of the Jacobian
        for k in 0..nc {
            let mean = (0..nc).map(|j| jac[j * nc + k]).sum::<f64>() / nc as f64;
            for j in 0..nc {
                jac[j * nc + k] -= mean;
            }
        }
    }
    fn linearise_into(&self, x: &[f64], theta: &[f64], mean: &mut [f64], jac: &mut [f64]) {
        let l = self.len();
        self.design_into(x, jac);
        for (o, row) in mean.iter_mut().zip(jac.chunks_exact(l)) {
            *o = row.iter().zip(theta).map(|(a, b)| a * b).sum();
        }
    }
    fn spec(&self) -> LawSpec {
        self.spec.clone().unwrap_or_else(|| LawSpec::Custom {
            description: format!("{} features: {}", self.len(), self.names.join(", ")),
        })
    }
    fn form(&self, nc: usize) -> String {
        format!("X'(j) = Σ θ·φ̃(X)(j) + noise,  φ̃ = feature minus its mean over the {nc} bins")
    }
}

/// Formats a periodic offset as a bin index: `j`, `j+2`, `j-1`.
pub fn offset_name(m: i64) -> String {
    match m {
        0 => "j".to_owned(),
        m if m > 0 => format!("j+{m}"),
        m => format!("j-{}", -m),
    }
}

/// `x[(j + m) mod nc]`.
#[inline]
pub fn at(x: &[f64], j: usize, m: i64) -> f64 {
    let nc = x.len() as i64;
    x[(j as i64 + m).rem_euclid(nc) as usize]
}
