//! The Ising scaling report: `χ`, `V4`, `C` and the energy against `L` for Monte Carlo and
//! dreamed ensembles side by side, with error bars and the exact references.
//!
//! Log axes are drawn as linear axes of `log₂ L` (and `log₁₀ χ`) with tick labels in the
//! original units, so one plotting routine serves every figure.

use crate::figures::{DrawingTarget, Figure, render};
use crate::html::{escape, figure_html, page_end, page_start};
use plotters::coord::Shift;
use plotters::prelude::*;
use scalebridge::Error;
pub use scalebridge::lattice::analysis::study::{IsingPoint, IsingReport, IsingSeries};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `V4*` of the periodic square lattice (SPEC B.1).
pub const V4_STAR: f64 = 1.167_922_9;

const PALETTE_MC: [RGBColor; 3] = [
    RGBColor(200, 40, 30),
    RGBColor(230, 120, 20),
    RGBColor(150, 30, 120),
];
const PALETTE_DREAM: [RGBColor; 4] = [
    RGBColor(20, 70, 170),
    RGBColor(20, 140, 80),
    RGBColor(90, 160, 220),
    RGBColor(100, 100, 100),
];

fn colour(report: &IsingReport, s: usize) -> RGBColor {
    let k = report.series[..s]
        .iter()
        .filter(|x| x.dreamed == report.series[s].dreamed)
        .count();
    if report.series[s].dreamed {
        PALETTE_DREAM[k % PALETTE_DREAM.len()]
    } else {
        PALETTE_MC[k % PALETTE_MC.len()]
    }
}

/// A series of points with error bars: label, colour, square markers, `(x, y, error)`.
pub(crate) type PointSeries = (String, RGBColor, bool, Vec<(f64, f64, f64)>);
/// A line: label, colour, dashed, `(x, y)`.
pub(crate) type LineData = (String, RGBColor, bool, Vec<(f64, f64)>);

/// A panel's data: points with error bars per series, and lines.
pub(crate) struct Panel {
    pub(crate) caption: String,
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    /// `x` tick label from the axis value.
    pub(crate) x_tick: fn(f64) -> String,
    pub(crate) y_tick: fn(f64) -> String,
    pub(crate) points: Vec<PointSeries>,
    pub(crate) lines: Vec<LineData>,
}

type DrawResult = Result<(), String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn pow2_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{}", 2f64.powf(v.round()) as u64)
    } else {
        String::new()
    }
}

fn pow10_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("1e{}", v.round() as i64)
    } else {
        String::new()
    }
}

fn plain_tick(v: f64) -> String {
    format!("{v:.3}")
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_owned()
}

/// Labels asked of plotters on the `x` axis.
const X_LABELS: usize = 24;

/// The drawn `x` range around the data's `[x0, x1]`: 5 % of the span either side, or, when both
/// ends are integers (`log₂ L` of powers of two), 0.3 either side — plotters' key points for
/// `X_LABELS` labels then include every integer of the range (with 5 % they can stop one step
/// short, and the largest `L` went unlabelled; tested).
fn x_range(x0: f64, x1: f64) -> std::ops::Range<f64> {
    let integer = |x: f64| (x - x.round()).abs() < 1e-9;
    let dx = if integer(x0) && integer(x1) {
        0.3
    } else {
        (x1 - x0).max(1e-9) * 0.05
    };
    (x0 - dx)..(x1 + dx)
}

