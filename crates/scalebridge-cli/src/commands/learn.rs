//! `scalebridge learn`: fit the sparse Bayesian state-space model to controlled experiments or
//! trajectories.

use crate::cli::{LawArg, LearnArgs};
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::inference::LearnerParams;
use scalebridge::law::LawOptions;
use scalebridge::pipeline::learn::{LearnJob, hop_search_line, learn};
use scalebridge::pipeline::parse_domain;

pub fn run(args: LearnArgs) -> Result<()> {
    let options = LawOptions {
        range: args.range,
        order: args.order,
        hop: args.hop,
        modes: args.modes,
        density_features: args
            .density_features
            .as_deref()
            .map(|s| s.split(',').map(str::to_owned).collect()),
    };
    let family = match args.law {
        LawArg::Polynomial => "polynomial",
        LawArg::Kernel => "kernel",
    };
    let job = LearnJob {
        params: LearnerParams::default()
            .law_options(&options, family)?
            .per_bin_noise(args.per_bin_noise)
            .method(args.method.into())
            .max_iter(args.max_iter)
            .tol(args.tol)
            .seed(args.seed),
        domain: args.domain.as_deref().map(parse_domain).transpose()?,
        data: args.data,
        nc: args.nc,
        out: args.out,
    };
    let learned = learn(&job, &Bars::new(args.quiet))?;
    if !args.quiet {
        print!("{}", learned.posterior.equation());
        if let Some(line) = learned.hop_search.as_deref().and_then(hop_search_line) {
            println!("{line}");
        }
        println!("wrote {} in {:.2} s", job.out.display(), learned.seconds);
    }
    Ok(())
}
