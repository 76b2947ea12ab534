//! Coarse → fine on a lattice: sample the critical 2D Ising model with Wolff clusters, block it
//! with the majority rule, fit the local lifting rule to (coarse, fine) pairs, and dream
//! lattices 64 times larger than one spin, with their susceptibility.
//!
//! `cargo run --release -p scalebridge --example coarse_to_fine`

use scalebridge::lattice::rg::block::majority_pair;
use scalebridge::lattice::rg::dream::{DreamParams, dream_ensemble};
use scalebridge::lattice::samplers::{Algorithm, SampleParams, sample};
use scalebridge::lattice::{K_C, Lattice, Lifter, estimate, fit};

fn main() -> Result<(), scalebridge::Error> {
    // fine data: 400 Wolff configurations at K_c on a 16 × 16 torus
    let params = SampleParams {
        l: 16,
        k: K_C,
        n: 400,
        algo: Algorithm::Wolff,
        every: 1,
        thermalise: None,
        seed: 1,
    };
    let mut configs: Vec<Lattice> = Vec::new();
    let mut keep = |lat: &Lattice| {
        configs.push(lat.clone());
        Ok(())
    };
    let run = sample(&params.check()?, &mut keep, &|_| {})?;
    println!(
        "Monte Carlo L = 16: χ = {:.3} ± {:.3}",
        run.ensemble.chi.value, run.ensemble.chi.error
    );

    // fine → coarse by the majority rule, then the 3×3 coarse-to-fine rule by maximum likelihood
    let pairs: Vec<_> = configs
        .into_iter()
        .enumerate()
        .map(|(i, f)| majority_pair(f, 0, i))
        .collect();
    let rule = fit(&pairs, 1)?;
    println!(
        "fitted (a, b, c) = ({:.3}, {:.3}, {:.3})",
        rule.theta[2], rule.theta[1], rule.theta[0]
    );

    // coarse → fine: dream 256 lattices from one spin up to 64 × 64
    let lifter = Lifter::new(&scalebridge::lattice::LiftRule {
        radius: 1,
        theta: rule.theta.clone(),
    });
    let dreams = DreamParams {
        levels: 6,
        n: 256,
        seed: 2,
        measure_levels: false,
    };
    let obs = dream_ensemble(&lifter, None, &dreams, &mut |_, _| Ok(()), &|_| {})?;
    let ens = estimate(64, K_C, &obs.m.row(0).to_vec(), &obs.e.row(0).to_vec())?;
    println!(
        "dreamed L = 64: χ = {:.3} ± {:.3}, V4 = {:.3} ± {:.3}",
        ens.chi.value, ens.chi.error, ens.v4.value, ens.v4.error
    );
    Ok(())
}
