//! `scalebridge learn`, `show`, `compare` as a user meets them.

use super::common::*;
use ndarray::{Array1, Array2};
use ndarray_npy::NpzWriter;
use std::fs::File;
use std::path::{Path, PathBuf};

fn simulate(dir: &Path, seed: &str) {
    let res = run(&[
        "simulate",
        "--system",
        "synthetic",
        "--n",
        "24",
        "--nf",
        "2000",
        "--seed",
        seed,
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
}

#[test]
fn learn_show_compare_end_to_end() {
    let dir = tmp("learn-e2e");
    simulate(&dir, "1");
    let data = dir.join("experiments.npz");
    let (m1, m2) = (dir.join("m1"), dir.join("m2"));
    for (out, range) in [(&m1, "1"), (&m2, "2")] {
        let res = run(&[
            "learn",
            "--data",
            data.to_str().unwrap(),
            "--range",
            range,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(res.status.success(), "{}", stderr(&res));
    }
    let post: serde_json::Value =
        serde_json::from_reader(File::open(m2.join("posterior.json")).unwrap()).unwrap();
    for key in [
        "names",
        "theta_mean",
        "theta_std",
        "theta_cov",
        "active",
        "noise_var",
        "elbo",
        "elbo_trace",
        "iterations",
        "converged",
        "law",
        "nc",
        "nf",
        "theta_std_marginal",
    ] {
        assert!(post.get(key).is_some(), "posterior.json lacks {key}");
    }
    assert_eq!(post["law"]["family"], "polynomial");
    assert_eq!(post["law"]["M"], 2);
    assert_eq!(post["names"].as_array().unwrap().len(), 20);
    assert_eq!(post["theta_cov"].as_array().unwrap().len(), 20);
    let manifest: serde_json::Value =
        serde_json::from_reader(File::open(m2.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["domain"], serde_json::json!([-1.0, 1.0]));
    assert_eq!(manifest["dt"], 1.0);
    let mut z = ndarray_npy::NpzReader::new(File::open(m2.join("latent.npz")).unwrap()).unwrap();
    let mean: Array2<f64> = z.by_name("mean").unwrap();
    let std: Array2<f64> = z.by_name("std").unwrap();
    assert_eq!(mean.shape(), &[24, 24]);
    assert!(std.iter().all(|s| *s > 0.0));

    let show = run(&["show", m2.to_str().unwrap()]);
    assert!(show.status.success());
    let text = String::from_utf8_lossy(&show.stdout);
    assert!(
        text.contains("X(j-1)") && text.contains(" ± ") && text.contains("ELBO"),
        "{text}"
    );
    assert!(
        text.contains("pruned:") && text.contains("noise:"),
        "{text}"
    );

    let cmp = run(&["compare", m1.to_str().unwrap(), m2.to_str().unwrap()]);
    assert!(cmp.status.success(), "{}", stderr(&cmp));
    let table = String::from_utf8_lossy(&cmp.stdout);
    assert_eq!(table.lines().count(), 5, "{table}");
    assert!(
        table.contains("best (highest ELBO of the active law)")
            && table.contains("active-law ELBO"),
        "{table}"
    );

    // a model learned on other data is refused
    let other = tmp("learn-other");
    simulate(&other, "2");
    let m3 = other.join("m3");
    let res = run(&[
        "learn",
        "--data",
        other.join("experiments.npz").to_str().unwrap(),
        "--range",
        "1",
        "--out",
        m3.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(res.status.success());
    let cmp = run(&["compare", m1.to_str().unwrap(), m3.to_str().unwrap()]);
    assert_eq!(cmp.status.code(), Some(2), "{}", stderr(&cmp));
    assert!(stderr(&cmp).contains("different data"));
}

/// Writes the arrays of one bad-input case.
type Filler = Box<dyn FnOnce(&mut NpzWriter<File>)>;

fn write_npz(path: &Path, f: impl FnOnce(&mut NpzWriter<File>)) {
    let mut w = NpzWriter::new(File::create(path).unwrap());
    f(&mut w);
    w.finish().unwrap();
}

/// Every bad input: exit 2, one line naming the file, the array and the problem.
#[test]
fn bad_training_data_is_named() {
    let dir = tmp("learn-bad");
    let x0 = Array2::<f64>::zeros((4, 6));
    let counts = Array2::<i64>::from_elem((4, 6), 10);
    let mut cases: Vec<(&str, Filler, &str, &str)> = vec![
        (
            "missing",
            Box::new(|w| w.add_array("X0", &Array2::<f64>::zeros((4, 6))).unwrap()),
            "counts",
            "missing",
        ),
        (
            "dtype",
            Box::new(|w| {
                w.add_array("X0", &Array2::<bool>::from_elem((4, 6), false))
                    .unwrap();
                w.add_array("counts", &Array2::<i64>::from_elem((4, 6), 10))
                    .unwrap();
            }),
            "X0",
            "found dtype",
        ),
        (
            "shape",
            Box::new(|w| {
                w.add_array("X0", &Array2::<f64>::zeros((4, 6))).unwrap();
                w.add_array("counts", &Array2::<i64>::from_elem((4, 5), 10))
                    .unwrap();
            }),
            "counts",
            "shape",
        ),
        (
            "negative",
            Box::new(|w| {
                let mut c = Array2::<i64>::from_elem((4, 6), 10);
                c[[2, 3]] = -1;
                c[[2, 4]] = 11;
                w.add_array("X0", &Array2::<f64>::zeros((4, 6))).unwrap();
                w.add_array("counts", &c).unwrap();
            }),
            "counts",
            "negative",
        ),
        (
            "rowsum",
            Box::new(|w| {
                let mut c = Array2::<i64>::from_elem((4, 6), 10);
                c[[1, 0]] = 12;
                w.add_array("X0", &Array2::<f64>::zeros((4, 6))).unwrap();
                w.add_array("counts", &c).unwrap();
            }),
            "counts",
            "row 1",
        ),
        (
            "nan",
            Box::new(|w| {
                let mut x = Array2::<f64>::zeros((4, 6));
                x[[3, 2]] = f64::NAN;
                w.add_array("X0", &x).unwrap();
                w.add_array("counts", &Array2::<i64>::from_elem((4, 6), 10))
                    .unwrap();
            }),
            "X0",
            "non-finite",
        ),
        (
            "one",
            Box::new(|w| {
                w.add_array("X0", &Array2::<f64>::zeros((1, 6))).unwrap();
                w.add_array("counts", &Array2::<i64>::from_elem((1, 6), 10))
                    .unwrap();
            }),
            "X0",
            "at least 2",
        ),
        (
            "domain",
            Box::new(|w| {
                w.add_array("X0", &Array2::<f64>::zeros((4, 6))).unwrap();
                w.add_array("counts", &Array2::<i64>::from_elem((4, 6), 10))
                    .unwrap();
                w.add_array("domain", &Array1::from(vec![1.0, f64::INFINITY]))
                    .unwrap();
            }),
            "domain",
            "interval",
        ),
    ];
    // int32 counts from NumPy are accepted
    let ok = dir.join("int32.npz");
    write_npz(&ok, |w| {
        w.add_array("X0", &x0).unwrap();
        w.add_array("counts", &counts.mapv(|c| c as i32)).unwrap();
    });
    let res = run(&[
        "learn",
        "--data",
        ok.to_str().unwrap(),
        "--range",
        "1",
        "--order",
        "1",
        "--max-iter",
        "5",
        "--quiet",
        "--out",
        dir.join("okm").to_str().unwrap(),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    for (name, fill, field, problem) in cases.drain(..) {
        let p = dir.join(format!("{name}.npz"));
        write_npz(&p, fill);
        let res = run(&[
            "learn",
            "--data",
            p.to_str().unwrap(),
            "--range",
            "1",
            "--quiet",
            "--out",
            dir.join("m").to_str().unwrap(),
        ]);
        let msg = stderr(&res);
        assert_eq!(res.status.code(), Some(2), "{name}: {msg}");
        assert!(
            msg.contains(p.to_str().unwrap()) && msg.contains(field) && msg.contains(problem),
            "{name}: {msg}"
        );
        assert_eq!(msg.trim().lines().count(), 1, "{name}: {msg}");
    }
    // M too large for nc = 6: 2M+1 = 7 > 6
    let res = run(&[
        "learn",
        "--data",
        ok.to_str().unwrap(),
        "--range",
        "3",
        "--quiet",
        "--out",
        dir.join("m").to_str().unwrap(),
    ]);
    assert_eq!(res.status.code(), Some(2));
    assert!(
        stderr(&res).contains("range") && stderr(&res).contains("2M+1"),
        "{}",
        stderr(&res)
    );
    // a missing model directory for show
    let res = run(&["show", dir.join("nothing").to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(2));
    assert!(stderr(&res).contains("posterior.json"));
}

/// Same data, same seed: `posterior.json` is the same bytes on 1 and 2 threads.
#[test]
fn posterior_json_is_bit_identical_across_threads() {
    let dir = tmp("learn-threads");
    simulate(&dir, "5");
    let data = dir.join("experiments.npz");
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.join(format!("m{threads}"));
        let res = run(&[
            "--threads",
            threads,
            "learn",
            "--data",
            data.to_str().unwrap(),
            "--range",
            "2",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(res.status.success(), "{}", stderr(&res));
        outs.push(std::fs::read(out.join("posterior.json")).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
}

/// `.npz` written compressed (as `numpy.savez_compressed` does) is read like an uncompressed
/// one: the same data give the same posterior, bit for bit.
#[test]
fn compressed_npz_is_read() {
    let dir = tmp("learn-compressed");
    simulate(&dir, "4");
    let plain = dir.join("experiments.npz");
    let mut z = ndarray_npy::NpzReader::new(File::open(&plain).unwrap()).unwrap();
    let x0: Array2<f64> = z.by_name("X0").unwrap();
    let counts: Array2<i64> = z.by_name("counts").unwrap();
    let domain: Array1<f64> = z.by_name("domain").unwrap();
    std::fs::create_dir_all(dir.join("c")).unwrap();
    let write = |path: &Path, compressed: bool| {
        let f = File::create(path).unwrap();
        let mut w = if compressed {
            NpzWriter::new_compressed(f)
        } else {
            NpzWriter::new(f)
        };
        w.add_array("X0", &x0).unwrap();
        w.add_array("counts", &counts).unwrap();
        w.add_array("domain", &domain).unwrap();
        w.finish().unwrap();
    };
    let packed = dir.join("c/experiments.npz");
    write(&packed, true);
    write(&dir.join("c/stored.npz"), false);
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(
        size(&packed) < size(&dir.join("c/stored.npz")),
        "not compressed"
    );
    for (data, out) in [(&plain, "m-plain"), (&packed, "m-packed")] {
        let res = run(&[
            "learn",
            "--data",
            s(data),
            "--range",
            "1",
            "--quiet",
            "--out",
            s(&dir.join(out)),
        ]);
        assert!(res.status.success(), "{}", stderr(&res));
    }
    let post = |m: &str| {
        let mut v: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(m).join("posterior.json")).unwrap(),
        )
        .unwrap();
        v.as_object_mut().unwrap().remove("params");
        v
    };
    assert_eq!(post("m-plain"), post("m-packed"));
}

/// `learn --law kernel`: the hop table in `show`, the law in `posterior.json` and in
/// `compare`, a prediction from it, bit-identical across thread counts; options of the other
/// family are refused with exit 2.
#[test]
fn kernel_law_end_to_end() {
    let dir = tmp("learn-kernel");
    let res = run(&[
        "simulate",
        "--system",
        "advdiff",
        "--n",
        "32",
        "--seed",
        "3",
        "--quiet",
        "--out",
        s(&dir),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let data = dir.join("experiments.npz");
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.join(format!("k{threads}"));
        let res = run(&[
            "--threads",
            threads,
            "learn",
            "--data",
            s(&data),
            "--law",
            "kernel",
            "--hop",
            "2",
            "--density-features",
            "u,sat",
            "--modes",
            "1",
            "--out",
            s(&out),
            "--quiet",
        ]);
        assert!(res.status.success(), "{}", stderr(&res));
        outs.push(std::fs::read(out.join("posterior.json")).unwrap());
    }
    assert_eq!(outs[0], outs[1], "kernel posterior differs across threads");
    let k = dir.join("k1");
    let post: serde_json::Value =
        serde_json::from_reader(File::open(k.join("posterior.json")).unwrap()).unwrap();
    assert_eq!(post["law"]["family"], "kernel");
    assert_eq!(post["law"]["hop"], 2);
    assert_eq!(
        post["law"]["features"],
        serde_json::json!(["1", "u", "u/(1+u)", "sin(2πy/P)", "cos(2πy/P)"])
    );
    assert_eq!(post["names"].as_array().unwrap().len(), 20);

    let show = run(&["show", s(&k)]);
    assert!(show.status.success(), "{}", stderr(&show));
    let text = String::from_utf8_lossy(&show.stdout);
    for want in [
        "hop probabilities K_b",
        "uniform (u = 1)",
        "hop(+1): 1",
        "kernel (B = 2",
    ] {
        assert!(text.contains(want), "show lacks `{want}`:\n{text}");
    }
    // density and position rows, or one line saying there is no dependence
    assert!(
        text.contains("density u = 4") || text.contains("no dependence on density"),
        "{text}"
    );
    assert!(
        text.contains("y/P = ") || text.contains("position (every K_b"),
        "{text}"
    );

    let p = dir.join("p");
    let res = run(&[
        "learn",
        "--data",
        s(&data),
        "--range",
        "2",
        "--order",
        "1",
        "--out",
        s(&p),
        "--quiet",
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let cmp = run(&["compare", s(&k), s(&p)]);
    assert!(cmp.status.success(), "{}", stderr(&cmp));
    let table = String::from_utf8_lossy(&cmp.stdout);
    assert!(
        table.contains("kernel (B = 2") && table.contains("polynomial (M = 2, order 1)"),
        "{table}"
    );
    assert!(
        table.contains("best (highest ELBO of the active law)"),
        "{table}"
    );

    let pred = dir.join("pred");
    let res = run(&[
        "predict",
        "--model",
        s(&k),
        "--data",
        s(&data),
        "--experiment",
        "0",
        "--horizon",
        "5",
        "--samples",
        "50",
        "--out",
        s(&pred),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    assert!(pred.join("density_bins24.npz").exists());

    let bad = dir.join("bad");
    for (args, name) in [
        (vec!["--law", "kernel", "--range", "2"], "range"),
        (
            vec!["--law", "polynomial", "--range", "2", "--hop", "1"],
            "hop",
        ),
        (vec!["--law", "polynomial"], "range"),
        (
            vec!["--law", "kernel", "--density-features", "rho"],
            "density-features",
        ),
        (vec!["--law", "kernel", "--hop", "12"], "hop"),
    ] {
        let mut full = vec!["learn", "--data", s(&data), "--out", s(&bad), "--quiet"];
        full.extend(args.iter().copied());
        let res = run(&full);
        assert_eq!(res.status.code(), Some(2), "{args:?}: {}", stderr(&res));
        assert!(stderr(&res).contains(name), "{args:?}: {}", stderr(&res));
    }
}

/// Small advection–diffusion runs in `dir/data`: 4 runs of 3 steps, 600 walkers, 8 bins; the
/// path of their `trajectory.npz`.
fn small_runs(dir: &Path) -> PathBuf {
    small_runs_on(dir, "8")
}

/// [`small_runs`] on `bins` coarse bins.
fn small_runs_on(dir: &Path, bins: &str) -> PathBuf {
    let data = dir.join("data");
    let res = run(&[
        "simulate",
        "--system",
        "advdiff",
        "--n",
        "4",
        "--trajectory",
        "3",
        "--nf",
        "600",
        "--bins",
        bins,
        "--seed",
        "2",
        "--quiet",
        "--out",
        s(&data),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    data.join("trajectory.npz")
}

/// `predict` continues run `experiment` of `file` with `model` for 3 steps on 8 bins.
fn continue_run(model: &Path, file: &Path, experiment: usize, out: &Path) {
    let experiment = experiment.to_string();
    let res = run(&[
        "predict",
        "--model",
        s(model),
        "--data",
        s(file),
        "--experiment",
        &experiment,
        "--horizon",
        "3",
        "--samples",
        "50",
        "--bins",
        "8",
        "--quiet",
        "--out",
        s(out),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
}

/// At 8 bins the kernel law keeps the position modes the bins resolve (`k = 1..3`; a mode
/// `k ≥ nc/2` repeats a lower one at the bin centres) whether the six modes are the default or
/// asked for, and the model predicts.
#[test]
fn kernel_law_keeps_the_modes_the_bins_resolve() {
    let dir = tmp("learn-kernel-bins8");
    let file = small_runs(&dir);
    let mut posts = Vec::new();
    for (name, extra) in [("default", vec![]), ("six", vec!["--modes", "6"])] {
        let model = dir.join(name);
        let mut args = vec!["learn", "--data", s(&file), "--law", "kernel", "--quiet"];
        args.extend(extra);
        args.extend(["--out", s(&model)]);
        let res = run(&args);
        assert!(res.status.success(), "{name}: {}", stderr(&res));
        posts.push(std::fs::read(model.join("posterior.json")).unwrap());
    }
    assert_eq!(
        posts[0], posts[1],
        "--modes 6 and the default differ at 8 bins"
    );
    let post: serde_json::Value = serde_json::from_slice(&posts[0]).unwrap();
    assert_eq!(
        post["law"]["features"],
        serde_json::json!([
            "1",
            "u",
            "sin(2πy/P)",
            "cos(2πy/P)",
            "sin(2π2y/P)",
            "cos(2π2y/P)",
            "sin(2π3y/P)",
            "cos(2π3y/P)"
        ])
    );
    assert_eq!(post["names"].as_array().unwrap().len(), 4 * 8);
    continue_run(&dir.join("default"), &file, 0, &dir.join("pred"));
}

/// On 4 bins a kernel law with the hop range left open starts at `B = 1` (the default 2 would
/// wrap a hop onto itself, `2B + 1 > nc`); a range given as 2 is refused with exit code 2.
#[test]
fn kernel_law_on_few_bins_starts_at_the_widest_range_they_allow() {
    let dir = tmp("learn-kernel-bins4");
    let file = small_runs_on(&dir, "4");
    let model = dir.join("m");
    let res = run(&[
        "learn",
        "--data",
        s(&file),
        "--law",
        "kernel",
        "--quiet",
        "--out",
        s(&model),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let post: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("posterior.json")).unwrap()).unwrap();
    assert_eq!(post["law"]["hop"], 1);
    let res = run(&[
        "learn",
        "--data",
        s(&file),
        "--law",
        "kernel",
        "--hop",
        "2",
        "--quiet",
        "--out",
        s(&dir.join("m2")),
    ]);
    assert_eq!(res.status.code(), Some(2), "{}", stderr(&res));
    assert!(stderr(&res).contains("2B+1 <= nc = 4"), "{}", stderr(&res));
}

/// `X0` written as float32 (NumPy's default for many user pipelines) is read and widened.
#[test]
fn float32_x0_is_read() {
    let dir = tmp("learn-f32");
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("d.npz");
    let x0 = Array2::<f32>::from_shape_fn((8, 6), |(i, j)| ((i + j) % 3) as f32 * 0.3);
    let counts = Array2::<i64>::from_shape_fn((8, 6), |(i, j)| 10 + ((i * 7 + j * 3) % 5) as i64);
    // every row must hold the same nf: fix up the last column
    let mut counts = counts;
    for i in 0..8 {
        let s: i64 = (0..5).map(|j| counts[(i, j)]).sum();
        counts[(i, 5)] = 80 - s;
    }
    write_npz(&data, |w| {
        w.add_array("X0", &x0).unwrap();
        w.add_array("counts", &counts).unwrap();
    });
    let res = run(&[
        "learn",
        "--data",
        s(&data),
        "--range",
        "1",
        "--order",
        "1",
        "--out",
        s(&dir.join("m")),
        "--quiet",
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
}

/// Whatever numeric dtype NumPy wrote holds the numbers the user meant: trajectories with
/// `counts` as uint16 and `domain` as int64 (`np.array([0, 1])`), or `positions` as float32, give
/// the same fit as the float64/int64 arrays `simulate` writes; a boolean `domain` is refused.
#[test]
fn numpy_dtypes_give_the_same_fit() {
    use ndarray::Array3;
    let dir = tmp("learn-dtypes");
    let file = small_runs(&dir);
    let mut z = ndarray_npy::NpzReader::new(File::open(&file).unwrap()).unwrap();
    let counts: Array3<i64> = z.by_name("counts").unwrap();
    let domain: Array1<f64> = z.by_name("domain").unwrap();
    let positions: Array3<f64> = z.by_name("positions").unwrap();
    assert_eq!(
        domain.to_vec(),
        vec![-1.0, 1.0],
        "the test writes the domain as integers"
    );
    let fit = |name: &str, fill: Filler, extra: &[&str]| {
        let p = dir.join(format!("{name}.npz"));
        write_npz(&p, fill);
        let out = dir.join(format!("m-{name}"));
        let mut args = vec!["learn", "--data", s(&p), "--range", "1", "--order", "1"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--max-iter", "8", "--quiet", "--out", s(&out)]);
        let res = run(&args);
        (res, out)
    };
    let c = counts.clone();
    let (res, base) = fit(
        "i64",
        Box::new(move |w| {
            w.add_array("counts", &c).unwrap();
            w.add_array("domain", &Array1::from(vec![-1.0f64, 1.0]))
                .unwrap();
        }),
        &[],
    );
    assert!(res.status.success(), "{}", stderr(&res));
    let theta = |out: &Path| {
        let post: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("posterior.json")).unwrap())
                .unwrap();
        (post["theta_mean"].clone(), post["elbo"].clone())
    };
    let want = theta(&base);
    let c = counts.mapv(|v| u16::try_from(v).unwrap());
    let (res, out) = fit(
        "u16",
        Box::new(move |w| {
            w.add_array("counts", &c).unwrap();
            w.add_array("domain", &Array1::from(vec![-1i64, 1]))
                .unwrap();
        }),
        &[],
    );
    assert!(res.status.success(), "{}", stderr(&res));
    assert_eq!(theta(&out), want);
    // positions binned on 8 bins of [−1, 1): the same counts as `simulate`'s (float32 keeps these
    // positions' bins: none lies within float32's rounding of a bin edge, checked below)
    let pos32 = positions.mapv(|y| y as f32);
    let same_bins = positions
        .iter()
        .zip(&pos32)
        .all(|(a, b)| ((a + 1.0) / 0.25).floor() == ((f64::from(*b) + 1.0) / 0.25).floor());
    assert!(
        same_bins,
        "float32 moved a walker across a bin edge; pick another seed"
    );
    let (res, out) = fit(
        "f32",
        Box::new(move |w| {
            w.add_array("positions", &pos32).unwrap();
            w.add_array("domain", &Array1::from(vec![-1.0f32, 1.0]))
                .unwrap();
        }),
        &["--nc", "8"],
    );
    assert!(res.status.success(), "{}", stderr(&res));
    assert_eq!(theta(&out), want);
    let c = counts.clone();
    let (res, _) = fit(
        "bool",
        Box::new(move |w| {
            w.add_array("counts", &c).unwrap();
            w.add_array("domain", &Array1::from(vec![false, true]))
                .unwrap();
        }),
        &[],
    );
    let msg = stderr(&res);
    assert_eq!(res.status.code(), Some(2), "{msg}");
    assert!(
        msg.contains("domain") && msg.contains("found dtype"),
        "{msg}"
    );
    assert_eq!(msg.trim().lines().count(), 1, "{msg}");
}

/// Bad trajectories (issue 12): exit 2, one line naming the file, the array and the problem.
#[test]
fn bad_trajectories_are_named() {
    use ndarray::Array3;
    let dir = tmp("learn-bad-runs");
    let good = || Array3::<i64>::from_elem((3, 4, 6), 10);
    let mut cases: Vec<(&str, Filler, &str, &str)> = vec![
        (
            "negative",
            Box::new(move |w| {
                let mut c = good();
                c[[1, 2, 3]] = -1;
                w.add_array("counts", &c).unwrap();
            }),
            "counts",
            "negative",
        ),
        (
            "zero-row",
            Box::new(move |w| {
                let mut c = good();
                for j in 0..6 {
                    c[[2, 3, j]] = 0;
                }
                w.add_array("counts", &c).unwrap();
            }),
            "counts",
            "no walkers",
        ),
        (
            "one-time",
            Box::new(|w| {
                w.add_array("counts", &Array3::<i64>::from_elem((3, 1, 6), 10))
                    .unwrap();
            }),
            "counts",
            "at least 2",
        ),
        (
            "nan",
            Box::new(|w| {
                let mut c = Array3::<f64>::from_elem((3, 4, 6), 10.0);
                c[[0, 1, 2]] = f64::NAN;
                w.add_array("counts", &c).unwrap();
            }),
            "counts",
            "non-finite",
        ),
        (
            "fraction",
            Box::new(|w| {
                let mut c = Array3::<f64>::from_elem((3, 4, 6), 10.0);
                c[[0, 1, 2]] = 2.5;
                w.add_array("counts", &c).unwrap();
            }),
            "counts",
            "whole number",
        ),
        (
            "positions-without-domain",
            Box::new(|w| {
                w.add_array("positions", &Array3::<f64>::zeros((3, 4, 20)))
                    .unwrap();
            }),
            "positions",
            "domain",
        ),
    ];
    for (name, fill, field, problem) in cases.drain(..) {
        let p = dir.join(format!("{name}.npz"));
        write_npz(&p, fill);
        let res = run(&[
            "learn",
            "--data",
            p.to_str().unwrap(),
            "--range",
            "1",
            "--quiet",
            "--out",
            dir.join("m").to_str().unwrap(),
        ]);
        let msg = stderr(&res);
        assert_eq!(res.status.code(), Some(2), "{name}: {msg}");
        assert!(
            msg.contains(p.to_str().unwrap()) && msg.contains(field) && msg.contains(problem),
            "{name}: {msg}"
        );
        assert_eq!(msg.trim().lines().count(), 1, "{name}: {msg}");
    }
}

/// Trajectories end to end: `simulate --trajectory` writes `counts`, `learn` fits every state
/// latent and writes `latent.npz` `(N, T+1, nc)`, `predict --experiment` continues a run.
#[test]
fn trajectories_learn_and_continue_a_run() {
    let dir = tmp("learn-runs");
    let file = small_runs(&dir);
    let model = dir.join("model");
    let res = run(&[
        "learn",
        "--data",
        s(&file),
        "--range",
        "1",
        "--order",
        "1",
        "--quiet",
        "--out",
        s(&model),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let mut z = ndarray_npy::NpzReader::new(File::open(model.join("latent.npz")).unwrap()).unwrap();
    let mean: ndarray::Array3<f64> = z.by_name("mean").unwrap();
    assert_eq!(mean.shape(), &[4, 4, 8]);
    let manifest = std::fs::read_to_string(model.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"training\": \"trajectories\""),
        "{manifest}"
    );
    continue_run(&model, &file, 1, &dir.join("pred"));
    let res = run(&[
        "predict",
        "--model",
        s(&model),
        "--data",
        s(&file),
        "--experiment",
        "4",
        "--horizon",
        "3",
        "--quiet",
        "--out",
        s(&dir.join("pred2")),
    ]);
    assert_eq!(res.status.code(), Some(2), "{}", stderr(&res));
    assert!(stderr(&res).contains("experiment"), "{}", stderr(&res));
}
