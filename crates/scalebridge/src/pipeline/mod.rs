//! The jobs behind the command-line tool, as library functions: each takes its parameters,
//! checks them, runs the science, and writes one output directory (staged, with its
//! `manifest.json`). The CLI parses arguments, calls one of these, and shows progress; a
//! notebook or the Python bindings call the same functions.
//!
//! | file | job |
//! |---|---|
//! | [`simulate`] | controlled experiments or trajectories of a walker system |
//! | [`learn`] | the sparse Bayesian law from experiments |
//! | [`compare`] | models learned on the same data, side by side by their ELBO, ranked by their active laws' |
//! | [`predict`] | predictive bands from a learned model, and their coverage of replicas |
//! | [`run`] | the whole walker pipeline from a TOML configuration (`scalebridge run`) |
//! | [`ising`] | Monte Carlo sampling, fitting the lifting rule, dreaming, MCRG |
//! | [`nis`] | the exact-weight generator: fitting it, importance sampling with it |

pub mod compare;
pub mod ising;
pub mod learn;
pub mod nis;
pub mod predict;
pub mod run;
pub mod simulate;

use crate::error::{Error, Result};
use crate::walkers::Domain;

/// Progress of a long job: phases, advanced from any thread.
pub trait Progress: Sync {
    /// A new phase of `total` units called `what`; `total = 0` when the length is not known in
    /// advance (a fit's sweeps, which stop at its convergence rule long before the cap): no
    /// bar and no estimate of the time left then, and the phase's messages say how far it got.
    fn start(&self, what: &str, total: u64);
    /// `k` more units done.
    fn inc(&self, k: u64);
    /// A status line (e.g. the current ELBO).
    fn message(&self, _msg: &str) {}
    /// The phase is over.
    fn finish(&self);
}

/// No progress shown.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _what: &str, _total: u64) {}
    fn inc(&self, _k: u64) {}
    fn finish(&self) {}
}

/// Parses `ymin,ymax`.
pub fn parse_domain(s: &str) -> Result<Domain> {
    let parts: Vec<&str> = s.split(',').collect();
    let bad = || Error::param("domain", s, "two numbers ymin,ymax with ymin < ymax");
    if parts.len() != 2 {
        return Err(bad());
    }
    let a: f64 = parts[0].trim().parse().map_err(|_| bad())?;
    let b: f64 = parts[1].trim().parse().map_err(|_| bad())?;
    Domain::new(a, b).map_err(|_| bad())
}
