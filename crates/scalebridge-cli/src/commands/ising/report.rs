//! `scalebridge ising report`: χ, V4, C and energy vs L for Monte Carlo and dreamed ensembles.

use crate::cli::ReportArgs;
use anyhow::Result;
use scalebridge::io::{Manifest, OutputDir};
use scalebridge::lattice::analysis::study::assemble;
use scalebridge_report::write_ising_report;
use serde_json::json;

pub fn run(a: ReportArgs) -> Result<()> {
    let report = assemble(&a.mc, &a.dreamed, &a.nis, a.fit_min_l)?;
    let out = OutputDir::stage(&a.out)?;
    write_ising_report(out.staged(), &report)?;
    Manifest::new(
        "ising report",
        json!({ "mc": a.mc, "dreamed": a.dreamed, "nis": a.nis, "fit_min_L": a.fit_min_l }),
    )
    .write(out.staged())?;
    out.commit()?;
    for line in &report.summary {
        println!("{line}");
    }
    println!("report: {}", a.out.join("report.html").display());
    Ok(())
}
