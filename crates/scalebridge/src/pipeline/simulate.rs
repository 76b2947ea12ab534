//! `simulate`: controlled experiments (SPEC A.5) or trajectories of a walker system.

use super::Progress;
use crate::error::{Error, Result};
use crate::io::{Manifest, OutputDir, read_npy_f64_1d};
use crate::limits::{array_bytes, require_memory};
use crate::walkers::experiments::{Experiments, Start, Trajectories, run_trajectories};
use crate::walkers::restrict::check_positions;
use crate::walkers::{SimulationConfig, SoftmaxLift, SystemKind, ValidConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A system's configuration from (in increasing precedence) the defaults, a TOML file, the
/// system named on its own, and single-parameter overrides; a system named both in the file
/// and on its own must agree.
pub fn resolve_config(
    file: Option<&Path>,
    system: Option<SystemKind>,
    overrides: SimulationConfig,
) -> Result<ValidConfig> {
    let file_cfg = match file {
        Some(path) => SimulationConfig::from_toml_file(path)?,
        None => SimulationConfig::default(),
    };
    if let (Some(a), Some(b)) = (system, file_cfg.system)
        && a != b
    {
        return Err(Error::param(
            "system",
            a,
            &format!("the same as the config file's `system = \"{b}\"` (or left out)"),
        ));
    }
    let kind = system.or(file_cfg.system).unwrap_or(SystemKind::Advdiff);
    SimulationConfig::default()
        .overlay(file_cfg)
        .overlay(SimulationConfig {
            system: Some(kind),
            ..overrides
        })
        .validate()
}

/// The fields of a `simulate` manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimulateManifest {
    /// The system.
    pub system: String,
    /// Every parameter of the system, defaults filled in (see [`ValidConfig::to_json`]).
    pub parameters: serde_json::Value,
    /// Seed.
    pub seed: u64,
    /// Experiments or trajectories.
    pub n: usize,
    /// The coarse step `Δt`.
    pub dt: f64,
    /// The periodic interval.
    pub domain: [f64; 2],
    /// The file written.
    pub output: String,
    /// The fine start state of trajectories, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<PathBuf>,
    /// The coarse start state of trajectories, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_coarse: Option<PathBuf>,
    /// Coarse steps of trajectories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<usize>,
    /// Walkers per trajectory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nf: Option<usize>,
}

/// What to simulate.
#[derive(Clone, Debug)]
pub struct SimulateJob {
    /// The system (see [`resolve_config`]).
    pub config: ValidConfig,
    /// Experiments, or trajectories.
    pub n: usize,
    /// Random seed.
    pub seed: u64,
    /// `Some(T)`: trajectories of `T` coarse steps instead of one-step experiments.
    pub trajectory: Option<usize>,
    /// Trajectories start from this fine state (`.npy`, float64 `(nf,)`).
    pub initial: Option<PathBuf>,
    /// Trajectories start from this coarse state (`.npy`, float64 `(nc,)`).
    pub initial_coarse: Option<PathBuf>,
    /// Output directory.
    pub out: PathBuf,
}

/// The file a simulation wrote.
#[derive(Clone, Debug)]
pub struct Simulated {
    /// `experiments.npz` or `trajectory.npz`.
    pub path: PathBuf,
}

/// What a simulation produced, in memory.
#[derive(Clone, Debug)]
pub enum Simulation {
    /// Controlled one-step experiments (`experiments.npz`).
    Experiments(Experiments),
    /// Trajectories (`trajectory.npz`).
    Trajectories(Trajectories),
}

