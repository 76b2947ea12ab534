//! The learner's scaling study (issue 11): time against the number of experiments `N`, the
//! number of bins `nc` and the interaction range `M`, on log–log axes, with the fitted power
//! law of each (drawn by `cargo bench -p scalebridge-report --bench learn_scaling`).

use crate::figures::Figure;
use crate::ising::{Panel, panel_figure};
use plotters::style::RGBColor;
use scalebridge::Error;
use std::path::Path;

/// Tick label of a log10 axis: the value itself where it is within 3% of a 1-2-3-5 number
/// (1, 2, 3, 5, 10, 20, …), else nothing.
fn log_tick(v: f64) -> String {
    let x = 10f64.powf(v);
    let decade = 10f64.powf(v.floor());
    for m in [1.0, 2.0, 3.0, 5.0, 10.0] {
        let n = m * decade;
        if (x / n - 1.0).abs() < 0.03 {
            return if n >= 1.0 {
                format!("{}", n.round() as u64)
            } else {
                format!("{n}")
            };
        }
    }
    String::new()
}

/// One sweep of the study: what varies, and `(value, seconds)` per point.
#[derive(Clone, Debug)]
pub struct ScalingSeries {
    /// The variable (`N`, `nc`, `M`).
    pub variable: String,
    /// What is held fixed, for the caption.
    pub fixed: String,
    /// `(value of the variable, seconds)`.
    pub points: Vec<(f64, f64)>,
}

/// The least-squares slope and intercept of `ln y` against `ln x`: `y ≈ e^b x^a`.
pub fn power_law(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    for &(x, y) in points {
        let (lx, ly) = (x.ln(), y.ln());
        sx += lx;
        sy += ly;
        sxx += lx * lx;
        sxy += lx * ly;
    }
    let a = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    (a, (sy - a * sx) / n)
}

/// Draws `learn_scaling_{variable}.png/.svg` in `dir`: the measured times and the fitted power
/// law, on log–log axes.
pub fn write_scaling_figure(dir: &Path, s: &ScalingSeries) -> Result<Figure, Error> {
    crate::register_font_once();
    let (a, b) = power_law(&s.points);
    let (x0, x1) = s
        .points
        .iter()
        .fold((f64::INFINITY, 0.0f64), |r, p| (r.0.min(p.0), r.1.max(p.0)));
    let line: Vec<(f64, f64)> = (0..=20)
        .map(|k| {
            let x = x0 * (x1 / x0).powf(k as f64 / 20.0);
            (x.log10(), (b + a * x.ln()).exp().log10())
        })
        .collect();
    let panel = Panel {
        caption: format!("learn: time against {} ({})", s.variable, s.fixed),
        x_label: format!("{} (log scale)", s.variable),
        y_label: "seconds (log scale)".into(),
        x_tick: log_tick,
        y_tick: log_tick,
        points: vec![(
            "measured (2 cores)".into(),
            RGBColor(20, 70, 170),
            false,
            s.points
                .iter()
                .map(|&(x, t)| (x.log10(), t.log10(), 0.0))
                .collect(),
        )],
        lines: vec![(
            format!("fit: time ∝ {}^{a:.2}", s.variable),
            RGBColor(200, 40, 30),
            true,
            line,
        )],
    };
    let stem = format!("learn_scaling_{}", s.variable.to_lowercase());
    panel_figure(dir, &stem, &panel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_law_recovers_an_exact_one() {
        let pts: Vec<(f64, f64)> = [1.0, 10.0, 100.0, 1000.0]
            .iter()
            .map(|&x: &f64| (x, 0.5 * x.powf(1.3)))
            .collect();
        let (a, b) = power_law(&pts);
        assert!((a - 1.3).abs() < 1e-12 && (b - 0.5f64.ln()).abs() < 1e-12);
    }
}
