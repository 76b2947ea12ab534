//! `run`: the whole walker pipeline for one system — simulate controlled experiments, learn
//! the law, run fine-scale replicas from one initial fine state, predict from that state and
//! judge the prediction against the replicas — every step's files kept under one directory.
//!
//! The configuration is a TOML file with `out` and the sections `[simulate]` (a system's
//! keys plus `n`, `seed` and optionally `trajectory = T`: train on `n` trajectories of `T`
//! coarse steps instead of `n` one-step experiments), `[learn]` and `[predict]`; [`DEMO`] is the embedded default.

use super::Progress;
use super::learn::{LearnJob, hop_search_line, learn};
use super::predict::{PredictJob, Predicted, StartFrom, predict};
use super::simulate::{SimulateJob, simulate};
use crate::error::{Error, Result};
use crate::inference::{LatentMethod, LearnerParams, Posterior};
use crate::io::{self, Manifest};
use crate::law::{LawOptions, LawSpec};
use crate::math::centre;
use crate::rng::stream;
use crate::walkers::{LiftMap, SimulationConfig, SoftmaxLift, SystemKind, ValidConfig, WithinBin};
use ndarray::Array3;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The embedded default: `configs/run-advdiff.toml`.
pub const DEMO: &str = include_str!("../../../../configs/run-advdiff.toml");

/// Purpose tag of the stream that lifts the initial coarse state to the initial fine state.
const INITIAL: u64 = 0x494e_4954;

/// `[learn]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnSection {
    /// The law family, or several (`law = ["polynomial", "kernel"]`): each is learned, the
    /// one whose active law has the highest ELBO ([`crate::inference::evidence`]) predicts
    /// into `model/` and `prediction/`, the others into
    /// `model-<family>/` and `prediction-<family>/` (default `polynomial`).
    #[serde(default = "polynomial", deserialize_with = "one_or_many")]
    pub law: Vec<String>,
    /// Polynomial law: interaction range `M`.
    pub range: Option<usize>,
    /// Polynomial law: order (default 2).
    pub order: Option<usize>,
    /// Kernel law: hop range `B` (default 2).
    pub hop: Option<usize>,
    /// Kernel law: Fourier position modes (default 6, [`crate::law::options::DEFAULT_MODES`]).
    pub modes: Option<usize>,
    /// Kernel law: density features (default `["u"]`).
    pub density_features: Option<Vec<String>>,
    /// One noise precision per bin.
    #[serde(default)]
    pub per_bin_noise: bool,
    /// Sweeps at most (default 2000).
    #[serde(default = "max_iter")]
    pub max_iter: usize,
    /// Convergence tolerance (default 1e-3).
    #[serde(default = "tol")]
    pub tol: f64,
}

/// `[predict]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PredictSection {
    /// Coarse steps.
    pub horizon: usize,
    /// Predictive samples (default 1000).
    #[serde(default = "samples")]
    pub samples: usize,
    /// Binnings (default 24, 96).
    #[serde(default = "bins")]
    pub bins: Vec<usize>,
    /// The within-bin profile on binnings finer than the model's: `"uniform"` (default, SPEC
    /// A.2) or `"linear"` ([`WithinBin`]).
    #[serde(default)]
    pub within: WithinBin,
    /// 2-bin pairs `"k1:k2"`.
    #[serde(default)]
    pub pairs: Vec<String>,
    /// Credible level (default 0.95).
    #[serde(default = "level")]
    pub level: f64,
    /// Fine-scale replicas (default 100).
    #[serde(default = "replicas")]
    pub replicas: usize,
    /// Seed of the prediction (the replicas use seed + 1).
    #[serde(default)]
    pub seed: u64,
    /// Amplitude `A` of the initial bump `X_j = A cos(2π(j − c)/nc)` (default 1).
    #[serde(default = "amplitude")]
    pub initial_amplitude: f64,
    /// Its centre `c` (bins).
    #[serde(default)]
    pub initial_center: f64,
}

fn polynomial() -> Vec<String> {
    vec!["polynomial".to_owned()]
}

/// A string or an array of strings.
fn one_or_many<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(d).map_err(|_| {
        serde::de::Error::custom("law: expected \"polynomial\", \"kernel\" or a list of them")
    })? {
        OneOrMany::One(s) => Ok(vec![s]),
        OneOrMany::Many(v) if v.is_empty() => {
            Err(serde::de::Error::custom("law: the list is empty"))
        }
        OneOrMany::Many(v) => Ok(v),
    }
}

