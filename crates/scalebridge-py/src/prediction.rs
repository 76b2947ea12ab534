//! `Model.predict` and the `Prediction` it returns.

use crate::convert::{IntoPy, bad, fixed, floats, to_python};
use crate::progress::with_progress;
use crate::walkers::{Model, learn_data};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use scalebridge::pipeline::predict::{
    PredictOptions, check_reference, extrapolation_warning, model_domain, predict_from,
    start_from_positions, start_of_experiment,
};
use scalebridge::prediction::{Band, coverage};
use scalebridge::walkers::Domain;
use std::path::Path;

/// Predictive bands of the fine-scale density (and 2-bin probabilities): `t` float64
/// `(T+1,)`; `mean`, `q_lo`, `q_hi`: dicts from the number of bins to float64 `(T+1, bins)`
/// arrays; `two_bin`: a dict with `pairs`, `mean`, `q_lo`, `q_hi` `(T+1, P)`, or `None`.
#[derive(Debug)]
#[pyclass(frozen, module = "scalebridge")]
pub struct Prediction {
    #[pyo3(get)]
    t: Py<PyArray1<f64>>,
    #[pyo3(get)]
    bins: Vec<usize>,
    #[pyo3(get)]
    mean: Py<PyDict>,
    #[pyo3(get)]
    q_lo: Py<PyDict>,
    #[pyo3(get)]
    q_hi: Py<PyDict>,
    #[pyo3(get)]
    two_bin: Option<Py<PyDict>>,
    #[pyo3(get)]
    level: f64,
    #[pyo3(get)]
    nf: usize,
    horizon: usize,
    domain: Domain,
}

#[pymethods]
impl Prediction {
    /// Coverage of fine-scale replicas run from the same start, float64 `(R, T+1, nf)`
    /// positions, by the density bands: a dict from the number of bins to `coverage` (per
    /// time), `rel_l1_error`, `coverage_total`, `rel_l1_error_mean`, `band_width`,
    /// `band_area` (what `coverage.json` holds).
    fn coverage<'py>(
        &self,
        py: Python<'py>,
        reference_positions: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let name = "reference_positions";
        let pos: ndarray::Array3<f64> = fixed(
            floats(
                reference_positions,
                name,
                &[3],
                "float64 positions (R, T+1, nf)",
            )?,
            name,
        )?;
        check_reference(
            &pos,
            self.horizon,
            self.nf,
            &self.domain,
            Path::new("coverage()"),
            name,
        )
        .py_err()?;
        let out = PyDict::new(py);
        for &b in &self.bins {
            let get = |d: &Py<PyDict>| -> PyResult<ndarray::Array2<f64>> {
                let a = d.bind(py).get_item(b)?.ok_or_else(|| bad("bins", b))?;
                Ok(a.cast::<PyArray2<f64>>()?.readonly().as_array().to_owned())
            };
            let band = Band {
                name: format!("density_bins{b}"),
                mean: get(&self.mean)?,
                q_lo: get(&self.q_lo)?,
                q_hi: get(&self.q_hi)?,
            };
            let c = py
                .detach(|| coverage(&band, b, &pos, &self.domain))
                .py_err()?;
            out.set_item(b, to_python(py, &c, name)?)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!(
            "Prediction(horizon={}, bins={:?}, level={}, nf={}, two_bin={})",
            self.horizon,
            self.bins,
            self.level,
            self.nf,
            self.two_bin.is_some()
        )
    }
}

