//! `learn`: fit the sparse Bayesian state-space model to controlled experiments or trajectories.

use super::Progress;
use crate::error::Result;
use crate::inference::trajectory::holds_trajectories;
use crate::inference::{
    IterationInfo, Learner, LearnerParams, Posterior, TrainingData, TrajectoryData,
};
use crate::io::{Manifest, OutputDir};
use crate::walkers::Domain;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to learn from which data.
#[derive(Clone, Debug)]
pub struct LearnJob {
    /// `.npz` with `X0` and `counts` (and optionally `domain`), or trajectories: `counts`
    /// `(N, T+1, nc)` or `positions` `(N, T+1, nf)`.
    pub data: PathBuf,
    /// The learner's parameters (checked by the job).
    pub params: LearnerParams,
    /// The periodic interval when the data have none (or to check theirs).
    pub domain: Option<Domain>,
    /// Coarse bins for trajectories given as `positions` only.
    pub nc: Option<usize>,
    /// Output directory.
    pub out: PathBuf,
}

/// The fields of a model's `manifest.json` (`learn` writes them; `predict` reads them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelManifest {
    /// The training data file.
    pub data: String,
    /// Its fingerprint.
    pub data_fingerprint: String,
    /// The periodic interval, when known.
    pub domain: Option<[f64; 2]>,
    /// The coarse step `Δt`, when the data's manifest said it.
    pub dt: Option<f64>,
    /// Seed of the Monte Carlo draws.
    pub seed: u64,
    /// Experiments.
    #[serde(rename = "N")]
    pub n: usize,
    /// Coarse bins.
    pub nc: usize,
    /// Walkers per experiment.
    pub nf: usize,
    /// The learner's parameters.
    pub parameters: LearnerParams,
    /// Wall time of the fit.
    pub seconds: f64,
    /// What the law was learned from: `experiments` (controlled, one step) or `trajectories`.
    #[serde(default = "experiments")]
    pub training: String,
    /// Trajectories: runs and coarse steps per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
}

fn experiments() -> String {
    "experiments".to_owned()
}

/// The outcome of [`learn`].
#[derive(Clone, Debug)]
pub struct Learned {
    /// The posterior written to `posterior.json`.
    pub posterior: Posterior,
    /// Seconds the fit took.
    pub seconds: f64,
}

/// Learns the law and writes `out/posterior.json`, `out/latent.npz`, `out/manifest.json`
/// (all three or none). The data are controlled experiments (`X0`, `counts (N, nc)`) or
/// trajectories (`counts (N, T+1, nc)` or `positions`); trajectories of one step that come with
/// their `X0` are controlled experiments and are learned as such.
pub fn learn(job: &LearnJob, progress: &dyn Progress) -> Result<Learned> {
    let params = job.params.clone().check()?;
    let learner = Learner::new(params)?;
    if holds_trajectories(&job.data)? {
        let runs = TrajectoryData::from_npz(&job.data, job.domain, job.nc)?;
        match one_step_experiments(&job.data, &runs)? {
            Some(data) => learn_experiments(job, &learner, &data, progress),
            None => learn_trajectories(job, &learner, &runs, progress),
        }
    } else {
        let data = TrainingData::from_npz(&job.data, job.domain)?;
        learn_experiments(job, &learner, &data, progress)
    }
}

/// One-step trajectories with `X0`: the controlled experiments they are.
fn one_step_experiments(path: &Path, runs: &TrajectoryData) -> Result<Option<TrainingData>> {
    if runs.steps != 1 {
        return Ok(None);
    }
    let mut z = crate::io::NpzIn::open(path)?;
    if !z.names()?.iter().any(|n| n == "X0") {
        return Ok(None);
    }
    let x0: Array2<f64> = z.array("X0", "float64 (N, nc)")?;
    let (n, nc) = (runs.n, runs.nc);
    let mut after = Array2::<i64>::zeros((n, nc));
    for i in 0..n {
        for (j, c) in runs.counts_at(i, 1).iter().enumerate() {
            after[(i, j)] = *c as i64;
        }
    }
    TrainingData::new(&x0, &after, runs.domain, runs.dt, path).map(Some)
}

/// What the manifest records of the data, whichever kind.
struct DataSummary {
    fingerprint: String,
    domain: Option<Domain>,
    dt: Option<f64>,
    n: usize,
    nc: usize,
    training: String,
    steps: Option<usize>,
}

fn learn_experiments(
    job: &LearnJob,
    learner: &Learner,
    data: &TrainingData,
    progress: &dyn Progress,
) -> Result<Learned> {
    let summary = DataSummary {
        fingerprint: data.fingerprint.clone(),
        domain: data.domain,
        dt: data.dt,
        n: data.n,
        nc: data.nc,
        training: experiments(),
        steps: None,
    };
    fit_and_write(
        job,
        learner,
        summary,
        progress,
        |observer| learner.fit(data, observer),
        |latent, path| latent.write_npz(path),
    )
}

fn learn_trajectories(
    job: &LearnJob,
    learner: &Learner,
    data: &TrajectoryData,
    progress: &dyn Progress,
) -> Result<Learned> {
    let summary = DataSummary {
        fingerprint: data.fingerprint.clone(),
        domain: data.domain,
        dt: data.dt,
        n: data.n,
        nc: data.nc,
        training: "trajectories".to_owned(),
        steps: Some(data.steps),
    };
    fit_and_write(
        job,
        learner,
        summary,
        progress,
        |observer| learner.fit_trajectories(data, observer),
        |latent, path| latent.write_npz(path),
    )
}

/// Fits with a progress bar and writes `posterior.json`, `latent.npz` and `manifest.json`
/// together (or nothing).
fn fit_and_write<L>(
    job: &LearnJob,
    learner: &Learner,
    summary: DataSummary,
    progress: &dyn Progress,
    fit: impl FnOnce(&mut dyn FnMut(&IterationInfo)) -> Result<(Posterior, L)>,
    write_latent: impl FnOnce(&L, &Path) -> Result<()>,
) -> Result<Learned> {
    learner.law().check(summary.nc)?;
    let out = OutputDir::stage(&job.out)?;
    let started = Instant::now();
    progress.start("learning", job.params.max_iter as u64);
    let (posterior, latent) = fit(&mut |info| {
        progress.inc(1);
        progress.message(&format!("ELBO {:.6e}", info.elbo));
    })?;
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    crate::io::write_json(&out.path("posterior.json"), &posterior)?;
    write_latent(&latent, &out.path("latent.npz"))?;
    let fields = ModelManifest {
        data: job.data.display().to_string(),
        data_fingerprint: summary.fingerprint,
        domain: summary.domain.map(|d| [d.ymin, d.ymax]),
        dt: summary.dt,
        seed: job.params.seed,
        n: summary.n,
        nc: summary.nc,
        nf: posterior.nf,
        parameters: posterior.params.clone(),
        seconds,
        training: summary.training,
        steps: summary.steps,
    };
    Manifest::new("learn", fields).write(out.staged())?;
    out.commit()?;
    Ok(Learned { posterior, seconds })
}