impl LearnSection {
    /// The laws to learn, checked (each family once, its options given).
    pub fn specs(&self) -> Result<Vec<LawSpec>> {
        let options = LawOptions {
            range: self.range,
            order: self.order,
            hop: self.hop,
            modes: self.modes,
            density_features: self.density_features.clone(),
        };
        let mut seen = Vec::new();
        let mut specs = Vec::new();
        for family in &self.law {
            if seen.contains(family) {
                return Err(Error::param("law", family, "each family once"));
            }
            seen.push(family.clone());
            // with several families, each takes only its own options
            let own = if self.law.len() > 1 {
                match family.as_str() {
                    "polynomial" => LawOptions {
                        hop: None,
                        modes: None,
                        density_features: None,
                        ..options.clone()
                    },
                    _ => LawOptions {
                        range: None,
                        order: None,
                        ..options.clone()
                    },
                }
            } else {
                options.clone()
            };
            specs.push(own.spec(family)?);
        }
        Ok(specs)
    }
}
fn max_iter() -> usize {
    2000
}
fn tol() -> f64 {
    crate::inference::DEFAULT_TOL
}
fn samples() -> usize {
    1000
}
fn bins() -> Vec<usize> {
    vec![24, 96]
}
fn level() -> f64 {
    0.95
}
fn replicas() -> usize {
    100
}
fn amplitude() -> f64 {
    1.0
}

/// A parsed pipeline configuration.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Where it came from (a path, or the embedded demo).
    pub source: String,
    /// The text it was parsed from.
    pub text: String,
    /// `out` (default `scalebridge-run`).
    pub out: PathBuf,
    /// The `[simulate]` table without `n` and `seed` (a system configuration).
    pub simulate_table: toml::Table,
    /// The validated system.
    pub system: ValidConfig,
    /// Experiments (default 64).
    pub n: usize,
    /// Seed of the experiments (default 1).
    pub seed: u64,
    /// `[simulate] trajectory = T`: train on `n` trajectories of `T` coarse steps (every
    /// coarse state latent, SPEC A.10) instead of `n` one-step experiments.
    pub trajectory: Option<usize>,
    /// `[learn]`.
    pub learn: LearnSection,
    /// `[predict]`.
    pub predict: PredictSection,
}

fn cfg_err(source: &str, message: String) -> Error {
    Error::Config {
        path: PathBuf::from(source),
        message,
    }
}

impl RunConfig {
    /// The embedded advection–diffusion demo.
    pub fn demo() -> Result<Self> {
        Self::parse(DEMO, "(embedded advdiff demo)")
    }

