//! `simulate`: controlled experiments (SPEC A.5) or trajectories of a walker system.

use super::Progress;
use crate::error::{Error, Result};
use crate::io::{Manifest, OutputDir, read_npy_f64_1d};
use crate::limits::{array_bytes, require_memory};
use crate::walkers::experiments::{Start, run_trajectories};
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

/// Runs the job and writes `out/experiments.npz` (or `out/trajectory.npz`) and
/// `out/manifest.json`.
pub fn simulate(job: &SimulateJob, progress: &dyn Progress) -> Result<Simulated> {
    let cfg = &job.config;
    if job.n == 0 {
        return Err(Error::param("n", 0, ">= 1"));
    }
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
    let start = match job.trajectory {
        None => None,
        Some(0) => return Err(Error::param("trajectory", 0, ">= 1 coarse steps")),
        Some(_) => Some(if let Some(p) = &job.initial {
            fields.initial = Some(p.clone());
            let pos = read_npy_f64_1d(p)?;
            if pos.is_empty() {
                return Err(Error::data(
                    p,
                    "(npy)",
                    "no positions (expected shape (nf,))",
                ));
            }
            check_positions(&pos, &cfg.domain, &p.display().to_string())?;
            Start::Fine(pos)
        } else if let Some(p) = &job.initial_coarse {
            fields.initial_coarse = Some(p.clone());
            let x = read_npy_f64_1d(p)?;
            if x.len() != cfg.nc {
                return Err(Error::data(
                    p,
                    "(npy)",
                    format!("expected shape ({},) = (nc,), found ({},)", cfg.nc, x.len()),
                ));
            }
            if let Some(v) = x.iter().find(|v| !v.is_finite()) {
                return Err(Error::data(p, "(npy)", format!("non-finite value {v}")));
            }
            Start::Coarse(x)
        } else {
            Start::Random(cfg.initial)
        }),
    };
    let nf = match &start {
        Some(Start::Fine(p)) => p.len(),
        _ => cfg.nf,
    };
    // what the outputs hold in memory: positions before and after (experiments), or every
    // time of every trajectory
    let bytes = match job.trajectory {
        None => array_bytes(&[job.n, nf + cfg.nc, 2], 8),
        Some(t) => t
            .checked_add(1)
            .and_then(|steps| array_bytes(&[job.n, steps, nf], 8)),
    };
    require_memory("n", job.n, "the simulated positions", bytes)?;
    let system = cfg.build()?;
    let lift = SoftmaxLift { domain: cfg.domain };
    let out = OutputDir::stage(&job.out)?;
    let name = match (job.trajectory, start) {
        (None, _) | (_, None) => {
            progress.start("experiments", job.n as u64);
            let data = cfg.run_controlled(job.n, job.seed, &|k| progress.inc(k))?;
            progress.finish();
            data.write_npz(&out.path("experiments.npz"))?;
            "experiments.npz"
        }
        (Some(horizon), Some(start)) => {
            progress.start("steps", (job.n * horizon) as u64);
            let tr = run_trajectories(
                system.as_ref(),
                &lift,
                &start,
                cfg.nc,
                cfg.nf,
                job.n,
                horizon,
                job.seed,
                &|k| progress.inc(k),
            )?;
            progress.finish();
            tr.write_npz(&out.path("trajectory.npz"))?;
            fields.horizon = Some(horizon);
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
