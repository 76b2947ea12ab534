//! The Ising jobs (SPEC Part B): Monte Carlo ensembles, fitting the local lifting rule,
//! dreaming lattices of any size, and MCRG eigenvalues — each writing one output directory.

use super::Progress;
use crate::error::{Error, Result};
use crate::io::{Manifest, OutputDir};
use crate::lattice::analysis::estimates::{BLOCKS, Ensemble, estimate};
use crate::lattice::analysis::study::{DreamLevel, DreamObservables};
use crate::lattice::model::{SpinWriter, read_spins};
use crate::lattice::rg::block::{block_chain, majority_pair};
use crate::lattice::rg::dream::{DreamParams, dream_ensemble, final_side};
use crate::lattice::rg::lift::{LiftFile, LiftRule, Lifter, fit};
use crate::lattice::rg::mcrg::{MIN_SIDE, Mcrg, McrgFile, mcrg_chains};
use crate::lattice::samplers::{SampleParams, SampleRun, sample};
use crate::lattice::{K_C, Lattice};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The fields of an `ising sample` manifest: the parameters as run (the thermalisation
/// settled) and the Wolff sweep length.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleManifest {
    /// `L`, `K`, `n`, `algo`, `every`, `thermalise`, `seed`.
    #[serde(flatten)]
    pub params: SampleParams,
    /// Wolff cluster flips per sweep (`null` for the heat baths).
    pub flips_per_sweep: Option<usize>,
}

/// The fields of an `ising fit-lift` manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitLiftManifest {
    /// The configurations.
    pub data: PathBuf,
    /// Kernel side.
    pub kernel: usize,
    /// Coupling.
    #[serde(rename = "K")]
    pub k: f64,
    /// Seed of the tie-breaking coins.
    pub seed: u64,
}

/// The fields of an `ising dream` manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DreamManifest {
    /// The rule's file.
    pub lift: PathBuf,
    /// Its weights.
    pub theta: Vec<f64>,
    /// Its coupling.
    #[serde(rename = "K")]
    pub k: f64,
    /// Lifts per sample.
    pub levels: usize,
    /// Samples.
    pub n: usize,
    /// Seed.
    pub seed: u64,
    /// Starting lattices, if not one random spin.
    pub start: Option<PathBuf>,
    /// Starting side.
    #[serde(rename = "L0")]
    pub l0: usize,
    /// Final side.
    #[serde(rename = "L")]
    pub l: usize,
    /// Observables at every level.
    pub measure_levels: bool,
    /// No configurations written.
    pub no_store: bool,
    /// One file per sample.
    pub per_sample_files: bool,
}

/// The fields of an `ising mcrg` manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct McrgManifest {
    /// The configurations.
    pub data: PathBuf,
    /// Blocking steps.
    pub steps: usize,
    /// Seed of the tie-breaking coins.
    pub seed: u64,
}

/// Above this side every dreamed sample is written to its own file
/// `configs/sample_NNNNNN.npy`.
pub const PER_SAMPLE_FILE_SIDE: usize = 2048;

/// Samples configurations into `out/configs.npy` (int8 `(n, L, L)`), with
/// `out/observables.json` and `out/manifest.json`.
pub fn sample_job(params: &SampleParams, out: &Path, progress: &dyn Progress) -> Result<SampleRun> {
    let valid = params.check()?;
    let dir = OutputDir::stage(out)?;
    progress.start("sweeps", valid.sweeps() as u64);
    let mut writer = SpinWriter::create(&dir.path("configs.npy"), &[params.n, params.l, params.l])?;
    let run = sample(&valid, &mut |lat| writer.push(&lat.spins), &|k| {
        progress.inc(k)
    })?;
    progress.finish();
    writer.finish()?;
    crate::io::write_json(&dir.path("observables.json"), &run.ensemble)?;
    Manifest::new(
        "ising sample",
        SampleManifest {
            params: SampleParams {
                thermalise: Some(run.thermalise),
                ..params.clone()
            },
            flips_per_sweep: run.flips_per_sweep,
        },
    )
    .write(dir.staged())?;
    dir.commit()?;
    Ok(run)
}

/// The coupling recorded in a manifest beside the data.
#[derive(serde::Deserialize)]
struct KField {
    #[serde(rename = "K", default)]
    k: Option<f64>,
}

