//! Inputs that used to crash the program or pass silently: each is now one line on stderr and
//! exit code 2 (or, where a default is a documented choice, a printed note).

use crate::common::{run, s, stderr, tmp};
use std::path::Path;
use std::process::Output;

/// Exit 2 with exactly one line, starting `error:` and containing every word of `needles`.
fn assert_bad_input(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

/// Small data and a model learned on it.
fn model(dir: &Path) {
    let o = run(&[
        "simulate",
        "--n",
        "6",
        "--nf",
        "200",
        "--bins",
        "8",
        "--seed",
        "1",
        "--quiet",
        "--out",
        s(&dir.join("d")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&[
        "learn",
        "--data",
        s(&dir.join("d/experiments.npz")),
        "--range",
        "1",
        "--order",
        "1",
        "--max-iter",
        "40",
        "--quiet",
        "--out",
        s(&dir.join("m")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `predict` continuing experiment `i` of `data` with model `model`, 2 steps, 10 samples.
fn predict_experiment(model: &str, data: &Path, i: &str, out: &Path) -> Output {
    run(&[
        "predict",
        "--model",
        model,
        "--data",
        s(data),
        "--experiment",
        i,
        "--horizon",
        "2",
        "--samples",
        "10",
        "--quiet",
        "--out",
        s(out),
    ])
}

/// Copies model `m` to `name` with `edit` applied to its posterior.json.
fn tampered(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for f in ["posterior.json", "latent.npz", "manifest.json"] {
        std::fs::copy(dir.join("m").join(f), to.join(f)).unwrap();
    }
    let p = to.join("posterior.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    s(&to).to_owned()
}

#[test]
fn broken_model_files_are_one_line_errors() {
    let dir = tmp("robust-model");
    model(&dir);
    let data = dir.join("d/experiments.npz");
    // a short `active` array used to panic `show`
    let m = tampered(&dir, "short-active", |v| {
        v["active"].as_array_mut().unwrap().pop();
    });
    assert_bad_input(&run(&["show", &m]), &["posterior.json", "active"]);
    // a short `theta_cov_marginal` used to panic `predict`
    let m = tampered(&dir, "short-cov", |v| {
        v["theta_cov_marginal"].as_array_mut().unwrap().pop();
    });
    let o = predict_experiment(&m, &data, "0", &dir.join("p"));
    assert_bad_input(&o, &["posterior.json", "theta_cov_marginal"]);
    // a training-state range upside down (the range a prediction's start is checked against)
    let m = tampered(&dir, "bad-range", |v| {
        v["training_states"]["density"] = serde_json::json!([3.0, 0.5]);
    });
    assert_bad_input(&run(&["show", &m]), &["posterior.json", "training_states"]);
    // a latent.npz with fewer rows than the data used to panic `predict`
    let m = tampered(&dir, "short-latent", |_| {});
    let latent = Path::new(&m).join("latent.npz");
    let mut w = ndarray_npy::NpzWriter::new(std::fs::File::create(&latent).unwrap());
    w.add_array("mean", &ndarray::Array2::<f64>::zeros((2, 8)))
        .unwrap();
    w.add_array("std", &ndarray::Array2::<f64>::ones((2, 8)))
        .unwrap();
    w.finish().unwrap();
    let o = predict_experiment(&m, &data, "5", &dir.join("p"));
    assert_bad_input(&o, &["latent.npz", "mean", "(6, 8)"]);
    // a model manifest without dt: times in coarse steps, said on stderr and in the manifest
    let m = tampered(&dir, "no-dt", |_| {});
    let mp = Path::new(&m).join("manifest.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&mp).unwrap()).unwrap();
    v["dt"] = serde_json::Value::Null;
    std::fs::write(&mp, v.to_string()).unwrap();
    let o = predict_experiment(&m, &data, "0", &dir.join("p-no-dt"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("coarse steps"), "{}", stderr(&o));
    let pm = std::fs::read_to_string(dir.join("p-no-dt/manifest.json")).unwrap();
    assert!(pm.contains("\"dt_known\": false"), "{pm}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn impossible_sizes_are_refused_before_allocating() {
    let dir = tmp("robust-sizes");
    model(&dir);
    let o = run(&[
        "predict",
        "--model",
        s(&dir.join("m")),
        "--data",
        s(&dir.join("d/experiments.npz")),
        "--experiment",
        "0",
        "--horizon",
        "1000000000",
        "--quiet",
        "--out",
        s(&dir.join("p")),
    ]);
    assert_bad_input(&o, &["`horizon`", "1000000000"]);
    assert!(!dir.join("p").exists());
    let o = run(&[
        "ising",
        "sample",
        "--L",
        "1000000",
        "--K",
        "0.44",
        "--quiet",
        "--out",
        s(&dir.join("big")),
    ]);
    assert_bad_input(&o, &["`L`", "1000000"]);
    let o = run(&[
        "simulate",
        "--n",
        "1000000000",
        "--quiet",
        "--out",
        s(&dir.join("many")),
    ]);
    assert_bad_input(&o, &["`n`", "1000000000"]);
    let o = run(&[
        "ising",
        "sample",
        "--L",
        "6",
        "--K",
        "0.44",
        "--algo",
        "msc",
        "--quiet",
        "--out",
        s(&dir.join("msc")),
    ]);
    assert_bad_input(&o, &["`L`", "128"]);
    assert!(!dir.join("msc").exists() && !dir.join("big").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_coupling_is_an_error_not_k_c() {
    let dir = tmp("robust-k");
    let o = run(&[
        "ising",
        "sample",
        "--L",
        "8",
        "--K",
        "0.3",
        "--n",
        "40",
        "--seed",
        "2",
        "--quiet",
        "--out",
        s(&dir.join("mc")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // configurations without a manifest beside them: fit-lift needs --K
    std::fs::create_dir_all(dir.join("bare")).unwrap();
    std::fs::copy(dir.join("mc/configs.npy"), dir.join("bare/configs.npy")).unwrap();
    let o = run(&[
        "ising",
        "fit-lift",
        "--data",
        s(&dir.join("bare/configs.npy")),
        "--out",
        s(&dir.join("lift")),
    ]);
    assert_bad_input(&o, &["`K`", "--K"]);
    // with the manifest, K is the sampled one and lift.json says so, with `converged`
    let o = run(&[
        "ising",
        "fit-lift",
        "--data",
        s(&dir.join("mc/configs.npy")),
        "--out",
        s(&dir.join("lift")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lift: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("lift/lift.json")).unwrap())
            .unwrap();
    assert_eq!(lift["K"], 0.3);
    assert_eq!(lift["converged"], true);
    // a lift.json without K: dream refuses it instead of assuming K_c
    let mut v = lift.clone();
    v.as_object_mut().unwrap().remove("K");
    std::fs::write(dir.join("lift/lift.json"), v.to_string()).unwrap();
    let o = run(&[
        "ising",
        "dream",
        "--lift",
        s(&dir.join("lift")),
        "--levels",
        "2",
        "--n",
        "2",
        "--quiet",
        "--out",
        s(&dir.join("dream")),
    ]);
    assert_bad_input(&o, &["lift.json", "K"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A rerun that fails leaves the old output directory exactly as it was.
#[test]
fn failed_rerun_keeps_the_old_outputs() {
    let dir = tmp("robust-rerun");
    let out = dir.join("mc");
    let o = run(&[
        "ising",
        "sample",
        "--L",
        "8",
        "--K",
        "0.3",
        "--n",
        "40",
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before: Vec<_> = ["configs.npy", "observables.json", "manifest.json"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    // the same directory, an impossible dream into it
    let o = run(&[
        "ising",
        "dream",
        "--lift",
        s(&dir.join("missing")),
        "--quiet",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    for (f, b) in ["configs.npy", "observables.json", "manifest.json"]
        .iter()
        .zip(&before)
    {
        assert_eq!(&std::fs::read(out.join(f)).unwrap(), b, "{f}");
    }
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "staging left behind"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
