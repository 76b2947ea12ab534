//! Parameters of the shipped systems: one flat TOML-able configuration, validated once into a
//! [`ValidConfig`] that builds the system.
//!
//! | key | systems | default | range |
//! |---|---|---|---|
//! | `system` | all | — | `advdiff`, `burgers`, `synthetic` |
//! | `nf` | all | 2400 (synthetic 4800) | ≥ 1 |
//! | `nc` | all | 24 | ≥ 3 |
//! | `ymin`, `ymax` | all | −1, 1 | finite, `ymin < ymax` |
//! | `delta_y` (δy) | walkers | 3.875e-3 | `0 < δy < (ymax−ymin)/2` |
//! | `delta_t` (δt) | walkers | 2.5e-3 | > 0 |
//! | `steps` (s) | walkers | 400 | ≥ 1 |
//! | `kl`, `kr` | advdiff | 0.195, 0.205 | ≥ 0, `kl + kr ≤ 1` |
//! | `sampler` | advdiff | `exact` | `exact`, `per-step` |
//! | `k` | burgers | 0.2 | `0 < k ≤ 0.5` |
//! | `c` | burgers | 0.05 | finite |
//! | `w` | burgers | 0.04 | `0 < w < (ymax−ymin)/2` |
//! | `dt` (Δt) | synthetic | 1.0 | > 0 |
//! | `range` (M), `order` | synthetic | 2, 2 | `2M+1 ≤ nc`; 1 or 2 |
//! | `law` | synthetic | the paper's θ* | table of `"term" = value` |
//! | `amplitude` | all | advdiff 2.0, burgers 1.0, synthetic 1.0 | ≥ 0 |
//! | `corr_min`, `corr_max` | all | 0.25, nc/4 (bins) | `0 < corr_min ≤ corr_max ≤ nc` |
//!
//! Walker systems have coarse step `Δt = s·δt`. The amplitude defaults reflect SPEC A.5: the
//! synthetic law's quadratic terms blow up for large `X`, so it stays ≤ 1; advection–diffusion
//! goes far from uniform (density ratios up to ~e⁸) so that its nonlinear regime is in the data;
//! Burgers stays at 1.0, where a bump steepens into a shock within a few `Δt` but the jump
//! probabilities are rarely clipped.

use super::systems::{AdvDiffSampler, AdvectionDiffusion, BurgersWalkers, FineSystem, Synthetic};
use crate::error::{Error, Result};
use crate::law::{FeatureLibrary, LinearLaw};
use crate::walkers::domain::Domain;
use crate::walkers::initial::SmoothRandomField;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The shipped fine systems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SystemKind {
    /// Advection–diffusion walkers (SPEC A.1.1).
    Advdiff,
    /// Burgers walkers (SPEC A.1b).
    Burgers,
    /// The synthetic system driven by a coarse law (SPEC A.1.3).
    Synthetic,
}

impl SystemKind {
    /// All kinds, in CLI order.
    pub const ALL: [SystemKind; 3] = [Self::Advdiff, Self::Burgers, Self::Synthetic];

    /// The name used on the command line and in manifests.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Advdiff => "advdiff",
            Self::Burgers => "burgers",
            Self::Synthetic => "synthetic",
        }
    }
}

impl fmt::Display for SystemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SystemKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::param("system", s, "one of advdiff, burgers, synthetic"))
    }
}

/// Every parameter a simulation may set; `None` means "the system's default". Unknown keys
/// in a TOML file are an error.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationConfig {
    pub system: Option<SystemKind>,
    pub nf: Option<usize>,
    pub nc: Option<usize>,
    pub ymin: Option<f64>,
    pub ymax: Option<f64>,
    pub delta_y: Option<f64>,
    pub delta_t: Option<f64>,
    pub steps: Option<usize>,
    pub kl: Option<f64>,
    pub kr: Option<f64>,
    pub sampler: Option<AdvDiffSampler>,
    pub k: Option<f64>,
    pub c: Option<f64>,
    pub w: Option<f64>,
    pub dt: Option<f64>,
    pub range: Option<usize>,
    pub order: Option<usize>,
    pub law: Option<BTreeMap<String, f64>>,
    pub amplitude: Option<f64>,
    pub corr_min: Option<f64>,
    pub corr_max: Option<f64>,
}

