//! Advection–diffusion: the per-step simulator and the exact sampler agree in distribution,
//! and their moments match `va`, `D`.

use crate::stats::{chi_square, chi_square_critical, moments};
use scalebridge::Domain;
use scalebridge::rng::stream;
use scalebridge::walkers::systems::{AdvDiffSampler, AdvectionDiffusion, FineState, FineSystem};

const KL: f64 = 0.195;
const KR: f64 = 0.205;
const DY: f64 = 3.875e-3;
const DT: f64 = 2.5e-3;

fn system(steps: usize, sampler: AdvDiffSampler) -> AdvectionDiffusion {
    AdvectionDiffusion::new(Domain::default(), KL, KR, DY, DT, steps, sampler).unwrap()
}

/// Chi-square goodness of fit of both samplers' displacement histograms against the exact
/// law, and of the two histograms against each other, at several `s`.
#[test]
fn per_step_and_exact_samplers_agree_in_distribution() {
    let n = 200_000usize;
    for (case, &s) in [1usize, 7, 60, 400].iter().enumerate() {
        let sys = system(s, AdvDiffSampler::PerStep);
        let pmf = sys.kernel().pmf();
        let mut rng = stream(101, 1, case as u64);
        let mut h_step = vec![0.0; 2 * s + 1];
        let mut h_exact = vec![0.0; 2 * s + 1];
        for _ in 0..n {
            h_step[(sys.net_displacement_per_step(&mut rng) + s as i64) as usize] += 1.0;
            h_exact[(sys.kernel().sample(&mut rng) + s as i64) as usize] += 1.0;
        }
        let expected: Vec<f64> = pmf.iter().map(|p| p * n as f64).collect();
        for (name, h) in [("per-step", &h_step), ("exact", &h_exact)] {
            let (stat, dof) = chi_square(h, &expected);
            let crit = chi_square_critical(dof, 1e-3);
            assert!(
                stat < crit,
                "s = {s}, {name}: chi2 = {stat:.1} > {crit:.1} (dof {dof})"
            );
        }
        // two-sample: expected of each is the pooled mean of both
        let pooled: Vec<f64> = h_step
            .iter()
            .zip(&h_exact)
            .map(|(a, b)| (a + b) / 2.0)
            .collect();
        let (s1, dof) = chi_square(&h_step, &pooled);
        let (s2, _) = chi_square(&h_exact, &pooled);
        let crit = chi_square_critical(dof, 1e-3);
        assert!(
            s1 + s2 < crit,
            "s = {s}: two-sample chi2 {:.1} > {crit:.1}",
            s1 + s2
        );
    }
}

/// Through the `FineSystem` interface: walkers start at 0, one coarse step `Δt = s·δt`; the mean
/// displacement is `va·Δt` and the variance `2DΔt·(1 - (kr-kl)²/(kl+kr))` (the trinomial step
/// variance `(kl+kr) - (kr-kl)²` in units of `δy²`).
#[test]
fn moments_match_velocity_and_diffusion() {
    let nf = 100_000;
    for (i, sampler) in [AdvDiffSampler::Exact, AdvDiffSampler::PerStep]
        .into_iter()
        .enumerate()
    {
        let sys = system(400, sampler);
        let mut state = FineState {
            positions: vec![0.0; nf],
            coarse: None,
        };
        sys.advance(&mut state, &mut stream(7, 2, i as u64))
            .unwrap();
        let (mean, var, se_m, se_v) = moments(&state.positions);
        let dt = sys.coarse_dt();
        let va = sys.velocity();
        let d = sys.diffusion();
        assert!((va - 1.55e-2).abs() < 1e-12 && (d - 1.20125e-3).abs() < 1e-12);
        let exp_var = 2.0 * d * dt * (1.0 - (KR - KL).powi(2) / (KL + KR));
        assert!(
            (mean - va * dt).abs() < 5.0 * se_m,
            "{sampler:?}: mean {mean} vs {}",
            va * dt
        );
        assert!(
            (var - exp_var).abs() < 5.0 * se_v,
            "{sampler:?}: var {var} vs {exp_var}"
        );
    }
}
