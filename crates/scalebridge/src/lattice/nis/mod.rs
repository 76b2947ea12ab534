//! Coarse → fine with exact weights (SPEC B.4): a generator of periodic Ising configurations
//! whose probability `q(s)` is known exactly. The estimates from its importance weights
//! `w = e^{K·Σ s_i s_j} / q(s)` are in [`crate::lattice::analysis::weighted`].
//!
//! | file | holds |
//! |---|---|
//! | [`sampler`] | the generator: seam first, interior by boundary MPS; `sampler.json` |
//! | [`seam`] | the seam's autoregressive model and its fit |
//! | [`boundary`] | the interior given the seam: boundary-MPS environments and conditionals |
//! | [`small`] | the dominant eigenspace of the MPS's tiny Gram matrices (the zip-up's truncation) |
//! | [`fit`] | fitting a sampler (from given configurations or its own Wolff run) |

pub mod boundary;
pub mod fit;
pub mod sampler;
pub mod seam;
pub mod small;

pub use fit::{FitParams, TrainingSeams, fit_sampler, fit_seams, training_seams};
pub use sampler::{DEFAULT_CHI, ExactSampler, SamplerFile};
