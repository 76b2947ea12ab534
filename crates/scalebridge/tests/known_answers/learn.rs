//! The learner against known answers: the synthetic law (ground truth θ*), and the exact
//! one-step law of advection–diffusion (SPEC A.8), with replicate studies that assert the
//! calibration of the error bars (about a minute in CI).

use scalebridge::inference::{
    LatentMethod, Learner, LearnerParams, NoiseVar, Posterior, TrainingData,
};
use scalebridge::law::{FeatureLibrary, LinearLaw};
use scalebridge::math::centre;
use scalebridge::walkers::systems::AdvectionDiffusion;
use scalebridge::walkers::{SimulationConfig, SystemKind};

fn data(
    system: SystemKind,
    n: usize,
    seed: u64,
    amplitude: Option<f64>,
    nf: Option<usize>,
) -> TrainingData {
    let cfg = SimulationConfig {
        system: Some(system),
        amplitude,
        nf,
        ..Default::default()
    }
    .validate()
    .unwrap();
    let e = cfg.run_controlled(n, seed, &|_| {}).unwrap();
    TrainingData::from_experiments(&e).unwrap()
}

fn fit(d: &TrainingData, params: LearnerParams) -> Posterior {
    Learner::new(params.check().unwrap())
        .unwrap()
        .fit(d, &mut |_| {})
        .unwrap()
        .0
}

fn noise(p: &Posterior) -> f64 {
    match &p.noise_var {
        NoiseVar::Shared(v) => *v,
        NoiseVar::PerBin(v) => v.iter().sum::<f64>() / v.len() as f64,
    }
}

fn truth() -> Vec<(String, f64)> {
    LinearLaw::paper_synthetic_terms().into_iter().collect()
}

/// (mean, marginal std, active) of a named coefficient.
fn coef(p: &Posterior, name: &str) -> (f64, f64, bool) {
    let l = p.names.iter().position(|n| n == name).unwrap();
    (p.theta_mean[l], p.theta_std_marginal[l], p.active[l])
}

/// Mean-field std of a named coefficient.
fn mf_std(p: &Posterior, name: &str) -> f64 {
    p.theta_std[p.names.iter().position(|n| n == name).unwrap()]
}

fn active_names(p: &Posterior) -> Vec<String> {
    p.names
        .iter()
        .zip(&p.active)
        .filter(|(_, a)| **a)
        .map(|(n, _)| n.clone())
        .collect()
}

/// The ELBO never decreases on the fast path (shared and per-bin noise).
#[test]
fn elbo_is_non_decreasing() {
    let d = data(SystemKind::Synthetic, 48, 3, None, Some(1200));
    for per_bin in [false, true] {
        let p = fit(&d, LearnerParams::default().range(2).per_bin_noise(per_bin));
        for (k, w) in p.elbo_trace.windows(2).enumerate() {
            // a relative 1e-12 allows for the rounding of sums of ~1e5 terms
            assert!(
                w[1] >= w[0] - 1e-12 * w[0].abs(),
                "per_bin {per_bin}: sweep {k}: {} -> {}",
                w[0],
                w[1]
            );
        }
        assert!(p.converged);
    }
}

/// Synthetic, N = 128, one replicate: the four true terms and nothing else, coefficients close
/// to θ*, `1/⟨v⟩ < 1e-3`. (The 8-replicate study at N = 64, 128, 256 is
/// `synthetic_replicate_study`, ignored by default.) Tolerance 0.02: the replicate study
/// measured a spread of ≤ 0.004 at N = 128, so this is > 5 spreads.
#[test]
fn synthetic_law_is_recovered() {
    let d = data(SystemKind::Synthetic, 128, 11, None, None);
    let p = fit(&d, LearnerParams::default().range(2));
    let mut want: Vec<String> = truth().into_iter().map(|(n, _)| n).collect();
    let mut got = active_names(&p);
    want.sort();
    got.sort();
    assert_eq!(got, want);
    for (name, value) in truth() {
        let (m, _, _) = coef(&p, &name);
        assert!((m - value).abs() < 0.02, "{name}: {m} vs {value}");
    }
    assert!(noise(&p) < 1e-3, "1/<v> = {}", noise(&p));
}

