//! The walker side: `simulate`, `learn`, the fitted `Model`, `load_model`, `compare`.

use crate::convert::{IntoPy, bad, counts, fixed, floats, to_python};
use crate::progress::with_progress;
use numpy::{PyArray1, PyArray2, PyArray3};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use scalebridge::inference::draws::posterior_draws;
use scalebridge::inference::{LatentMethod, LearnerParams, TrainingData, TrajectoryData};
use scalebridge::law::LawOptions;
use scalebridge::pipeline::learn::{Fitted, LatentStates, LearnData, fit, write_model};
use scalebridge::pipeline::simulate::{Simulation, resolve_config, run_simulation};
use scalebridge::walkers::SimulationConfig;
use scalebridge::walkers::experiments::Start;
use std::path::{Path, PathBuf};

/// Python scalars, strings, lists and dicts as JSON (for the system parameters).
fn json_of(obj: &Bound<'_, PyAny>, name: &str) -> PyResult<serde_json::Value> {
    use serde_json::Value;
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.extract::<bool>() {
        return Ok(Value::Bool(b));
    }
    if let Ok(i) = obj.extract::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(f) = obj.extract::<f64>() {
        return Ok(Value::from(f));
    }
    if let Ok(s) = obj.extract::<String>() {
        return Ok(Value::String(s));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = serde_json::Map::new();
        for (k, v) in d.iter() {
            let key: String = k.extract().map_err(|_| bad(name, "keys must be strings"))?;
            let sub = format!("{name}.{key}");
            m.insert(key, json_of(&v, &sub)?);
        }
        return Ok(Value::Object(m));
    }
    Err(bad(
        name,
        format!("{} is not a number, string or dict", obj.repr()?),
    ))
}

/// Controlled experiments (SPEC A.5), or trajectories with `trajectory=T`, of a walker system.
///
/// Returns a dict of arrays, the contents `scalebridge simulate` writes: experiments `X0`
/// float64 `(N, nc)`, `positions0` `(N, nf)`, `counts` int64 `(N, nc)`, `positions` `(N, nf)`,
/// `domain` `(2,)`, `dt`; trajectories `t` `(T+1,)`, `positions` `(N, T+1, nf)`, `counts`
/// `(N, T+1, nc)`, `domain`, and `X0` `(N, nc)` unless the runs start from `initial` (walker
/// positions) or `initial_coarse` (a coarse state). `params` are the system's parameters, as
/// in a `simulate` TOML file (`nf`, `nc`, `steps`, `amplitude`, ...).
#[pyfunction]
#[pyo3(signature = (system, n, seed=0, trajectory=None, initial=None, initial_coarse=None, progress=false, **params))]
pub fn simulate<'py>(
    py: Python<'py>,
    system: &str,
    n: usize,
    seed: u64,
    trajectory: Option<usize>,
    initial: Option<&Bound<'py, PyAny>>,
    initial_coarse: Option<&Bound<'py, PyAny>>,
    progress: bool,
    params: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyDict>> {
    let kind: scalebridge::walkers::SystemKind =
        serde_json::from_value(serde_json::Value::String(system.to_owned()))
            .map_err(|e| bad("system", e.to_string()))?;
    let mut map = serde_json::Map::new();
    if let Some(p) = params {
        for (k, v) in p.iter() {
            let key: String = k.extract()?;
            let value = json_of(&v, &key)?;
            map.insert(key, value);
        }
    }
    let cfg: SimulationConfig = serde_json::from_value(serde_json::Value::Object(map))
        .map_err(|e| bad("params", e.to_string()))?;
    let valid = resolve_config(None, Some(kind), cfg).py_err()?;
    let start = match (initial, initial_coarse) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "initial",
                "give `initial` or `initial_coarse`, not both",
            ));
        }
        (Some(p), None) => Start::Fine(
            floats(p, "initial", &[1], "float64 positions (nf,)")?
                .into_raw_vec_and_offset()
                .0,
        ),
        (None, Some(x)) => Start::Coarse(
            floats(x, "initial_coarse", &[1], "float64 coarse state (nc,)")?
                .into_raw_vec_and_offset()
                .0,
        ),
        (None, None) => Start::Random(valid.initial),
    };
    if trajectory.is_none() && !matches!(start, Start::Random(_)) {
        return Err(bad(
            "initial",
            "a start state is for trajectories (give `trajectory=T`)",
        ));
    }
    let what = "simulate()";
    let sim = with_progress(py, progress, |bar| {
        run_simulation(&valid, n, seed, trajectory.map(|t| (t, start)), what, bar)
    })?
    .py_err()?;
    let out = PyDict::new(py);
    let dom = [valid.domain.ymin, valid.domain.ymax];
    out.set_item("domain", PyArray1::from_slice(py, &dom))?;
    out.set_item("dt", valid.coarse_dt())?;
    match sim {
        Simulation::Experiments(e) => {
            out.set_item("X0", PyArray2::from_owned_array(py, e.x0))?;
            out.set_item("positions0", PyArray2::from_owned_array(py, e.positions0))?;
            out.set_item("counts", PyArray2::from_owned_array(py, e.counts))?;
            out.set_item("positions", PyArray2::from_owned_array(py, e.positions))?;
        }
        Simulation::Trajectories(t) => {
            out.set_item("t", PyArray1::from_vec(py, t.t))?;
            out.set_item("positions", PyArray3::from_owned_array(py, t.positions))?;
            out.set_item("counts", PyArray3::from_owned_array(py, t.counts))?;
            if let Some(x0) = t.x0 {
                out.set_item("X0", PyArray2::from_owned_array(py, x0))?;
            }
        }
    }
    Ok(out)
}

