//! `compare`: models learned on the same data, side by side by their ELBO.

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
    /// Final ELBO.
    pub elbo: f64,
    /// `ELBO − max ELBO` (0 for the best).
    pub elbo_minus_best: f64,
    /// Whether the fit converged.
    pub converged: bool,
    /// Whether this model has the highest ELBO (the first such when tied).
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
    let best = models
        .iter()
        .map(|(_, m)| m.elbo)
        .fold(f64::NEG_INFINITY, f64::max);
    let first_best = models.iter().position(|(_, m)| m.elbo == best);
    Ok(models
        .iter()
        .enumerate()
        .map(|(i, (path, m))| ComparisonRow {
            model: path.display().to_string(),
            law: m.law.summary(),
            nc: m.nc,
            terms: m.names.len(),
            active: m.active.iter().filter(|a| **a).count(),
            elbo: m.elbo,
            elbo_minus_best: m.elbo - best,
            converged: m.converged,
            best: Some(i) == first_best,
        })
        .collect())
}
