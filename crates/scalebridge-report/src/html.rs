//! `report.html`: self-contained (inline SVG figures, inline CSS), opens offline.

use crate::ReportInput;
use crate::figures::Figure;
use scalebridge::Error;
use std::fmt::Write as _;
use std::path::Path;

/// A figure as an HTML `<figure>` with its SVG inlined.
pub(crate) fn figure_html(f: &Figure) -> String {
    format!(
        "<figure><figcaption><b>{}</b> ({}.png, {}.svg)</figcaption>{}</figure>",
        escape(&f.title),
        f.stem,
        f.stem,
        f.svg_text.trim_start_matches(|c| c != '<')
    )
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The start of a report page: head with the shared style, the title, the summary list (open).
pub(crate) fn page_start(title: &str, summary: &[String]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}</title><style>\
         body{{font-family:sans-serif;max-width:1150px;margin:auto;padding:1em;color:#222}}\
         table{{border-collapse:collapse;margin:0.5em 0}}td,th{{border:1px solid #bbb;padding:2px 8px;text-align:right}}\
         th{{background:#eef}}pre{{background:#f6f6f6;padding:0.6em}}figure{{margin:1em 0}}svg{{max-width:100%;height:auto}}\
         </style></head><body><h1>{t}</h1><ul>",
        t = escape(title)
    );
    for line in summary {
        let _ = write!(h, "<li>{}</li>", escape(line));
    }
    h
}

/// Closes a report page with the version line.
pub(crate) fn page_end(h: &mut String) {
    let _ = writeln!(
        h,
        "<p>scalebridge {}</p></body></html>",
        env!("CARGO_PKG_VERSION")
    );
}

/// The laws a run learned, side by side: evidence, and how each one's prediction did.
fn law_table(h: &mut String, input: &ReportInput<'_>) {
    let best = input
        .laws
        .iter()
        .map(|l| l.elbo_active)
        .fold(f64::NEG_INFINITY, f64::max);
    let _ = write!(
        h,
        "<h2>Laws compared</h2><p>Each law learned on the same experiments and predicting from the same initial state; the one shown in this report is the one whose active terms have the highest ELBO (the full ELBO also counts every pruned candidate term, at 21.6 nats each with the default priors, whatever the data). Error: mean relative L1 error of the predictive mean over t ≥ Δt; band area: Σ(q_hi − q_lo)/Σ mean.</p><table><tr><th>law</th><th>ELBO</th><th>ELBO of the active terms</th><th>the same − best</th>"
    );
    let binnings: Vec<usize> = input.laws[0].coverage.iter().map(|c| c.bins).collect();
    for b in &binnings {
        let _ = write!(
            h,
            "<th>coverage, {b} bins</th><th>error, {b} bins</th><th>band area, {b} bins</th>"
        );
    }
    h.push_str("<th>shown</th></tr>");
    for l in input.laws {
        let _ = write!(
            h,
            "<tr><td style=\"text-align:left\">{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td>",
            escape(&l.law.summary()),
            l.elbo,
            l.elbo_active,
            l.elbo_active - best
        );
        for c in &l.coverage {
            let _ = write!(
                h,
                "<td>{:.1}%</td><td>{:.3}</td><td>{:.2}</td>",
                100.0 * c.coverage_total,
                c.rel_l1_error_mean,
                c.band_area
            );
        }
        let _ = write!(h, "<td>{}</td></tr>", if l.chosen { "yes" } else { "" });
    }
    h.push_str("</table>");
}

pub fn write(path: &Path, input: &ReportInput<'_>, figures: &[Figure]) -> Result<(), Error> {
    let mut h = page_start(&input.title, &input.summary);
    h.push_str("</ul>");
    if input.laws.len() > 1 {
        law_table(&mut h, input);
    }
    let _ = write!(
        h,
        "<h2>Learned law</h2><pre>{}</pre>",
        escape(&input.posterior.equation())
    );
    if !input.coverage.is_empty() {
        let _ = write!(
            h,
            "<h2>Coverage and error per time</h2><p>Share of (replica, bin) densities inside the {:.0}% band — each replica judged on its own — and the relative L1 error of the predictive mean against the replica mean.</p><table><tr><th>t</th>",
            100.0 * input.level
        );
        for c in input.coverage {
            let _ = write!(
                h,
                "<th>coverage, {} bins</th><th>rel. L1 error, {} bins</th>",
                c.bins, c.bins
            );
        }
        let _ = write!(h, "</tr>");
        for (k, t) in input.prediction.t.iter().enumerate() {
            let _ = write!(h, "<tr><td>{t:.4}</td>");
            for c in input.coverage {
                let _ = write!(
                    h,
                    "<td>{:.1}%</td><td>{:.3}</td>",
                    100.0 * c.coverage[k],
                    c.rel_l1_error[k]
                );
            }
            let _ = write!(h, "</tr>");
        }
        let _ = write!(h, "<tr><th>t ≥ Δt</th>");
        for c in input.coverage {
            let _ = write!(
                h,
                "<th>{:.1}%</th><th>{:.3}</th>",
                100.0 * c.coverage_total,
                c.rel_l1_error_mean
            );
        }
        let _ = write!(h, "</tr></table>");
    }
    let _ = write!(h, "<h2>Figures</h2>");
    for f in figures {
        h.push_str(&figure_html(f));
    }
    let p = input.posterior;
    let _ = write!(
        h,
        "<h2>All coefficients</h2><table><tr><th>#</th><th>term</th><th>mean</th><th>marginal std</th><th>mean-field std</th><th>active</th></tr>"
    );
    for l in 0..p.names.len() {
        let _ = write!(
            h,
            "<tr><td>{l}</td><td style=\"text-align:left\">{}</td><td>{:+.5}</td><td>{:.5}</td><td>{:.5}</td><td>{}</td></tr>",
            escape(&p.names[l]),
            p.theta_mean[l],
            p.theta_std_marginal[l],
            p.theta_std[l],
            if p.active[l] { "yes" } else { "" }
        );
    }
    h.push_str("</table>");
    page_end(&mut h);
    scalebridge::io::write_atomic(path, |w| std::io::Write::write_all(w, h.as_bytes()))
}