/// Training data from arrays: `(X0, counts (N, nc))` experiments, or `counts (N, T+1, nc)`
/// trajectories (with `X0` and one step: experiments, as `learn` reads a file).
pub fn learn_data(
    x0: Option<&Bound<'_, PyAny>>,
    counts_obj: &Bound<'_, PyAny>,
    dom: Option<scalebridge::walkers::Domain>,
    what: &Path,
) -> PyResult<LearnData> {
    let c = counts(
        counts_obj,
        "counts",
        &[2, 3],
        "integer counts (N, nc) with X0, or trajectories (N, T+1, nc)",
    )?;
    if c.ndim() == 3 {
        let c3: ndarray::Array3<i64> = fixed(c, "counts")?;
        let runs = TrajectoryData::new(&c3.mapv(|v| v as f64), dom, None, what).py_err()?;
        let x = x0
            .map(|x| fixed(floats(x, "X0", &[2], "float64 (N, nc)")?, "X0"))
            .transpose()?;
        return LearnData::from_runs(runs, x.as_ref(), what).py_err();
    }
    let Some(x0) = x0 else {
        return Err(bad(
            "X0",
            "missing: controlled experiments need X0 (N, nc) with counts (N, nc)",
        ));
    };
    let x = fixed(floats(x0, "X0", &[2], "float64 (N, nc)")?, "X0")?;
    let c2 = fixed(c, "counts")?;
    TrainingData::new(&x, &c2, dom, None, what)
        .map(LearnData::Experiments)
        .py_err()
}

