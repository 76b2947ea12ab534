//! Known-answer and statistical tests of the fine systems and experiments.
//! Statistical tolerances come from the sample size; every test uses a fixed seed.
#![allow(clippy::unwrap_used)]

mod advdiff;
mod burgers;
mod experiments;
mod ising;
mod kernel_law;
mod learn;
mod stats;
mod synthetic;
mod trajectories;
mod unseen;
