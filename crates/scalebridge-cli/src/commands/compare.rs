//! `scalebridge compare`: ELBOs of models learned on the same data, side by side, ranked by the
//! ELBO of each one's active law (`scalebridge::inference::evidence`).

use crate::cli::CompareArgs;
use anyhow::Result;
use scalebridge::inference::Posterior;
use scalebridge::pipeline::compare::compare;
use std::path::PathBuf;

pub fn run(args: CompareArgs) -> Result<()> {
    let files: Vec<PathBuf> = args.dirs.iter().map(|d| d.join("posterior.json")).collect();
    let models: Vec<Posterior> = files
        .iter()
        .map(|f| Posterior::load(f))
        .collect::<Result<_, _>>()?;
    let pairs: Vec<_> = files.iter().map(PathBuf::as_path).zip(&models).collect();
    let rows = compare(&pairs)?;
    let label = |d: &PathBuf| d.display().to_string();
    let width = args
        .dirs
        .iter()
        .map(|d| label(d).len())
        .max()
        .unwrap_or(5)
        .max(5);
    let lw = rows
        .iter()
        .map(|r| r.law.chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    println!(
        "{:<width$}  {:<lw$} {:>4} {:>5} {:>6} {:>16} {:>16} {:>12}  converged",
        "model", "law", "nc", "terms", "active", "ELBO", "active-law ELBO", "- best"
    );
    for (d, r) in args.dirs.iter().zip(&rows) {
        // pad by characters, not bytes (`²`, `π` in kernel feature names)
        let pad = " ".repeat(lw - r.law.chars().count());
        println!(
            "{:<width$}  {}{pad} {:>4} {:>5} {:>6} {:>16.6e} {:>16.6e} {:>12.3}  {}",
            label(d),
            r.law,
            r.nc,
            r.terms,
            r.active,
            r.elbo,
            r.elbo_active,
            r.elbo_active_minus_best,
            if r.converged { "yes" } else { "no" }
        );
    }
    if rows.len() > 1
        && let Some((d, _)) = args.dirs.iter().zip(&rows).find(|(_, r)| r.best)
    {
        println!("best (highest ELBO of the active law): {}", d.display());
        println!(
            "(the full ELBO also counts every pruned candidate term, {:.1} nats each at these priors, whatever the data)",
            -scalebridge::inference::evidence::pruned_candidate_elbo(&models[0].params.priors)
        );
    }
    Ok(())
}
