//! The fitted posterior: immutable, separate from the learner, and what everything downstream
//! (prediction, reports, model comparison) consumes. Saved as `posterior.json`.
//!
//! **Two covariances of θ.** `theta_cov` is the mean-field `Sθ` of SPEC A.6. Mean-field VB is
//! over-confident here because it treats the latent means as data of precision `⟨v⟩`, while
//! each latent state is itself only known to `1/(⟨v⟩ + nf ρ)`; with a nearly deterministic law
//! (`⟨v⟩ ≫ nf ρ`) the mean-field standard deviations come out several times too small.
//! `theta_cov_marginal` is the covariance with the latent states integrated out under the
//! Laplace approximation at the optimum (the inverse Schur complement of the joint
//! `(θ, X)` Hessian, [`super::joint::marginal_theta_cov`]); its standard deviations
//! (`theta_std_marginal`) are the error bars `scalebridge show` prints and the activity rule
//! uses. The replicate studies in the tests compare both against the actual spread.
//!
//! **Which terms are active.** A term is active when both
//!
//! 1. its posterior mean is at least 3 marginal standard deviations from zero
//!    (`|μθ_l| ≥ 3·theta_std_marginal_l`), and
//! 2. it matters on the training data: its RMS contribution to the predicted mean,
//!    `c_l = sqrt(mean_{i,j} (μθ_l Φ_i^(j)_l)²)`, is at least 1% of the largest term's.
//!
//! The second rule is the scale-aware one: ARD shrinks an irrelevant term towards zero but
//! mean-field VB is over-confident, so a tiny coefficient can sit many (too small) standard
//! deviations from zero; it is still pruned if it does not change the law.

use super::data::LikelihoodForm;
use super::elbo::ElboParts;
use super::params::LearnerParams;
use super::updates::{QGamma, QTheta, rows_of};
use crate::error::{Error, Result};
use crate::law::{CoarseLaw, LawSpec};
use faer::Mat;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// Minimum `|mean|/std` of an active term.
pub const ACTIVE_MIN_Z: f64 = 3.0;
/// Minimum share of the largest term's RMS contribution for an active term.
pub const ACTIVE_MIN_SHARE: f64 = 0.01;

/// `1/⟨v⟩`: one value (shared precision) or one per bin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NoiseVar {
    /// Shared across bins.
    Shared(f64),
    /// One per bin.
    PerBin(Vec<f64>),
}

impl NoiseVar {
    /// The values as a slice-like vector.
    pub fn values(&self) -> Vec<f64> {
        match self {
            NoiseVar::Shared(v) => vec![*v],
            NoiseVar::PerBin(v) => v.clone(),
        }
    }
}

/// The fitted posterior `q(θ) q(τ) q(v)` with its diagnostics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Posterior {
    /// Version of this file format.
    pub format_version: u32,
    /// Feature names, one per coefficient.
    pub names: Vec<String>,
    /// `μθ`.
    pub theta_mean: Vec<f64>,
    /// `sqrt(diag Sθ)`.
    pub theta_std: Vec<f64>,
    /// `Sθ` (L×L), mean field.
    pub theta_cov: Vec<Vec<f64>>,
    /// Covariance of θ with the latent states integrated out (Laplace), L×L.
    pub theta_cov_marginal: Vec<Vec<f64>>,
    /// Its standard deviations: the error bars shown.
    pub theta_std_marginal: Vec<f64>,
    /// Active terms (see the module docs).
    pub active: Vec<bool>,
    /// RMS contribution of each term to the predicted mean over the training data.
    pub contribution: Vec<f64>,
    /// `⟨τ_l⟩`.
    pub tau_mean: Vec<f64>,
    /// `q(τ_l)` shapes and rates.
    pub tau_shape: Vec<f64>,
    pub tau_rate: Vec<f64>,
    /// `1/⟨v⟩`.
    pub noise_var: NoiseVar,
    /// `q(v)` shapes and rates.
    pub noise_shape: Vec<f64>,
    pub noise_rate: Vec<f64>,
    /// Final ELBO, every constant included.
    pub elbo: f64,
    /// Its terms.
    pub elbo_terms: ElboParts,
    /// ELBO after every sweep.
    pub elbo_trace: Vec<f64>,
    /// Sweeps done.
    pub iterations: usize,
    /// Whether the convergence criterion was met (see [`super::params`]).
    pub converged: bool,
    /// The law family (`family`: `polynomial` with `M`, `order`; `kernel` with `hop`,
    /// `features`), enough to rebuild it ([`Posterior::law`]).
    pub law: LawSpec,
    /// Coarse bins.
    pub nc: usize,
    /// Walkers per experiment.
    pub nf: usize,
    /// Experiments.
    #[serde(rename = "N")]
    pub n: usize,
    /// Likelihood form used by the ELBO.
    pub likelihood: LikelihoodForm,
    /// Fingerprint of the training data.
    pub data_fingerprint: String,
    /// The learner's parameters.
    pub params: LearnerParams,
    /// When learned from trajectories (SPEC A.10): their shape (`N` is then the number of
    /// transitions `runs·steps`, `nf` the mean number of walkers per observation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectories: Option<TrainingRuns>,
    /// The range of the coarse states the law was learned on, what a prediction's start is
    /// checked against ([`crate::inference::state_range`]); absent in files written before
    /// 2026-12-07 (no check then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_states: Option<crate::inference::StateRange>,
}

