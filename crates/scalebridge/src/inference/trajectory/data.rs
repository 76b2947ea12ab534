//! Trajectory data (SPEC A.10): counts `m_{i,t}` of `N` runs at `t = 0..T`.
//!
//! An `.npz` (compressed or not) holds either `counts`, integer `(N, T+1, nc)` (any integer
//! dtype, or floats holding whole numbers), or `positions`, `(N, T+1, nf)` (float64, float32 or
//! integers) together with `domain` and a number of bins given by the caller; optionally
//! `domain` (`[ymin, ymax]`, any numeric dtype). Row totals
//! may differ between runs and times (a thinned observation is still an observation); a row
//! with no walkers is an error, because it carries no information and usually means a padding
//! row of ragged runs.

use crate::error::{Error, Result};
use crate::inference::data::{read_domain, whole_counts};
use crate::io::NpzIn;
use crate::walkers::Domain;
use crate::walkers::restrict::{bin_counts_into, check_positions};
use ndarray::Array3;
use std::path::Path;

/// Checked trajectory data.
#[derive(Clone, Debug)]
pub struct TrajectoryData {
    /// Runs `N`.
    pub n: usize,
    /// Coarse steps per run `T` (every run has `T + 1` observed times).
    pub steps: usize,
    /// Coarse bins `nc`.
    pub nc: usize,
    /// Counts, row-major `(N, T+1, nc)`.
    pub counts: Vec<f64>,
    /// Walkers observed at each `(i, t)`, row-major `(N, T+1)`.
    pub nf: Vec<f64>,
    /// The periodic interval, when known.
    pub domain: Option<Domain>,
    /// The coarse time step, when a manifest beside the file says it.
    pub dt: Option<f64>,
    /// A hash of the counts identifying the data set.
    pub fingerprint: String,
}

/// What an `.npz` of training data holds: one-step experiments (`counts` 2-D) or trajectories
/// (`counts` 3-D, or `positions` without a 2-D `counts`).
pub fn holds_trajectories(path: &Path) -> Result<bool> {
    let mut z = NpzIn::open(path)?;
    let names = z.names()?;
    if names.iter().any(|n| n == "counts") {
        Ok(whole_counts(&mut z)?.ndim() == 3)
    } else {
        Ok(names.iter().any(|n| n == "positions"))
    }
}

