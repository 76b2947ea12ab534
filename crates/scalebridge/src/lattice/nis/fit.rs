//! Fitting the generator: the seam model is trained on the seams of Monte Carlo
//! configurations at the same `(L, K)` — given ones, or the fit's own Wolff run.

use super::sampler::{ExactSampler, SamplerFile, Training, check_chi, check_coupling, check_side};
use super::seam::{Layout, SeamModel, symmetric_seams};
use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::lattice::analysis::estimates::BLOCKS;
use crate::lattice::samplers::{Algorithm, SampleParams, sample};
use crate::rng::stream;
use std::time::Instant;

/// Purpose tag of the stream of symmetry copies.
const SEAM_COPIES: u64 = 0x5345_414d;

/// Wolff sweeps before the first training configuration.
pub const WOLFF_THERMALISE: usize = 200;

/// What to fit.
///
/// | name | default | meaning |
/// |---|---|---|
/// | `l` | — | side (even, >= 4) |
/// | `k` | — | coupling (> 0) |
/// | `chi` | 4 | bond dimension of the boundary MPS (1 to 64) |
/// | `n` | 8000 | training configurations (Wolff, one sweep apart, after 200 sweeps) |
/// | `copies` | 8 | random torus symmetries of each configuration's seam |
/// | `seed` | 0 | the Wolff chain and the copies |
#[derive(Clone, Debug, PartialEq)]
pub struct FitParams {
    /// Side.
    pub l: usize,
    /// Coupling.
    pub k: f64,
    /// Bond dimension.
    pub chi: usize,
    /// Training configurations generated when none are given.
    pub n: usize,
    /// Symmetry copies per configuration.
    pub copies: usize,
    /// Seed.
    pub seed: u64,
}

impl FitParams {
    /// The defaults at side `l` and coupling `k`.
    pub fn new(l: usize, k: f64) -> Self {
        FitParams {
            l,
            k,
            chi: super::sampler::DEFAULT_CHI,
            n: 8000,
            copies: 8,
            seed: 0,
        }
    }

    /// Checks the side, coupling, bond dimension (and the environments' memory) and copies; the
    /// training size is checked where it is used ([`training_seams`]).
    pub fn check(&self) -> Result<()> {
        check_side(self.l)?;
        check_coupling(self.k)?;
        check_chi(self.chi)?;
        super::sampler::check_memory(self.l, self.chi)?;
        if self.copies == 0 {
            return Err(Error::param("copies", 0, ">= 1"));
        }
        Ok(())
    }
}

/// The seams a sampler is trained on, and where they came from.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingSeams {
    /// Row-major `(n · copies) × (2L − 1)` seams, ±1.
    x: Vec<f64>,
    /// `wolff` or the data file.
    source: String,
    /// Configurations.
    n: usize,
    /// Wall time of the Wolff run (0 with given data).
    sampling_seconds: f64,
}

/// Fits a sampler: [`training_seams`] then [`fit_seams`], without progress reports.
pub fn fit_sampler(
    params: &FitParams,
    data: Option<(&[Lattice], &std::path::Path)>,
) -> Result<(SamplerFile, ExactSampler)> {
    let seams = training_seams(params, data, &|_| {})?;
    fit_seams(params, seams, &|_| {})
}

/// The training seams: from `data` (given configurations and the file they came from; their
/// side must be `params.l`), or from a Wolff chain of `params.n` configurations, reporting one
/// unit per sweep (`n + 200`) to `progress`.
pub fn training_seams(
    params: &FitParams,
    data: Option<(&[Lattice], &std::path::Path)>,
    progress: &dyn Fn(u64),
) -> Result<TrainingSeams> {
    params.check()?;
    let l = params.l;
    let mut rng = stream(params.seed, SEAM_COPIES, 0);
    let mut x = Vec::new();
    let t0 = Instant::now();
    match data {
        Some((lats, path)) => {
            if let Some(bad) = lats.iter().find(|lat| lat.l != l) {
                return Err(Error::data(
                    path,
                    "(npy)",
                    format!("lattice side {}: the sampler is fitted for --L {l}", bad.l),
                ));
            }
            if lats.len() < BLOCKS {
                return Err(Error::data(
                    path,
                    "(npy)",
                    format!(
                        "{} configurations: at least {BLOCKS} are needed",
                        lats.len()
                    ),
                ));
            }
            crate::limits::require_memory(
                "data",
                path.display(),
                "the training seams",
                crate::limits::array_bytes(&[lats.len(), params.copies, 2 * l, 8], 1),
            )?;
            for lat in lats {
                symmetric_seams(lat, params.copies, &mut rng, &mut x);
            }
            Ok(TrainingSeams {
                x,
                source: path.display().to_string(),
                n: lats.len(),
                sampling_seconds: 0.0,
            })
        }
        None => {
            if params.n < BLOCKS {
                return Err(Error::param(
                    "n",
                    params.n,
                    &format!(">= {BLOCKS} training configurations"),
                ));
            }
            crate::limits::require_memory(
                "n",
                params.n,
                "the training seams",
                crate::limits::array_bytes(&[params.n, params.copies, 2 * l, 8], 1),
            )?;
            let valid = SampleParams {
                l,
                k: params.k,
                n: params.n,
                algo: Algorithm::Wolff,
                every: 1,
                thermalise: Some(WOLFF_THERMALISE),
                seed: params.seed,
            }
            .check()?;
            sample(
                &valid,
                &mut |lat| {
                    symmetric_seams(lat, params.copies, &mut rng, &mut x);
                    Ok(())
                },
                progress,
            )?;
            Ok(TrainingSeams {
                x,
                source: "wolff".to_owned(),
                n: params.n,
                sampling_seconds: t0.elapsed().as_secs_f64(),
            })
        }
    }
}