/// Learns the coarse law (the sparse Bayesian state-space model, SPEC A.6–A.10) from
/// controlled experiments `X0 (N, nc)` + `counts (N, nc)`, or from trajectories `counts (N, T+1,
/// nc)` (every coarse state latent). `law` is `polynomial` (with `M`, `order`) or `kernel`
/// (with `hop`, `modes`, `density_features` in `law_params`); `method` (`newton` or `adam`) in
/// `law_params` picks the latent optimiser. The same data and seed give the bits of
/// `scalebridge learn`.
#[pyfunction]
#[pyo3(signature = (X0=None, counts=None, M=2, order=2, law="polynomial", domain=None, per_bin_noise=false, seed=0, max_iter=2000, tol=scalebridge::inference::DEFAULT_TOL, progress=false, **law_params))]
#[pyo3(
    text_signature = "(X0=None, counts=None, M=2, order=2, law='polynomial', domain=None, per_bin_noise=False, seed=0, max_iter=2000, tol=0.001, progress=False, **law_params)"
)]
#[allow(non_snake_case)]
pub fn learn(
    py: Python<'_>,
    X0: Option<&Bound<'_, PyAny>>,
    counts: Option<&Bound<'_, PyAny>>,
    M: usize,
    order: usize,
    law: &str,
    domain: Option<&Bound<'_, PyAny>>,
    per_bin_noise: bool,
    seed: u64,
    max_iter: usize,
    tol: f64,
    progress: bool,
    law_params: Option<&Bound<'_, PyDict>>,
) -> PyResult<Model> {
    let Some(counts_obj) = counts else {
        return Err(bad("counts", "missing"));
    };
    let dom = crate::convert::domain(domain)?;
    let what = Path::new("learn()");
    let data = learn_data(X0, counts_obj, dom, what)?;
    let mut options = LawOptions::default();
    let mut method = LatentMethod::Newton;
    if let Some(p) = law_params {
        for (k, v) in p.iter() {
            let key: String = k.extract()?;
            match key.as_str() {
                "hop" => {
                    options.hop = Some(v.extract().map_err(|_| bad("hop", "an integer >= 1"))?)
                }
                "modes" => {
                    options.modes = Some(v.extract().map_err(|_| bad("modes", "an integer >= 0"))?)
                }
                "density_features" => {
                    options.density_features = Some(if let Ok(s) = v.extract::<String>() {
                        s.split(',').map(|f| f.trim().to_owned()).collect()
                    } else {
                        v.extract::<Vec<String>>()
                            .map_err(|_| bad("density_features", "a list of names, or `u,u2`"))?
                    })
                }
                "method" => {
                    method = match v.extract::<String>().as_deref() {
                        Ok("newton") => LatentMethod::Newton,
                        Ok("adam") => LatentMethod::Adam,
                        _ => return Err(bad("method", "`newton` or `adam`")),
                    }
                }
                other => {
                    return Err(bad(
                        other,
                        "unknown keyword (the law's are hop, modes, density_features; and method)",
                    ));
                }
            }
        }
    }
    let family = match law {
        "polynomial" => {
            options.range = Some(M);
            options.order = Some(order);
            "polynomial"
        }
        "kernel" => "kernel",
        other => return Err(bad("law", format!("`{other}`: `polynomial` or `kernel`"))),
    };
    // a kernel law whose hop range is left open widens it (`LearnerParams::widen_hop`)
    let params = LearnerParams::default()
        .law_options(&options, family)
        .py_err()?
        .per_bin_noise(per_bin_noise)
        .method(method)
        .max_iter(max_iter)
        .tol(tol)
        .seed(seed);
    let fitted = with_progress(py, progress, |bar| {
        fit(&data, &params, "(arrays passed to learn())", bar)
    })?
    .py_err()?;
    Ok(Model { fitted })
}

/// A learned model: the posterior of the law's coefficients, the noise, the latent states.
#[derive(Debug)]
#[pyclass(frozen, module = "scalebridge")]
pub struct Model {
    pub(crate) fitted: Fitted,
}

