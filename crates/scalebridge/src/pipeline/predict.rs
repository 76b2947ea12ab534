//! `predict`: predictive bands of the fine-scale density (and 2-bin probabilities) from a
//! learned model, and their coverage of fine-scale replicas.

use super::Progress;
use super::learn::ModelManifest;
use crate::error::{Error, Result};
use crate::inference::{
    Latent, LatentTrajectories, Posterior, TrainingData, TrainingRuns, TrajectoryData,
};
use crate::io::{Manifest, OutputDir, read_npy_f64_1d};
use crate::limits::{array_bytes, require_memory};
use crate::prediction::{
    Coverage, CoverageFile, Density, Observable, Prediction, PredictionParams, Start, TwoBin,
    check_binning, coverage, predict as predict_bands,
};
use crate::walkers::Domain;
use crate::walkers::experiments::Trajectories;
use crate::walkers::restrict::{bin_counts, check_positions};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A learned model: its posterior and the manifest `learn` wrote beside it.
#[derive(Clone, Debug)]
pub struct Model {
    /// The posterior (checked).
    pub posterior: Posterior,
    /// What the model was learned from.
    pub manifest: ModelManifest,
}

impl Model {
    /// Reads `dir/posterior.json` and `dir/manifest.json`.
    pub fn load(dir: &Path) -> Result<Self> {
        let posterior = Posterior::load(&dir.join("posterior.json"))?;
        let manifest = Manifest::<ModelManifest>::read(dir)?.fields;
        if manifest.nc != posterior.nc {
            return Err(Error::data(
                dir.join("manifest.json"),
                "nc",
                format!(
                    "{} bins, but posterior.json has {}",
                    manifest.nc, posterior.nc
                ),
            ));
        }
        Ok(Model {
            posterior,
            manifest,
        })
    }
}

/// Where a prediction starts.
#[derive(Clone, Debug)]
pub enum StartFrom {
    /// A new fine state: `.npy`, float64 `(nf,)` positions.
    Initial(PathBuf),
    /// Training experiment `experiment` of the data file the model was learned on.
    Experiment {
        /// The training data.
        data: PathBuf,
        /// The experiment (0-based).
        experiment: usize,
    },
}

/// What to predict.
#[derive(Clone, Debug)]
pub struct PredictJob {
    /// Directory written by `learn`.
    pub model: PathBuf,
    /// The start.
    pub start: StartFrom,
    /// Coarse steps.
    pub horizon: usize,
    /// Binnings of the density.
    pub bins: Vec<usize>,
    /// Predictive samples.
    pub samples: usize,
    /// Level of the central credible interval.
    pub level: f64,
    /// 2-bin pairs `k1:k2` (0-based coarse bins).
    pub pairs: Vec<String>,
    /// Random seed.
    pub seed: u64,
    /// The periodic interval when the model's manifest has none.
    pub domain: Option<Domain>,
    /// Fine-scale replicas (`trajectory.npz`) from the same start, for coverage.
    pub reference: Option<PathBuf>,
    /// Output directory.
    pub out: PathBuf,
}

/// What [`predict`] produced.
#[derive(Clone, Debug)]
pub struct Predicted {
    /// Bands: one per binning, then the 2-bin band if pairs were asked for.
    pub prediction: Prediction,
    /// The 2-bin pairs, parsed and checked.
    pub pairs: Vec<(usize, usize)>,
    /// Coverage per binning (empty without a reference).
    pub coverage: Vec<Coverage>,
    /// Wall time of the sampling.
    pub seconds: f64,
    /// The coarse step used for the times; `None` when the model did not know it (times are
    /// then in coarse steps).
    pub dt: Option<f64>,
    /// The reference replicas' positions `(R, T+1, nf)`, when given.
    pub reference: Option<ndarray::Array3<f64>>,
}

/// The fields of a `predict` manifest.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PredictManifest {
    /// The model directory.
    pub model: PathBuf,
    /// The fine start state, if the prediction started from one.
    pub initial: Option<PathBuf>,
    /// The training data, if it continued an experiment ...
    pub data: Option<PathBuf>,
    /// ... and the experiment.
    pub experiment: Option<usize>,
    /// Coarse steps.
    pub horizon: usize,
    /// Binnings.
    pub bins: Vec<usize>,
    /// Predictive samples.
    pub samples: usize,
    /// Credible level.
    pub level: f64,
    /// 2-bin pairs.
    pub pairs: Vec<(usize, usize)>,
    /// Seed.
    pub seed: u64,
    /// The periodic interval.
    pub domain: [f64; 2],
    /// The coarse step the times are in units of.
    pub dt: f64,
    /// Whether `dt` came from the model (else times are in coarse steps, `dt = 1`).
    pub dt_known: bool,
    /// Walkers.
    pub nf: usize,
    /// The replicas the coverage was computed against.
    pub reference: Option<PathBuf>,
    /// Wall time of the sampling.
    pub seconds: f64,
}

