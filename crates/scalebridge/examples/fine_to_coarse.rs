//! Fine → coarse: simulate controlled experiments of advection–diffusion walkers, learn the
//! coarse law in both families (polynomial and kernel), print them as equations, keep the one
//! with the higher evidence, and predict the density with credible intervals.
//!
//! `cargo run --release -p scalebridge --example fine_to_coarse`

use scalebridge::inference::{Learner, LearnerParams, TrainingData};
use scalebridge::law::LawOptions;
use scalebridge::prediction::{Density, Observable, PredictionParams, Start, predict};
use scalebridge::walkers::restrict::bin_counts;
use scalebridge::walkers::{LiftMap, SimulationConfig, SoftmaxLift, SystemKind};

fn main() -> Result<(), scalebridge::Error> {
    // the paper's advection–diffusion walkers, 64 controlled experiments
    let cfg = SimulationConfig {
        system: Some(SystemKind::Advdiff),
        nf: Some(2400),
        ..Default::default()
    }
    .validate()?;
    let experiments = cfg.run_controlled(64, 7, &|_| {})?;
    let data = TrainingData::from_experiments(&experiments)?;

    // a sparse Bayesian polynomial law (range M = 2, first order) and a kernel law (hops of up
    // to 2 bins, the default local features); the ELBO of each one's active law picks one (the
    // full ELBO would also count its pruned candidate terms, 21.6 nats each)
    let polynomial = LearnerParams::default().range(2).order(1).check()?;
    let kernel = LearnerParams::default()
        .law(LawOptions::default().spec("kernel")?)
        .check()?;
    let (p1, _) = Learner::new(polynomial)?.fit(&data, &mut |_| {})?;
    let (p2, _) = Learner::new(kernel)?.fit(&data, &mut |_| {})?;
    print!("{}\n{}", p1.equation(), p2.equation());
    let posterior = if p2.active_law_elbo()? > p1.active_law_elbo()? {
        p2
    } else {
        p1
    };
    println!("predicting with the {} law", posterior.law.summary());

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
        within: scalebridge::walkers::WithinBin::default(),
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