#[pymethods]
impl Model {
    /// Feature names, one per coefficient.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.fitted.posterior.names.clone()
    }

    /// Posterior means of the coefficients `μθ` (float64 `(L,)`).
    #[getter]
    fn theta_mean<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.fitted.posterior.theta_mean)
    }

    /// Their marginal posterior standard deviations (the error bars `show` prints).
    #[getter]
    fn theta_std<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.fitted.posterior.theta_std_marginal)
    }

    /// Marginal posterior covariance of the coefficients (float64 `(L, L)`).
    #[getter]
    fn theta_cov<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        PyArray2::from_vec2(py, &self.fitted.posterior.theta_cov_marginal)
            .map_err(|e| bad("theta_cov", e.to_string()))
    }

    /// Active (selected) terms (bool `(L,)`).
    #[getter]
    fn active<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        PyArray1::from_slice(py, &self.fitted.posterior.active)
    }

    /// `1/⟨v⟩`, the noise variance of the coarse law: one value, or one per bin.
    #[getter]
    fn noise_var<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.fitted.posterior.noise_var.values())
    }

    /// The final evidence lower bound, every constant included.
    #[getter]
    fn elbo(&self) -> f64 {
        self.fitted.posterior.elbo
    }

    /// The ELBO of the active law (the pruned candidate terms taken out), which `compare`
    /// ranks models by.
    #[getter]
    fn elbo_active(&self) -> PyResult<f64> {
        self.fitted.posterior.active_law_elbo().py_err()
    }

    /// Whether the fit met its convergence criterion.
    #[getter]
    fn converged(&self) -> bool {
        self.fitted.posterior.converged
    }

    /// Sweeps done.
    #[getter]
    fn iterations(&self) -> usize {
        self.fitted.posterior.iterations
    }

    /// Coarse bins.
    #[getter]
    fn nc(&self) -> usize {
        self.fitted.posterior.nc
    }

    /// The law in one line, e.g. `polynomial (M = 2, order 2)`.
    #[getter]
    fn law(&self) -> String {
        self.fitted.posterior.law.summary()
    }

    /// Fingerprint of the training data.
    #[getter]
    fn data_fingerprint(&self) -> String {
        self.fitted.posterior.data_fingerprint.clone()
    }

    /// The latent coarse states: `mean` and `std`, `(N, nc)` (experiments) or `(N, T+1, nc)`
    /// (trajectories).
    #[getter]
    fn latent<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        match &self.fitted.latent {
            LatentStates::Experiments(l) => {
                d.set_item("mean", PyArray2::from_array(py, &l.mean))?;
                d.set_item("std", PyArray2::from_array(py, &l.std))?;
            }
            LatentStates::Trajectories(l) => {
                d.set_item("mean", PyArray3::from_array(py, &l.mean))?;
                d.set_item("std", PyArray3::from_array(py, &l.std))?;
            }
        }
        Ok(d)
    }

    /// The whole posterior as `posterior.json` holds it (a dict).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.fitted.posterior, "posterior")
    }

    /// The hop ranges a kernel law's fit tried when `hop` was left open, in order (`None`
    /// otherwise): `hop`, `edge_share` (left, right: the share of the moved mass at `±B`),
    /// `elbo_active`, `iterations`; the fit widens while a share is above 5%
    /// (`manifest.json`'s `hop_search`).
    #[getter]
    fn hop_search<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(py, &self.fitted.manifest.hop_search, "hop_search")
    }

    /// The range of the coarse states the model was learned on (`posterior.json`'s
    /// `training_states`): a dict with `density` `[min, max]` of `nc·ρ_j`, `max_jump`,
    /// `max_empty` and, when some bins never held a walker, `unvisited`; `None` for a model
    /// written before it was recorded. `predict` warns for a start outside it.
    #[getter]
    fn training_states<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_python(
            py,
            &self.fitted.posterior.training_states,
            "training_states",
        )
    }

    /// The learned law as an equation with error bars (what `scalebridge show` prints).
    fn equation(&self) -> String {
        self.fitted.posterior.equation()
    }

    fn __repr__(&self) -> String {
        self.fitted.posterior.equation()
    }

    /// Predictive bands over `horizon` coarse steps (SPEC A.8): from a new fine state
    /// (`initial`, float64 walker positions `(nf,)`), or continuing experiment (or run)
    /// `experiment` of the training `data` (`(X0, counts)` or trajectory `counts`). `bins`:
    /// binnings of the density; `within`: how walkers spread within a model bin on a finer
    /// binning, `"uniform"` (the paper's map) or `"linear"` (a limited slope from the
    /// neighbouring bins); `pairs`: 2-bin probabilities `[(k1, k2), ...]`. The same model, start and
    /// seed give the bits of `scalebridge predict`.
    #[pyo3(signature = (initial=None, *, data=None, experiment=None, horizon, bins=vec![24, 96], within="uniform", samples=1000, level=0.95, seed=0, pairs=vec![], domain=None, progress=false))]
    #[pyo3(
        text_signature = "(self, initial=None, *, data=None, experiment=None, horizon, bins=(24, 96), within='uniform', samples=1000, level=0.95, seed=0, pairs=(), domain=None, progress=False)"
    )]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        initial: Option<&Bound<'py, PyAny>>,
        data: Option<&Bound<'py, PyAny>>,
        experiment: Option<usize>,
        horizon: usize,
        bins: Vec<usize>,
        within: &str,
        samples: usize,
        level: f64,
        seed: u64,
        pairs: Vec<(usize, usize)>,
        domain: Option<&Bound<'_, PyAny>>,
        progress: bool,
    ) -> PyResult<crate::prediction::Prediction> {
        let options = scalebridge::pipeline::predict::PredictOptions {
            horizon,
            bins,
            within: scalebridge::walkers::WithinBin::parse(within).py_err()?,
            samples,
            level,
            pairs,
            seed,
        };
        crate::prediction::predict_model(
            py, self, initial, data, experiment, options, domain, progress,
        )
    }

    /// Writes the model directory `scalebridge learn` writes (`posterior.json`, `latent.npz`,
    /// `manifest.json`), atomically.
    fn save(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        py.detach(|| write_model(&dir, &self.fitted)).py_err()
    }

    /// `n` posterior draws of `θ` (from the marginal Gaussian) and of the noise precision `v`
    /// (from `q(v)`), as a dict `arviz.from_dict(**d)` takes: `posterior` with `theta`
    /// `(1, n, L)` and `noise_precision` `(1, n, groups)`, `coords` with the feature names,
    /// `dims`.
    #[pyo3(signature = (n, seed=0))]
    fn draws<'py>(&self, py: Python<'py>, n: usize, seed: u64) -> PyResult<Bound<'py, PyDict>> {
        let d = py
            .detach(|| posterior_draws(&self.fitted.posterior, n, seed))
            .py_err()?;
        let (l, g) = (d.theta.ncols(), d.noise_precision.ncols());
        let theta = d
            .theta
            .into_shape_with_order((1, n, l))
            .map_err(|e| bad("n", e.to_string()))?;
        let noise = d
            .noise_precision
            .into_shape_with_order((1, n, g))
            .map_err(|e| bad("n", e.to_string()))?;
        let post = PyDict::new(py);
        post.set_item("theta", PyArray3::from_owned_array(py, theta))?;
        post.set_item("noise_precision", PyArray3::from_owned_array(py, noise))?;
        let coords = PyDict::new(py);
        coords.set_item("feature", self.names())?;
        coords.set_item("noise_group", (0..g).collect::<Vec<usize>>())?;
        let dims = PyDict::new(py);
        dims.set_item("theta", vec!["feature"])?;
        dims.set_item("noise_precision", vec!["noise_group"])?;
        let out = PyDict::new(py);
        out.set_item("posterior", post)?;
        out.set_item("coords", coords)?;
        out.set_item("dims", dims)?;
        Ok(out)
    }
}

