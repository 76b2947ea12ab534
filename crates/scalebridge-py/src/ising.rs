//! `scalebridge.ising`: the 2D Ising model and inverse renormalisation (SPEC Part B) on int8
//! arrays of spins ±1.

use crate::convert::{IntoPy, bad, save_json, spins, to_python};
use crate::progress::with_progress;
use numpy::{PyArray1, PyArray3};
use pyo3::prelude::*;
use scalebridge::lattice::Lattice;
use scalebridge::lattice::model::lattices_from;
use scalebridge::lattice::rg::dream::{DreamParams, dream_ensemble, final_side};
use scalebridge::lattice::rg::lift::{LiftFile, LiftRule, Lifter};
use scalebridge::lattice::samplers::{Algorithm, SampleParams, sample};
use scalebridge::limits::{array_bytes, require_memory};
use scalebridge::pipeline::ising::{fit_lift, mcrg};
use std::path::{Path, PathBuf};

/// `n` lattices of side `l` as int8 `(n, L, L)`, without a copy.
fn lattices_array<'py>(
    py: Python<'py>,
    flat: Vec<i8>,
    n: usize,
    l: usize,
) -> PyResult<Bound<'py, PyArray3<i8>>> {
    let a =
        ndarray::Array3::from_shape_vec((n, l, l), flat).map_err(|e| bad("n", e.to_string()))?;
    Ok(PyArray3::from_owned_array(py, a))
}

fn check_memory(n: usize, l: usize) -> PyResult<()> {
    require_memory("n", n, "the lattices", array_bytes(&[n, l, l], 1)).py_err()
}

/// Exact per-site quantities of the periodic `L × L` lattice at coupling `K` (Kaufman): what
/// `scalebridge ising exact` prints, as a dict.
#[pyfunction]
#[pyo3(name = "exact", signature = (L, K))]
#[allow(non_snake_case)]
pub fn ising_exact<'py>(py: Python<'py>, L: usize, K: f64) -> PyResult<Bound<'py, PyAny>> {
    let x = scalebridge::lattice::exact(L, K).py_err()?;
    to_python(py, &x, "exact")
}

/// Monte Carlo configurations at coupling `K`: `(configs int8 (n, L, L), observables dict)`,
/// the bits `scalebridge ising sample` writes for the same arguments. `algo`: `wolff`,
/// `heatbath` or `msc`; `every`: sweeps between stored configurations; `thermalise`: sweeps
/// before the first (default: the sampler's rule).
#[pyfunction]
#[pyo3(name = "sample", signature = (L, K, n, seed=0, algo="wolff", every=1, thermalise=None, progress=false))]
#[allow(non_snake_case)]
pub fn ising_sample<'py>(
    py: Python<'py>,
    L: usize,
    K: f64,
    n: usize,
    seed: u64,
    algo: &str,
    every: usize,
    thermalise: Option<usize>,
    progress: bool,
) -> PyResult<(Bound<'py, PyArray3<i8>>, Bound<'py, PyAny>)> {
    let algo = match algo {
        "wolff" => Algorithm::Wolff,
        "heatbath" => Algorithm::Heatbath,
        "msc" => Algorithm::Msc,
        other => return Err(bad("algo", format!("`{other}`: wolff, heatbath or msc"))),
    };
    let params = SampleParams {
        l: L,
        k: K,
        n,
        algo,
        every,
        thermalise,
        seed,
    };
    let valid = params.check().py_err()?;
    check_memory(n, L)?;
    let (flat, run) = with_progress(py, progress, |bar| -> scalebridge::Result<_> {
        let mut flat: Vec<i8> = Vec::with_capacity(n * L * L);
        bar.start("sweeps", valid.sweeps() as u64);
        let run = sample(
            &valid,
            &mut |lat: &Lattice| {
                flat.extend_from_slice(&lat.spins);
                Ok(())
            },
            &|k| bar.inc(k),
        )?;
        bar.finish();
        Ok((flat, run))
    })?
    .py_err()?;
    Ok((
        lattices_array(py, flat, n, L)?,
        to_python(py, &run.ensemble, "observables")?,
    ))
}

/// A fitted local coarse-to-fine rule (SPEC B.2): `kernel`, `theta` (class order), `K`, `L`
/// (the side it was fitted on), `fit` (the whole fit as `lift.json` holds it).
#[derive(Debug)]
#[pyclass(frozen, module = "scalebridge.ising")]
pub struct Lift {
    file: LiftFile,
}

impl Lift {
    fn rule(&self) -> PyResult<LiftRule> {
        let radius = LiftRule::radius_of_kernel(self.file.fit.kernel)
            .ok_or_else(|| bad("lift", "unknown kernel"))?;
        Ok(LiftRule {
            radius,
            theta: self.file.fit.theta.clone(),
        })
    }
}

