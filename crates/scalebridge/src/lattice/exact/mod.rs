//! Exact partition function of the periodic `L × L` Ising model (Kaufman 1949, in the form of
//! Ferdinand & Fisher 1969):
//!
//! ```text
//! Z = ½ (2 sinh 2K)^{L²/2} (Z₁ + Z₂ + Z₃ + Z₄)
//! Z₁ = Π_{r<L} 2 cosh(L γ_{2r+1}/2),  Z₂ = Π_{r<L} 2 sinh(L γ_{2r+1}/2)
//! Z₃ = Π_{r<L} 2 cosh(L γ_{2r}/2),    Z₄ = Π_{r<L} 2 sinh(L γ_{2r}/2)
//! cosh γ_l = cosh 2K coth 2K − cos(π l / L)  (l ≠ 0),   γ₀ = 2K + ln tanh K
//! ```
//!
//! Computed in log space (each product as a sum of logs, the four terms combined by
//! log-sum-exp), stable for `L` in the thousands. `γ₀` changes sign at `K_c` (so `Z₄` does): its
//! factor `2 sinh(L γ₀/2)` is kept in linear scale, never logged. `cosh γ_l − 1` is formed as
//! `(1 − s)²/s + 2 sin²(πl/2L)` with `s = sinh 2K` — two non-negative terms, no
//! cancellation near `γ_l → 0`. Energy and specific heat are exact first and second derivatives
//! of `ln Z` in `K`, carried by [`Jet`]s: `E/N = −(1/N) ∂ ln Z/∂K`, `C/N = (K²/N) ∂² ln Z/∂K²`.

pub mod jet;

use crate::error::{Error, Result};
use jet::Jet;
use serde::Serialize;

/// Exact per-site quantities of the `L × L` torus at coupling `K`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ExactIsing {
    /// Linear size.
    #[serde(rename = "L")]
    pub l: usize,
    /// Coupling `K = βJ`.
    #[serde(rename = "K")]
    pub k: f64,
    /// `ln Z / N`.
    #[serde(rename = "lnZ_per_site")]
    pub ln_z_per_site: f64,
    /// `E / N` (with `H = −Σ_<ij> s_i s_j`, `E = ⟨H⟩`).
    pub energy_per_site: f64,
    /// `C / N = K² (⟨H²⟩ − ⟨H⟩²)/N`.
    pub specific_heat_per_site: f64,
}

/// `ln(2 cosh(a))` for a jet, using evenness for negative `a`.
fn ln_2cosh(a: Jet) -> Jet {
    let a = if a.v < 0.0 { -a } else { a };
    a + (-a.scale(2.0)).exp().ln_1p()
}

/// `ln(2 sinh(a))` for a jet with `a > 0`.
fn ln_2sinh(a: Jet) -> Jet {
    a + (-(-a.scale(2.0)).exp()).ln_1p()
}

