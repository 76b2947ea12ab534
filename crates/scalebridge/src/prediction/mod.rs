//! Prediction (SPEC A.7): the whole fine scale, with credible intervals.
//!
//! Each predictive sample draws `θ ~ q(θ)`, `v ~ q(v)`, a coarse start, propagates
//! `X_{k+1} ~ p_c(·|X_k, θ, v)` (centring every state) to the horizon, and lifts every state to a
//! fine state `x ~ p_cf(·|X)`. Observables of the fine state (the density on any binning
//! that nests with the coarse one, the 2-bin probability, or a user's [`Observable`]) are then
//! Monte Carlo estimates with central credible intervals.
//!
//! | file | holds |
//! |---|---|
//! | [`start`] | where a prediction starts: a training experiment (eq. 2.39) or a new fine state (eqs. 2.40–2.41) |
//! | [`observables`] | the [`Observable`] trait; densities on nested binnings; 2-bin probabilities |
//! | [`predictor`] | the sampler and the summaries (mean, quantiles) |
//! | [`coverage`](mod@coverage) | judging a prediction against fine-scale replicas |

pub mod coverage;
pub mod observables;
pub mod predictor;
pub mod start;

pub use coverage::{Coverage, CoverageFile, coverage};
pub use observables::{Density, LiftedSample, Observable, TwoBin, check_binning};
pub use predictor::{Band, Prediction, PredictionParams, predict};
pub use start::Start;
