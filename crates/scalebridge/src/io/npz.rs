//! NumPy files: the data sets scalebridge writes, and checked readers for user input.

use super::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::experiments::{Experiments, Trajectories};
use ndarray::{Array1, ArrayBase, Data, Dimension};
use ndarray_npy::{NpzWriter, ReadNpyError, ReadNpyExt, WritableElement};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn add<S, D>(
    w: &mut NpzWriter<&mut BufWriter<File>>,
    name: &str,
    a: &ArrayBase<S, D>,
) -> std::io::Result<()>
where
    S: Data,
    S::Elem: WritableElement,
    D: Dimension,
{
    w.add_array(name, a).map_err(io_err)
}

/// Writes `experiments.npz`: `X0` `(N, nc)`, `positions0` `(N, nf)`, `counts` int64 `(N, nc)`,
/// `positions` `(N, nf)`, `domain` `(2,)`.
pub fn write_experiments(path: &Path, e: &Experiments) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = NpzWriter::new(f);
        add(&mut w, "X0", &e.x0)?;
        add(&mut w, "positions0", &e.positions0)?;
        add(&mut w, "counts", &e.counts)?;
        add(&mut w, "positions", &e.positions)?;
        add(&mut w, "domain", &e.domain_array())?;
        w.finish().map_err(io_err)?;
        Ok(())
    })
}

/// Writes `trajectory.npz`: `t` `(T+1,)`, `positions` `(N, T+1, nf)`, and `X0` `(N, nc)` when
/// the runs did not start from a fine state.
pub fn write_trajectories(path: &Path, tr: &Trajectories) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = NpzWriter::new(f);
        add(&mut w, "t", &Array1::from(tr.t.clone()))?;
        add(&mut w, "positions", &tr.positions)?;
        if let Some(x0) = &tr.x0 {
            add(&mut w, "X0", x0)?;
        }
        w.finish().map_err(io_err)?;
        Ok(())
    })
}

/// Reads one array from a `.npy` file, with errors naming the file and saying which dtype
/// (`dtype`, e.g. "float64 (`<f8`)") and dimensionality were expected.
pub fn read_npy<A: ReadNpyExt>(path: &Path, dtype: &str) -> Result<A> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    A::read_npy(BufReader::new(file)).map_err(|e| {
        let problem = match &e {
            ReadNpyError::WrongNdim(expected, actual) => {
                let want = expected.map_or("an array".to_owned(), |n| format!("a {n}-D array"));
                format!("expected {want}, found {actual} dimensions")
            }
            ReadNpyError::WrongDescriptor(d) => format!("expected {dtype}, found dtype {d}"),
            other => other.to_string(),
        };
        Error::data(path, "(npy)", problem)
    })
}

/// Reads a one-dimensional float64 `.npy` file, with errors naming the file and the problem.
pub fn read_npy_f64_1d(path: &Path) -> Result<Vec<f64>> {
    Ok(read_npy::<Array1<f64>>(path, "float64 (`<f8`)")?.to_vec())
}

/// Writes `latent.npz`: `mean` and `std` of the latent-state posteriors, `(N, nc)`.
pub fn write_latent(path: &Path, latent: &crate::inference::Latent) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = NpzWriter::new(f);
        add(&mut w, "mean", &latent.mean)?;
        add(&mut w, "std", &latent.std)?;
        w.finish().map_err(io_err)?;
        Ok(())
    })
}

/// Writes a density band: `t` `(T+1,)`, `mean`, `q_lo`, `q_hi` `(T+1, B)`.
pub fn write_band(path: &Path, t: &[f64], band: &crate::prediction::Band) -> Result<()> {
    write_atomic(path, |f| {
        let mut w = NpzWriter::new(f);
        add(&mut w, "t", &Array1::from(t.to_vec()))?;
        add(&mut w, "mean", &band.mean)?;
        add(&mut w, "q_lo", &band.q_lo)?;
        add(&mut w, "q_hi", &band.q_hi)?;
        w.finish().map_err(io_err)?;
        Ok(())
    })
}