/// The corner of the plot whose box (the outer 40 % of the width, 25 % of the height) holds the
/// fewest data points and line vertices — the legend goes there, upper left on a tie.
fn legend_corner(
    p: &Panel,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> SeriesLabelPosition {
    let fx = |v: f64| (v - x.start) / (x.end - x.start);
    let fy = |v: f64| (v - y.start) / (y.end - y.start);
    let pts: Vec<(f64, f64)> = p
        .points
        .iter()
        .flat_map(|s| s.3.iter().map(|q| (fx(q.0), fy(q.1))))
        .chain(
            p.lines
                .iter()
                .flat_map(|l| l.3.iter().map(|q| (fx(q.0), fy(q.1)))),
        )
        .collect();
    let corners = [
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::LowerLeft, false, false),
        (SeriesLabelPosition::LowerRight, true, false),
    ];
    let inside = |right: bool, upper: bool| {
        pts.iter()
            .filter(|&&(a, b)| {
                (if right { a > 0.6 } else { a < 0.4 }) && (if upper { b > 0.75 } else { b < 0.25 })
            })
            .count()
    };
    let mut best = (usize::MAX, SeriesLabelPosition::UpperLeft);
    for (pos, right, upper) in corners {
        let n = inside(right, upper);
        if n < best.0 {
            best = (n, pos);
        }
    }
    best.1
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> DrawResult {
    area.fill(&WHITE).map_err(err)?;
    let xs = p
        .points
        .iter()
        .flat_map(|s| s.3.iter().map(|q| q.0))
        .chain(p.lines.iter().flat_map(|l| l.3.iter().map(|q| q.0)));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |a, x| {
        (a.0.min(x), a.1.max(x))
    });
    let ys = p
        .points
        .iter()
        .flat_map(|s| s.3.iter().flat_map(|q| [q.1 - q.2, q.1 + q.2]))
        .chain(p.lines.iter().flat_map(|l| l.3.iter().map(|q| q.1)));
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |a, y| {
        (a.0.min(y), a.1.max(y))
    });
    let dy = (y1 - y0).max(1e-9) * 0.08;
    let (xr, yr) = (x_range(x0, x1), (y0 - dy)..(y1 + dy));
    let mut chart = ChartBuilder::on(area)
        .caption(&p.caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(xr.clone(), yr.clone())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(p.x_label.as_str())
        .y_desc(p.y_label.as_str())
        .x_labels(X_LABELS)
        .y_labels(16)
        .x_label_formatter(&|v| (p.x_tick)(*v))
        .y_label_formatter(&|v| (p.y_tick)(*v))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    for (label, c, dashed, pts) in &p.lines {
        let style = c.stroke_width(2);
        let s = if *dashed {
            chart
                .draw_series(DashedLineSeries::new(pts.iter().copied(), 8, 6, style))
                .map_err(err)?
        } else {
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), style))
                .map_err(err)?
        };
        if !label.is_empty() {
            let c = *c;
            s.label(label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
            });
        }
    }
    for (label, c, square, pts) in &p.points {
        let c = *c;
        chart
            .draw_series(
                pts.iter().map(|&(x, y, e)| {
                    ErrorBar::new_vertical(x, y - e, y, y + e, c.stroke_width(2), 8)
                }),
            )
            .map_err(err)?;
        let s = if *square {
            chart
                .draw_series(pts.iter().map(|&(x, y, _)| {
                    EmptyElement::at((x, y)) + Rectangle::new([(-4, -4), (4, 4)], c.filled())
                }))
                .map_err(err)?
        } else {
            chart
                .draw_series(
                    pts.iter()
                        .map(|&(x, y, _)| Circle::new((x, y), 4, c.filled())),
                )
                .map_err(err)?
        };
        s.label(label.as_str())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .position(legend_corner(p, xr, yr))
        .draw()
        .map_err(err)?;
    Ok(())
}

pub(crate) fn panel_figure(dir: &Path, stem: &str, p: &Panel) -> Result<Figure, Error> {
    render(dir, stem, &p.caption, &|t: DrawingTarget<'_, '_>| match t {
        DrawingTarget::Bitmap(root) => draw_panel(root, p),
        DrawingTarget::Svg(root) => draw_panel(root, p),
    })
}

fn log2(l: usize) -> f64 {
    (l as f64).log2()
}

fn points_of(report: &IsingReport, f: impl Fn(&IsingPoint) -> (f64, f64, f64)) -> Vec<PointSeries> {
    report
        .series
        .iter()
        .enumerate()
        .map(|(s, x)| {
            (
                x.label.clone(),
                colour(report, s),
                x.dreamed,
                x.points.iter().map(&f).collect(),
            )
        })
        .collect()
}

