//! Controlled experiments: `N` one-step runs from random coarse initial states (SPEC A.5).

use crate::error::{Error, Result};
use crate::rng::{SbRng, purpose, stream};
use crate::walkers::domain::Domain;
use crate::walkers::initial::SmoothRandomField;
use crate::walkers::lift::LiftMap;
use crate::walkers::restrict::{bin_counts, check_positions};
use crate::walkers::systems::{FineState, FineSystem};
use ndarray::{Array1, Array2};
use rayon::prelude::*;

/// The data set of `N` controlled experiments (what `experiments.npz` holds).
#[derive(Clone, Debug, PartialEq)]
pub struct Experiments {
    /// Centred coarse initial states, `(N, nc)`.
    pub x0: Array2<f64>,
    /// Fine initial states `x0 ~ p_cf(·|X0)`, `(N, nf)`.
    pub positions0: Array2<f64>,
    /// Walkers per coarse bin after one coarse step, `(N, nc)`.
    pub counts: Array2<i64>,
    /// Fine states after one coarse step, `(N, nf)`.
    pub positions: Array2<f64>,
    /// The periodic interval.
    pub domain: Domain,
    /// The coarse time step `Δt`.
    pub dt: f64,
}

/// One experiment's results.
struct One {
    x0: Vec<f64>,
    positions0: Vec<f64>,
    counts: Vec<i64>,
    positions: Vec<f64>,
}

/// Draws the initial state of a run: `X0 ~ p_c,0`, `x0 ~ p_cf(·|X0)`.
pub(crate) fn random_start(
    init: &SmoothRandomField,
    lift: &dyn LiftMap,
    nc: usize,
    nf: usize,
    rng: &mut SbRng,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let x0 = init.sample(nc, rng);
    let pos0 = lift.sample(&x0, nf, rng)?;
    Ok((x0, pos0))
}

/// Advances a state by one coarse step and checks that the system kept its walkers inside
/// the domain (a plugged-in simulator could fail to).
pub(crate) fn advance_checked(
    system: &dyn FineSystem,
    state: &mut FineState,
    rng: &mut SbRng,
) -> Result<()> {
    system.advance(state, rng)?;
    check_positions(&state.positions, &system.domain(), "positions").map_err(|e| {
        Error::numerical(
            &format!("fine system `{}`", system.name()),
            format!("produced an invalid state: {e}"),
        )
    })
}

/// Runs `n` controlled experiments of one coarse step each, in parallel over experiments.
///
/// `progress` is called with `1` after each finished experiment (from worker threads).
pub fn run_controlled(
    system: &dyn FineSystem,
    lift: &dyn LiftMap,
    init: &SmoothRandomField,
    nc: usize,
    nf: usize,
    n: usize,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Experiments> {
    let domain = system.domain();
    let results: Vec<One> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut rng = stream(seed, purpose::EXPERIMENT, i as u64);
            let (x0, positions0) = random_start(init, lift, nc, nf, &mut rng)?;
            let mut state = FineState {
                positions: positions0.clone(),
                coarse: system.driven_by_coarse_state().then(|| x0.clone()),
            };
            advance_checked(system, &mut state, &mut rng)?;
            let counts = bin_counts(&state.positions, &domain, nc);
            progress(1);
            Ok(One {
                x0,
                positions0,
                counts,
                positions: state.positions,
            })
        })
        .collect::<Result<_>>()?;
    let flat = |f: &dyn Fn(&One) -> &[f64], width: usize| {
        let v: Vec<f64> = results.iter().flat_map(|r| f(r).iter().copied()).collect();
        Array2::from_shape_vec((n, width), v)
    };
    let shape_err = |e: ndarray::ShapeError| Error::numerical("experiment assembly", e.to_string());
    let counts: Vec<i64> = results.iter().flat_map(|r| r.counts.clone()).collect();
    Ok(Experiments {
        x0: flat(&|r| &r.x0, nc).map_err(shape_err)?,
        positions0: flat(&|r| &r.positions0, nf).map_err(shape_err)?,
        counts: Array2::from_shape_vec((n, nc), counts).map_err(shape_err)?,
        positions: flat(&|r| &r.positions, nf).map_err(shape_err)?,
        domain,
        dt: system.coarse_dt(),
    })
}

impl Experiments {
    /// `[ymin, ymax]` as stored in `experiments.npz`.
    pub fn domain_array(&self) -> Array1<f64> {
        Array1::from(vec![self.domain.ymin, self.domain.ymax])
    }
}

impl Experiments {
    /// Writes `experiments.npz`: `X0` `(N, nc)`, `positions0` `(N, nf)`, `counts` int64
    /// `(N, nc)`, `positions` `(N, nf)`, `domain` `(2,)`.
    pub fn write_npz(&self, path: &std::path::Path) -> Result<()> {
        crate::io::write_npz(path, |w| {
            w.add("X0", &self.x0)?;
            w.add("positions0", &self.positions0)?;
            w.add("counts", &self.counts)?;
            w.add("positions", &self.positions)?;
            w.add("domain", &self.domain_array())
        })
    }
}