/// The shape of the trajectories a model was learned from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingRuns {
    /// Runs.
    pub runs: usize,
    /// Coarse steps per run `T`.
    pub steps: usize,
    /// The variance `σ0²` of the (vague) start prior `X_{i,0} ~ N(0, σ0² I)`.
    pub start_prior_var: f64,
}

/// Latent-state posteriors `q(X_i)`: means and standard deviations, `(N, nc)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Latent {
    pub mean: Array2<f64>,
    pub std: Array2<f64>,
}

/// What a learner hands over at the end of a fit, to become a [`Posterior`] (both learners
/// assemble it the same way).
pub(crate) struct Assembly<'a> {
    pub law: &'a dyn CoarseLaw,
    pub qt: QTheta,
    /// Covariance of `θ` with the latent states integrated out.
    pub marginal: Mat<f64>,
    /// RMS contribution of each term over the training transitions.
    pub contribution: Vec<f64>,
    pub q_tau: &'a QGamma,
    pub q_v: &'a QGamma,
    pub trace: Vec<f64>,
    /// The ELBO's terms of the state handed over; their total is the posterior's ELBO (the
    /// trajectory learner hands over its best sweep, which need not be the last).
    pub parts: ElboParts,
    pub iterations: usize,
    pub converged: bool,
    pub nc: usize,
    pub nf: usize,
    pub n: usize,
    pub likelihood: LikelihoodForm,
    pub data_fingerprint: String,
    pub params: LearnerParams,
    pub trajectories: Option<TrainingRuns>,
    pub training_states: Option<crate::inference::StateRange>,
}

impl Assembly<'_> {
    /// The posterior: error bars from the marginal covariance, activity by the module's rule.
    pub(crate) fn posterior(self) -> Posterior {
        let l = self.qt.mean.len();
        let theta_std: Vec<f64> = (0..l).map(|k| self.qt.cov[(k, k)].sqrt()).collect();
        let theta_std_marginal: Vec<f64> = (0..l).map(|k| self.marginal[(k, k)].sqrt()).collect();
        let noise: Vec<f64> = self.q_v.means().iter().map(|v| 1.0 / v).collect();
        Posterior {
            format_version: crate::io::FORMAT_VERSION,
            names: self.law.names(),
            law: self.law.spec(),
            active: active_terms(&self.qt.mean, &theta_std_marginal, &self.contribution),
            theta_cov_marginal: rows_of(&self.marginal),
            theta_std_marginal,
            theta_cov: rows_of(&self.qt.cov),
            theta_mean: self.qt.mean,
            theta_std,
            contribution: self.contribution,
            tau_mean: self.q_tau.means(),
            tau_shape: self.q_tau.shape.clone(),
            tau_rate: self.q_tau.rate.clone(),
            noise_var: if self.params.per_bin_noise {
                NoiseVar::PerBin(noise)
            } else {
                NoiseVar::Shared(noise[0])
            },
            noise_shape: self.q_v.shape.clone(),
            noise_rate: self.q_v.rate.clone(),
            elbo: self.parts.total(),
            elbo_terms: self.parts,
            elbo_trace: self.trace,
            iterations: self.iterations,
            converged: self.converged,
            nc: self.nc,
            nf: self.nf,
            n: self.n,
            likelihood: self.likelihood,
            data_fingerprint: self.data_fingerprint,
            params: self.params,
            trajectories: self.trajectories,
            training_states: self.training_states,
        }
    }
}

