//! `scalebridge ising …`.

use super::common::*;

#[test]
fn exact_prints_the_spec_values() {
    let res = run(&["ising", "exact", "--L", "16", "--K", "0.440686793509772"]);
    assert!(res.status.success(), "{}", stderr(&res));
    let v: serde_json::Value = serde_json::from_slice(&res.stdout).unwrap();
    assert_eq!(v["L"], 16);
    assert!((v["lnZ_per_site"].as_f64().unwrap() - 0.932196315).abs() < 1e-8);
    assert!((v["energy_per_site"].as_f64().unwrap() + 1.453064853).abs() < 1e-8);
    assert!((v["specific_heat_per_site"].as_f64().unwrap() - 1.498705).abs() < 1e-5);
    for bad in [["--L", "1", "--K", "0.4"], ["--L", "8", "--K", "-1"]] {
        let mut args = vec!["ising", "exact"];
        args.extend(bad);
        let res = run(&args);
        assert_eq!(res.status.code(), Some(2), "{}", stderr(&res));
    }
}

#[test]
fn sample_writes_configs_and_observables() {
    let dir = tmp("ising-sample");
    let res = run(&[
        "ising",
        "sample",
        "--L",
        "8",
        "--K",
        "0.4406868",
        "--n",
        "64",
        "--seed",
        "2",
        "--quiet",
        "--out",
        s(&dir),
    ]);
    assert!(res.status.success(), "{}", stderr(&res));
    let c: ndarray::Array3<i8> = ndarray_npy::read_npy(dir.join("configs.npy")).unwrap();
    assert_eq!(c.shape(), &[64, 8, 8]);
    assert!(c.iter().all(|&s| s == 1 || s == -1));
    let obs: serde_json::Value =
        serde_json::from_reader(std::fs::File::open(dir.join("observables.json")).unwrap())
            .unwrap();
    for key in ["abs_m", "chi", "specific_heat", "energy", "v4", "u4"] {
        assert!(obs[key]["error"].as_f64().unwrap() >= 0.0, "{key}");
    }
    assert!(obs["tau_energy"].as_f64().unwrap() > 0.0);
    for bad in [["--L", "7"], ["--L", "0"]] {
        let mut args = vec![
            "ising",
            "sample",
            "--K",
            "0.4",
            "--n",
            "64",
            "--quiet",
            "--out",
            s(&dir),
        ];
        args.extend(bad);
        assert_eq!(run(&args).status.code(), Some(2));
    }
}
