//! Training data: coarse initial states `X0` and walker counts after one coarse step.
//!
//! Any `.npz` with `X0` (`(N, nc)`, float64, float32 or integers) and `counts` (`(N, nc)`, any
//! integer dtype or floats holding whole numbers, every row summing to the same `nf`) is
//! accepted, whoever wrote it. `X0` that is not centred is centred on
//! reading (the gauge of SPEC A.2: `X` and `X + c·1` are the same density). An optional
//! `domain` array (`[ymin, ymax]`) enables the position-density likelihood.

use crate::error::{Error, Result};
use crate::io::NpzIn;
use crate::math::centre;
use crate::walkers::domain::Domain;
use crate::walkers::experiments::Experiments;
use ndarray::{Array2, Dimension};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which density of the fine data the ELBO uses (SPEC A.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LikelihoodForm {
    /// `Σ_j m_j ln(ρ_j/Δy)`: the density of the labelled positions; comparable across `nc`.
    Positions,
    /// `ln nf! − Σ ln m_j! + Σ m_j ln ρ_j`: the probability of the counts (no domain known);
    /// comparable only at equal `nc`.
    Counts,
}

/// Checked training data.
#[derive(Clone, Debug)]
pub struct TrainingData {
    /// Number of experiments `N`.
    pub n: usize,
    /// Number of coarse bins `nc`.
    pub nc: usize,
    /// Walkers per experiment `nf`.
    pub nf: usize,
    /// Centred initial states, row-major `(N, nc)`.
    pub x0: Vec<f64>,
    /// Counts after one step, row-major `(N, nc)`.
    pub counts: Vec<f64>,
    /// The periodic interval, when known.
    pub domain: Option<Domain>,
    /// The coarse time step, when known.
    pub dt: Option<f64>,
    /// A hash of `X0` and `counts` identifying the data set.
    pub fingerprint: String,
}

fn fnv1a(bytes: impl Iterator<Item = u8>, mut h: u64) -> u64 {
    for b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

impl TrainingData {
    /// Data from arrays; `what` names the source in error messages.
    pub fn new(
        x0: &Array2<f64>,
        counts: &Array2<i64>,
        domain: Option<Domain>,
        dt: Option<f64>,
        what: &Path,
    ) -> Result<Self> {
        let (n, nc) = x0.dim();
        if counts.dim() != (n, nc) {
            return Err(Error::data(
                what,
                "counts",
                format!(
                    "shape ({}, {}) does not match X0's ({n}, {nc})",
                    counts.nrows(),
                    counts.ncols()
                ),
            ));
        }
        if n < 2 {
            return Err(Error::data(
                what,
                "X0",
                format!("N = {n} experiments; need at least 2"),
            ));
        }
        if nc < 3 {
            return Err(Error::data(
                what,
                "X0",
                format!("nc = {nc} bins; need at least 3"),
            ));
        }
        if let Some(((i, j), v)) = x0.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::data(
                what,
                "X0",
                format!("non-finite value {v} at [{i}, {j}]"),
            ));
        }
        if let Some(((i, j), v)) = counts.indexed_iter().find(|(_, v)| **v < 0) {
            return Err(Error::data(
                what,
                "counts",
                format!("negative count {v} at [{i}, {j}]"),
            ));
        }
        let nf = counts.row(0).sum();
        if nf <= 0 {
            return Err(Error::data(what, "counts", "row 0 has no walkers"));
        }
        if let Some(i) = (0..n).find(|&i| counts.row(i).sum() != nf) {
            return Err(Error::data(
                what,
                "counts",
                format!(
                    "row {i} sums to {} walkers, row 0 to {nf}: every row must hold the same nf",
                    counts.row(i).sum()
                ),
            ));
        }
        let mut xs: Vec<f64> = Vec::with_capacity(n * nc);
        for row in x0.rows() {
            let mut r = row.to_vec();
            centre(&mut r);
            xs.extend(r);
        }
        let cs: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        let h = fnv1a(
            xs.iter().flat_map(|v| v.to_le_bytes()),
            0xcbf2_9ce4_8422_2325,
        );
        let h = fnv1a(counts.iter().flat_map(|v| v.to_le_bytes()), h);
        Ok(TrainingData {
            n,
            nc,
            nf: nf as usize,
            x0: xs,
            counts: cs,
            domain,
            dt,
            fingerprint: format!("{h:016x}"),
        })
    }

    /// Data from a controlled-experiment run in memory.
    pub fn from_experiments(e: &Experiments) -> Result<Self> {
        Self::new(
            &e.x0,
            &e.counts,
            Some(e.domain),
            Some(e.dt),
            Path::new("(experiments)"),
        )
    }

    /// Reads an `.npz` with `X0`, `counts` and optionally `domain`. `domain` overrides (or
    /// supplies) the interval; when both exist they must agree. `dt` is taken from a
    /// `manifest.json` beside the file, when there is one.
    pub fn from_npz(path: &Path, domain: Option<Domain>) -> Result<Self> {
        let mut z = NpzIn::open(path)?;
        let names = z.names()?;
        for need in ["X0", "counts"] {
            if !names.iter().any(|m| m == need) {
                return Err(z.bad(
                    need,
                    format!("missing (the file has: {})", names.join(", ")),
                ));
            }
        }
        let x0 = z.numeric_as("X0", "(N, nc)")?;
        let counts = whole_counts(&mut z)?;
        let counts = z
            .dims::<ndarray::Ix2>("counts", counts, "(N, nc)")?
            .mapv(|c| c as i64);
        let domain = read_domain(&mut z, domain)?;
        let dt = crate::io::manifest_beside::<DtField>(path)?.and_then(|m| m.dt);
        Self::new(&x0, &counts, domain, dt, path)
    }

    /// The likelihood form the data allow.
    pub fn likelihood_form(&self) -> LikelihoodForm {
        if self.domain.is_some() {
            LikelihoodForm::Positions
        } else {
            LikelihoodForm::Counts
        }
    }

    /// Row `i` of `X0`.
    pub fn x0_row(&self, i: usize) -> &[f64] {
        &self.x0[i * self.nc..(i + 1) * self.nc]
    }

    /// Row `i` of the counts.
    pub fn counts_row(&self, i: usize) -> &[f64] {
        &self.counts[i * self.nc..(i + 1) * self.nc]
    }
}

