//! `predict`: predictive bands of the fine-scale density (and 2-bin probabilities) from a
//! learned model, and their coverage of fine-scale replicas.

use super::Progress;
use super::learn::{LatentStates, LearnData, ModelManifest};
use crate::error::{Error, Result};
use crate::inference::{Posterior, TrainingData, TrajectoryData};
use crate::io::{Manifest, OutputDir, read_npy_f64_1d};
use crate::limits::{array_bytes, require_memory};
use crate::prediction::{
    Coverage, CoverageFile, Density, Observable, Prediction, PredictionParams, Start, TwoBin,
    check_binning, coverage, predict as predict_bands,
};
use crate::walkers::experiments::Trajectories;
use crate::walkers::restrict::{bin_counts, check_positions};
use crate::walkers::{Domain, WithinBin};
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
    /// How walkers spread within a coarse bin on a binning finer than the model's.
    pub within: WithinBin,
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
    /// The warning for a new fine state outside the coarse states the law was learned on
    /// ([`crate::inference::state_range`]), `None` inside (or for a training experiment's start).
    pub extrapolation: Option<String>,
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
    /// What was predicted (horizon, bins, samples, level, pairs, seed), as fields of the
    /// manifest.
    #[serde(flatten)]
    pub options: PredictOptions,
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
    /// The warning for a start outside the coarse states the law was learned on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrapolation: Option<String>,
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

/// What to predict, whatever the start: the in-memory part of a [`PredictJob`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PredictOptions {
    /// Coarse steps.
    pub horizon: usize,
    /// Binnings of the density.
    pub bins: Vec<usize>,
    /// How walkers spread within a coarse bin on a binning finer than the model's (the
    /// recorded options of a prediction made before this choice existed read as `uniform`, what
    /// it used).
    #[serde(default)]
    pub within: WithinBin,
    /// Predictive samples.
    pub samples: usize,
    /// Level of the central credible interval.
    pub level: f64,
    /// 2-bin pairs of coarse bins (checked against the model's `nc`).
    pub pairs: Vec<(usize, usize)>,
    /// Random seed.
    pub seed: u64,
}

impl PredictOptions {
    /// Checks the options against a model of `nc` bins, the binnings, the pairs and the memory
    /// the predictive samples take.
    pub fn check(&self, nc: usize) -> Result<PredictionParams> {
        let params = PredictionParams {
            horizon: self.horizon,
            samples: self.samples,
            level: self.level,
            seed: self.seed,
            within: self.within,
        };
        params.check()?;
        if self.bins.is_empty() {
            return Err(Error::param("bins", "none", "at least one binning"));
        }
        for &b in &self.bins {
            check_binning(b, nc)?;
        }
        if let Some((a, b)) = self.pairs.iter().find(|(a, b)| *a >= nc || *b >= nc) {
            return Err(Error::param(
                "pairs",
                format!("{a}:{b}"),
                &format!("k1:k2 with 0 <= k < nc = {nc}"),
            ));
        }
        let width = self.bins.iter().sum::<usize>() + self.pairs.len();
        let bytes = self
            .horizon
            .checked_add(1)
            .and_then(|steps| array_bytes(&[self.samples, steps, width.max(1)], 8));
        require_memory("horizon", self.horizon, "the predictive samples", bytes)?;
        Ok(params)
    }
}

/// The periodic interval of a prediction: the one given, else the model's.
pub fn model_domain(given: Option<Domain>, manifest: &ModelManifest, dir: &Path) -> Result<Domain> {
    match (given, manifest.domain) {
        (Some(d), _) => Ok(d),
        (None, Some([a, b])) => Domain::new(a, b).map_err(|_| {
            Error::data(
                dir.join("manifest.json"),
                "domain",
                format!("[{a}, {b}] is not an interval"),
            )
        }),
        (None, None) => Err(Error::param(
            "domain",
            "unknown",
            "given with --domain ymin,ymax (the model's manifest has none)",
        )),
    }
}

/// The start of a prediction from a new fine state: walker positions in `domain`, binned on the
/// model's `nc` bins; `what` names them in errors. Returns the start and the walker count.
pub fn start_from_positions(
    positions: &[f64],
    domain: &Domain,
    nc: usize,
    what: &str,
) -> Result<(Start, usize)> {
    if positions.is_empty() {
        return Err(Error::param(
            what,
            "no positions",
            "float64 (nf,) walker positions, nf >= 1",
        ));
    }
    check_positions(positions, domain, what)?;
    Ok((
        Start::from_counts(&bin_counts(positions, domain, nc)),
        positions.len(),
    ))
}

