//! `scalebridge ising report`: χ, V4, C and energy vs L for Monte Carlo and dreamed ensembles.

use crate::cli::ReportArgs;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::io::{self, manifest, read_json, read_level_magnetisation};
use scalebridge::lattice::scaling::{exponent_independent, nested};
use scalebridge::lattice::{Estimate, exact};
use scalebridge_report::{IsingPoint, IsingReport, IsingSeries, write_ising_report};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Size at which the V4 flatness of a dreamed ensemble is measured from (to the largest size).
const V4_FROM: usize = 64;

/// `DIR/observables.json` and its coupling `K` (pushed to `ks`).
fn read_observables(dir: &Path, ks: &mut Vec<f64>) -> Result<(PathBuf, Value), Error> {
    let path = dir.join("observables.json");
    let v = read_json(&path)?;
    let k = v
        .get("K")
        .and_then(Value::as_f64)
        .ok_or_else(|| Error::data(&path, "K", "missing"))?;
    ks.push(k);
    Ok((path, v))
}

fn estimate(path: &Path, v: &Value, field: &str) -> Result<Estimate, Error> {
    let get = |k: &str| v.get(field).and_then(|x| x.get(k)).and_then(Value::as_f64);
    match (get("value"), get("error")) {
        (Some(value), Some(error)) => Ok(Estimate { value, error }),
        _ => Err(Error::data(path, field, "missing {value, error}")),
    }
}

fn point(path: &Path, v: &Value) -> Result<IsingPoint, Error> {
    let int = |k: &str| {
        v.get(k)
            .and_then(Value::as_u64)
            .map(|x| x as usize)
            .ok_or_else(|| Error::data(path, k, "missing or not an integer"))
    };
    Ok(IsingPoint {
        l: int("L")?,
        n: int("n")?,
        chi: estimate(path, v, "chi")?,
        v4: estimate(path, v, "v4")?,
        specific_heat: estimate(path, v, "specific_heat")?,
        energy: estimate(path, v, "energy")?,
        abs_m: estimate(path, v, "abs_m")?,
    })
}

pub fn run(a: ReportArgs) -> Result<()> {
    if a.mc.is_empty() && a.dreamed.is_empty() {
        return Err(Error::param(
            "mc/dreamed",
            "none",
            "at least one --mc or --dreamed directory",
        )
        .into());
    }
    let mut series = Vec::new();
    let mut ks = Vec::new();
    // Monte Carlo: one series per algorithm, one point per directory
    let mut mc: BTreeMap<String, Vec<IsingPoint>> = BTreeMap::new();
    for dir in &a.mc {
        let (path, v) = read_observables(dir, &mut ks)?;
        let algo = read_json(&dir.join("manifest.json"))
            .ok()
            .and_then(|m| m.get("algo").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| "mc".into());
        mc.entry(algo).or_default().push(point(&path, &v)?);
    }
    for (algo, mut points) in mc {
        points.sort_by_key(|p| p.l);
        let fit: Vec<&IsingPoint> = points.iter().filter(|p| p.l >= a.fit_min_l).collect();
        let gamma = (fit.len() >= 2).then(|| {
            exponent_independent(
                &fit.iter().map(|p| p.l).collect::<Vec<_>>(),
                &fit.iter().map(|p| p.chi).collect::<Vec<_>>(),
            )
        });
        series.push(IsingSeries {
            label: format!("Monte Carlo ({algo})"),
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
    for dir in &a.dreamed {
        let (path, v) = read_observables(dir, &mut ks)?;
        let kernel = v.get("kernel").and_then(Value::as_u64).unwrap_or(0);
        let levels = v
            .get("levels")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::data(&path, "levels", "missing"))?;
        let mut points = Vec::new();
        for lv in levels {
            if let Some(est) = lv.get("estimates").filter(|e| !e.is_null()) {
                points.push(point(&path, est)?);
            }
        }
        let (sides, m) = read_level_magnetisation(&dir.join("observables.npz"))?;
        let scaling = nested(&sides, &m, a.fit_min_l, V4_FROM);
        let name = dir
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        series.push(IsingSeries {
            label: format!("dreamed {kernel}×{kernel} ({name})"),
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
            "mc/dreamed",
            "no ensemble estimates",
            "directories whose observables.json has estimates (dreams need --n >= 32)",
        )
        .into());
    }
    let k = ks[0];
    let mut summary = vec![format!("K = {k}")];
    if ks.iter().any(|x| (x - k).abs() > 1e-6) {
        summary.push(format!("WARNING: the ensembles were made at different couplings {ks:?}; exact curves use K = {k}"));
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
        .collect::<Result<Vec<_>, _>>()?;
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
    let report = IsingReport {
        title: "2D Ising at criticality: Monte Carlo and dreamed ensembles".into(),
        summary,
        k,
        series,
        exact: exact_curve,
    };
    io::create_dir(&a.out)?;
    write_ising_report(&a.out, &report)?;
    io::write_json(
        &a.out.join("manifest.json"),
        &manifest(
            "ising report",
            json!({ "mc": a.mc, "dreamed": a.dreamed, "fit_min_L": a.fit_min_l }),
        ),
    )?;
    for line in &report.summary {
        println!("{line}");
    }
    println!("report: {}", a.out.join("report.html").display());
    Ok(())
}