/// Validated parameters of one system.
#[derive(Clone, Debug, PartialEq)]
pub enum SystemParams {
    /// Advection–diffusion.
    Advdiff {
        kl: f64,
        kr: f64,
        delta_y: f64,
        delta_t: f64,
        steps: usize,
        sampler: AdvDiffSampler,
    },
    /// Burgers walkers.
    Burgers {
        k: f64,
        c: f64,
        w: f64,
        delta_y: f64,
        delta_t: f64,
        steps: usize,
    },
    /// Synthetic law.
    Synthetic {
        dt: f64,
        range: usize,
        order: usize,
        law: BTreeMap<String, f64>,
    },
}

/// A validated simulation configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidConfig {
    /// Which system.
    pub system: SystemKind,
    /// The periodic interval.
    pub domain: Domain,
    /// Number of walkers.
    pub nf: usize,
    /// Number of coarse bins.
    pub nc: usize,
    /// The system's own parameters.
    pub params: SystemParams,
    /// The initial-state distribution of controlled experiments.
    pub initial: SmoothRandomField,
}

fn positive(name: &str, v: f64) -> Result<f64> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(Error::param(name, v, "finite and > 0"))
    }
}

impl SimulationConfig {
    /// Reads a TOML file; unknown keys and wrong types are errors naming the file and key.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| Error::Config {
            path: path.to_owned(),
            message: e.message().to_owned()
                + &e.span()
                    .map(|s| {
                        let line = text[..s.start].matches('\n').count() + 1;
                        format!(" (line {line})")
                    })
                    .unwrap_or_default(),
        })
    }

    /// Overlays the values set in `other` on top of `self`.
    pub fn overlay(mut self, other: SimulationConfig) -> Self {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            system, nf, nc, ymin, ymax, delta_y, delta_t, steps, kl, kr, sampler, k, c, w, dt,
            range, order, law, amplitude, corr_min, corr_max
        );
        self
    }

    fn reject_foreign(&self, system: SystemKind) -> Result<()> {
        use SystemKind::{Advdiff as A, Burgers as B, Synthetic as S};
        // each system-specific key with the systems it belongs to
        let owned: [(&str, bool, &[SystemKind]); 12] = [
            ("delta_y", self.delta_y.is_some(), &[A, B]),
            ("delta_t", self.delta_t.is_some(), &[A, B]),
            ("steps", self.steps.is_some(), &[A, B]),
            ("kl", self.kl.is_some(), &[A]),
            ("kr", self.kr.is_some(), &[A]),
            ("sampler", self.sampler.is_some(), &[A]),
            ("k", self.k.is_some(), &[B]),
            ("c", self.c.is_some(), &[B]),
            ("w", self.w.is_some(), &[B]),
            ("dt", self.dt.is_some(), &[S]),
            ("range", self.range.is_some(), &[S]),
            ("order", self.order.is_some(), &[S]),
        ];
        let law = ("law", self.law.is_some(), &[S][..]);
        let foreign: Vec<&str> = owned
            .iter()
            .chain(std::iter::once(&law))
            .filter(|(_, set, systems)| *set && !systems.contains(&system))
            .map(|(name, _, _)| *name)
            .collect();
        match foreign.first() {
            Some(name) => Err(Error::param(
                name,
                "set",
                &format!("left unset: it is not a parameter of system `{system}`"),
            )),
            None => Ok(()),
        }
    }

    /// Applies the system's defaults and checks every range.
    pub fn validate(&self) -> Result<ValidConfig> {
        let system = self
            .system
            .ok_or_else(|| Error::param("system", "none", "one of advdiff, burgers, synthetic"))?;
        self.reject_foreign(system)?;
        let domain = Domain::new(self.ymin.unwrap_or(-1.0), self.ymax.unwrap_or(1.0))?;
        let len = domain.length();
        let nf = self.nf.unwrap_or(match system {
            SystemKind::Synthetic => 4800,
            _ => 2400,
        });
        if nf == 0 || nf > u32::MAX as usize {
            return Err(Error::param("nf", nf, "between 1 and 2^32 - 1"));
        }
        let nc = self.nc.unwrap_or(24);
        if nc < 3 {
            return Err(Error::param("nc (--bins)", nc, ">= 3"));
        }
        let walker = |what: &str| -> Result<(f64, f64, usize)> {
            let dy = self.delta_y.unwrap_or(3.875e-3);
            if !(dy > 0.0 && dy < len / 2.0) {
                return Err(Error::param(
                    "delta_y",
                    dy,
                    &format!("in (0, (ymax-ymin)/2 = {}) for {what}", len / 2.0),
                ));
            }
            let dt = positive("delta_t", self.delta_t.unwrap_or(2.5e-3))?;
            let steps = self.steps.unwrap_or(400);
            if steps == 0 {
                return Err(Error::param("steps", steps, ">= 1"));
            }
            Ok((dy, dt, steps))
        };
        let params = match system {
            SystemKind::Advdiff => {
                let (delta_y, delta_t, steps) = walker("advdiff")?;
                let kl = self.kl.unwrap_or(0.195);
                let kr = self.kr.unwrap_or(0.205);
                for (n, v) in [("kl", kl), ("kr", kr)] {
                    if !(0.0..=1.0).contains(&v) {
                        return Err(Error::param(n, v, "in [0, 1]"));
                    }
                }
                if kl + kr > 1.0 {
                    return Err(Error::param("kl + kr", format!("{kl} + {kr}"), "<= 1"));
                }
                SystemParams::Advdiff {
                    kl,
                    kr,
                    delta_y,
                    delta_t,
                    steps,
                    sampler: self.sampler.unwrap_or_default(),
                }
            }
            SystemKind::Burgers => {
                let (delta_y, delta_t, steps) = walker("burgers")?;
                let k = self.k.unwrap_or(0.2);
                if !(k > 0.0 && k <= 0.5) {
                    return Err(Error::param("k", k, "in (0, 0.5]"));
                }
                let c = self.c.unwrap_or(0.05);
                if !c.is_finite() {
                    return Err(Error::param("c", c, "finite"));
                }
                let w = self.w.unwrap_or(0.04);
                if !(w > 0.0 && w < len / 2.0) {
                    return Err(Error::param(
                        "w",
                        w,
                        &format!("in (0, (ymax-ymin)/2 = {})", len / 2.0),
                    ));
                }
                SystemParams::Burgers {
                    k,
                    c,
                    w,
                    delta_y,
                    delta_t,
                    steps,
                }
            }
            SystemKind::Synthetic => {
                let dt = positive("dt", self.dt.unwrap_or(1.0))?;
                let range = self.range.unwrap_or(2);
                let order = self.order.unwrap_or(2);
                let law = self
                    .law
                    .clone()
                    .unwrap_or_else(LinearLaw::paper_synthetic_terms);
                // build once to check names, range and order
                let lib = FeatureLibrary::polynomial(range, order)?;
                lib.check(nc)?;
                LinearLaw::from_terms(lib, &law)?;
                SystemParams::Synthetic {
                    dt,
                    range,
                    order,
                    law,
                }
            }
        };
        let initial = SmoothRandomField {
            amplitude: self.amplitude.unwrap_or(match system {
                SystemKind::Advdiff => 2.0,
                SystemKind::Burgers | SystemKind::Synthetic => 1.0,
            }),
            corr_min: self.corr_min.unwrap_or(0.25),
            corr_max: self
                .corr_max
                .unwrap_or((nc as f64 / 4.0).max(self.corr_min.unwrap_or(0.25))),
        };
        initial.check(nc)?;
        Ok(ValidConfig {
            system,
            domain,
            nf,
            nc,
            params,
            initial,
        })
    }
}

