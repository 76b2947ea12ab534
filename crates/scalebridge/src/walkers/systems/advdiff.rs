//! Advection–diffusion walkers (SPEC A.1.1): independent jumps `-δy` with probability `kl`,
//! `+δy` with probability `kr`, per FG step `δt`.
//!
//! Continuum limit `∂ρ/∂t = D ∂²ρ/∂y² - va ∂ρ/∂y` with `D = (kl+kr) δy²/(2δt)` and
//! `va = (kr-kl) δy/δt`. Two samplers of one coarse step `Δt = s·δt`:
//!
//! * [`AdvDiffSampler::PerStep`]: every FG step of every walker drawn (the reference);
//! * [`AdvDiffSampler::Exact`]: the net displacement over `s` steps drawn in O(1) per walker from
//!   its exact law ([`DisplacementKernel`]) — valid because walkers do not interact.
//!
//! Both agree in distribution (tested); the exact sampler is the default.

use super::displacement::DisplacementKernel;
use super::{FineState, FineSystem};
use crate::error::Result;
use crate::rng::SbRng;
use crate::walkers::domain::Domain;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How one coarse step of advection–diffusion is sampled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdvDiffSampler {
    /// The exact O(1)-per-walker displacement sampler (default).
    #[default]
    Exact,
    /// Every FG step simulated.
    PerStep,
}

/// The advection–diffusion walker system.
#[derive(Clone, Debug)]
pub struct AdvectionDiffusion {
    domain: Domain,
    kl: f64,
    kr: f64,
    dy: f64,
    dt: f64,
    steps: usize,
    sampler: AdvDiffSampler,
    kernel: DisplacementKernel,
    // per-step thresholds on a 32-bit uniform: left if u < t_left, right if u < t_move
    t_left: u64,
    t_move: u64,
}

impl AdvectionDiffusion {
    /// Builds the system from validated parameters (see [`crate::walkers::SimulationConfig`]).
    pub fn new(
        domain: Domain,
        kl: f64,
        kr: f64,
        dy: f64,
        dt: f64,
        steps: usize,
        sampler: AdvDiffSampler,
    ) -> Result<Self> {
        let scale = (1u64 << 32) as f64;
        Ok(AdvectionDiffusion {
            domain,
            kl,
            kr,
            dy,
            dt,
            steps,
            sampler,
            kernel: DisplacementKernel::new(kl, kr, steps)?,
            t_left: (kl * scale).round() as u64,
            t_move: ((kl + kr) * scale).round() as u64,
        })
    }

    /// Diffusion coefficient `D = (kl+kr) δy² / (2δt)`.
    pub fn diffusion(&self) -> f64 {
        (self.kl + self.kr) * self.dy * self.dy / (2.0 * self.dt)
    }

    /// Advection velocity `va = (kr-kl) δy / δt`.
    pub fn velocity(&self) -> f64 {
        (self.kr - self.kl) * self.dy / self.dt
    }

    /// The exact displacement law over one coarse step.
    pub fn kernel(&self) -> &DisplacementKernel {
        &self.kernel
    }

    /// Net displacement (in units of `δy`) of one walker over `s` FG steps, every step drawn.
    ///
    /// Each step compares a 32-bit uniform with the thresholds `round(kl·2³²)` and
    /// `round((kl+kr)·2³²)` (probabilities exact to 2⁻³³), two steps per 64-bit word.
    #[inline]
    pub fn net_displacement_per_step<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        let (tl, tm) = (self.t_left, self.t_move);
        let step = |u: u64| -> i64 { (u >= tl && u < tm) as i64 - (u < tl) as i64 };
        let mut net = 0i64;
        for _ in 0..self.steps / 2 {
            let r = rng.next_u64();
            net += step(r & 0xFFFF_FFFF) + step(r >> 32);
        }
        if self.steps % 2 == 1 {
            net += step(rng.next_u32() as u64);
        }
        net
    }
}

impl FineSystem for AdvectionDiffusion {
    fn name(&self) -> &str {
        "advdiff"
    }
    fn domain(&self) -> Domain {
        self.domain
    }
    fn coarse_dt(&self) -> f64 {
        self.steps as f64 * self.dt
    }
    fn advance(&self, state: &mut FineState, rng: &mut SbRng) -> Result<()> {
        let dy = self.dy;
        match self.sampler {
            AdvDiffSampler::Exact => {
                for y in &mut state.positions {
                    *y = self.domain.wrap(*y + self.kernel.sample(rng) as f64 * dy);
                }
            }
            AdvDiffSampler::PerStep => {
                for y in &mut state.positions {
                    *y = self
                        .domain
                        .wrap(*y + self.net_displacement_per_step(rng) as f64 * dy);
                }
            }
        }
        Ok(())
    }
}