fn fnv1a(bytes: impl Iterator<Item = u8>, mut h: u64) -> u64 {
    for b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

impl TrajectoryData {
    /// Data from counts `(N, T+1, nc)`; `what` names the source in error messages.
    pub fn new(
        counts: &Array3<f64>,
        domain: Option<Domain>,
        dt: Option<f64>,
        what: &Path,
    ) -> Result<Self> {
        let (n, t1, nc) = counts.dim();
        if n < 1 {
            return Err(Error::data(what, "counts", "no runs (N = 0)"));
        }
        if t1 < 2 {
            return Err(Error::data(
                what,
                "counts",
                format!(
                    "T + 1 = {t1} observed time(s) per run; a trajectory needs at least 2 (one step)"
                ),
            ));
        }
        if nc < 3 {
            return Err(Error::data(
                what,
                "counts",
                format!("nc = {nc} bins; need at least 3"),
            ));
        }
        if let Some(((i, t, j), v)) = counts.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::data(
                what,
                "counts",
                format!("non-finite value {v} at [{i}, {t}, {j}]"),
            ));
        }
        if let Some(((i, t, j), v)) = counts.indexed_iter().find(|(_, v)| **v < 0.0) {
            return Err(Error::data(
                what,
                "counts",
                format!("negative count {v} at [{i}, {t}, {j}]"),
            ));
        }
        let mut nf = Vec::with_capacity(n * t1);
        for i in 0..n {
            for t in 0..t1 {
                let total: f64 = (0..nc).map(|j| counts[(i, t, j)]).sum();
                if total <= 0.0 {
                    return Err(Error::data(
                        what,
                        "counts",
                        format!(
                            "run {i} at t = {t} has no walkers (an all-zero row: ragged runs \
                             must be cut to a common length, not padded with zeros)"
                        ),
                    ));
                }
                nf.push(total);
            }
        }
        let flat: Vec<f64> = counts.iter().copied().collect();
        let h = fnv1a(
            flat.iter().flat_map(|v| v.to_le_bytes()),
            0x6a09_e667_f3bc_c909,
        );
        Ok(TrajectoryData {
            n,
            steps: t1 - 1,
            nc,
            counts: flat,
            nf,
            domain,
            dt,
            fingerprint: format!("{h:016x}"),
        })
    }

    /// Reads an `.npz` with `counts` `(N, T+1, nc)`, or `positions` `(N, T+1, nf)` binned on
    /// `nc` bins of `domain`; `domain` overrides (or supplies) the file's, and when both exist
    /// they must agree.
    pub fn from_npz(path: &Path, domain: Option<Domain>, nc: Option<usize>) -> Result<Self> {
        let mut z = NpzIn::open(path)?;
        let names = z.names()?;
        let has = |n: &str| names.iter().any(|m| m == n);
        let domain = read_domain(&mut z, domain)?;
        let counts: Array3<f64> = if has("counts") {
            let a = whole_counts(&mut z)?;
            z.dims("counts", a, "(N, T+1, nc) (trajectories)")?
        } else if has("positions") {
            let Some(dom) = domain else {
                return Err(z.bad(
                    "positions",
                    "given without `domain` (and no --domain): the bins of the positions are unknown",
                ));
            };
            let Some(nc) = nc else {
                return Err(z.bad(
                    "positions",
                    "given without `counts`: say how many coarse bins to use (--nc)",
                ));
            };
            let pos: Array3<f64> = z.numeric_as("positions", "(N, T+1, nf)")?;
            let (n, t1, nf) = pos.dim();
            if nf == 0 {
                return Err(z.bad("positions", "no walkers (nf = 0)"));
            }
            check_positions(
                pos.as_slice().unwrap_or(&[]),
                &dom,
                &format!("{}: positions", path.display()),
            )?;
            let mut c = Array3::<f64>::zeros((n, t1, nc.max(1)));
            let mut buf = vec![0i64; nc.max(1)];
            for i in 0..n {
                for t in 0..t1 {
                    let row: Vec<f64> = (0..nf).map(|k| pos[(i, t, k)]).collect();
                    bin_counts_into(&row, &dom, &mut buf);
                    for (j, &b) in buf.iter().enumerate() {
                        c[(i, t, j)] = b as f64;
                    }
                }
            }
            c
        } else {
            return Err(z.bad(
                "counts",
                format!(
                    "missing: trajectories need `counts` (N, T+1, nc) or `positions` (N, T+1, nf) \
                     (the file has: {})",
                    names.join(", ")
                ),
            ));
        };
        if let (Some(want), true) = (nc, has("counts")) {
            if counts.dim().2 != want {
                return Err(z.bad(
                    "counts",
                    format!("{} bins; --nc asks for {want}", counts.dim().2),
                ));
            }
        }
        let dt = crate::io::manifest_beside::<DtField>(path)?.and_then(|m| m.dt);
        Self::new(&counts, domain, dt, path)
    }

    /// Number of observed times `T + 1`.
    pub fn times(&self) -> usize {
        self.steps + 1
    }

    /// Counts of run `i` at time `t`.
    pub fn counts_at(&self, i: usize, t: usize) -> &[f64] {
        let k = (i * self.times() + t) * self.nc;
        &self.counts[k..k + self.nc]
    }

    /// Walkers of run `i` at time `t`.
    pub fn nf_at(&self, i: usize, t: usize) -> f64 {
        self.nf[i * self.times() + t]
    }

    /// Every row's counts as one run of `T + 1` rows: `(T+1)·nc` values.
    pub fn run(&self, i: usize) -> &[f64] {
        let len = self.times() * self.nc;
        &self.counts[i * len..(i + 1) * len]
    }

    /// The likelihood form the data allow (as for controlled experiments).
    pub fn likelihood_form(&self) -> crate::inference::LikelihoodForm {
        if self.domain.is_some() {
            crate::inference::LikelihoodForm::Positions
        } else {
            crate::inference::LikelihoodForm::Counts
        }
    }

    /// Walker-steps of training data: `Σ_{i, t<T} nf_{i,t}` (what equal-data comparisons hold
    /// fixed).
    pub fn walker_steps(&self) -> f64 {
        (0..self.n)
            .flat_map(|i| (0..self.steps).map(move |t| (i, t)))
            .map(|(i, t)| self.nf_at(i, t))
            .sum()
    }
}

/// The coarse step recorded in a manifest beside the data, if any.
#[derive(serde::Deserialize)]
struct DtField {
    #[serde(default)]
    dt: Option<f64>,
}
