//! Monte Carlo samplers of the Ising model at coupling `K`.
//!
//! | file | holds |
//! |---|---|
//! | [`wolff`] | Wolff single-cluster updates |
//! | [`heatbath`] | checkerboard heat bath, rows in parallel |
//! | [`msc`] | the same heat bath multi-spin coded, 64 spins per word |

pub mod heatbath;
pub mod msc;
pub mod wolff;

pub use heatbath::HeatBath;
pub use msc::PackedHeatBath;
pub use wolff::Wolff;

use super::analysis::estimates::{BLOCKS, Ensemble, estimate};
use super::model::Lattice;
use crate::error::{Error, Result};
use crate::rng::{SbRng, stream};
use serde::{Deserialize, Serialize};

/// A Markov chain of Ising configurations, advanced one sweep at a time.
pub trait Sampler {
    /// One sweep (for Wolff: as many clusters as flip `L²` spins on average).
    fn sweep(&mut self);
    /// The current configuration.
    fn lattice(&self) -> Lattice;
}

impl Sampler for HeatBath {
    fn sweep(&mut self) {
        HeatBath::sweep(self);
    }
    fn lattice(&self) -> Lattice {
        HeatBath::lattice(self)
    }
}

impl Sampler for PackedHeatBath {
    fn sweep(&mut self) {
        PackedHeatBath::sweep(self);
    }
    fn lattice(&self) -> Lattice {
        PackedHeatBath::lattice(self)
    }
}

/// A Wolff chain: the sampler, its lattice, its stream and the cluster flips per sweep.
#[derive(Debug)]
pub struct WolffChain {
    sampler: Wolff,
    lat: Lattice,
    rng: SbRng,
    /// Cluster flips per sweep (calibrated so that a sweep flips `L²` spins on average).
    pub flips: usize,
}

/// Purpose tag of the Wolff chain's stream.
const WOLFF: u64 = 0x4953_494e;

/// Cluster flips used to calibrate the Wolff sweep length.
const CALIBRATION_FLIPS: usize = 1000;

impl WolffChain {
    /// A chain at coupling `k` from `lat`, with the stream `(seed, WOLFF, 0)`, calibrated.
    pub fn new(lat: Lattice, k: f64, seed: u64) -> Self {
        let mut rng = stream(seed, WOLFF, 0);
        let mut lat = lat;
        let mut sampler = Wolff::new(k);
        let flips = sampler.calibrate(&mut lat, CALIBRATION_FLIPS, &mut rng);
        WolffChain {
            sampler,
            lat,
            rng,
            flips,
        }
    }

    /// Recalibrates the sweep length (after thermalisation).
    pub fn recalibrate(&mut self) {
        self.flips = self
            .sampler
            .calibrate(&mut self.lat, CALIBRATION_FLIPS, &mut self.rng);
    }
}

impl Sampler for WolffChain {
    fn sweep(&mut self) {
        self.sampler.sweep(&mut self.lat, self.flips, &mut self.rng);
    }
    fn lattice(&self) -> Lattice {
        self.lat.clone()
    }
}

/// The Monte Carlo algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Wolff single-cluster updates.
    Wolff,
    /// Checkerboard heat bath, rows in parallel.
    Heatbath,
    /// The same heat bath multi-spin coded (`L` a multiple of 128).
    Msc,
}

