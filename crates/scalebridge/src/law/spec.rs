//! The serialisable description of a law family: the `law` field of `posterior.json`, enough
//! to rebuild the family ([`LawSpec::build`]; it and [`LawSpec::summary`] are in `options.rs`).

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
}
