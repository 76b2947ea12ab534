//! Learner parameters: a builder, checked once into [`ValidParams`].
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `law` | polynomial, M = 2, order 2 | see [`LawSpec`] | the law family: `range` (M, `2M+1 ≤ nc`) and `order` (1, 2) of the polynomial law, or `hop` (B, `2B+1 ≤ nc`) and the local features of the kernel law |
//! | `per_bin_noise` | false | — | one precision `v_j` per bin instead of a shared `v` |
//! | `method` | Newton | Newton, Adam | optimiser of `q(X_i)` |
//! | `max_iter` | 2000 | ≥ 1 | coordinate-ascent sweeps |
//! | `min_iter` | 5 | ≤ max_iter | sweeps before convergence may be declared |
//! | `tol` | 1e-3 | > 0 | see below |
//! | `priors` | all 1e-10 | > 0 | `α0, β0` (ARD on θ), `γ0, ζ0` (noise precision) |
//! | `seed` | 0 | — | Monte Carlo draws of the reference path |
//! | `widen_hop` | false (true from `LawOptions` without `hop`) | — | kernel law: widen the hop range while its edges carry over 5% of the moved mass |
//! | `adam_steps`, `adam_samples`, `adam_lr` | 200, 8, 0.02 | ≥ 1, ≥ 1, > 0 | reference path |
//!
//! **What `tol` measures.** A sweep has converged when no coefficient's posterior mean moved by
//! more than `tol` posterior standard deviations — the marginal ones `show` prints (latent states
//! integrated out, from the joint Newton step's Schur complement) on the fast path, the
//! mean-field `sqrt(Sθ_ll)` on the reference path — and the
//! noise level moved by less than a relative `tol` (`|Δ ln⟨v⟩| < tol`), for 2 sweeps in a row.
//! The default, a thousandth of an error bar, is no stricter than what the user is shown: `show`
//! prints standard deviations to two significant digits, so a move of 10⁻³ σ is invisible, and
//! even at a contraction rate of 0.9 per sweep the remaining distance to the fixed point
//! (move·rate/(1 − rate)) is below 10⁻² σ.
//! The ELBO is not the criterion: under ARD it rises in stages — long flat stretches while the
//! precision of an irrelevant term grows, then a step when the term finally stops mattering — so
//! a flat ELBO stops too early. Parameter moves measured in posterior standard deviations do not
//! have that problem: a term drifting towards zero keeps moving by a fixed number of its own
//! (shrinking) standard deviations until it has settled.

use crate::error::{Error, Result};
use crate::law::LawSpec;
use serde::{Deserialize, Serialize};

/// Default `tol`: a thousandth of a posterior standard deviation (see the module docs).
pub const DEFAULT_TOL: f64 = 1e-3;

/// The optimiser of the latent-state factors `q(X_i)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LatentMethod {
    /// Newton steps on `F_i` with the Jensen bound `E[ln Σ e^X] ≤ ln Σ e^{μ+s²/2}`:
    /// deterministic, converges in a handful of steps (default).
    #[default]
    Newton,
    /// The paper's reference path: reparameterised Monte Carlo gradients of the exact `F_i`
    /// with ADAM.
    Adam,
}

/// Gamma hyper-parameters (shape/rate) of the ARD and noise precisions (SPEC A.4).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Priors {
    /// Shape of `τ_l ~ Gamma(α0, β0)`.
    pub alpha0: f64,
    /// Rate of `τ_l`.
    pub beta0: f64,
    /// Shape of `v_j ~ Gamma(γ0, ζ0)`.
    pub gamma0: f64,
    /// Rate of `v_j`.
    pub zeta0: f64,
}

impl Default for Priors {
    fn default() -> Self {
        Priors {
            alpha0: 1e-10,
            beta0: 1e-10,
            gamma0: 1e-10,
            zeta0: 1e-10,
        }
    }
}

/// Learner parameters (unchecked builder).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LearnerParams {
    pub law: LawSpec,
    pub per_bin_noise: bool,
    pub method: LatentMethod,
    pub max_iter: usize,
    pub min_iter: usize,
    pub tol: f64,
    pub priors: Priors,
    pub seed: u64,
    pub adam_steps: usize,
    pub adam_samples: usize,
    pub adam_lr: f64,
    /// Kernel law: the hop range was not chosen by the user, so the fit widens it while the
    /// outermost hops carry more than [`crate::law::kernel::EDGE_WARNING`] of the moved mass
    /// (`pipeline::learn::fit`). A model's recorded parameters hold the range it ended with.
    #[serde(default)]
    pub widen_hop: bool,
}