/// Active flags from means, stds and contributions (the rule of the module docs).
pub fn active_terms(mean: &[f64], std: &[f64], contribution: &[f64]) -> Vec<bool> {
    let top = contribution.iter().copied().fold(0.0, f64::max);
    (0..mean.len())
        .map(|l| {
            mean[l].abs() >= ACTIVE_MIN_Z * std[l] && contribution[l] >= ACTIVE_MIN_SHARE * top
        })
        .collect()
}

impl Posterior {
    /// The law family the posterior was fitted with, rebuilt from `law` (its coefficient
    /// names must be `names`).
    pub fn law(&self) -> Result<Box<dyn CoarseLaw>> {
        let law = self.law.build()?;
        if law.names() != self.names {
            return Err(Error::numerical(
                "posterior",
                format!(
                    "coefficient names do not match the {} law",
                    self.law.summary()
                ),
            ));
        }
        Ok(law)
    }

    /// Median over the active terms (all terms if none) of marginal std / mean-field std: how
    /// much the mean-field factorisation understates the uncertainty of θ.
    pub fn overconfidence(&self) -> f64 {
        let mut r: Vec<f64> = (0..self.names.len())
            .filter(|&l| self.active[l] || !self.active.iter().any(|a| *a))
            .map(|l| self.theta_std_marginal[l] / self.theta_std[l])
            .collect();
        if r.is_empty() {
            return f64::NAN;
        }
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    }

    /// Reads `posterior.json` and checks it ([`Posterior::check`]).
    pub fn load(path: &Path) -> Result<Self> {
        #[derive(Deserialize)]
        struct Version {
            format_version: Option<u64>,
        }
        let fv = crate::io::read_json::<Version>(path)?.format_version;
        if fv != Some(crate::io::FORMAT_VERSION as u64) {
            return Err(Error::data(
                path,
                "format_version",
                format!(
                    "{} is not supported by this scalebridge (format {})",
                    fv.map_or("missing".to_owned(), |f| f.to_string()),
                    crate::io::FORMAT_VERSION
                ),
            ));
        }
        let p: Posterior = crate::io::read_json(path)?;
        p.check(path)?;
        Ok(p)
    }

