//! `scalebridge run`: the whole walker pipeline (library: `scalebridge::pipeline::run`), then
//! its report.

use crate::cli::RunArgs;
use crate::progress::Bars;
use anyhow::Result;
use scalebridge::pipeline::run::{RunConfig, run as run_pipeline};
use std::path::PathBuf;
use std::time::Instant;

pub fn run(args: RunArgs) -> Result<()> {
    let started = Instant::now();
    let mut cfg = match &args.config {
        Some(p) => RunConfig::from_file(p)?,
        None => RunConfig::demo()?,
    };
    if args.quick {
        cfg = cfg.quick();
    }
    let out: PathBuf = args.out.clone().unwrap_or_else(|| cfg.out.clone());
    let say = |msg: &str| {
        if !args.quiet {
            eprintln!("[{:6.2} s] {msg}", started.elapsed().as_secs_f64());
        }
    };
    let r = run_pipeline(&cfg, &out, args.quick, &say, &Bars::new(args.quiet))?;
    if let Some(w) = &r.predicted.extrapolation {
        eprintln!("warning: {w}");
    }
    say("drawing the report");
    let pred = &cfg.predict;
    scalebridge_report::write_report(
        &out,
        &scalebridge_report::ReportInput {
            title: format!("scalebridge run — {} walkers", cfg.system.system),
            summary: r.summary.clone(),
            posterior: &r.posterior,
            prediction: &r.predicted.prediction,
            bins: &pred.bins,
            pairs: &r.predicted.pairs,
            reference: Some(&r.reference),
            coverage: &r.predicted.coverage,
            level: pred.level,
            domain: cfg.system.domain,
            laws: &r.laws,
        },
    )?;
    if !args.quiet {
        println!(
            "{} — {} ({} experiments, horizon {})",
            out.display(),
            cfg.system.system,
            cfg.n,
            pred.horizon
        );
        for c in &r.predicted.coverage {
            println!(
                "  {:>3} bins: {:.0}% band covers {:.1}% of (replica, bin) values over t >= Δt (min over times {:.1}%), mean relative L1 error {:.3}",
                c.bins,
                100.0 * pred.level,
                100.0 * c.coverage_total,
                100.0 * c.coverage[1..].iter().copied().fold(1.0, f64::min),
                c.rel_l1_error_mean
            );
        }
        println!(
            "  predicted {} samples in {:.2} s; whole pipeline {:.1} s",
            pred.samples,
            r.predicted.seconds,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