/// `Model.predict`: the start from `initial` positions, or `data` + `experiment`; the bands
/// moved into NumPy.
pub fn predict_model<'py>(
    py: Python<'py>,
    model: &Model,
    initial: Option<&Bound<'py, PyAny>>,
    data: Option<&Bound<'py, PyAny>>,
    experiment: Option<usize>,
    options: PredictOptions,
    domain: Option<&Bound<'_, PyAny>>,
    progress: bool,
) -> PyResult<Prediction> {
    let f = &model.fitted;
    let posterior = &f.posterior;
    let nc = posterior.nc;
    options.check(nc).py_err()?;
    let dom = model_domain(
        crate::convert::domain(domain)?,
        &f.manifest,
        Path::new("model"),
    )
    .map_err(|_| {
        bad(
            "domain",
            "unknown: give domain=(ymin, ymax) (the model has none)",
        )
    })?;
    let what = Path::new("predict()");
    let (start, nf) = match (initial, data, experiment) {
        (Some(x), None, None) => {
            let pos = floats(x, "initial", &[1], "float64 walker positions (nf,)")?;
            let pos = pos.into_raw_vec_and_offset().0;
            let started = start_from_positions(&pos, &dom, nc, "initial").py_err()?;
            if let Some(w) = extrapolation_warning(posterior, &pos, &dom) {
                py.import("warnings")?.call_method1("warn", (w,))?;
            }
            started
        }
        (None, Some(d), Some(i)) => {
            // (X0, counts) experiments, or counts (N, T+1, nc) trajectories
            let (x0, c) = match d.cast::<PyTuple>() {
                Ok(t) if t.len() == 2 => {
                    let x0 = t.get_item(0)?;
                    let c = t.get_item(1)?;
                    (if x0.is_none() { None } else { Some(x0) }, c)
                }
                _ => (None, d.clone()),
            };
            let learn = learn_data(x0.as_ref(), &c, Some(dom), what)?;
            start_of_experiment(posterior, &f.latent, &learn, i, what).py_err()?
        }
        (None, Some(_), None) => {
            return Err(bad(
                "experiment",
                "missing: which experiment (or run) of `data` to continue",
            ));
        }
        (None, None, Some(_)) => {
            return Err(bad(
                "data",
                "missing: the data the model was learned on, (X0, counts) or trajectory counts",
            ));
        }
        (None, None, None) => {
            return Err(bad(
                "initial",
                "missing: give `initial` walker positions, or `data` and `experiment`",
            ));
        }
        (Some(_), _, _) => {
            return Err(bad(
                "initial",
                "give `initial`, or `data` and `experiment`, not both",
            ));
        }
    };
    let dt = f.manifest.dt;
    let p = with_progress(py, progress, |bar| {
        predict_from(posterior, &start, nf, dom, dt, &options, bar)
    })?
    .py_err()?;
    let (mean, q_lo, q_hi) = (PyDict::new(py), PyDict::new(py), PyDict::new(py));
    let mut bands = p.bands.into_iter();
    for (&b, band) in options.bins.iter().zip(bands.by_ref()) {
        mean.set_item(b, PyArray2::from_owned_array(py, band.mean))?;
        q_lo.set_item(b, PyArray2::from_owned_array(py, band.q_lo))?;
        q_hi.set_item(b, PyArray2::from_owned_array(py, band.q_hi))?;
    }
    let two_bin = match bands.next() {
        Some(band) => {
            let d = PyDict::new(py);
            let pairs: Vec<Vec<i64>> = options
                .pairs
                .iter()
                .map(|&(a, b)| vec![a as i64, b as i64])
                .collect();
            d.set_item(
                "pairs",
                PyArray2::from_vec2(py, &pairs).map_err(|e| bad("pairs", e.to_string()))?,
            )?;
            d.set_item("mean", PyArray2::from_owned_array(py, band.mean))?;
            d.set_item("q_lo", PyArray2::from_owned_array(py, band.q_lo))?;
            d.set_item("q_hi", PyArray2::from_owned_array(py, band.q_hi))?;
            Some(d.unbind())
        }
        None => None,
    };
    Ok(Prediction {
        t: PyArray1::from_vec(py, p.t).unbind(),
        bins: options.bins.clone(),
        mean: mean.unbind(),
        q_lo: q_lo.unbind(),
        q_hi: q_hi.unbind(),
        two_bin,
        level: options.level,
        nf,
        horizon: options.horizon,
        domain: dom,
    })
}
