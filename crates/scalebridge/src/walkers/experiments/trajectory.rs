//! Fine-scale trajectories: `N` runs of `T` coarse steps, sampled every `Δt`.
//!
//! Runs start from random coarse states (like controlled experiments), from one given fine
//! state (independent replicas — the reference a prediction is judged against), or from one
//! given coarse state (each replica draws its own `x0 ~ p_cf(·|X0)`).

use super::controlled::{advance_checked, random_start};
use crate::error::{Error, Result};
use crate::math::centre;
use crate::rng::{purpose, stream};
use crate::walkers::initial::SmoothRandomField;
use crate::walkers::lift::LiftMap;
use crate::walkers::restrict::{bin_counts_into, check_positions};
use crate::walkers::systems::{FineState, FineSystem};
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
    /// The positions binned on the `nc` coarse bins, `(N, T+1, nc)`: what learning from
    /// trajectories reads.
    pub counts: Array3<i64>,
    /// The periodic interval `[ymin, ymax]`.
    pub domain: [f64; 2],
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
                    let (x0, p) = random_start(init, lift, nc, nf, &mut rng)?;
                    (Some(x0), p)
                }
                Start::Fine(p) => (None, p.clone()),
                Start::Coarse(_) => {
                    let x0 = coarse_start.clone().unwrap_or_default();
                    let p = lift.sample(&x0, nf, &mut rng)?;
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
    let steps = horizon + 1;
    let mut counts = Array3::<i64>::zeros((n, steps, nc));
    let mut buf = vec![0i64; nc];
    for (k, row) in flat.chunks(nf.max(1)).enumerate() {
        bin_counts_into(row, &domain, &mut buf);
        for (j, &c) in buf.iter().enumerate() {
            counts[(k / steps, k % steps, j)] = c;
        }
    }
    Ok(Trajectories {
        t: (0..=horizon)
            .map(|k| k as f64 * system.coarse_dt())
            .collect(),
        positions: Array3::from_shape_vec((n, horizon + 1, nf), flat).map_err(shape_err)?,
        x0,
        counts,
        domain: [domain.ymin, domain.ymax],
    })
}

impl Trajectories {
    /// Writes `trajectory.npz`: `t` `(T+1,)`, `positions` `(N, T+1, nf)`, `counts`
    /// `(N, T+1, nc)`, `domain` `(2,)`, and `X0` `(N, nc)` when the runs did not start from a
    /// fine state.
    pub fn write_npz(&self, path: &std::path::Path) -> Result<()> {
        crate::io::write_npz(path, |w| {
            w.add("t", &ndarray::Array1::from(self.t.clone()))?;
            w.add("positions", &self.positions)?;
            w.add("counts", &self.counts)?;
            w.add("domain", &ndarray::Array1::from(self.domain.to_vec()))?;
            if let Some(x0) = &self.x0 {
                w.add("X0", x0)?;
            }
            Ok(())
        })
    }

    /// Reads `positions` `(R, T+1, nf)` (float64, float32 or integers) from a `trajectory.npz`,
    /// checking that `R`, `T+1` and `nf` are not zero and every position is finite.
    pub fn read_positions(path: &std::path::Path) -> Result<Array3<f64>> {
        let mut z = crate::io::NpzIn::open(path)?;
        let pos: Array3<f64> = z.numeric_as("positions", "(R, T+1, nf)")?;
        if pos.is_empty() {
            return Err(z.bad("positions", format!("empty array {:?}", pos.shape())));
        }
        if let Some(v) = pos.iter().find(|v| !v.is_finite()) {
            return Err(z.bad("positions", format!("non-finite position {v}")));
        }
        Ok(pos)
    }
}
