//! `scalebridge ising fit-sampler`: the exact-weight generator's seam model, fitted.

use crate::cli::FitSamplerArgs;
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::lattice::nis::FitParams;
use scalebridge::pipeline::nis::fit_sampler_job;

pub fn run(a: FitSamplerArgs) -> Result<()> {
    let params = FitParams {
        l: a.l,
        k: a.k,
        chi: a.chi,
        n: a.n_train,
        copies: a.copies,
        seed: a.seed,
    };
    let file = fit_sampler_job(&params, a.data.as_deref(), &a.out, &Bars::new(a.quiet))?;
    let t = &file.training;
    println!(
        "sampler for L = {}, K = {} (χ = {}): seam of {} spins fitted on {} configurations ({}) × {} symmetry copies in {:.1} s (+ {:.1} s sampling)",
        file.l,
        file.k,
        file.chi,
        2 * file.l - 1,
        t.n,
        t.source,
        t.copies,
        t.fit_seconds,
        t.sampling_seconds
    );
    Ok(())
}
