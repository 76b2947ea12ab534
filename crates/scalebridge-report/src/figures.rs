//! The figures, drawn once per backend (PNG bitmap and SVG).

use crate::ReportInput;
use plotters::coord::Shift;
use plotters::prelude::*;
use scalebridge::Error;
use scalebridge::prediction::TwoBin;
use scalebridge::walkers::restrict::bin_counts;
use std::path::{Path, PathBuf};
use std::sync::Once;

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const SIZE: (u32, u32) = (1100, 760);
const BAND: RGBColor = RGBColor(120, 160, 220);
const MEAN: RGBColor = RGBColor(20, 60, 150);
const REF: RGBColor = RGBColor(200, 40, 30);

/// A drawn figure: its title and files.
#[derive(Clone, Debug)]
pub struct Figure {
    /// Title shown in the report.
    pub title: String,
    /// Short file stem.
    pub stem: String,
    /// The PNG file.
    pub png: PathBuf,
    /// The SVG file.
    pub svg: PathBuf,
    /// The SVG text (inlined in the HTML report).
    pub svg_text: String,
}

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

type DrawResult = Result<(), String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Renders `draw` to `stem.png` (written to a temporary name, then renamed) and `stem.svg`.
pub(crate) fn render(
    dir: &Path,
    stem: &str,
    title: &str,
    draw: &dyn Fn(DrawingTarget<'_, '_>) -> DrawResult,
) -> Result<Figure, Error> {
    let png = dir.join(format!("{stem}.png"));
    let tmp = dir.join(format!(".{stem}.{}.tmp.png", std::process::id()));
    let fail = |path: &Path, e: String| Error::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    };
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        draw(DrawingTarget::Bitmap(&root)).map_err(|e| fail(&png, e))?;
        root.present().map_err(|e| fail(&png, err(e)))?;
    }
    std::fs::rename(&tmp, &png).map_err(|source| Error::Write {
        path: png.clone(),
        source,
    })?;
    let mut svg_text = String::new();
    {
        let root = SVGBackend::with_string(&mut svg_text, SIZE).into_drawing_area();
        draw(DrawingTarget::Svg(&root)).map_err(|e| fail(&png, e))?;
        root.present().map_err(|e| fail(&png, err(e)))?;
    }
    let svg = dir.join(format!("{stem}.svg"));
    scalebridge::io::write_atomic(&svg, |w| std::io::Write::write_all(w, svg_text.as_bytes()))?;
    Ok(Figure {
        title: title.to_owned(),
        stem: stem.to_owned(),
        png,
        svg,
        svg_text,
    })
}

/// Either backend's root area.
pub enum DrawingTarget<'r, 'b> {
    Bitmap(&'r DrawingArea<BitMapBackend<'b>, Shift>),
    Svg(&'r DrawingArea<SVGBackend<'b>, Shift>),
}

macro_rules! with_root {
    ($target:expr, $root:ident => $body:expr) => {
        match $target {
            DrawingTarget::Bitmap($root) => $body,
            DrawingTarget::Svg($root) => $body,
        }
    };
}

/// A band (lower, upper) with a mean line and optional reference points, on `area`.
fn band_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    x: &[f64],
    lo: &[f64],
    hi: &[f64],
    mean: &[f64],
    reference: Option<&[f64]>,
    x_label: &str,
    y_label: &str,
) -> DrawResult {
    let ymax = hi
        .iter()
        .chain(reference.unwrap_or(&[]))
        .copied()
        .fold(0.0_f64, f64::max)
        * 1.08
        + 1e-12;
    let (x0, x1) = (x[0], x[x.len() - 1]);
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, 0.0..ymax)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(err)?;
    let mut poly: Vec<(f64, f64)> = x.iter().copied().zip(hi.iter().copied()).collect();
    poly.extend(x.iter().copied().zip(lo.iter().copied()).rev());
    chart
        .draw_series(std::iter::once(Polygon::new(poly, BAND.mix(0.45).filled())))
        .map_err(err)?
        .label("credible band")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BAND.mix(0.45).filled()));
    chart
        .draw_series(LineSeries::new(
            x.iter().copied().zip(mean.iter().copied()),
            MEAN.stroke_width(2),
        ))
        .map_err(err)?
        .label("predictive mean")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], MEAN.stroke_width(2)));
    if let Some(r) = reference {
        chart
            .draw_series(
                x.iter()
                    .zip(r)
                    .map(|(a, b)| Circle::new((*a, *b), 3, REF.filled())),
            )
            .map_err(err)?
            .label("fine-scale replicas (mean)")
            .legend(|(x, y)| Circle::new((x + 8, y), 3, REF.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 12))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    Ok(())
}

