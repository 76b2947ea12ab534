//! Fine-scale trajectories: `N` runs of `T` coarse steps, sampled every `Δt`.
//!
//! Runs start from random coarse states (like controlled experiments), from one given fine
//! state (independent replicas — the reference a prediction is judged against), or from one
//! given coarse state (each replica draws its own `x0 ~ p_cf(·|X0)`).

use super::controlled::{advance_checked, random_start};
use super::initial::SmoothRandomField;
use crate::error::{Error, Result};
use crate::fine::{FineState, FineSystem};
use crate::lift::{LiftMap, centre};
use crate::restrict::check_positions;
use crate::rng::{purpose, stream};
use ndarray::{Array2, Array3};
use rayon::prelude::*;

/// Where the runs of a trajectory start.
#[derive(Clone, Debug)]
pub enum Start {
    /// Each run from its own `X0 ~ p_c,0`.
    Random(SmoothRandomField),
    /// Every run from the same fine state (positions).
    Fine(Vec<f64>),
    /// Every run from the same coarse state (centred on use).
    Coarse(Vec<f64>),
}

/// `N` trajectories (what `trajectory.npz` holds).
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectories {
    /// Physical times `k·Δt`, `k = 0..T`.
    pub t: Vec<f64>,
    /// Positions `(N, T+1, nf)`; walker `i` keeps index `i` across times.
    pub positions: Array3<f64>,
    /// The centred coarse initial states `(N, nc)`, unless the runs started from a fine state.
    pub x0: Option<Array2<f64>>,
}

/// Runs `n` trajectories of `horizon` coarse steps, in parallel over runs. Run `r` draws from
/// the stream `(seed, TRAJECTORY, r)`. `progress` is called with `1` per coarse step.
pub fn run_trajectories(
    system: &dyn FineSystem,
    lift: &dyn LiftMap,
    start: &Start,
    nc: usize,
    nf: usize,
    n: usize,
    horizon: usize,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Trajectories> {
    let domain = system.domain();
    let (nf, coarse_start) = match start {
        Start::Fine(p) => {
            if system.driven_by_coarse_state() {
                return Err(Error::param(
                    "initial",
                    "a fine state",
                    "a coarse state (--initial-coarse): this system is driven by its coarse law",
                ));
            }
            check_positions(p, &domain, "initial")?;
            (p.len(), None)
        }
        Start::Coarse(x) => {
            if x.len() != nc {
                return Err(Error::param(
                    "initial-coarse",
                    format!("{} values", x.len()),
                    &format!("one value per bin (nc = {nc})"),
                ));
            }
            if x.iter().any(|v| !v.is_finite()) {
                return Err(Error::param("initial-coarse", "non-finite value", "finite"));
            }
            let mut c = x.clone();
            centre(&mut c);
            (nf, Some(c))
        }
        Start::Random(_) => (nf, None),
    };
    let runs: Vec<(Option<Vec<f64>>, Vec<f64>)> = (0..n)
        .into_par_iter()
        .map(|r| {
            let mut rng = stream(seed, purpose::TRAJECTORY, r as u64);
            let (x0, pos0) = match start {
                Start::Random(init) => {
                    let (x0, p) = random_start(init, lift, nc, nf, &mut rng);
                    (Some(x0), p)
                }
                Start::Fine(p) => (None, p.clone()),
                Start::Coarse(_) => {
                    let x0 = coarse_start.clone().unwrap_or_default();
                    let p = lift.sample(&x0, nf, &mut rng);
                    (Some(x0), p)
                }
            };
            let mut path = Vec::with_capacity((horizon + 1) * nf);
            path.extend_from_slice(&pos0);
            let mut state = FineState {
                positions: pos0,
                coarse: if system.driven_by_coarse_state() {
                    x0.clone()
                } else {
                    None
                },
            };
            for _ in 0..horizon {
                advance_checked(system, &mut state, &mut rng)?;
                path.extend_from_slice(&state.positions);
                progress(1);
            }
            Ok((x0, path))
        })
        .collect::<Result<_>>()?;
    let shape_err = |e: ndarray::ShapeError| Error::numerical("trajectory assembly", e.to_string());
    let x0 = if matches!(start, Start::Fine(_)) {
        None
    } else {
        let v: Vec<f64> = runs
            .iter()
            .flat_map(|(x, _)| x.clone().unwrap_or_default())
            .collect();
        Some(Array2::from_shape_vec((n, nc), v).map_err(shape_err)?)
    };
    let flat: Vec<f64> = runs.into_iter().flat_map(|(_, p)| p).collect();
    Ok(Trajectories {
        t: (0..=horizon)
            .map(|k| k as f64 * system.coarse_dt())
            .collect(),
        positions: Array3::from_shape_vec((n, horizon + 1, nf), flat).map_err(shape_err)?,
        x0,
    })
}