/// Fits the rule of side `kernel` (3, 5, 7) to the configurations in `data` and their
/// majority-rule blocks (ties from `seed`); the coupling is `k`, else the one in the data's
/// `manifest.json` — there is no silent default. Writes `out/lift.json`, `out/manifest.json`.
pub fn fit_lift_job(
    data: &Path,
    kernel: usize,
    k: Option<f64>,
    seed: u64,
    out: &Path,
) -> Result<LiftFile> {
    // the parameters before the data: a bad --kernel is named whatever the file holds
    LiftRule::radius_of_kernel(kernel)
        .ok_or_else(|| Error::param("kernel", kernel, "3, 5 or 7"))?;
    let lats = read_spins(data)?;
    let k = match k {
        Some(k) => k,
        None => crate::io::manifest_beside::<KField>(data)?
            .and_then(|m| m.k)
            .ok_or_else(|| {
                Error::param(
                    "K",
                    "unknown",
                    &format!(
                        "given with --K (no manifest.json beside {} records it; K_c = {K_C})",
                        data.display()
                    ),
                )
            })?,
    };
    let file = fit_lift(lats, kernel, k, seed, data, "(npy)")?;
    let dir = OutputDir::stage(out)?;
    crate::io::write_json(&dir.path("lift.json"), &file)?;
    Manifest::new(
        "ising fit-lift",
        FitLiftManifest {
            data: data.to_owned(),
            kernel,
            k,
            seed,
        },
    )
    .write(dir.staged())?;
    dir.commit()?;
    Ok(file)
}

/// Fits the rule of side `kernel` (3, 5, 7) to configurations `lats` at coupling `k` and
/// their majority-rule blocks (ties from `seed`). Errors about the lattices name `what` and
/// `field`.
pub fn fit_lift(
    lats: Vec<Lattice>,
    kernel: usize,
    k: f64,
    seed: u64,
    what: &Path,
    field: &str,
) -> Result<LiftFile> {
    let radius = LiftRule::radius_of_kernel(kernel)
        .ok_or_else(|| Error::param("kernel", kernel, "3, 5 or 7"))?;
    if !(k > 0.0 && k.is_finite()) {
        return Err(Error::param("K", k, "finite and > 0"));
    }
    let l = lats.first().map_or(0, |f| f.l);
    if l < 4 || l % 2 == 1 {
        return Err(Error::data(
            what,
            field,
            format!("lattice side {l}: must be even and >= 4 for 2×2 blocks"),
        ));
    }
    let pairs: Vec<_> = lats
        .into_iter()
        .enumerate()
        .map(|(i, f)| majority_pair(f, seed, i))
        .collect();
    Ok(LiftFile::new(fit(&pairs, radius)?, l, k))
}

/// What to dream.
#[derive(Clone, Debug)]
pub struct DreamJob {
    /// `lift.json`, or a directory holding it.
    pub lift: PathBuf,
    /// Levels, samples, seed, which levels to measure.
    pub params: DreamParams,
    /// Starting lattices (`.npy`, int8 `(L0, L0)` or `(n0, L0, L0)`); none: one random spin.
    pub start: Option<PathBuf>,
    /// Keep only the observables.
    pub no_store: bool,
    /// Output directory.
    pub out: PathBuf,
}

/// What a dream produced.
#[derive(Clone, Debug)]
pub struct Dreamed {
    /// Side of the starting lattices.
    pub l0: usize,
    /// Final side.
    pub side: usize,
    /// Estimates per recorded level (none below 32 samples).
    pub estimates: Vec<Option<Ensemble>>,
    /// Wall time of the generation.
    pub seconds: f64,
}