/// The coarse step recorded in a manifest beside the data, if any.
#[derive(serde::Deserialize)]
struct DtField {
    #[serde(default)]
    dt: Option<f64>,
}

/// `counts` as float64 of any dimension, from any integer dtype NumPy writes or from floats
/// holding whole numbers (NaN, infinities and fractions are errors naming the array).
pub(crate) fn whole_counts(z: &mut NpzIn) -> Result<ndarray::ArrayD<f64>> {
    let read = z.numeric(
        "counts",
        "an integer array (any integer dtype) or floats holding whole numbers",
    )?;
    let a = read.values;
    if read.from_float {
        if let Some((idx, v)) = a.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(z.bad(
                "counts",
                format!("non-finite value {v} at {:?}", idx.as_array_view().to_vec()),
            ));
        }
        if let Some((idx, v)) = a.indexed_iter().find(|(_, v)| v.fract() != 0.0) {
            return Err(z.bad(
                "counts",
                format!(
                    "{v} at {:?} is not a whole number of walkers",
                    idx.as_array_view().to_vec()
                ),
            ));
        }
    }
    Ok(a)
}

/// The file's `domain` (`[ymin, ymax]`, any numeric dtype) merged with the caller's: the caller's
/// supplies a missing one, and when both exist they must agree.
pub(crate) fn read_domain(z: &mut NpzIn, given: Option<Domain>) -> Result<Option<Domain>> {
    let file = if z.names()?.iter().any(|n| n == "domain") {
        let d = z.numeric("domain", "(2,) = [ymin, ymax]")?.values;
        if d.shape() != [2] {
            return Err(z.bad(
                "domain",
                format!("shape {:?}, expected (2,) = [ymin, ymax]", d.shape()),
            ));
        }
        let (a, b) = (d[0], d[1]);
        Some(
            Domain::new(a, b)
                .map_err(|_| z.bad("domain", format!("[{a}, {b}] is not an interval")))?,
        )
    } else {
        None
    };
    match (file, given) {
        (Some(f), Some(g)) if f != g => Err(z.bad(
            "domain",
            format!(
                "[{}, {}] in the file disagrees with --domain {},{}",
                f.ymin, f.ymax, g.ymin, g.ymax
            ),
        )),
        (f, g) => Ok(g.or(f)),
    }
}