/// The replica mean density on `bins` bins at step `k`.
/// The kernel law's hop probabilities against position (uniform density) and against the
/// local density (position-averaged), each hop with a ±1.96 std band (delta method from the
/// marginal covariance of θ).
fn hop_figure(
    dir: &Path,
    law: &scalebridge::law::KernelLaw,
    post: &scalebridge::inference::Posterior,
) -> Result<Figure, Error> {
    let (theta, cov, nc) = (&post.theta_mean, &post.theta_cov_marginal, post.nc);
    let by_position = law.against_position(theta, cov, nc);
    let by_density = law.against_density(theta, cov, nc, 4.0, 41);
    let colors = [
        RGBColor(120, 60, 160),
        RGBColor(40, 140, 60),
        MEAN,
        REF,
        RGBColor(200, 130, 0),
        RGBColor(0, 150, 160),
        RGBColor(150, 150, 150),
    ];
    let draw = |target: DrawingTarget<'_, '_>| -> DrawResult {
        with_root!(target, root => {
            root.fill(&WHITE).map_err(err)?;
            let panels = root.split_evenly((1, 2));
            for (p, (curves, x_desc, caption)) in panels.iter().zip([
                (&by_position, "y/P (bin centre), uniform density u = 1", "K_b against position"),
                (&by_density, "local density u = nc·ρ (position-averaged)", "K_b against density"),
            ]) {
                let x0 = curves.x.first().copied().unwrap_or(0.0);
                let x1 = curves.x.last().copied().unwrap_or(1.0).max(x0 + 1e-9);
                let mut chart = ChartBuilder::on(p)
                    .caption(caption, ("sans-serif", 20))
                    .margin(10)
                    .x_label_area_size(40)
                    .y_label_area_size(60)
                    .build_cartesian_2d(x0..x1, 0.0..1.0)
                    .map_err(err)?;
                chart.configure_mesh().x_desc(x_desc).y_desc("hop probability K_b").label_style(("sans-serif", 13)).draw().map_err(err)?;
                for (c, hop) in curves.hops.iter().enumerate() {
                    let color = colors[c % colors.len()];
                    let lo: Vec<(f64, f64)> = curves.x.iter().enumerate().map(|(k, x)| (*x, (curves.mean[k][c] - 1.96 * curves.std[k][c]).max(0.0))).collect();
                    let hi: Vec<(f64, f64)> = curves.x.iter().enumerate().map(|(k, x)| (*x, (curves.mean[k][c] + 1.96 * curves.std[k][c]).min(1.0))).collect();
                    let poly: Vec<(f64, f64)> = lo.iter().copied().chain(hi.iter().rev().copied()).collect();
                    chart.draw_series(std::iter::once(Polygon::new(poly, color.mix(0.25).filled()))).map_err(err)?;
                    chart.draw_series(LineSeries::new(curves.x.iter().enumerate().map(|(k, x)| (*x, curves.mean[k][c])), color.stroke_width(2))).map_err(err)?
                        .label(format!("b = {hop:+}")).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
                }
                chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK.mix(0.3)).label_font(("sans-serif", 13)).position(SeriesLabelPosition::UpperRight).draw().map_err(err)?;
            }
            Ok(())
        })
    };
    render(
        dir,
        "hop_probabilities",
        "Learned hop probabilities K_b (mass moving b bins in one Δt), ±1.96 std",
        &draw,
    )
}

fn reference_density(input: &ReportInput<'_>, bins: usize, k: usize) -> Option<Vec<f64>> {
    let pos = input.reference?;
    let (r, _, nf) = pos.dim();
    let norm = 1.0 / (nf as f64 * input.domain.bin_width(bins) * r as f64);
    let mut acc = vec![0.0; bins];
    for rep in 0..r {
        let p: Vec<f64> = pos.slice(ndarray::s![rep, k, ..]).to_vec();
        for (a, c) in acc.iter_mut().zip(bin_counts(&p, &input.domain, bins)) {
            *a += c as f64 * norm;
        }
    }
    Some(acc)
}