/// Reads a model directory written by `scalebridge learn` (or `Model.save`).
#[pyfunction]
pub fn load_model(py: Python<'_>, dir: PathBuf) -> PyResult<Model> {
    py.detach(|| -> scalebridge::Result<Model> {
        let m = scalebridge::pipeline::predict::Model::load(&dir)?;
        let latent = LatentStates::read(&dir, &m.posterior)?;
        Ok(Model {
            fitted: Fitted {
                posterior: m.posterior,
                latent,
                manifest: m.manifest,
            },
        })
    })
    .py_err()
}

/// Models learned on the same data, side by side by their ELBO (`scalebridge compare`): a list
/// of dicts (`model`, `law`, `nc`, `terms`, `active`, `elbo`, `elbo_minus_best`, `elbo_active`,
/// `elbo_active_minus_best`, `converged`, `best`); `best` has the highest `elbo_active`, the
/// ELBO of the active law. `labels` name the models (default `model 0`, `model 1`, ...).
#[pyfunction]
#[pyo3(signature = (models, labels=None))]
pub fn compare<'py>(
    py: Python<'py>,
    models: Vec<Bound<'py, Model>>,
    labels: Option<Vec<String>>,
) -> PyResult<Bound<'py, PyList>> {
    let labels =
        labels.unwrap_or_else(|| (0..models.len()).map(|i| format!("model {i}")).collect());
    if labels.len() != models.len() {
        return Err(bad(
            "labels",
            format!("{} labels for {} models", labels.len(), models.len()),
        ));
    }
    let paths: Vec<PathBuf> = labels.iter().map(PathBuf::from).collect();
    let refs: Vec<_> = models.iter().map(|m| m.get()).collect();
    let pairs: Vec<_> = paths
        .iter()
        .map(PathBuf::as_path)
        .zip(refs.iter().map(|m| &m.fitted.posterior))
        .collect();
    let rows = scalebridge::pipeline::compare::compare(&pairs).py_err()?;
    Ok(to_python(py, &rows, "models")?.cast_into::<PyList>()?)
}