/// The warning for a prediction from the fine state `positions` when its coarse state lies
/// outside the states the model was learned on ([`crate::inference::StateRange`]); `None`
/// inside, or for a model that does not record them.
pub fn extrapolation_warning(
    posterior: &Posterior,
    positions: &[f64],
    domain: &Domain,
) -> Option<String> {
    let range = posterior.training_states.as_ref()?;
    let counts: Vec<f64> = bin_counts(positions, domain, posterior.nc)
        .iter()
        .map(|&c| c as f64)
        .collect();
    range.warning(&counts)
}

/// Checks that `data` is what the model was learned on (same fingerprint); returns the array
/// an error about it names.
fn check_training_data(
    posterior: &Posterior,
    data: &LearnData,
    what: &Path,
) -> Result<&'static str> {
    let field = match data {
        LearnData::Experiments(_) => "X0",
        LearnData::Trajectories(_) => "counts",
    };
    if data.fingerprint() != posterior.data_fingerprint {
        return Err(Error::data(
            what,
            field,
            "is not the data the model was learned on (fingerprints differ)",
        ));
    }
    Ok(field)
}

/// The start of a prediction that continues training experiment (or run) `experiment` of
/// `data`, which must be the data the model was learned on (same fingerprint); `what` names
/// the data in errors. Returns the start and the walker count.
pub fn start_of_experiment(
    posterior: &Posterior,
    latent: &LatentStates,
    data: &LearnData,
    experiment: usize,
    what: &Path,
) -> Result<(Start, usize)> {
    let field = check_training_data(posterior, data, what)?;
    if experiment >= data.n() {
        return Err(Error::param(
            "experiment",
            experiment,
            &format!("< N = {}", data.n()),
        ));
    }
    let nc = posterior.nc;
    match (data, latent) {
        (LearnData::Experiments(d), LatentStates::Experiments(l)) => Ok((
            Start::Experiment {
                x0: d.x0_row(experiment).to_vec(),
                mean: l.mean.row(experiment).to_vec(),
                std: l.std.row(experiment).to_vec(),
            },
            d.nf,
        )),
        (LearnData::Trajectories(d), LatentStates::Trajectories(l)) => {
            // the last latent state q(X_{I,T}) with the walkers observed then; times count
            // from that state
            let t = d.steps;
            let last = |a: &ndarray::Array3<f64>| -> Vec<f64> {
                (0..nc).map(|j| a[(experiment, t, j)]).collect()
            };
            let mut mean = last(&l.mean);
            crate::math::centre(&mut mean);
            Ok((
                Start::Inferred {
                    mean,
                    std: last(&l.std),
                },
                d.nf_at(experiment, t) as usize,
            ))
        }
        _ => Err(Error::data(
            what,
            field,
            "is not the kind of data (experiments or trajectories) the model was learned on",
        )),
    }
}

/// Draws the predictive samples from `start` and summarises them: one band per binning, then
/// the 2-bin band if pairs were asked for. Times are in units of `dt` (coarse steps when
/// `None`).
pub fn predict_from(
    posterior: &Posterior,
    start: &Start,
    nf: usize,
    domain: Domain,
    dt: Option<f64>,
    options: &PredictOptions,
    progress: &dyn Progress,
) -> Result<Prediction> {
    let params = options.check(posterior.nc)?;
    if let Some(d) = dt.filter(|d| !(d.is_finite() && *d > 0.0)) {
        return Err(Error::param("dt", d, "a time step (finite, > 0)"));
    }
    let densities: Vec<Density> = options.bins.iter().map(|&bins| Density { bins }).collect();
    let two_bin = TwoBin {
        pairs: options.pairs.clone(),
    };
    let mut observables: Vec<&dyn Observable> =
        densities.iter().map(|d| d as &dyn Observable).collect();
    if !options.pairs.is_empty() {
        observables.push(&two_bin);
    }
    progress.start("samples", options.samples as u64);
    let prediction = predict_bands(
        posterior,
        start,
        nf,
        domain,
        dt.unwrap_or(1.0),
        &observables,
        &params,
        &|k| progress.inc(k),
    )?;
    progress.finish();
    Ok(prediction)
}

/// Reads fine-scale replicas (`trajectory.npz`, `positions (R, horizon+1, nf)`) for coverage.
pub fn read_reference(
    path: &Path,
    horizon: usize,
    nf: usize,
    domain: &Domain,
) -> Result<ndarray::Array3<f64>> {
    let pos = Trajectories::read_positions(path)?;
    check_reference(&pos, horizon, nf, domain, path, "positions")?;
    Ok(pos)
}

