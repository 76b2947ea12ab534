//! `scalebridge ising sample`: Monte Carlo configurations (Wolff, checkerboard heat bath, or the
//! same heat bath multi-spin coded).

use crate::cli::SampleArgs;
use crate::progress;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::io::{self, SpinWriter, manifest};
use scalebridge::lattice::estimates::BLOCKS;
use scalebridge::lattice::{HeatBath, Lattice, PackedHeatBath, Wolff, estimate};
use scalebridge::rng::{SbRng, stream};
use serde_json::json;

/// Purpose tag of the Wolff chain's stream.
const WOLFF: u64 = 0x4953_494e;

/// Cluster flips used to calibrate the Wolff sweep length.
const CALIBRATION_FLIPS: usize = 1000;

/// A Markov chain advanced one sweep at a time.
enum Chain {
    Wolff {
        sampler: Wolff,
        lat: Lattice,
        flips: usize,
        rng: SbRng,
    },
    HeatBath(HeatBath),
    Packed(PackedHeatBath),
}

impl Chain {
    fn sweep(&mut self) {
        match self {
            Chain::Wolff {
                sampler,
                lat,
                flips,
                rng,
            } => sampler.sweep(lat, *flips, rng),
            Chain::HeatBath(hb) => hb.sweep(),
            Chain::Packed(hb) => hb.sweep(),
        }
    }
    fn lattice(&self) -> Lattice {
        match self {
            Chain::Wolff { lat, .. } => lat.clone(),
            Chain::HeatBath(hb) => hb.lattice(),
            Chain::Packed(hb) => hb.lattice(),
        }
    }
}

pub fn run(a: SampleArgs) -> Result<()> {
    if a.l < 2 || a.l % 2 == 1 {
        return Err(Error::param("L", a.l, "even and >= 2").into());
    }
    if !(a.k > 0.0 && a.k.is_finite()) {
        return Err(Error::param("K", a.k, "finite and > 0").into());
    }
    if a.n < BLOCKS {
        return Err(Error::param(
            "n",
            a.n,
            &format!(">= {BLOCKS} (the number of jackknife blocks)"),
        )
        .into());
    }
    if a.every == 0 {
        return Err(Error::param("every", 0, ">= 1").into());
    }
    let local = a.algo != "wolff";
    let thermalise = a.thermalise.unwrap_or(if local { 5000 } else { 200 });
    let mut flips_per_sweep = None;
    let mut chain = if a.algo == "msc" {
        Chain::Packed(
            PackedHeatBath::new(&Lattice::ordered(a.l), a.k, a.seed)
                .ok_or_else(|| Error::param("L", a.l, "a multiple of 128 for --algo msc"))?,
        )
    } else if a.algo == "heatbath" {
        Chain::HeatBath(HeatBath::new(&Lattice::ordered(a.l), a.k, a.seed))
    } else {
        let mut rng = stream(a.seed, WOLFF, 0);
        let mut lat = Lattice::ordered(a.l);
        let mut sampler = Wolff::new(a.k);
        let flips = sampler.calibrate(&mut lat, CALIBRATION_FLIPS, &mut rng);
        Chain::Wolff {
            sampler,
            lat,
            flips,
            rng,
        }
    };
    io::create_dir(&a.out)?;
    let pb = progress::bar((thermalise + a.n * a.every) as u64, "sweeps", a.quiet);
    for _ in 0..thermalise {
        chain.sweep();
        pb.inc(1);
    }
    if let Chain::Wolff {
        sampler,
        lat,
        flips,
        rng,
    } = &mut chain
    {
        // recalibrate at equilibrium
        *flips = sampler.calibrate(lat, CALIBRATION_FLIPS, rng);
        flips_per_sweep = Some(*flips);
    }
    let path = a.out.join("configs.npy");
    let mut writer = SpinWriter::create(&path, &[a.n, a.l, a.l])?;
    let (mut m, mut e) = (Vec::with_capacity(a.n), Vec::with_capacity(a.n));
    for _ in 0..a.n {
        for _ in 0..a.every {
            chain.sweep();
            pb.inc(1);
        }
        let lat = chain.lattice();
        let (mm, ee) = lat.observables();
        m.push(mm);
        e.push(ee);
        writer.push(&lat.spins)?;
    }
    pb.finish_and_clear();
    writer.finish()?;
    let ens = estimate(a.l, a.k, &m, &e);
    io::write_json(&a.out.join("observables.json"), &ens)?;
    io::write_json(
        &a.out.join("manifest.json"),
        &manifest(
            "ising sample",
            json!({ "L": a.l, "K": a.k, "n": a.n, "algo": a.algo, "seed": a.seed,
                    "every": a.every, "thermalise": thermalise, "flips_per_sweep": flips_per_sweep }),
        ),
    )?;
    if !a.quiet {
        println!(
            "L = {}, K = {} ({}): e = {:.5} ± {:.5}, C = {:.4} ± {:.4}, χ = {:.3} ± {:.3}, V4 = {:.4} ± {:.4} (τ_int(e) = {:.2}, τ_int(|m|) = {:.2} measurements)",
            a.l,
            a.k,
            a.algo,
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
