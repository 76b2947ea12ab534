//! Coarse → fine with exact weights (SPEC B.4): a generator of periodic Ising configurations
//! whose probability `q(s)` is known exactly, and neural-importance-sampling-style estimates
//! from its importance weights `w = e^{K·Σ s_i s_j} / q(s)`.
//!
//! | file | holds |
//! |---|---|
//! | [`sampler`] | the generator: seam first, interior by boundary MPS; `sampler.json` |
//! | [`seam`] | the seam's autoregressive model and its fit |
//! | [`boundary`] | the interior given the seam: boundary-MPS environments and conditionals |
//! | [`small`] | QR and symmetric eigen-decomposition of the MPS's tiny matrices |
//! | [`estimate`] | ESS, `ln Z`, reweighted observables with errors, independence Metropolis |
//! | [`fit`] | fitting a sampler (from given configurations or its own Wolff run) |

pub mod boundary;
pub mod estimate;
pub mod fit;
pub mod sampler;
pub mod seam;
pub mod small;

pub use estimate::{NisEstimates, WeightedSample, nis_estimates};
pub use fit::{FitParams, fit_sampler};
pub use sampler::{DEFAULT_CHI, ExactSampler, SamplerFile};
