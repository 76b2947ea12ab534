//! A coarse evolution law linear in the features of a library (SPEC A.3).

use super::features::FeatureLibrary;
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// `μ_j(X) = θᵀ φ̃^(j)(X)`: the mean of the next coarse state.
#[derive(Debug)]
pub struct LinearLaw {
    library: FeatureLibrary,
    theta: Vec<f64>,
}

impl LinearLaw {
    /// A law from a library and one coefficient per feature.
    pub fn new(library: FeatureLibrary, theta: Vec<f64>) -> Result<Self> {
        if theta.len() != library.len() {
            return Err(Error::param(
                "theta",
                format!("{} coefficients", theta.len()),
                &format!("one per feature ({})", library.len()),
            ));
        }
        if let Some(i) = theta.iter().position(|t| !t.is_finite()) {
            return Err(Error::param(&library.names()[i], theta[i], "finite"));
        }
        Ok(LinearLaw { library, theta })
    }

    /// A law from named coefficients; features not named have coefficient zero. An unknown name
    /// is an error that lists the names the library has.
    pub fn from_terms(library: FeatureLibrary, terms: &BTreeMap<String, f64>) -> Result<Self> {
        let mut theta = vec![0.0; library.len()];
        for (name, &value) in terms {
            let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
            let Some(i) = library.index_of(&compact) else {
                return Err(Error::param(
                    "law",
                    format!("term `{name}`"),
                    &format!("one of {}", library.names().join(", ")),
                ));
            };
            theta[i] = value;
        }
        Self::new(library, theta)
    }

    /// The paper's synthetic law (SPEC A.1.3): range `M = 2`, second order, all coefficients
    /// zero except `X(j-1): 0.5`, `X(j+1): 0.5`, `X(j+1)*X(j+1): -0.23`, `X(j-1)*X(j-1): 0.21`.
    pub fn paper_synthetic_terms() -> BTreeMap<String, f64> {
        [
            ("X(j-1)", 0.5),
            ("X(j+1)", 0.5),
            ("X(j+1)*X(j+1)", -0.23),
            ("X(j-1)*X(j-1)", 0.21),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The feature library.
    pub fn library(&self) -> &FeatureLibrary {
        &self.library
    }

    /// The coefficients `θ`.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// The non-zero coefficients by name.
    pub fn terms(&self) -> BTreeMap<String, f64> {
        self.library
            .names()
            .iter()
            .zip(&self.theta)
            .filter(|(_, t)| **t != 0.0)
            .map(|(n, &t)| (n.clone(), t))
            .collect()
    }

    /// The mean `μ(X)` of the next state, centred (as the centred features make it).
    pub fn mean(&self, x: &[f64]) -> Vec<f64> {
        let l = self.library.len();
        let design = self.library.design(x);
        design
            .chunks_exact(l)
            .map(|row| row.iter().zip(&self.theta).map(|(a, b)| a * b).sum())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_law_mean_matches_hand_computation() {
        let lib = FeatureLibrary::polynomial(2, 2).unwrap();
        let law = LinearLaw::from_terms(lib, &LinearLaw::paper_synthetic_terms()).unwrap();
        let x = [0.3, -0.1, 0.2, -0.4, 0.0];
        let mu = law.mean(&x);
        let n = x.len();
        let raw: Vec<f64> = (0..n)
            .map(|j| {
                let xm = x[(j + n - 1) % n];
                let xp = x[(j + 1) % n];
                0.5 * xm + 0.5 * xp - 0.23 * xp * xp + 0.21 * xm * xm
            })
            .collect();
        let mean = raw.iter().sum::<f64>() / n as f64;
        for j in 0..n {
            assert!((mu[j] - (raw[j] - mean)).abs() < 1e-14);
        }
        assert!(mu.iter().sum::<f64>().abs() < 1e-14);
    }

    #[test]
    fn unknown_term_is_named() {
        let lib = FeatureLibrary::polynomial(1, 1).unwrap();
        let mut t = BTreeMap::new();
        t.insert("X(j+5)".to_owned(), 1.0);
        let e = LinearLaw::from_terms(lib, &t).unwrap_err().to_string();
        assert!(e.contains("X(j+5)") && e.contains("X(j-1)"), "{e}");
    }
}
