//! `scalebridge ising fit-lift`: maximum-likelihood fit of the coarse-to-fine rule.

use crate::cli::FitLiftArgs;
use anyhow::Result;
use scalebridge::lattice::rg::lift::MAX_NEWTON;
use scalebridge::pipeline::ising::fit_lift_job;

pub fn run(a: FitLiftArgs) -> Result<()> {
    let file = fit_lift_job(&a.data, a.kernel, a.k, a.seed, &a.out)?;
    let f = &file.fit;
    let params: Vec<String> = f
        .classes
        .iter()
        .zip(f.theta.iter().zip(&f.std_error))
        .map(|((p, q), (t, s))| format!("w({p},{q}) = {t:.4} ± {s:.4}"))
        .collect();
    println!(
        "{}×{} rule from {} configurations (L = {}): {}; log-likelihood per spin {:.5} ({} Newton iterations)",
        f.kernel,
        f.kernel,
        f.configurations,
        file.l,
        params.join(", "),
        f.log_likelihood_per_spin,
        f.iterations
    );
    if !f.converged {
        eprintln!(
            "warning: Newton's method did not converge in {MAX_NEWTON} iterations (lift.json says converged: false)"
        );
    }
    Ok(())
}
