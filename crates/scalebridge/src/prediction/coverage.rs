//! Judging a prediction against fine-scale replicas run from the same fine state.
//!
//! For each binning and time: the share of (replica, bin) densities that lie inside the band
//! — each replica judged on its own, never their mean — and the relative L1 error of the
//! predicted mean against the replica mean, `Σ_b |mean_b − ref_b| / Σ_b |ref_b|`. Totals are
//! over `t ≥ Δt` (at `t = 0` every replica is the given state).

use super::predictor::Band;
use crate::error::{Error, Result};
use crate::walkers::domain::Domain;
use crate::walkers::restrict::bin_counts;
use ndarray::Array3;
use serde::Serialize;

/// Coverage of one binning.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Coverage {
    /// Number of bins.
    pub bins: usize,
    /// Share of (replica, bin) values inside the band, per time.
    pub coverage: Vec<f64>,
    /// Relative L1 error of the predicted mean, per time.
    pub rel_l1_error: Vec<f64>,
    /// Coverage over all times `t ≥ Δt`.
    pub coverage_total: f64,
    /// Mean relative L1 error over `t ≥ Δt`.
    pub rel_l1_error_mean: f64,
    /// Mean band width (`q_hi − q_lo`) per time, averaged over bins.
    pub band_width: Vec<f64>,
    /// Relative band area over `t ≥ Δt`: `Σ_{t,j} (q_hi − q_lo) / Σ_{t,j} mean`, how wide the
    /// band is compared with the density itself (0 for a point prediction).
    #[serde(default)]
    pub band_area: f64,
}

/// Coverage of a density band (`bins` bins) by the replicas `positions` `(R, T+1, nf)`.
pub fn coverage(
    band: &Band,
    bins: usize,
    positions: &Array3<f64>,
    domain: &Domain,
) -> Result<Coverage> {
    let (r, steps, nf) = positions.dim();
    if steps != band.mean.nrows() {
        return Err(Error::param(
            "reference",
            format!("{} times", steps),
            &format!("the prediction's {} times (horizon + 1)", band.mean.nrows()),
        ));
    }
    let norm = 1.0 / (nf as f64 * domain.bin_width(bins));
    let mut cov = Vec::with_capacity(steps);
    let mut err = Vec::with_capacity(steps);
    let mut width = Vec::with_capacity(steps);
    let (mut inside_total, mut n_total) = (0usize, 0usize);
    let (mut area, mut mass) = (0.0, 0.0);
    for k in 0..steps {
        let mut ref_mean = vec![0.0; bins];
        let mut inside = 0usize;
        for rep in 0..r {
            let pos: Vec<f64> = positions.slice(ndarray::s![rep, k, ..]).to_vec();
            let dens: Vec<f64> = bin_counts(&pos, domain, bins)
                .iter()
                .map(|&c| c as f64 * norm)
                .collect();
            for b in 0..bins {
                ref_mean[b] += dens[b] / r as f64;
                if dens[b] >= band.q_lo[[k, b]] && dens[b] <= band.q_hi[[k, b]] {
                    inside += 1;
                }
            }
        }
        let c = inside as f64 / (r * bins) as f64;
        let num: f64 = (0..bins)
            .map(|b| (band.mean[[k, b]] - ref_mean[b]).abs())
            .sum();
        let den: f64 = ref_mean.iter().map(|v| v.abs()).sum();
        cov.push(c);
        err.push(num / den);
        width.push(
            (0..bins)
                .map(|b| band.q_hi[[k, b]] - band.q_lo[[k, b]])
                .sum::<f64>()
                / bins as f64,
        );
        if k >= 1 {
            area += (0..bins)
                .map(|b| band.q_hi[[k, b]] - band.q_lo[[k, b]])
                .sum::<f64>();
            mass += (0..bins).map(|b| band.mean[[k, b]]).sum::<f64>();
            inside_total += inside;
            n_total += r * bins;
        }
    }
    let later = &err[1.min(err.len())..];
    Ok(Coverage {
        bins,
        coverage_total: inside_total as f64 / n_total.max(1) as f64,
        rel_l1_error_mean: later.iter().sum::<f64>() / later.len().max(1) as f64,
        coverage: cov,
        rel_l1_error: err,
        band_width: width,
        band_area: area / mass.max(f64::MIN_POSITIVE),
    })
}

/// `coverage.json`: the credible level, the times, and the coverage per binning (keyed by the
/// number of bins).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct CoverageFile {
    /// Level of the bands.
    pub level: f64,
    /// Times.
    pub t: Vec<f64>,
    /// Coverage per binning.
    pub binnings: std::collections::BTreeMap<String, Coverage>,
}