/// Fits the seam model to `seams` and assembles the sampler, reporting one unit per seam
/// position (`2L − 1`) to `progress`.
pub fn fit_seams(
    params: &FitParams,
    seams: TrainingSeams,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(SamplerFile, ExactSampler)> {
    params.check()?;
    let l = params.l;
    let layout = Layout::new(l);
    let t1 = Instant::now();
    let seam = SeamModel::fit(&layout, &seams.x, seams.n * params.copies, progress)?;
    let fit_seconds = t1.elapsed().as_secs_f64();
    let sampler = ExactSampler::new(l, params.k, params.chi, seam.clone())?;
    Ok((
        SamplerFile {
            l,
            k: params.k,
            chi: params.chi,
            training: Training {
                source: seams.source,
                n: seams.n,
                copies: params.copies,
                seed: params.seed,
                sampling_seconds: seams.sampling_seconds,
                fit_seconds,
            },
            seam,
        },
        sampler,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::analysis::weighted::{WeightedSample, nis_estimates};
    use crate::lattice::exact;

    /// Every configuration of the 4 × 4 torus: `q` sums to 1, and `ln q` of a drawn
    /// configuration equals the score of the same configuration.
    #[test]
    fn q_sums_to_one_over_all_configurations_at_l4() {
        let mut p = FitParams::new(4, 0.4406868);
        p.n = 400;
        let (_, sampler) = fit_sampler(&p, None).unwrap();
        let mut total = 0.0;
        let mut lat = Lattice::ordered(4);
        for bits in 0u32..1 << 16 {
            for (i, s) in lat.spins.iter_mut().enumerate() {
                *s = if bits >> i & 1 == 1 { -1 } else { 1 };
            }
            total += sampler.log_q(&lat).unwrap().exp();
        }
        assert!((total - 1.0).abs() < 1e-12, "Σq = {total}");
        let mut rng = stream(5, 0, 0);
        for _ in 0..20 {
            let (lat, lq) = sampler.draw(&mut rng).unwrap();
            assert_eq!(sampler.log_q(&lat).unwrap(), lq);
        }
    }

    /// At L = 8 the importance-sampling `ln Z` agrees with Kaufman's within 3σ.
    #[test]
    fn nis_ln_z_matches_kaufman_at_l8() {
        let k = 0.4406868;
        let mut p = FitParams::new(8, k);
        p.n = 500;
        let (_, sampler) = fit_sampler(&p, None).unwrap();
        let mut rng = stream(9, 0, 0);
        let samples: Vec<WeightedSample> = (0..2000)
            .map(|_| {
                let (lat, log_q) = sampler.draw(&mut rng).unwrap();
                WeightedSample {
                    log_q,
                    bonds: lat.bond_sum(),
                    m: lat.magnetisation(),
                }
            })
            .collect();
        let est = nis_estimates(&samples, 8, k, &mut stream(1, 0, 0)).unwrap();
        let exact = exact(8, k).unwrap();
        let z = (est.ln_z_per_site - exact.ln_z_per_site) / est.ln_z_per_site_err;
        assert!(
            z.abs() < 3.0,
            "ln Z {} ± {} vs {} (ESS/N {})",
            est.ln_z_per_site,
            est.ln_z_per_site_err,
            exact.ln_z_per_site,
            est.ess_per_sample
        );
        assert!(est.ess_per_sample > 0.5, "ESS/N {}", est.ess_per_sample);
    }
}
