//! Figures and the report of a scalebridge run: PNG and SVG files drawn with plotters (an
//! embedded DejaVu Sans font, no system font libraries), and `report.html`, self-contained (the
//! SVG figures are inlined), which opens in a browser offline.
//!
//! [`write_report`] draws, for a prediction judged against fine-scale replicas:
//! `density_bins{B}` (bands vs the replicas at four times, one figure per binning),
//! `two_bin` (2-bin probabilities vs time), `coefficients` (the learned law with ±2 marginal
//! standard deviations, active terms highlighted), `elbo` (the ELBO trace) and `coverage`
//! (coverage per time and binning), each as `.png` and `.svg`, and `report.html` with a
//! coverage table per time. For a kernel law (SPEC A.9) also `hop_probabilities` (the learned
//! hop probabilities against position and against local density, with bands); when a run
//! learned several laws, a table compares them (ELBO, coverage, error).

mod figures;
mod html;
pub mod ising;
pub mod scaling;

/// Registers the embedded font with plotters (once per process).
pub(crate) fn register_font_once() {
    figures::register_font();
}

pub use figures::Figure;
pub use ising::{IsingPoint, IsingReport, IsingSeries, write_ising_report};
use scalebridge::inference::Posterior;
use scalebridge::prediction::{Coverage, Prediction};
use scalebridge::{Domain, Error};
use std::path::{Path, PathBuf};

/// Everything the report shows.
#[derive(Debug)]
pub struct ReportInput<'a> {
    /// Title line (system and setting).
    pub title: String,
    /// Free-form summary lines shown under the title.
    pub summary: Vec<String>,
    /// The learned law.
    pub posterior: &'a Posterior,
    /// The prediction: one band per binning in `bins`, then the 2-bin band if `pairs`.
    pub prediction: &'a Prediction,
    /// The binnings of the density bands.
    pub bins: &'a [usize],
    /// The 2-bin pairs.
    pub pairs: &'a [(usize, usize)],
    /// Replica positions `(R, T+1, nf)`, if any.
    pub reference: Option<&'a ndarray::Array3<f64>>,
    /// Coverage per binning (empty without replicas).
    pub coverage: &'a [Coverage],
    /// Credible level.
    pub level: f64,
    /// The periodic interval.
    pub domain: Domain,
    /// Every law a run learned (shown as a comparison when there are several).
    pub laws: &'a [scalebridge::pipeline::run::LawResult],
}

/// Draws every figure (PNG and SVG) into `dir/figures/` and writes `dir/report.html`.
/// Returns the files written.
pub fn write_report(dir: &Path, input: &ReportInput<'_>) -> Result<Vec<PathBuf>, Error> {
    let fig_dir = dir.join("figures");
    scalebridge::io::create_dir(&fig_dir)?;
    let figures = figures::draw_all(&fig_dir, input)?;
    let mut files: Vec<PathBuf> = figures
        .iter()
        .flat_map(|f| [f.png.clone(), f.svg.clone()])
        .collect();
    let html = dir.join("report.html");
    html::write(&html, input, &figures)?;
    files.push(html);
    Ok(files)
}
