//! Lifting (coarse → fine): the multinomial–softmax map `p_cf(x | X)` (SPEC A.2).
//!
//! The coarse state `X ∈ R^nc` sets the bin probabilities `ρ = softmax(X)`; walkers are
//! conditionally independent given `X` and uniform within their bin, so the density of the
//! (labelled) positions is
//!
//! ```text
//! log p_cf(x | X) = Σ_j m_j ln(ρ_j / Δy),        ∇_X log p_cf = m - nf·ρ .
//! ```
//!
//! The map is a swappable part: the [`LiftMap`] trait is what the rest of the library consumes;
//! [`SoftmaxLift`] is the paper's map.

use super::domain::Domain;
use crate::error::Result;
use crate::math::{log_sum_exp, sample_multinomial, softmax};
use crate::rng::{SbRng, uniform};

/// A probabilistic coarse-to-fine map: a density of fine states given a coarse state, and a
/// sampler of it.
pub trait LiftMap: Send + Sync {
    /// `log p_cf(x | X)` from the counts `m` of the fine state on the coarse bins.
    fn log_density(&self, x_coarse: &[f64], counts: &[i64]) -> f64;
    /// Draws `nf` walker positions from `p_cf(· | X)`.
    fn sample(&self, x_coarse: &[f64], nf: usize, rng: &mut SbRng) -> Result<Vec<f64>>;
}

/// The paper's map: multinomial counts with `ρ = softmax(X)`, positions uniform within bins.
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxLift {
    /// The periodic interval the bins partition.
    pub domain: Domain,
}

impl LiftMap for SoftmaxLift {
    fn log_density(&self, x_coarse: &[f64], counts: &[i64]) -> f64 {
        let nc = x_coarse.len();
        let lse = log_sum_exp(x_coarse);
        let ln_dy = self.domain.bin_width(nc).ln();
        counts
            .iter()
            .zip(x_coarse)
            .filter(|(m, _)| **m != 0)
            .map(|(&m, &x)| m as f64 * (x - lse - ln_dy))
            .sum()
    }

    /// Counts from a multinomial, positions uniform within their bin, then the walker labels
    /// are shuffled (Fisher–Yates) so that the labelled walkers are exchangeable, as i.i.d.
    /// draws from `ρ` would be.
    fn sample(&self, x_coarse: &[f64], nf: usize, rng: &mut SbRng) -> Result<Vec<f64>> {
        let nc = x_coarse.len();
        let rho = softmax(x_coarse);
        let counts = sample_multinomial(nf as u64, &rho, rng)?;
        let dy = self.domain.bin_width(nc);
        let mut positions = Vec::with_capacity(nf);
        for (j, &m) in counts.iter().enumerate() {
            let left = self.domain.ymin + j as f64 * dy;
            for _ in 0..m {
                // uniform within the bin; guard against rounding onto the next bin's edge
                let y = (left + uniform(rng) * dy).min(self.domain.ymax);
                positions.push(if y >= self.domain.ymax {
                    self.domain.ymin
                } else {
                    y
                });
            }
        }
        // Fisher–Yates with a 53-bit uniform per swap (index bias below n·2⁻⁵³). rand's
        // `SliceRandom::shuffle` draws its indices differently, so switching to it would change
        // every lifted state — and with it every stored walker result — for no statistical gain;
        // kept deliberately (issue 9: outputs bit-identical across the restructure).
        for i in (1..positions.len()).rev() {
            let k = ((uniform(rng) * (i + 1) as f64) as usize).min(i);
            positions.swap(i, k);
        }
        Ok(positions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::walkers::restrict::bin_counts;

    #[test]
    fn lifted_positions_follow_softmax_and_stay_in_domain() {
        let d = Domain::default();
        let lift = SoftmaxLift { domain: d };
        let x = [0.5, -0.5, 1.0, -1.0];
        let rho = softmax(&x);
        let mut rng = stream(5, 0, 0);
        let nf = 200_000;
        let pos = lift.sample(&x, nf, &mut rng).unwrap();
        assert_eq!(pos.len(), nf);
        assert!(pos.iter().all(|&y| d.contains(y)));
        let c = bin_counts(&pos, &d, 4);
        for j in 0..4 {
            let se = (nf as f64 * rho[j] * (1.0 - rho[j])).sqrt();
            assert!((c[j] as f64 - nf as f64 * rho[j]).abs() < 5.0 * se);
        }
        // finer binning: each half-bin inherits half of its parent's mass (uniform within bins)
        let c8 = bin_counts(&pos, &d, 8);
        for j in 0..4 {
            let (a, b) = (c8[2 * j] as f64, c8[2 * j + 1] as f64);
            let se = (a + b).sqrt();
            assert!((a - b).abs() < 5.0 * se);
        }
    }

    #[test]
    fn log_density_gradient_is_m_minus_nf_rho() {
        let lift = SoftmaxLift {
            domain: Domain::default(),
        };
        let x = [0.3, -0.2, 0.1, -0.2];
        let m = [3i64, 1, 4, 2];
        let nf: i64 = m.iter().sum();
        let rho = softmax(&x);
        let h = 1e-6;
        for j in 0..4 {
            let mut xp = x;
            let mut xm = x;
            xp[j] += h;
            xm[j] -= h;
            let fd = (lift.log_density(&xp, &m) - lift.log_density(&xm, &m)) / (2.0 * h);
            let exact = m[j] as f64 - nf as f64 * rho[j];
            assert!((fd - exact).abs() < 1e-6, "{fd} vs {exact}");
        }
        // absolute value: uniform density on [-1,1) with 4 bins: ρ_j/Δy = 0.25/0.5 each
        let flat = lift.log_density(&[0.0; 4], &m);
        assert!((flat - nf as f64 * (0.5f64).ln()).abs() < 1e-12);
    }
}