/// Synthetic, N = 128, fitted with M = 2 (20 candidate terms) and M = 3 (35): both find the
/// four true terms. The full ELBO falls by the hyperprior's constant for each of the 15 extra
/// candidates ARD switches off (`pruned_candidate_elbo`, −21.6 nats; tolerance 1 nat per
/// candidate for their not-quite-limiting variances and the fits' own differences), while the
/// ELBO of the active law — what `compare` ranks by — changes by less than one candidate's
/// constant.
#[test]
fn pruned_candidates_change_the_elbo_but_not_the_active_laws() {
    use scalebridge::inference::evidence::pruned_candidate_elbo;
    let d = data(SystemKind::Synthetic, 128, 11, None, None);
    let p2 = fit(&d, LearnerParams::default().range(2));
    let p3 = fit(&d, LearnerParams::default().range(3));
    assert_eq!(active_names(&p2), active_names(&p3));
    let extra = (p3.names.len() - p2.names.len()) as f64;
    assert_eq!(extra, 15.0);
    let cost = pruned_candidate_elbo(&p2.params.priors);
    assert!((cost + 21.61).abs() < 0.01, "{cost}");
    let full = p3.elbo - p2.elbo;
    assert!(
        (full - extra * cost).abs() < extra,
        "full ELBO: M = 3 minus M = 2 = {full:.2}, {extra} pruned candidates x {cost:.2} = {:.2}",
        extra * cost
    );
    let (a2, a3) = (p2.active_law_elbo().unwrap(), p3.active_law_elbo().unwrap());
    eprintln!(
        "full ELBO {:.2} / {:.2}, active law {a2:.2} / {a3:.2}",
        p2.elbo, p3.elbo
    );
    assert!((a3 - a2).abs() < cost.abs(), "active law: {a2} vs {a3}");
    // compare ranks by the active law's ELBO, and shows both
    let paths = [std::path::Path::new("M2"), std::path::Path::new("M3")];
    let rows =
        scalebridge::pipeline::compare::compare(&[(paths[0], &p2), (paths[1], &p3)]).unwrap();
    let best = a2.max(a3);
    for (r, (p, a)) in rows.iter().zip([(&p2, a2), (&p3, a3)]) {
        assert_eq!((r.elbo, r.elbo_active, r.active), (p.elbo, a, 4));
        assert_eq!(r.best, a == best, "{r:?}");
        assert_eq!(r.elbo_active_minus_best, a - best);
    }
}

/// Same data, same seed: the same posterior, bit for bit, on 1 and 2 threads (both paths).
#[test]
fn posterior_is_bit_identical_across_thread_counts() {
    let d = data(SystemKind::Advdiff, 16, 4, Some(0.5), Some(600));
    for method in [LatentMethod::Newton, LatentMethod::Adam] {
        let params = LearnerParams {
            adam_steps: 20,
            ..LearnerParams::default()
                .range(1)
                .method(method)
                .seed(9)
                .max_iter(15)
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| serde_json::to_string(&fit(&d, params.clone())).unwrap())
        };
        assert_eq!(run(1), run(2), "{method:?}");
    }
}

/// The blocked products (several blocks of experiments: `N = 300`, 85 experiments a block at
/// `nc = 24`) give the same posterior, bit for bit, on 1, 2 and 3 threads — polynomial and
/// kernel laws.
#[test]
fn blocked_products_are_bit_identical_across_thread_counts() {
    let d = data(SystemKind::Advdiff, 300, 5, None, Some(600));
    let kernel = scalebridge::law::LawOptions {
        hop: Some(1),
        ..Default::default()
    }
    .spec("kernel")
    .unwrap();
    for params in [
        LearnerParams::default().range(2).max_iter(8),
        LearnerParams::default().law(kernel).max_iter(8),
    ] {
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| serde_json::to_string(&fit(&d, params.clone())).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
    }
}

