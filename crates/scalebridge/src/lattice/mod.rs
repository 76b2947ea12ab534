//! Lattice models (SPEC Part B): the periodic 2D Ising model.
//!
//! | file | holds |
//! |---|---|
//! | [`kaufman`] | exact finite-torus `ln Z`, `E/N`, `C/N` (Kaufman 1949), any `L`, `K` |
//! | [`jet`] | second-order forward-mode derivatives, so `E` and `C` are exact derivatives of `ln Z` |
//! | [`ising`] | configurations, `m`, `e` |
//! | [`wolff`] | Wolff single-cluster sampler |
//! | [`heatbath`] | checkerboard heat bath, rows in parallel |
//! | [`msc`] | the same heat bath multi-spin coded, 64 spins per word |
//! | [`estimates`] | ensemble estimates with jackknife-over-blocks errors and `τ_int` |
//! | [`restrict`] | majority rule (random tie-breaking) and decimation |
//! | [`lift`] | the symmetric local coarse-to-fine rule (3, 6, 10 parameters) and its ML fit |
//! | [`stencil`] | the coarse window a fine spin depends on (shared by lifting and fitting) |
//! | [`dream`] | streaming, parallel generation level after level, with observables on the way |
//! | [`mcrg`] | Swendsen MCRG: RG eigenvalues from (coarse, fine) pairs |
//! | [`scaling`] | finite-size scaling: `γ/ν` and `V4` flatness, independent or nested sizes |

pub mod dream;
pub mod estimates;
pub mod heatbath;
pub mod ising;
pub mod jet;
pub mod kaufman;
pub mod lift;
pub mod mcrg;
pub mod msc;
pub mod restrict;
pub mod scaling;
pub mod stencil;
pub mod wolff;

pub use estimates::{Ensemble, Estimate, estimate};
pub use heatbath::HeatBath;
pub use ising::Lattice;
pub use kaufman::{ExactIsing, exact};
pub use lift::{LiftFit, LiftRule, Lifter, fit};
pub use msc::PackedHeatBath;
pub use restrict::{decimate, majority_rule};
pub use wolff::Wolff;

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
