//! The one interface every coarse law family implements, and the serialisable description
//! (`law` in `posterior.json`) that rebuilds a family.
//!
//! A law family maps a coarse state `X` and coefficients `θ` to the mean of the next state,
//! `μ(X; θ)`, centred across bins. The learner needs the mean and its Jacobian `∂μ/∂θ` (for a
//! law linear in `θ` the Jacobian is the design matrix and does not depend on `θ`); prediction
//! needs the mean; `show` and the report need names and, optionally, a law-specific table.
//! Nothing downstream knows which family it holds: a third family implements [`CoarseLaw`] and
//! adds a [`LawSpec`] variant.

use super::features::FeatureLibrary;
use super::kernel::{HopFeature, KernelLaw, Local};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A coarse evolution law family: `X'_j | X ~ Normal(μ_j(X; θ), 1/v_j)`.
pub trait CoarseLaw: Send + Sync + fmt::Debug {
    /// Coefficient names, one per entry of `θ`, readable by a physicist.
    fn names(&self) -> Vec<String>;
    /// Number of coefficients `L`.
    fn len(&self) -> usize;
    /// Whether the law has no coefficients.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Checks that the law can be evaluated on `nc` bins.
    fn check(&self, nc: usize) -> Result<()>;
    /// Whether `μ` is linear in `θ` (the Jacobian then does not depend on `θ`, and the learner
    /// needs no re-linearisation).
    fn is_linear(&self) -> bool;
    /// `μ(X; θ)` into `out` (`nc` values, centred).
    fn mean_into(&self, x: &[f64], theta: &[f64], out: &mut [f64]);
    /// `μ(X; θ)` into `mean` and `∂μ_j/∂θ_l` into `jac` (`nc × L`, row-major).
    fn linearise_into(&self, x: &[f64], theta: &[f64], mean: &mut [f64], jac: &mut [f64]);
    /// How to rebuild the family from `posterior.json`.
    fn spec(&self) -> LawSpec;
    /// The equation's first line: the form of the law in words and symbols.
    fn form(&self, nc: usize) -> String;
    /// A law-specific table for `show` and the report (for example hop probabilities with
    /// error bars), from the posterior mean and covariance of `θ`; `None` when the coefficient
    /// list says it all.
    fn table(&self, _theta: &[f64], _cov: &[Vec<f64>], _nc: usize) -> Option<String> {
        None
    }
}

/// What `posterior.json` records about the law family (its `law` field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum LawSpec {
    /// SPEC A.3: polynomial in `X` of interaction range `M`.
    Polynomial {
        /// Interaction range `M`.
        #[serde(rename = "M")]
        range: usize,
        /// Order, 1 or 2.
        order: usize,
    },
    /// SPEC A.9: mass hops of up to `hop` bins, log-odds linear in named local features.
    Kernel {
        /// Hop range `B`.
        hop: usize,
        /// The local features by name (see [`Local`]), the constant first.
        features: Vec<String>,
    },
    /// A family built in code (a user's own feature library); it cannot be rebuilt from a
    /// file.
    Custom {
        /// What the family is.
        description: String,
    },
}

impl Default for LawSpec {
    fn default() -> Self {
        LawSpec::Polynomial { range: 2, order: 2 }
    }
}

impl LawSpec {
    /// The kernel law with hop range `hop`, the constant, the given density features and
    /// `modes` Fourier position modes (`sin`, `cos` of `2πky/P`, `k = 1..modes`).
    pub fn kernel(hop: usize, density: &[Local], modes: usize) -> Self {
        let mut features = vec![Local::Constant];
        features.extend(density.iter().copied().filter(|f| *f != Local::Constant));
        for k in 1..=modes {
            features.push(Local::Sin(k));
            features.push(Local::Cos(k));
        }
        LawSpec::Kernel {
            hop,
            features: features.iter().map(|f| f.name()).collect(),
        }
    }

