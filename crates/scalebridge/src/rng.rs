//! Explicit, reproducible random streams.
//!
//! scalebridge has no global or thread-local randomness. Every stochastic function takes a
//! generator, and parallel work derives one generator per work item from `(seed, purpose, item)`
//! with [`stream`], never from the thread that happens to run it — so results are bit-identical
//! whatever the number of threads.
//!
//! The generator is xoshiro256++ (fast, 256-bit state, passes BigCrush); the derivation hashes
//! `(seed, purpose, item)` with the SplitMix64 finaliser, which is a bijection on `u64`, so
//! distinct items get distinct, well-mixed seeds.

use rand::{Rng, SeedableRng};
pub use rand_xoshiro::Xoshiro256PlusPlus as SbRng;

/// Purposes that tag independent random streams (the second key of [`stream`]).
pub mod purpose {
    /// Controlled experiment `i` (initial state, lifting, fine dynamics).
    pub const EXPERIMENT: u64 = 0x45_58_50;
    /// Replica `r` of a trajectory run.
    pub const TRAJECTORY: u64 = 0x54_52_4a;
    /// Monte Carlo draws of the reference (ADAM) latent-state optimiser.
    pub const LATENT: u64 = 0x4c_41_54;
    /// Predictive sample `s`.
    pub const PREDICT: u64 = 0x50_52_44;
    /// Common random draws of the latent chains of trajectories (learning).
    pub const CHAIN: u64 = 0x43_48_4e;
    /// Posterior draw `d` of the law's coefficients and noise precision.
    pub const DRAWS: u64 = 0x44_52_57;
}

/// SplitMix64 finaliser: a bijective, avalanche-mixing map on `u64`.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of work item `item` for `purpose` under the user's `seed`.
pub fn stream(seed: u64, purpose: u64, item: u64) -> SbRng {
    let key = splitmix64(seed ^ splitmix64(purpose ^ splitmix64(item)));
    SbRng::seed_from_u64(key)
}

/// `⌊p·2³²⌉` for `p ∈ [0, 1]`: a uniform 32-bit word `u` satisfies `u < threshold32(p)` with
/// probability `p` to within 2⁻³³ (exactly 0 and 1 at the ends).
#[inline]
pub fn threshold32(p: f64) -> u64 {
    (p * 4_294_967_296.0).round() as u64
}

/// A uniform draw in `[0, 1)` with 53 random bits.
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (ziggurat).
#[inline]
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    use rand_distr::Distribution;
    rand_distr::StandardNormal.sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_item_and_purpose_and_repeat() {
        let a = stream(7, purpose::EXPERIMENT, 0).next_u64();
        let b = stream(7, purpose::EXPERIMENT, 1).next_u64();
        let c = stream(7, purpose::TRAJECTORY, 0).next_u64();
        let d = stream(8, purpose::EXPERIMENT, 0).next_u64();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_eq!(a, stream(7, purpose::EXPERIMENT, 0).next_u64());
    }

    #[test]
    fn uniform_is_in_unit_interval_with_right_mean() {
        let mut rng = stream(1, 0, 0);
        let n = 200_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = uniform(&mut rng);
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        // standard error of the mean of U(0,1): sqrt(1/12 / n)
        let se = (1.0 / 12.0 / n as f64).sqrt();
        assert!((sum / n as f64 - 0.5).abs() < 5.0 * se);
    }
}