impl Default for LearnerParams {
    fn default() -> Self {
        LearnerParams {
            law: LawSpec::default(),
            per_bin_noise: false,
            method: LatentMethod::Newton,
            max_iter: 2000,
            min_iter: 5,
            tol: DEFAULT_TOL,
            priors: Priors::default(),
            seed: 0,
            adam_steps: 200,
            adam_samples: 8,
            adam_lr: 0.02,
            widen_hop: false,
        }
    }
}

/// Checked learner parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidParams(pub(crate) LearnerParams);

impl ValidParams {
    /// The parameters.
    pub fn get(&self) -> &LearnerParams {
        &self.0
    }
}

impl LearnerParams {
    /// Sets the law family.
    pub fn law(mut self, law: LawSpec) -> Self {
        self.law = law;
        self
    }
    /// Sets the interaction range `M` of a polynomial law (a polynomial law of order 2 if the
    /// law was another family).
    pub fn range(mut self, m: usize) -> Self {
        let order = match self.law {
            LawSpec::Polynomial { order, .. } => order,
            _ => 2,
        };
        self.law = LawSpec::Polynomial { range: m, order };
        self
    }
    /// Sets the order of a polynomial law (range 2 if the law was another family).
    pub fn order(mut self, order: usize) -> Self {
        let range = match self.law {
            LawSpec::Polynomial { range, .. } => range,
            _ => 2,
        };
        self.law = LawSpec::Polynomial { range, order };
        self
    }
    /// One noise precision per bin.
    pub fn per_bin_noise(mut self, yes: bool) -> Self {
        self.per_bin_noise = yes;
        self
    }
    /// The latent-state optimiser.
    pub fn method(mut self, m: LatentMethod) -> Self {
        self.method = m;
        self
    }
    /// Maximum number of sweeps.
    pub fn max_iter(mut self, k: usize) -> Self {
        self.max_iter = k;
        self.min_iter = self.min_iter.min(k);
        self
    }
    /// Convergence tolerance (see the module docs).
    pub fn tol(mut self, t: f64) -> Self {
        self.tol = t;
        self
    }
    /// Seed of the reference path's Monte Carlo draws.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Kernel law: widen the hop range while the outermost hops carry more than
    /// [`crate::law::kernel::EDGE_WARNING`] of the moved mass (see the field).
    pub fn widen_hop(mut self, yes: bool) -> Self {
        self.widen_hop = yes;
        self
    }
    /// The law of `family` from a user's `options` ([`crate::law::LawOptions::spec`]); a kernel
    /// law whose hop range the options leave open starts at the default and widens it
    /// ([`LearnerParams::widen_hop`]).
    pub fn law_options(self, options: &crate::law::LawOptions, family: &str) -> Result<Self> {
        Ok(self.law_with_hop(options.spec(family)?, options.hop))
    }
    /// The law `spec`, where `hop` is the hop range the user gave (`None`: left open, so a
    /// kernel law widens it, [`LearnerParams::widen_hop`]).
    pub fn law_with_hop(self, spec: LawSpec, hop: Option<usize>) -> Self {
        let widen = matches!(spec, LawSpec::Kernel { .. }) && hop.is_none();
        self.law(spec).widen_hop(widen)
    }

    /// Checks every range (the library range against `nc` is checked at fit time).
    pub fn check(self) -> Result<ValidParams> {
        if let LawSpec::Custom { .. } = self.law {
        } else {
            self.law.build()?;
        }
        if self.max_iter == 0 {
            return Err(Error::param("max-iter", 0, ">= 1"));
        }
        if self.min_iter > self.max_iter {
            return Err(Error::param("min-iter", self.min_iter, "<= max-iter"));
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::param("tol", self.tol, "finite and > 0"));
        }
        let p = self.priors;
        for (n, v) in [
            ("alpha0", p.alpha0),
            ("beta0", p.beta0),
            ("gamma0", p.gamma0),
            ("zeta0", p.zeta0),
        ] {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::param(n, v, "finite and > 0"));
            }
        }
        if self.adam_steps == 0 || self.adam_samples == 0 {
            return Err(Error::param("adam steps/samples", 0, ">= 1"));
        }
        if !(self.adam_lr > 0.0 && self.adam_lr.is_finite()) {
            return Err(Error::param("adam-lr", self.adam_lr, "finite and > 0"));
        }
        Ok(ValidParams(self))
    }
}