/// Dreams the ensemble and writes `out/configs.npy` (or `out/configs/sample_NNNNNN.npy` above
/// side [`PER_SAMPLE_FILE_SIDE`]; nothing with `no_store`), `out/observables.json`,
/// `out/observables.npz` and `out/manifest.json`.
pub fn dream_job(job: &DreamJob, progress: &dyn Progress) -> Result<Dreamed> {
    let (lift, rule) = LiftFile::read(&job.lift)?;
    let p = &job.params;
    if p.n == 0 {
        return Err(Error::param("n", 0, ">= 1"));
    }
    let starts: Option<Vec<Lattice>> = job.start.as_deref().map(read_spins).transpose()?;
    let l0 = starts.as_ref().map_or(1, |s| s[0].l);
    let side = final_side(l0, p.levels)?;
    let lifter = Lifter::new(&rule);
    let dir = OutputDir::stage(&job.out)?;
    let per_sample = side > PER_SAMPLE_FILE_SIDE;
    let mut writer = if job.no_store || per_sample {
        None
    } else {
        Some(SpinWriter::create(
            &dir.path("configs.npy"),
            &[p.n, side, side],
        )?)
    };
    if per_sample && !job.no_store {
        crate::io::create_dir(&dir.path("configs"))?;
    }
    let mut sink = |i: usize, lat: &Lattice| -> Result<()> {
        if let Some(w) = writer.as_mut() {
            w.push(&lat.spins)
        } else if per_sample && !job.no_store {
            let path = dir.path("configs").join(format!("sample_{i:06}.npy"));
            let mut w = SpinWriter::create(&path, &[side, side])?;
            w.push(&lat.spins)?;
            w.finish()
        } else {
            Ok(())
        }
    };
    progress.start("samples", p.n as u64);
    let t0 = std::time::Instant::now();
    let obs = dream_ensemble(&lifter, starts.as_deref(), p, &mut sink, &|k| {
        progress.inc(k)
    })?;
    progress.finish();
    let seconds = t0.elapsed().as_secs_f64();
    if let Some(w) = writer {
        w.finish()?;
    }
    let estimates: Vec<Option<Ensemble>> = obs
        .sides
        .iter()
        .enumerate()
        .map(|(r, &l)| {
            (p.n >= BLOCKS)
                .then(|| estimate(l, lift.k, &obs.m.row(r).to_vec(), &obs.e.row(r).to_vec()))
                .transpose()
        })
        .collect::<Result<_>>()?;
    let levels: Vec<DreamLevel> = obs
        .levels
        .iter()
        .zip(&obs.sides)
        .zip(&estimates)
        .map(|((&level, &l), est)| DreamLevel {
            level,
            l,
            n: p.n,
            estimates: est.clone(),
        })
        .collect();
    obs.write_npz(&dir.path("observables.npz"))?;
    crate::io::write_json(
        &dir.path("observables.json"),
        &DreamObservables {
            k: lift.k,
            kernel: 2 * rule.radius + 1,
            note: format!(
                "samples are independent; estimates need n >= {BLOCKS} (jackknife blocks)"
            ),
            levels,
        },
    )?;
    Manifest::new(
        "ising dream",
        DreamManifest {
            lift: LiftFile::path_of(&job.lift),
            theta: rule.theta.clone(),
            k: lift.k,
            levels: p.levels,
            n: p.n,
            seed: p.seed,
            start: job.start.clone(),
            l0,
            l: side,
            measure_levels: p.measure_levels,
            no_store: job.no_store,
            per_sample_files: per_sample && !job.no_store,
        },
    )
    .write(dir.staged())?;
    dir.commit()?;
    Ok(Dreamed {
        l0,
        side,
        estimates,
        seconds,
    })
}

/// MCRG eigenvalues from the configurations in `data` and `steps` majority-rule blockings
/// (ties from `seed`); writes `out/mcrg.json` and `out/manifest.json`.
pub fn mcrg_job(data: &Path, steps: usize, seed: u64, out: &Path) -> Result<Vec<Mcrg>> {
    let result = mcrg(read_spins(data)?, steps, seed, data, "(npy)")?;
    let dir = OutputDir::stage(out)?;
    crate::io::write_json(&dir.path("mcrg.json"), &McrgFile::new(result.clone()))?;
    Manifest::new(
        "ising mcrg",
        McrgManifest {
            data: data.to_owned(),
            steps,
            seed,
        },
    )
    .write(dir.staged())?;
    dir.commit()?;
    Ok(result)
}

/// MCRG eigenvalues from configurations `lats` and `steps` majority-rule blockings (ties from
/// `seed`). Errors about the lattices name `what` and `field`.
pub fn mcrg(
    lats: Vec<Lattice>,
    steps: usize,
    seed: u64,
    what: &Path,
    field: &str,
) -> Result<Vec<Mcrg>> {
    if steps == 0 {
        return Err(Error::param("steps", 0, ">= 1"));
    }
    let l = lats.first().map_or(0, |f| f.l);
    let block = 1usize << steps.min(30);
    if l % block != 0 || l / block < MIN_SIDE {
        return Err(Error::data(
            what,
            field,
            format!(
                "lattice side {l}: {steps} blocking steps need a multiple of 2^{steps} with at least {MIN_SIDE} coarse sites per side"
            ),
        ));
    }
    // chains[i][k] = MR^k of configuration i
    let chains: Vec<Vec<Lattice>> = lats
        .into_iter()
        .enumerate()
        .map(|(i, f)| block_chain(f, steps, seed, i))
        .collect();
    mcrg_chains(&chains)
}
