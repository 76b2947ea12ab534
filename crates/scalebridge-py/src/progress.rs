//! Progress bars from Python: `progress=True` shows the library's progress (sweeps, samples,
//! steps) with `tqdm.auto` (a widget in Jupyter, a text bar in a terminal) when tqdm is
//! installed. The library calls back from its worker threads while the GIL is released; each
//! callback takes the GIL for the update. A failing bar never fails the computation.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use scalebridge::pipeline::{Progress, Silent};
use std::sync::{Arc, Mutex};

/// A tqdm bar per phase.
///
/// Lock order: the mutex only guards swapping the current bar and is never held while the GIL
/// is taken or waited for (a worker holding the GIL and waiting for the mutex, while another
/// held the mutex and waited for the GIL inside `tqdm.update`, deadlocked).
#[derive(Debug)]
pub struct Bars {
    tqdm: Py<PyAny>,
    bar: Mutex<Option<Arc<Py<PyAny>>>>,
}

impl Bars {
    /// `tqdm.auto.tqdm` when `on` and tqdm is importable; `None` otherwise (a warning says why
    /// when a bar was asked for and tqdm is missing).
    fn new(py: Python<'_>, on: bool) -> PyResult<Option<Self>> {
        if !on {
            return Ok(None);
        }
        match py.import("tqdm.auto").and_then(|m| m.getattr("tqdm")) {
            Ok(t) => Ok(Some(Bars {
                tqdm: t.unbind(),
                bar: Mutex::new(None),
            })),
            Err(_) => {
                let warnings = py.import("warnings")?;
                warnings.call_method1(
                    "warn",
                    ("progress=True needs tqdm (pip install tqdm); running without a bar",),
                )?;
                Ok(None)
            }
        }
    }

    /// Swaps the current bar (the mutex held for the swap only).
    fn swap(&self, new: Option<Arc<Py<PyAny>>>) -> Option<Arc<Py<PyAny>>> {
        match self.bar.lock() {
            Ok(mut guard) => std::mem::replace(&mut *guard, new),
            Err(_) => None,
        }
    }

    fn current(&self) -> Option<Arc<Py<PyAny>>> {
        self.bar.lock().ok().and_then(|g| g.clone())
    }

    fn with_bar(&self, f: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<()>) {
        if let Some(bar) = self.current() {
            Python::attach(|py| {
                let _ = f(bar.bind(py));
                drop(bar);
            });
        }
    }
}

impl Progress for Bars {
    fn start(&self, what: &str, total: u64) {
        Python::attach(|py| {
            let kwargs = PyDict::new(py);
            // a phase of unknown length (total 0): tqdm's counter without a bar
            let made = kwargs
                .set_item("total", (total > 0).then_some(total))
                .and_then(|_| kwargs.set_item("desc", what))
                .and_then(|_| self.tqdm.bind(py).call((), Some(&kwargs)));
            if let Ok(bar) = made {
                if let Some(old) = self.swap(Some(Arc::new(bar.unbind()))) {
                    let _ = old.bind(py).call_method0("close");
                }
            }
        });
    }

    fn inc(&self, k: u64) {
        self.with_bar(|b| b.call_method1("update", (k,)).map(|_| ()));
    }

    fn message(&self, msg: &str) {
        self.with_bar(|b| b.call_method1("set_postfix_str", (msg,)).map(|_| ()));
    }

    fn finish(&self) {
        if let Some(bar) = self.swap(None) {
            Python::attach(|py| {
                let _ = bar.bind(py).call_method0("close");
                drop(bar);
            });
        }
    }
}

/// Runs `f` with the GIL released and a bar when `on`.
pub fn with_progress<T: Send>(
    py: Python<'_>,
    on: bool,
    f: impl FnOnce(&dyn Progress) -> T + Send,
) -> PyResult<T> {
    let bars = Bars::new(py, on)?;
    Ok(py.detach(|| match &bars {
        Some(b) => f(b),
        None => f(&Silent),
    }))
}
