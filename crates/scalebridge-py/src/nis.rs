//! `scalebridge.ising.fit_sampler`, `Sampler`, `load_sampler`, `nis`: the exact-weight
//! generator (SPEC B.4) on NumPy arrays.

use crate::convert::{IntoPy, bad, save_json, spins, to_python};
use crate::progress::with_progress;
use numpy::{PyArray1, PyArray3};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use scalebridge::lattice::model::lattices_from;
use scalebridge::lattice::nis::fit::WOLFF_THERMALISE;
use scalebridge::lattice::nis::{ExactSampler, FitParams, SamplerFile, fit_seams, training_seams};
use scalebridge::limits::{array_bytes, require_memory};
use std::path::{Path, PathBuf};

/// A fitted exact-weight generator: `L`, `K`, `chi`; `log_q(configs)`, `save(dir)`, `to_dict()`.
#[derive(Debug)]
#[pyclass(frozen, module = "scalebridge.ising")]
pub struct Sampler {
    file: SamplerFile,
    sampler: ExactSampler,
}

#[pymethods]
impl Sampler {
    /// Side of the configurations it generates.
    #[getter(L)]
    fn l(&self) -> usize {
        self.file.l
    }

    /// Coupling.
    #[getter(K)]
    fn k(&self) -> f64 {
        self.file.k
    }

    /// Bond dimension of the boundary MPS.
    #[getter]
    fn chi(&self) -> usize {
        self.file.chi
    }

    /// The exact `ln q` of each configuration, int8 `(n, L, L)` or `(L, L)`: float64 `(n,)`.
    fn log_q<'py>(
        &self,
        py: Python<'py>,
        configs: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let a = spins(configs, "configs")?;
        let lats = lattices_from(&a.view(), Path::new("(arrays)"), "configs").py_err()?;
        let out = py
            .detach(|| {
                lats.iter()
                    .map(|lat| self.sampler.log_q(lat))
                    .collect::<scalebridge::Result<Vec<f64>>>()
            })
            .py_err()?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Everything `sampler.json` holds, as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.file, "sampler")
    }

    /// Writes `dir/sampler.json` (what `scalebridge ising nis --sampler` reads), atomically.
    fn save(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        save_json(
            py,
            &dir,
            scalebridge::lattice::nis::sampler::SAMPLER_FILE,
            &self.file,
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Sampler(L={}, K={}, chi={}, trained on {} configurations ({}))",
            self.file.l,
            self.file.k,
            self.file.chi,
            self.file.training.n,
            self.file.training.source
        )
    }
}

/// Fits the exact-weight generator for side `L` at coupling `K`: the seam model trained on
/// `data` (int8 `(n, L, L)` configurations at this `K`) or on its own Wolff run of `n_train`
/// configurations; the bits of `scalebridge ising fit-sampler` with the same arguments.
#[pyfunction]
#[pyo3(signature = (L, K, *, data=None, n_train=8000, copies=8, chi=4, seed=0, progress=false))]
#[allow(non_snake_case, clippy::too_many_arguments)]
pub fn fit_sampler(
    py: Python<'_>,
    L: usize,
    K: f64,
    data: Option<&Bound<'_, PyAny>>,
    n_train: usize,
    copies: usize,
    chi: usize,
    seed: u64,
    progress: bool,
) -> PyResult<Sampler> {
    let params = FitParams {
        l: L,
        k: K,
        chi,
        n: n_train,
        copies,
        seed,
    };
    params.check().py_err()?;
    let lats = data
        .map(|d| {
            let a = spins(d, "data")?;
            lattices_from(&a.view(), Path::new("(arrays)"), "data").py_err()
        })
        .transpose()?;
    let data_path = Path::new("data");
    let (file, sampler) = with_progress(py, progress, |bar| {
        let given = lats.as_deref().map(|l| (l, data_path));
        if given.is_none() {
            bar.start("Wolff sweeps", (n_train + WOLFF_THERMALISE) as u64);
        }
        let seams = training_seams(&params, given, &|k| bar.inc(k))?;
        if given.is_none() {
            bar.finish();
        }
        bar.start("seam positions", (2 * L - 1) as u64);
        let fitted = fit_seams(&params, seams, &|k| bar.inc(k));
        bar.finish();
        fitted
    })?
    .py_err()?;
    Ok(Sampler { file, sampler })
}

/// Reads a sampler saved by `Sampler.save` or `scalebridge ising fit-sampler` (a directory
/// holding `sampler.json`, or the file).
#[pyfunction]
pub fn load_sampler(py: Python<'_>, path: PathBuf) -> PyResult<Sampler> {
    let (file, sampler) = py.detach(|| SamplerFile::read(&path)).py_err()?;
    Ok(Sampler { file, sampler })
}

/// Importance sampling with exact weights: `n` draws (>= 32), sample `i` from the stream
/// `(seed, i)`. Returns a dict: the estimates `scalebridge ising nis` writes to `nis.json`
/// (`ess_per_sample`, `ln_z_per_site`, …, `seconds`) and the per-sample float64 arrays
/// `log_q`, `log_w`, `e`, `m` of `samples.npz`; with `store=True` also `configs`, int8
/// `(n, L, L)`.
#[pyfunction]
#[pyo3(signature = (sampler, n, *, seed=0, store=false, progress=false))]
pub fn nis<'py>(
    py: Python<'py>,
    sampler: &Sampler,
    n: usize,
    seed: u64,
    store: bool,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let l = sampler.file.l;
    if store {
        require_memory(
            "n",
            n,
            "the stored configurations",
            array_bytes(&[n, l, l], 1),
        )
        .py_err()?;
    }
    let (run, flat) = with_progress(py, progress, |bar| {
        let mut flat: Vec<i8> = Vec::new();
        bar.start("samples", n as u64);
        let run = scalebridge::pipeline::nis::nis(
            &sampler.sampler,
            n,
            seed,
            &mut |lat| {
                if store {
                    flat.extend_from_slice(&lat.spins);
                }
                Ok(())
            },
            &|k| bar.inc(k),
        );
        bar.finish();
        run.map(|r| (r, flat))
    })?
    .py_err()?;
    let out = to_python(py, &run.estimates, "nis")?.cast_into::<PyDict>()?;
    for (name, col) in run.columns() {
        out.set_item(name, PyArray1::from_owned_array(py, col))?;
    }
    if store {
        let a = ndarray::Array3::from_shape_vec((n, l, l), flat)
            .map_err(|e| bad("n", e.to_string()))?;
        out.set_item("configs", PyArray3::from_owned_array(py, a))?;
    }
    Ok(out)
}