/// The exact one-Δt law of advection–diffusion on the coarse bins:
/// `X'_j = log Σ_b K_b e^{X_{j-b}}`, centred.
fn exact_law(x0: &[f64], kb: &[(i64, f64)]) -> Vec<f64> {
    let nc = x0.len() as i64;
    let mut x: Vec<f64> = (0..nc)
        .map(|j| {
            kb.iter()
                .map(|(b, k)| k * x0[(j - b).rem_euclid(nc) as usize].exp())
                .sum::<f64>()
                .ln()
        })
        .collect();
    centre(&mut x);
    x
}

/// Least-squares projection of the exact law, evaluated at the training `X0`, onto the given
/// first-order terms: the best the learner can do with that active set.
fn projection(d: &TrainingData, kb: &[(i64, f64)], offsets: &[i64]) -> Vec<f64> {
    let lib = FeatureLibrary::polynomial(6, 1).unwrap();
    let l = offsets.len();
    let mut ata = vec![0.0; l * l];
    let mut atb = vec![0.0; l];
    for i in 0..d.n {
        let x0 = d.x0_row(i);
        let y = exact_law(x0, kb);
        let phi = lib.design(x0);
        for j in 0..d.nc {
            let row: Vec<f64> = offsets
                .iter()
                .map(|m| phi[j * 13 + (m + 6) as usize])
                .collect();
            for r in 0..l {
                atb[r] += row[r] * y[j];
                for c in 0..l {
                    ata[r * l + c] += row[r] * row[c];
                }
            }
        }
    }
    // Gaussian elimination (l ≤ 5)
    for col in 0..l {
        let piv = ata[col * l + col];
        for r in col + 1..l {
            let f = ata[r * l + col] / piv;
            for c in col..l {
                ata[r * l + c] -= f * ata[col * l + c];
            }
            atb[r] -= f * atb[col];
        }
    }
    let mut x = vec![0.0; l];
    for r in (0..l).rev() {
        let s: f64 = (r + 1..l).map(|c| ata[r * l + c] * x[c]).sum();
        x[r] = (atb[r] - s) / ata[r * l + r];
    }
    x
}

/// The exact one-step bin displacement law `K_b` of the default advection–diffusion system
/// (SPEC A.8) on `nc` bins, `b` in bins (hop right = positive).
pub(crate) fn kernel_at(nc: usize) -> Vec<(i64, f64)> {
    let sys = AdvectionDiffusion::new(
        scalebridge::Domain::default(),
        0.195,
        0.205,
        3.875e-3,
        2.5e-3,
        400,
        Default::default(),
    )
    .unwrap();
    sys.kernel().bin_transitions(3.875e-3, 2.0 / nc as f64)
}

/// [`kernel_at`] the default 24 bins.
pub(crate) fn kernel() -> Vec<(i64, f64)> {
    kernel_at(24)
}

struct AdvdiffReplicate {
    first_order: Vec<(i64, f64, f64)>,
    projected: Vec<f64>,
    second_order_share: f64,
    active: Vec<String>,
}

fn advdiff_small_amplitude(n: usize, seed: u64) -> AdvdiffReplicate {
    let d = data(SystemKind::Advdiff, n, seed, Some(0.2), None);
    let p = fit(&d, LearnerParams::default().range(6));
    let kb = kernel();
    let first: Vec<(i64, f64, f64)> = (-6..=6)
        .filter_map(|m: i64| {
            let name = if m == 0 {
                "X(j)".to_owned()
            } else if m > 0 {
                format!("X(j+{m})")
            } else {
                format!("X(j-{})", -m)
            };
            let (v, s, a) = coef(&p, &name);
            a.then_some((m, v, s))
        })
        .collect();
    let offsets: Vec<i64> = first.iter().map(|f| f.0).collect();
    let projected = projection(&d, &kb, &offsets);
    let top = p.contribution.iter().copied().fold(0.0, f64::max);
    let second: f64 = p
        .names
        .iter()
        .zip(&p.active)
        .zip(&p.contribution)
        .filter(|((n, a), _)| **a && n.contains('*'))
        .map(|(_, c)| *c)
        .sum();
    AdvdiffReplicate {
        first_order: first,
        projected,
        second_order_share: second / top,
        active: active_names(&p),
    }
}

