//! An Ising scaling study: ensembles of Monte Carlo and dreamed lattices collected from their
//! output directories into series of estimates against `L`, with the finite-size-scaling fits
//! (`γ/ν`, `V4` flatness) and Kaufman's exact energy and specific heat. The report crate draws
//! it; this module only reads and computes.

use super::estimates::{Ensemble, Estimate};
use super::scaling::{exponent_independent, nested};
use crate::error::{Error, Result};
use crate::io::{Manifest, read_json};
use crate::lattice::exact::exact;
use crate::lattice::rg::dream::LevelObservables;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Size at which the V4 flatness of a dreamed ensemble is measured from (to the largest size).
pub const V4_FROM: usize = 64;

/// Ensemble estimates at one size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IsingPoint {
    /// Linear size.
    #[serde(rename = "L")]
    pub l: usize,
    /// Samples or measurements.
    pub n: usize,
    pub chi: Estimate,
    pub v4: Estimate,
    pub specific_heat: Estimate,
    pub energy: Estimate,
    pub abs_m: Estimate,
}

/// One labelled series (a Monte Carlo scan over `L`, or one dreamed ensemble).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IsingSeries {
    pub label: String,
    /// Dreamed (nested sizes) or Monte Carlo (independent sizes).
    pub dreamed: bool,
    pub points: Vec<IsingPoint>,
    /// `γ/ν` from `χ ~ L^{γ/ν}` over `fit_l`.
    pub gamma_over_nu: Option<Estimate>,
    pub fit_l: Vec<usize>,
    /// `V4(hi)/V4(lo) − 1` with `(lo, hi)`.
    pub v4_change: Option<(usize, usize, Estimate)>,
}

/// Everything the Ising report shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IsingReport {
    pub title: String,
    pub summary: Vec<String>,
    /// Coupling.
    #[serde(rename = "K")]
    pub k: f64,
    pub series: Vec<IsingSeries>,
    /// Kaufman's exact `(L, E/N, C/N)` at `K` over the plotted range.
    pub exact: Vec<(usize, f64, f64)>,
    /// The exact-weight generator's runs (`ising nis`), one per size.
    pub nis: Vec<NisRow>,
}

/// One `ising nis` run as the report shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NisRow {
    /// Side.
    #[serde(rename = "L")]
    pub l: usize,
    /// Samples.
    pub n: usize,
    /// `ESS/N`.
    pub ess_per_sample: f64,
    /// Independence-Metropolis acceptance.
    pub metropolis_acceptance: f64,
    /// `ln Z / L²` with its error.
    pub ln_z_per_site: Estimate,
    /// Kaufman's `ln Z / L²`.
    pub ln_z_exact: f64,
    /// Wall time per sample (s) of the generation.
    pub seconds_per_sample: f64,
    /// The generator's own (unweighted) `V4`.
    pub generator_v4: f64,
}

impl IsingPoint {
    fn of(e: &Ensemble) -> Self {
        IsingPoint {
            l: e.l,
            n: e.n,
            chi: e.chi,
            v4: e.v4,
            specific_heat: e.specific_heat,
            energy: e.energy,
            abs_m: e.abs_m,
        }
    }
}

/// `observables.json` of a dreamed ensemble: per recorded level its side, samples and (for
/// `n >= 32`) estimates.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DreamObservables {
    /// Coupling of the rule's training data.
    #[serde(rename = "K")]
    pub k: f64,
    /// Kernel side of the rule.
    pub kernel: usize,
    /// A note on the estimates.
    pub note: String,
    /// One entry per recorded level.
    pub levels: Vec<DreamLevel>,
}

/// One recorded level of a dreamed ensemble.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DreamLevel {
    /// Lifts from the start.
    pub level: usize,
    /// Side.
    #[serde(rename = "L")]
    pub l: usize,
    /// Samples.
    pub n: usize,
    /// Estimates (none below 32 samples).
    pub estimates: Option<Ensemble>,
}

/// The algorithm recorded in a Monte Carlo manifest.
#[derive(Deserialize)]
struct AlgoField {
    #[serde(default)]
    algo: Option<String>,
}

fn checked_k(path: &Path, k: f64) -> Result<f64> {
    if k.is_finite() && k > 0.0 {
        Ok(k)
    } else {
        Err(Error::data(
            path,
            "K",
            format!("{k} is not a coupling (finite, > 0)"),
        ))
    }
}

