//! Python bindings of scalebridge (`import scalebridge`): the library's jobs on NumPy arrays.
//!
//! Thin by design: every function converts its arguments, calls the library function the CLI
//! calls (so results are bit-identical for the same data and seed), and converts the result.
//! Long calls release the GIL. Errors: bad input raises `ValueError` with the library's
//! message (naming the argument and what was wrong), an unreadable or unwritable path
//! `OSError`, a numerical failure `RuntimeError`; nothing panics across the boundary.
//!
//! | file | holds |
//! |---|---|
//! | [`convert`] | NumPy arrays in (dtype and shape checks), errors out |
//! | [`walkers`] | `simulate`, `learn`, `Model`, `load_model`, `compare` |
//! | [`prediction`] | `Model.predict` and its `Prediction` |
//! | [`progress`] | `progress=True`: the library's progress as tqdm bars |
//! | [`ising`] | `scalebridge.ising`: exact, sample, fit_lift, dream, mcrg |
//! | [`nis`] | `scalebridge.ising`: fit_sampler, `Sampler`, load_sampler, nis (exact weights) |

use pyo3::prelude::*;

pub mod convert;
pub mod ising;
pub mod nis;
pub mod prediction;
pub mod progress;
pub mod walkers;

/// The extension module, imported by the `scalebridge` package as `scalebridge._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(walkers::simulate, m)?)?;
    m.add_function(wrap_pyfunction!(walkers::learn, m)?)?;
    m.add_function(wrap_pyfunction!(walkers::load_model, m)?)?;
    m.add_function(wrap_pyfunction!(walkers::compare, m)?)?;
    m.add_class::<walkers::Model>()?;
    m.add_class::<prediction::Prediction>()?;
    m.add_function(wrap_pyfunction!(ising::ising_exact, m)?)?;
    m.add_function(wrap_pyfunction!(ising::ising_sample, m)?)?;
    m.add_function(wrap_pyfunction!(ising::ising_fit_lift, m)?)?;
    m.add_function(wrap_pyfunction!(ising::ising_dream, m)?)?;
    m.add_function(wrap_pyfunction!(ising::ising_mcrg, m)?)?;
    m.add_class::<ising::Lift>()?;
    m.add_function(wrap_pyfunction!(nis::fit_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(nis::load_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(nis::nis, m)?)?;
    m.add_class::<nis::Sampler>()?;
    Ok(())
}
