//! Learning from trajectories (SPEC A.10, issue 12): the speed case — `N = 16` runs of
//! `T = 50` steps, `nc = 24`, advection–diffusion, kernel law (defaults, and with one position
//! mode, the default before 2026-11-29) — the polynomial law (M = 2) on the same runs, and the
//! synthetic law on 16 runs of 8 steps. One fit each (they take seconds to minutes); time,
//! sweeps, convergence, ELBO.
//! `cargo bench -p scalebridge --bench trajectories`.

use scalebridge::inference::{Learner, LearnerParams, TrajectoryData};
use scalebridge::law::LawOptions;
use scalebridge::walkers::SoftmaxLift;
use scalebridge::walkers::config::{SimulationConfig, SystemKind};
use scalebridge::walkers::experiments::{Start, run_trajectories};
use std::path::Path;
use std::time::Instant;

fn runs(system: SystemKind, n: usize, steps: usize) -> TrajectoryData {
    let cfg = SimulationConfig {
        system: Some(system),
        ..Default::default()
    }
    .validate()
    .expect("config");
    let sys = cfg.build().expect("system");
    let lift = SoftmaxLift { domain: cfg.domain };
    let tr = run_trajectories(
        sys.as_ref(),
        &lift,
        &Start::Random(cfg.initial),
        cfg.nc,
        cfg.nf,
        n,
        steps,
        5,
        &|_| {},
    )
    .expect("trajectories");
    let counts = tr.counts.mapv(|c| c as f64);
    TrajectoryData::new(&counts, Some(cfg.domain), None, Path::new("(bench)")).expect("data")
}

fn main() {
    println!(
        "trajectories benchmark, {} threads",
        rayon::current_num_threads()
    );
    println!();
    println!("| case | law | time (s) | sweeps | s/sweep | converged | ELBO |");
    println!("|---|---|---|---|---|---|---|");
    // the kernel law with `modes` position modes (`None`: the default)
    let kernel = |modes: Option<usize>| {
        let options = LawOptions {
            modes,
            ..Default::default()
        };
        LearnerParams::default()
            .law(options.spec("kernel").expect("kernel"))
            .max_iter(100)
    };
    let cases = [
        (
            "advection–diffusion 16 × 50, nc 24",
            SystemKind::Advdiff,
            16,
            50,
            "kernel",
            kernel(None),
        ),
        (
            "advection–diffusion 16 × 50, nc 24",
            SystemKind::Advdiff,
            16,
            50,
            "kernel, 1 position mode",
            kernel(Some(1)),
        ),
        (
            "advection–diffusion 16 × 50, nc 24",
            SystemKind::Advdiff,
            16,
            50,
            "polynomial M = 2",
            LearnerParams::default().range(2).max_iter(100),
        ),
        (
            "synthetic 16 × 8, nc 24",
            SystemKind::Synthetic,
            16,
            8,
            "polynomial M = 2",
            LearnerParams::default().range(2),
        ),
    ];
    for (label, system, n, steps, law, params) in cases {
        let d = runs(system, n, steps);
        let learner = Learner::new(params.check().expect("params")).expect("learner");
        let t = Instant::now();
        let (p, _) = learner.fit_trajectories(&d, &mut |_| {}).expect("fit");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "| {label} | {law} | {secs:.1} | {} | {:.2} | {} | {:.1} |",
            p.iterations,
            secs / p.iterations as f64,
            p.converged,
            p.elbo
        );
    }
}
