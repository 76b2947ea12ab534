//! The serialisable description of a law family: the `law` field of `posterior.json`, enough
//! to rebuild the family ([`LawSpec::build`], in `options.rs`).

use serde::{Deserialize, Serialize};

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
        /// The local features by name (see [`super::kernel::Local`]), the constant first.
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
    /// The family's short name: `polynomial`, `kernel` or `custom`.
    pub fn family(&self) -> &'static str {
        match self {
            LawSpec::Polynomial { .. } => "polynomial",
            LawSpec::Kernel { .. } => "kernel",
            LawSpec::Custom { .. } => "custom",
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
}

/// The feature names with a run of position modes `sin(2πy/P), cos(2πy/P), …,
/// sin(2πKy/P), cos(2πKy/P)` (`K ≥ 2`) written as one `sin, cos(2πky/P) k = 1..K`.
fn compact_modes(features: &[String]) -> Vec<String> {
    let mode = |k: usize, f: &str| {
        if k == 1 {
            format!("{f}(2πy/P)")
        } else {
            format!("{f}(2π{k}y/P)")
        }
    };
    let Some(start) = features.iter().position(|f| *f == mode(1, "sin")) else {
        return features.to_vec();
    };
    let run = (1..)
        .take_while(|&k| {
            features.get(start + 2 * (k - 1)) == Some(&mode(k, "sin"))
                && features.get(start + 2 * k - 1) == Some(&mode(k, "cos"))
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

#[cfg(test)]
mod tests {
    use super::*;

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
            .flat_map(|k| {
                let k = if k == 1 { String::new() } else { k.to_string() };
                [format!("sin(2π{k}y/P)"), format!("cos(2π{k}y/P)")]
            })
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