    /// Checks that every array has the length (or shape) the number of terms `L` and of bins
    /// `nc` demand and holds finite numbers, that standard deviations are positive and the
    /// names are those of the polynomial library of `M` and `order`; errors name `path` and
    /// the field.
    pub fn check(&self, path: &Path) -> Result<()> {
        let l = self.names.len();
        let bad = |field: &str, problem: String| Error::data(path, field, problem);
        if l == 0 {
            return Err(bad("names", "no terms".into()));
        }
        if self.nc == 0 || self.nf == 0 || self.n == 0 {
            return Err(bad(
                "nc",
                format!(
                    "nc = {}, nf = {}, N = {} must all be >= 1",
                    self.nc, self.nf, self.n
                ),
            ));
        }
        let vectors: [(&str, &[f64]); 7] = [
            ("theta_mean", &self.theta_mean),
            ("theta_std", &self.theta_std),
            ("theta_std_marginal", &self.theta_std_marginal),
            ("contribution", &self.contribution),
            ("tau_mean", &self.tau_mean),
            ("tau_shape", &self.tau_shape),
            ("tau_rate", &self.tau_rate),
        ];
        for (name, v) in vectors {
            if v.len() != l {
                return Err(bad(name, format!("{} values for {l} terms", v.len())));
            }
            if let Some(x) = v.iter().find(|x| !x.is_finite()) {
                return Err(bad(name, format!("non-finite value {x}")));
            }
        }
        if self.active.len() != l {
            return Err(bad(
                "active",
                format!("{} values for {l} terms", self.active.len()),
            ));
        }
        for (name, v) in [
            ("theta_std", &self.theta_std),
            ("theta_std_marginal", &self.theta_std_marginal),
        ] {
            if v.iter().any(|x| *x <= 0.0) {
                return Err(bad(name, "standard deviations must be > 0".into()));
            }
        }
        for (name, m) in [
            ("theta_cov", &self.theta_cov),
            ("theta_cov_marginal", &self.theta_cov_marginal),
        ] {
            if m.len() != l || m.iter().any(|r| r.len() != l) {
                return Err(bad(name, format!("expected a {l}×{l} matrix")));
            }
            if m.iter().flatten().any(|x| !x.is_finite()) {
                return Err(bad(name, "non-finite value".into()));
            }
        }
        let noise = self.noise_var.values();
        let bins_ok = |k: usize| k == 1 || k == self.nc;
        if !bins_ok(noise.len()) || noise.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(bad(
                "noise_var",
                format!(
                    "expected one value or nc = {} values, finite and > 0",
                    self.nc
                ),
            ));
        }
        for (name, v) in [
            ("noise_shape", &self.noise_shape),
            ("noise_rate", &self.noise_rate),
        ] {
            if !bins_ok(v.len()) || v.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
                return Err(bad(
                    name,
                    format!(
                        "expected one value or nc = {} values, finite and > 0",
                        self.nc
                    ),
                ));
            }
        }
        if let Some(r) = &self.training_states {
            let [lo, hi] = r.density;
            if !(lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo <= hi) {
                return Err(bad(
                    "training_states",
                    format!("density [{lo}, {hi}] is not a range of relative densities >= 0"),
                ));
            }
            if r.unvisited.windows(2).any(|w| w[0] >= w[1])
                || r.unvisited.last().is_some_and(|&j| j >= self.nc)
            {
                return Err(bad(
                    "training_states",
                    format!(
                        "unvisited must list bins in increasing order, each < nc = {}",
                        self.nc
                    ),
                ));
            }
            if !(r.max_jump.is_finite() && r.max_jump >= 0.0) || r.max_empty > self.nc {
                return Err(bad(
                    "training_states",
                    format!(
                        "max_jump {} must be finite and >= 0, max_empty {} at most nc = {}",
                        r.max_jump, r.max_empty, self.nc
                    ),
                ));
            }
        }
        let law = self.law.build().map_err(|e| bad("law", e.to_string()))?;
        law.check(self.nc).map_err(|e| bad("law", e.to_string()))?;
        if law.names() != self.names {
            return Err(bad(
                "names",
                format!("not the coefficients of the {} law", self.law.summary()),
            ));
        }
        Ok(())
    }

    /// The learned law as an equation, one active term a line with mean ± std, then the pruned
    /// terms, noise level, ELBO and convergence.
    pub fn equation(&self) -> String {
        let mut s = String::new();
        let law = self.law.build().ok();
        match &law {
            Some(law) => {
                let _ = writeln!(s, "{}", law.form(self.nc));
            }
            None => {
                let _ = writeln!(s, "law: {}", self.law.summary());
            }
        }
        let width = self
            .names
            .iter()
            .zip(&self.active)
            .filter(|(_, a)| **a)
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0);
        let mut first = true;
        for l in 0..self.names.len() {
            if !self.active[l] {
                continue;
            }
            let (m, sd) = (self.theta_mean[l], self.theta_std_marginal[l]);
            let sign = if m < 0.0 { '-' } else { '+' };
            let lead = if first { "      = " } else { "        " };
            let _ = writeln!(
                s,
                "{lead}{sign} {:.4} ± {:.4}  {:<width$}",
                m.abs(),
                sd,
                self.names[l]
            );
            first = false;
        }
        if first {
            let _ = writeln!(s, "      = 0   (no active term)");
        }
        let pruned = self.active.iter().filter(|a| !**a).count();
        let _ = writeln!(
            s,
            "pruned: {pruned} of {} terms (|mean| < {ACTIVE_MIN_Z} std, or < {}% of the largest contribution)\n\
             error bars: marginal std, latent states integrated out (mean-field std: {:.1}x smaller)",
            self.names.len(),
            ACTIVE_MIN_SHARE * 100.0,
            self.overconfidence()
        );
        if let Some(table) = law
            .as_ref()
            .and_then(|l| l.table(&self.theta_mean, &self.theta_cov_marginal, self.nc))
        {
            let _ = write!(s, "{table}");
        }
        match &self.noise_var {
            NoiseVar::Shared(v) => {
                let _ = writeln!(s, "noise:  1/<v> = {v:.3e}  (std {:.3e})", v.sqrt());
            }
            NoiseVar::PerBin(v) => {
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(0.0, f64::max);
                let _ = writeln!(
                    s,
                    "noise:  1/<v_j> from {lo:.3e} to {hi:.3e} over {} bins",
                    v.len()
                );
            }
        }
        let _ = writeln!(
            s,
            "ELBO:   {:.6e}  ({} likelihood, N = {}, nc = {}, nf = {}; {})",
            self.elbo,
            match self.likelihood {
                LikelihoodForm::Positions => "position",
                LikelihoodForm::Counts => "count",
            },
            self.n,
            self.nc,
            self.nf,
            self.law.summary()
        );
        // the number `compare` and `run` rank by; it needs theta_cov positive definite
        if let Ok(active) = self.active_law_elbo() {
            let _ = writeln!(
                s,
                "        {active:.6e} of the active terms alone (what compare ranks by)"
            );
        }
        let _ = writeln!(
            s,
            "data:   {}",
            match &self.trajectories {
                Some(r) => format!(
                    "{} trajectories of {} steps, every coarse state latent ({} transitions)",
                    r.runs, r.steps, self.n
                ),
                None => format!("{} controlled one-step experiments (X0 known)", self.n),
            }
        );
        if let Some(r) = &self.training_states {
            let _ = writeln!(
                s,
                "states: bins at {:.3} to {:.2} times the mean density, jumps between neighbours \
                 up to {:.2}, at most {}{} (a prediction from outside warns)",
                r.density[0],
                r.density[1],
                r.max_jump,
                super::state_range::bins(r.max_empty, "empty bin"),
                if r.unvisited.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", {} never visited",
                        super::state_range::bins(r.unvisited.len(), "bin")
                    )
                }
            );
        }
        let _ = writeln!(
            s,
            "{} after {} iterations ({} path)",
            if self.converged {
                "converged"
            } else {
                "NOT converged"
            },
            self.iterations,
            match self.params.method {
                super::params::LatentMethod::Newton => "Newton/Jensen",
                super::params::LatentMethod::Adam => "ADAM/Monte Carlo",
            }
        );
        // a trajectory fit hands over its best sweep, which need not be the last
        let last = self.elbo_trace.last().copied().unwrap_or(f64::NAN);
        if let Some(k) = self.elbo_trace.iter().position(|&e| e == self.elbo)
            && k + 1 < self.elbo_trace.len()
            && last < self.elbo
        {
            let _ = writeln!(
                s,
                "        handed over: sweep {} (the highest ELBO); the last sweep's was {:.2} nats lower",
                k + 1,
                self.elbo - last
            );
        }
        s
    }
}

