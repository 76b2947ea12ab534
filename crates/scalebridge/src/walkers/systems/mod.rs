//! Fine-grained (FG) systems: walkers on a periodic interval (SPEC A.1, A.1b).
//!
//! A [`FineSystem`] advances a [`FineState`] by one coarse step `Δt = s·δt`. Three systems ship
//! with scalebridge — [`AdvectionDiffusion`], [`BurgersWalkers`] and the [`Synthetic`] system
//! driven by a known coarse law — and a user plugs in their own simulator by implementing the
//! trait.

pub mod advdiff;
pub mod burgers;
pub mod displacement;
pub mod synthetic;

pub use advdiff::{AdvDiffSampler, AdvectionDiffusion};
pub use burgers::BurgersWalkers;
pub use displacement::DisplacementKernel;
pub use synthetic::Synthetic;

use crate::error::Result;
use crate::rng::SbRng;
use crate::walkers::domain::Domain;

/// The state of a walker system: positions in `[ymin, ymax)`, walker `i` at index `i`.
///
/// `coarse` holds the coarse state for systems whose dynamics is defined at the coarse level
/// (the synthetic system, [`FineSystem::driven_by_coarse_state`]); walker systems leave it `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct FineState {
    /// Walker positions.
    pub positions: Vec<f64>,
    /// The coarse state, for coarse-driven systems.
    pub coarse: Option<Vec<f64>>,
}

/// A fine-scale simulator, seen by the rest of scalebridge only through its samples.
pub trait FineSystem: Send + Sync {
    /// Short name recorded in manifests (`advdiff`, `burgers`, `synthetic`, or the user's).
    fn name(&self) -> &str;
    /// The periodic interval the walkers live on.
    fn domain(&self) -> Domain;
    /// The coarse time step `Δt` (physical time).
    fn coarse_dt(&self) -> f64;
    /// Whether the dynamics needs [`FineState::coarse`] (the synthetic system does).
    fn driven_by_coarse_state(&self) -> bool {
        false
    }
    /// Advances the state by one coarse step `Δt`, drawing randomness from `rng` only.
    fn advance(&self, state: &mut FineState, rng: &mut SbRng) -> Result<()>;
}
