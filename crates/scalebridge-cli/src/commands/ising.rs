//! `scalebridge ising …`: the 2D Ising model.

use crate::cli::{IsingCommand, SampleArgs};
use crate::progress;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::io::{self, manifest};
use scalebridge::lattice::{Lattice, Wolff, estimate, exact};
use scalebridge::rng::stream;
use serde_json::json;

/// Cluster flips used to thermalise and calibrate the sweep length.
const THERMALISATION_FLIPS: usize = 20_000;

pub fn run(cmd: IsingCommand) -> Result<()> {
    match cmd {
        IsingCommand::Exact(a) => {
            let x = exact(a.l, a.k)?;
            println!("{}", serde_json::to_string_pretty(&x)?);
            Ok(())
        }
        IsingCommand::Sample(a) => sample(a),
    }
}

fn sample(a: SampleArgs) -> Result<()> {
    if a.l < 2 || a.l % 2 == 1 {
        return Err(Error::param("L", a.l, "even and >= 2").into());
    }
    if !(a.k > 0.0 && a.k.is_finite()) {
        return Err(Error::param("K", a.k, "finite and > 0").into());
    }
    if a.n < scalebridge::lattice::estimates::BLOCKS {
        return Err(Error::param(
            "n",
            a.n,
            &format!(
                ">= {} (the number of jackknife blocks)",
                scalebridge::lattice::estimates::BLOCKS
            ),
        )
        .into());
    }
    io::create_dir(&a.out)?;
    let mut rng = stream(a.seed, 0x4953_494e, 0);
    let mut lat = Lattice::random(a.l, &mut rng);
    let mut w = Wolff::new(a.k);
    let flips = w.calibrate(&mut lat, THERMALISATION_FLIPS, &mut rng);
    let mut configs = ndarray::Array3::<i8>::zeros((a.n, a.l, a.l));
    let (mut m, mut e) = (Vec::with_capacity(a.n), Vec::with_capacity(a.n));
    let pb = progress::bar(a.n as u64, "sweeps", a.quiet);
    for t in 0..a.n {
        w.sweep(&mut lat, flips, &mut rng);
        m.push(lat.magnetisation());
        e.push(lat.energy());
        for (dst, src) in configs
            .slice_mut(ndarray::s![t, .., ..])
            .iter_mut()
            .zip(&lat.spins)
        {
            *dst = *src;
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    let ens = estimate(a.l, a.k, &m, &e);
    io::write_configs(&a.out.join("configs.npy"), &configs)?;
    io::write_json(&a.out.join("observables.json"), &ens)?;
    io::write_json(
        &a.out.join("manifest.json"),
        &manifest(
            "ising sample",
            json!({ "L": a.l, "K": a.k, "n": a.n, "algo": a.algo, "seed": a.seed, "flips_per_sweep": flips }),
        ),
    )?;
    if !a.quiet {
        println!(
            "L = {}, K = {}: e = {:.5} ± {:.5}, C = {:.4} ± {:.4}, χ = {:.3} ± {:.3}, V4 = {:.4} ± {:.4} (τ_int(e) = {:.2} sweeps)",
            a.l,
            a.k,
            ens.energy.value,
            ens.energy.error,
            ens.specific_heat.value,
            ens.specific_heat.error,
            ens.chi.value,
            ens.chi.error,
            ens.v4.value,
            ens.v4.error,
            ens.tau_energy
        );
    }
    Ok(())
}
