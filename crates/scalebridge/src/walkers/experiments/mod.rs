//! Data from controlled experiments (SPEC A.5) and fine-scale trajectories.
//!
//! An experiment draws a centred coarse state `X0 ~ p_c,0` ([`SmoothRandomField`](crate::walkers::initial::SmoothRandomField)), lifts it to a
//! fine state `x0 ~ p_cf(·|X0)`, runs the fine system for one coarse step `Δt` and records the
//! result. Experiments run in parallel; experiment `i` draws all its randomness from the stream
//! `(seed, EXPERIMENT, i)`, so the data are bit-identical whatever the thread count.

pub mod controlled;
pub mod trajectory;

pub use controlled::{Experiments, run_controlled};
pub use trajectory::{Start, Trajectories, run_trajectories};
