//! `scalebridge predict`: predictive bands of the fine-scale density, and their coverage of
//! fine-scale replicas.

use crate::cli::PredictArgs;
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::pipeline::parse_domain;
use scalebridge::pipeline::predict::{PredictJob, StartFrom, predict};
use scalebridge::walkers::WithinBin;

pub fn run(args: PredictArgs) -> Result<()> {
    let start = match (args.initial, args.data, args.experiment) {
        (Some(p), _, _) => StartFrom::Initial(p),
        (None, Some(data), Some(experiment)) => StartFrom::Experiment { data, experiment },
        _ => {
            return Err(Error::param(
                "initial",
                "none",
                "--initial FILE.npy or --data FILE --experiment I",
            )
            .into());
        }
    };
    let job = PredictJob {
        model: args.model,
        start,
        horizon: args.horizon,
        bins: args.bins,
        within: WithinBin::parse(&args.within)?,
        samples: args.samples,
        level: args.level,
        pairs: args.pairs,
        seed: args.seed,
        domain: args.domain.as_deref().map(parse_domain).transpose()?,
        reference: args.reference,
        out: args.out,
    };
    let o = predict(&job, &Bars::new(args.quiet))?;
    if o.dt.is_none() {
        eprintln!(
            "note: the model does not know its coarse step Δt (no manifest beside its data): times are in coarse steps"
        );
    }
    if let Some(w) = &o.extrapolation {
        eprintln!("warning: {w}");
    }
    if !args.quiet {
        for c in &o.coverage {
            println!(
                "{:>3} bins: coverage {:.1}% over t >= Δt, mean relative L1 error {:.3}",
                c.bins,
                100.0 * c.coverage_total,
                c.rel_l1_error_mean
            );
        }
        println!("wrote {} in {:.2} s", job.out.display(), o.seconds);
    }
    Ok(())
}
