//! Fuzz-style robustness of every reader of a file the project writes: random truncations and
//! byte flips of valid files must give an error classified as bad input (the CLI's exit 2),
//! never a panic. Fixed seeds; a few thousand cases.
#![allow(clippy::unwrap_used)]

use rand::RngExt;
use scalebridge::inference::{Latent, LearnerParams, Posterior, TrainingData};
use scalebridge::io::{read_json, read_npy_f64_1d, write_npy_f64_1d};
use scalebridge::lattice::analysis::estimates::Ensemble;
use scalebridge::lattice::analysis::study::DreamObservables;
use scalebridge::lattice::model::read_spins;
use scalebridge::lattice::rg::dream::DreamParams;
use scalebridge::lattice::rg::dream::LevelObservables;
use scalebridge::lattice::rg::lift::LiftFile;
use scalebridge::lattice::samplers::{Algorithm, SampleParams};
use scalebridge::pipeline::Silent;
use scalebridge::pipeline::ising::{DreamJob, dream_job, fit_lift_job, sample_job};
use scalebridge::pipeline::learn::{LearnJob, learn};
use scalebridge::pipeline::simulate::{SimulateJob, resolve_config, simulate};
use scalebridge::rng::stream;
use scalebridge::walkers::SimulationConfig;
use scalebridge::walkers::experiments::Trajectories;
use std::path::{Path, PathBuf};

type Reader = Box<dyn Fn(&Path) -> scalebridge::Result<()>>;

/// Valid files of every kind, written by the library's own jobs.
fn fixtures(dir: &Path) -> Vec<(PathBuf, &'static str, Reader)> {
    let cfg = resolve_config(
        None,
        None,
        SimulationConfig {
            nf: Some(120),
            nc: Some(8),
            ..Default::default()
        },
    )
    .unwrap();
    let sim = |n, trajectory, out: &str| SimulateJob {
        config: cfg.clone(),
        n,
        seed: 1,
        trajectory,
        initial: None,
        initial_coarse: None,
        out: dir.join(out),
    };
    simulate(&sim(6, None, "data"), &Silent).unwrap();
    simulate(&sim(2, Some(2), "traj"), &Silent).unwrap();
    learn(
        &LearnJob {
            data: dir.join("data/experiments.npz"),
            params: LearnerParams::default().range(1).order(1).max_iter(30),
            domain: None,
            nc: None,
            out: dir.join("model"),
        },
        &Silent,
    )
    .unwrap();
    learn(
        &LearnJob {
            data: dir.join("data/experiments.npz"),
            params: LearnerParams::default()
                .law(
                    scalebridge::law::LawOptions::default()
                        .spec("kernel")
                        .unwrap(),
                )
                .max_iter(30),
            domain: None,
            nc: None,
            out: dir.join("model-kernel"),
        },
        &Silent,
    )
    .unwrap();
    let sample = SampleParams {
        l: 8,
        k: 0.44,
        n: 40,
        algo: Algorithm::Wolff,
        every: 1,
        thermalise: Some(5),
        seed: 1,
    };
    sample_job(&sample, &dir.join("mc"), &Silent).unwrap();
    fit_lift_job(&dir.join("mc/configs.npy"), 3, None, 0, &dir.join("lift")).unwrap();
    dream_job(
        &DreamJob {
            lift: dir.join("lift"),
            params: DreamParams {
                levels: 3,
                n: 40,
                seed: 1,
                measure_levels: true,
            },
            start: None,
            no_store: true,
            out: dir.join("dream"),
        },
        &Silent,
    )
    .unwrap();
    write_npy_f64_1d(&dir.join("x.npy"), &[0.1, -0.2, 0.3]).unwrap();
    vec![
        (
            dir.join("data/experiments.npz"),
            "experiments.npz",
            Box::new(|p: &Path| TrainingData::from_npz(p, None).map(|_| ())),
        ),
        (
            dir.join("traj/trajectory.npz"),
            "trajectory.npz",
            Box::new(|p: &Path| Trajectories::read_positions(p).map(|_| ())),
        ),
        (
            dir.join("model/posterior.json"),
            "posterior.json",
            Box::new(|p: &Path| Posterior::load(p).map(|_| ())),
        ),
        (
            dir.join("model-kernel/posterior.json"),
            "posterior.json (kernel law)",
            Box::new(|p: &Path| Posterior::load(p).map(|_| ())),
        ),
        (
            dir.join("model/latent.npz"),
            "latent.npz",
            Box::new(|p: &Path| Latent::read_npz(p, 6, 8).map(|_| ())),
        ),
        (
            dir.join("mc/configs.npy"),
            "configs.npy",
            Box::new(|p: &Path| read_spins(p).map(|_| ())),
        ),
        (
            dir.join("mc/observables.json"),
            "observables.json (sample)",
            Box::new(|p: &Path| read_json::<Ensemble>(p).map(|_| ())),
        ),
        (
            dir.join("lift/lift.json"),
            "lift.json",
            Box::new(|p: &Path| LiftFile::read(p).map(|_| ())),
        ),
        (
            dir.join("dream/observables.json"),
            "observables.json (dream)",
            Box::new(|p: &Path| read_json::<DreamObservables>(p).map(|_| ())),
        ),
        (
            dir.join("dream/observables.npz"),
            "observables.npz",
            Box::new(|p: &Path| LevelObservables::read_magnetisation(p).map(|_| ())),
        ),
        (
            dir.join("x.npy"),
            "float64 .npy",
            Box::new(|p: &Path| read_npy_f64_1d(p).map(|_| ())),
        ),
    ]
}

#[test]
fn truncated_and_flipped_files_are_bad_input_never_a_panic() {
    let dir = std::env::temp_dir().join(format!("sb-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = fixtures(&dir);
    let mut rng = stream(2026, 0xF0_22, 0);
    let case = dir.join("case");
    std::fs::create_dir_all(&case).unwrap();
    let mut cases = 0;
    for (k, (path, what, read)) in files.iter().enumerate() {
        let bytes = std::fs::read(path).unwrap();
        read(path).unwrap_or_else(|e| panic!("valid {what} rejected: {e}"));
        // the mutated copy keeps the file name: readers may look beside it
        let target = case.join(k.to_string());
        std::fs::create_dir_all(&target).unwrap();
        let target = target.join(path.file_name().unwrap());
        for i in 0..400 {
            let mut b = bytes.clone();
            if i % 2 == 0 {
                b.truncate(rng.random_range(0..b.len()));
            } else {
                for _ in 0..1 + i % 3 {
                    let at = rng.random_range(0..b.len());
                    b[at] ^= rng.random_range(1..=255u8);
                }
            }
            std::fs::write(&target, &b).unwrap();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&target)));
            match outcome {
                Err(_) => panic!("{what}: case {i} panicked"),
                Ok(Err(e)) => assert!(e.is_bad_input(), "{what}: case {i}: {e} is not bad input"),
                Ok(Ok(())) => {} // a flip inside a number can leave a valid file
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 400 * files.len());
    std::fs::remove_dir_all(&dir).unwrap();
}
