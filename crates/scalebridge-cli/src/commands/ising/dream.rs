//! `scalebridge ising dream`: lattices of side `L0·2^levels` by repeated lifting, streaming.

use crate::cli::DreamArgs;
use crate::progress;
use anyhow::Result;
use rayon::prelude::*;
use scalebridge::Error;
use scalebridge::io::{self, SpinWriter, manifest, read_spins};
use scalebridge::lattice::dream::{dream, single_spin};
use scalebridge::lattice::estimates::BLOCKS;
use scalebridge::lattice::{Ensemble, K_C, Lattice, LiftRule, Lifter, estimate};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Above this side every sample is written to its own file `configs/sample_NNNNNN.npy`.
const PER_SAMPLE_FILE_SIDE: usize = 2048;

/// A fitted rule read back from `lift.json`, with the coupling it was trained at.
pub struct LiftFile {
    pub rule: LiftRule,
    pub k: f64,
    pub path: PathBuf,
}

/// Reads `LIFT/lift.json` (or the file itself), checking the kernel and the parameters.
pub fn read_lift(lift: &Path) -> Result<LiftFile, Error> {
    let path = if lift.is_dir() {
        lift.join("lift.json")
    } else {
        lift.to_owned()
    };
    let v = io::read_json(&path)?;
    let kernel = v
        .get("kernel")
        .and_then(Value::as_u64)
        .ok_or_else(|| Error::data(&path, "kernel", "missing or not an integer"))?;
    let radius = LiftRule::radius_of_kernel(kernel as usize).ok_or_else(|| {
        Error::data(
            &path,
            "kernel",
            format!("unknown kernel size {kernel} (3, 5 or 7)"),
        )
    })?;
    let want = LiftRule::classes(radius).len();
    let theta: Vec<f64> = v
        .get("theta")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    if theta.len() != want || theta.iter().any(|t| !t.is_finite()) {
        return Err(Error::data(
            &path,
            "theta",
            format!("expected {want} finite numbers for a {kernel}×{kernel} kernel"),
        ));
    }
    let k = v.get("K").and_then(Value::as_f64).unwrap_or(K_C);
    Ok(LiftFile {
        rule: LiftRule { radius, theta },
        k,
        path,
    })
}