pub fn draw_all(dir: &Path, input: &ReportInput<'_>) -> Result<Vec<Figure>, Error> {
    register_font();
    let pred = input.prediction;
    let steps = pred.t.len();
    let horizon = steps - 1;
    let mut times: Vec<usize> = vec![1.min(horizon), horizon / 4, horizon / 2, horizon];
    times.dedup();
    times.retain(|k| *k >= 1 || horizon == 0);
    let mut figures = Vec::new();
    for (bi, &bins) in input.bins.iter().enumerate() {
        let band = &pred.bands[bi];
        let dy = input.domain.bin_width(bins);
        let x: Vec<f64> = (0..bins)
            .map(|b| input.domain.ymin + (b as f64 + 0.5) * dy)
            .collect();
        let refs: Vec<Option<Vec<f64>>> = times
            .iter()
            .map(|&k| reference_density(input, bins, k))
            .collect();
        let title = format!(
            "Density on {bins} bins: {:.0}% band vs fine-scale replicas",
            100.0 * input.level
        );
        let draw = |target: DrawingTarget<'_, '_>| -> DrawResult {
            with_root!(target, root => {
                root.fill(&WHITE).map_err(err)?;
                let panels = root.split_evenly((2, 2));
                for (p, (&k, r)) in panels.iter().zip(times.iter().zip(&refs)) {
                    band_panel(
                        p,
                        &format!("t = {:.3}", pred.t[k]),
                        &x,
                        &band.q_lo.row(k).to_vec(),
                        &band.q_hi.row(k).to_vec(),
                        &band.mean.row(k).to_vec(),
                        r.as_deref(),
                        "y",
                        "density",
                    )?;
                }
                Ok(())
            })
        };
        figures.push(render(dir, &format!("density_bins{bins}"), &title, &draw)?);
    }
    if !input.pairs.is_empty() {
        let band = &pred.bands[input.bins.len()];
        let nc = input.posterior.nc;
        let refs: Vec<Option<Vec<f64>>> = input
            .pairs
            .iter()
            .map(|&(a, b)| {
                let pos = input.reference?;
                let (r, steps, _) = pos.dim();
                Some(
                    (0..steps)
                        .map(|k| {
                            (0..r)
                                .map(|rep| {
                                    let p: Vec<f64> = pos.slice(ndarray::s![rep, k, ..]).to_vec();
                                    TwoBin::of_counts(&bin_counts(&p, &input.domain, nc), a, b)
                                })
                                .sum::<f64>()
                                / r as f64
                        })
                        .collect(),
                )
            })
            .collect();
        let shown = input.pairs.len().min(4);
        let draw = |target: DrawingTarget<'_, '_>| -> DrawResult {
            with_root!(target, root => {
                root.fill(&WHITE).map_err(err)?;
                let panels = root.split_evenly((2, 2));
                for (c, p) in panels.iter().enumerate().take(shown) {
                    let (a, b) = input.pairs[c];
                    band_panel(
                        p,
                        &format!("P({a}, {b})"),
                        &pred.t,
                        &band.q_lo.column(c).to_vec(),
                        &band.q_hi.column(c).to_vec(),
                        &band.mean.column(c).to_vec(),
                        refs[c].as_deref(),
                        "t",
                        "2-bin probability",
                    )?;
                }
                Ok(())
            })
        };
        figures.push(render(
            dir,
            "two_bin",
            "2-bin probabilities vs time (coarse bins, 0-based)",
            &draw,
        )?);
    }
    let post = input.posterior;
    let draw = |target: DrawingTarget<'_, '_>| -> DrawResult {
        with_root!(target, root => {
            root.fill(&WHITE).map_err(err)?;
            let n = post.names.len();
            let lo = (0..n).map(|l| post.theta_mean[l] - 2.0 * post.theta_std_marginal[l]).fold(0.0_f64, f64::min);
            let hi = (0..n).map(|l| post.theta_mean[l] + 2.0 * post.theta_std_marginal[l]).fold(0.0_f64, f64::max);
            let pad = 0.05 * (hi - lo + 1e-12);
            let mut chart = ChartBuilder::on(root)
                .caption("Learned coefficients (±2 marginal std; active in red)", ("sans-serif", 20))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(-0.5..(n as f64 - 0.5), (lo - pad)..(hi + pad))
                .map_err(err)?;
            chart.configure_mesh().x_desc("feature index (names in the report table)").y_desc("θ").label_style(("sans-serif", 13)).draw().map_err(err)?;
            for l in 0..n {
                let color = if post.active[l] { REF } else { RGBColor(150, 150, 150) };
                let (m, s) = (post.theta_mean[l], 2.0 * post.theta_std_marginal[l]);
                let x = l as f64;
                chart.draw_series(std::iter::once(PathElement::new(vec![(x, m - s), (x, m + s)], color.stroke_width(2)))).map_err(err)?;
                chart.draw_series(std::iter::once(Circle::new((x, m), 4, color.filled()))).map_err(err)?;
            }
            chart.draw_series(LineSeries::new(vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)], BLACK.mix(0.4))).map_err(err)?;
            Ok(())
        })
    };
    figures.push(render(dir, "coefficients", "Learned coefficients", &draw)?);
    if let Some(law) = scalebridge::law::KernelLaw::from_spec(&post.law)? {
        figures.push(hop_figure(dir, &law, post)?);
    }
    let trace = &post.elbo_trace;
    let draw = |target: DrawingTarget<'_, '_>| -> DrawResult {
        with_root!(target, root => {
            root.fill(&WHITE).map_err(err)?;
            let lo = trace.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = trace.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let pad = 0.02 * (hi - lo).abs().max(1e-9);
            let mut chart = ChartBuilder::on(root)
                .caption("ELBO per sweep (every constant included)", ("sans-serif", 20))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(90)
                .build_cartesian_2d(1.0..(trace.len().max(2) as f64), (lo - pad)..(hi + pad))
                .map_err(err)?;
            chart.configure_mesh().x_desc("sweep").y_desc("ELBO").label_style(("sans-serif", 13)).draw().map_err(err)?;
            chart.draw_series(LineSeries::new(trace.iter().enumerate().map(|(i, v)| ((i + 1) as f64, *v)), MEAN.stroke_width(2))).map_err(err)?;
            Ok(())
        })
    };
    figures.push(render(dir, "elbo", "ELBO trace", &draw)?);
    if !input.coverage.is_empty() {
        let colors = [MEAN, REF, RGBColor(40, 140, 60), RGBColor(120, 60, 160)];
        let draw = |target: DrawingTarget<'_, '_>| -> DrawResult {
            with_root!(target, root => {
                root.fill(&WHITE).map_err(err)?;
                let t_end = pred.t[steps - 1].max(1e-12);
                let mut chart = ChartBuilder::on(root)
                    .caption(format!("Coverage of the replicas by the {:.0}% band", 100.0 * input.level), ("sans-serif", 20))
                    .margin(10)
                    .x_label_area_size(40)
                    .y_label_area_size(60)
                    .build_cartesian_2d(0.0..t_end, 0.0..1.02)
                    .map_err(err)?;
                chart.configure_mesh().x_desc("t").y_desc("share of (replica, bin) inside").label_style(("sans-serif", 13)).draw().map_err(err)?;
                chart.draw_series(LineSeries::new(vec![(0.0, input.level), (t_end, input.level)], BLACK.mix(0.4))).map_err(err)?
                    .label("nominal level").legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.mix(0.4)));
                for (c, cov) in input.coverage.iter().enumerate() {
                    let color = colors[c % colors.len()];
                    chart.draw_series(LineSeries::new(pred.t.iter().copied().zip(cov.coverage.iter().copied()).skip(1), color.stroke_width(2))).map_err(err)?
                        .label(format!("{} bins", cov.bins)).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
                }
                chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK.mix(0.3)).label_font(("sans-serif", 13)).position(SeriesLabelPosition::LowerLeft).draw().map_err(err)?;
                Ok(())
            })
        };
        figures.push(render(dir, "coverage", "Coverage per time", &draw)?);
    }
    Ok(figures)
}