impl Latent {
    /// Writes `latent.npz`: `mean` and `std`, float64 `(N, nc)`.
    pub fn write_npz(&self, path: &Path) -> Result<()> {
        crate::io::write_npz(path, |w| {
            w.add("mean", &self.mean)?;
            w.add("std", &self.std)
        })
    }

    /// Reads `latent.npz`, checking that both arrays are `(n, nc)` (the data the model was
    /// learned on), the means finite and the standard deviations finite and positive.
    pub fn read_npz(path: &Path, n: usize, nc: usize) -> Result<Self> {
        let mut z = crate::io::NpzIn::open(path)?;
        let want = format!("float64 ({n}, {nc}) = (N, nc)");
        let mean: Array2<f64> = z.array("mean", &want)?;
        let std: Array2<f64> = z.array("std", &want)?;
        for (name, a) in [("mean", &mean), ("std", &std)] {
            if a.dim() != (n, nc) {
                return Err(z.bad(
                    name,
                    format!(
                        "expected shape ({n}, {nc}) = (N, nc) of the model, found {:?}",
                        a.shape()
                    ),
                ));
            }
        }
        if mean.iter().any(|v| !v.is_finite()) {
            return Err(z.bad("mean", "non-finite value"));
        }
        if std.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(z.bad("std", "values must be finite and > 0"));
        }
        Ok(Latent { mean, std })
    }
}
