//! NumPy files: a checked `.npy` reader, `.npz` archives in and out. `io` knows arrays and
//! files only; each data type that is saved owns its format (which arrays, which shapes) and
//! uses these pieces.

use super::atomic::write_atomic;
use crate::error::{Error, Result};
use ndarray::{Array1, ArrayBase, Data, Dimension};
use ndarray_npy::{
    NpzReader, NpzWriter, ReadNpyError, ReadNpyExt, ReadNpzError, ReadableElement, WritableElement,
};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

fn io_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// An `.npz` archive being written (inside [`write_npz`]).
#[allow(missing_debug_implementations)]
pub struct NpzOut<'a> {
    w: NpzWriter<&'a mut BufWriter<File>>,
}

impl NpzOut<'_> {
    /// Adds array `name`.
    pub fn add<S, D>(&mut self, name: &str, a: &ArrayBase<S, D>) -> std::io::Result<()>
    where
        S: Data,
        S::Elem: WritableElement,
        D: Dimension,
    {
        self.w.add_array(name, a).map_err(io_err)
    }
}

/// Writes an (uncompressed) `.npz` atomically; `fill` adds the arrays.
pub fn write_npz<F>(path: &Path, fill: F) -> Result<()>
where
    F: FnOnce(&mut NpzOut<'_>) -> std::io::Result<()>,
{
    write_atomic(path, |f| {
        let mut out = NpzOut {
            w: NpzWriter::new(f),
        };
        fill(&mut out)?;
        out.w.finish().map_err(io_err)?;
        Ok(())
    })
}

/// An `.npz` archive open for reading, whose errors name the file and the array.
#[allow(missing_debug_implementations)]
pub struct NpzIn {
    path: PathBuf,
    z: NpzReader<File>,
}

impl NpzIn {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let z = NpzReader::new(file).map_err(|e| Error::data(path, "(npz)", e.to_string()))?;
        Ok(NpzIn {
            path: path.to_owned(),
            z,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads array `name`; `expected` says what it should be (e.g. "float64 (N, nc)") in the
    /// error.
    pub fn array<A, S, D>(&mut self, name: &str, expected: &str) -> Result<ArrayBase<S, D>>
    where
        A: ReadableElement,
        S: ndarray::DataOwned<Elem = A>,
        D: Dimension,
    {
        self.z
            .by_name(name)
            .map_err(|e| Error::data(&self.path, name, format!("expected {expected}: {e}")))
    }

    /// The names of the arrays in the archive (without `.npy`).
    pub fn names(&mut self) -> Result<Vec<String>> {
        Ok(self
            .z
            .names()
            .map_err(|e| Error::data(&self.path, "(npz)", e.to_string()))?
            .into_iter()
            .map(|n| n.strip_suffix(".npy").map(str::to_owned).unwrap_or(n))
            .collect())
    }

    /// Reads array `name` with the reader's own error (for trying several dtypes in turn).
    pub fn raw<S, D>(&mut self, name: &str) -> std::result::Result<ArrayBase<S, D>, ReadNpzError>
    where
        S: ndarray::DataOwned,
        S::Elem: ReadableElement,
        D: Dimension,
    {
        self.z.by_name(name)
    }

    /// An error about array `name` of this file.
    pub fn bad(&self, name: &str, problem: impl Into<String>) -> Error {
        Error::data(&self.path, name, problem)
    }
}

/// Opens an `.npz` for reading with ndarray-npy's reader, with errors naming the file (for
/// readers that try several dtypes; [`NpzIn`] is the usual way).
pub fn open_npz(path: &Path) -> Result<NpzReader<File>> {
    Ok(NpzIn::open(path)?.z)
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

/// Writes a one-dimensional float64 `.npy` atomically.
pub fn write_npy_f64_1d(path: &Path, values: &[f64]) -> Result<()> {
    use ndarray_npy::WriteNpyExt;
    write_atomic(path, |f| {
        Array1::from(values.to_vec()).write_npy(f).map_err(io_err)
    })
}
