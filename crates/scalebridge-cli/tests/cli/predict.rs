//! `scalebridge predict` and `scalebridge run` as a user meets them.

use super::common::*;
use ndarray::{Array1, Array2};
use ndarray_npy::WriteNpyExt;
use std::fs::File;
use std::path::{Path, PathBuf};

/// A small model of advection–diffusion and a fine initial state.
fn setup(dir: &Path) -> (PathBuf, PathBuf) {
    let data = dir.join("data");
    let res = run(&[
        "simulate",
        "--system",
        "advdiff",
        "--n",
        "32",
        "--nf",
        "1200",
        "--quiet",
        "--out",
        s(&data),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let model = dir.join("model");
    let res = run(&[
        "learn",
        "--data",
        s(&data.join("experiments.npz")),
        "--range",
        "2",
        "--order",
        "1",
        "--quiet",
        "--out",
        s(&model),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let init = dir.join("x0.npy");
    Array1::from_iter((0..1200).map(|i| -0.6 + 0.5 * (i as f64 + 0.5) / 1200.0))
        .write_npy(File::create(&init).unwrap())
        .unwrap();
    (model, init)
}

#[test]
fn predict_writes_bands_two_bin_and_coverage_bit_for_bit() {
    let dir = tmp("pred-main");
    let (model, init) = setup(&dir);
    let reference = dir.join("ref");
    let res = run(&[
        "simulate",
        "--system",
        "advdiff",
        "--n",
        "10",
        "--trajectory",
        "5",
        "--initial",
        s(&init),
        "--quiet",
        "--out",
        s(&reference),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let mut bytes = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.join(format!("pred{threads}"));
        let res = run(&[
            "--threads",
            threads,
            "predict",
            "--model",
            s(&model),
            "--initial",
            s(&init),
            "--horizon",
            "5",
            "--bins",
            "24,96,8",
            "--samples",
            "200",
            "--pairs",
            "3:3,3:5",
            "--seed",
            "4",
            "--reference",
            s(&reference.join("trajectory.npz")),
            "--quiet",
            "--out",
            s(&out),
        ]);
        assert!(res.status.success(), "{}", stderr(&res));
        // the start (all walkers in 7 of 24 bins) lies outside the training experiments'
        // states: a warning on stderr, recorded in the manifest (inference::state_range)
        assert!(
            stderr(&res).contains("warning: the initial state lies outside the coarse states")
                && stderr(&res).contains("17 empty bins"),
            "{}",
            stderr(&res)
        );
        let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
        assert!(manifest.contains("\"extrapolation\": \"the initial state lies outside"));
        bytes.push(std::fs::read(out.join("density_bins96.npz")).unwrap());
    }
    assert_eq!(
        bytes[0], bytes[1],
        "prediction differs between 1 and 2 threads"
    );
    let out = dir.join("pred2");
    let mut z =
        ndarray_npy::NpzReader::new(File::open(out.join("density_bins24.npz")).unwrap()).unwrap();
    let t: Array1<f64> = z.by_name("t").unwrap();
    let mean: Array2<f64> = z.by_name("mean").unwrap();
    let lo: Array2<f64> = z.by_name("q_lo").unwrap();
    let hi: Array2<f64> = z.by_name("q_hi").unwrap();
    assert_eq!(t.to_vec(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(mean.shape(), &[6, 24]);
    // densities integrate to one: Σ_b ρ_b Δy = 1
    for k in 0..6 {
        assert!((mean.row(k).sum() * 2.0 / 24.0 - 1.0).abs() < 1e-12);
        // (the mean of a skewed predictive distribution may lie outside the central band)
        for b in 0..24 {
            assert!(lo[[k, b]] <= hi[[k, b]] && lo[[k, b]] >= 0.0);
        }
    }
    let mut z = ndarray_npy::NpzReader::new(File::open(out.join("two_bin.npz")).unwrap()).unwrap();
    let pairs: Array2<i64> = z.by_name("pairs").unwrap();
    assert_eq!(pairs, ndarray::array![[3, 3], [3, 5]]);
    let cov: serde_json::Value =
        serde_json::from_reader(File::open(out.join("coverage.json")).unwrap()).unwrap();
    for b in ["24", "96", "8"] {
        let c = &cov["binnings"][b];
        assert_eq!(c["coverage"].as_array().unwrap().len(), 6);
        let total = c["coverage_total"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&total));
    }
    // a finer binning gives a wider band (density units)
    let w = |b: &str| cov["binnings"][b]["band_width"][3].as_f64().unwrap();
    assert!(w("96") > w("24") && w("24") > w("8"));
}

#[test]
fn predict_bad_input_exits_2() {
    let dir = tmp("pred-bad");
    let (model, init) = setup(&dir);
    let outside = dir.join("outside.npy");
    Array1::from(vec![0.0, 1.5])
        .write_npy(File::create(&outside).unwrap())
        .unwrap();
    let wrong = dir.join("wrong.npy");
    Array2::<f64>::zeros((2, 2))
        .write_npy(File::create(&wrong).unwrap())
        .unwrap();
    let out = dir.join("p");
    let none = dir.join("none");
    // a valid call; each case below adds one bad option to it or changes one value
    let valid = [
        "--model",
        s(&model),
        "--initial",
        s(&init),
        "--horizon",
        "3",
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--model",
                s(&model),
                "--initial",
                s(&outside),
                "--horizon",
                "3",
            ],
            "domain",
        ),
        (
            vec![
                "--model",
                s(&model),
                "--initial",
                s(&wrong),
                "--horizon",
                "3",
            ],
            "1-D",
        ),
        (
            vec!["--model", s(&none), "--initial", s(&init), "--horizon", "3"],
            "posterior.json",
        ),
        (
            vec![
                "--model",
                s(&model),
                "--initial",
                s(&init),
                "--horizon",
                "0",
            ],
            "horizon",
        ),
        ([&valid[..], &["--level", "1.5"]].concat(), "level"),
        ([&valid[..], &["--bins", "36"]].concat(), "bins"),
        ([&valid[..], &["--pairs", "3:99"]].concat(), "pairs"),
        ([&valid[..], &["--within", "cubic"]].concat(), "within"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["predict", "--quiet", "--out", s(&out)];
        args.extend(extra.iter().copied());
        let res = run(&args);
        let msg = stderr(&res);
        assert_eq!(res.status.code(), Some(2), "{args:?}: {msg}");
        assert!(msg.contains(needle), "{args:?}: {msg}");
    }
    // a posterior from an incompatible format version
    let old = dir.join("old");
    std::fs::create_dir_all(&old).unwrap();
    let text = std::fs::read_to_string(model.join("posterior.json")).unwrap();
    std::fs::write(
        old.join("posterior.json"),
        text.replace("\"format_version\": 2", "\"format_version\": 99"),
    )
    .unwrap();
    std::fs::copy(model.join("manifest.json"), old.join("manifest.json")).unwrap();
    let res = run(&[
        "predict",
        "--model",
        s(&old),
        "--initial",
        s(&init),
        "--horizon",
        "2",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert_eq!(res.status.code(), Some(2));
    assert!(stderr(&res).contains("format_version"), "{}", stderr(&res));
}

#[test]
fn run_quick_pipeline() {
    let dir = tmp("pred-run");
    let res = run(&["run", "--quick", "--quiet", "--out", s(&dir)]);
    assert!(res.status.success(), "{}", stderr(&res));
    // the demo's bump lies among its training states: no applicability warning
    assert!(!stderr(&res).contains("warning:"), "{}", stderr(&res));
    for f in [
        "data/experiments.npz",
        "model/posterior.json",
        "reference/trajectory.npz",
        "prediction/density_bins24.npz",
        "prediction/density_bins96.npz",
        "prediction/coverage.json",
        "initial.npy",
        "manifest.json",
    ] {
        assert!(dir.join(f).exists(), "missing {f}");
    }
}

/// A run whose initial bump (amplitude 8: 13 of its 24 bins empty at 2400 walkers) is unlike
/// any state of its training experiments (at most one empty bin) warns, on stderr even with
/// `--quiet`, and in the report's summary.
#[test]
fn run_from_a_start_unlike_the_training_states_warns() {
    let dir = tmp("pred-run-sharp");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/run-advdiff.toml");
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(text.contains("initial_amplitude = 2.0"));
    let cfg = dir.join("sharp.toml");
    std::fs::write(
        &cfg,
        text.replace("initial_amplitude = 2.0", "initial_amplitude = 8.0"),
    )
    .unwrap();
    let out = dir.join("out");
    let res = run(&["run", s(&cfg), "--quick", "--quiet", "--out", s(&out)]);
    assert!(res.status.success(), "{}", stderr(&res));
    assert!(
        stderr(&res).contains("warning: the initial state lies outside the coarse states"),
        "{}",
        stderr(&res)
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("warning: the initial state lies outside"));
}

fn coverage(dir: &Path) -> serde_json::Value {
    serde_json::from_reader(File::open(dir.join("prediction/coverage.json")).unwrap()).unwrap()
}

fn coverage_of(dir: &Path, pred: &str) -> serde_json::Value {
    serde_json::from_reader(File::open(dir.join(pred).join("coverage.json")).unwrap()).unwrap()
}

/// The embedded demo (N = 64 one-step experiments, 1000 samples, 100 replicas, 50 Δt) learns
/// both laws and predicts with the one whose active law has the higher ELBO, the kernel law (issue 10): its mean is
/// within 0.10 (24 bins) and 0.12 (96 bins) relative L1 error over t = Δt..50Δt, and its 95%
/// band covers ≥ 90% of (replica, bin) values on 96 bins. On 24 bins it covers about 83%: the
/// closure error of a one-step law (about 1/6 bin² of spurious variance per step, see
/// `one_step_kernel_variance_exceeds_the_walkers_by_one_sixth`) is a bias no noise learned
/// from one-step data can show; not asserted, documented in docs/prediction.md. The polynomial
/// law's prediction (`prediction-polynomial/`) still meets issue 4's bar — ≥ 90% on both
/// binnings, the 96-bin band wider — at 3× the error.
#[test]
fn advdiff_demo_covers_the_replicas_for_50_steps() {
    let dir = tmp("pred-demo");
    let res = run(&["run", "--quiet", "--out", s(&dir)]);
    assert!(res.status.success(), "{}", stderr(&res));
    let post: serde_json::Value =
        serde_json::from_reader(File::open(dir.join("model/posterior.json")).unwrap()).unwrap();
    assert_eq!(
        post["law"]["family"], "kernel",
        "the kernel law should win on the ELBO of its active terms"
    );
    let c = coverage(&dir);
    for (b, bar) in [("24", 0.10), ("96", 0.12)] {
        let err = c["binnings"][b]["rel_l1_error_mean"].as_f64().unwrap();
        assert!(err <= bar, "kernel law, {b} bins: error {err} > {bar}");
    }
    let total = c["binnings"]["96"]["coverage_total"].as_f64().unwrap();
    assert!(total >= 0.90, "kernel law, 96 bins: coverage {total}");
    let poly = coverage_of(&dir, "prediction-polynomial");
    for b in ["24", "96"] {
        let total = poly["binnings"][b]["coverage_total"].as_f64().unwrap();
        assert!(total >= 0.90, "polynomial law, {b} bins: coverage {total}");
    }
    let width = |b: &str| -> f64 {
        let w = poly["binnings"][b]["band_width"].as_array().unwrap();
        w.iter().skip(1).map(|x| x.as_f64().unwrap()).sum::<f64>()
    };
    assert!(width("96") > width("24"));
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("Laws compared") && report.contains("hop_probabilities"));
}

/// Issue 4's bar for the synthetic law (N = 256): ≥ 90% at 2, 4, 6, 8 Δt on both binnings.
#[test]
fn synthetic_covers_the_replicas_at_2_4_6_8() {
    let dir = tmp("pred-synthetic");
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/run-synthetic.toml");
    let res = run(&["run", s(&cfg), "--quiet", "--out", s(&dir)]);
    assert!(res.status.success(), "{}", stderr(&res));
    let c = coverage(&dir);
    for b in ["24", "96"] {
        for k in [2, 4, 6, 8] {
            let v = c["binnings"][b]["coverage"][k].as_f64().unwrap();
            assert!(v >= 0.90, "{b} bins, t = {k}Δt: coverage {v}");
        }
    }
}

/// At 20 walkers a bin (16 advection–diffusion trajectories of 8 steps, `nf = 480`, 20 Δt) the
/// full ELBO preferred the polynomial law by 146 nats, and that law predicted five times worse
/// (docs/learning.md, *Ranking laws*). `run` ranks by the ELBO of each law's active terms: it
/// chooses the kernel law, and the chosen law's prediction is the more accurate one on both
/// binnings (measured 0.041 against 0.225 on 24 bins; about 7 s).
#[test]
fn run_chooses_the_better_law_with_few_walkers() {
    let dir = tmp("pred-few-walkers");
    let shipped =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/run-advdiff-trajectories.toml");
    let text = std::fs::read_to_string(shipped)
        .unwrap()
        .replace("\nn = 8\n", "\nn = 16\nnf = 480\n")
        .replace("\nhorizon = 50\n", "\nhorizon = 20\n");
    assert!(text.contains("\nnf = 480\n") && text.contains("\nhorizon = 20\n"));
    let cfg = dir.join("few-walkers.toml");
    std::fs::write(&cfg, text).unwrap();
    let out = dir.join("out");
    let res = run(&["run", s(&cfg), "--quiet", "--out", s(&out)]);
    assert!(res.status.success(), "{}", stderr(&res));
    let post = |m: &str| -> serde_json::Value {
        serde_json::from_reader(File::open(out.join(m).join("posterior.json")).unwrap()).unwrap()
    };
    eprintln!(
        "full ELBO kernel {}, polynomial {}",
        post("model-kernel")["elbo"],
        post("model-polynomial")["elbo"]
    );
    assert_eq!(post("model")["law"]["family"], "kernel");
    let (chosen, other) = (coverage(&out), coverage_of(&out, "prediction-polynomial"));
    for b in ["24", "96"] {
        let err = |c: &serde_json::Value| c["binnings"][b]["rel_l1_error_mean"].as_f64().unwrap();
        assert!(
            err(&chosen) < err(&other),
            "{b} bins: chosen law's error {} >= the other's {}",
            err(&chosen),
            err(&other)
        );
    }
}

/// Burgers through shock formation at CI size (`run --quick`: 32 experiments, 200 samples,
/// 20 replicas, 10 Δt; about 5 s): the 95% bands cover at least 90% of the replicas' values
/// over t >= Δt on 24 and 96 bins (docs/prediction.md: 92.9% and 94.1% at full size), and the
/// mean is within 5% (relative L1) one step after the start.
#[test]
fn burgers_quick_pipeline_covers_through_the_shock() {
    let dir = tmp("pred-burgers-quick");
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/run-burgers.toml");
    let res = run(&["run", s(&cfg), "--quick", "--quiet", "--out", s(&dir)]);
    assert!(res.status.success(), "{}", stderr(&res));
    let c = coverage(&dir);
    for b in ["24", "96"] {
        let total = c["binnings"][b]["coverage_total"].as_f64().unwrap();
        assert!(total >= 0.90, "{b} bins: coverage {total}");
    }
    let err = c["binnings"]["24"]["rel_l1_error"][1].as_f64().unwrap();
    assert!(err < 0.05, "relative L1 error at Δt: {err}");
}

/// Burgers through shock formation (report; about 15 s).
#[test]
#[ignore = "about 15 s; run explicitly"]
fn burgers_pipeline_report() {
    let dir = tmp("pred-burgers");
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/run-burgers.toml");
    let res = run(&["run", s(&cfg), "--out", s(&dir)]);
    assert!(res.status.success(), "{}", stderr(&res));
    eprintln!("{}", String::from_utf8_lossy(&res.stdout));
    let c = coverage(&dir);
    for b in ["24", "96"] {
        eprintln!(
            "{b} bins, coverage per time: {}",
            c["binnings"][b]["coverage"]
        );
    }
}

/// Continuing training experiment I (eq. 2.39): t = 0 is the known X0, t = Δt the latent.
#[test]
fn predict_continues_a_training_experiment() {
    let dir = tmp("pred-experiment");
    let (model, _) = setup(&dir);
    let data = dir.join("data/experiments.npz");
    let out = dir.join("pred");
    let res = run(&[
        "predict",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--experiment",
        "3",
        "--horizon",
        "4",
        "--samples",
        "100",
        "--bins",
        "24",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let mut z =
        ndarray_npy::NpzReader::new(File::open(out.join("density_bins24.npz")).unwrap()).unwrap();
    let mean: Array2<f64> = z.by_name("mean").unwrap();
    assert_eq!(mean.shape(), &[5, 24]);
    // an experiment index out of range, and data the model was not learned on, are refused
    let res = run(&[
        "predict",
        "--model",
        s(&model),
        "--data",
        s(&data),
        "--experiment",
        "99",
        "--horizon",
        "2",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert_eq!(res.status.code(), Some(2), "{}", stderr(&res));
    let other = dir.join("other");
    let r2 = run(&[
        "simulate",
        "--system",
        "advdiff",
        "--n",
        "8",
        "--nf",
        "1200",
        "--seed",
        "9",
        "--quiet",
        "--out",
        s(&other),
    ]);
    assert!(r2.status.success());
    let res = run(&[
        "predict",
        "--model",
        s(&model),
        "--data",
        s(&other.join("experiments.npz")),
        "--experiment",
        "0",
        "--horizon",
        "2",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert_eq!(res.status.code(), Some(2), "{}", stderr(&res));
    assert!(stderr(&res).contains("not the data"), "{}", stderr(&res));
}