#[pymethods]
impl Lift {
    /// Kernel side (3, 5, 7).
    #[getter]
    fn kernel(&self) -> usize {
        self.file.fit.kernel
    }

    /// Weights of the rule, class order.
    #[getter]
    fn theta<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.file.fit.theta)
    }

    /// Their standard errors.
    #[getter]
    fn std_error<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.file.fit.std_error)
    }

    /// The coupling of the training configurations.
    #[getter(K)]
    fn k(&self) -> f64 {
        self.file.k
    }

    /// The side of the training configurations.
    #[getter(L)]
    fn l(&self) -> usize {
        self.file.l
    }

    /// Everything `lift.json` holds, as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.file, "lift")
    }

    /// Writes `dir/lift.json` (what `scalebridge ising dream --lift` reads), atomically.
    fn save(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        save_json(py, &dir, "lift.json", &self.file)
    }

    fn __repr__(&self) -> String {
        format!(
            "Lift(kernel={}, K={}, L={}, theta={:?})",
            self.file.fit.kernel, self.file.k, self.file.l, self.file.fit.theta
        )
    }
}

fn lattices(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<Lattice>> {
    let a = spins(obj, name)?;
    lattices_from(&a.view(), Path::new("(arrays)"), name).py_err()
}

/// Fits the local coarse-to-fine rule of side `kernel` (3, 5, 7) to configurations int8
/// `(n, L, L)` sampled at coupling `K` and their majority-rule blocks (ties from `seed`).
/// `K` is required: the rule records the coupling of its training data (`K_c = 0.4406868`).
#[pyfunction]
#[pyo3(name = "fit_lift", signature = (configs, kernel=3, *, K, seed=0))]
#[allow(non_snake_case)]
pub fn ising_fit_lift(
    py: Python<'_>,
    configs: &Bound<'_, PyAny>,
    kernel: usize,
    K: f64,
    seed: u64,
) -> PyResult<Lift> {
    let lats = lattices(configs, "configs")?;
    let file = py
        .detach(|| fit_lift(lats, kernel, K, seed, Path::new("fit_lift()"), "configs"))
        .py_err()?;
    Ok(Lift { file })
}

/// Dreams `n` lattices by `levels` liftings (side `L0·2^levels`) from `start` (int8 `(L0,
/// L0)` or `(n0, L0, L0)`; default one random spin): int8 `(n, L, L)`, the bits of
/// `scalebridge ising dream` with the same lift, seed and start.
#[pyfunction]
#[pyo3(name = "dream", signature = (lift, levels, n, seed=0, start=None, progress=false))]
pub fn ising_dream<'py>(
    py: Python<'py>,
    lift: &Lift,
    levels: usize,
    n: usize,
    seed: u64,
    start: Option<&Bound<'py, PyAny>>,
    progress: bool,
) -> PyResult<Bound<'py, PyArray3<i8>>> {
    if n == 0 {
        return Err(bad("n", "0: must be >= 1"));
    }
    let starts = start.map(|s| lattices(s, "start")).transpose()?;
    let l0 = starts.as_ref().map_or(1, |s| s[0].l);
    let side = final_side(l0, levels).py_err()?;
    check_memory(n, side)?;
    let rule = lift.rule()?;
    let params = DreamParams {
        levels,
        n,
        seed,
        measure_levels: false,
    };
    let flat = with_progress(py, progress, |bar| -> scalebridge::Result<Vec<i8>> {
        let lifter = Lifter::new(&rule);
        let mut flat: Vec<i8> = vec![0; n * side * side];
        bar.start("samples", n as u64);
        dream_ensemble(
            &lifter,
            starts.as_deref(),
            &params,
            &mut |i, lat: &Lattice| {
                flat[i * side * side..(i + 1) * side * side].copy_from_slice(&lat.spins);
                Ok(())
            },
            &|k| bar.inc(k),
        )?;
        bar.finish();
        Ok(flat)
    })?
    .py_err()?;
    lattices_array(py, flat, n, side)
}

/// MCRG eigenvalues (SPEC B.3) from configurations int8 `(n, L, L)` and `steps` majority-rule
/// blockings (ties from `seed`): a list of dicts, one per step, as `mcrg.json` holds them.
#[pyfunction]
#[pyo3(name = "mcrg", signature = (configs, steps, seed=0))]
pub fn ising_mcrg<'py>(
    py: Python<'py>,
    configs: &Bound<'py, PyAny>,
    steps: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let lats = lattices(configs, "configs")?;
    let r = py
        .detach(|| mcrg(lats, steps, seed, Path::new("mcrg()"), "configs"))
        .py_err()?;
    to_python(py, &r, "mcrg")
}
