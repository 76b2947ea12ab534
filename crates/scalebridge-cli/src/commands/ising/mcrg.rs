//! `scalebridge ising mcrg`: RG eigenvalues from configurations and their majority-rule blocks.

use crate::cli::McrgArgs;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::io::{self, manifest, read_spins};
use scalebridge::lattice::Lattice;
use scalebridge::lattice::mcrg::{NAMES, mcrg};
use serde_json::json;

pub fn run(a: McrgArgs) -> Result<()> {
    if a.steps == 0 {
        return Err(Error::param("steps", 0, ">= 1").into());
    }
    let lats = read_spins(&a.data)?;
    let l = lats[0].l;
    let block = 1usize << a.steps.min(30);
    if l % block != 0 || l / block < 3 {
        return Err(Error::data(
            &a.data,
            "(npy)",
            format!(
                "lattice side {l}: {} blocking steps need a multiple of 2^{} with at least 3 coarse sites per side",
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
    let mut steps = Vec::new();
    for k in 1..=a.steps {
        let pairs: Vec<(Lattice, Lattice)> = chains
            .iter()
            .map(|c| (c[k].clone(), c[k - 1].clone()))
            .collect();
        let r = mcrg(&pairs)?;
        let (t, h) = (
            r.lambda_t[r.lambda_t.len() - 1],
            r.lambda_h[r.lambda_h.len() - 1],
        );
        println!(
            "step {k} (L = {} → {}): λ_t = {:.4} ± {:.4} (exact 2), λ_h = {:.4} ± {:.4} (exact 3.668)",
            r.l_fine,
            r.l_fine / 2,
            t.value,
            t.error,
            h.value,
            h.error
        );
        steps.push(r);
    }
    io::create_dir(&a.out)?;
    io::write_json(
        &a.out.join("mcrg.json"),
        &json!({
            "operators": { "even": &NAMES[..4], "odd": &NAMES[4..] },
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