fn figures(dir: &Path, r: &IsingReport) -> Result<Vec<Figure>, Error> {
    let mut out = Vec::new();
    // χ, log-log, with the fitted lines and the exact slope
    let mut lines = Vec::new();
    for (s, x) in r.series.iter().enumerate() {
        if let (Some(g), Some(first), Some(last)) =
            (x.gamma_over_nu, x.fit_l.first(), x.fit_l.last())
        {
            // the fit line through the geometric-mean point of the fitted χ
            let fitted: Vec<&IsingPoint> =
                x.points.iter().filter(|p| x.fit_l.contains(&p.l)).collect();
            let mx = fitted.iter().map(|p| (p.l as f64).ln()).sum::<f64>() / fitted.len() as f64;
            let my = fitted.iter().map(|p| p.chi.value.ln()).sum::<f64>() / fitted.len() as f64;
            let at = |l: usize| {
                (
                    log2(l),
                    (my + g.value * ((l as f64).ln() - mx)) / 10f64.ln(),
                )
            };
            lines.push((
                format!("{}: γ/ν = {:.3} ± {:.3}", x.label, g.value, g.error),
                colour(r, s),
                false,
                vec![at(*first), at(*last)],
            ));
            if s == 0 {
                let exact = |l: usize| (log2(l), (my + 1.75 * ((l as f64).ln() - mx)) / 10f64.ln());
                lines.push((
                    "exact 7/4".to_owned(),
                    BLACK,
                    true,
                    vec![exact(*first), exact(*last)],
                ));
            }
        }
    }
    out.push(panel_figure(
        dir,
        "chi",
        &Panel {
            caption: "Susceptibility χ = L²(⟨m²⟩ − ⟨|m|⟩²) vs L (log-log)".into(),
            x_label: "L".into(),
            y_label: "χ".into(),
            x_tick: pow2_tick,
            y_tick: pow10_tick,
            points: points_of(r, |p| {
                let y = p.chi.value.log10();
                (log2(p.l), y, p.chi.error / p.chi.value / 10f64.ln())
            }),
            lines,
        },
    )?);
    let span = |r: &IsingReport| {
        let ls = r.series.iter().flat_map(|s| s.points.iter().map(|p| p.l));
        let (a, b) = ls.fold((usize::MAX, 0), |a, l| (a.0.min(l), a.1.max(l)));
        (log2(a), log2(b))
    };
    let (lo, hi) = span(r);
    out.push(panel_figure(
        dir,
        "v4",
        &Panel {
            caption: "Binder ratio V4 = ⟨m⁴⟩/⟨m²⟩² vs L".into(),
            x_label: "L".into(),
            y_label: "V4".into(),
            x_tick: pow2_tick,
            y_tick: plain_tick,
            points: points_of(r, |p| (log2(p.l), p.v4.value, p.v4.error)),
            lines: vec![(
                "V4* = 1.16792 (exact)".into(),
                BLACK,
                true,
                vec![(lo, V4_STAR), (hi, V4_STAR)],
            )],
        },
    )?);
    let exact_c: Vec<(f64, f64)> = r
        .exact
        .iter()
        .map(|&(l, _, c)| ((l as f64).ln(), c))
        .collect();
    out.push(panel_figure(
        dir,
        "specific_heat",
        &Panel {
            caption: "Specific heat C = K²L²(⟨e²⟩ − ⟨e⟩²) vs ln L".into(),
            x_label: "ln L".into(),
            y_label: "C".into(),
            x_tick: plain_tick,
            y_tick: plain_tick,
            points: points_of(r, |p| {
                (
                    (p.l as f64).ln(),
                    p.specific_heat.value,
                    p.specific_heat.error,
                )
            }),
            lines: vec![("exact (Kaufman)".into(), BLACK, false, exact_c)],
        },
    )?);
    let exact_e: Vec<(f64, f64)> = r.exact.iter().map(|&(l, e, _)| (log2(l), e)).collect();
    out.push(panel_figure(
        dir,
        "energy",
        &Panel {
            caption: "Energy per site e vs L".into(),
            x_label: "L".into(),
            y_label: "e".into(),
            x_tick: pow2_tick,
            y_tick: plain_tick,
            points: points_of(r, |p| (log2(p.l), p.energy.value, p.energy.error)),
            lines: vec![
                ("exact (Kaufman)".into(), BLACK, false, exact_e),
                (
                    "−√2 (L = ∞)".into(),
                    BLACK,
                    true,
                    vec![(lo, -2f64.sqrt()), (hi, -2f64.sqrt())],
                ),
            ],
        },
    )?);
    if !r.nis.is_empty() {
        out.push(panel_figure(
            dir,
            "ess",
            &Panel {
                caption: "Exact-weight generator: ESS/N and Metropolis acceptance vs L".into(),
                x_label: "L".into(),
                y_label: "ESS/N, acceptance".into(),
                x_tick: pow2_tick,
                y_tick: plain_tick,
                points: vec![
                    (
                        "ESS/N".into(),
                        PALETTE_DREAM[1],
                        false,
                        r.nis
                            .iter()
                            .map(|n| (log2(n.l), n.ess_per_sample, 0.0))
                            .collect(),
                    ),
                    (
                        "independence-Metropolis acceptance".into(),
                        PALETTE_MC[1],
                        true,
                        r.nis
                            .iter()
                            .map(|n| (log2(n.l), n.metropolis_acceptance, 0.0))
                            .collect(),
                    ),
                ],
                lines: Vec::new(),
            },
        )?);
    }
    Ok(out)
}

