//! `scalebridge ising fit-lift`: maximum-likelihood fit of the coarse-to-fine rule.

use crate::cli::FitLiftArgs;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::io::{self, manifest, read_spins};
use scalebridge::lattice::{K_C, LiftRule, fit};
use serde_json::{Value, json};

pub fn run(a: FitLiftArgs) -> Result<()> {
    let radius = LiftRule::radius_of_kernel(a.kernel)
        .ok_or_else(|| Error::param("kernel", a.kernel, "3, 5 or 7"))?;
    let k =
        a.k.or_else(|| io::manifest_beside(&a.data).and_then(|v| v.get("K")?.as_f64()))
            .unwrap_or(K_C);
    if !(k > 0.0 && k.is_finite()) {
        return Err(Error::param("K", k, "finite and > 0").into());
    }
    let lats = read_spins(&a.data)?;
    let l = lats[0].l;
    if l < 4 || l % 2 == 1 {
        return Err(Error::data(
            &a.data,
            "(npy)",
            format!("lattice side {l}: must be even and >= 4 for 2×2 blocks"),
        )
        .into());
    }
    let pairs: Vec<_> = lats
        .into_iter()
        .enumerate()
        .map(|(i, f)| super::majority_pair(f, a.seed, i))
        .collect();
    let f = fit(&pairs, radius)?;
    let mut out = serde_json::to_value(&f)?;
    if let Value::Object(o) = &mut out {
        o.insert("L".into(), json!(l));
        o.insert("K".into(), json!(k));
        if radius == 1 {
            o.insert(
                "abc".into(),
                json!({ "a": f.theta[2], "b": f.theta[1], "c": f.theta[0],
                        "a_err": f.std_error[2], "b_err": f.std_error[1], "c_err": f.std_error[0] }),
            );
        }
    }
    io::create_dir(&a.out)?;
    io::write_json(&a.out.join("lift.json"), &out)?;
    io::write_json(
        &a.out.join("manifest.json"),
        &manifest(
            "ising fit-lift",
            json!({ "data": a.data, "kernel": a.kernel, "K": k, "seed": a.seed }),
        ),
    )?;
    let params: Vec<String> = f
        .classes
        .iter()
        .zip(f.theta.iter().zip(&f.std_error))
        .map(|((p, q), (t, s))| format!("w({p},{q}) = {t:.4} ± {s:.4}"))
        .collect();
    println!(
        "{}×{} rule from {} configurations (L = {l}): {}; log-likelihood per spin {:.5} ({} Newton iterations)",
        f.kernel,
        f.kernel,
        f.configurations,
        params.join(", "),
        f.log_likelihood_per_spin,
        f.iterations
    );
    Ok(())
}