/// Advection–diffusion at small amplitude (X0 std ≤ 0.2), N = 64: the law is the discrete
/// kernel. What holds (and is asserted): the active first-order terms lie in m ∈ {-2..2} and
/// include m = -1, 0, +1; θ(-1) > θ(+1) (drift to the right); each matches the least-squares
/// projection of the exact law `X' = log Σ K_b e^{X_{j-b}}` onto the same terms (which is
/// `K_{-m}` up to the O(A²) nonlinearity and the absorbed ±2 terms) within 4 marginal
/// standard deviations; and any active second-order terms are small (together < 15% of the
/// largest contribution).
#[test]
fn advdiff_small_amplitude_matches_the_kernel() {
    let r = advdiff_small_amplitude(64, 1);
    let offsets: Vec<i64> = r.first_order.iter().map(|f| f.0).collect();
    assert!(
        offsets.iter().all(|m| (-2..=2).contains(m)),
        "{:?}",
        r.active
    );
    for m in [-1, 0, 1] {
        assert!(offsets.contains(&m), "{:?}", r.active);
    }
    let get = |m: i64| r.first_order.iter().find(|f| f.0 == m).unwrap().1;
    assert!(get(-1) > get(1));
    for ((m, v, s), want) in r.first_order.iter().zip(&r.projected) {
        assert!(
            (v - want).abs() < 4.0 * s,
            "θ({m}) = {v:.4} ± {s:.4}, projection {want:.4}: {:.1} marginal std",
            (v - want).abs() / s
        );
    }
    assert!(
        r.second_order_share < 0.15,
        "{:?} share {}",
        r.active,
        r.second_order_share
    );
}

/// Fast (Newton/Jensen) and reference (ADAM/Monte Carlo) paths reach the same posterior on a
/// problem small enough for the reference path: the coefficients agree within their posterior
/// std (measured: within 0.05 std). The noise level does not agree exactly, and cannot: the
/// Jensen bound narrows the latent widths (`s² = 1/(v + nf ρ̃)` instead of `1/(v + nf ρ(1−ρ))`)
/// and shifts the latent means by O(s²), and `1/⟨v⟩` is itself O(s²) here (the latent
/// uncertainty makes up much of it), so the fast path's `1/⟨v⟩` comes out lower — measured
/// 26% lower on this problem. Asserted: lower, by less than half.
#[test]
fn fast_and_reference_paths_agree() {
    let d = data(SystemKind::Advdiff, 24, 2, Some(0.5), None);
    let base = LearnerParams::default().range(2).order(1);
    let newton = fit(&d, base.clone());
    let adam = fit(
        &d,
        LearnerParams {
            max_iter: 300,
            adam_steps: 100,
            ..base.method(LatentMethod::Adam).seed(1)
        },
    );
    for l in 0..newton.names.len() {
        let (a, b) = (newton.theta_mean[l], adam.theta_mean[l]);
        let s = newton.theta_std[l].max(adam.theta_std[l]);
        eprintln!(
            "{}: newton {a:.4} ± {:.4}, adam {b:.4} ± {:.4}",
            newton.names[l], newton.theta_std[l], adam.theta_std[l]
        );
        assert!(
            (a - b).abs() < 2.0 * s,
            "{}: {a} vs {b} (std {s})",
            newton.names[l]
        );
    }
    let (vn, va) = (noise(&newton), noise(&adam));
    eprintln!(
        "1/<v>: newton {vn:.4e}, adam {va:.4e}; iterations {} vs {}",
        newton.iterations, adam.iterations
    );
    assert!(vn < va && vn > 0.5 * va, "{vn} vs {va}");
}

/// Per coefficient: estimates, marginal stds, deviations from the projection.
type Samples = (Vec<f64>, Vec<f64>, Vec<f64>);

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, v.sqrt())
}

/// Bounds on `spread / marginal std` over 8 replicates: if the marginal std were exact, the
/// replicate standard deviation `s` of 8 values has `7 s²/σ² ~ χ²₇`, whose 0.1% and 99.9%
/// quantiles put `s/σ` in [0.29, 1.86]; the bounds below are those, rounded outwards.
const CALIBRATION: (f64, f64) = (0.25, 2.0);

