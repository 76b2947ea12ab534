//! # scalebridge — probabilistic coarse-graining
//!
//! Two directions, one library:
//!
//! * **fine → coarse**: restrict fine states to coarse variables (walker counts on bins,
//!   majority-rule blocks of spins) and *learn* how the coarse state evolves, with honest
//!   uncertainty (a sparse Bayesian state-space model, SPEC A.2–A.6);
//! * **coarse → fine**: lift a coarse state back to fine states, `x ~ p_cf(·|X)`, predict the
//!   whole fine scale with credible intervals (SPEC A.7), and generate Ising lattices of ever
//!   larger size by inverse renormalisation (SPEC B.3).
//!
//! ## A tour of the modules
//!
//! | module | holds | direction |
//! |---|---|---|
//! | [`walkers`] | walker systems: [`walkers::systems`] (advection–diffusion, Burgers, synthetic; the [`walkers::FineSystem`] trait for your own), [`walkers::restrict`] (positions → counts), [`walkers::lift`] (counts ← coarse state), [`walkers::initial`], [`walkers::experiments`] (controlled experiments, trajectories), [`walkers::config`] | both |
//! | [`law`] | coarse evolution laws linear in an open, named feature library ([`law::FeatureFamily`]) | fine → coarse |
//! | [`inference`] | the learner: closed-form updates, latent states, ELBO, the immutable [`inference::Posterior`] | fine → coarse |
//! | [`prediction`] | predictive sampling of the whole fine scale, observables, coverage | coarse → fine |
//! | [`lattice`] | the 2D Ising model: [`lattice::model`], [`lattice::exact`](mod@lattice::exact) (Kaufman), [`lattice::samplers`] (Wolff, heat baths), [`lattice::rg`] (majority rule, lifting rule and fit, dreaming, MCRG), [`lattice::analysis`] (estimates, scaling) | both |
//! | [`pipeline`] | the jobs behind the CLI (simulate, learn, predict, run, the Ising jobs), each writing one output directory | — |
//! | [`math`] | softmax, log-sum-exp, logistic, centring, multinomial draws, alias tables | — |
//! | [`io`] | `.npy`/`.npz` arrays, JSON, manifests, staged output directories, written atomically | — |
//! | [`limits`] | sizes checked against overflow and available memory before allocating | — |
//! | [`rng`] | explicit, reproducible random streams `(seed, purpose, item)` | — |
//! | [`error`] | one error type; [`Error::is_bad_input`] tells bad input from numerical failure | — |
//!
//! Dependencies point one way: `math`, `rng`, `io`, `error` at the bottom; `walkers`, `law`
//! and `lattice` on them; `inference` on `walkers` and `law`; `prediction` on `inference`;
//! `pipeline` on everything. A test (`tests/layout.rs`) keeps it free of import circles.
//!
//! ```
//! use scalebridge::walkers::{SimulationConfig, SystemKind};
//!
//! let cfg = SimulationConfig { system: Some(SystemKind::Advdiff), nf: Some(500), ..Default::default() }
//!     .validate()?;
//! let data = cfg.run_controlled(4, 42, &|_| {})?;
//! assert_eq!(data.counts.shape(), &[4, 24]);
//! # Ok::<(), scalebridge::Error>(())
//! ```
//!
//! Runnable examples of both directions: `examples/fine_to_coarse.rs` and
//! `examples/coarse_to_fine.rs` (`cargo run --release -p scalebridge --example …`).

pub mod error;
pub mod inference;
pub mod io;
pub mod lattice;
pub mod law;
pub mod limits;
pub mod math;
pub mod pipeline;
pub mod prediction;
pub mod rng;
pub mod walkers;

pub use error::{Error, Result};
pub use walkers::Domain;
