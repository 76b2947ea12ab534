//! The command line as a user meets it: files written, shapes and dtypes, exit codes, messages.

use super::common::*;
use ndarray::{Array1, Array2, Array3};
use ndarray_npy::{NpzReader, WriteNpyExt};
use std::fs::File;
use std::path::Path;

fn npz(path: &Path) -> NpzReader<File> {
    NpzReader::new(File::open(path).unwrap()).unwrap()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_reader(File::open(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn simulate_writes_experiments_for_every_system() {
    for system in ["advdiff", "burgers", "synthetic"] {
        let out = tmp(system);
        let mut args = vec![
            "simulate", "--system", system, "--n", "5", "--seed", "3", "--bins", "8", "--nf",
            "200", "--quiet", "--out",
        ];
        let o = out.to_str().unwrap();
        args.push(o);
        if system != "synthetic" {
            args.extend(["--steps", "20"]);
        }
        let res = run(&args);
        assert!(res.status.success(), "{system}: {}", stderr(&res));
        let mut z = npz(&out.join("experiments.npz"));
        let x0: Array2<f64> = z.by_name("X0").unwrap();
        let p0: Array2<f64> = z.by_name("positions0").unwrap();
        let counts: Array2<i64> = z.by_name("counts").unwrap();
        let p: Array2<f64> = z.by_name("positions").unwrap();
        let domain: Array1<f64> = z.by_name("domain").unwrap();
        assert_eq!(x0.shape(), &[5, 8]);
        assert_eq!(p0.shape(), &[5, 200]);
        assert_eq!(counts.shape(), &[5, 8]);
        assert_eq!(p.shape(), &[5, 200]);
        assert_eq!(domain.to_vec(), vec![-1.0, 1.0]);
        for i in 0..5 {
            assert_eq!(counts.row(i).sum(), 200);
            assert!(x0.row(i).sum().abs() < 1e-12);
        }
        let m = manifest(&out);
        assert_eq!(m["system"], system);
        assert_eq!(m["seed"], 3);
        assert_eq!(m["format_version"], 2);
        assert_eq!(m["scalebridge_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(m["parameters"]["nc"], 8);
        let dt = m["dt"].as_f64().unwrap();
        let expected_dt = if system == "synthetic" {
            1.0
        } else {
            20.0 * 2.5e-3
        };
        assert!((dt - expected_dt).abs() < 1e-12);
    }
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let (a, b) = (tmp("sim-rep-a"), tmp("sim-rep-b"));
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        let res = run(&[
            "--threads",
            threads,
            "simulate",
            "--system",
            "burgers",
            "--n",
            "6",
            "--nf",
            "150",
            "--steps",
            "30",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(res.status.success(), "{}", stderr(&res));
    }
    let read = |d: &Path| std::fs::read(d.join("experiments.npz")).unwrap();
    assert_eq!(read(&a), read(&b));
}

#[test]
fn trajectory_from_one_fine_state() {
    let out = tmp("sim-traj");
    let init = out.join("x0.npy");
    let x0 = Array1::from_iter((0..100).map(|i| -1.0 + 2.0 * (i as f64 + 0.5) / 100.0));
    x0.write_npy(File::create(&init).unwrap()).unwrap();
    let res = run(&[
        "simulate",
        "--system",
        "advdiff",
        "--n",
        "3",
        "--trajectory",
        "4",
        "--initial",
        init.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let mut z = npz(&out.join("trajectory.npz"));
    let t: Array1<f64> = z.by_name("t").unwrap();
    let p: Array3<f64> = z.by_name("positions").unwrap();
    assert_eq!(t.to_vec(), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
    assert_eq!(p.shape(), &[3, 5, 100]);
    assert!(
        z.by_name::<ndarray::OwnedRepr<f64>, ndarray::Ix2>("X0")
            .is_err()
    );
    assert_eq!(p.slice(ndarray::s![2, 0, ..]).to_vec(), x0.to_vec());
    assert_eq!(manifest(&out)["horizon"], 4);
}

#[test]
fn synthetic_trajectory_from_a_coarse_state() {
    let out = tmp("sim-traj-syn");
    let init = out.join("X0.npy");
    Array1::from_iter((0..24).map(|j| 0.3 * (j as f64 * 0.5).sin()))
        .write_npy(File::create(&init).unwrap())
        .unwrap();
    let res = run(&[
        "simulate",
        "--system",
        "synthetic",
        "--n",
        "2",
        "--nf",
        "500",
        "--trajectory",
        "3",
        "--initial-coarse",
        init.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let mut z = npz(&out.join("trajectory.npz"));
    let x0: Array2<f64> = z.by_name("X0").unwrap();
    assert_eq!(x0.shape(), &[2, 24]);
    assert_eq!(x0.row(0), x0.row(1));
    // fine initial state given to a coarse-driven system is refused
    let res = run(&[
        "simulate",
        "--system",
        "synthetic",
        "--n",
        "2",
        "--trajectory",
        "3",
        "--initial",
        init.to_str().unwrap(),
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(2), "{}", stderr(&res));
}

/// Each bad input exits with 2 and a one-line message that names the culprit.
#[test]
fn bad_input_exits_2_with_a_named_message() {
    let out = tmp("sim-bad");
    let o = out.to_str().unwrap();
    let cfg = out.join("bad.toml");
    std::fs::write(&cfg, "kl = 0.7\nkr = 0.6\n").unwrap();
    let unknown = out.join("unknown.toml");
    std::fs::write(&unknown, "kl = 0.1\nviscosity = 3\n").unwrap();
    let blocker = out.join("file");
    std::fs::write(&blocker, "").unwrap();
    let bad_npy = out.join("bad.npy");
    // positions of any numeric dtype are read; booleans are not numbers
    Array1::from(vec![true, false])
        .write_npy(File::create(&bad_npy).unwrap())
        .unwrap();
    let outside = out.join("outside.npy");
    Array1::from(vec![0.0, 1.5])
        .write_npy(File::create(&outside).unwrap())
        .unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--config", cfg.to_str().unwrap()], "kl + kr"),
        (vec!["--config", unknown.to_str().unwrap()], "viscosity"),
        (vec!["--nf", "0"], "nf"),
        (vec!["--bins", "2"], "nc"),
        (vec!["--system", "ising"], "system"),
        (
            vec!["--system", "burgers", "--config", cfg.to_str().unwrap()],
            "kl",
        ),
        (vec!["--amplitude", "-1"], "amplitude"),
        (vec!["--n", "0"], "n"),
        (
            vec!["--trajectory", "2", "--initial", bad_npy.to_str().unwrap()],
            "found dtype",
        ),
        (
            vec!["--trajectory", "2", "--initial", outside.to_str().unwrap()],
            "domain",
        ),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["simulate", "--quiet", "--out", o];
        args.extend(extra.iter().copied());
        let res = run(&args);
        let msg = stderr(&res);
        assert_eq!(res.status.code(), Some(2), "{args:?}: {msg}");
        assert!(msg.contains(needle), "{args:?}: {msg}");
        assert_eq!(
            msg.trim().lines().count(),
            1,
            "{args:?}: not one line: {msg}"
        );
        assert!(!msg.contains("panicked"), "{msg}");
    }
    // ymin >= ymax from a config file
    std::fs::write(&cfg, "ymin = 1.0\nymax = 0.0\n").unwrap();
    let res = run(&[
        "simulate",
        "--quiet",
        "--out",
        o,
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(2));
    assert!(stderr(&res).contains("ymin"));
    // unwritable output: a file where the directory should be
    let res = run(&[
        "simulate",
        "--quiet",
        "--n",
        "2",
        "--out",
        blocker.join("sub").to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(2), "{}", stderr(&res));
    assert!(stderr(&res).contains("cannot write"));
}

#[test]
fn failed_run_leaves_the_previous_output_intact() {
    let out = tmp("sim-keep");
    let o = out.to_str().unwrap();
    let res = run(&["simulate", "--n", "2", "--nf", "50", "--quiet", "--out", o]);
    assert!(res.status.success());
    let before = std::fs::read(out.join("experiments.npz")).unwrap();
    let res = run(&["simulate", "--n", "2", "--nf", "0", "--quiet", "--out", o]);
    assert_eq!(res.status.code(), Some(2));
    assert_eq!(std::fs::read(out.join("experiments.npz")).unwrap(), before);
    // no temporary files left behind
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

#[test]
fn help_lists_the_simulate_options() {
    let res = run(&["simulate", "--help"]);
    let text = String::from_utf8_lossy(&res.stdout);
    for flag in [
        "--system",
        "--n",
        "--seed",
        "--out",
        "--config",
        "--bins",
        "--nf",
        "--steps",
        "--amplitude",
        "--trajectory",
        "--initial",
        "--initial-coarse",
        "--quiet",
    ] {
        assert!(text.contains(flag), "missing {flag}");
    }
}

#[test]
fn shipped_configs_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    for name in ["advdiff", "burgers", "synthetic"] {
        let out = tmp(&format!("cfg-{name}"));
        let cfg = root.join(format!("{name}.toml"));
        // tiny overrides from the command line: the file's values are validated all the same
        let mut args = vec![
            "simulate",
            "--config",
            cfg.to_str().unwrap(),
            "--n",
            "2",
            "--nf",
            "100",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        if name != "synthetic" {
            args.extend(["--steps", "5"]);
        }
        let res = run(&args);
        assert!(res.status.success(), "{name}: {}", stderr(&res));
        assert_eq!(manifest(&out)["system"], name);
    }
}
