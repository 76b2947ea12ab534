//! NumPy arrays in, errors out.
//!
//! Inputs are accepted as NumPy arrays (anything else goes through `numpy.asarray` first, so a
//! ragged list is an error naming the argument). Floating-point arguments take any float dtype
//! (converted to float64); counts take any integer dtype, or floats holding whole numbers.
//! The library copies its inputs into its own layout, so reading them copies once.

use ndarray::ArrayD;
use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// The Python exception for a library error: bad input → `ValueError`, an unreadable or
/// unwritable path → `OSError`, a numerical failure → `RuntimeError`. Parameter names are the
/// Python argument names (`M`, not the CLI's `range`).
pub fn to_py(e: scalebridge::Error) -> PyErr {
    use scalebridge::Error as E;
    match e {
        E::Numerical { .. } => PyRuntimeError::new_err(e.to_string()),
        E::Read { .. } | E::Write { .. } => PyOSError::new_err(e.to_string()),
        E::InvalidParameter {
            name,
            value,
            allowed,
        } => PyValueError::new_err(
            E::InvalidParameter {
                name: python_name(&name).to_owned(),
                value,
                allowed,
            }
            .to_string(),
        ),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// The Python spelling of a parameter the library names as the CLI does.
fn python_name(name: &str) -> &str {
    match name {
        "range" => "M",
        "max-iter" => "max_iter",
        "min-iter" => "min_iter",
        "density-features" => "density_features",
        "initial-coarse" => "initial_coarse",
        "nc (--bins)" => "nc",
        other => other,
    }
}

/// A library result as a Python one.
pub trait IntoPy<T> {
    /// Maps the error with [`to_py`].
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for scalebridge::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// A `ValueError` about argument `name`.
pub fn bad(name: &str, problem: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("`{name}`: {problem}"))
}

/// `obj` as a NumPy array (through `numpy.asarray` when it is not one).
fn ndarray_of<'py>(obj: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyUntypedArray>> {
    if let Ok(a) = obj.cast::<PyUntypedArray>() {
        return Ok(a.clone());
    }
    let np = obj.py().import("numpy")?;
    let a = np
        .call_method1("asarray", (obj,))
        .map_err(|e| bad(name, format!("not an array: {e}")))?;
    a.cast_into::<PyUntypedArray>()
        .map_err(|_| bad(name, "not an array"))
}

fn shape_text(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

fn check_ndim(
    a: &Bound<'_, PyUntypedArray>,
    name: &str,
    ndims: &[usize],
    want: &str,
) -> PyResult<()> {
    if !ndims.contains(&a.ndim()) {
        return Err(bad(
            name,
            format!("expected {want}, got shape {}", shape_text(a.shape())),
        ));
    }
    Ok(())
}

fn dtype_kind(a: &Bound<'_, PyUntypedArray>) -> u8 {
    a.dtype().kind()
}

fn dtype_name(a: &Bound<'_, PyUntypedArray>) -> String {
    a.dtype().to_string()
}

/// A float array with one of `ndims` dimensions, as float64; `want` says what is expected.
pub fn floats(
    obj: &Bound<'_, PyAny>,
    name: &str,
    ndims: &[usize],
    want: &str,
) -> PyResult<ArrayD<f64>> {
    let a = ndarray_of(obj, name)?;
    check_ndim(&a, name, ndims, want)?;
    if dtype_kind(&a) != b'f' {
        return Err(bad(
            name,
            format!("dtype {}; expected {want}", dtype_name(&a)),
        ));
    }
    let a = a.call_method1("astype", ("float64",))?;
    let arr = a
        .cast::<PyArrayDyn<f64>>()
        .map_err(|_| bad(name, "not float64"))?;
    Ok(arr.readonly().as_array().to_owned())
}

/// Counts with one of `ndims` dimensions: any integer dtype, or floats holding whole numbers;
/// returned as int64 (negative values are the library's to report, with their index).
pub fn counts(
    obj: &Bound<'_, PyAny>,
    name: &str,
    ndims: &[usize],
    want: &str,
) -> PyResult<ArrayD<i64>> {
    let a = ndarray_of(obj, name)?;
    check_ndim(&a, name, ndims, want)?;
    match dtype_kind(&a) {
        b'i' | b'u' => {
            let a = a.call_method1("astype", ("int64",))?;
            let arr = a
                .cast::<PyArrayDyn<i64>>()
                .map_err(|_| bad(name, "not int64"))?;
            Ok(arr.readonly().as_array().to_owned())
        }
        b'f' => {
            let f = floats(a.as_any(), name, ndims, want)?;
            if let Some((i, v)) = f
                .indexed_iter()
                .find(|(_, v)| !(v.is_finite() && v.fract() == 0.0))
            {
                return Err(bad(
                    name,
                    format!(
                        "{v} at {:?} is not a count (a whole number)",
                        ndarray::Dimension::slice(&i)
                    ),
                ));
            }
            Ok(f.mapv(|v| v as i64))
        }
        _ => Err(bad(
            name,
            format!(
                "dtype {}; expected {want} of integer counts",
                dtype_name(&a)
            ),
        )),
    }
}

/// Spins: an int8-compatible integer array `(n, L, L)` or `(L, L)`.
pub fn spins(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<ArrayD<i8>> {
    let a = ndarray_of(obj, name)?;
    check_ndim(&a, name, &[2, 3], "int8 spins (n, L, L) or (L, L)")?;
    if !matches!(dtype_kind(&a), b'i' | b'u') {
        return Err(bad(
            name,
            format!("dtype {}; expected int8 spins ±1", dtype_name(&a)),
        ));
    }
    // values outside ±1 are the library's to report (with their lattice and site); any
    // value that does not fit int8 is outside ±1 as well
    let c = a
        .call_method1("clip", (-2, 2))?
        .call_method1("astype", ("int8",))?;
    let arr = c
        .cast::<PyArrayDyn<i8>>()
        .map_err(|_| bad(name, "not int8"))?;
    Ok(arr.readonly().as_array().to_owned())
}

/// A periodic interval: any sequence of two floats `(ymin, ymax)` (a tuple, a list, the
/// `domain` array `simulate` returns), or `None`.
pub fn domain(d: Option<&Bound<'_, PyAny>>) -> PyResult<Option<scalebridge::walkers::Domain>> {
    let Some(d) = d.filter(|d| !d.is_none()) else {
        return Ok(None);
    };
    let v: Vec<f64> = d
        .extract()
        .map_err(|_| bad("domain", "expected two numbers (ymin, ymax)"))?;
    let [a, b] = v[..] else {
        return Err(bad(
            "domain",
            format!("expected two numbers (ymin, ymax), got {}", v.len()),
        ));
    };
    scalebridge::walkers::Domain::new(a, b)
        .map(Some)
        .map_err(|_| {
            bad(
                "domain",
                format!("({a}, {b}) is not an interval (ymin < ymax, both finite)"),
            )
        })
}

/// A dynamic-dimension array as a fixed one (the dimension was checked).
pub fn fixed<T, D: ndarray::Dimension>(a: ArrayD<T>, name: &str) -> PyResult<ndarray::Array<T, D>> {
    a.into_dimensionality::<D>()
        .map_err(|e| bad(name, e.to_string()))
}

/// A serialisable value as the dict (or list) `json.loads` makes of it: the same fields and
/// names as the JSON files the CLI writes.
pub fn to_python<'py>(
    py: Python<'py>,
    v: &impl serde::Serialize,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(v).map_err(|e| bad(name, e.to_string()))?;
    py.import("json")?.call_method1("loads", (text,))
}

/// Writes `value` as `dir/name` (a staged directory, committed atomically), without the GIL.
pub fn save_json(
    py: Python<'_>,
    dir: &std::path::Path,
    name: &str,
    value: &(impl serde::Serialize + Sync),
) -> PyResult<()> {
    py.detach(|| -> scalebridge::Result<()> {
        let out = scalebridge::io::OutputDir::stage(dir)?;
        scalebridge::io::write_json(&out.path(name), value)?;
        out.commit()
    })
    .py_err()
}
