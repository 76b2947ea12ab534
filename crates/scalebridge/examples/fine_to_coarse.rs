//! Fine → coarse: simulate controlled experiments of advection–diffusion walkers, learn the
//! coarse law, print it as an equation, and predict the density with credible intervals.
//!
//! `cargo run --release -p scalebridge --example fine_to_coarse`

use scalebridge::inference::{Learner, LearnerParams, TrainingData};
use scalebridge::prediction::{Density, Observable, PredictionParams, Start, predict};
use scalebridge::walkers::restrict::bin_counts;
use scalebridge::walkers::{LiftMap, SimulationConfig, SoftmaxLift, SystemKind};

fn main() -> Result<(), scalebridge::Error> {
    // the paper's advection–diffusion walkers, with fewer walkers for speed
    let cfg = SimulationConfig {
        system: Some(SystemKind::Advdiff),
        nf: Some(1200),
        ..Default::default()
    }
    .validate()?;
    let experiments = cfg.run_controlled(32, 7, &|_| {})?;
    let data = TrainingData::from_experiments(&experiments)?;

    // a sparse Bayesian law with interaction range M = 2, first order
    let params = LearnerParams::default().range(2).order(1).check()?;
    let (posterior, _latent) = Learner::new(params)?.fit(&data, &mut |_| {})?;
    print!("{}", posterior.equation());

    // coarse → fine: a new fine state, predicted 5 coarse steps on with 95% bands
    let lift = SoftmaxLift { domain: cfg.domain };
    let x0: Vec<f64> = (0..cfg.nc)
        .map(|j| (2.0 * std::f64::consts::PI * j as f64 / cfg.nc as f64).cos())
        .collect();
    let positions = lift.sample(&x0, cfg.nf, &mut scalebridge::rng::stream(1, 0, 0))?;
    let start = Start::from_counts(&bin_counts(&positions, &cfg.domain, cfg.nc));
    let density = Density { bins: cfg.nc };
    let observables: [&dyn Observable; 1] = [&density];
    let params = PredictionParams {
        horizon: 5,
        samples: 200,
        level: 0.95,
        seed: 3,
    };
    let p = predict(
        &posterior,
        &start,
        cfg.nf,
        cfg.domain,
        cfg.coarse_dt(),
        &observables,
        &params,
        &|_| {},
    )?;
    let band = &p.bands[0];
    let t = p.t.len() - 1;
    println!(
        "density at t = {:.3}, bin 0: {:.3} [{:.3}, {:.3}]",
        p.t[t],
        band.mean[(t, 0)],
        band.q_lo[(t, 0)],
        band.q_hi[(t, 0)]
    );
    Ok(())
}