/// The synthetic replicate study of issue 3: N = 64, 128, 256, 8 replicate data sets each
/// (35 s in CI). Asserted: the exact support in at least 7 of 8 replicates at N >= 128, the
/// noise level, the mean error falling from N = 64 to 256, and the marginal std calibrated
/// against the replicate spread ([`CALIBRATION`]).
/// `cargo test --release -p scalebridge --test known_answers synthetic_replicate_study -- --nocapture`
#[test]
fn synthetic_replicate_study() {
    let truth = truth();
    let mut true_names: Vec<String> = truth.iter().map(|(n, _)| n.clone()).collect();
    true_names.sort();
    let mut mean_abs_err = Vec::new();
    for n in [64usize, 128, 256] {
        let mut exact = 0;
        let mut errs = vec![Vec::new(); truth.len()];
        let mut ests = vec![Vec::new(); truth.len()];
        let mut stds = vec![Vec::new(); truth.len()];
        let mut mf_stds = vec![Vec::new(); truth.len()];
        let mut noises = Vec::new();
        let mut iters = Vec::new();
        for rep in 0..8u64 {
            let d = data(SystemKind::Synthetic, n, 1000 + rep, None, None);
            let p = fit(&d, LearnerParams::default().range(2));
            let mut got = active_names(&p);
            got.sort();
            if got == true_names {
                exact += 1;
            } else {
                eprintln!("N = {n}, replicate {rep}: active {got:?}");
            }
            for (k, (name, value)) in truth.iter().enumerate() {
                let (m, s, _) = coef(&p, name);
                errs[k].push((m - value).abs());
                ests[k].push(m);
                stds[k].push(s);
                mf_stds[k].push(mf_std(&p, name));
            }
            noises.push(noise(&p));
            iters.push(p.iterations as f64);
            assert!(noise(&p) < 1e-3, "N = {n}: 1/<v> = {}", noise(&p));
        }
        eprintln!(
            "N = {n}: exact support in {exact}/8; mean iterations {:.0}; 1/<v> max {:.2e}",
            mean_sd(&iters).0,
            noises.iter().copied().fold(0.0, f64::max)
        );
        let mut total = 0.0;
        for (k, (name, value)) in truth.iter().enumerate() {
            let (em, _) = mean_sd(&errs[k]);
            let (m, spread) = mean_sd(&ests[k]);
            let (s, _) = mean_sd(&stds[k]);
            let (smf, _) = mean_sd(&mf_stds[k]);
            total += em;
            assert!(
                (CALIBRATION.0..=CALIBRATION.1).contains(&(spread / s)),
                "N = {n}, {name}: replicate spread {spread:.4} vs marginal std {s:.4}"
            );
            eprintln!(
                "  {name:>14}: truth {value:+.3}, mean {m:+.4}, mean |error| {em:.4}, replicate spread {spread:.4}, marginal std {s:.4} (spread/std {:.2}), mean-field std {smf:.5} (spread/std {:.1})",
                spread / s,
                spread / smf
            );
        }
        mean_abs_err.push(total / truth.len() as f64);
        if n >= 128 {
            assert!(exact >= 7, "N = {n}: exact support in only {exact}/8");
        }
    }
    eprintln!("mean |error| over the true terms: {mean_abs_err:?}");
    assert!(mean_abs_err[2] < mean_abs_err[0], "{mean_abs_err:?}");
}

