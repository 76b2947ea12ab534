//! Conservative coarse laws (SPEC A.9): in one coarse step the mass of bin `i` moves to bin
//! `i+b`, `b = -B..B`, with probabilities set by the local state,
//!
//! ```text
//! ρ = softmax(X),   u_i = nc·ρ_i
//! K_b(i) = softmax_b(η_{i,b}),   η_{i,0} = 0,   η_{i,b} = Σ_l θ_{b,l} ψ_l(i, u)   (b ≠ 0)
//! μ_j(X; θ) = clr( Σ_b K_b(j-b) ρ_{j-b} )
//! ```
//!
//! Mass is conserved and positive by construction (`Σ_j Σ_b K_b(j-b) ρ_{j-b} = Σ_i ρ_i = 1`); a
//! bin that is empty stays representable (its mean is the log of what flows in); and walkers
//! that do not interact have an exact constant kernel (for advection–diffusion, `K_b` is SPEC
//! A.8's displacement law on bins). `ψ` is an open, named library of local features
//! ([`HopFeature`]): constant, functions of the local density, neighbour differences, position
//! modes.
//!
//! This module holds the law (its mean and its Jacobian in `θ`) and a plain least-squares fit
//! ([`fit_least_squares`], Levenberg–Marquardt): the Bayesian learner of issue 10 builds on
//! these; nothing in the CLI uses them yet.

use crate::error::{Error, Result};
use crate::math::softmax;
use faer::Mat;
use faer::linalg::solvers::Solve;
use std::f64::consts::PI;
use std::fmt;

/// A local feature `ψ(i, u)` of bin `i` given the densities `u_k = nc·ρ_k` (periodic).
pub trait HopFeature: Send + Sync + fmt::Debug {
    /// The name shown in a law, e.g. `u`, `sin(2πy/P)`.
    fn name(&self) -> String;
    /// `ψ(i, u)`.
    fn eval(&self, i: usize, u: &[f64]) -> f64;
}

/// The local features SPEC A.9 names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Local {
    /// `1`.
    Constant,
    /// `u`.
    Density,
    /// `u²`.
    DensitySquared,
    /// `log(1+u)`.
    LogDensity,
    /// `u/(1+u)`.
    Saturating,
    /// `u_{i+1} − u_{i−1}`.
    Gradient,
    /// `sin(2πk y/P)` at the bin centre `y` (period `P`).
    Sin(usize),
    /// `cos(2πk y/P)` at the bin centre.
    Cos(usize),
}

impl HopFeature for Local {
    fn name(&self) -> String {
        let mode = |f: &str, k: usize| {
            if k == 1 {
                format!("{f}(2πy/P)")
            } else {
                format!("{f}(2π{k}y/P)")
            }
        };
        match self {
            Local::Constant => "1".into(),
            Local::Density => "u".into(),
            Local::DensitySquared => "u²".into(),
            Local::LogDensity => "log(1+u)".into(),
            Local::Saturating => "u/(1+u)".into(),
            Local::Gradient => "u(i+1)-u(i-1)".into(),
            Local::Sin(k) => mode("sin", *k),
            Local::Cos(k) => mode("cos", *k),
        }
    }

    fn eval(&self, i: usize, u: &[f64]) -> f64 {
        let nc = u.len();
        let phase = || 2.0 * PI * (i as f64 + 0.5) / nc as f64;
        match self {
            Local::Constant => 1.0,
            Local::Density => u[i],
            Local::DensitySquared => u[i] * u[i],
            Local::LogDensity => u[i].ln_1p(),
            Local::Saturating => u[i] / (1.0 + u[i]),
            Local::Gradient => u[(i + 1) % nc] - u[(i + nc - 1) % nc],
            Local::Sin(k) => (*k as f64 * phase()).sin(),
            Local::Cos(k) => (*k as f64 * phase()).cos(),
        }
    }
}

/// A conservative law: hops of up to `B` bins with log-odds linear in the features.
#[derive(Debug)]
pub struct KernelLaw {
    hop: usize,
    features: Vec<Box<dyn HopFeature>>,
    /// `θ_{b,l}`, hop-major over `b = -B..-1, 1..B`.
    theta: Vec<f64>,
}