    /// The family's short name: `polynomial`, `kernel` or `custom`.
    pub fn family(&self) -> &'static str {
        match self {
            LawSpec::Polynomial { .. } => "polynomial",
            LawSpec::Kernel { .. } => "kernel",
            LawSpec::Custom { .. } => "custom",
        }
    }

    /// A one-line summary, e.g. `polynomial (M = 2, order 2)` or `kernel (B = 2; 1, u)`.
    pub fn summary(&self) -> String {
        match self {
            LawSpec::Polynomial { range, order } => {
                format!("polynomial (M = {range}, order {order})")
            }
            LawSpec::Kernel { hop, features } => {
                format!("kernel (B = {hop}; {})", features.join(", "))
            }
            LawSpec::Custom { description } => format!("custom ({description})"),
        }
    }

    /// Builds the family.
    pub fn build(&self) -> Result<Box<dyn CoarseLaw>> {
        match self {
            LawSpec::Polynomial { range, order } => {
                Ok(Box::new(FeatureLibrary::polynomial(*range, *order)?))
            }
            LawSpec::Kernel { hop, features } => {
                let parsed = features
                    .iter()
                    .map(|n| {
                        Local::from_name(n).ok_or_else(|| {
                            Error::param(
                                "law.features",
                                format!("`{n}`"),
                                &format!("one of {}", Local::known_names().join(", ")),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Box::new(KernelLaw::of_locals(*hop, &parsed)?))
            }
            LawSpec::Custom { description } => Err(Error::param(
                "law",
                format!("custom ({description})"),
                "a polynomial or kernel law: a custom family cannot be rebuilt from a file; \
                 use the library with the same family",
            )),
        }
    }
}

/// Default hop range `B` of the kernel law.
pub const DEFAULT_HOP: usize = 2;
/// Default number of Fourier position modes of the kernel law.
pub const DEFAULT_MODES: usize = 1;
/// Default density features of the kernel law (short names, see
/// [`super::kernel::DENSITY_FEATURES`]).
pub const DEFAULT_DENSITY: [&str; 1] = ["u"];

/// The options of a law as a user gives them (command-line flags, the `[learn]` keys of a run
/// configuration), each `None` when not given; [`LawOptions::spec`] checks that they belong
/// to the family and fills in the defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LawOptions {
    /// Polynomial: interaction range `M` (required).
    pub range: Option<usize>,
    /// Polynomial: order (default 2).
    pub order: Option<usize>,
    /// Kernel: hop range `B` (default [`DEFAULT_HOP`]).
    pub hop: Option<usize>,
    /// Kernel: Fourier position modes (default [`DEFAULT_MODES`]).
    pub modes: Option<usize>,
    /// Kernel: density features by short or full name, empty for none (default
    /// [`DEFAULT_DENSITY`]).
    pub density_features: Option<Vec<String>>,
}

impl LawOptions {
    /// The law of `family` (`polynomial` or `kernel`). An option of the other family, a
    /// missing `range` for the polynomial law or an unknown feature is an error naming it.
    pub fn spec(&self, family: &str) -> Result<LawSpec> {
        let only = |name: &str, given: bool, fam: &str| -> Result<()> {
            if given {
                Err(Error::param(
                    name,
                    "given",
                    &format!("given only with the {fam} law"),
                ))
            } else {
                Ok(())
            }
        };
        match family {
            "polynomial" => {
                only("hop", self.hop.is_some(), "kernel")?;
                only("modes", self.modes.is_some(), "kernel")?;
                only(
                    "density-features",
                    self.density_features.is_some(),
                    "kernel",
                )?;
                let range = self.range.ok_or_else(|| {
                    Error::param(
                        "range",
                        "missing",
                        "given for the polynomial law (the interaction range M)",
                    )
                })?;
                let spec = LawSpec::Polynomial {
                    range,
                    order: self.order.unwrap_or(2),
                };
                spec.build()?;
                Ok(spec)
            }
            "kernel" => {
                only("range", self.range.is_some(), "polynomial")?;
                only("order", self.order.is_some(), "polynomial")?;
                let names: Vec<String> = match &self.density_features {
                    Some(v) => v.clone(),
                    None => DEFAULT_DENSITY.iter().map(|s| s.to_string()).collect(),
                };
                let density = names
                    .iter()
                    .map(|n| n.trim())
                    .filter(|n| !n.is_empty() && *n != "none")
                    .map(|n| {
                        Local::parse_density(n).ok_or_else(|| {
                            Error::param(
                                "density-features",
                                format!("`{n}`"),
                                "a list from u, u2, log1p, sat, grad (or none)",
                            )
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let spec = LawSpec::kernel(
                    self.hop.unwrap_or(DEFAULT_HOP),
                    &density,
                    self.modes.unwrap_or(DEFAULT_MODES),
                );
                spec.build()?;
                Ok(spec)
            }
            other => Err(Error::param("law", other, "polynomial or kernel")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_belong_to_their_family() {
        let poly = LawOptions {
            range: Some(3),
            ..Default::default()
        };
        assert_eq!(
            poly.spec("polynomial").unwrap(),
            LawSpec::Polynomial { range: 3, order: 2 }
        );
        let e = poly.spec("kernel").unwrap_err().to_string();
        assert!(e.contains("range") && e.contains("polynomial law"), "{e}");
        let e = LawOptions::default()
            .spec("polynomial")
            .unwrap_err()
            .to_string();
        assert!(e.contains("range") && e.contains("missing"), "{e}");
        let k = LawOptions {
            hop: Some(1),
            modes: Some(0),
            density_features: Some(vec!["sat".into(), "grad".into()]),
            ..Default::default()
        };
        assert_eq!(
            k.spec("kernel").unwrap(),
            LawSpec::Kernel {
                hop: 1,
                features: vec!["1".into(), "u/(1+u)".into(), "u(i+1)-u(i-1)".into()]
            }
        );
        let e = LawOptions {
            density_features: Some(vec!["rho".into()]),
            ..Default::default()
        }
        .spec("kernel")
        .unwrap_err()
        .to_string();
        assert!(e.contains("density-features") && e.contains("rho"), "{e}");
        assert_eq!(
            LawOptions::default().spec("kernel").unwrap(),
            LawSpec::kernel(DEFAULT_HOP, &[Local::Density], DEFAULT_MODES)
        );
        assert!(
            LawOptions {
                hop: Some(0),
                ..Default::default()
            }
            .spec("kernel")
            .is_err()
        );
    }
}