/// Runs `n` controlled experiments (`trajectory = None`) or `n` trajectories of `T` coarse
/// steps from `start` (`Start::Random(cfg.initial)`: each run from its own `X0 ~ p_c,0`),
/// checked: `n >= 1`, `T >= 1`, the start's shape and values, the memory the positions take.
/// `what` names the start in errors.
pub fn run_simulation(
    cfg: &ValidConfig,
    n: usize,
    seed: u64,
    trajectory: Option<(usize, Start)>,
    what: &str,
    progress: &dyn Progress,
) -> Result<Simulation> {
    if n == 0 {
        return Err(Error::param("n", 0, ">= 1"));
    }
    let Some((horizon, start)) = trajectory else {
        require_memory(
            "n",
            n,
            "the simulated positions",
            array_bytes(&[n, cfg.nf + cfg.nc, 2], 8),
        )?;
        progress.start("experiments", n as u64);
        let data = cfg.run_controlled(n, seed, &|k| progress.inc(k))?;
        progress.finish();
        return Ok(Simulation::Experiments(data));
    };
    if horizon == 0 {
        return Err(Error::param("trajectory", 0, ">= 1 coarse steps"));
    }
    let start = match start {
        Start::Fine(pos) => {
            if pos.is_empty() {
                return Err(Error::data(
                    what,
                    "initial",
                    "no positions (expected shape (nf,))",
                ));
            }
            check_positions(&pos, &cfg.domain, what)?;
            Start::Fine(pos)
        }
        Start::Coarse(x) => {
            if x.len() != cfg.nc {
                return Err(Error::data(
                    what,
                    "initial_coarse",
                    format!("expected shape ({},) = (nc,), found ({},)", cfg.nc, x.len()),
                ));
            }
            if let Some(v) = x.iter().find(|v| !v.is_finite()) {
                return Err(Error::data(
                    what,
                    "initial_coarse",
                    format!("non-finite value {v}"),
                ));
            }
            Start::Coarse(x)
        }
        random @ Start::Random(_) => random,
    };
    let nf = match &start {
        Start::Fine(p) => p.len(),
        _ => cfg.nf,
    };
    let bytes = horizon
        .checked_add(1)
        .and_then(|steps| array_bytes(&[n, steps, nf], 8));
    require_memory("n", n, "the simulated positions", bytes)?;
    let system = cfg.build()?;
    let lift = SoftmaxLift { domain: cfg.domain };
    progress.start("steps", (n * horizon) as u64);
    let tr = run_trajectories(
        system.as_ref(),
        &lift,
        &start,
        cfg.nc,
        cfg.nf,
        n,
        horizon,
        seed,
        &|k| progress.inc(k),
    )?;
    progress.finish();
    Ok(Simulation::Trajectories(tr))
}

/// Runs the job and writes `out/experiments.npz` (or `out/trajectory.npz`) and
/// `out/manifest.json`.
pub fn simulate(job: &SimulateJob, progress: &dyn Progress) -> Result<Simulated> {
    let cfg = &job.config;
    let mut fields = SimulateManifest {
        system: cfg.system.as_str().to_owned(),
        parameters: cfg.to_json(),
        seed: job.seed,
        n: job.n,
        dt: cfg.coarse_dt(),
        domain: [cfg.domain.ymin, cfg.domain.ymax],
        output: String::new(),
        initial: None,
        initial_coarse: None,
        horizon: None,
        nf: None,
    };
    let mut what = String::new();
    let trajectory = match job.trajectory {
        None => None,
        Some(t) => Some((
            t,
            if let Some(p) = &job.initial {
                fields.initial = Some(p.clone());
                what = p.display().to_string();
                Start::Fine(read_npy_f64_1d(p)?)
            } else if let Some(p) = &job.initial_coarse {
                fields.initial_coarse = Some(p.clone());
                what = p.display().to_string();
                Start::Coarse(read_npy_f64_1d(p)?)
            } else {
                Start::Random(cfg.initial)
            },
        )),
    };
    let out = OutputDir::stage(&job.out)?;
    let name = match run_simulation(cfg, job.n, job.seed, trajectory, &what, progress)? {
        Simulation::Experiments(data) => {
            data.write_npz(&out.path("experiments.npz"))?;
            "experiments.npz"
        }
        Simulation::Trajectories(tr) => {
            tr.write_npz(&out.path("trajectory.npz"))?;
            fields.horizon = job.trajectory;
            fields.nf = Some(tr.positions.shape()[2]);
            "trajectory.npz"
        }
    };
    fields.output = name.to_owned();
    Manifest::new("simulate", fields).write(out.staged())?;
    out.commit()?;
    Ok(Simulated {
        path: job.out.join(name),
    })
}