    /// Reads a configuration file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses configuration text; errors name `source` and the section and key.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| cfg_err(source, e.message().to_owned()))?;
        for key in table.keys() {
            if !["out", "simulate", "learn", "predict"].contains(&key.as_str()) {
                return Err(cfg_err(
                    source,
                    format!("unknown key `{key}` (expected out, [simulate], [learn], [predict])"),
                ));
            }
        }
        let mut sim = table
            .get("simulate")
            .and_then(|v| v.as_table())
            .cloned()
            .ok_or_else(|| cfg_err(source, "missing section [simulate]".to_owned()))?;
        let mut take = |k: &str, d: u64| -> Result<u64> {
            match sim.remove(k) {
                None => Ok(d),
                Some(v) => v
                    .as_integer()
                    .and_then(|i| u64::try_from(i).ok())
                    .ok_or_else(|| {
                        cfg_err(
                            source,
                            format!("[simulate] {k}: expected a non-negative integer"),
                        )
                    }),
            }
        };
        let n = usize::try_from(take("n", 64)?)
            .map_err(|_| cfg_err(source, "[simulate] n: too large".to_owned()))?;
        let seed = take("seed", 1)?;
        let trajectory = match take("trajectory", 0)? {
            0 => None,
            t => Some(
                usize::try_from(t)
                    .map_err(|_| cfg_err(source, "[simulate] trajectory: too large".to_owned()))?,
            ),
        };
        let sim_cfg: SimulationConfig =
            toml::Value::Table(sim.clone())
                .try_into()
                .map_err(|e: toml::de::Error| {
                    cfg_err(source, format!("[simulate]: {}", e.message()))
                })?;
        let system = sim_cfg.validate()?;
        let section = |name: &str| -> Result<toml::Value> {
            table
                .get(name)
                .cloned()
                .ok_or_else(|| cfg_err(source, format!("missing section [{name}]")))
        };
        let learn: LearnSection = section("learn")?
            .try_into()
            .map_err(|e: toml::de::Error| cfg_err(source, format!("[learn]: {}", e.message())))?;
        learn
            .specs()
            .map_err(|e| cfg_err(source, format!("[learn]: {e}")))?;
        let predict: PredictSection = section("predict")?
            .try_into()
            .map_err(|e: toml::de::Error| cfg_err(source, format!("[predict]: {}", e.message())))?;
        let out = match table.get("out") {
            None => PathBuf::from("scalebridge-run"),
            Some(v) => PathBuf::from(
                v.as_str()
                    .ok_or_else(|| cfg_err(source, "out: expected a string".to_owned()))?,
            ),
        };
        Ok(RunConfig {
            source: source.to_owned(),
            text: text.to_owned(),
            out,
            simulate_table: sim,
            system,
            n,
            seed,
            trajectory,
            learn,
            predict,
        })
    }

    /// What the law is trained on, in words: `64 controlled experiments` or `16 trajectories
    /// of 8 steps`.
    pub fn training(&self) -> String {
        match self.trajectory {
            Some(t) => format!(
                "{} trajectories of {t} steps (every coarse state latent)",
                self.n
            ),
            None => format!("{} controlled experiments", self.n),
        }
    }

    /// The same configuration at sizes for a quick check (at most 32 experiments, 200
    /// samples, 20 replicas, 10 steps).
    pub fn quick(mut self) -> Self {
        self.n = self.n.min(32);
        self.predict.samples = self.predict.samples.min(200);
        self.predict.replicas = self.predict.replicas.min(20);
        self.predict.horizon = self.predict.horizon.min(10);
        self
    }
}

/// The fields of a `run` manifest.
#[derive(Clone, Debug, PartialEq, serde::Serialize, Deserialize)]
pub struct RunManifest {
    /// Where the configuration came from.
    pub config: String,
    /// Its text.
    pub config_text: String,
    /// Whether `--quick` shrank it.
    pub quick: bool,
    /// Experiments (or trajectories).
    pub n: usize,
    /// What the law was trained on, in words.
    #[serde(default)]
    pub training: String,
    /// Wall time of the run.
    pub seconds: f64,
    /// Wall time of the predictive sampling.
    pub prediction_seconds: f64,
}

/// One law of a run: its evidence and how its prediction did.
#[derive(Clone, Debug)]
pub struct LawResult {
    /// The law.
    pub law: LawSpec,
    /// Its ELBO on the run's experiments, every candidate term counted.
    pub elbo: f64,
    /// The ELBO of its active law ([`crate::inference::Posterior::active_law_elbo`]), which
    /// the laws are ranked by.
    pub elbo_active: f64,
    /// Whether its active law has the highest ELBO (and is the one the report shows).
    pub chosen: bool,
    /// Its prediction directory.
    pub prediction: PathBuf,
    /// Its coverage per binning.
    pub coverage: Vec<crate::prediction::Coverage>,
}

/// Everything a finished run produced, for its report.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The output directory.
    pub out: PathBuf,
    /// The learned law.
    pub posterior: Posterior,
    /// The prediction and its coverage (of the chosen law).
    pub predicted: Predicted,
    /// Every law learned, in the configuration's order.
    pub laws: Vec<LawResult>,
    /// Replica positions `(R, T+1, nf)`.
    pub reference: Array3<f64>,
    /// Summary lines for the report.
    pub summary: Vec<String>,
    /// Wall time of the whole run.
    pub seconds: f64,
}

