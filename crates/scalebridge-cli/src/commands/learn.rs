//! `scalebridge learn`: fit the sparse Bayesian state-space model to controlled experiments.

use crate::cli::LearnArgs;
use crate::progress;
use anyhow::Result;
use scalebridge::inference::{LatentMethod, Learner, LearnerParams, TrainingData};
use scalebridge::io::{self, manifest};
use scalebridge::{Domain, Error};
use serde_json::json;
use std::time::Instant;

/// Parses `ymin,ymax`.
pub fn parse_domain(s: &str) -> Result<Domain, Error> {
    let parts: Vec<&str> = s.split(',').collect();
    let bad = || Error::param("domain", s, "two numbers ymin,ymax with ymin < ymax");
    if parts.len() != 2 {
        return Err(bad());
    }
    let a: f64 = parts[0].trim().parse().map_err(|_| bad())?;
    let b: f64 = parts[1].trim().parse().map_err(|_| bad())?;
    Domain::new(a, b).map_err(|_| bad())
}

pub fn run(args: LearnArgs) -> Result<()> {
    let method = match args.method.as_str() {
        "newton" => LatentMethod::Newton,
        "adam" => LatentMethod::Adam,
        other => return Err(Error::param("method", other, "newton or adam").into()),
    };
    let params = LearnerParams::default()
        .range(args.range)
        .order(args.order)
        .per_bin_noise(args.per_bin_noise)
        .method(method)
        .max_iter(args.max_iter)
        .tol(args.tol)
        .seed(args.seed);
    let params = params.check()?;
    let domain = args.domain.as_deref().map(parse_domain).transpose()?;
    let data = TrainingData::from_npz(&args.data, domain)?;
    let learner = Learner::new(params)?;
    learner.library().check(data.nc).map_err(|_| {
        Error::param(
            "range",
            args.range,
            &format!(
                "such that 2M+1 <= nc = {} (the stencil must not wrap onto itself)",
                data.nc
            ),
        )
    })?;
    io::create_dir(&args.out)?;
    let started = Instant::now();
    let pb = progress::bar(args.max_iter as u64, "learning", args.quiet);
    let (posterior, latent) = learner.fit(&data, &mut |info| {
        pb.set_position(info.iteration as u64);
        pb.set_message(format!("ELBO {:.6e}", info.elbo));
    })?;
    pb.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();

    io::write_json(&args.out.join("posterior.json"), &posterior)?;
    io::write_latent(&args.out.join("latent.npz"), &latent)?;
    let m = manifest(
        "learn",
        json!({
            "data": args.data.display().to_string(),
            "data_fingerprint": data.fingerprint,
            "domain": data.domain.map(|d| vec![d.ymin, d.ymax]),
            "dt": data.dt,
            "seed": args.seed,
            "N": data.n,
            "nc": data.nc,
            "nf": data.nf,
            "parameters": posterior.params,
            "seconds": elapsed,
        }),
    );
    io::write_json(&args.out.join("manifest.json"), &m)?;
    if !args.quiet {
        print!("{}", posterior.equation());
        println!("wrote {} in {elapsed:.2} s", args.out.display());
    }
    Ok(())
}
