//! From training data to converged posterior (issue 3): synthetic `N = 256, M = 2` and
//! advection–diffusion `N = 128, M = 6` (default amplitude), fast path (best of 3) and the
//! reference ADAM path (once); the kernel law (SPEC A.9, issue 10) on advection–diffusion and
//! Burgers, `N = 128`, `nc = 24`, `B = 2`, fast path. `cargo bench -p scalebridge --bench learn`.

use scalebridge::inference::{LatentMethod, Learner, LearnerParams, TrainingData};
use scalebridge::law::LawOptions;
use scalebridge::walkers::config::{SimulationConfig, SystemKind};
use std::time::Instant;

fn data(system: SystemKind, n: usize) -> TrainingData {
    let cfg = SimulationConfig {
        system: Some(system),
        ..Default::default()
    }
    .validate()
    .expect("config");
    let e = cfg.run_controlled(n, 1, &|_| {}).expect("experiments");
    TrainingData::from_experiments(&e).expect("data")
}

fn time_fit(d: &TrainingData, params: LearnerParams, reps: usize) -> (f64, usize, bool, f64) {
    let learner = Learner::new(params.check().expect("params")).expect("learner");
    let mut best = f64::INFINITY;
    let mut out = (0, false, 0.0);
    for _ in 0..reps {
        let t = Instant::now();
        let (p, _) = learner.fit(d, &mut |_| {}).expect("fit");
        best = best.min(t.elapsed().as_secs_f64());
        out = (p.iterations, p.converged, p.elbo);
    }
    (best, out.0, out.1, out.2)
}

fn main() {
    println!("learn benchmark, {} threads", rayon::current_num_threads());
    println!();
    println!("| case | path | time (s) | iterations | converged | ELBO |");
    println!("|---|---|---|---|---|---|");
    for (label, system, n, m) in [
        ("synthetic N = 256, M = 2", SystemKind::Synthetic, 256, 2),
        (
            "advection–diffusion N = 128, M = 6",
            SystemKind::Advdiff,
            128,
            6,
        ),
    ] {
        let d = data(system, n);
        let (t, it, conv, elbo) = time_fit(&d, LearnerParams::default().range(m), 3);
        println!("| {label} | Newton/Jensen (fast) | {t:.3} | {it} | {conv} | {elbo:.2} |");
        let (t, it, conv, elbo) = time_fit(
            &d,
            LearnerParams::default()
                .range(m)
                .method(LatentMethod::Adam)
                .max_iter(400),
            1,
        );
        println!("| {label} | ADAM/Monte Carlo (reference) | {t:.1} | {it} | {conv} | {elbo:.2} |");
    }
    for (label, system) in [
        ("advection–diffusion N = 128", SystemKind::Advdiff),
        ("Burgers N = 128", SystemKind::Burgers),
    ] {
        let d = data(system, 128);
        for (features, density, modes) in [
            ("1, u, grad (12 terms)", vec!["u", "grad"], 0),
            ("1, u, sin, cos (16 terms, default)", vec!["u"], 1),
        ] {
            let spec = LawOptions {
                hop: Some(2),
                modes: Some(modes),
                density_features: Some(density.iter().map(|s| s.to_string()).collect()),
                ..Default::default()
            }
            .spec("kernel")
            .expect("law");
            let (t, it, conv, elbo) = time_fit(&d, LearnerParams::default().law(spec), 3);
            println!(
                "| {label}, kernel B = 2: {features} | Newton/Jensen (fast) | {t:.3} | {it} | {conv} | {elbo:.2} |"
            );
        }
    }
}
