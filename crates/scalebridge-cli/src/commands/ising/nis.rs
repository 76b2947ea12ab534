//! `scalebridge ising nis`: importance sampling with exact weights.

use crate::cli::NisArgs;
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::pipeline::nis::{NisJob, nis_job};

pub fn run(a: NisArgs) -> Result<()> {
    let job = NisJob {
        sampler: a.sampler,
        n: a.n,
        seed: a.seed,
        store: a.store,
        out: a.out,
    };
    let e = nis_job(&job, &Bars::new(a.quiet))?;
    println!(
        "L = {}, K = {}, {} samples in {:.1} s: ESS/N = {:.4}, independence-Metropolis acceptance {:.4}",
        e.l, e.k, e.n, e.seconds, e.ess_per_sample, e.metropolis_acceptance
    );
    println!(
        "  ln Z/N = {:.9} ± {:.9}   e = {:.6} ± {:.6}   |m| = {:.5} ± {:.5}   V4 = {:.4} ± {:.4}",
        e.ln_z_per_site,
        e.ln_z_per_site_err,
        e.energy_per_site,
        e.energy_per_site_err,
        e.abs_magnetisation,
        e.abs_magnetisation_err,
        e.v4,
        e.v4_err
    );
    Ok(())
}