/// Runs the pipeline into `out` (`data/`, `model/`, `reference/`, `prediction/`,
/// `initial.npy`, `initial_coarse.npy`, `simulate.toml`, `manifest.json`); `say` receives a
/// line per step.
pub fn run(
    cfg: &RunConfig,
    out: &Path,
    quick: bool,
    say: &dyn Fn(&str),
    progress: &dyn Progress,
) -> Result<RunOutcome> {
    let started = Instant::now();
    let (n, pred, learn_s) = (cfg.n, &cfg.predict, &cfg.learn);
    io::create_dir(out)?;
    let sim_toml = out.join("simulate.toml");
    let sim_text = toml::to_string(&cfg.simulate_table)
        .map_err(|e| cfg_err(&cfg.source, format!("[simulate]: {e}")))?;
    io::write_atomic(&sim_toml, |w| {
        std::io::Write::write_all(w, sim_text.as_bytes())
    })?;
    let valid = &cfg.system;
    let training = cfg.training();
    say(&format!("simulating {training} ({})", valid.system));
    let data = simulate(
        &SimulateJob {
            config: valid.clone(),
            n,
            seed: cfg.seed,
            trajectory: cfg.trajectory,
            initial: None,
            initial_coarse: None,
            out: out.join("data"),
        },
        &super::Silent,
    )?
    .path;
    let specs = learn_s.specs()?;
    let several = specs.len() > 1;
    let mut learned = Vec::with_capacity(specs.len());
    // per law, the line saying its hop range was widened (a kernel law without `hop`)
    let mut widened: Vec<Option<String>> = Vec::with_capacity(specs.len());
    for spec in &specs {
        say(&format!("learning the coarse law: {}", spec.summary()));
        let params = LearnerParams::default()
            .law_with_hop(spec.clone(), learn_s.hop)
            .per_bin_noise(learn_s.per_bin_noise)
            .method(LatentMethod::Newton)
            .max_iter(learn_s.max_iter)
            .tol(learn_s.tol)
            .seed(cfg.seed);
        let dir = if several {
            out.join(format!("model-{}", spec.family()))
        } else {
            out.join("model")
        };
        let l = learn(
            &LearnJob {
                data: data.clone(),
                params,
                domain: None,
                nc: None,
                out: dir.clone(),
            },
            &super::Silent,
        )?;
        let line = l.hop_search.as_deref().and_then(hop_search_line);
        if let Some(line) = &line {
            say(line);
        }
        widened.push(line);
        learned.push((spec.family(), dir, l.posterior));
    }
    // the law `compare` ranks best (its active law has the highest ELBO) predicts into model/
    // and prediction/
    let ranked = super::compare::compare(
        &learned
            .iter()
            .map(|(_, dir, p)| (dir.as_path(), p))
            .collect::<Vec<_>>(),
    )?;
    let active_elbo: Vec<f64> = ranked.iter().map(|r| r.elbo_active).collect();
    let best = ranked
        .iter()
        .position(|r| r.best)
        .ok_or_else(|| Error::numerical("run", "no law learned"))?;
    if several {
        let staged = io::OutputDir::stage(&out.join("model"))?;
        for name in ["posterior.json", "latent.npz", "manifest.json"] {
            let from = learned[best].1.join(name);
            std::fs::copy(&from, staged.path(name)).map_err(|source| Error::Write {
                path: staged.path(name),
                source,
            })?;
        }
        staged.commit()?;
        say(&format!(
            "the {} law's active terms have the highest ELBO: it predicts into model/ and prediction/",
            learned[best].0
        ));
    }

    // the initial state: a smooth bump X_j = A cos(2π(j − c)/nc), lifted once
    let nc = valid.nc;
    let mut x0: Vec<f64> = (0..nc)
        .map(|j| {
            pred.initial_amplitude
                * (2.0 * std::f64::consts::PI * (j as f64 - pred.initial_center) / nc as f64).cos()
        })
        .collect();
    centre(&mut x0);
    let lift = SoftmaxLift {
        domain: valid.domain,
    };
    let positions = lift.sample(&x0, valid.nf, &mut stream(pred.seed, INITIAL, 0))?;
    io::write_npy_f64_1d(&out.join("initial.npy"), &positions)?;
    io::write_npy_f64_1d(&out.join("initial_coarse.npy"), &x0)?;
    say(&format!(
        "running {} fine-scale replicas for {} steps",
        pred.replicas, pred.horizon
    ));
    let coarse_driven = valid.system == SystemKind::Synthetic;
    simulate(
        &SimulateJob {
            trajectory: Some(pred.horizon),
            initial: (!coarse_driven).then(|| out.join("initial.npy")),
            initial_coarse: coarse_driven.then(|| out.join("initial_coarse.npy")),
            config: valid.clone(),
            n: pred.replicas,
            seed: pred.seed.wrapping_add(1),
            out: out.join("reference"),
        },
        &super::Silent,
    )?;
    let predict_job = |model: PathBuf, dir: PathBuf| PredictJob {
        model,
        start: StartFrom::Initial(out.join("initial.npy")),
        horizon: pred.horizon,
        bins: pred.bins.clone(),
        within: pred.within,
        samples: pred.samples,
        level: pred.level,
        pairs: pred.pairs.clone(),
        seed: pred.seed,
        domain: None,
        reference: Some(out.join("reference/trajectory.npz")),
        out: dir,
    };
    let mut laws = Vec::with_capacity(learned.len());
    let mut chosen = None;
    for (k, (family, dir, posterior)) in learned.into_iter().enumerate() {
        let (model, to) = if k == best {
            (out.join("model"), out.join("prediction"))
        } else {
            (dir, out.join(format!("prediction-{family}")))
        };
        say(&format!("predicting with the {family} law"));
        let p = predict(&predict_job(model, to.clone()), progress)?;
        laws.push(LawResult {
            law: posterior.law.clone(),
            elbo: posterior.elbo,
            elbo_active: active_elbo[k],
            chosen: k == best,
            prediction: to,
            coverage: p.coverage.clone(),
        });
        if k == best {
            chosen = Some((posterior, p));
        }
    }
    let (posterior, mut predicted) =
        chosen.ok_or_else(|| Error::numerical("run", "no prediction"))?;
    let reference = predicted
        .reference
        .take()
        .ok_or_else(|| Error::numerical("run", "the prediction kept no reference"))?;
    let mut summary = vec![
        format!(
            "{training} (seed {}), {} law; {} predictive samples (seed {}); {} fine-scale replicas from the same initial fine state",
            cfg.seed,
            posterior.law.summary(),
            pred.samples,
            pred.seed,
            pred.replicas
        ),
        format!("configuration: {}", cfg.source),
    ];
    if let Some(line) = &widened[best] {
        summary.push(line.clone());
    }
    if several {
        summary.push(format!(
            "laws learned: {}; the {} law's active terms have the highest ELBO and it is the one shown",
            laws.iter()
                .map(|l| format!(
                    "{} (ELBO {:.1}, of its active terms {:.1})",
                    l.law.family(),
                    l.elbo,
                    l.elbo_active
                ))
                .collect::<Vec<_>>()
                .join(", "),
            posterior.law.family()
        ));
    }
    // (the caller prints the warning itself: `predicted.extrapolation`)
    if let Some(w) = &predicted.extrapolation {
        summary.push(format!("warning: {w}"));
    }
    if let Some(finer) = pred.bins.iter().filter(|&&b| b > posterior.nc).min() {
        summary.push(format!(
            "on {finer} bins and finer, the walkers of a model bin spread by the {} within-bin profile",
            pred.within.name()
        ));
    }
    for c in &predicted.coverage {
        summary.push(format!(
            "{} bins: {:.0}% band covers {:.1}% of (replica, bin) values over t ≥ Δt; mean relative L1 error {:.3}; relative band area {:.2}",
            c.bins,
            100.0 * pred.level,
            100.0 * c.coverage_total,
            c.rel_l1_error_mean,
            c.band_area
        ));
    }
    let seconds = started.elapsed().as_secs_f64();
    Manifest::new(
        "run",
        RunManifest {
            config: cfg.source.clone(),
            config_text: cfg.text.clone(),
            quick,
            n,
            training: training.clone(),
            seconds,
            prediction_seconds: predicted.seconds,
        },
    )
    .write(out)?;
    Ok(RunOutcome {
        out: out.to_owned(),
        posterior,
        predicted,
        laws,
        reference,
        summary,
        seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[predict] within`: the demo names `uniform`; absent it is the default (uniform, SPEC
    /// A.2); `linear` is read; anything else is an error naming the section and the value.
    #[test]
    fn within_is_read_defaulted_and_checked() {
        assert_eq!(
            RunConfig::demo().unwrap().predict.within,
            WithinBin::Uniform
        );
        let without: String = DEMO
            .lines()
            .filter(|l| !l.starts_with("within"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(without, DEMO);
        let cfg = RunConfig::parse(&without, "t").unwrap();
        assert_eq!(cfg.predict.within, WithinBin::Uniform);
        let with = |v: &str| DEMO.replace("within = \"uniform\"", &format!("within = \"{v}\""));
        let cfg = RunConfig::parse(&with("linear"), "t").unwrap();
        assert_eq!(cfg.predict.within, WithinBin::Linear);
        let err = RunConfig::parse(&with("cubic"), "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[predict]") && err.contains("cubic"), "{err}");
    }
}
