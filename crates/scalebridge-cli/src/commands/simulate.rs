//! `scalebridge simulate`: controlled experiments or trajectories of a fine system.

use crate::cli::SimulateArgs;
use crate::progress;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::experiments::{Start, run_trajectories};
use scalebridge::fine::{SimulationConfig, SystemKind};
use scalebridge::io::{self, manifest, read_npy_f64_1d};
use scalebridge::lift::SoftmaxLift;
use serde_json::json;
use std::time::Instant;

pub fn run(args: SimulateArgs) -> Result<()> {
    let file_cfg = match &args.config {
        Some(path) => SimulationConfig::from_toml_file(path)?,
        None => SimulationConfig::default(),
    };
    let cli_system = args
        .system
        .as_deref()
        .map(str::parse::<SystemKind>)
        .transpose()?;
    if let (Some(a), Some(b)) = (cli_system, file_cfg.system) {
        if a != b {
            return Err(Error::param(
                "system",
                a,
                &format!("the same as the config file's `system = \"{b}\"` (or left out)"),
            )
            .into());
        }
    }
    let system_kind = cli_system
        .or(file_cfg.system)
        .unwrap_or(SystemKind::Advdiff);
    let cfg = SimulationConfig::default()
        .overlay(file_cfg)
        .overlay(SimulationConfig {
            system: Some(system_kind),
            nc: args.bins,
            nf: args.nf,
            steps: args.steps,
            amplitude: args.amplitude,
            ..Default::default()
        })
        .validate()?;
    if args.n == 0 {
        return Err(Error::param("n", 0, ">= 1").into());
    }
    let system = cfg.build()?;
    let lift = SoftmaxLift { domain: cfg.domain };
    io::create_dir(&args.out)?;
    let started = Instant::now();

    let mut fields = json!({
        "system": system_kind.as_str(),
        "parameters": cfg.to_json(),
        "seed": args.seed,
        "n": args.n,
        "dt": cfg.coarse_dt(),
        "domain": [cfg.domain.ymin, cfg.domain.ymax],
    });
    let written = match args.trajectory {
        None => {
            let pb = progress::bar(args.n as u64, "experiments", args.quiet);
            let data = cfg.run_controlled(args.n, args.seed, &|k| pb.inc(k))?;
            pb.finish_and_clear();
            let path = args.out.join("experiments.npz");
            io::write_experiments(&path, &data)?;
            fields["output"] = json!("experiments.npz");
            path
        }
        Some(horizon) => {
            if horizon == 0 {
                return Err(Error::param("trajectory", 0, ">= 1 coarse steps").into());
            }
            let start = if let Some(p) = &args.initial {
                fields["initial"] = json!(p.display().to_string());
                let pos = read_npy_f64_1d(p)?;
                if pos.is_empty() {
                    return Err(
                        Error::data(p, "(npy)", "no positions (expected shape (nf,))").into(),
                    );
                }
                scalebridge::restrict::check_positions(
                    &pos,
                    &cfg.domain,
                    &p.display().to_string(),
                )?;
                Start::Fine(pos)
            } else if let Some(p) = &args.initial_coarse {
                fields["initial_coarse"] = json!(p.display().to_string());
                let x = read_npy_f64_1d(p)?;
                if x.len() != cfg.nc {
                    return Err(Error::data(
                        p,
                        "(npy)",
                        format!("expected shape ({},) = (nc,), found ({},)", cfg.nc, x.len()),
                    )
                    .into());
                }
                Start::Coarse(x)
            } else {
                Start::Random(cfg.initial)
            };
            let pb = progress::bar((args.n * horizon) as u64, "steps", args.quiet);
            let tr = run_trajectories(
                system.as_ref(),
                &lift,
                &start,
                cfg.nc,
                cfg.nf,
                args.n,
                horizon,
                args.seed,
                &|k| pb.inc(k),
            )?;
            pb.finish_and_clear();
            let path = args.out.join("trajectory.npz");
            io::write_trajectories(&path, &tr)?;
            fields["output"] = json!("trajectory.npz");
            fields["horizon"] = json!(horizon);
            fields["nf"] = json!(tr.positions.shape()[2]);
            path
        }
    };
    let m = manifest("simulate", fields);
    io::write_json(&args.out.join("manifest.json"), &m)?;
    if !args.quiet {
        println!(
            "wrote {} and manifest.json ({} {}, nc = {}, Δt = {}) in {:.2} s",
            written.display(),
            args.n,
            system_kind,
            cfg.nc,
            cfg.coarse_dt(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
