//! `scalebridge ising sample`: Monte Carlo configurations (Wolff, checkerboard heat bath, or the
//! same heat bath multi-spin coded).

use crate::cli::SampleArgs;
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::lattice::samplers::SampleParams;
use scalebridge::pipeline::ising::sample_job;

pub fn run(a: SampleArgs) -> Result<()> {
    let params = SampleParams {
        l: a.l,
        k: a.k,
        n: a.n,
        algo: a.algo.into(),
        every: a.every,
        thermalise: a.thermalise,
        seed: a.seed,
    };
    let ens = sample_job(&params, &a.out, &Bars::new(a.quiet))?.ensemble;
    if !a.quiet {
        println!(
            "L = {}, K = {} ({}): e = {:.5} ± {:.5}, C = {:.4} ± {:.4}, χ = {:.3} ± {:.3}, V4 = {:.4} ± {:.4} (τ_int(e) = {:.2}, τ_int(|m|) = {:.2} measurements)",
            a.l,
            a.k,
            params.algo,
            ens.energy.value,
            ens.energy.error,
            ens.specific_heat.value,
            ens.specific_heat.error,
            ens.chi.value,
            ens.chi.error,
            ens.v4.value,
            ens.v4.error,
            ens.tau_energy,
            ens.tau_abs_m
        );
    }
    Ok(())
}
