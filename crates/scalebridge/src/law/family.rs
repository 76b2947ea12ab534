//! The one interface every coarse law family implements.
//!
//! A law family maps a coarse state `X` and coefficients `θ` to the mean of the next state,
//! `μ(X; θ)`, centred across bins. The learner needs the mean and its Jacobian `∂μ/∂θ` (for a
//! law linear in `θ` the Jacobian is the design matrix and does not depend on `θ`); prediction
//! needs the mean; `show` and the report need names and, optionally, a law-specific table.
//! Nothing downstream knows which family it holds: a third family implements [`CoarseLaw`] and
//! adds a [`LawSpec`] variant (`spec.rs`) and its case of [`LawSpec::build`] (`options.rs`).

use super::spec::LawSpec;
use crate::error::Result;
use std::fmt;

/// A coarse evolution law family: `X'_j | X ~ Normal(μ_j(X; θ), 1/v_j)`.
pub trait CoarseLaw: Send + Sync + fmt::Debug {
    /// Coefficient names, one per entry of `θ`, readable by a physicist.
    fn names(&self) -> Vec<String>;
    /// Number of coefficients `L`.
    fn len(&self) -> usize;
    /// Whether the law has no coefficients.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Checks that the law can be evaluated on `nc` bins.
    fn check(&self, nc: usize) -> Result<()>;
    /// Whether `μ` is linear in `θ` (the Jacobian then does not depend on `θ`, and the learner
    /// needs no re-linearisation).
    fn is_linear(&self) -> bool;
    /// `μ(X; θ)` into `out` (`nc` values, centred).
    fn mean_into(&self, x: &[f64], theta: &[f64], out: &mut [f64]);
    /// `μ(X; θ)` into `mean` and `∂μ_j/∂θ_l` into `jac` (`nc × L`, row-major).
    fn linearise_into(&self, x: &[f64], theta: &[f64], mean: &mut [f64], jac: &mut [f64]);
    /// `μ(X; θ + δ e_k)` for every `δ` of `deltas` into `out` (`deltas.len() × nc`, row-major):
    /// the law along one coefficient, what a profile of the objective needs. The default
    /// evaluates the law once per `δ`; a family may share what does not depend on `θ_k`.
    fn mean_along_into(&self, x: &[f64], theta: &[f64], k: usize, deltas: &[f64], out: &mut [f64]) {
        let mut th = theta.to_vec();
        for (d, o) in deltas.iter().zip(out.chunks_mut(x.len())) {
            th[k] = theta[k] + d;
            self.mean_into(x, &th, o);
        }
    }
    /// `∂μ_j/∂X_k` at `(X, θ)` into `jac` (`nc × nc`, row-major): what a learner whose input
    /// states are latent (trajectories, SPEC A.10) needs. The default takes central differences
    /// of [`CoarseLaw::mean_into`] with steps `h_k = 10⁻⁵ (1 + |X_k|)` (truncation error
    /// O(h²) ≈ 10⁻¹⁰ relative for the smooth families here); a family may supply the exact
    /// Jacobian instead.
    fn jacobian_x_into(&self, x: &[f64], theta: &[f64], jac: &mut [f64]) {
        finite_difference_jacobian(self, x, theta, jac);
    }
    /// [`CoarseLaw::mean_into`] and [`CoarseLaw::jacobian_x_into`] together (a family may
    /// share one evaluation between them).
    fn mean_and_jacobian_x_into(
        &self,
        x: &[f64],
        theta: &[f64],
        mean: &mut [f64],
        jac: &mut [f64],
    ) {
        self.mean_into(x, theta, mean);
        self.jacobian_x_into(x, theta, jac);
    }
    /// Which coefficients make up the family's simplest member, the law a learner whose input
    /// states are latent starts from (the others start pruned, and automatic relevance
    /// determination admits them as the evidence asks). Default: every coefficient. The
    /// kernel law's are the constant log-odds of its hops: walkers that neither interact nor
    /// feel their position.
    fn baseline(&self) -> Vec<bool> {
        vec![true; self.len()]
    }
    /// How to rebuild the family from `posterior.json`.
    fn spec(&self) -> LawSpec;
    /// The equation's first line: the form of the law in words and symbols.
    fn form(&self, nc: usize) -> String;
    /// A law-specific table for `show` and the report (for example hop probabilities with
    /// error bars), from the posterior mean and covariance of `θ`; `None` when the coefficient
    /// list says it all.
    fn table(&self, _theta: &[f64], _cov: &[Vec<f64>], _nc: usize) -> Option<String> {
        None
    }
}

/// `∂μ_j/∂X_k` by central differences of [`CoarseLaw::mean_into`], steps
/// `h_k = 10⁻⁵ (1 + |X_k|)`.
pub fn finite_difference_jacobian<L: CoarseLaw + ?Sized>(
    law: &L,
    x: &[f64],
    theta: &[f64],
    jac: &mut [f64],
) {
    let nc = x.len();
    let mut xp = x.to_vec();
    let (mut up, mut down) = (vec![0.0; nc], vec![0.0; nc]);
    for k in 0..nc {
        let h = 1e-5 * (1.0 + x[k].abs());
        xp[k] = x[k] + h;
        law.mean_into(&xp, theta, &mut up);
        xp[k] = x[k] - h;
        law.mean_into(&xp, theta, &mut down);
        xp[k] = x[k];
        for j in 0..nc {
            jac[j * nc + k] = (up[j] - down[j]) / (2.0 * h);
        }
    }
}