/// Reads `ising sample`, `ising dream` and `ising nis` output directories into a study: one
/// Monte Carlo series per algorithm (one point per directory), one dreamed series per
/// directory, one series of reweighted estimates from the `nis` directories, `χ` exponents
/// fitted from `fit_min_l` on, exact curves at the first ensemble's coupling.
pub fn assemble(
    mc: &[PathBuf],
    dreamed: &[PathBuf],
    nis: &[PathBuf],
    fit_min_l: usize,
) -> Result<IsingReport> {
    if mc.is_empty() && dreamed.is_empty() && nis.is_empty() {
        return Err(Error::param(
            "mc/dreamed/nis",
            "none",
            "at least one --mc, --dreamed or --nis directory",
        ));
    }
    let mut series = Vec::new();
    let mut ks = Vec::new();
    let mut by_algo: BTreeMap<String, Vec<IsingPoint>> = BTreeMap::new();
    for dir in mc {
        let path = dir.join("observables.json");
        let ens: Ensemble = read_json(&path)?;
        ks.push(checked_k(&path, ens.k)?);
        let algo = if dir.join("manifest.json").is_file() {
            Manifest::<AlgoField>::read(dir)?.fields.algo
        } else {
            None
        };
        by_algo
            .entry(algo.unwrap_or_else(|| "mc".into()))
            .or_default()
            .push(IsingPoint::of(&ens));
    }
    let mut nis_rows = Vec::new();
    if !nis.is_empty() {
        let mut points = Vec::new();
        for dir in nis {
            let path = dir.join("nis.json");
            let e: super::weighted::NisEstimates = read_json(&path)?;
            ks.push(checked_k(&path, e.k)?);
            let est = |value: f64, error: f64| Estimate { value, error };
            points.push(IsingPoint {
                l: e.l,
                n: e.n,
                chi: est(e.susceptibility, e.susceptibility_err),
                v4: est(e.v4, e.v4_err),
                specific_heat: est(e.specific_heat, e.specific_heat_err),
                energy: est(e.energy_per_site, e.energy_per_site_err),
                abs_m: est(e.abs_magnetisation, e.abs_magnetisation_err),
            });
            nis_rows.push(NisRow {
                l: e.l,
                n: e.n,
                ess_per_sample: e.ess_per_sample,
                metropolis_acceptance: e.metropolis_acceptance,
                ln_z_per_site: est(e.ln_z_per_site, e.ln_z_per_site_err),
                ln_z_exact: exact(e.l, e.k)?.ln_z_per_site,
                seconds_per_sample: e.seconds / e.n as f64,
                generator_v4: e.generator_v4,
            });
        }
        nis_rows.sort_by_key(|r| r.l);
        by_algo.insert("exact weights: nis, reweighted".into(), points);
    }
    for (algo, mut points) in by_algo {
        points.sort_by_key(|p| p.l);
        let fit: Vec<&IsingPoint> = points.iter().filter(|p| p.l >= fit_min_l).collect();
        let gamma = (fit.len() >= 2).then(|| {
            exponent_independent(
                &fit.iter().map(|p| p.l).collect::<Vec<_>>(),
                &fit.iter().map(|p| p.chi).collect::<Vec<_>>(),
            )
        });
        let label = if algo.starts_with("exact weights") {
            "exact-weight generator (NIS, reweighted)".to_owned()
        } else {
            format!("Monte Carlo ({algo})")
        };
        series.push(IsingSeries {
            label,
            dreamed: false,
            fit_l: if gamma.is_some() {
                fit.iter().map(|p| p.l).collect()
            } else {
                Vec::new()
            },
            gamma_over_nu: gamma,
            v4_change: None,
            points,
        });
    }
    for dir in dreamed {
        let path = dir.join("observables.json");
        let obs: DreamObservables = read_json(&path)?;
        ks.push(checked_k(&path, obs.k)?);
        let points: Vec<IsingPoint> = obs
            .levels
            .iter()
            .filter_map(|lv| lv.estimates.as_ref().map(IsingPoint::of))
            .collect();
        let (sides, m) = LevelObservables::read_magnetisation(&dir.join("observables.npz"))?;
        let scaling = nested(&sides, &m, fit_min_l, V4_FROM);
        let name = dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        series.push(IsingSeries {
            label: format!("dreamed {0}×{0} ({name})", obs.kernel),
            dreamed: true,
            gamma_over_nu: scaling.as_ref().map(|s| s.gamma_over_nu),
            fit_l: scaling
                .as_ref()
                .map(|s| s.fit_l.clone())
                .unwrap_or_default(),
            v4_change: scaling
                .as_ref()
                .map(|s| (s.v4_between.0, s.v4_between.1, s.v4_change)),
            points,
        });
    }
    if series.iter().all(|s| s.points.is_empty()) {
        return Err(Error::param(
            "mc/dreamed/nis",
            "no ensemble estimates",
            "directories whose observables.json has estimates (dreams need --n >= 32)",
        ));
    }
    let k = ks[0];
    let mut summary = vec![format!("K = {k}")];
    if ks.iter().any(|x| (x - k).abs() > 1e-6) {
        summary.push(format!(
            "WARNING: the ensembles were made at different couplings {ks:?}; exact curves use K = {k}"
        ));
    }
    let mut sizes: Vec<usize> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.l))
        .filter(|&l| l >= 2)
        .collect();
    if let (Some(&lo), Some(&hi)) = (sizes.iter().min(), sizes.iter().max()) {
        let mut l = lo;
        while l < hi {
            sizes.push(l);
            l = (l as f64 * 1.26).ceil() as usize;
        }
    }
    sizes.sort_unstable();
    sizes.dedup();
    let exact_curve = sizes
        .iter()
        .map(|&l| exact(l, k).map(|x| (l, x.energy_per_site, x.specific_heat_per_site)))
        .collect::<Result<Vec<_>>>()?;
    for s in &series {
        let mut line = s.label.clone();
        if let Some(g) = s.gamma_over_nu {
            line.push_str(&format!(
                ": γ/ν = {:.3} ± {:.3} (L = {:?}; exact 1.75)",
                g.value, g.error, s.fit_l
            ));
        }
        if let Some((lo, hi, c)) = s.v4_change {
            line.push_str(&format!(
                "; V4({hi})/V4({lo}) − 1 = {:+.2}% ± {:.2}%",
                100.0 * c.value,
                100.0 * c.error
            ));
        }
        summary.push(line);
    }
    Ok(IsingReport {
        title: "2D Ising at criticality: Monte Carlo, dreamed and exact-weight ensembles".into(),
        summary,
        k,
        series,
        exact: exact_curve,
        nis: nis_rows,
    })
}
