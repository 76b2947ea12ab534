//! Building a law family: from its description ([`LawSpec::build`]) and from the options a
//! user gives on the command line or in a run configuration ([`LawOptions`]), with the
//! defaults of the kernel law.

use super::family::CoarseLaw;
use super::features::FeatureLibrary;
use super::kernel::{HopFeature, KernelLaw, Local};
use super::spec::LawSpec;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

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

    /// The law as it is fitted at `nc` bins: the kernel law's Fourier position modes with
    /// `2k ≥ nc` dropped — at the bin centres they repeat a lower mode up to sign, or vanish
    /// (`cos(2π·6y/P)` at 12 bins) — so the default six modes serve any binning; the fitted
    /// law's feature list shows what was kept. Other families are returned unchanged.
    pub fn at_bins(&self, nc: usize) -> LawSpec {
        match self {
            LawSpec::Kernel { hop, features } => LawSpec::Kernel {
                hop: *hop,
                features: features
                    .iter()
                    .filter(|n| match Local::from_name(n) {
                        Some(Local::Sin(k) | Local::Cos(k)) => 2 * k < nc,
                        _ => true,
                    })
                    .cloned()
                    .collect(),
            },
            other => other.clone(),
        }
    }

    /// A one-line summary, e.g. `polynomial (M = 2, order 2)`, `kernel (B = 2; 1, u)`, or
    /// with several position modes `kernel (B = 2; 1, u, sin, cos(2πky/P) k = 1..6)` (the
    /// feature list of `posterior.json` names every one).
    pub fn summary(&self) -> String {
        match self {
            LawSpec::Polynomial { range, order } => {
                format!("polynomial (M = {range}, order {order})")
            }
            LawSpec::Kernel { hop, features } => {
                format!("kernel (B = {hop}; {})", compact_modes(features).join(", "))
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
                Ok(Box::new(KernelLaw::from_names(*hop, features)?))
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

/// The feature names with a run of position modes `sin(2πy/P), cos(2πy/P), …,
/// sin(2πKy/P), cos(2πKy/P)` (`K ≥ 2`) written as one `sin, cos(2πky/P) k = 1..K`; the names
/// are read by [`Local::from_name`].
fn compact_modes(features: &[String]) -> Vec<String> {
    let local = |i: usize| features.get(i).and_then(|n| Local::from_name(n));
    let Some(start) = (0..features.len()).find(|&i| local(i) == Some(Local::Sin(1))) else {
        return features.to_vec();
    };
    let run = (1..)
        .take_while(|&k| {
            local(start + 2 * (k - 1)) == Some(Local::Sin(k))
                && local(start + 2 * k - 1) == Some(Local::Cos(k))
        })
        .count();
    if run < 2 {
        return features.to_vec();
    }
    let mut out = features[..start].to_vec();
    out.push(format!("sin, cos(2πky/P) k = 1..{run}"));
    out.extend_from_slice(&features[start + 2 * run..]);
    out
}

/// Default hop range `B` of the kernel law.
pub const DEFAULT_HOP: usize = 2;
/// Default number of Fourier position modes of the kernel law: `sin`, `cos` of `2πky/P`,
/// `k = 1..6` (wavelengths down to 4 bins at `nc = 24`), ARD pruning those the data do not
/// need. Measured 2026-11-29 on five walker systems this project does not ship, 16 runs × 8
/// steps, 20 Δt, two training seeds (`docs/learning.md`, *position modes*): with one mode the
/// kernel law cannot express media whose rates vary on shorter scales than the domain (error
/// 0.07–0.18 on four position-dependent media, at least 0.10 on three of them); with six,
/// 0.03–0.07 on all four. A
/// homogeneous system pays for the extra candidates (0.026–0.039 with one mode, 0.059–0.067
/// with six). A mode `k` needs `nc > 2k` bins: below 13 bins the fit keeps the modes the
/// binning resolves ([`LawSpec::at_bins`]).
pub const DEFAULT_MODES: usize = 6;
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
        // the default modes at the bins the data have: all six at 24 bins, those with 2k < nc
        // at fewer (the fitted law checks the rest, `KernelLaw::check`)
        let default = LawOptions::default().spec("kernel").unwrap();
        assert_eq!(default.at_bins(24), default);
        assert_eq!(default.at_bins(13), default);
        for nc in [5, 8, 12] {
            assert_eq!(
                default.at_bins(nc),
                LawSpec::kernel(DEFAULT_HOP, &[Local::Density], (nc - 1) / 2)
            );
            default.at_bins(nc).build().unwrap().check(nc).unwrap();
        }
        assert!(default.build().unwrap().check(12).is_err());
        let poly = LawSpec::Polynomial { range: 2, order: 1 };
        assert_eq!(poly.at_bins(5), poly);
        assert!(
            LawOptions {
                hop: Some(0),
                ..Default::default()
            }
            .spec("kernel")
            .is_err()
        );
    }

    fn kernel(features: &[&str]) -> String {
        LawSpec::Kernel {
            hop: 2,
            features: features.iter().map(|f| f.to_string()).collect(),
        }
        .summary()
    }

    /// Several modes are written as one range; one mode, or a broken run, as they are.
    #[test]
    fn position_modes_are_summarised_as_a_range() {
        let six: Vec<String> = (1..=6)
            .flat_map(|k| [Local::Sin(k).name(), Local::Cos(k).name()])
            .collect();
        let mut f = vec!["1", "u"];
        f.extend(six.iter().map(String::as_str));
        assert_eq!(
            kernel(&f),
            "kernel (B = 2; 1, u, sin, cos(2πky/P) k = 1..6)"
        );
        f.push("grad");
        assert_eq!(
            kernel(&f),
            "kernel (B = 2; 1, u, sin, cos(2πky/P) k = 1..6, grad)"
        );
        assert_eq!(
            kernel(&["1", "u", "sin(2πy/P)", "cos(2πy/P)"]),
            "kernel (B = 2; 1, u, sin(2πy/P), cos(2πy/P))"
        );
        let gap = [
            "1",
            "sin(2πy/P)",
            "cos(2πy/P)",
            "sin(2π3y/P)",
            "cos(2π3y/P)",
        ];
        assert_eq!(kernel(&gap), format!("kernel (B = 2; {})", gap.join(", ")));
        assert_eq!(kernel(&["1"]), "kernel (B = 2; 1)");
    }
}
