//! Where a prediction starts.
//!
//! * a training experiment `I` (eq. 2.39): `X0` is known, `X_Δt ~ q(X_I)` (the learner's
//!   latent posterior), propagation from `t = 2Δt` on;
//! * a new fine state `x̄0` (eqs. 2.40–2.41): `p(X̄0 | x̄0) ∝ p_cf(x̄0 | X̄0)·N(X̄0; 0, λ⁻¹ I)` with a
//!   vague prior (`λ = 10⁻⁴`), approximated like the learner's latent states by a Gaussian
//!   `N(μ, diag s²)` fitted with the Jensen bound ([`crate::inference::latent::newton`]); draws
//!   are centred (the gauge). A Laplace approximation would be wrong for an empty bin (its
//!   posterior in `X_j` is one-sided: nothing forbids `X_j → −∞`, a lot forbids `X_j` large); the
//!   Jensen term `e^{μ_j + s_j²/2}` penalises exactly that upward mass, so `s_j` stays moderate.

use crate::inference::latent::{Site, newton};
use crate::math::centre;
use crate::rng::{SbRng, standard_normal};

/// Prior precision of the vague prior on a new coarse start.
pub const VAGUE_PRECISION: f64 = 1e-4;

/// The coarse start of a prediction.
#[derive(Clone, Debug, PartialEq)]
pub enum Start {
    /// A training experiment: `X0` known, `X_Δt ~ N(mean, diag std²)`.
    Experiment {
        x0: Vec<f64>,
        mean: Vec<f64>,
        std: Vec<f64>,
    },
    /// A new state: `X̄0 ~ N(mean, diag std²)`, inferred from fine data.
    Inferred { mean: Vec<f64>, std: Vec<f64> },
}

impl Start {
    /// Infers the start from the counts of a fine state on the model's coarse bins.
    pub fn from_counts(counts: &[i64]) -> Self {
        let nc = counts.len();
        let m: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        let nf: f64 = m.iter().sum();
        let prior_mean = vec![0.0; nc];
        let precision = vec![VAGUE_PRECISION; nc];
        let site = Site {
            counts: &m,
            prior_mean: &prior_mean,
            precision: &precision,
            nf,
        };
        let mut mu: Vec<f64> = m.iter().map(|c| (c + 0.5).ln()).collect();
        centre(&mut mu);
        let mut s = vec![0.1; nc];
        newton(&site, &mut mu, &mut s);
        Start::Inferred { mean: mu, std: s }
    }

    /// The coarse state at step `k` (0 or 1) if it is not propagated: `Some` for the known
    /// or sampled start states, `None` where propagation takes over.
    pub(crate) fn state_at(&self, k: usize, rng: &mut SbRng) -> Option<Vec<f64>> {
        let draw = |mean: &[f64], std: &[f64], rng: &mut SbRng| {
            let mut x: Vec<f64> = mean
                .iter()
                .zip(std)
                .map(|(m, s)| m + s * standard_normal(rng))
                .collect();
            centre(&mut x);
            x
        };
        match (self, k) {
            (Start::Experiment { x0, .. }, 0) => Some(x0.clone()),
            (Start::Experiment { mean, std, .. }, 1) => Some(draw(mean, std, rng)),
            (Start::Inferred { mean, std }, 0) => Some(draw(mean, std, rng)),
            _ => None,
        }
    }

    /// Number of coarse bins.
    pub fn nc(&self) -> usize {
        match self {
            Start::Experiment { mean, .. } | Start::Inferred { mean, .. } => mean.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::softmax;

    #[test]
    fn an_empty_bin_gets_a_small_but_sane_start() {
        let counts = [500i64, 300, 0, 200];
        let Start::Inferred { mean, std } = Start::from_counts(&counts) else {
            unreachable!()
        };
        let rho = softmax(&mean);
        assert!((rho[0] - 0.5).abs() < 0.01 && (rho[1] - 0.3).abs() < 0.01);
        assert!(rho[2] < 1e-3, "{rho:?}");
        // the empty bin's posterior is one-sided and vague (wide s), but a draw two standard
        // deviations up still carries less than one walker's worth of probability
        let lse = crate::math::log_sum_exp(&mean);
        assert!(
            (mean[2] + 2.0 * std[2] - lse).exp() < 1.0 / 1000.0,
            "{mean:?} {std:?}"
        );
        // a full bin: s² = 1/(λ + nf ρ̃) ≈ 1/500
        assert!(
            (std[0] - (1.0f64 / 500.0).sqrt()).abs() < 1e-3,
            "{std:?} {mean:?}"
        );
    }
}
