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

/// Reads a one-dimensional float64 `.npy` file, with errors naming the file and the problem.
pub fn read_npy_f64_1d(path: &Path) -> Result<Vec<f64>> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let arr = Array1::<f64>::read_npy(BufReader::new(file)).map_err(|e| {
        let problem = match &e {
            ReadNpyError::WrongNdim(_, actual) => {
                format!("expected a 1-D array, found {actual} dimensions")
            }
            ReadNpyError::WrongDescriptor(d) => {
                format!("expected float64 (`<f8`), found dtype {d}")
            }
            other => other.to_string(),
        };
        Error::data(path, "(npy)", problem)
    })?;
    Ok(arr.to_vec())
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