impl KernelLaw {
    /// A law of hop range `hop` (B >= 1) over `features` with coefficients `theta`
    /// (`2B × L`, hop-major: `b = -B..-1, 1..B`).
    pub fn new(hop: usize, features: Vec<Box<dyn HopFeature>>, theta: Vec<f64>) -> Result<Self> {
        if hop == 0 {
            return Err(Error::param("hop", 0, ">= 1"));
        }
        if features.is_empty() {
            return Err(Error::param("features", "none", "at least one feature"));
        }
        let want = 2 * hop * features.len();
        if theta.len() != want || theta.iter().any(|t| !t.is_finite()) {
            return Err(Error::param(
                "theta",
                format!("{} values", theta.len()),
                &format!("{want} finite values (2B × features)"),
            ));
        }
        Ok(KernelLaw {
            hop,
            features,
            theta,
        })
    }

    /// The hop range `B`.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// The coefficients.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// The hops with a coefficient block, in `θ` order: `-B..-1, 1..B`.
    pub fn hops(&self) -> Vec<i64> {
        let b = self.hop as i64;
        (-b..=b).filter(|&x| x != 0).collect()
    }

    /// Term names, e.g. `hop(+1): u`, in `θ` order.
    pub fn names(&self) -> Vec<String> {
        self.hops()
            .iter()
            .flat_map(|b| {
                self.features
                    .iter()
                    .map(move |f| format!("hop({b:+}): {}", f.name()))
            })
            .collect()
    }

    /// `ψ_l(i, u)` for every bin, `(nc, L)` row-major.
    fn psi(&self, u: &[f64]) -> Vec<f64> {
        let l = self.features.len();
        let mut out = vec![0.0; u.len() * l];
        for i in 0..u.len() {
            for (c, f) in self.features.iter().enumerate() {
                out[i * l + c] = f.eval(i, u);
            }
        }
        out
    }

    /// `K_b(i)` for every bin: `(nc, 2B+1)` row-major, column `b + B`.
    pub fn kernel(&self, x: &[f64]) -> Vec<f64> {
        let rho = softmax(x);
        let u: Vec<f64> = rho.iter().map(|r| r * x.len() as f64).collect();
        self.kernel_of(&self.psi(&u), x.len())
    }

    fn kernel_of(&self, psi: &[f64], nc: usize) -> Vec<f64> {
        let (b, l) = (self.hop, self.features.len());
        let width = 2 * b + 1;
        let mut out = vec![0.0; nc * width];
        let mut eta = vec![0.0; width];
        for i in 0..nc {
            for (k, _) in self.hops().iter().enumerate() {
                let col = if k < b { k } else { k + 1 };
                eta[col] = (0..l).map(|c| self.theta[k * l + c] * psi[i * l + c]).sum();
            }
            eta[b] = 0.0;
            out[i * width..(i + 1) * width].copy_from_slice(&softmax(&eta));
        }
        out
    }

    /// The mass after one step, `m_j = Σ_b K_b(j-b) ρ_{j-b}` (sums to 1).
    pub fn moved_mass(&self, x: &[f64]) -> Vec<f64> {
        let nc = x.len();
        let rho = softmax(x);
        let k = self.kernel(x);
        let (b, width) = (self.hop as i64, 2 * self.hop + 1);
        let mut m = vec![0.0; nc];
        for (i, r) in rho.iter().enumerate() {
            for hop in -b..=b {
                let j = (i as i64 + hop).rem_euclid(nc as i64) as usize;
                m[j] += k[i * width + (hop + b) as usize] * r;
            }
        }
        m
    }

    /// The transition mean `μ(X) = clr(m)`: the centred log of the moved mass.
    pub fn mean(&self, x: &[f64]) -> Vec<f64> {
        clr(&self.moved_mass(x))
    }

    /// `μ(X)` and its Jacobian `∂μ_j/∂θ_p`, `(nc, P)` row-major (`P = 2B·L`).
    pub fn mean_and_jacobian(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let nc = x.len();
        let (b, l) = (self.hop, self.features.len());
        let (bi, width, p) = (b as i64, 2 * b + 1, 2 * b * l);
        let rho = softmax(x);
        let u: Vec<f64> = rho.iter().map(|r| r * nc as f64).collect();
        let psi = self.psi(&u);
        let k = self.kernel_of(&psi, nc);
        let mut m = vec![0.0; nc];
        // dm[j][p]: derivative of the moved mass of bin j
        let mut dm = vec![0.0; nc * p];
        for i in 0..nc {
            let ki = &k[i * width..(i + 1) * width];
            for hop in -bi..=bi {
                let j = (i as i64 + hop).rem_euclid(nc as i64) as usize;
                let kh = ki[(hop + bi) as usize];
                m[j] += kh * rho[i];
                // ∂K_hop(i)/∂η_{i,c} = K_hop (δ_{hop,c} − K_c), c over the 2B free hops
                for (c, &hc) in self.hops().iter().enumerate() {
                    let kc = ki[(hc + bi) as usize];
                    let d = kh * ((hop == hc) as u8 as f64 - kc) * rho[i];
                    for f in 0..l {
                        dm[j * p + c * l + f] += d * psi[i * l + f];
                    }
                }
            }
        }
        // μ = log m − mean(log m): ∂μ_j = ∂m_j/m_j − mean_k(∂m_k/m_k)
        let mut jac = vec![0.0; nc * p];
        let mut avg = vec![0.0; p];
        for j in 0..nc {
            for q in 0..p {
                let v = dm[j * p + q] / m[j];
                jac[j * p + q] = v;
                avg[q] += v / nc as f64;
            }
        }
        for j in 0..nc {
            for q in 0..p {
                jac[j * p + q] -= avg[q];
            }
        }
        (clr(&m), jac)
    }
}