/// Checks replicas' positions `(R, horizon+1, nf)` against a prediction.
pub fn check_reference(
    pos: &ndarray::Array3<f64>,
    horizon: usize,
    nf: usize,
    domain: &Domain,
    what: &Path,
    field: &str,
) -> Result<()> {
    let (_, steps, rnf) = pos.dim();
    if steps != horizon + 1 {
        return Err(Error::data(
            what,
            field,
            format!("{steps} times; the horizon asks for {}", horizon + 1),
        ));
    }
    if rnf != nf {
        return Err(Error::data(
            what,
            field,
            format!("{rnf} walkers; the initial state has {nf}"),
        ));
    }
    // contiguous already (as read from a file) or copied once into standard layout
    let flat = pos.as_standard_layout();
    check_positions(
        flat.as_slice().unwrap_or(&[]),
        domain,
        &format!("{}: {field}", what.display()),
    )
}

/// Coverage of the replicas `pos` by the density bands of `prediction` (one per binning of
/// `bins`, in order).
pub fn coverage_of(
    prediction: &Prediction,
    bins: &[usize],
    pos: &ndarray::Array3<f64>,
    domain: &Domain,
) -> Result<Vec<Coverage>> {
    bins.iter()
        .zip(&prediction.bands)
        .map(|(&b, band)| coverage(band, b, pos, domain))
        .collect()
}

/// Runs the prediction and writes `out/density_bins{B}.npz`, `out/two_bin.npz` (with pairs),
/// `out/coverage.json` (with a reference) and `out/manifest.json`.
pub fn predict(job: &PredictJob, progress: &dyn Progress) -> Result<Predicted> {
    let model = Model::load(&job.model)?;
    let posterior = &model.posterior;
    let nc = posterior.nc;
    let options = PredictOptions {
        horizon: job.horizon,
        bins: job.bins.clone(),
        within: job.within,
        samples: job.samples,
        level: job.level,
        pairs: parse_pairs(&job.pairs, nc)?,
        seed: job.seed,
    };
    options.check(nc)?;
    let domain = model_domain(job.domain, &model.manifest, &job.model)?;
    let dt = model.manifest.dt;
    if let Some(d) = dt.filter(|d| !(d.is_finite() && *d > 0.0)) {
        return Err(Error::data(
            job.model.join("manifest.json"),
            "dt",
            format!("{d} is not a time step (finite, > 0)"),
        ));
    }
    let mut extrapolation = None;
    let (start, nf) = match &job.start {
        StartFrom::Initial(path) => {
            let x = read_npy_f64_1d(path)?;
            if x.is_empty() {
                return Err(Error::data(
                    path,
                    "(npy)",
                    "no positions: expected a 1-D array (nf,)",
                ));
            }
            let started = start_from_positions(&x, &domain, nc, &path.display().to_string())?;
            extrapolation = extrapolation_warning(posterior, &x, &domain);
            started
        }
        StartFrom::Experiment { data, experiment } => {
            let d = match posterior.trajectories {
                Some(_) => {
                    LearnData::Trajectories(TrajectoryData::from_npz(data, Some(domain), Some(nc))?)
                }
                None => LearnData::Experiments(TrainingData::from_npz(data, Some(domain))?),
            };
            // a wrong data file is named before the latent states are read
            check_training_data(posterior, &d, data)?;
            let latent = LatentStates::read(&job.model, posterior)?;
            start_of_experiment(posterior, &latent, &d, *experiment, data)?
        }
    };
    let reference = job
        .reference
        .as_ref()
        .map(|p| read_reference(p, job.horizon, nf, &domain))
        .transpose()?;

    let out = OutputDir::stage(&job.out)?;
    let started = Instant::now();
    let prediction = predict_from(posterior, &start, nf, domain, dt, &options, progress)?;
    let pairs = options.pairs.clone();
    for (&b, band) in job.bins.iter().zip(&prediction.bands) {
        band.write_npz(&out.path(&format!("density_bins{b}.npz")), &prediction.t)?;
    }
    if !pairs.is_empty() {
        prediction.bands[job.bins.len()].write_two_bin_npz(
            &out.path("two_bin.npz"),
            &prediction.t,
            &pairs,
        )?;
    }
    let mut cov = Vec::new();
    if let Some(pos) = &reference {
        cov = coverage_of(&prediction, &job.bins, pos, &domain)?;
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
            options,
            domain: [domain.ymin, domain.ymax],
            dt: dt.unwrap_or(1.0),
            dt_known: dt.is_some(),
            nf,
            reference: job.reference.clone(),
            seconds,
            extrapolation: extrapolation.clone(),
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
        extrapolation,
    })
}
