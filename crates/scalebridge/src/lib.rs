//! # scalebridge — probabilistic coarse-graining
//!
//! Two directions, one library:
//!
//! * **fine → coarse**: [`restrict`] fine states (walker positions) to coarse variables
//!   (counts on bins), and learn how the coarse state evolves;
//! * **coarse → fine**: [`lift`] a coarse state back to fine states, `x ~ p_cf(·|X)`.
//!
//! A tour of the modules, following the data:
//!
//! | module | holds |
//! |---|---|
//! | [`fine`] | fine-scale systems: advection–diffusion and Burgers walkers, the synthetic law, the [`fine::FineSystem`] trait for your own |
//! | [`experiments`] | controlled experiments (SPEC A.5) and trajectories |
//! | [`restrict`] | fine → coarse: binning positions |
//! | [`lift`] | coarse → fine: softmax, multinomial lifting, `log p_cf` |
//! | [`evolution`] | coarse laws linear in an open, named feature library |
//! | [`io`] | `.npy`/`.npz` and manifests, written atomically |
//! | [`rng`] | explicit, reproducible random streams |
//!
//! ```
//! use scalebridge::walkers::config::{SimulationConfig, SystemKind};
//! use scalebridge::walkers::experiments::run_controlled;
//! use scalebridge::walkers::lift::SoftmaxLift;
//!
//! let cfg = SimulationConfig { system: Some(SystemKind::Advdiff), nf: Some(500), ..Default::default() }
//!     .validate()?;
//! let system = cfg.build()?;
//! let lift = SoftmaxLift { domain: cfg.domain };
//! let data = run_controlled(system.as_ref(), &lift, &cfg.initial, cfg.nc, cfg.nf, 4, 42, &|_| {})?;
//! assert_eq!(data.counts.shape(), &[4, 24]);
//! # Ok::<(), scalebridge::Error>(())
//! ```

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
