//! `learn`: fit the sparse Bayesian state-space model to controlled experiments.

use super::Progress;
use crate::error::Result;
use crate::inference::{Learner, LearnerParams, Posterior, TrainingData};
use crate::io::{Manifest, OutputDir};
use crate::walkers::Domain;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;

/// What to learn from which data.
#[derive(Clone, Debug)]
pub struct LearnJob {
    /// `.npz` with `X0` and `counts` (and optionally `domain`).
    pub data: PathBuf,
    /// The learner's parameters (checked by the job).
    pub params: LearnerParams,
    /// The periodic interval when the data have none (or to check theirs).
    pub domain: Option<Domain>,
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
/// (all three or none).
pub fn learn(job: &LearnJob, progress: &dyn Progress) -> Result<Learned> {
    let params = job.params.clone().check()?;
    let data = TrainingData::from_npz(&job.data, job.domain)?;
    let learner = Learner::new(params)?;
    learner.law().check(data.nc)?;
    let out = OutputDir::stage(&job.out)?;
    let started = Instant::now();
    progress.start("learning", job.params.max_iter as u64);
    let (posterior, latent) = learner.fit(&data, &mut |info| {
        progress.inc(1);
        progress.message(&format!("ELBO {:.6e}", info.elbo));
    })?;
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    crate::io::write_json(&out.path("posterior.json"), &posterior)?;
    latent.write_npz(&out.path("latent.npz"))?;
    let fields = ModelManifest {
        data: job.data.display().to_string(),
        data_fingerprint: data.fingerprint.clone(),
        domain: data.domain.map(|d| [d.ymin, d.ymax]),
        dt: data.dt,
        seed: job.params.seed,
        n: data.n,
        nc: data.nc,
        nf: data.nf,
        parameters: posterior.params.clone(),
        seconds,
    };
    Manifest::new("learn", fields).write(out.staged())?;
    out.commit()?;
    Ok(Learned { posterior, seconds })
}
