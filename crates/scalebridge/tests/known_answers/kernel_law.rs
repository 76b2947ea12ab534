//! The conservative kernel law (SPEC A.9) fitted by plain least squares to advection–diffusion
//! experiments (64, `A ~ U(0, 2)`, the defaults): the constant kernel is SPEC A.8's exact
//! displacement law on bins. What the least squares can and cannot know: `X1` is the centred
//! log of the counts after one step (`log(m + ½)`), so counts of ~100 per bin add noise of
//! ~0.1 per bin and an O(1/m) bias; 64 × 24 residuals then fix each `K_b` to a few 1e-3.

use scalebridge::law::kernel::{HopFeature, Local, fit_least_squares};
use scalebridge::walkers::{SimulationConfig, SystemKind};

#[test]
fn least_squares_kernel_matches_the_exact_advection_diffusion_law() {
    let cfg = SimulationConfig {
        system: Some(SystemKind::Advdiff),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let e = cfg.run_controlled(64, 11, &|_| {}).unwrap();
    let pairs: Vec<(Vec<f64>, Vec<f64>)> = (0..64)
        .map(|i| {
            let x0 = e.x0.row(i).to_vec();
            let logs: Vec<f64> = e
                .counts
                .row(i)
                .iter()
                .map(|&c| (c as f64 + 0.5).ln())
                .collect();
            let mean = logs.iter().sum::<f64>() / logs.len() as f64;
            (x0, logs.iter().map(|v| v - mean).collect())
        })
        .collect();
    let features: Vec<Box<dyn HopFeature>> = vec![Box::new(Local::Constant)];
    let fit = fit_least_squares(2, features, &pairs, 200).unwrap();
    assert!(fit.converged);
    let k = fit.law.kernel(&[0.0; 24]);
    let exact = crate::learn::kernel();
    for b in -2i64..=2 {
        let want = exact.iter().find(|(d, _)| *d == b).map_or(0.0, |x| x.1);
        let got = k[(b + 2) as usize];
        eprintln!("K({b:+}) = {got:.4}, exact {want:.4}");
        assert!(
            (got - want).abs() < 0.01,
            "K({b:+}) = {got:.4}, exact {want:.4}"
        );
    }
}
