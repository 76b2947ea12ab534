//! Ising speed (issue 5): Wolff and checkerboard spin flips per nanosecond at K_c, dreaming one
//! 4096² lattice from one spin, fitting the 3-parameter rule on 10⁴ L = 32 configurations; and
//! the exact-weight generator's fit and time per sample (issue 14).
//! `cargo bench -p scalebridge --bench ising`.

use scalebridge::lattice::rg::dream::{dream, single_spin};
use scalebridge::lattice::{
    HeatBath, K_C, Lattice, LiftRule, Lifter, PackedHeatBath, Wolff, fit, majority_rule,
};
use scalebridge::rng::stream;
use std::time::Instant;

fn best_of(reps: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..reps).map(|_| f()).fold(f64::INFINITY, f64::min)
}

/// Times about `updates / L²` sweeps (after one warm-up sweep) and prints updates per ns.
fn time_sweeps(name: &str, l: usize, updates: usize, mut sweep: impl FnMut()) {
    let sweeps = updates / (l * l);
    sweep();
    let t = Instant::now();
    for _ in 0..sweeps {
        sweep();
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "{name} L = {l}: {:.3} spin updates/ns ({} threads), {:.3} ms per sweep",
        (sweeps * l * l) as f64 / dt / 1e9,
        rayon::current_num_threads(),
        dt / sweeps as f64 * 1e3
    );
}

/// A thermalised Wolff chain at K_c and its calibrated clusters per sweep.
struct Chain {
    lat: Lattice,
    w: Wolff,
    rng: scalebridge::rng::SbRng,
    flips: usize,
}

fn wolff_chain(l: usize, chain: u64) -> Chain {
    let mut rng = stream(1, chain, l as u64);
    let mut lat = Lattice::ordered(l);
    let mut w = Wolff::new(K_C);
    w.calibrate(&mut lat, 2000, &mut rng);
    let flips = w.calibrate(&mut lat, 2000, &mut rng);
    Chain { lat, w, rng, flips }
}

fn main() {
    let threads = rayon::current_num_threads();
    println!("{threads} threads");
    for l in [64usize, 256, 1024] {
        // one independent chain per thread (a single cluster is serial)
        use rayon::prelude::*;
        let sweeps = (1 << 26) / (l * l);
        let mut chains: Vec<Chain> = (0..threads as u64)
            .into_par_iter()
            .map(|c| wolff_chain(l, c))
            .collect();
        let t = Instant::now();
        let flipped: usize = chains
            .par_iter_mut()
            .map(|c| {
                (0..sweeps * c.flips)
                    .map(|_| c.w.step(&mut c.lat, &mut c.rng))
                    .sum::<usize>()
            })
            .sum();
        let dt = t.elapsed().as_secs_f64();
        println!(
            "wolff L = {l}: {:.3} spin flips/ns ({threads} chains), {:.2} ms per sweep of {} clusters per chain",
            flipped as f64 / dt / 1e9,
            dt / sweeps as f64 * 1e3,
            chains[0].flips
        );
    }
    for l in [64usize, 256, 1024] {
        let mut hb = HeatBath::new(&Lattice::ordered(l), K_C, 1).expect("even L");
        time_sweeps("heat bath", l, 1 << 27, || hb.sweep());
    }
    for l in [128usize, 256, 1024] {
        let mut hb = PackedHeatBath::new(&Lattice::ordered(l), K_C, 1).expect("L % 128 == 0");
        time_sweeps("multi-spin-coded heat bath", l, 1 << 29, || hb.sweep());
    }
    let lifter = Lifter::new(&LiftRule::abc(0.546, 0.628, 1.410));
    let secs = best_of(5, || {
        let t = Instant::now();
        let lat = dream(&lifter, single_spin(1, 0), 12, 1, 0, |_, _| {});
        assert_eq!(lat.l, 4096);
        t.elapsed().as_secs_f64()
    });
    println!("dream one 4096² lattice from one spin: {secs:.3} s (target 0.5 s)");
    // time per independent configuration: every dreamed sample is independent; samples run
    // side by side (as `ising dream` does), rows in parallel within large levels
    for (levels, n) in [(8usize, 256usize), (10, 32)] {
        use rayon::prelude::*;
        let secs = best_of(3, || {
            let t = Instant::now();
            (0..n as u64).into_par_iter().for_each(|i| {
                dream(&lifter, single_spin(2, i), levels, 2, i, |_, _| {});
            });
            t.elapsed().as_secs_f64()
        });
        println!(
            "dream L = {}: {:.2} ms per independent configuration ({threads} threads)",
            1 << levels,
            secs / n as f64 * 1e3
        );
    }
    let mut rng = stream(2, 0, 0);
    let mut lat = Lattice::random(32, &mut rng);
    let mut w = Wolff::new(K_C);
    let flips = w.calibrate(&mut lat, 20_000, &mut rng);
    let pairs: Vec<(Lattice, Lattice)> = (0..10_000)
        .map(|_| {
            w.sweep(&mut lat, 2 * flips, &mut rng);
            (majority_rule(&lat, &mut rng), lat.clone())
        })
        .collect();
    let secs = best_of(3, || {
        let t = Instant::now();
        fit(&pairs, 1).expect("fit");
        t.elapsed().as_secs_f64()
    });
    println!("fit 3-parameter rule on 10^4 L = 32 configurations: {secs:.3} s (target 2 s)");
    exact_weights();
}

/// The exact-weight generator (issue 14) at K = 0.44: fit (Wolff run + seam fit), then time per
/// sample and ESS/N of `ising nis` at L = 32 and 64 (the target: L = 64, fitting plus 10⁵
/// samples under 10 minutes on 2 cores).
fn exact_weights() {
    use scalebridge::lattice::analysis::weighted::{WeightedSample, nis_estimates};
    use scalebridge::lattice::nis::{FitParams, fit_sampler};
    use scalebridge::pipeline::nis::generate;
    for (l, n) in [(32usize, 2048usize), (64, 1024)] {
        let t = Instant::now();
        let (_, sampler) = fit_sampler(&FitParams::new(l, 0.44), None).expect("fit");
        let fit_s = t.elapsed().as_secs_f64();
        let mut samples = Vec::with_capacity(n);
        let t = Instant::now();
        generate(
            &sampler,
            n,
            1,
            &mut |lat, log_q| {
                samples.push(WeightedSample {
                    log_q,
                    bonds: lat.bond_sum(),
                    m: lat.magnetisation(),
                });
                Ok(())
            },
            &|_| {},
        )
        .expect("generate");
        let per = t.elapsed().as_secs_f64() / n as f64;
        let est = nis_estimates(&samples, l, 0.44, &mut stream(1, 0, 0)).expect("estimates");
        println!(
            "exact weights L = {l}: fit {fit_s:.1} s, {:.2} ms per sample ({} threads), ESS/N {:.3}; fit + 10^5 samples ≈ {:.0} s",
            per * 1e3,
            rayon::current_num_threads(),
            est.ess_per_sample,
            fit_s + per * 1e5
        );
    }
}