impl ValidConfig {
    /// Builds the fine system.
    pub fn build(&self) -> Result<Box<dyn FineSystem>> {
        Ok(match &self.params {
            SystemParams::Advdiff {
                kl,
                kr,
                delta_y,
                delta_t,
                steps,
                sampler,
            } => Box::new(AdvectionDiffusion::new(
                self.domain,
                *kl,
                *kr,
                *delta_y,
                *delta_t,
                *steps,
                *sampler,
            )?),
            SystemParams::Burgers {
                k,
                c,
                w,
                delta_y,
                delta_t,
                steps,
            } => Box::new(BurgersWalkers::new(
                self.domain,
                *k,
                *c,
                *w,
                *delta_y,
                *delta_t,
                *steps,
            )),
            SystemParams::Synthetic {
                dt,
                range,
                order,
                law,
            } => {
                let lib = FeatureLibrary::polynomial(*range, *order)?;
                Box::new(Synthetic::new(
                    LinearLaw::from_terms(lib, law)?,
                    self.domain,
                    *dt,
                ))
            }
        })
    }

    /// Builds the system and runs `n` controlled experiments with the softmax lifting and this
    /// configuration's initial-state distribution (see [`crate::walkers::experiments::run_controlled`]).
    pub fn run_controlled(
        &self,
        n: usize,
        seed: u64,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<crate::walkers::experiments::Experiments> {
        let system = self.build()?;
        let lift = crate::walkers::lift::SoftmaxLift {
            domain: self.domain,
        };
        crate::walkers::experiments::run_controlled(
            system.as_ref(),
            &lift,
            &self.initial,
            self.nc,
            self.nf,
            n,
            seed,
            progress,
        )
    }

    /// The coarse time step `Δt` (`s·δt` for walkers).
    pub fn coarse_dt(&self) -> f64 {
        match &self.params {
            SystemParams::Advdiff { delta_t, steps, .. }
            | SystemParams::Burgers { delta_t, steps, .. } => *steps as f64 * delta_t,
            SystemParams::Synthetic { dt, .. } => *dt,
        }
    }

    /// Every parameter, defaults included, as recorded in a manifest (`dt` is `Δt`).
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "nf": self.nf,
            "nc": self.nc,
            "ymin": self.domain.ymin,
            "ymax": self.domain.ymax,
            "dt": self.coarse_dt(),
            "amplitude": self.initial.amplitude,
            "corr_min": self.initial.corr_min,
            "corr_max": self.initial.corr_max,
        });
        let extra = match &self.params {
            SystemParams::Advdiff {
                kl,
                kr,
                delta_y,
                delta_t,
                steps,
                sampler,
            } => json!({
                "kl": kl, "kr": kr, "delta_y": delta_y, "delta_t": delta_t, "steps": steps,
                "sampler": sampler,
                "D": (kl + kr) * delta_y * delta_y / (2.0 * delta_t),
                "va": (kr - kl) * delta_y / delta_t,
            }),
            SystemParams::Burgers {
                k,
                c,
                w,
                delta_y,
                delta_t,
                steps,
            } => json!({
                "k": k, "c": c, "w": w, "delta_y": delta_y, "delta_t": delta_t, "steps": steps,
                "a": c * delta_t / (2.0 * delta_y),
                "D": k * delta_y * delta_y / delta_t,
            }),
            SystemParams::Synthetic {
                range, order, law, ..
            } => json!({ "range": range, "order": order, "law": law }),
        };
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(system: SystemKind) -> SimulationConfig {
        SimulationConfig {
            system: Some(system),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_validate_for_every_system() {
        for s in SystemKind::ALL {
            let v = cfg(s).validate().unwrap();
            v.build().unwrap();
            assert_eq!(v.nc, 24);
        }
        let v = cfg(SystemKind::Advdiff).validate().unwrap();
        assert!((v.coarse_dt() - 1.0).abs() < 1e-12);
        let j = v.to_json();
        // SPEC A.1: D = (kl+kr) δy²/(2δt) = 1.20125e-3 ≈ 1.2e-3, va = 1.55e-2
        assert!((j["D"].as_f64().unwrap() - 1.20125e-3).abs() < 1e-15);
        assert!((j["va"].as_f64().unwrap() - 1.55e-2).abs() < 1e-12);
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let bad = |c: SimulationConfig, name: &str| {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
        };
        bad(
            SimulationConfig {
                kl: Some(0.6),
                kr: Some(0.5),
                ..cfg(SystemKind::Advdiff)
            },
            "kl + kr",
        );
        bad(
            SimulationConfig {
                nf: Some(0),
                ..cfg(SystemKind::Burgers)
            },
            "nf",
        );
        bad(
            SimulationConfig {
                nc: Some(2),
                ..cfg(SystemKind::Advdiff)
            },
            "nc",
        );
        bad(
            SimulationConfig {
                ymin: Some(1.0),
                ymax: Some(0.0),
                ..cfg(SystemKind::Advdiff)
            },
            "ymin",
        );
        bad(
            SimulationConfig {
                kl: Some(0.1),
                ..cfg(SystemKind::Burgers)
            },
            "kl",
        );
        bad(
            SimulationConfig {
                range: Some(3),
                nc: Some(6),
                ..cfg(SystemKind::Synthetic)
            },
            "range",
        );
    }

    #[test]
    fn unknown_toml_key_is_rejected_with_its_name() {
        let e = toml::from_str::<SimulationConfig>("kl = 0.1\nfoo = 3\n").unwrap_err();
        assert!(e.to_string().contains("foo"), "{e}");
        let ok: SimulationConfig =
            toml::from_str("system = \"synthetic\"\n[law]\n\"X(j)\" = 0.9\n").unwrap();
        assert!(ok.validate().is_ok());
    }
}
