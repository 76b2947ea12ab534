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

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_reader(std::fs::File::open(path).unwrap()).unwrap()
}

fn ok(args: &[&str]) -> String {
    let res = run(args);
    assert!(res.status.success(), "{args:?}: {}", stderr(&res));
    String::from_utf8_lossy(&res.stdout).into_owned()
}

fn bad_input(args: &[&str], mention: &str) {
    let res = run(args);
    let err = stderr(&res);
    assert_eq!(res.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(mention),
        "{args:?}: `{err}` should mention `{mention}`"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one-line error: {err}");
}

/// The whole inverse-RG pipeline at CI size: Wolff at K_c (L = 32), the 3×3 rule, dreaming from
/// one spin to L = 256 with observables at every level, the report's scaling bars, and MCRG.
#[test]
fn fit_dream_report_mcrg_pipeline() {
    let dir = tmp("ising-pipeline");
    let p = |name: &str| dir.join(name);
    ok(&[
        "ising",
        "sample",
        "--L",
        "32",
        "--K",
        "0.440686793509772",
        "--n",
        "2000",
        "--every",
        "2",
        "--seed",
        "5",
        "--quiet",
        "--out",
        s(&p("wolff32")),
    ]);
    ok(&[
        "ising",
        "fit-lift",
        "--data",
        s(&p("wolff32/configs.npy")),
        "--kernel",
        "3",
        "--out",
        s(&p("lift")),
    ]);
    let lift = json(&p("lift/lift.json"));
    assert_eq!(lift["kernel"], 3);
    assert!((lift["K"].as_f64().unwrap() - 0.440686793509772).abs() < 1e-12);
    // published at L = 32, 10⁴ configurations: (a, b, c) = (0.546, 0.628, 1.410); 2000
    // configurations give standard errors ≈ 0.007-0.013
    for (key, published) in [("a", 0.546), ("b", 0.628), ("c", 1.410)] {
        let v = lift["abc"][key].as_f64().unwrap();
        let se = lift["abc"][format!("{key}_err")].as_f64().unwrap();
        assert!(se > 0.0 && se < 0.02, "{key}: se {se}");
        assert!(
            (v - published).abs() < 0.04,
            "{key} = {v} ± {se} vs {published}"
        );
    }
    ok(&[
        "ising",
        "dream",
        "--lift",
        s(&p("lift")),
        "--levels",
        "8",
        "--n",
        "1024",
        "--seed",
        "1",
        "--measure-levels",
        "--no-store",
        "--quiet",
        "--out",
        s(&p("dream")),
    ]);
    assert!(!p("dream/configs.npy").exists());
    let obs = json(&p("dream/observables.json"));
    let sides: Vec<u64> = obs["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["L"].as_u64().unwrap())
        .collect();
    assert_eq!(sides, vec![2, 4, 8, 16, 32, 64, 128, 256]);
    ok(&[
        "ising",
        "report",
        "--mc",
        s(&p("wolff32")),
        "--dreamed",
        s(&p("dream")),
        "--out",
        s(&p("report")),
    ]);
    for f in [
        "report.html",
        "table.md",
        "report.json",
        "manifest.json",
        "figures/chi.png",
        "figures/chi.svg",
        "figures/v4.svg",
        "figures/specific_heat.png",
        "figures/energy.svg",
    ] {
        assert!(p("report").join(f).exists(), "{f}");
    }
    let rep = json(&p("report/report.json"));
    let dreamed = &rep["series"][1];
    assert_eq!(dreamed["dreamed"], true);
    // the issue's bars (at L ≤ 256 here; the study script goes to 1024 and 4096)
    let g = dreamed["gamma_over_nu"]["value"].as_f64().unwrap();
    assert!((g - 1.75).abs() < 0.1, "γ/ν = {g}");
    let dv4 = dreamed["v4_change"][2]["value"].as_f64().unwrap();
    assert!(dv4.abs() < 0.03, "V4 change {dv4}");
    // MCRG on the Wolff pairs: within 10% of λ_t = 2 and λ_h = 2^{15/8}
    ok(&[
        "ising",
        "mcrg",
        "--data",
        s(&p("wolff32/configs.npy")),
        "--steps",
        "2",
        "--out",
        s(&p("mcrg")),
    ]);
    let m = json(&p("mcrg/mcrg.json"));
    for step in m["steps"].as_array().unwrap() {
        let lt = step["lambda_t"].as_array().unwrap().last().unwrap()["value"]
            .as_f64()
            .unwrap();
        let lh = step["lambda_h"].as_array().unwrap().last().unwrap()["value"]
            .as_f64()
            .unwrap();
        assert!((lt / 2.0 - 1.0).abs() < 0.1, "λ_t = {lt}");
        assert!((lh / 2f64.powf(15.0 / 8.0) - 1.0).abs() < 0.1, "λ_h = {lh}");
    }
    for d in ["wolff32", "lift", "dream", "report", "mcrg"] {
        assert!(p(d).join("manifest.json").exists(), "{d}");
    }
}

/// Dreamed configurations are stored as int8 (n, L, L), start from a given lattice if asked,
/// and are the same bits on 1 and 2 threads.
#[test]
fn dream_stores_configs_reproducibly() {
    let dir = tmp("ising-dream");
    let p = |name: &str| dir.join(name);
    std::fs::create_dir_all(p("lift")).unwrap();
    std::fs::write(
        p("lift/lift.json"),
        r#"{"kernel": 3, "theta": [1.41, 0.628, 0.546], "K": 0.4406868}"#,
    )
    .unwrap();
    let dream = |threads: &str, out: &str| {
        ok(&[
            "--threads",
            threads,
            "ising",
            "dream",
            "--lift",
            s(&p("lift")),
            "--levels",
            "9",
            "--n",
            "3",
            "--seed",
            "4",
            "--quiet",
            "--out",
            s(&p(out)),
        ]);
        std::fs::read(p(out).join("configs.npy")).unwrap()
    };
    assert_eq!(dream("1", "a"), dream("2", "b"));
    let c: ndarray::Array3<i8> = ndarray_npy::read_npy(p("a/configs.npy")).unwrap();
    assert_eq!(c.shape(), &[3, 512, 512]);
    assert!(c.iter().all(|&v| v == 1 || v == -1));
    // from a given 8×8 start: side 8·2² = 32
    let start = ndarray::Array2::<i8>::from_shape_fn(
        (8, 8),
        |(i, j)| if (i + j) % 3 == 0 { 1 } else { -1 },
    );
    ndarray_npy::write_npy(p("start.npy"), &start).unwrap();
    ok(&[
        "ising",
        "dream",
        "--lift",
        s(&p("lift")),
        "--levels",
        "2",
        "--n",
        "40",
        "--start",
        s(&p("start.npy")),
        "--quiet",
        "--out",
        s(&p("c")),
    ]);
    let c: ndarray::Array3<i8> = ndarray_npy::read_npy(p("c/configs.npy")).unwrap();
    assert_eq!(c.shape(), &[40, 32, 32]);
    let obs = json(&p("c/observables.json"));
    assert_eq!(obs["levels"].as_array().unwrap().len(), 1);
    assert_eq!(obs["levels"][0]["L"], 32);
    // above L = 2048 every sample is its own file
    ok(&[
        "ising",
        "dream",
        "--lift",
        s(&p("lift")),
        "--levels",
        "12",
        "--n",
        "1",
        "--quiet",
        "--out",
        s(&p("big")),
    ]);
    assert!(!p("big/configs.npy").exists());
    let big: ndarray::Array2<i8> =
        ndarray_npy::read_npy(p("big/configs/sample_000000.npy")).unwrap();
    assert_eq!(big.shape(), &[4096, 4096]);
    assert!(big.iter().all(|&v| v == 1 || v == -1));
}

#[test]
fn sample_with_the_heat_bath() {
    let dir = tmp("ising-heatbath");
    ok(&[
        "ising",
        "sample",
        "--algo",
        "heatbath",
        "--L",
        "16",
        "--K",
        "0.4406868",
        "--n",
        "64",
        "--thermalise",
        "100",
        "--seed",
        "3",
        "--quiet",
        "--out",
        s(&dir),
    ]);
    let c: ndarray::Array3<i8> = ndarray_npy::read_npy(dir.join("configs.npy")).unwrap();
    assert_eq!(c.shape(), &[64, 16, 16]);
    assert_eq!(json(&dir.join("manifest.json"))["algo"], "heatbath");
    ok(&[
        "ising",
        "sample",
        "--algo",
        "msc",
        "--L",
        "128",
        "--K",
        "0.4406868",
        "--n",
        "32",
        "--thermalise",
        "10",
        "--quiet",
        "--out",
        s(&dir),
    ]);
    let c: ndarray::Array3<i8> = ndarray_npy::read_npy(dir.join("configs.npy")).unwrap();
    assert_eq!(c.shape(), &[32, 128, 128]);
    bad_input(
        &[
            "ising",
            "sample",
            "--algo",
            "msc",
            "--L",
            "96",
            "--K",
            "0.44",
            "--out",
            s(&dir),
        ],
        "multiple of 128",
    );
}

#[test]
fn ising_bad_input_is_one_line_exit_2() {
    let dir = tmp("ising-bad");
    let p = |name: &str| dir.join(name);
    let f = ndarray::Array3::<f64>::zeros((2, 4, 4));
    ndarray_npy::write_npy(p("float.npy"), &f).unwrap();
    let rect = ndarray::Array3::<i8>::ones((2, 4, 6));
    ndarray_npy::write_npy(p("rect.npy"), &rect).unwrap();
    let mut zeros = ndarray::Array3::<i8>::ones((2, 4, 4));
    zeros[(1, 2, 3)] = 0;
    ndarray_npy::write_npy(p("zero.npy"), &zeros).unwrap();
    let twelve = ndarray::Array3::<i8>::ones((64, 12, 12));
    ndarray_npy::write_npy(p("twelve.npy"), &twelve).unwrap();
    let out = s(&dir);
    for (file, mention) in [
        ("float.npy", "int8"),
        ("rect.npy", "square"),
        ("zero.npy", "±1"),
    ] {
        bad_input(
            &["ising", "fit-lift", "--data", s(&p(file)), "--out", out],
            file,
        );
        bad_input(
            &["ising", "fit-lift", "--data", s(&p(file)), "--out", out],
            mention,
        );
    }
    bad_input(
        &[
            "ising",
            "fit-lift",
            "--data",
            s(&p("missing.npy")),
            "--out",
            out,
        ],
        "missing.npy",
    );
    bad_input(
        &[
            "ising",
            "fit-lift",
            "--data",
            s(&p("twelve.npy")),
            "--kernel",
            "9",
            "--out",
            out,
        ],
        "kernel",
    );
    bad_input(
        &[
            "ising",
            "fit-lift",
            "--data",
            s(&p("twelve.npy")),
            "--K=-0.1",
            "--out",
            out,
        ],
        "K",
    );
    bad_input(
        &[
            "ising",
            "mcrg",
            "--data",
            s(&p("twelve.npy")),
            "--steps",
            "3",
            "--out",
            out,
        ],
        "2^3",
    );
    // 12 → 6 → 3: a side-3 torus makes the operator set degenerate
    bad_input(
        &[
            "ising",
            "mcrg",
            "--data",
            s(&p("twelve.npy")),
            "--steps",
            "2",
            "--out",
            out,
        ],
        "at least 4 coarse sites",
    );
    bad_input(
        &["ising", "sample", "--L", "8", "--K", "0", "--out", out],
        "K",
    );
    std::fs::create_dir_all(p("lift9")).unwrap();
    std::fs::write(p("lift9/lift.json"), r#"{"kernel": 9, "theta": [1, 2, 3]}"#).unwrap();
    bad_input(
        &["ising", "dream", "--lift", s(&p("lift9")), "--out", out],
        "unknown kernel size 9",
    );
    std::fs::create_dir_all(p("lift3")).unwrap();
    std::fs::write(
        p("lift3/lift.json"),
        r#"{"kernel": 3, "theta": [1.4, 0.6, 0.5], "K": 0.4406868}"#,
    )
    .unwrap();
    bad_input(
        &[
            "ising",
            "dream",
            "--lift",
            s(&p("lift3")),
            "--levels",
            "60",
            "--out",
            out,
        ],
        "levels",
    );
    bad_input(
        &[
            "ising",
            "dream",
            "--lift",
            s(&p("lift3")),
            "--levels",
            "24",
            "--out",
            out,
        ],
        "GiB",
    );
    bad_input(
        &[
            "ising",
            "dream",
            "--lift",
            s(&p("lift3")),
            "--start",
            s(&p("zero.npy")),
            "--out",
            out,
        ],
        "zero.npy",
    );
    // nothing half-written: no temporary files left in the output directory
    assert!(
        std::fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
}

/// The exact-weight generator end to end at CI size (L = 8): fit from the fit's own Wolff run
/// and from stored configurations, importance sampling with every promised field of nis.json,
/// ln Z within 3σ of Kaufman's, and the same bits on 1 and 2 threads.
#[test]
fn fit_sampler_and_nis() {
    let dir = tmp("ising-nis");
    let p = |name: &str| dir.join(name);
    ok(&[
        "ising",
        "fit-sampler",
        "--L",
        "8",
        "--K",
        "0.4406868",
        "--n-train",
        "500",
        "--seed",
        "2",
        "--quiet",
        "--out",
        s(&p("sampler")),
    ]);
    let sampler = json(&p("sampler/sampler.json"));
    assert_eq!(sampler["L"], 8);
    assert_eq!(sampler["training"]["source"], "wolff");
    assert!(p("sampler/manifest.json").exists());
    let nis = |threads: &str, out: &str| {
        ok(&[
            "--threads",
            threads,
            "ising",
            "nis",
            "--sampler",
            s(&p("sampler")),
            "--n",
            "400",
            "--seed",
            "3",
            "--store",
            "--quiet",
            "--out",
            s(&p(out)),
        ]);
        (
            std::fs::read(p(out).join("nis.json")).unwrap(),
            std::fs::read(p(out).join("configs.npy")).unwrap(),
            std::fs::read(p(out).join("samples.npz")).unwrap(),
        )
    };
    let one = nis("1", "n1");
    let two = nis("2", "n2");
    // the wall time differs; everything else is the same bits
    let strip = |b: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
        v["seconds"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(&one.0), strip(&two.0));
    assert_eq!(one.1, two.1);
    assert_eq!(one.2, two.2);
    let est = json(&p("n1/nis.json"));
    for field in [
        "L",
        "K",
        "n",
        "ess_per_sample",
        "ln_z_per_site",
        "ln_z_per_site_err",
        "energy_per_site",
        "energy_per_site_err",
        "abs_magnetisation",
        "abs_magnetisation_err",
        "v4",
        "v4_err",
        "metropolis_acceptance",
        "seconds",
    ] {
        assert!(est.get(field).is_some(), "nis.json lacks {field}");
    }
    let exact: serde_json::Value =
        serde_json::from_str(&ok(&["ising", "exact", "--L", "8", "--K", "0.4406868"])).unwrap();
    let (lnz, err) = (
        est["ln_z_per_site"].as_f64().unwrap(),
        est["ln_z_per_site_err"].as_f64().unwrap(),
    );
    let want = exact["lnZ_per_site"].as_f64().unwrap();
    assert!((lnz - want).abs() < 3.0 * err, "{lnz} ± {err} vs {want}");
    let c: ndarray::Array3<i8> = ndarray_npy::read_npy(p("n1/configs.npy")).unwrap();
    assert_eq!(c.shape(), &[400, 8, 8]);
    // the report shows the run: its ESS table, the ESS figure, the reweighted series
    ok(&[
        "ising",
        "report",
        "--nis",
        s(&p("n1")),
        "--out",
        s(&p("report")),
    ]);
    let table = std::fs::read_to_string(p("report/table.md")).unwrap();
    assert!(table.contains("ESS/N") && table.contains("exact-weight generator"));
    assert!(p("report/figures/ess.png").exists() && p("report/report.html").exists());
    // the same fit from stored configurations
    ok(&[
        "ising",
        "sample",
        "--L",
        "8",
        "--K",
        "0.4406868",
        "--n",
        "300",
        "--quiet",
        "--out",
        s(&p("mc")),
    ]);
    ok(&[
        "ising",
        "fit-sampler",
        "--L",
        "8",
        "--K",
        "0.4406868",
        "--data",
        s(&p("mc/configs.npy")),
        "--quiet",
        "--out",
        s(&p("from-data")),
    ]);
    let from_data = json(&p("from-data/sampler.json"));
    assert_eq!(from_data["training"]["n"], 300);
}

/// Bad input to the exact-weight jobs: one line, exit 2, naming what was wrong.
#[test]
fn nis_bad_input_is_one_line_exit_2() {
    let dir = tmp("ising-nis-bad");
    let p = |name: &str| dir.join(name);
    let out_dir = p("out");
    let out = s(&out_dir);
    bad_input(
        &["ising", "fit-sampler", "--L", "8", "--K", "0", "--out", out],
        "K",
    );
    bad_input(
        &["ising", "fit-sampler", "--L", "8", "--K=-1", "--out", out],
        "K",
    );
    bad_input(
        &[
            "ising",
            "fit-sampler",
            "--L",
            "7",
            "--K",
            "0.4",
            "--out",
            out,
        ],
        "L",
    );
    bad_input(
        &[
            "ising",
            "fit-sampler",
            "--L",
            "8",
            "--K",
            "0.4",
            "--chi",
            "0",
            "--out",
            out,
        ],
        "chi",
    );
    bad_input(
        &[
            "ising",
            "fit-sampler",
            "--L",
            "2000000000",
            "--K",
            "0.4",
            "--out",
            out,
        ],
        "L",
    );
    // training data of another side
    let twelve = ndarray::Array3::<i8>::ones((64, 12, 12));
    ndarray_npy::write_npy(p("twelve.npy"), &twelve).unwrap();
    bad_input(
        &[
            "ising",
            "fit-sampler",
            "--L",
            "8",
            "--K",
            "0.4",
            "--data",
            s(&p("twelve.npy")),
            "--out",
            out,
        ],
        "twelve.npy",
    );
    // a sampler fitted for another L (its file edited), --n 0, a missing sampler
    ok(&[
        "ising",
        "fit-sampler",
        "--L",
        "8",
        "--K",
        "0.4",
        "--n-train",
        "64",
        "--quiet",
        "--out",
        s(&p("s8")),
    ]);
    let mut file = json(&p("s8/sampler.json"));
    file["L"] = 16.into();
    std::fs::create_dir_all(p("s16")).unwrap();
    std::fs::write(p("s16/sampler.json"), file.to_string()).unwrap();
    bad_input(
        &[
            "ising",
            "nis",
            "--sampler",
            s(&p("s16")),
            "--n",
            "64",
            "--out",
            out,
        ],
        "seam.weights",
    );
    bad_input(
        &[
            "ising",
            "nis",
            "--sampler",
            s(&p("s8")),
            "--n",
            "0",
            "--out",
            out,
        ],
        "n",
    );
    bad_input(
        &[
            "ising",
            "nis",
            "--sampler",
            s(&p("nowhere")),
            "--n",
            "64",
            "--out",
            out,
        ],
        "nowhere",
    );
    bad_input(
        &[
            "ising",
            "nis",
            "--sampler",
            s(&p("s8")),
            "--n",
            "100000000000000",
            "--store",
            "--out",
            out,
        ],
        "n",
    );
}
