//! Burgers walkers: mass conservation, steepening of a bump, mean velocity `c·⟨ρ̂⟩`.

use crate::stats::moments;
use scalebridge::Domain;
use scalebridge::rng::{stream, uniform};
use scalebridge::walkers::restrict::bin_counts;
use scalebridge::walkers::systems::{BurgersWalkers, FineState, FineSystem};

const DY: f64 = 3.875e-3;
const DT: f64 = 2.5e-3;

fn burgers(c: f64, steps: usize) -> BurgersWalkers {
    BurgersWalkers::new(Domain::default(), 0.2, c, 0.04, DY, DT, steps)
}

/// `nf` walkers drawn (by rejection) from the smooth bump `ρ0(y) ∝ exp(2 cos πy)` on [-1, 1).
/// Its steepest downhill slope is `max|ρ0'| ≈ 4.10`, so inviscid Burgers with `u = 2cρ`,
/// `c = 0.05` breaks at `t* = 1/(2c·4.10) ≈ 2.4 Δt`.
fn bump(nf: usize, seed: u64) -> Vec<f64> {
    let mut rng = stream(seed, 0, 0);
    let mut out = Vec::with_capacity(nf);
    while out.len() < nf {
        let y = -1.0 + 2.0 * uniform(&mut rng);
        if uniform(&mut rng) < (2.0 * ((std::f64::consts::PI * y).cos() - 1.0)).exp() {
            out.push(y);
        }
    }
    out
}

/// Largest downhill density gradient `max_j (ρ_j - ρ_{j+1})/Δy` on `nb` bins (density per
/// unit length); for `c > 0` the shock forms on the downhill side ahead of the peak.
fn steepest_front(pos: &[f64], nb: usize) -> f64 {
    let d = Domain::default();
    let dy = d.bin_width(nb);
    let c = bin_counts(pos, &d, nb);
    let rho: Vec<f64> = c
        .iter()
        .map(|&m| m as f64 / (pos.len() as f64 * dy))
        .collect();
    (0..nb)
        .map(|j| (rho[j] - rho[(j + 1) % nb]) / dy)
        .fold(f64::MIN, f64::max)
}

#[test]
fn mass_is_conserved_and_walkers_move_at_most_s_dy() {
    let sys = burgers(0.05, 50);
    let start = bump(5000, 3);
    let mut state = FineState {
        positions: start.clone(),
        coarse: None,
    };
    sys.advance(&mut state, &mut stream(3, 1, 0)).unwrap();
    let d = Domain::default();
    assert_eq!(state.positions.len(), start.len());
    assert_eq!(
        bin_counts(&state.positions, &d, 24).iter().sum::<i64>(),
        5000
    );
    for (a, b) in start.iter().zip(&state.positions) {
        assert!(d.contains(*b));
        // walker identity is kept: each moved at most s·δy (periodically)
        assert!(d.distance(*a, *b) <= 50.0 * DY + 1e-9);
    }
}

/// With `c = 0.05` the downhill front of the bump steepens into a shock by 3 Δt (Burgers);
/// with `c = 0` the same walkers only diffuse and the front does not steepen. Noise: 40 000
/// walkers on 24 bins put ~1 700 walkers in a bin, so the finite-difference gradient is known
/// to ≈ 0.2 against a start of ≈ 3.9 and a shock of > 10.
#[test]
fn a_bump_steepens_under_burgers_and_not_under_diffusion() {
    let nb = 24;
    let start = bump(40_000, 5);
    let g0 = steepest_front(&start, nb);
    let run = |c: f64| {
        let sys = burgers(c, 400);
        let mut state = FineState {
            positions: start.clone(),
            coarse: None,
        };
        let mut rng = stream(5, 1, (c * 100.0) as u64);
        for _ in 0..3 {
            sys.advance(&mut state, &mut rng).unwrap();
        }
        steepest_front(&state.positions, nb)
    };
    let g_burgers = run(0.05);
    let g_diffusion = run(0.0);
    eprintln!("front gradient: start {g0:.3}, Burgers {g_burgers:.3}, diffusion {g_diffusion:.3}");
    assert!(
        g_burgers > 2.0 * g0,
        "front gradient {g0:.3} -> {g_burgers:.3}: no steepening"
    );
    assert!(
        g_diffusion < 1.1 * g0,
        "diffusion alone steepened: {g0:.3} -> {g_diffusion:.3}"
    );
}

/// In a uniform state one FG step moves a walker by `+δy` w.p. `k + aρ̂` and `-δy` w.p.
/// `k - aρ̂`, so its mean velocity is `c·ρ̂`. Over i.i.d. uniform walkers
/// `E[ρ̂] = (1 + (nf-1)·2w/L)/(nf·2w) = ρ + 1/(2w·nf) - 1/(nf·L)` (the walker counts itself).
/// `c = 0.5` makes the drift large against the diffusion noise without clipping
/// (`aρ̂ ≈ 0.08 < k`); 2.4 M walker-steps give a standard error of ≈ 6e-4 against a 1%
/// self-count effect of 2.5e-3.
#[test]
fn mean_velocity_in_uniform_state_is_c_times_mean_local_density() {
    let (nf, reps, c) = (2400usize, 1000usize, 0.5);
    let sys = burgers(c, 1);
    let d = Domain::default();
    let mut rng = stream(9, 0, 0);
    let mut v = Vec::with_capacity(nf * reps);
    let mut rho_sum = 0.0;
    for _ in 0..reps {
        let start: Vec<f64> = (0..nf).map(|_| -1.0 + 2.0 * uniform(&mut rng)).collect();
        rho_sum += sys.local_density(&start).iter().sum::<f64>();
        let mut state = FineState {
            positions: start.clone(),
            coarse: None,
        };
        sys.advance(&mut state, &mut rng).unwrap();
        for (a, b) in start.iter().zip(&state.positions) {
            // unwrap the periodic displacement (|Δ| ≤ δy)
            let mut dis = b - a;
            if dis > 1.0 {
                dis -= d.length();
            } else if dis < -1.0 {
                dis += d.length();
            }
            v.push(dis / DT);
        }
    }
    let w = 0.04;
    let rho_hat_exact = (1.0 + (nf as f64 - 1.0) * 2.0 * w / 2.0) / (nf as f64 * 2.0 * w);
    let rho_hat_measured = rho_sum / (nf * reps) as f64;
    assert!((rho_hat_measured - rho_hat_exact).abs() < 2e-3 * rho_hat_exact);
    let (mean, _, se, _) = moments(&v);
    assert!(
        (mean - c * rho_hat_exact).abs() < 4.0 * se,
        "mean velocity {mean:.5} vs c<rho_hat> = {:.5} (se {se:.1e})",
        c * rho_hat_exact
    );
}
