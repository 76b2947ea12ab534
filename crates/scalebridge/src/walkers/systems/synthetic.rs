//! The synthetic system (SPEC A.1.3): no FG dynamics, the coarse state follows a known law.
//!
//! One coarse step is `X ← μ(X; θ*)` (deterministic, `v⁻¹ = 0`; centred features keep `X`
//! centred) followed by a fresh lift `x ~ p_cf(·|X)`. The ground truth `θ*` is known, which is
//! what makes it the known-answer test of the learner.

use super::{FineState, FineSystem};
use crate::error::{Error, Result};
use crate::law::LinearLaw;
use crate::math::centre;
use crate::rng::SbRng;
use crate::walkers::domain::Domain;
use crate::walkers::lift::{LiftMap, SoftmaxLift};

/// The synthetic system driven by a coarse law.
#[derive(Debug)]
pub struct Synthetic {
    law: LinearLaw,
    lift: SoftmaxLift,
    dt: f64,
}

impl Synthetic {
    /// A synthetic system with law `law` on `domain`, coarse step `dt` (physical time).
    pub fn new(law: LinearLaw, domain: Domain, dt: f64) -> Self {
        Synthetic {
            law,
            lift: SoftmaxLift { domain },
            dt,
        }
    }

    /// The ground-truth law.
    pub fn law(&self) -> &LinearLaw {
        &self.law
    }
}

impl FineSystem for Synthetic {
    fn name(&self) -> &str {
        "synthetic"
    }
    fn domain(&self) -> Domain {
        self.lift.domain
    }
    fn coarse_dt(&self) -> f64 {
        self.dt
    }
    fn driven_by_coarse_state(&self) -> bool {
        true
    }
    fn advance(&self, state: &mut FineState, rng: &mut SbRng) -> Result<()> {
        let Some(x) = state.coarse.as_mut() else {
            return Err(Error::param(
                "initial state",
                "positions only",
                "a coarse state: the synthetic system is driven by its coarse law",
            ));
        };
        let mut next = self.law.mean(x);
        centre(&mut next);
        if let Some(j) = next.iter().position(|v| !v.is_finite()) {
            return Err(Error::numerical(
                "synthetic law",
                format!(
                    "the coarse state diverged (X[{j}] = {}); lower the amplitude of the initial states",
                    next[j]
                ),
            ));
        }
        *x = next;
        state.positions = self.lift.sample(x, state.positions.len(), rng)?;
        Ok(())
    }
}
