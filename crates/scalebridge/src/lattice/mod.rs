//! Lattice models (SPEC Part B): the periodic 2D Ising model and inverse renormalisation.
//!
//! | module | holds |
//! |---|---|
//! | [`model`] | configurations ([`Lattice`]), `m`, `e`, and their `.npy` files |
//! | [`exact`](mod@exact) | Kaufman's exact finite-torus `ln Z`, `E/N`, `C/N`, with exact derivatives |
//! | [`samplers`] | Monte Carlo: Wolff clusters, checkerboard heat bath, multi-spin-coded heat bath, behind one [`samplers::Sampler`] trait, and the ensemble driver |
//! | [`rg`] | renormalisation maps: majority rule and decimation (fine → coarse), the local lifting rule and its fit (coarse → fine), dreaming, MCRG |
//! | [`analysis`] | ensemble estimates with jackknife errors and `τ_int`; finite-size scaling |

pub mod analysis;
pub mod exact;
pub mod model;
pub mod nis;
pub mod rg;
pub mod samplers;

pub use analysis::estimates::{Ensemble, Estimate, estimate};
pub use exact::{ExactIsing, exact};
pub use model::Lattice;
pub use rg::block::{decimate, majority_rule};
pub use rg::lift::{LiftFit, LiftRule, Lifter, fit};
pub use samplers::{HeatBath, PackedHeatBath, Wolff};

/// The critical coupling `K_c = ln(1 + √2)/2`.
pub const K_C: f64 = 0.440_686_793_509_772;

/// Helpers shared by the samplers' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Lattice;

    /// Runs `f` in a pool of `threads` threads.
    pub fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    /// After a half-sweep of colour 0 at very large K: colour 1 unchanged, every colour-0 spin
    /// with a non-zero neighbour sum aligned with it.
    pub fn assert_majority_half_sweep(before: &Lattice, after: &Lattice) {
        let l = before.l;
        let at = |a: usize, b: usize| before.spins[(a % l) * l + b % l] as i32;
        for i in 0..l {
            for j in 0..l {
                let field = at(i + l - 1, j) + at(i + 1, j) + at(i, j + l - 1) + at(i, j + 1);
                let got = after.spins[i * l + j];
                if (i + j) % 2 == 1 {
                    assert_eq!(got, before.spins[i * l + j]);
                } else if field != 0 {
                    assert_eq!(got as i32, field.signum(), "({i}, {j})");
                }
            }
        }
    }
}
