//! NumPy files: a checked `.npy` reader, `.npz` archives in and out. `io` knows arrays and
//! files only; each data type that is saved owns its format (which arrays, which shapes) and
//! uses these pieces.

use super::atomic::write_atomic;
use crate::error::{Error, Result};
use ndarray::{Array, Array1, ArrayBase, ArrayD, Data, Dimension, IxDyn, OwnedRepr};
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

    /// An error about array `name` of this file.
    pub fn bad(&self, name: &str, problem: impl Into<String>) -> Error {
        Error::data(&self.path, name, problem)
    }

    /// Reads array `name` as float64 of any dimension, whatever numeric dtype NumPy wrote
    /// ([`Numeric`]); `expected` says what it should be in the error for any other dtype.
    pub fn numeric(&mut self, name: &str, expected: &str) -> Result<Numeric> {
        struct Entry<'a>(&'a mut NpzReader<File>, &'a str);
        impl NumericSource for Entry<'_> {
            type Err = ReadNpzError;
            fn read<T: ReadableElement>(&mut self) -> std::result::Result<ArrayD<T>, Self::Err> {
                self.0.by_name(self.1)
            }
            fn dtype(e: &Self::Err) -> Option<String> {
                match e {
                    ReadNpzError::Npy(ReadNpyError::WrongDescriptor(d)) => Some(d.to_string()),
                    _ => None,
                }
            }
        }
        read_numeric(&mut Entry(&mut self.z, name))
            .map_err(|problem| Error::data(&self.path, name, npz_problem(problem, expected)))
    }

    /// [`NpzIn::numeric`]'s values as an array of `D`'s dimensions; `shape` names the expected
    /// shape in errors (e.g. "(N, nc)").
    pub fn numeric_as<D: Dimension>(&mut self, name: &str, shape: &str) -> Result<Array<f64, D>> {
        let a = self.numeric(name, &format!("numeric {shape}"))?.values;
        self.dims(name, a, shape)
    }

    /// `a` (array `name` of this file) as an array of `D`'s dimensions, else an error naming
    /// the array, its dimensions and the `shape` expected.
    pub fn dims<D: Dimension>(
        &self,
        name: &str,
        a: ArrayD<f64>,
        shape: &str,
    ) -> Result<Array<f64, D>> {
        let (ndim, dims) = (a.ndim(), a.shape().to_vec());
        a.into_dimensionality().map_err(|_| {
            self.bad(
                name,
                format!("{ndim} dimensions {dims:?}, expected {shape}"),
            )
        })
    }
}

/// A numeric array read as float64 ([`NpzIn::numeric`], [`read_npy_numeric`]): NumPy writes
/// float64, float32 or any integer type depending on how the array was made (`np.array([0, 1])`
/// is int64, `np.float32(...)` arrays are float32), and all of them hold the numbers a user
/// meant. Integers above 2⁵³ are rounded to the nearest float64.
#[derive(Debug)]
pub struct Numeric {
    /// The values, float64.
    pub values: ArrayD<f64>,
    /// Whether the file held floating-point numbers (which may be fractional or non-finite).
    pub from_float: bool,
}

/// Where [`read_numeric`] reads one array from, as any element type.
trait NumericSource {
    type Err: std::fmt::Display;
    /// The array as elements of `T`.
    fn read<T: ReadableElement>(&mut self) -> std::result::Result<ArrayD<T>, Self::Err>;
    /// The file's descriptor when `e` says the dtype was another, else `None`.
    fn dtype(e: &Self::Err) -> Option<String>;
}

/// The numeric element types NumPy writes, widened to float64.
trait Widen: ReadableElement + Copy {
    const FLOAT: bool;
    fn widen(self) -> f64;
}

macro_rules! widen {
    ($($t:ty => $float:expr),*) => {$(
        impl Widen for $t {
            const FLOAT: bool = $float;
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn widen(self) -> f64 {
                self as f64
            }
        }
    )*};
}
widen!(f64 => true, f32 => true, i64 => false, i32 => false, i16 => false, i8 => false,
    u64 => false, u32 => false, u16 => false, u8 => false);

/// `src`'s array as float64 if its elements are `T`.
fn widened<T: Widen, S: NumericSource>(src: &mut S) -> std::result::Result<Numeric, S::Err> {
    src.read::<T>().map(|a| Numeric {
        values: a.mapv(T::widen),
        from_float: T::FLOAT,
    })
}

/// Why a numeric read failed: another dtype (its descriptor), or the reader's own error.
enum NumericProblem {
    Dtype(String),
    Other(String),
}

fn npz_problem(p: NumericProblem, expected: &str) -> String {
    match p {
        NumericProblem::Dtype(d) => format!("expected {expected}, found dtype {d}"),
        NumericProblem::Other(e) => format!("expected {expected}: {e}"),
    }
}

/// Reads `src` as each numeric dtype in turn until one matches; a dtype mismatch (with the
/// file's descriptor) goes on to the next, any other error ends the search.
fn read_numeric<S: NumericSource>(src: &mut S) -> std::result::Result<Numeric, NumericProblem> {
    type Reader<S> = fn(&mut S) -> std::result::Result<Numeric, <S as NumericSource>::Err>;
    let kinds: [Reader<S>; 10] = [
        widened::<f64, S>,
        widened::<f32, S>,
        widened::<i64, S>,
        widened::<i32, S>,
        widened::<i16, S>,
        widened::<i8, S>,
        widened::<u64, S>,
        widened::<u32, S>,
        widened::<u16, S>,
        widened::<u8, S>,
    ];
    let mut found = None;
    for read in kinds {
        match read(src) {
            Ok(n) => return Ok(n),
            Err(e) => match S::dtype(&e) {
                Some(d) => found = found.or(Some(d)),
                None => return Err(NumericProblem::Other(e.to_string())),
            },
        }
    }
    Err(NumericProblem::Dtype(found.unwrap_or_default()))
}

