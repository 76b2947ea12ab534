//! The exact-weight jobs (SPEC B.4): fitting the seam-and-boundary-MPS generator
//! (`ising fit-sampler`) and importance sampling with it (`ising nis`).

use super::Progress;
use crate::error::Result;
use crate::io::{Manifest, OutputDir};
use crate::lattice::analysis::weighted::{
    NisEstimates, WeightedSample, check_samples, nis_estimates,
};
use crate::lattice::model::{SpinWriter, read_spins};
use crate::lattice::nis::fit::{FitParams, WOLFF_THERMALISE, fit_seams, training_seams};
use crate::lattice::nis::sampler::{ExactSampler, SAMPLER_FILE, SamplerFile};
use crate::rng::stream;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file `ising nis` writes its estimates to.
pub const NIS_FILE: &str = "nis.json";

/// Purpose tag of the generator's per-sample streams.
const NIS_SAMPLE: u64 = 0x4e49_5353;

/// Purpose tag of the independence Metropolis chain's uniforms.
const NIS_METROPOLIS: u64 = 0x4e49_534d;

/// Samples generated between progress updates and writes (in parallel within a batch).
const BATCH: usize = 64;

/// The fields of an `ising fit-sampler` manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitSamplerManifest {
    /// Side.
    #[serde(rename = "L")]
    pub l: usize,
    /// Coupling.
    #[serde(rename = "K")]
    pub k: f64,
    /// Bond dimension.
    pub chi: usize,
    /// Training configurations (`null`: the fit's own Wolff run).
    pub data: Option<PathBuf>,
    /// Wolff configurations when no data are given.
    pub n_train: usize,
    /// Symmetry copies per configuration.
    pub copies: usize,
    /// Seed.
    pub seed: u64,
}

/// Fits a generator for `params` (training on `data` when given, an `.npy` of `(n, L, L)`
/// int8 spins) and writes `out/sampler.json` and `out/manifest.json`.
pub fn fit_sampler_job(
    params: &FitParams,
    data: Option<&Path>,
    out: &Path,
    progress: &dyn Progress,
) -> Result<SamplerFile> {
    params.check()?;
    let lats = data.map(read_spins).transpose()?;
    let dir = OutputDir::stage(out)?;
    let given = lats.as_deref().zip(data);
    if data.is_none() {
        progress.start("Wolff sweeps", (params.n + WOLFF_THERMALISE) as u64);
    }
    let seams = training_seams(params, given, &|k| progress.inc(k))?;
    if data.is_none() {
        progress.finish();
    }
    progress.start("seam positions", (2 * params.l - 1) as u64);
    let (file, _) = fit_seams(params, seams, &|k| progress.inc(k))?;
    progress.finish();
    crate::io::write_json(&dir.path(SAMPLER_FILE), &file)?;
    Manifest::new(
        "ising fit-sampler",
        FitSamplerManifest {
            l: params.l,
            k: params.k,
            chi: params.chi,
            data: data.map(Path::to_owned),
            n_train: params.n,
            copies: params.copies,
            seed: params.seed,
        },
    )
    .write(dir.staged())?;
    dir.commit()?;
    Ok(file)
}

/// What to importance-sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NisJob {
    /// The fitted sampler (a directory holding `sampler.json`, or the file).
    pub sampler: PathBuf,
    /// Samples.
    pub n: usize,
    /// Seed: sample `i` draws from the stream `(seed, i)`, whatever the number of threads.
    pub seed: u64,
    /// Also write the configurations (`configs.npy`).
    pub store: bool,
    /// Output directory.
    pub out: PathBuf,
}

/// The fields of an `ising nis` manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NisManifest {
    /// The job.
    #[serde(flatten)]
    pub job: NisJob,
    /// Side and coupling of the sampler.
    #[serde(rename = "L")]
    pub l: usize,
    /// Coupling.
    #[serde(rename = "K")]
    pub k: f64,
    /// Bond dimension.
    pub chi: usize,
}

/// Draws `n` configurations with their `ln q` (sample `i` from the stream `(seed, i)`),
/// in batches run in parallel; `sink` sees them in order.
pub fn generate(
    sampler: &ExactSampler,
    n: usize,
    seed: u64,
    sink: &mut dyn FnMut(&crate::lattice::Lattice, f64) -> Result<()>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let mut start = 0;
    while start < n {
        let end = (start + BATCH).min(n);
        let batch: Vec<_> = (start..end)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(seed, NIS_SAMPLE, i as u64);
                let drawn = sampler.draw(&mut rng);
                progress(1);
                drawn
            })
            .collect::<Result<_>>()?;
        for (lat, log_q) in &batch {
            sink(lat, *log_q)?;
        }
        start = end;
    }
    Ok(())
}