/// Centred log: `log v − mean(log v)`.
fn clr(v: &[f64]) -> Vec<f64> {
    let logs: Vec<f64> = v.iter().map(|x| x.ln()).collect();
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    logs.iter().map(|x| x - mean).collect()
}

/// A least-squares fit of a kernel law.
#[derive(Debug)]
pub struct KernelFit {
    /// The fitted law.
    pub law: KernelLaw,
    /// Mean squared residual per bin.
    pub residual_var: f64,
    /// Levenberg–Marquardt iterations.
    pub iterations: usize,
    /// Whether the relative decrease of the residual fell below `1e-12` before `max_iter`.
    pub converged: bool,
}

/// Fits `θ` by least squares, `min Σ_i ‖X1_i − μ(X0_i; θ)‖²` (Levenberg–Marquardt from
/// `θ = 0`, the uniform kernel), for pairs of centred coarse states `(X0_i, X1_i)`. This is the
/// plain maximum-likelihood version under a shared Gaussian transition noise, without
/// uncertainty.
pub fn fit_least_squares(
    hop: usize,
    features: Vec<Box<dyn HopFeature>>,
    pairs: &[(Vec<f64>, Vec<f64>)],
    max_iter: usize,
) -> Result<KernelFit> {
    let p = 2 * hop * features.len();
    let mut law = KernelLaw::new(hop, features, vec![0.0; p])?;
    if pairs.is_empty() {
        return Err(Error::param("pairs", 0, ">= 1"));
    }
    let nc = pairs[0].0.len();
    if pairs.iter().any(|(a, b)| a.len() != nc || b.len() != nc) {
        return Err(Error::param(
            "pairs",
            "mixed lengths",
            "every state of the same nc",
        ));
    }
    let cost = |law: &KernelLaw| -> f64 {
        pairs
            .iter()
            .map(|(x0, x1)| {
                law.mean(x0)
                    .iter()
                    .zip(x1)
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
            })
            .sum()
    };
    let mut c0 = cost(&law);
    let mut lambda = 1e-3;
    let mut converged = false;
    let mut iterations = 0;
    for it in 1..=max_iter {
        iterations = it;
        let mut jtj = Mat::<f64>::zeros(p, p);
        let mut jtr = Mat::<f64>::zeros(p, 1);
        for (x0, x1) in pairs {
            let (mu, jac) = law.mean_and_jacobian(x0);
            for j in 0..nc {
                let r = x1[j] - mu[j];
                let row = &jac[j * p..(j + 1) * p];
                for a in 0..p {
                    jtr[(a, 0)] += row[a] * r;
                    for b in 0..p {
                        jtj[(a, b)] += row[a] * row[b];
                    }
                }
            }
        }
        let mut improved = false;
        for _ in 0..30 {
            let mut damped = jtj.clone();
            for a in 0..p {
                damped[(a, a)] += lambda * (jtj[(a, a)] + 1e-12);
            }
            let step = damped.full_piv_lu().solve(&jtr);
            let cand: Vec<f64> = (0..p).map(|a| law.theta[a] + step[(a, 0)]).collect();
            if cand.iter().any(|v| !v.is_finite()) {
                return Err(Error::numerical("kernel-law fit", "the step diverged"));
            }
            let trial = KernelLaw {
                hop: law.hop,
                features: std::mem::take(&mut law.features),
                theta: cand,
            };
            let c1 = cost(&trial);
            if c1 <= c0 {
                let rel = (c0 - c1) / c0.max(f64::MIN_POSITIVE);
                law = trial;
                c0 = c1;
                lambda = (lambda / 3.0).max(1e-12);
                improved = true;
                converged = rel < 1e-12;
                break;
            }
            law.features = trial.features;
            lambda *= 4.0;
        }
        if !improved || converged {
            converged = true;
            break;
        }
    }
    Ok(KernelFit {
        residual_var: c0 / (pairs.len() * nc) as f64,
        law,
        iterations,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::centre;
    use crate::rng::{standard_normal, stream};

    fn random_state(nc: usize, seed: u64) -> Vec<f64> {
        let mut rng = stream(seed, 0, 0);
        let mut x: Vec<f64> = (0..nc).map(|_| standard_normal(&mut rng)).collect();
        centre(&mut x);
        x
    }

    /// A constant kernel `K_b` is the exact non-interacting law:
    /// `μ_j = clr(log Σ_b K_b e^{X_{j-b}})`.
    #[test]
    fn constant_kernel_is_the_exact_linear_transport() {
        let kb: [f64; 5] = [0.02, 0.15, 0.53, 0.28, 0.02]; // b = -2..2
        let theta: Vec<f64> = [0usize, 1, 3, 4]
            .iter()
            .map(|&i| (kb[i] / kb[2]).ln())
            .collect();
        let law = KernelLaw::new(2, vec![Box::new(Local::Constant)], theta).unwrap();
        let x = random_state(12, 1);
        let nc = x.len();
        let exact: Vec<f64> = (0..nc)
            .map(|j| {
                (-2i64..=2)
                    .map(|b| {
                        kb[(b + 2) as usize]
                            * x[(j as i64 - b).rem_euclid(nc as i64) as usize].exp()
                    })
                    .sum::<f64>()
                    .ln()
            })
            .collect();
        let exact = clr(&exact.iter().map(|v| v.exp()).collect::<Vec<_>>());
        for (a, b) in law.mean(&x).iter().zip(&exact) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert_eq!(law.names()[0], "hop(-2): 1");
    }

    #[test]
    fn mass_is_conserved_and_empty_bins_stay_finite() {
        let feats: Vec<Box<dyn HopFeature>> = vec![
            Box::new(Local::Constant),
            Box::new(Local::Density),
            Box::new(Local::Sin(1)),
        ];
        let theta: Vec<f64> = (0..12).map(|k| 0.3 * (k as f64 - 5.0) / 5.0).collect();
        let law = KernelLaw::new(2, feats, theta).unwrap();
        let mut x = random_state(10, 2);
        x[4] = -800.0; // an empty bin: ρ_4 = 0
        let m = law.moved_mass(&x);
        assert!((m.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(m.iter().all(|v| *v > 0.0));
        assert!(law.mean(&x).iter().all(|v| v.is_finite()));
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let feats = || -> Vec<Box<dyn HopFeature>> {
            vec![
                Box::new(Local::Constant),
                Box::new(Local::Saturating),
                Box::new(Local::Gradient),
                Box::new(Local::Cos(2)),
            ]
        };
        let theta: Vec<f64> = (0..16).map(|k| 0.1 * ((k * 7 % 5) as f64 - 2.0)).collect();
        let law = KernelLaw::new(2, feats(), theta.clone()).unwrap();
        let x = random_state(9, 3);
        let (mu, jac) = law.mean_and_jacobian(&x);
        assert_eq!(mu, law.mean(&x));
        let h = 1e-6;
        for q in 0..16 {
            let mut tp = theta.clone();
            tp[q] += h;
            let mut tm = theta.clone();
            tm[q] -= h;
            let mp = KernelLaw::new(2, feats(), tp).unwrap().mean(&x);
            let mm = KernelLaw::new(2, feats(), tm).unwrap().mean(&x);
            for j in 0..9 {
                let fd = (mp[j] - mm[j]) / (2.0 * h);
                assert!(
                    (fd - jac[j * 16 + q]).abs() < 1e-6,
                    "j {j}, q {q}: {fd} vs {}",
                    jac[j * 16 + q]
                );
            }
        }
    }

    /// Noise-free pairs from a known law: least squares recovers its coefficients.
    #[test]
    fn least_squares_recovers_a_known_law() {
        let feats = || -> Vec<Box<dyn HopFeature>> {
            vec![Box::new(Local::Constant), Box::new(Local::Density)]
        };
        let truth = vec![-1.2, 0.3, -0.4, 0.2];
        let law = KernelLaw::new(1, feats(), truth.clone()).unwrap();
        let pairs: Vec<(Vec<f64>, Vec<f64>)> = (0..20)
            .map(|s| {
                let x0 = random_state(8, 10 + s);
                let x1 = law.mean(&x0);
                (x0, x1)
            })
            .collect();
        let fit = fit_least_squares(1, feats(), &pairs, 200).unwrap();
        assert!(fit.converged);
        for (a, b) in fit.law.theta().iter().zip(&truth) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert!(fit.residual_var < 1e-16);
    }
}
