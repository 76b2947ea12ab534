//! Training data: coarse initial states `X0` and walker counts after one coarse step.
//!
//! Any `.npz` with `X0` (float64 or float32 `(N, nc)`) and `counts` (integer `(N, nc)`, every row summing
//! to the same `nf`) is accepted, whoever wrote it. `X0` that is not centred is centred on
//! reading (the gauge of SPEC A.2: `X` and `X + c·1` are the same density). An optional
//! `domain` array (`[ymin, ymax]`) enables the position-density likelihood.

use crate::error::{Error, Result};
use crate::math::centre;
use crate::walkers::domain::Domain;
use crate::walkers::experiments::Experiments;
use ndarray::Array2;
use ndarray_npy::{NpzReader, ReadNpzError};
use serde::{Deserialize, Serialize};
use std::fs::File;
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
        let mut z = crate::io::npz::open_npz(path)?;
        let names = z
            .names()
            .map_err(|e| Error::data(path, "(npz)", e.to_string()))?;
        let has = |n: &str| names.iter().any(|m| m == n || m == &format!("{n}.npy"));
        for need in ["X0", "counts"] {
            if !has(need) {
                return Err(Error::data(
                    path,
                    need,
                    format!("missing (the file has: {})", names.join(", ")),
                ));
            }
        }
        let x0 = read_x0(&mut z, path)?;
        let counts = read_counts(&mut z, path)?;
        let file_domain = if has("domain") {
            let d: ndarray::Array1<f64> = z
                .by_name("domain")
                .map_err(|e| npz_err(path, "domain", "float64 (2,)", e))?;
            if d.len() != 2 {
                return Err(Error::data(
                    path,
                    "domain",
                    format!("shape ({},), expected (2,)", d.len()),
                ));
            }
            Some(Domain::new(d[0], d[1]).map_err(|_| {
                Error::data(
                    path,
                    "domain",
                    format!("[{}, {}] is not an interval", d[0], d[1]),
                )
            })?)
        } else {
            None
        };
        let domain = match (file_domain, domain) {
            (Some(f), Some(g)) if f != g => {
                return Err(Error::data(
                    path,
                    "domain",
                    format!(
                        "[{}, {}] in the file disagrees with --domain {},{}",
                        f.ymin, f.ymax, g.ymin, g.ymax
                    ),
                ));
            }
            (f, g) => g.or(f),
        };
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

fn npz_err(path: &Path, field: &str, expected: &str, e: ReadNpzError) -> Error {
    let problem = match &e {
        ReadNpzError::Npy(ndarray_npy::ReadNpyError::WrongDescriptor(d)) => {
            format!("expected {expected}, found dtype {d}")
        }
        ReadNpzError::Npy(ndarray_npy::ReadNpyError::WrongNdim(_, actual)) => {
            format!("expected {expected} (2-D), found {actual} dimensions")
        }
        other => other.to_string(),
    };
    Error::data(path, field, problem)
}

/// `X0` as float64, or float32 widened (what a user's NumPy code often writes).
fn read_x0(z: &mut NpzReader<File>, path: &Path) -> Result<Array2<f64>> {
    let first = match z.by_name::<ndarray::OwnedRepr<f64>, ndarray::Ix2>("X0") {
        Ok(a) => return Ok(a),
        Err(e) => e,
    };
    if let Ok(a) = z.by_name::<ndarray::OwnedRepr<f32>, ndarray::Ix2>("X0") {
        return Ok(a.mapv(f64::from));
    }
    Err(npz_err(path, "X0", "float64 or float32", first))
}

/// Counts as int64, int32, uint32 or uint64 (whatever NumPy wrote).
fn read_counts(z: &mut NpzReader<File>, path: &Path) -> Result<Array2<i64>> {
    let first = match z.by_name::<ndarray::OwnedRepr<i64>, ndarray::Ix2>("counts") {
        Ok(a) => return Ok(a),
        Err(e) => e,
    };
    if let Ok(a) = z.by_name::<ndarray::OwnedRepr<i32>, ndarray::Ix2>("counts") {
        return Ok(a.mapv(i64::from));
    }
    if let Ok(a) = z.by_name::<ndarray::OwnedRepr<u32>, ndarray::Ix2>("counts") {
        return Ok(a.mapv(i64::from));
    }
    if let Ok(a) = z.by_name::<ndarray::OwnedRepr<u64>, ndarray::Ix2>("counts") {
        return Ok(a.mapv(|v| v.min(i64::MAX as u64) as i64));
    }
    Err(npz_err(
        path,
        "counts",
        "an integer array (int64/int32/uint32/uint64)",
        first,
    ))
}