/// What an importance-sampling run produced: every sample's `ln q`, bonds and magnetisation
/// in generation order, and the estimates.
#[derive(Clone, Debug, PartialEq)]
pub struct NisRun {
    /// The samples, in order.
    pub samples: Vec<WeightedSample>,
    /// ESS, `ln Z`, reweighted observables, Metropolis acceptance, wall time.
    pub estimates: NisEstimates,
}

impl NisRun {
    /// A per-sample column (`ln q`, `ln w`, `e`, `m`).
    pub fn column(&self, f: impl Fn(&WeightedSample) -> f64) -> ndarray::Array1<f64> {
        self.samples.iter().map(f).collect()
    }

    /// The columns `samples.npz` holds, by name: `log_q`, `log_w`, `e`, `m`.
    pub fn columns(&self) -> [(&'static str, ndarray::Array1<f64>); 4] {
        let (k, n2) = (
            self.estimates.k,
            (self.estimates.l * self.estimates.l) as f64,
        );
        [
            ("log_q", self.column(|s| s.log_q)),
            ("log_w", self.column(|s| s.log_w(k))),
            ("e", self.column(|s| -(s.bonds as f64) / n2)),
            ("m", self.column(|s| s.m)),
        ]
    }
}

/// Importance sampling in memory: `n` draws (sample `i` from the stream `(seed, i)`), each also
/// handed to `sink` in order, then the estimates (Metropolis uniforms from `(seed,
/// Metropolis)`). `progress` gets one unit per sample.
pub fn nis(
    sampler: &ExactSampler,
    n: usize,
    seed: u64,
    sink: &mut dyn FnMut(&crate::lattice::Lattice) -> Result<()>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<NisRun> {
    check_samples(n)?;
    crate::limits::require_memory(
        "n",
        n,
        "the per-sample weights and observables",
        crate::limits::array_bytes(&[n, 4, 8], 1),
    )?;
    let mut samples = Vec::with_capacity(n);
    let t0 = std::time::Instant::now();
    generate(
        sampler,
        n,
        seed,
        &mut |lat, log_q| {
            samples.push(WeightedSample {
                log_q,
                bonds: lat.bond_sum(),
                m: lat.magnetisation(),
            });
            sink(lat)
        },
        progress,
    )?;
    let seconds = t0.elapsed().as_secs_f64();
    let mut estimates = nis_estimates(
        &samples,
        sampler.l(),
        sampler.k(),
        &mut stream(seed, NIS_METROPOLIS, 0),
    )?;
    estimates.seconds = seconds;
    Ok(NisRun { samples, estimates })
}

/// Runs the importance sampling and writes `out/nis.json`, `out/samples.npz` (`log_q`,
/// `log_w`, `e`, `m` per sample, in order), `out/configs.npy` with `store`, and
/// `out/manifest.json`.
pub fn nis_job(job: &NisJob, progress: &dyn Progress) -> Result<NisEstimates> {
    check_samples(job.n)?;
    let (file, sampler) = SamplerFile::read(&job.sampler)?;
    let l = file.l;
    if job.store {
        crate::limits::require_memory(
            "n",
            job.n,
            "the stored configurations (--store)",
            crate::limits::array_bytes(&[job.n, l, l], 1),
        )?;
    }
    let dir = OutputDir::stage(&job.out)?;
    let mut writer = if job.store {
        Some(SpinWriter::create(
            &dir.path("configs.npy"),
            &[job.n, l, l],
        )?)
    } else {
        None
    };
    progress.start("samples", job.n as u64);
    let run = nis(
        &sampler,
        job.n,
        job.seed,
        &mut |lat| match writer.as_mut() {
            Some(w) => w.push(&lat.spins),
            None => Ok(()),
        },
        &|k| progress.inc(k),
    )?;
    progress.finish();
    if let Some(w) = writer {
        w.finish()?;
    }
    let est = run.estimates.clone();
    crate::io::write_npz(&dir.path("samples.npz"), |w| {
        for (name, col) in run.columns() {
            w.add(name, &col)?;
        }
        Ok(())
    })?;
    crate::io::write_json(&dir.path(NIS_FILE), &est)?;
    Manifest::new(
        "ising nis",
        NisManifest {
            job: job.clone(),
            l,
            k: file.k,
            chi: file.chi,
        },
    )
    .write(dir.staged())?;
    dir.commit()?;
    Ok(est)
}
