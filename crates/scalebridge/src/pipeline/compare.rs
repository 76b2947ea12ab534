//! `compare`: models learned on the same data, side by side by their ELBO. The best is the one
//! whose *active law* has the highest ELBO ([`crate::inference::evidence`]): the full ELBO
//! charges every pruned candidate term a constant of the ARD hyperprior (21.6 nats at the
//! default priors), so it would rank a law by the size of its candidate library.

use crate::error::{Error, Result};
use crate::inference::Posterior;
use serde::Serialize;
use std::path::Path;

/// One model's line of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComparisonRow {
    /// The model's label (its directory, or the caller's name for it).
    pub model: String,
    /// The law in one line (family and options).
    pub law: String,
    /// Coarse bins.
    pub nc: usize,
    /// Terms of the law.
    pub terms: usize,
    /// Active terms.
    pub active: usize,
    /// Final ELBO, every candidate term counted.
    pub elbo: f64,
    /// `ELBO − max ELBO`.
    pub elbo_minus_best: f64,
    /// The ELBO of the active law ([`Posterior::active_law_elbo`]): what models are ranked by.
    pub elbo_active: f64,
    /// `elbo_active − max elbo_active` (0 for the best).
    pub elbo_active_minus_best: f64,
    /// Whether the fit converged.
    pub converged: bool,
    /// Whether this model's active law has the highest ELBO (the first such when tied).
    pub best: bool,
}

/// Compares models learned on the same data (same fingerprint, same likelihood form): one row
/// each, in the order given. `models` pairs each posterior with where it came from, which
/// errors name.
pub fn compare(models: &[(&Path, &Posterior)]) -> Result<Vec<ComparisonRow>> {
    let Some((first_path, first)) = models.first() else {
        return Err(Error::param("models", "none", "at least one model"));
    };
    for (path, m) in &models[1..] {
        if m.data_fingerprint != first.data_fingerprint {
            return Err(Error::data(
                *path,
                "data_fingerprint",
                format!(
                    "learned on different data ({}) than {} ({}): ELBOs are not comparable",
                    m.data_fingerprint,
                    first_path.display(),
                    first.data_fingerprint
                ),
            ));
        }
        if m.likelihood != first.likelihood {
            return Err(Error::data(
                *path,
                "likelihood",
                "uses a different likelihood form (positions vs counts): ELBOs are not comparable",
            ));
        }
    }
    let active = models
        .iter()
        .map(|(path, m)| {
            m.active_law_elbo()
                .map_err(|e| Error::data(*path, "theta_cov", format!("the active law's ELBO: {e}")))
        })
        .collect::<Result<Vec<f64>>>()?;
    let highest = |v: &mut dyn Iterator<Item = f64>| v.fold(f64::NEG_INFINITY, f64::max);
    let best = highest(&mut models.iter().map(|(_, m)| m.elbo));
    let best_active = highest(&mut active.iter().copied());
    let first_best = active.iter().position(|e| *e == best_active);
    Ok(models
        .iter()
        .zip(&active)
        .enumerate()
        .map(|(i, ((path, m), &elbo_active))| ComparisonRow {
            model: path.display().to_string(),
            law: m.law.summary(),
            nc: m.nc,
            terms: m.names.len(),
            active: m.active.iter().filter(|a| **a).count(),
            elbo: m.elbo,
            elbo_minus_best: m.elbo - best,
            elbo_active,
            elbo_active_minus_best: elbo_active - best_active,
            converged: m.converged,
            best: Some(i) == first_best,
        })
        .collect())
}