fn pm(e: &scalebridge::lattice::Estimate, digits: usize) -> String {
    format!("{:.*} ± {:.*}", digits, e.value, digits, e.error)
}

/// A table rendered both as Markdown (`table.md`) and as HTML (in the report).
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn markdown(&self) -> String {
        let cell = |c: &String| c.replace('|', "\\|");
        let mut t = format!(
            "| {} |\n|{}|\n",
            self.header.iter().map(cell).collect::<Vec<_>>().join(" | "),
            self.header
                .iter()
                .map(|_| "---")
                .collect::<Vec<_>>()
                .join("|")
        );
        for r in &self.rows {
            let _ = writeln!(
                t,
                "| {} |",
                r.iter().map(cell).collect::<Vec<_>>().join(" | ")
            );
        }
        t
    }

    fn html(&self) -> String {
        let row = |tag: &str, cells: &[String]| {
            let inner: String = cells
                .iter()
                .map(|c| format!("<{tag}>{}</{tag}>", escape(c)))
                .collect();
            format!("<tr>{inner}</tr>")
        };
        let body: String = self.rows.iter().map(|r| row("td", r)).collect();
        format!("<table>{}{body}</table>", row("th", &self.header))
    }
}

fn strings<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// The exact-weight generator's runs: ESS, acceptance, `ln Z` against Kaufman, time.
fn nis_table(r: &IsingReport) -> Table {
    Table {
        header: strings([
            "L",
            "n",
            "ESS/N",
            "Metropolis acceptance",
            "ln Z/N",
            "Kaufman",
            "deviation / σ",
            "V4 unweighted",
            "ms per sample",
        ]),
        rows: r
            .nis
            .iter()
            .map(|n| {
                let z = &n.ln_z_per_site;
                vec![
                    n.l.to_string(),
                    n.n.to_string(),
                    format!("{:.4}", n.ess_per_sample),
                    format!("{:.4}", n.metropolis_acceptance),
                    format!("{:.9} ± {:.9}", z.value, z.error),
                    format!("{:.9}", n.ln_z_exact),
                    format!("{:+.2}", (z.value - n.ln_z_exact) / z.error),
                    format!("{:.4}", n.generator_v4),
                    format!("{:.2}", 1e3 * n.seconds_per_sample),
                ]
            })
            .collect(),
    }
}