/// Memory available to this process, from `/proc/meminfo` (Linux); `None` elsewhere.
fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Final side `l0·2^levels`, checked against overflow and the memory a lift needs (1.25 × the
/// final lattice, one byte per spin) before anything is allocated.
fn final_side(l0: usize, levels: usize) -> Result<usize, Error> {
    let side = (levels < 48)
        .then(|| l0.checked_mul(1usize << levels))
        .flatten()
        .filter(|s| s.checked_mul(*s).is_some());
    let Some(side) = side else {
        return Err(Error::param(
            "levels",
            levels,
            &format!("small enough that L0·2^levels (L0 = {l0}) is a representable lattice"),
        ));
    };
    let need = (side as u128 * side as u128 * 5 / 4) as f64;
    if let Some(avail) = available_memory()
        && need > avail as f64
    {
        return Err(Error::param(
            "levels",
            levels,
            &format!(
                "small enough to fit: a {side}² lattice needs {:.1} GiB, {:.1} GiB are available",
                need / 2f64.powi(30),
                avail as f64 / 2f64.powi(30)
            ),
        ));
    }
    Ok(side)
}

pub fn run(a: DreamArgs) -> Result<()> {
    let lift = read_lift(&a.lift)?;
    if a.n == 0 {
        return Err(Error::param("n", 0, ">= 1").into());
    }
    let starts: Option<Vec<Lattice>> = a.start.as_deref().map(read_spins).transpose()?;
    let l0 = starts.as_ref().map_or(1, |s| s[0].l);
    let side = final_side(l0, a.levels)?;
    let lifter = Lifter::new(&lift.rule);
    io::create_dir(&a.out)?;
    let per_sample = side > PER_SAMPLE_FILE_SIDE;
    let mut writer = if a.no_store || per_sample {
        None
    } else {
        Some(SpinWriter::create(
            &a.out.join("configs.npy"),
            &[a.n, side, side],
        )?)
    };
    if per_sample && !a.no_store {
        io::create_dir(&a.out.join("configs"))?;
    }
    // levels whose observables are kept: every size >= 2 with --measure-levels, else the last
    let kept: Vec<usize> = (0..=a.levels)
        .filter(|&lv| (a.measure_levels && l0 << lv >= 2) || lv == a.levels)
        .collect();
    let mut m = ndarray::Array2::<f64>::zeros((kept.len(), a.n));
    let mut e = ndarray::Array2::<f64>::zeros((kept.len(), a.n));
    let batch = ((1usize << 22) / (side * side)).clamp(1, 64);
    let pb = progress::bar(a.n as u64, "samples", a.quiet);
    let t0 = std::time::Instant::now();
    for first in (0..a.n).step_by(batch) {
        let last = (first + batch).min(a.n);
        let results: Vec<(Lattice, Vec<(f64, f64)>)> = (first..last)
            .into_par_iter()
            .map(|i| {
                let start = match &starts {
                    Some(s) => s[i % s.len()].clone(),
                    None => single_spin(a.seed, i as u64),
                };
                let mut obs = Vec::with_capacity(kept.len());
                let lat = dream(&lifter, start, a.levels, a.seed, i as u64, |lv, lat| {
                    if kept.contains(&lv) {
                        obs.push(lat.observables());
                    }
                });
                (lat, obs)
            })
            .collect();
        for (i, (lat, obs)) in (first..last).zip(results) {
            for (r, (mm, ee)) in obs.into_iter().enumerate() {
                m[(r, i)] = mm;
                e[(r, i)] = ee;
            }
            if let Some(w) = writer.as_mut() {
                w.push(&lat.spins)?;
            } else if per_sample && !a.no_store {
                let p = a.out.join("configs").join(format!("sample_{i:06}.npy"));
                let mut w = SpinWriter::create(&p, &[side, side])?;
                w.push(&lat.spins)?;
                w.finish()?;
            }
            pb.inc(1);
        }
    }
    pb.finish_and_clear();
    let seconds = t0.elapsed().as_secs_f64();
    if let Some(w) = writer {
        w.finish()?;
    }
    let sides: Vec<usize> = kept.iter().map(|&lv| l0 << lv).collect();
    let estimates: Vec<Option<Ensemble>> = sides
        .iter()
        .enumerate()
        .map(|(r, &l)| {
            (a.n >= BLOCKS).then(|| estimate(l, lift.k, &m.row(r).to_vec(), &e.row(r).to_vec()))
        })
        .collect();
    let levels: Vec<Value> = kept
        .iter()
        .zip(&sides)
        .zip(&estimates)
        .map(|((&lv, &l), est)| json!({ "level": lv, "L": l, "n": a.n, "estimates": est }))
        .collect();
    io::write_level_observables(&a.out.join("observables.npz"), &sides, &m, &e)?;
    io::write_json(
        &a.out.join("observables.json"),
        &json!({
            "K": lift.k,
            "kernel": 2 * lift.rule.radius + 1,
            "note": format!("samples are independent; estimates need n >= {BLOCKS} (jackknife blocks)"),
            "levels": levels,
        }),
    )?;
    io::write_json(
        &a.out.join("manifest.json"),
        &manifest(
            "ising dream",
            json!({ "lift": lift.path, "theta": lift.rule.theta, "K": lift.k, "levels": a.levels,
                    "n": a.n, "seed": a.seed, "start": a.start, "L0": l0, "L": side,
                    "measure_levels": a.measure_levels, "no_store": a.no_store,
                    "per_sample_files": per_sample && !a.no_store }),
        ),
    )?;
    if !a.quiet {
        println!(
            "{} samples of side {side} (from L0 = {l0}, {} levels) in {seconds:.2} s",
            a.n, a.levels
        );
        for est in estimates.iter().flatten() {
            println!(
                "  L = {:>5}: χ = {:.4} ± {:.4}, V4 = {:.4} ± {:.4}, e = {:.5} ± {:.5}, C = {:.4} ± {:.4}",
                est.l,
                est.chi.value,
                est.chi.error,
                est.v4.value,
                est.v4.error,
                est.energy.value,
                est.energy.error,
                est.specific_heat.value,
                est.specific_heat.error
            );
        }
    }
    Ok(())
}