impl Algorithm {
    /// The name used on the command line and in manifests.
    pub fn as_str(&self) -> &'static str {
        match self {
            Algorithm::Wolff => "wolff",
            Algorithm::Heatbath => "heatbath",
            Algorithm::Msc => "msc",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a Monte Carlo run samples: `n` configurations `every` sweeps apart at coupling `k`
/// on an `l × l` torus, after `thermalise` sweeps from all spins up.
///
/// | name | default | range |
/// |---|---|---|
/// | `l` | — | even, >= 2 (`msc`: a multiple of 128) |
/// | `k` | — | finite, > 0 |
/// | `n` | 1000 | >= 32 (the jackknife blocks) |
/// | `every` | 1 | >= 1 |
/// | `thermalise` | 200 (wolff), 5000 (heat baths) | any |
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SampleParams {
    /// Linear size.
    #[serde(rename = "L")]
    pub l: usize,
    /// Coupling `K = βJ`.
    #[serde(rename = "K")]
    pub k: f64,
    /// Configurations stored.
    pub n: usize,
    /// The algorithm.
    pub algo: Algorithm,
    /// Sweeps between stored configurations.
    pub every: usize,
    /// Thermalisation sweeps (`None`: the algorithm's default).
    pub thermalise: Option<usize>,
    /// Random seed.
    pub seed: u64,
}

impl SampleParams {
    /// Checks every field (errors name the parameter) and the memory one lattice needs, and
    /// settles the thermalisation length.
    pub fn check(&self) -> Result<ValidSampleParams> {
        if self.l < 2 || self.l % 2 == 1 {
            return Err(Error::param("L", self.l, "even and >= 2"));
        }
        if self.algo == Algorithm::Msc && self.l % 128 != 0 {
            return Err(Error::param(
                "L",
                self.l,
                "a multiple of 128 for --algo msc",
            ));
        }
        // the lattice, a copy for the writer, and the sampler's own layout
        crate::limits::require_memory(
            "L",
            self.l,
            "the lattice",
            crate::limits::array_bytes(&[self.l, self.l, 4], 1),
        )?;
        if !(self.k > 0.0 && self.k.is_finite()) {
            return Err(Error::param("K", self.k, "finite and > 0"));
        }
        if self.n < BLOCKS {
            return Err(Error::param(
                "n",
                self.n,
                &format!(">= {BLOCKS} (the number of jackknife blocks)"),
            ));
        }
        if self.every == 0 {
            return Err(Error::param("every", 0, ">= 1"));
        }
        let local = self.algo != Algorithm::Wolff;
        let thermalise = self.thermalise.unwrap_or(if local { 5000 } else { 200 });
        let sweeps = self
            .n
            .checked_mul(self.every)
            .and_then(|s| s.checked_add(thermalise))
            .filter(|&s| u64::try_from(s).is_ok());
        let Some(sweeps) = sweeps else {
            return Err(Error::param(
                "n",
                self.n,
                "such that thermalise + n·every sweeps can be counted",
            ));
        };
        Ok(ValidSampleParams {
            params: self.clone(),
            thermalise,
            sweeps,
        })
    }
}

/// [`SampleParams`] checked, with the thermalisation length settled.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidSampleParams {
    params: SampleParams,
    thermalise: usize,
    sweeps: usize,
}

impl ValidSampleParams {
    /// The parameters as given.
    pub fn params(&self) -> &SampleParams {
        &self.params
    }
    /// Thermalisation sweeps.
    pub fn thermalise(&self) -> usize {
        self.thermalise
    }
    /// Sweeps in all (thermalisation and between stored configurations).
    pub fn sweeps(&self) -> usize {
        self.sweeps
    }
}

/// The outcome of [`sample`]: the ensemble estimates and how the chain was run.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRun {
    /// Estimates with jackknife errors.
    pub ensemble: Ensemble,
    /// Thermalisation sweeps done.
    pub thermalise: usize,
    /// Wolff cluster flips per sweep (after recalibration at equilibrium).
    pub flips_per_sweep: Option<usize>,
}

/// Runs the chain: thermalises, then hands every stored configuration to `store` (in order)
/// and measures `m` and `e` on it. `progress` is called with `1` per sweep.
pub fn sample(
    valid: &ValidSampleParams,
    store: &mut dyn FnMut(&Lattice) -> Result<()>,
    progress: &dyn Fn(u64),
) -> Result<SampleRun> {
    let (params, thermalise) = (&valid.params, valid.thermalise);
    let start = Lattice::ordered(params.l);
    let mut wolff = None;
    let mut chain: Box<dyn Sampler> = match params.algo {
        Algorithm::Msc => Box::new(
            PackedHeatBath::new(&start, params.k, params.seed)
                .ok_or_else(|| Error::param("L", params.l, "a multiple of 128 for --algo msc"))?,
        ),
        Algorithm::Heatbath => Box::new(HeatBath::new(&start, params.k, params.seed)?),
        Algorithm::Wolff => {
            let mut w = WolffChain::new(start, params.k, params.seed);
            for _ in 0..thermalise {
                w.sweep();
                progress(1);
            }
            w.recalibrate();
            wolff = Some(w.flips);
            Box::new(w)
        }
    };
    if wolff.is_none() {
        for _ in 0..thermalise {
            chain.sweep();
            progress(1);
        }
    }
    let (mut m, mut e) = (Vec::with_capacity(params.n), Vec::with_capacity(params.n));
    for _ in 0..params.n {
        for _ in 0..params.every {
            chain.sweep();
            progress(1);
        }
        let lat = chain.lattice();
        let (mm, ee) = lat.observables();
        m.push(mm);
        e.push(ee);
        store(&lat)?;
    }
    Ok(SampleRun {
        ensemble: estimate(params.l, params.k, &m, &e)?,
        thermalise,
        flips_per_sweep: wolff,
    })
}
