//! Walker systems on a periodic interval (SPEC Part A): both directions between fine-scale
//! positions and coarse counts.
//!
//! | module | holds |
//! |---|---|
//! | [`domain`] | the periodic interval `[ymin, ymax)` and its bins |
//! | [`systems`] | fine-scale simulators: advection–diffusion and Burgers walkers, the synthetic law, the [`systems::FineSystem`] trait for your own |
//! | [`restrict`] | fine → coarse: binning positions into counts |
//! | [`lift`] | coarse → fine: the softmax–multinomial map `p_cf(x | X)` behind the [`lift::LiftMap`] trait |
//! | [`within`] | coarse → fine below the bins: the within-bin profile (uniform, or linear from the neighbours) |
//! | [`initial`] | the distribution of coarse initial states `p_c,0` (SPEC A.5) |
//! | [`experiments`] | controlled experiments and trajectories |
//! | [`config`] | a system and its experiment set-up from TOML or code, checked once |

pub mod config;
pub mod domain;
pub mod experiments;
pub mod initial;
pub mod lift;
pub mod restrict;
pub mod systems;
pub mod within;

pub use config::{SimulationConfig, SystemKind, ValidConfig};
pub use domain::Domain;
pub use lift::{LiftMap, SoftmaxLift};
pub use systems::{FineState, FineSystem};
pub use within::WithinBin;
