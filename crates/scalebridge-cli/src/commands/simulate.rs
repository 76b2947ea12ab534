//! `scalebridge simulate`: controlled experiments or trajectories of a fine system.

use crate::cli::SimulateArgs;
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::pipeline::simulate::{SimulateJob, resolve_config, simulate};
use scalebridge::walkers::SimulationConfig;
use std::time::Instant;

pub fn run(args: SimulateArgs) -> Result<()> {
    let config = resolve_config(
        args.config.as_deref(),
        args.system.map(Into::into),
        SimulationConfig {
            nc: args.bins,
            nf: args.nf,
            steps: args.steps,
            amplitude: args.amplitude,
            ..Default::default()
        },
    )?;
    let started = Instant::now();
    let job = SimulateJob {
        config,
        n: args.n,
        seed: args.seed,
        trajectory: args.trajectory,
        initial: args.initial,
        initial_coarse: args.initial_coarse,
        out: args.out,
    };
    let done = simulate(&job, &Bars::new(args.quiet))?;
    if !args.quiet {
        println!(
            "wrote {} and manifest.json ({} {}, nc = {}, Δt = {}) in {:.2} s",
            done.path.display(),
            job.n,
            job.config.system,
            job.config.nc,
            job.config.coarse_dt(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
