//! `scalebridge ising dream`: lattices of side `L0·2^levels` by repeated lifting, streaming.

use crate::cli::DreamArgs;
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::lattice::rg::dream::DreamParams;
use scalebridge::pipeline::ising::{DreamJob, dream_job};

pub fn run(a: DreamArgs) -> Result<()> {
    let job = DreamJob {
        lift: a.lift,
        params: DreamParams {
            levels: a.levels,
            n: a.n,
            seed: a.seed,
            measure_levels: a.measure_levels,
        },
        start: a.start,
        no_store: a.no_store,
        out: a.out,
    };
    let d = dream_job(&job, &Bars::new(a.quiet))?;
    if !a.quiet {
        println!(
            "{} samples of side {} (from L0 = {}, {} levels) in {:.2} s",
            a.n, d.side, d.l0, a.levels, d.seconds
        );
        for est in d.estimates.iter().flatten() {
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
