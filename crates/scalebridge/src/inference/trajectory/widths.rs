//! The marginal widths of a nonlinear law's coefficients, checked against the exact objective.
//!
//! The marginal covariance of `θ` (chains integrated out) is a Laplace approximation: it sees the
//! curvature of the objective at the posterior mean only. A coefficient whose objective is
//! quadratic there but rises into a wall further out — the log-odds of a hop that carries
//! almost no mass, where the data say only "below about −5" — gets the prior's width (a std of
//! 8 around −8.5), and a prediction that draws it moves mass two bins in one step. Here each
//! coefficient's width is refitted in one dimension: a Gaussian variational fit, over the
//! width `s` of `N(m_k, s²)`, of the drawn objective's profile along `θ_k` (the other
//! coefficients and the chains at their means), tempered by the factor `w_k` by which
//! integrating the chains out widens the Laplace marginal (`w_k = P_kk · Σ_kk`, `P` the
//! conditional precision, `Σ` the marginal covariance):
//!
//! ```text
//! max_s  −D_k(s)/w_k + ln s,   D_k(s) = E_{δ~N(0,s²)}[f(m) − f(m + δ e_k)]
//! ```
//!
//! For a quadratic profile (`D = P_kk s²/2`) the optimum is `s² = Σ_kk`: nothing changes. A
//! width is only ever narrowed: row and column `k` of `Σ` are scaled by `s/√Σ_kk`, which keeps
//! `Σ` positive definite and its correlations. `D` is a 10-point Gauss–Hermite rule; a
//! coefficient whose average drop at the Laplace width is within [`QUADRATIC_SLACK`] of the
//! quadratic one is kept as it is (one rule, ten objective evaluations); the others are
//! maximised over `ln s` by Brent's method ([`maximise`], about a dozen rules).

use crate::inference::learner::{exact_theta_objective, exact_theta_objective_along};
use crate::law::CoarseLaw;
use crate::math::brent::maximise;
use faer::Mat;

/// Gauss–Hermite nodes `x > 0` and weights for `E_{x~N(0,1)}` (10 points, symmetric, the
/// weights sum to 1 over both signs).
const NODES: [(f64, f64); 5] = [
    (0.484_935_707_515_497_6, 3.446_423_349_320_19e-1),
    (1.465_989_094_391_158_2, 1.354_837_029_802_677_7e-1),
    (2.484_325_841_638_954_6, 1.911_158_050_077_027e-2),
    (3.581_823_483_551_927, 7.580_709_343_122_171e-4),
    (4.859_462_828_332_312, 4.310_652_630_718_311_5e-6),
];

/// How much steeper than quadratic, on average over the Laplace width, a profile may be before
/// the width is refitted (10%: a width within 5% of its optimum).
const QUADRATIC_SLACK: f64 = 1.1;

/// The refitting's search on `ln s`: its range below the Laplace width, the step below it that
/// decides whether the optimum lies lower (a width within 5% of its optimum is kept), the
/// tolerance and the most profile averages it evaluates.
const LOG_RANGE: f64 = 8.0;
const LOG_STEP: f64 = 0.05;
const LOG_TOL: f64 = 0.01;
const MAX_EVALS: usize = 30;

/// The drawn transitions a θ-objective is evaluated on, and its weights.
pub(super) struct Profile<'a> {
    pub law: &'a dyn CoarseLaw,
    /// Input states, `(n, nc)` row-major.
    pub inputs: &'a [f64],
    /// Target states, `(n, nc)`.
    pub targets: &'a [f64],
    pub nc: usize,
    /// Noise precision per drawn transition (one value, or one per bin).
    pub v: &'a [f64],
    /// `⟨τ⟩`.
    pub tau: &'a [f64],
}

impl Profile<'_> {
    /// `−½ Σ v (X' − μ(X; θ))² − ½ Σ τ θ²`.
    fn objective(&self, theta: &[f64]) -> f64 {
        exact_theta_objective(
            self.law,
            self.inputs,
            self.targets,
            self.nc,
            self.v,
            self.tau,
            theta,
        )
    }

    /// `D_k(s)`: the average drop of the objective along `θ_k` over `N(0, s²)` (the ten
    /// nodes' objectives from one pass over the transitions).
    fn drop(&self, mean: &[f64], f0: f64, k: usize, s: f64) -> f64 {
        let deltas: Vec<f64> = NODES.iter().flat_map(|&(x, _)| [s * x, -s * x]).collect();
        let fs = exact_theta_objective_along(
            self.law,
            self.inputs,
            self.targets,
            self.nc,
            self.v,
            self.tau,
            mean,
            k,
            &deltas,
        );
        let mut d = 0.0;
        for (&(_, w), pair) in NODES.iter().zip(fs.chunks(2)) {
            for &f in pair {
                // a non-finite objective is an infinitely high wall
                d += w * if f.is_finite() { f0 - f } else { f64::INFINITY };
            }
        }
        d
    }
}

