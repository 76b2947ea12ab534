//! `scalebridge predict`: predictive bands of the fine-scale density, and their coverage of
//! fine-scale replicas.

use super::learn::parse_domain;
use crate::cli::PredictArgs;
use crate::progress;
use anyhow::Result;
use scalebridge::inference::{Posterior, TrainingData};
use scalebridge::io::{self, manifest};
use scalebridge::prediction::{
    Coverage, Density, Observable, Prediction, PredictionParams, Start, TwoBin, check_binning,
    coverage, predict,
};
use scalebridge::restrict::{bin_counts, check_positions};
use scalebridge::{Domain, Error};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Instant;

/// What `predict` produced, for the caller (`run`) to report.
pub struct Outcome {
    pub prediction: Prediction,
    /// The 2-bin pairs, as parsed and checked.
    pub pairs: Vec<(usize, usize)>,
    pub coverage: Vec<Coverage>,
    pub seconds: f64,
}

/// Reads the model directory: posterior and manifest.
pub fn load_model(dir: &Path) -> Result<(Posterior, Value), Error> {
    let posterior = Posterior::load(&dir.join("posterior.json"))?;
    let m = scalebridge::io::read_json(&dir.join("manifest.json"))?;
    Ok((posterior, m))
}

fn parse_pairs(pairs: &[String], nc: usize) -> Result<Vec<(usize, usize)>, Error> {
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

pub fn run(args: PredictArgs) -> Result<()> {
    let o = execute(&args)?;
    if !args.quiet {
        for c in &o.coverage {
            println!(
                "{:>3} bins: coverage {:.1}% over t >= Δt, mean relative L1 error {:.3}",
                c.bins,
                100.0 * c.coverage_total,
                c.rel_l1_error_mean
            );
        }
        println!("wrote {} in {:.2} s", args.out.display(), o.seconds);
    }
    Ok(())
}

/// Runs a prediction and writes its files; shared with `scalebridge run`.
pub fn execute(args: &PredictArgs) -> Result<Outcome> {
    let (posterior, model_manifest) = load_model(&args.model)?;
    let nc = posterior.nc;
    let params = PredictionParams {
        horizon: args.horizon,
        samples: args.samples,
        level: args.level,
        seed: args.seed,
    };
    params.check()?;
    for &b in &args.bins {
        check_binning(b, nc)?;
    }
    let pairs = parse_pairs(&args.pairs, nc)?;
    let domain = match (&args.domain, model_manifest["domain"].as_array()) {
        (Some(d), _) => parse_domain(d)?,
        (None, Some(d)) if d.len() == 2 => Domain::new(
            d[0].as_f64().unwrap_or(f64::NAN),
            d[1].as_f64().unwrap_or(f64::NAN),
        )?,
        _ => {
            return Err(Error::param(
                "domain",
                "unknown",
                "given with --domain ymin,ymax (the model's manifest has none)",
            )
            .into());
        }
    };
    let dt = model_manifest["dt"].as_f64().unwrap_or(1.0);
    let (start, nf) = if let Some(path) = &args.initial {
        let x = io::read_npy_f64_1d(path)?;
        if x.is_empty() {
            return Err(Error::data(path, "(npy)", "no positions: expected float64 (nf,)").into());
        }
        check_positions(&x, &domain, &path.display().to_string())?;
        (Start::from_counts(&bin_counts(&x, &domain, nc)), x.len())
    } else {
        let (Some(path), Some(i)) = (&args.data, args.experiment) else {
            return Err(Error::param(
                "initial",
                "none",
                "--initial FILE.npy or --data FILE --experiment I",
            )
            .into());
        };
        let data = TrainingData::from_npz(path, Some(domain))?;
        if data.fingerprint != posterior.data_fingerprint {
            return Err(Error::data(
                path,
                "X0",
                "is not the data the model was learned on (fingerprints differ)",
            )
            .into());
        }
        if i >= data.n {
            return Err(Error::param("experiment", i, &format!("< N = {}", data.n)).into());
        }
        let latent = io::read_latent(&args.model.join("latent.npz"))?;
        (
            Start::Experiment {
                x0: data.x0_row(i).to_vec(),
                mean: latent.mean.row(i).to_vec(),
                std: latent.std.row(i).to_vec(),
            },
            data.nf,
        )
    };
    let reference = args
        .reference
        .as_ref()
        .map(|p| -> Result<_, Error> {
            let pos = io::read_trajectory_positions(p)?;
            let (_, steps, rnf) = pos.dim();
            if steps != args.horizon + 1 {
                return Err(Error::data(
                    p,
                    "positions",
                    format!("{steps} times; the horizon asks for {}", args.horizon + 1),
                ));
            }
            if rnf != nf {
                return Err(Error::data(
                    p,
                    "positions",
                    format!("{rnf} walkers; the initial state has {nf}"),
                ));
            }
            Ok(pos)
        })
        .transpose()?;

    io::create_dir(&args.out)?;
    let started = Instant::now();
    let densities: Vec<Density> = args.bins.iter().map(|&bins| Density { bins }).collect();
    let two_bin = TwoBin {
        pairs: pairs.clone(),
    };
    let mut observables: Vec<&dyn Observable> =
        densities.iter().map(|d| d as &dyn Observable).collect();
    if !pairs.is_empty() {
        observables.push(&two_bin);
    }
    let pb = progress::bar(args.samples as u64, "samples", args.quiet);
    let prediction = predict(
        &posterior,
        &start,
        nf,
        domain,
        dt,
        &observables,
        &params,
        &|k| pb.inc(k),
    )?;
    pb.finish_and_clear();
    for (d, band) in densities.iter().zip(&prediction.bands) {
        io::write_band(
            &args.out.join(format!("density_bins{}.npz", d.bins)),
            &prediction.t,
            band,
        )?;
    }
    if !pairs.is_empty() {
        let band = &prediction.bands[densities.len()];
        io::write_two_bin(&args.out.join("two_bin.npz"), &prediction.t, &pairs, band)?;
    }
    let mut cov = Vec::new();
    if let Some(pos) = &reference {
        for (d, band) in densities.iter().zip(&prediction.bands) {
            cov.push(coverage(band, d.bins, pos, &domain)?);
        }
        let by_bins: serde_json::Map<String, Value> = cov
            .iter()
            .map(|c| {
                (
                    c.bins.to_string(),
                    serde_json::to_value(c).unwrap_or(Value::Null),
                )
            })
            .collect();
        io::write_json(
            &args.out.join("coverage.json"),
            &json!({ "level": args.level, "t": prediction.t, "binnings": by_bins }),
        )?;
    }
    let seconds = started.elapsed().as_secs_f64();
    io::write_json(
        &args.out.join("manifest.json"),
        &manifest(
            "predict",
            json!({
                "model": args.model.display().to_string(),
                "initial": args.initial.as_ref().map(|p| p.display().to_string()),
                "data": args.data.as_ref().map(|p| p.display().to_string()),
                "experiment": args.experiment,
                "horizon": args.horizon,
                "bins": args.bins,
                "samples": args.samples,
                "level": args.level,
                "pairs": pairs,
                "seed": args.seed,
                "domain": [domain.ymin, domain.ymax],
                "dt": dt,
                "nf": nf,
                "reference": args.reference.as_ref().map(|p| p.display().to_string()),
                "seconds": seconds,
            }),
        ),
    )?;
    Ok(Outcome {
        prediction,
        pairs,
        coverage: cov,
        seconds,
    })
}
