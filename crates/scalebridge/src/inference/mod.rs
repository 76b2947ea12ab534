//! Learning the coarse evolution law: a sparse Bayesian (ARD) state-space model fitted by
//! mean-field variational Bayes (SPEC A.2–A.6, the paper's Algorithm 1).
//!
//! The pieces, one file each:
//!
//! | file | holds |
//! |---|---|
//! | [`data`] | [`TrainingData`]: `X0`, `counts` (and the domain), checked |
//! | [`params`] | [`LearnerParams`] (builder) → [`ValidParams`] (checked once) |
//! | [`design`] | the centred design `Φ_i^(j)` of every experiment and its Gram matrices |
//! | [`updates`] | the closed-form updates of `q(θ)`, `q(τ)`, `q(v)` |
//! | [`latent`] | the updates of `q(X_i)`: Newton on the Jensen bound (fast) and ADAM (reference) |
//! | [`elbo`] | the evidence lower bound with every constant |
//! | [`evidence`] | the ELBO of the active law, which `compare` and `run` rank laws by |
//! | [`learner`] | the coordinate-ascent loop |
//! | [`posterior`] | the immutable fitted [`Posterior`] that everything downstream consumes |
//! | [`state_range`] | the range of the coarse states a law was learned on (what a prediction's start is checked against) |
//! | [`draws`] | posterior draws of `θ` and `v` (reproducible from a seed) |
//! | [`trajectory`] | learning from trajectories: every coarse state latent (SPEC A.10) |

pub mod data;
pub mod design;
pub mod draws;
pub mod elbo;
pub mod evidence;
pub mod joint;
pub mod latent;
pub mod learner;
pub mod params;
pub mod posterior;
pub mod state_range;
pub mod trajectory;
pub mod updates;

#[cfg(test)]
mod elbo_check;

pub use data::{LikelihoodForm, TrainingData};
pub use learner::{IterationInfo, Learner};
pub use params::{DEFAULT_TOL, LatentMethod, LearnerParams, Priors, ValidParams};
pub use posterior::{Latent, NoiseVar, Posterior, TrainingRuns};
pub use state_range::StateRange;
pub use trajectory::{LatentTrajectories, TrajectoryData};
