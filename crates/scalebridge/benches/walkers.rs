//! Walker throughput on the paper-sized data set: `N = 128` experiments, `nf = 2400` walkers,
//! `s = 400` FG steps per coarse step (one coarse step each), parallel over experiments as in
//! `scalebridge simulate`. Run with `cargo bench --bench walkers`; results go in
//! `docs/benchmarks.md`. Each timing is the best of several repetitions.

use rand::Rng;
use rayon::prelude::*;
use scalebridge::Domain;
use scalebridge::rng::stream;
use scalebridge::walkers::lift::{LiftMap, SoftmaxLift};
use scalebridge::walkers::systems::{
    AdvDiffSampler, AdvectionDiffusion, BurgersWalkers, FineState, FineSystem,
};
use std::time::Instant;

const N: usize = 128;
const NF: usize = 2400;
const S: usize = 400;

fn best_of<F: FnMut()>(reps: usize, mut f: F) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn starts() -> Vec<FineState> {
    let lift = SoftmaxLift {
        domain: Domain::default(),
    };
    (0..N)
        .map(|i| {
            let mut rng = stream(1, 0, i as u64);
            let x: Vec<f64> = (0..24).map(|j| 0.8 * (j as f64 * 0.26).sin()).collect();
            FineState {
                positions: lift.sample(&x, NF, &mut rng).expect("finite X"),
                coarse: None,
            }
        })
        .collect()
}

fn time_system(sys: &dyn FineSystem, reps: usize) -> f64 {
    let base = starts();
    best_of(reps, || {
        let mut states = base.clone();
        states.par_iter_mut().enumerate().for_each(|(i, s)| {
            sys.advance(s, &mut stream(2, 0, i as u64))
                .expect("advance");
        });
        std::hint::black_box(&states);
    })
}

fn main() {
    let threads = rayon::current_num_threads();
    let walker_steps = (N * NF * S) as f64;
    let d = Domain::default();
    let advdiff = |sampler| {
        AdvectionDiffusion::new(d, 0.195, 0.205, 3.875e-3, 2.5e-3, S, sampler).expect("params")
    };

    // the generator's own throughput: the u64 words the per-step path consumes (one per two
    // walker-steps), drawn in the same parallel layout
    let words = N * NF * S / 2;
    let t_rng = best_of(5, || {
        let sum: u64 = (0..N)
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(3, 0, i as u64);
                let mut acc = 0u64;
                for _ in 0..words / N {
                    acc = acc.wrapping_add(rng.next_u64());
                }
                acc
            })
            .reduce(|| 0, u64::wrapping_add);
        std::hint::black_box(sum);
    });
    let t_step = time_system(&advdiff(AdvDiffSampler::PerStep), 5);
    let t_exact = time_system(&advdiff(AdvDiffSampler::Exact), 20);
    let burgers = BurgersWalkers::new(d, 0.2, 0.05, 0.04, 3.875e-3, 2.5e-3, S);
    let t_burgers = time_system(&burgers, 3);

    println!(
        "walkers benchmark: N = {N}, nf = {NF}, s = {S} ({walker_steps:.3e} walker-steps), {threads} threads"
    );
    println!();
    println!("| path | time (s) | walker-steps / s | target |");
    println!("|---|---|---|---|");
    println!(
        "| raw xoshiro256++ words for the per-step path ({words:.2e} u64) | {t_rng:.4} | {:.3e} (2 steps/word) | — |",
        walker_steps / t_rng
    );
    println!(
        "| advection–diffusion, per step | {t_step:.4} | {:.3e} | < 0.3 s |",
        walker_steps / t_step
    );
    println!(
        "| advection–diffusion, exact sampler | {t_exact:.4} | {:.3e} (equivalent) | < 0.02 s |",
        walker_steps / t_exact
    );
    println!(
        "| Burgers walkers | {t_burgers:.4} | {:.3e} | < 2 s |",
        walker_steps / t_burgers
    );
    println!();
    println!(
        "per-step path runs at {:.0}% of the generator's own throughput",
        100.0 * t_rng / t_step
    );
}