/// Exact `ln Z/N`, `E/N`, `C/N` of the periodic `L × L` Ising model at coupling `K > 0`.
pub fn exact(l: usize, k: f64) -> Result<ExactIsing> {
    if l < 2 {
        return Err(Error::param("L", l, ">= 2"));
    }
    if !(k > 0.0 && k.is_finite()) {
        return Err(Error::param("K", k, "finite and > 0"));
    }
    let kj = Jet::variable(k);
    let two_k = kj.scale(2.0);
    let s = two_k.sinh();
    // cosh 2K coth 2K − 2 = (1 − s)²/s ≥ 0 (zero at K_c)
    let one_minus_s = Jet::constant(1.0) - s;
    let c_minus_2 = one_minus_s * one_minus_s / s;
    let half_l = l as f64 / 2.0;
    let gamma = |idx: usize| -> Jet {
        let theta = std::f64::consts::PI * idx as f64 / l as f64;
        // cosh γ_l − 1 = (c − 2) + (1 − cos θ)
        let u = c_minus_2 + Jet::constant(2.0 * (theta / 2.0).sin().powi(2));
        u.acosh_1p()
    };
    let gamma0 = two_k + kj.tanh().ln();
    let zero = Jet::constant(0.0);
    let (mut a1, mut a2, mut a3, mut a4) = (zero, zero, zero, zero);
    for r in 0..l {
        let odd = gamma(2 * r + 1).scale(half_l);
        a1 = a1 + ln_2cosh(odd);
        a2 = a2 + ln_2sinh(odd);
        if r == 0 {
            a3 = a3 + ln_2cosh(gamma0.scale(half_l));
        } else {
            let even = gamma(2 * r).scale(half_l);
            a3 = a3 + ln_2cosh(even);
            a4 = a4 + ln_2sinh(even);
        }
    }
    // Z₄ = 2 sinh(L γ₀/2) · e^{a4}. Near K_c the first factor is kept in linear scale (it
    // changes sign there); far from K_c it would overflow, so it joins the log with its sign.
    let h = gamma0.scale(half_l);
    let (a4, sign4, f4) = if h.v.abs() > 1.0 {
        let b = if h.v < 0.0 { -h } else { h };
        (a4 + ln_2sinh(b), h.v.signum(), Jet::constant(1.0))
    } else {
        (a4, 1.0, h.sinh().scale(2.0))
    };
    let top = [a1.v, a2.v, a3.v, a4.v]
        .into_iter()
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = Jet::constant(top);
    let sum = (a1 - shift).exp()
        + (a2 - shift).exp()
        + (a3 - shift).exp()
        + ((a4 - shift).exp() * f4).scale(sign4);
    if sum.v.is_nan() || sum.v <= 0.0 {
        return Err(Error::numerical(
            "Kaufman partition function",
            format!("non-positive sum {sum:?} at L = {l}, K = {k}"),
        ));
    }
    let n = (l * l) as f64;
    let ln_z = Jet::constant(0.5f64.ln()) + (s.scale(2.0)).ln().scale(n / 2.0) + shift + sum.ln();
    Ok(ExactIsing {
        l,
        k,
        ln_z_per_site: ln_z.v / n,
        energy_per_site: -ln_z.d1 / n,
        specific_heat_per_site: k * k * ln_z.d2 / n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::K_C;

    /// SPEC B.1's values at K_c.
    #[test]
    fn matches_the_spec_values_at_kc() {
        for (l, lnz, e, c) in [
            (4, 0.970119716, -1.565623788, 0.783267),
            (8, 0.939715325, -1.491589107, 1.145559),
            (16, 0.932196315, -1.453064853, 1.498705),
        ] {
            let x = exact(l, K_C).unwrap();
            assert!((x.ln_z_per_site - lnz).abs() < 1e-8, "L = {l}: {x:?}");
            assert!((x.energy_per_site - e).abs() < 1e-8, "L = {l}: {x:?}");
            assert!(
                (x.specific_heat_per_site - c).abs() < 1e-5,
                "L = {l}: {x:?}"
            );
        }
    }

    /// Brute-force enumeration of all 2¹⁶ states of the 4 × 4 torus at several couplings.
    #[test]
    fn matches_enumeration_at_l4() {
        let l = 4usize;
        let n = l * l;
        let bonds: Vec<i32> = (0..1u32 << n)
            .map(|cfg| {
                let s = |i: usize, j: usize| {
                    if cfg >> ((i % l) * l + (j % l)) & 1 == 1 {
                        1
                    } else {
                        -1
                    }
                };
                (0..l)
                    .flat_map(|i| (0..l).map(move |j| (i, j)))
                    .map(|(i, j)| s(i, j) * (s(i + 1, j) + s(i, j + 1)))
                    .sum()
            })
            .collect();
        for k in [0.1, 0.3, K_C, 0.6, 1.2] {
            let m = bonds
                .iter()
                .map(|&b| k * b as f64)
                .fold(f64::NEG_INFINITY, f64::max);
            let w: Vec<f64> = bonds.iter().map(|&b| (k * b as f64 - m).exp()).collect();
            let z: f64 = w.iter().sum();
            let mean: f64 = bonds
                .iter()
                .zip(&w)
                .map(|(&b, w)| b as f64 * w)
                .sum::<f64>()
                / z;
            let var: f64 = bonds
                .iter()
                .zip(&w)
                .map(|(&b, w)| (b as f64 - mean).powi(2) * w)
                .sum::<f64>()
                / z;
            let x = exact(l, k).unwrap();
            assert!(
                ((m + z.ln()) / n as f64 - x.ln_z_per_site).abs() < 1e-12,
                "K = {k}"
            );
            assert!(
                (-mean / n as f64 - x.energy_per_site).abs() < 1e-10,
                "K = {k}"
            );
            assert!(
                (k * k * var / n as f64 - x.specific_heat_per_site).abs() < 1e-9,
                "K = {k}"
            );
        }
    }

    /// Large L: finite, close to the infinite-volume values at K_c (E/N → −√2,
    /// ln Z/N → ln2/2 + 2G/π), and C/N grows like (2/π) ln²(1+√2) ln L.
    #[test]
    fn stable_for_large_l() {
        let catalan = 0.915_965_594_177_219;
        let inf = 0.5 * 2f64.ln() + 2.0 * catalan / std::f64::consts::PI;
        let a = exact(1024, K_C).unwrap();
        let b = exact(4096, K_C).unwrap();
        assert!((b.ln_z_per_site - inf).abs() < 1e-6, "{b:?}");
        assert!((b.energy_per_site + 2f64.sqrt()).abs() < 1e-3, "{b:?}");
        let slope = (b.specific_heat_per_site - a.specific_heat_per_site) / (4096f64 / 1024.0).ln();
        let expected = 2.0 / std::f64::consts::PI * (1.0 + 2f64.sqrt()).ln().powi(2);
        assert!(
            (slope - expected).abs() < 1e-3,
            "slope {slope} vs {expected}"
        );
        // away from K_c too
        for k in [0.2, 0.44, 0.45, 0.8] {
            let x = exact(4096, k).unwrap();
            assert!(
                x.ln_z_per_site.is_finite()
                    && x.energy_per_site.is_finite()
                    && x.specific_heat_per_site.is_finite()
            );
        }
    }
}
