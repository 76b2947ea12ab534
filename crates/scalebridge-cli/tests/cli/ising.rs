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
