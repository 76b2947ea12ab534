//! Spin configurations on disk: int8 `.npy`, `(n, L, L)` or one `(L, L)` lattice, values ±1.
//!
//! [`SpinWriter`] streams an `(n, L, L)` file sample by sample (its shape is known up front), so a
//! large ensemble never has to sit in memory; like every output it goes to a temporary file that
//! is renamed only once complete.

use super::Lattice;
use crate::error::{Error, Result};
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use ndarray_npy::write_zeroed_npy;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Streams int8 spin lattices into one `.npy` of a fixed shape.
#[derive(Debug)]
pub struct SpinWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    expected: usize,
    written: usize,
}

impl SpinWriter {
    /// Starts `path` with array shape `shape` (e.g. `[n, L, L]`).
    pub fn create(path: &Path, shape: &[usize]) -> Result<Self> {
        let tmp = crate::io::atomic::temp_path(path);
        let werr = |source| Error::Write {
            path: path.to_owned(),
            source,
        };
        let expected = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .filter(|&n| isize::try_from(n).is_ok())
            .ok_or_else(|| {
                werr(std::io::Error::other(format!(
                    "shape {shape:?} is too large"
                )))
            })?;
        let file = File::create(&tmp).map_err(werr)?;
        // the header (ndarray-npy's) and the file's final length; the spins then overwrite
        // the zero (sparse) data part from the header's end, where the cursor stands
        write_zeroed_npy::<i8, _>(&file, IxDyn(shape))
            .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
        let out = BufWriter::with_capacity(1 << 20, file);
        Ok(SpinWriter {
            path: path.to_owned(),
            tmp,
            out: Some(out),
            expected,
            written: 0,
        })
    }

    /// Appends spins (row-major).
    pub fn push(&mut self, spins: &[i8]) -> Result<()> {
        let werr = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        if self.written + spins.len() > self.expected {
            return Err(werr(std::io::Error::other(
                "more spins than the declared shape",
            )));
        }
        let bytes: Vec<u8> = spins.iter().map(|&s| s as u8).collect();
        if let Some(out) = self.out.as_mut() {
            out.write_all(&bytes).map_err(werr)?;
        }
        self.written += spins.len();
        Ok(())
    }

    /// Flushes, syncs and renames into place; fails if fewer spins than declared were pushed.
    pub fn finish(mut self) -> Result<()> {
        let werr = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        if self.written != self.expected {
            return Err(werr(std::io::Error::other(format!(
                "{} of {} spins written",
                self.written, self.expected
            ))));
        }
        if let Some(out) = self.out.take() {
            let file = out.into_inner().map_err(|e| werr(e.into_error()))?;
            file.sync_all().map_err(werr)?;
            fs::rename(&self.tmp, &self.path).map_err(werr)?;
        }
        Ok(())
    }
}

impl Drop for SpinWriter {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// Spin lattices read from an int8 `.npy`: `(n, L, L)`, or `(L, L)` for one lattice.
pub fn read_spins(path: &Path) -> Result<Vec<Lattice>> {
    let arr: ArrayD<i8> = crate::io::npz::read_npy(path, "int8 spins (`|i1`)")?;
    lattices_from(&arr.view(), path, "(npy)")
}

/// Spin lattices from an int8 array `(n, L, L)`, or `(L, L)` for one lattice, checked: square,
/// not empty, every spin ±1. Errors name `what` and `field`.
pub fn lattices_from(arr: &ArrayViewD<'_, i8>, what: &Path, field: &str) -> Result<Vec<Lattice>> {
    let shape = arr.shape().to_vec();
    let (n, l) = match shape.as_slice() {
        [a, b] if a == b => (1, *a),
        [n, a, b] if a == b => (*n, *a),
        _ => {
            return Err(Error::data(
                what,
                field,
                format!("expected square lattices, shape (n, L, L) or (L, L); found {shape:?}"),
            ));
        }
    };
    if n == 0 || l == 0 {
        return Err(Error::data(what, field, format!("empty array {shape:?}")));
    }
    let flat: Vec<i8> = arr.iter().copied().collect();
    if let Some(pos) = flat.iter().position(|&s| s != 1 && s != -1) {
        return Err(Error::data(
            what,
            field,
            format!(
                "spins must be ±1; found {} in lattice {} at ({}, {})",
                flat[pos],
                pos / (l * l),
                pos % (l * l) / l,
                pos % l
            ),
        ));
    }
    Ok(flat
        .chunks_exact(l * l)
        .map(|c| Lattice {
            l,
            spins: c.to_vec(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn streamed_file_reads_back_and_bad_files_are_named() {
        let dir = std::env::temp_dir().join(format!("sb-spins-{}", std::process::id()));
        crate::io::create_dir(&dir).unwrap();
        let p = dir.join("c.npy");
        let mut rng = stream(1, 0, 0);
        let lats: Vec<Lattice> = (0..3).map(|_| Lattice::random(5, &mut rng)).collect();
        let mut w = SpinWriter::create(&p, &[3, 5, 5]).unwrap();
        for l in &lats {
            w.push(&l.spins).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(read_spins(&p).unwrap(), lats);
        // an unfinished writer leaves nothing behind and keeps the old file
        let mut w = SpinWriter::create(&p, &[3, 5, 5]).unwrap();
        w.push(&lats[0].spins).unwrap();
        drop(w);
        assert_eq!(read_spins(&p).unwrap(), lats);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        // wrong values, wrong shape
        let bad = dir.join("bad.npy");
        let mut w = SpinWriter::create(&bad, &[2, 2]).unwrap();
        w.push(&[1, 0, 1, 1]).unwrap();
        w.finish().unwrap();
        let e = read_spins(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.npy") && e.contains("±1"), "{e}");
        let mut w = SpinWriter::create(&bad, &[2, 3]).unwrap();
        w.push(&[1; 6]).unwrap();
        w.finish().unwrap();
        assert!(read_spins(&bad).unwrap_err().to_string().contains("square"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