/// Narrows the marginal covariance `cov` where the objective's profile is steeper than its
/// Laplace approximation (see the module docs); `prec` is the conditional precision of `θ`
/// (mean-field, the θ-step's). Returns the factor each std was multiplied by.
pub(super) fn refit_widths(
    profile: &Profile<'_>,
    mean: &[f64],
    prec: &Mat<f64>,
    cov: &mut Mat<f64>,
) -> Vec<f64> {
    let l = mean.len();
    let f0 = profile.objective(mean);
    let mut scale = vec![1.0; l];
    if !f0.is_finite() {
        return scale;
    }
    for (k, factor) in scale.iter_mut().enumerate() {
        let (s0, p) = (cov[(k, k)].sqrt(), prec[(k, k)]);
        if !(s0 > 0.0 && p > 0.0) {
            continue;
        }
        let d0 = profile.drop(mean, f0, k, s0);
        if d0 <= QUADRATIC_SLACK * 0.5 * p * s0 * s0 {
            continue;
        }
        // the maximum of −D(s)/w + ln s (unimodal in ln s: s·D'(s) increases with s for the
        // profiles here), on ln s below the Laplace width, if it lies below it at all
        let w = p * s0 * s0;
        let top = s0.ln();
        let h = |ls: f64| -profile.drop(mean, f0, k, ls.exp()) / w + ls;
        if h(top - LOG_STEP) <= -d0 / w + top {
            continue;
        }
        let (ls, _) = maximise(h, top - LOG_RANGE, top, LOG_TOL, MAX_EVALS);
        *factor = (ls - top).exp().min(1.0);
    }
    for r in 0..l {
        for c in 0..l {
            cov[(r, c)] *= scale[r] * scale[c];
        }
    }
    scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::{KernelLaw, Local};

    /// A kernel law whose two-bin hops carry no mass: the Laplace width of their log-odds,
    /// set wide as the prior leaves it, is narrowed until the hop stays improbable within
    /// two widths; the one-bin hops, quadratic over their widths, keep theirs.
    #[test]
    fn an_absent_hop_is_narrowed_and_a_quadratic_one_kept() {
        let nc = 12;
        let law = KernelLaw::new(2, vec![Box::new(Local::Constant)]).unwrap();
        // θ over hops −2, −1, +1, +2: the two-bin hops absent
        let truth = [-12.0, -1.5, -1.0, -12.0];
        let mut inputs = Vec::new();
        let mut targets = Vec::new();
        for n in 0..40 {
            let x: Vec<f64> = (0..nc)
                .map(|j| (2.0 * std::f64::consts::PI * (j + n) as f64 / nc as f64).cos())
                .collect();
            let mut y = vec![0.0; nc];
            law.mean_into(&x, &truth, &mut y);
            inputs.extend(x);
            targets.extend(y);
        }
        let v = [1e3];
        let tau = [0.01; 4];
        let profile = Profile {
            law: &law,
            inputs: &inputs,
            targets: &targets,
            nc,
            v: &v,
            tau: &tau,
        };
        let mean = [-9.0, -1.5, -1.0, -9.0];
        // the conditional precisions from the law's Jacobian at the mean; the marginal
        // covariance: the one-bin hops' Laplace widths, the absent hops' as wide as the prior
        // leaves them
        let (mut mu, mut g) = (vec![0.0; nc], vec![0.0; nc * 4]);
        let mut prec = Mat::<f64>::zeros(4, 4);
        for x in inputs.chunks(nc) {
            law.linearise_into(x, &mean, &mut mu, &mut g);
            for j in 0..nc {
                for k in 0..4 {
                    prec[(k, k)] += v[0] * g[j * 4 + k].powi(2);
                }
            }
        }
        let mut cov = Mat::<f64>::zeros(4, 4);
        for k in 0..4 {
            prec[(k, k)] += tau[k];
            cov[(k, k)] = if k == 0 || k == 3 {
                49.0
            } else {
                1.0 / prec[(k, k)]
            };
        }
        let scale = refit_widths(&profile, &mean, &prec, &mut cov);
        assert_eq!(scale[1], 1.0, "{scale:?}");
        assert_eq!(scale[2], 1.0, "{scale:?}");
        for k in [0, 3] {
            let s = cov[(k, k)].sqrt();
            assert!(scale[k] < 0.5, "{scale:?}");
            // within two widths the hop's log-odds stay below −4 (K < 2%)
            assert!(mean[k] + 2.0 * s < -4.0, "width {s}");
            assert!(s > 0.1, "width {s}: the flat side must keep some width");
        }
    }
}
