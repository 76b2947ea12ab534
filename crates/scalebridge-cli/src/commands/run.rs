//! `scalebridge run`: the whole pipeline for one system — simulate controlled experiments,
//! learn the law, run fine-scale replicas from one initial fine state, predict from that state,
//! judge the prediction against the replicas — composed from the other subcommands, every
//! step's files kept under one output directory.

use super::predict::{self, Outcome};
use super::{learn, simulate};
use crate::cli::{LearnArgs, PredictArgs, RunArgs, SimulateArgs};
use anyhow::Result;
use scalebridge::Error;
use scalebridge::fine::{SimulationConfig, SystemKind};
use scalebridge::io::{self, manifest};
use scalebridge::lift::{LiftMap, SoftmaxLift, centre};
use scalebridge::rng::stream;
use serde::Deserialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The embedded default: configs/run-advdiff.toml.
const DEMO: &str = include_str!("../../../../configs/run-advdiff.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnSection {
    range: usize,
    #[serde(default = "two")]
    order: usize,
    #[serde(default)]
    per_bin_noise: bool,
    #[serde(default = "max_iter")]
    max_iter: usize,
    #[serde(default = "tol")]
    tol: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PredictSection {
    horizon: usize,
    #[serde(default = "samples")]
    samples: usize,
    #[serde(default = "bins")]
    bins: Vec<usize>,
    #[serde(default)]
    pairs: Vec<String>,
    #[serde(default = "level")]
    level: f64,
    #[serde(default = "replicas")]
    replicas: usize,
    #[serde(default)]
    seed: u64,
    #[serde(default = "amplitude")]
    initial_amplitude: f64,
    #[serde(default)]
    initial_center: f64,
}

fn two() -> usize {
    2
}
fn max_iter() -> usize {
    2000
}
fn tol() -> f64 {
    1e-4
}
fn samples() -> usize {
    1000
}
fn bins() -> Vec<usize> {
    vec![24, 96]
}
fn level() -> f64 {
    0.95
}
fn replicas() -> usize {
    100
}
fn amplitude() -> f64 {
    1.0
}

fn cfg_err(path: &Path, message: String) -> Error {
    Error::Config {
        path: path.to_owned(),
        message,
    }
}

fn section<T: for<'de> Deserialize<'de>>(
    table: &toml::Table,
    name: &str,
    path: &Path,
) -> Result<T, Error> {
    let value = table
        .get(name)
        .cloned()
        .ok_or_else(|| cfg_err(path, format!("missing section [{name}]")))?;
    value
        .try_into()
        .map_err(|e: toml::de::Error| cfg_err(path, format!("[{name}]: {}", e.message())))
}

pub fn run(args: RunArgs) -> Result<()> {
    let started = Instant::now();
    let (text, path) = match &args.config {
        Some(p) => (
            std::fs::read_to_string(p).map_err(|source| Error::Read {
                path: p.clone(),
                source,
            })?,
            p.clone(),
        ),
        None => (DEMO.to_owned(), PathBuf::from("(embedded advdiff demo)")),
    };
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| cfg_err(&path, e.message().to_owned()))?;
    for key in table.keys() {
        if !["out", "simulate", "learn", "predict"].contains(&key.as_str()) {
            return Err(cfg_err(
                &path,
                format!("unknown key `{key}` (expected out, [simulate], [learn], [predict])"),
            )
            .into());
        }
    }
    let mut sim_table = table
        .get("simulate")
        .and_then(|v| v.as_table())
        .cloned()
        .ok_or_else(|| cfg_err(&path, "missing section [simulate]".to_owned()))?;
    let take_usize = |t: &mut toml::Table, k: &str, d: usize| -> Result<usize, Error> {
        match t.remove(k) {
            None => Ok(d),
            Some(v) => v
                .as_integer()
                .filter(|i| *i >= 0)
                .map(|i| i as usize)
                .ok_or_else(|| {
                    cfg_err(
                        &path,
                        format!("[simulate] {k}: expected a non-negative integer"),
                    )
                }),
        }
    };
    let mut n = take_usize(&mut sim_table, "n", 64)?;
    let sim_seed = take_usize(&mut sim_table, "seed", 1)? as u64;
    let sim_cfg: SimulationConfig = toml::Value::Table(sim_table.clone())
        .try_into()
        .map_err(|e: toml::de::Error| cfg_err(&path, format!("[simulate]: {}", e.message())))?;
    let valid = sim_cfg.validate()?;
    let learn_s: LearnSection = section(&table, "learn", &path)?;
    let mut pred: PredictSection = section(&table, "predict", &path)?;
    if args.quick {
        n = n.min(32);
        pred.samples = pred.samples.min(200);
        pred.replicas = pred.replicas.min(20);
        pred.horizon = pred.horizon.min(10);
    }
    let out = args
        .out
        .clone()
        .or_else(|| table.get("out").and_then(|v| v.as_str()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("scalebridge-run"));
    io::create_dir(&out)?;
    let sim_toml = out.join("simulate.toml");
    io::write_atomic(&sim_toml, |w| {
        std::io::Write::write_all(
            w,
            toml::to_string(&sim_table).unwrap_or_default().as_bytes(),
        )
    })?;
    let say = |msg: &str| {
        if !args.quiet {
            eprintln!("[{:6.2} s] {msg}", started.elapsed().as_secs_f64());
        }
    };

    let sim_args = SimulateArgs {
        system: None,
        n,
        seed: sim_seed,
        out: out.join("data"),
        config: Some(sim_toml.clone()),
        bins: None,
        nf: None,
        steps: None,
        amplitude: None,
        trajectory: None,
        initial: None,
        initial_coarse: None,
        quiet: true,
    };
    say(&format!(
        "simulating {n} controlled experiments ({})",
        valid.system
    ));
    simulate::run(sim_args.clone())?;
    say("learning the coarse law");
    learn::run(LearnArgs {
        data: out.join("data/experiments.npz"),
        range: learn_s.range,
        out: out.join("model"),
        order: learn_s.order,
        per_bin_noise: learn_s.per_bin_noise,
        domain: None,
        seed: sim_seed,
        max_iter: learn_s.max_iter,
        tol: learn_s.tol,
        method: "newton".to_owned(),
        quiet: true,
    })?;

    // the initial state: a smooth bump X_j = A cos(2π(j − c)/nc), lifted once
    let nc = valid.nc;
    let mut x0: Vec<f64> = (0..nc)
        .map(|j| {
            pred.initial_amplitude
                * (2.0 * std::f64::consts::PI * (j as f64 - pred.initial_center) / nc as f64).cos()
        })
        .collect();
    centre(&mut x0);
    let lift = SoftmaxLift {
        domain: valid.domain,
    };
    let positions = lift.sample(&x0, valid.nf, &mut stream(pred.seed, 0x494e_4954, 0));
    io::write_npy_f64_1d(&out.join("initial.npy"), &positions)?;
    io::write_npy_f64_1d(&out.join("initial_coarse.npy"), &x0)?;
    say(&format!(
        "running {} fine-scale replicas for {} steps",
        pred.replicas, pred.horizon
    ));
    let coarse_driven = valid.system == SystemKind::Synthetic;
    simulate::run(SimulateArgs {
        n: pred.replicas,
        seed: pred.seed.wrapping_add(1),
        out: out.join("reference"),
        trajectory: Some(pred.horizon),
        initial: (!coarse_driven).then(|| out.join("initial.npy")),
        initial_coarse: coarse_driven.then(|| out.join("initial_coarse.npy")),
        ..sim_args
    })?;
    say("predicting");
    let predict_args = PredictArgs {
        model: out.join("model"),
        initial: Some(out.join("initial.npy")),
        data: None,
        experiment: None,
        horizon: pred.horizon,
        bins: pred.bins.clone(),
        out: out.join("prediction"),
        samples: pred.samples,
        level: pred.level,
        pairs: pred.pairs.clone(),
        seed: pred.seed,
        domain: None,
        reference: Some(out.join("reference/trajectory.npz")),
        quiet: args.quiet,
    };
    let outcome: Outcome = predict::execute(&predict_args)?;
    say("drawing the report");
    let posterior = scalebridge::inference::Posterior::load(&out.join("model/posterior.json"))?;
    let reference = io::read_trajectory_positions(&out.join("reference/trajectory.npz"))?;
    let mut summary = vec![
        format!(
            "{n} controlled experiments (seed {sim_seed}), law with M = {}, order {}; {} predictive samples (seed {}); {} fine-scale replicas from the same initial fine state",
            learn_s.range, learn_s.order, pred.samples, pred.seed, pred.replicas
        ),
        format!("configuration: {}", path.display()),
    ];
    for c in &outcome.coverage {
        summary.push(format!(
            "{} bins: {:.0}% band covers {:.1}% of (replica, bin) values over t ≥ Δt; mean relative L1 error {:.3}",
            c.bins,
            100.0 * pred.level,
            100.0 * c.coverage_total,
            c.rel_l1_error_mean
        ));
    }
    scalebridge_report::write_report(
        &out,
        &scalebridge_report::ReportInput {
            title: format!("scalebridge run — {} walkers", valid.system),
            summary,
            posterior: &posterior,
            prediction: &outcome.prediction,
            bins: &pred.bins,
            pairs: &outcome.pairs,
            reference: Some(&reference),
            coverage: &outcome.coverage,
            level: pred.level,
            domain: valid.domain,
        },
    )?;
    let total = started.elapsed().as_secs_f64();
    io::write_json(
        &out.join("manifest.json"),
        &manifest(
            "run",
            json!({
                "config": path.display().to_string(),
                "config_text": text,
                "quick": args.quick,
                "n": n,
                "seconds": total,
                "prediction_seconds": outcome.seconds,
            }),
        ),
    )?;
    if !args.quiet {
        println!(
            "{} — {} ({n} experiments, horizon {})",
            out.display(),
            valid.system,
            pred.horizon
        );
        for c in &outcome.coverage {
            println!(
                "  {:>3} bins: {:.0}% band covers {:.1}% of (replica, bin) values over t >= Δt (min over times {:.1}%), mean relative L1 error {:.3}",
                c.bins,
                100.0 * pred.level,
                100.0 * c.coverage_total,
                100.0 * c.coverage[1..].iter().copied().fold(1.0, f64::min),
                c.rel_l1_error_mean
            );
        }
        println!(
            "  predicted {} samples in {:.2} s; whole pipeline {total:.1} s",
            pred.samples, outcome.seconds
        );
    }
    Ok(())
}