/// The per-size table and the per-series scaling table.
fn tables(r: &IsingReport) -> [Table; 2] {
    let mut sizes = Table {
        header: strings([
            "series",
            "L",
            "n",
            "χ",
            "V4",
            "C",
            "C exact",
            "e",
            "e exact",
            "⟨|m|⟩",
        ]),
        rows: Vec::new(),
    };
    for s in &r.series {
        for p in &s.points {
            let ex = r.exact.iter().find(|x| x.0 == p.l);
            sizes.rows.push(vec![
                s.label.clone(),
                p.l.to_string(),
                p.n.to_string(),
                pm(&p.chi, 3),
                pm(&p.v4, 4),
                pm(&p.specific_heat, 3),
                ex.map_or(String::new(), |x| format!("{:.3}", x.2)),
                pm(&p.energy, 5),
                ex.map_or(String::new(), |x| format!("{:.5}", x.1)),
                pm(&p.abs_m, 4),
            ]);
        }
    }
    let scaling = Table {
        header: strings([
            "series",
            "γ/ν (exact 1.75)",
            "fit sizes",
            "V4 change",
            "between",
        ]),
        rows: r
            .series
            .iter()
            .map(|s| {
                vec![
                    s.label.clone(),
                    s.gamma_over_nu.map_or("—".into(), |g| pm(&g, 3)),
                    s.fit_l
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.v4_change.map_or("—".into(), |(_, _, c)| {
                        format!("{:+.2}% ± {:.2}%", 100.0 * c.value, 100.0 * c.error)
                    }),
                    s.v4_change
                        .map_or(String::new(), |(a, b, _)| format!("L = {a} and {b}")),
                ]
            })
            .collect(),
    };
    [sizes, scaling]
}

/// The Markdown tables (`table.md`).
pub fn table(r: &IsingReport) -> String {
    let [sizes, scaling] = tables(r);
    let mut t = format!("{}\n{}", sizes.markdown(), scaling.markdown());
    if !r.nis.is_empty() {
        t.push('\n');
        t.push_str(&nis_table(r).markdown());
    }
    t
}

/// Draws the figures into `dir/figures/` and writes `dir/report.html`, `dir/table.md` and
/// `dir/report.json`. Returns the files written.
pub fn write_ising_report(dir: &Path, r: &IsingReport) -> Result<Vec<PathBuf>, Error> {
    crate::register_font_once();
    let fig_dir = dir.join("figures");
    scalebridge::io::create_dir(&fig_dir)?;
    let figs = figures(&fig_dir, r)?;
    let tab = table(r);
    let mut files: Vec<PathBuf> = figs
        .iter()
        .flat_map(|f| [f.png.clone(), f.svg.clone()])
        .collect();
    let md = dir.join("table.md");
    scalebridge::io::write_atomic(&md, |w| std::io::Write::write_all(w, tab.as_bytes()))?;
    files.push(md);
    let json = dir.join("report.json");
    scalebridge::io::write_json(&json, r)?;
    files.push(json);
    let mut h = page_start(&r.title, &r.summary);
    h.push_str("</ul>");
    for t in tables(r) {
        h.push_str(&t.html());
    }
    if !r.nis.is_empty() {
        h.push_str("<h2>Exact-weight generator (importance sampling)</h2>");
        h.push_str(&nis_table(r).html());
    }
    for f in &figs {
        h.push_str(&figure_html(f));
    }
    page_end(&mut h);
    let html = dir.join("report.html");
    scalebridge::io::write_atomic(&html, |w| std::io::Write::write_all(w, h.as_bytes()))?;
    files.push(html);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::coord::ranged1d::Ranged;
    use plotters::coord::types::RangedCoordf64;

    /// Every power of two from the smallest to the largest `L` gets its label: plotters' key
    /// points over [`x_range`] include every integer `log₂ L`, for `L` from 2 to 2¹⁵ (with the
    /// 5 % padding the ranges 16–256 and 32–512, among others, lost their last label).
    #[test]
    fn every_power_of_two_is_labelled() {
        for lo in 1..14 {
            for hi in lo + 1..16 {
                let r: RangedCoordf64 = x_range(lo as f64, hi as f64).into();
                let labels: Vec<String> =
                    r.key_points(X_LABELS).into_iter().map(pow2_tick).collect();
                for i in lo..=hi {
                    let want = (1u64 << i).to_string();
                    assert!(
                        labels.contains(&want),
                        "L = {want} unlabelled on 2^{lo}..2^{hi}"
                    );
                }
            }
        }
    }
}