/// Writes the 2-bin probabilities: `t`, `pairs` int64 `(P, 2)`, `mean`, `q_lo`, `q_hi` `(T+1, P)`.
pub fn write_two_bin(
    path: &Path,
    t: &[f64],
    pairs: &[(usize, usize)],
    band: &crate::prediction::Band,
) -> Result<()> {
    let p = ndarray::Array2::from_shape_fn((pairs.len(), 2), |(i, c)| {
        if c == 0 {
            pairs[i].0 as i64
        } else {
            pairs[i].1 as i64
        }
    });
    write_atomic(path, |f| {
        let mut w = NpzWriter::new(f);
        add(&mut w, "t", &Array1::from(t.to_vec()))?;
        add(&mut w, "pairs", &p)?;
        add(&mut w, "mean", &band.mean)?;
        add(&mut w, "q_lo", &band.q_lo)?;
        add(&mut w, "q_hi", &band.q_hi)?;
        w.finish().map_err(io_err)?;
        Ok(())
    })
}

/// Opens an `.npz` for reading, with errors naming the file.
pub fn open_npz(path: &Path) -> Result<ndarray_npy::NpzReader<File>> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    ndarray_npy::NpzReader::new(file).map_err(|e| Error::data(path, "(npz)", e.to_string()))
}

/// Reads `positions` float64 `(R, T+1, nf)` from a `trajectory.npz`.
pub fn read_trajectory_positions(path: &Path) -> Result<ndarray::Array3<f64>> {
    let mut z = open_npz(path)?;
    z.by_name("positions").map_err(|e| {
        Error::data(
            path,
            "positions",
            format!("expected float64 (R, T+1, nf): {e}"),
        )
    })
}

/// Reads `latent.npz` (`mean`, `std`, `(N, nc)`).
pub fn read_latent(path: &Path) -> Result<crate::inference::Latent> {
    let mut z = open_npz(path)?;
    let mean = z
        .by_name("mean")
        .map_err(|e| Error::data(path, "mean", format!("expected float64 (N, nc): {e}")))?;
    let std = z
        .by_name("std")
        .map_err(|e| Error::data(path, "std", format!("expected float64 (N, nc): {e}")))?;
    Ok(crate::inference::Latent { mean, std })
}

/// Writes a one-dimensional float64 `.npy` atomically.
pub fn write_npy_f64_1d(path: &Path, values: &[f64]) -> Result<()> {
    use ndarray_npy::WriteNpyExt;
    write_atomic(path, |f| {
        Array1::from(values.to_vec()).write_npy(f).map_err(io_err)
    })
}

/// Writes spin configurations as int8 `(n, L, L)` `.npy`, atomically.
pub fn write_configs(path: &Path, configs: &ndarray::Array3<i8>) -> Result<()> {
    use ndarray_npy::WriteNpyExt;
    write_atomic(path, |f| configs.write_npy(f).map_err(io_err))
}

/// Writes per-level observables of a dreamed ensemble: `L` int64 `(levels,)`, `m` and `e`
/// `(levels, n)`.
pub fn write_level_observables(
    path: &Path,
    sides: &[usize],
    m: &ndarray::Array2<f64>,
    e: &ndarray::Array2<f64>,
) -> Result<()> {
    let l: Array1<i64> = sides.iter().map(|&s| s as i64).collect();
    write_atomic(path, |f| {
        let mut w = NpzWriter::new(f);
        add(&mut w, "L", &l)?;
        add(&mut w, "m", m)?;
        add(&mut w, "e", e)?;
        w.finish().map_err(io_err)?;
        Ok(())
    })
}

/// Reads per-level observables written by [`write_level_observables`]: sides and `m` rows.
pub fn read_level_magnetisation(path: &Path) -> Result<(Vec<usize>, Vec<Vec<f64>>)> {
    let mut z = open_npz(path)?;
    let bad = |field: &str, e: ndarray_npy::ReadNpzError| Error::data(path, field, e.to_string());
    let l: Array1<i64> = z.by_name("L").map_err(|e| bad("L", e))?;
    let m: ndarray::Array2<f64> = z.by_name("m").map_err(|e| bad("m", e))?;
    if m.nrows() != l.len() {
        return Err(Error::data(
            path,
            "m",
            format!("{} rows for {} sizes in `L`", m.nrows(), l.len()),
        ));
    }
    Ok((
        l.iter().map(|&v| v.max(0) as usize).collect(),
        m.rows().into_iter().map(|r| r.to_vec()).collect(),
    ))
}