/// Reads a `.npy` file as float64 of any dimension, whatever numeric dtype NumPy wrote
/// ([`Numeric`]), with errors naming the file; `expected` says what it should be.
pub fn read_npy_numeric(path: &Path, expected: &str) -> Result<Numeric> {
    struct Bytes(Vec<u8>);
    impl NumericSource for Bytes {
        type Err = ReadNpyError;
        fn read<T: ReadableElement>(&mut self) -> std::result::Result<ArrayD<T>, Self::Err> {
            ArrayBase::<OwnedRepr<T>, IxDyn>::read_npy(&self.0[..])
        }
        fn dtype(e: &Self::Err) -> Option<String> {
            match e {
                ReadNpyError::WrongDescriptor(d) => Some(d.to_string()),
                _ => None,
            }
        }
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    read_numeric(&mut Bytes(bytes))
        .map_err(|problem| Error::data(path, "(npy)", npz_problem(problem, expected)))
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

/// Reads a one-dimensional numeric `.npy` file (float64, float32 or integers, [`Numeric`]) as
/// float64, with errors naming the file and the problem.
pub fn read_npy_f64_1d(path: &Path) -> Result<Vec<f64>> {
    let a = read_npy_numeric(path, "a 1-D numeric array (float64, float32 or integers)")?.values;
    if a.ndim() != 1 {
        return Err(Error::data(
            path,
            "(npy)",
            format!(
                "expected a 1-D array, found {} dimensions {:?}",
                a.ndim(),
                a.shape()
            ),
        ));
    }
    Ok(a.into_iter().collect())
}

/// Writes a one-dimensional float64 `.npy` atomically.
pub fn write_npy_f64_1d(path: &Path, values: &[f64]) -> Result<()> {
    use ndarray_npy::WriteNpyExt;
    write_atomic(path, |f| {
        Array1::from(values.to_vec()).write_npy(f).map_err(io_err)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};
    use ndarray_npy::WriteNpyExt;

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("scalebridge-npz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    fn npy<T: WritableElement>(name: &str, a: &Array2<T>) -> PathBuf {
        let p = tmp(name);
        a.write_npy(File::create(&p).unwrap()).unwrap();
        p
    }

    /// Every numeric dtype NumPy writes is read as the same float64 values, and floats are
    /// told from integers.
    #[test]
    fn every_numeric_dtype_reads_as_float64() {
        let want = array![[0.0, 1.0, 2.0], [3.0, 4.0, 100.0]];
        let cases: Vec<(PathBuf, bool)> = vec![
            (npy("f64.npy", &want), true),
            (npy("f32.npy", &want.mapv(|v| v as f32)), true),
            (npy("i64.npy", &want.mapv(|v| v as i64)), false),
            (npy("i32.npy", &want.mapv(|v| v as i32)), false),
            (npy("i16.npy", &want.mapv(|v| v as i16)), false),
            (npy("i8.npy", &want.mapv(|v| v as i8)), false),
            (npy("u64.npy", &want.mapv(|v| v as u64)), false),
            (npy("u32.npy", &want.mapv(|v| v as u32)), false),
            (npy("u16.npy", &want.mapv(|v| v as u16)), false),
            (npy("u8.npy", &want.mapv(|v| v as u8)), false),
        ];
        for (p, float) in cases {
            let got = read_npy_numeric(&p, "numbers").unwrap();
            assert_eq!(got.values, want.clone().into_dyn(), "{}", p.display());
            assert_eq!(got.from_float, float, "{}", p.display());
        }
        let p = npy("bool.npy", &Array2::from_elem((2, 2), true));
        let e = read_npy_numeric(&p, "numbers").unwrap_err().to_string();
        assert!(
            e.contains("bool.npy") && e.contains("expected numbers, found dtype"),
            "{e}"
        );
        assert!(e.contains("b1"), "the file's descriptor is named: {e}");
        let e = read_npy_f64_1d(&npy("two.npy", &want))
            .unwrap_err()
            .to_string();
        assert!(e.contains("1-D") && e.contains("2 dimensions"), "{e}");
    }

    /// The same in an archive, where a missing array is an error of its own, not a dtype.
    #[test]
    fn npz_arrays_of_any_numeric_dtype() {
        let p = tmp("mixed.npz");
        let mut w = NpzWriter::new_compressed(File::create(&p).unwrap());
        w.add_array("a", &array![1u16, 2, 3]).unwrap();
        w.add_array("b", &array![0.5f32, 1.5]).unwrap();
        w.add_array("c", &array![true]).unwrap();
        w.finish().unwrap();
        let mut z = NpzIn::open(&p).unwrap();
        let a = z.numeric("a", "numbers").unwrap();
        assert_eq!(a.values.into_raw_vec_and_offset().0, vec![1.0, 2.0, 3.0]);
        assert!(!a.from_float);
        let b = z.numeric("b", "numbers").unwrap();
        assert_eq!(b.values.into_raw_vec_and_offset().0, vec![0.5, 1.5]);
        assert!(b.from_float);
        let e = z.numeric("c", "numbers").unwrap_err().to_string();
        assert!(
            e.contains("mixed.npz: `c`: expected numbers, found dtype"),
            "{e}"
        );
        let e = z.numeric("d", "numbers").unwrap_err().to_string();
        assert!(e.contains("`d`") && !e.contains("found dtype"), "{e}");
    }
}
