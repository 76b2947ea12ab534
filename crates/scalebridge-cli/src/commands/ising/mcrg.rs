//! `scalebridge ising mcrg`: RG eigenvalues from configurations and their majority-rule blocks.

use crate::cli::McrgArgs;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::io::{self, manifest, read_spins};
use scalebridge::lattice::Lattice;
use scalebridge::lattice::mcrg::{EVEN, MIN_SIDE, NAMES, mcrg_chains};
use serde_json::json;

pub fn run(a: McrgArgs) -> Result<()> {
    if a.steps == 0 {
        return Err(Error::param("steps", 0, ">= 1").into());
    }
    let lats = read_spins(&a.data)?;
    let l = lats[0].l;
    let block = 1usize << a.steps.min(30);
    if l % block != 0 || l / block < MIN_SIDE {
        return Err(Error::data(
            &a.data,
            "(npy)",
            format!(
                "lattice side {l}: {} blocking steps need a multiple of 2^{} with at least {MIN_SIDE} coarse sites per side",
                a.steps, a.steps
            ),
        )
        .into());
    }
    // chains[i][k] = MR^k of configuration i
    let chains: Vec<Vec<Lattice>> = lats
        .into_iter()
        .enumerate()
        .map(|(i, f)| super::block_chain(f, a.steps, a.seed, i))
        .collect();
    let steps = mcrg_chains(&chains)?;
    for (k, r) in steps.iter().enumerate() {
        let (t, h) = (
            r.lambda_t[r.lambda_t.len() - 1],
            r.lambda_h[r.lambda_h.len() - 1],
        );
        println!(
            "step {} (L = {} → {}): λ_t = {:.4} ± {:.4} (exact 2), λ_h = {:.4} ± {:.4} (exact 3.668)",
            k + 1,
            r.l_fine,
            r.l_fine / 2,
            t.value,
            t.error,
            h.value,
            h.error
        );
    }
    io::create_dir(&a.out)?;
    io::write_json(
        &a.out.join("mcrg.json"),
        &json!({
            "operators": { "even": &NAMES[..EVEN], "odd": &NAMES[EVEN..] },
            "note": "lambda_t[k-1], lambda_h[k-1]: leading eigenvalue with the first k operators of the sector",
            "exact": { "lambda_t": 2.0, "lambda_h": 2f64.powf(15.0 / 8.0) },
            "steps": steps,
        }),
    )?;
    io::write_json(
        &a.out.join("manifest.json"),
        &manifest(
            "ising mcrg",
            json!({ "data": a.data, "steps": a.steps, "seed": a.seed }),
        ),
    )?;
    Ok(())
}