/// Parses `k1:k2` pairs of coarse bins `< nc`.
pub fn parse_pairs(pairs: &[String], nc: usize) -> Result<Vec<(usize, usize)>> {
    pairs
        .iter()
        .map(|p| {
            let bad = || Error::param("pairs", p, &format!("k1:k2 with 0 <= k < nc = {nc}"));
            let (a, b) = p.split_once(':').ok_or_else(bad)?;
            let (a, b): (usize, usize) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if a >= nc || b >= nc {
                return Err(bad());
            }
            Ok((a, b))
        })
        .collect()
}

/// Runs the prediction and writes `out/density_bins{B}.npz`, `out/two_bin.npz` (with pairs),
/// `out/coverage.json` (with a reference) and `out/manifest.json`.
pub fn predict(job: &PredictJob, progress: &dyn Progress) -> Result<Predicted> {
    let model = Model::load(&job.model)?;
    let posterior = &model.posterior;
    let nc = posterior.nc;
    let params = PredictionParams {
        horizon: job.horizon,
        samples: job.samples,
        level: job.level,
        seed: job.seed,
    };
    params.check()?;
    for &b in &job.bins {
        check_binning(b, nc)?;
    }
    let pairs = parse_pairs(&job.pairs, nc)?;
    let width = job.bins.iter().sum::<usize>() + pairs.len();
    let bytes = job
        .horizon
        .checked_add(1)
        .and_then(|steps| array_bytes(&[job.samples, steps, width.max(1)], 8));
    require_memory("horizon", job.horizon, "the predictive samples", bytes)?;
    let domain = match (job.domain, model.manifest.domain) {
        (Some(d), _) => d,
        (None, Some([a, b])) => Domain::new(a, b).map_err(|_| {
            Error::data(
                job.model.join("manifest.json"),
                "domain",
                format!("[{a}, {b}] is not an interval"),
            )
        })?,
        (None, None) => {
            return Err(Error::param(
                "domain",
                "unknown",
                "given with --domain ymin,ymax (the model's manifest has none)",
            ));
        }
    };
    let dt = model.manifest.dt;
    if let Some(d) = dt.filter(|d| !(d.is_finite() && *d > 0.0)) {
        return Err(Error::data(
            job.model.join("manifest.json"),
            "dt",
            format!("{d} is not a time step (finite, > 0)"),
        ));
    }
    let (start, nf) = match &job.start {
        StartFrom::Initial(path) => {
            let x = read_npy_f64_1d(path)?;
            if x.is_empty() {
                return Err(Error::data(
                    path,
                    "(npy)",
                    "no positions: expected float64 (nf,)",
                ));
            }
            check_positions(&x, &domain, &path.display().to_string())?;
            (Start::from_counts(&bin_counts(&x, &domain, nc)), x.len())
        }
        StartFrom::Experiment { data, experiment } => match posterior.trajectories {
            Some(shape) => continue_run(job, data, *experiment, shape, domain, nc, posterior)?,
            None => {
                let d = TrainingData::from_npz(data, Some(domain))?;
                if d.fingerprint != posterior.data_fingerprint {
                    return Err(Error::data(
                        data,
                        "X0",
                        "is not the data the model was learned on (fingerprints differ)",
                    ));
                }
                if *experiment >= d.n {
                    return Err(Error::param(
                        "experiment",
                        experiment,
                        &format!("< N = {}", d.n),
                    ));
                }
                let latent = Latent::read_npz(&job.model.join("latent.npz"), d.n, nc)?;
                (
                    Start::Experiment {
                        x0: d.x0_row(*experiment).to_vec(),
                        mean: latent.mean.row(*experiment).to_vec(),
                        std: latent.std.row(*experiment).to_vec(),
                    },
                    d.nf,
                )
            }
        },
    };
    let reference = job
        .reference
        .as_ref()
        .map(|p| -> Result<_> {
            let pos = Trajectories::read_positions(p)?;
            let (_, steps, rnf) = pos.dim();
            if steps != job.horizon + 1 {
                return Err(Error::data(
                    p,
                    "positions",
                    format!("{steps} times; the horizon asks for {}", job.horizon + 1),
                ));
            }
            if rnf != nf {
                return Err(Error::data(
                    p,
                    "positions",
                    format!("{rnf} walkers; the initial state has {nf}"),
                ));
            }
            check_positions(
                pos.as_slice().unwrap_or(&[]),
                &domain,
                &format!("{}: positions", p.display()),
            )?;
            Ok(pos)
        })
        .transpose()?;

    let out = OutputDir::stage(&job.out)?;
    let started = Instant::now();
    let densities: Vec<Density> = job.bins.iter().map(|&bins| Density { bins }).collect();
    let two_bin = TwoBin {
        pairs: pairs.clone(),
    };
    let mut observables: Vec<&dyn Observable> =
        densities.iter().map(|d| d as &dyn Observable).collect();
    if !pairs.is_empty() {
        observables.push(&two_bin);
    }
    progress.start("samples", job.samples as u64);
    let prediction = predict_bands(
        posterior,
        &start,
        nf,
        domain,
        dt.unwrap_or(1.0),
        &observables,
        &params,
        &|k| progress.inc(k),
    )?;
    progress.finish();
    for (d, band) in densities.iter().zip(&prediction.bands) {
        band.write_npz(
            &out.path(&format!("density_bins{}.npz", d.bins)),
            &prediction.t,
        )?;
    }
    if !pairs.is_empty() {
        prediction.bands[densities.len()].write_two_bin_npz(
            &out.path("two_bin.npz"),
            &prediction.t,
            &pairs,
        )?;
    }
    let mut cov = Vec::new();
    if let Some(pos) = &reference {
        for (d, band) in densities.iter().zip(&prediction.bands) {
            cov.push(coverage(band, d.bins, pos, &domain)?);
        }
        crate::io::write_json(
            &out.path("coverage.json"),
            &CoverageFile {
                level: job.level,
                t: prediction.t.clone(),
                binnings: cov
                    .iter()
                    .map(|c| (c.bins.to_string(), c.clone()))
                    .collect(),
            },
        )?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (initial, data, experiment) = match &job.start {
        StartFrom::Initial(p) => (Some(p.clone()), None, None),
        StartFrom::Experiment { data, experiment } => (None, Some(data.clone()), Some(*experiment)),
    };
    Manifest::new(
        "predict",
        PredictManifest {
            model: job.model.clone(),
            initial,
            data,
            experiment,
            horizon: job.horizon,
            bins: job.bins.clone(),
            samples: job.samples,
            level: job.level,
            pairs: pairs.clone(),
            seed: job.seed,
            domain: [domain.ymin, domain.ymax],
            dt: dt.unwrap_or(1.0),
            dt_known: dt.is_some(),
            nf,
            reference: job.reference.clone(),
            seconds,
        },
    )
    .write(out.staged())?;
    out.commit()?;
    Ok(Predicted {
        prediction,
        pairs,
        coverage: cov,
        seconds,
        dt,
        reference,
    })
}

/// The start of a prediction that continues run `experiment` of the trajectories a model was
/// learned on: its last latent state `q(X_{I,T})` (marginal means and standard deviations from
/// `latent.npz`), with the walkers observed then. Times of the prediction count from that
/// state.
fn continue_run(
    job: &PredictJob,
    data: &Path,
    experiment: usize,
    shape: TrainingRuns,
    domain: Domain,
    nc: usize,
    posterior: &Posterior,
) -> Result<(Start, usize)> {
    let d = TrajectoryData::from_npz(data, Some(domain), Some(nc))?;
    if d.fingerprint != posterior.data_fingerprint {
        return Err(Error::data(
            data,
            "counts",
            "are not the trajectories the model was learned on (fingerprints differ)",
        ));
    }
    if experiment >= d.n {
        return Err(Error::param(
            "experiment",
            experiment,
            &format!("< N = {} runs", d.n),
        ));
    }
    let t1 = shape.steps + 1;
    let latent = LatentTrajectories::read_npz(&job.model.join("latent.npz"), d.n, t1, nc)?;
    let last = |a: &ndarray::Array3<f64>| -> Vec<f64> {
        (0..nc).map(|j| a[(experiment, t1 - 1, j)]).collect()
    };
    let mut mean = last(&latent.mean);
    crate::math::centre(&mut mean);
    Ok((
        Start::Inferred {
            mean,
            std: last(&latent.std),
        },
        d.nf_at(experiment, shape.steps) as usize,
    ))
}