/// Advection–diffusion replicate study: small amplitude at N = 32 and 64 (8 replicates), the
/// default amplitude at N = 64 (second-order terms vs the expansion of the exact law; printed).
/// Asserted at N = 64: θ(−1), θ(0) active in 8/8 replicates and θ(+1) in at least 6/8; the
/// mean over replicates of (learned − projection of the exact law) within 3 standard errors
/// of that mean; the marginal std calibrated against the replicate spread ([`CALIBRATION`]);
/// at both N, at most 3 of 8 replicates with an active second-order term.
#[test]
fn advdiff_replicate_study() {
    let kb = kernel();
    eprintln!("K_b: {kb:?}");
    for n in [32usize, 64] {
        let mut by_m: std::collections::BTreeMap<i64, Samples> = Default::default();
        let mut spurious = 0;
        for rep in 0..8u64 {
            let r = advdiff_small_amplitude(n, 2000 + rep);
            for ((m, v, s), p) in r.first_order.iter().zip(&r.projected) {
                let e = by_m.entry(*m).or_default();
                e.0.push(*v);
                e.1.push(*s);
                e.2.push(v - p);
            }
            if r.active.iter().any(|a| a.contains('*')) {
                spurious += 1;
            }
            eprintln!(
                "N = {n}, replicate {rep}: {:?} (second-order share {:.3})",
                r.active, r.second_order_share
            );
        }
        for (m, (v, s, dev)) in &by_m {
            let k = kb.iter().find(|(b, _)| *b == -m).map_or(0.0, |x| x.1);
            let (vm, spread) = mean_sd(v);
            let (sm, _) = mean_sd(s);
            let (dm, dsd) = mean_sd(dev);
            eprintln!(
                "  N = {n}, θ({m:+}): active in {}/8, mean {vm:.4}, K_{{{}}} = {k:.4}, minus projection {dm:+.4} ± {dsd:.4}, spread {spread:.4}, marginal std {sm:.4}, spread/std {:.2}",
                v.len(),
                -m,
                spread / sm
            );
            assert!(
                (CALIBRATION.0..=CALIBRATION.1).contains(&(spread / sm)),
                "N = {n}, θ({m}): spread {spread:.4} vs marginal std {sm:.4}"
            );
            if n == 64 && (-1..=1).contains(m) {
                let need = if *m == 1 { 6 } else { 8 };
                assert!(v.len() >= need, "θ({m}) active in {}/8", v.len());
                let se = dsd / (dev.len() as f64).sqrt();
                assert!(
                    dm.abs() < 3.0 * se,
                    "θ({m}): mean deviation {dm:+.4} ± {se:.4}"
                );
            }
        }
        eprintln!("  N = {n}: replicates with an active second-order term: {spurious}/8");
        assert!(
            spurious <= 3,
            "N = {n}: {spurious}/8 with second-order terms"
        );
    }
    let d = data(SystemKind::Advdiff, 64, 3000, None, None);
    let p = fit(&d, LearnerParams::default().range(6));
    eprintln!("default amplitude (A ~ U(0, 2)), N = 64:\n{}", p.equation());
    let k = |b: i64| kb.iter().find(|(c, _)| *c == b).map_or(0.0, |x| x.1);
    for (l, name) in p.names.iter().enumerate() {
        if !p.active[l] || !name.contains('*') {
            continue;
        }
        // X(j+m1)*X(j+m2): m = -d, so d = -m; expansion ½(K_d − K_d²) on the diagonal, −K_d K_e off it
        let offs: Vec<i64> = name
            .split('*')
            .map(|t| {
                let inner = &t[2..t.len() - 1];
                if inner == "j" {
                    0
                } else {
                    inner[1..].parse::<i64>().unwrap()
                        * if inner.as_bytes()[1] == b'-' { -1 } else { 1 }
                }
            })
            .collect();
        let (d1, d2) = (-offs[0], -offs[1]);
        let expansion = if d1 == d2 {
            0.5 * (k(d1) - k(d1) * k(d1))
        } else {
            -k(d1) * k(d2)
        };
        eprintln!(
            "  {name}: learned {:+.4} ± {:.4}, second-order expansion {expansion:+.4}",
            p.theta_mean[l], p.theta_std_marginal[l]
        );
    }
}

/// Burgers walkers, N = 128, M = 5: the active set in both regimes (report only).
#[test]
#[ignore = "report; run explicitly"]
fn burgers_report() {
    for amplitude in [0.2, 1.0] {
        let d = data(SystemKind::Burgers, 128, 4000, Some(amplitude), None);
        let p = fit(&d, LearnerParams::default().range(5));
        eprintln!(
            "Burgers, amplitude {amplitude}, N = 128, M = 5:\n{}",
            p.equation()
        );
    }
}
