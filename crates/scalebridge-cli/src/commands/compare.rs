//! `scalebridge compare`: ELBOs of models learned on the same data, side by side.

use crate::cli::CompareArgs;
use anyhow::Result;
use scalebridge::Error;
use scalebridge::inference::Posterior;

pub fn run(args: CompareArgs) -> Result<()> {
    let models: Vec<Posterior> = args
        .dirs
        .iter()
        .map(|d| Posterior::load(&d.join("posterior.json")))
        .collect::<Result<_, _>>()?;
    let first = &models[0];
    for (d, m) in args.dirs.iter().zip(&models).skip(1) {
        if m.data_fingerprint != first.data_fingerprint {
            return Err(Error::data(
                d.join("posterior.json"),
                "data_fingerprint",
                format!(
                    "learned on different data ({}) than {} ({}): ELBOs are not comparable",
                    m.data_fingerprint,
                    args.dirs[0].display(),
                    first.data_fingerprint
                ),
            )
            .into());
        }
        if m.likelihood != first.likelihood {
            return Err(Error::data(
                d.join("posterior.json"),
                "likelihood",
                "uses a different likelihood form (positions vs counts): ELBOs are not comparable",
            )
            .into());
        }
    }
    let best = models
        .iter()
        .map(|m| m.elbo)
        .fold(f64::NEG_INFINITY, f64::max);
    let width = args
        .dirs
        .iter()
        .map(|d| d.display().to_string().len())
        .max()
        .unwrap_or(5)
        .max(5);
    let laws: Vec<String> = models.iter().map(|m| m.law.summary()).collect();
    let lw = laws
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    println!(
        "{:<width$}  {:<lw$} {:>4} {:>5} {:>6} {:>16} {:>12}  converged",
        "model", "law", "nc", "terms", "active", "ELBO", "ELBO - best"
    );
    for ((d, m), law) in args.dirs.iter().zip(&models).zip(&laws) {
        // pad by characters, not bytes (`²`, `π` in kernel feature names)
        let pad = " ".repeat(lw - law.chars().count());
        println!(
            "{:<width$}  {law}{pad} {:>4} {:>5} {:>6} {:>16.6e} {:>12.3}  {}",
            d.display(),
            m.nc,
            m.names.len(),
            m.active.iter().filter(|a| **a).count(),
            m.elbo,
            m.elbo - best,
            if m.converged { "yes" } else { "no" }
        );
    }
    if models.len() > 1
        && let Some((d, _)) = args.dirs.iter().zip(&models).find(|(_, m)| m.elbo == best)
    {
        println!("best (highest ELBO): {}", d.display());
    }
    Ok(())
}
