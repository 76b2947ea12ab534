//! `predict` speed (issue 4): 1000 samples, horizon 50, nc = 24, densities on 24 and 96 bins and
//! three 2-bin pairs, from a law learned on the advection–diffusion demo data.
//! `cargo bench -p scalebridge --bench predict`.

use scalebridge::inference::{Learner, LearnerParams, TrainingData};
use scalebridge::prediction::{Density, Observable, PredictionParams, Start, TwoBin, predict};
use scalebridge::walkers::config::{SimulationConfig, SystemKind};
use std::time::Instant;

fn main() {
    let cfg = SimulationConfig {
        system: Some(SystemKind::Advdiff),
        ..Default::default()
    }
    .validate()
    .expect("config");
    let e = cfg.run_controlled(64, 1, &|_| {}).expect("experiments");
    let data = TrainingData::from_experiments(&e).expect("data");
    let params = LearnerParams::default().range(3).order(1);
    let (post, _) = Learner::new(params.check().expect("params"))
        .expect("learner")
        .fit(&data, &mut |_| {})
        .expect("fit");
    let counts: Vec<i64> = e.counts.row(0).to_vec();
    let start = Start::from_counts(&counts);
    let (d24, d96) = (Density { bins: 24 }, Density { bins: 96 });
    let pairs = TwoBin {
        pairs: vec![(8, 8), (8, 10), (12, 16)],
    };
    let obs: Vec<&dyn Observable> = vec![&d24, &d96, &pairs];
    let p = PredictionParams {
        horizon: 50,
        samples: 1000,
        level: 0.95,
        seed: 3,
        within: scalebridge::walkers::WithinBin::default(),
    };
    let best = (0..3)
        .map(|_| {
            let t = Instant::now();
            predict(&post, &start, cfg.nf, cfg.domain, 1.0, &obs, &p, &|_| {}).expect("predict");
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "predict: 1000 samples, horizon 50, nc = 24, bins 24 and 96, 3 pairs, {} threads: {best:.3} s (target 1 s)",
        rayon::current_num_threads()
    );
}
