//! Learning from trajectories (SPEC A.10, the paper's eqs. 2.6, 2.9–2.10): `N` runs of counts
//! at `t = 0..T`, every coarse state `X_{i,t}` latent (the start included), linked by the law
//! and observed through `p_cf` at every time.
//!
//! | file | holds |
//! |---|---|
//! | [`data`] | [`TrajectoryData`]: `counts (N, T+1, nc)` or binned `positions`, checked |
//! | [`chain`] | one run's Gaussian `q(X_{0..T})` with block-tridiagonal precision, fitted as an ascent of the drawn ELBO |
//! | [`control`] | the exact linear part of the drawn expectations for laws linear in `θ` (a control variate) |
//! | [`learner`] | the coordinate-ascent loop ([`crate::inference::Learner::fit_trajectories`]) and [`LatentTrajectories`] |
//! | `widths` | a nonlinear law's marginal widths checked against the exact objective's profile |

pub mod chain;
pub mod control;
pub mod data;
pub mod learner;
mod widths;

pub use data::{TrajectoryData, holds_trajectories};
pub use learner::{LatentTrajectories, chain_pairs};
