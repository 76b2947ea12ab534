//! The exact distribution of a non-interacting walker's displacement over `s` FG steps.
//!
//! Each step moves `-1` with probability `kl`, `+1` with `kr`, `0` otherwise, so the net
//! displacement `d = R - L` after `s` steps has
//!
//! ```text
//! P(d) = Σ_{l} s! / ((l+d)! l! (s-2l-d)!) · kr^{l+d} kl^{l} (1-kl-kr)^{s-2l-d}
//! ```
//!
//! computed here in log space (log-sum-exp over `l`), O(s²) once, and sampled in O(1) per walker
//! with an alias table — exact up to the floating-point representation of `P`.

use crate::error::Result;
use crate::math::alias::AliasTable;
use crate::math::log_sum_exp;
use rand::Rng;

/// Exact net-displacement law over `s` steps, with an O(1) sampler.
#[derive(Clone, Debug)]
pub struct DisplacementKernel {
    steps: usize,
    pmf: Vec<f64>,
    table: AliasTable,
}

impl DisplacementKernel {
    /// The law for per-step probabilities `kl` (left), `kr` (right) over `steps` steps.
    /// Parameters are assumed validated (`kl, kr ≥ 0`, `kl + kr ≤ 1`, `steps ≥ 1`).
    pub fn new(kl: f64, kr: f64, steps: usize) -> Result<Self> {
        let s = steps;
        let ln_fact: Vec<f64> = std::iter::once(0.0)
            .chain((1..=s).scan(0.0, |acc, k| {
                *acc += (k as f64).ln();
                Some(*acc)
            }))
            .collect();
        let ln = |p: f64, k: usize| if k == 0 { 0.0 } else { k as f64 * p.ln() };
        let k0 = 1.0 - kl - kr;
        let mut pmf = vec![0.0; 2 * s + 1];
        let mut terms = Vec::with_capacity(s + 1);
        for (idx, p) in pmf.iter_mut().enumerate() {
            let d = idx as i64 - s as i64;
            terms.clear();
            // l left moves, r = l + d right moves, stay = s - l - r
            let l_min = (-d).max(0) as usize;
            let mut l = l_min;
            loop {
                let r = (l as i64 + d) as usize;
                if l + r > s {
                    break;
                }
                let stay = s - l - r;
                let t = ln_fact[s] - ln_fact[l] - ln_fact[r] - ln_fact[stay]
                    + ln(kl, l)
                    + ln(kr, r)
                    + ln(k0, stay);
                if t.is_finite() {
                    terms.push(t);
                }
                l += 1;
            }
            *p = if terms.is_empty() {
                0.0
            } else {
                log_sum_exp(&terms).exp()
            };
        }
        let table = AliasTable::new(&pmf)?;
        Ok(DisplacementKernel {
            steps: s,
            pmf,
            table,
        })
    }

    /// Number of FG steps `s`.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// `P(d)` for `d = -s..=s` (index `d + s`).
    pub fn pmf(&self) -> &[f64] {
        &self.pmf
    }

    /// One draw of the net displacement `d` (in units of `δy`).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        self.table.sample(rng) as i64 - self.steps as i64
    }
}

impl DisplacementKernel {
    /// Bin-to-bin transition probabilities `K_b` over one coarse step (SPEC A.8): a walker
    /// uniform in its bin of width `bin_width`, displaced by `d·δy` with `d ~ P(d)`, ends `b`
    /// bins away with probability `K_b = Σ_d P(d) · |[bΔy − dδy, (b+1)Δy − dδy) ∩ [0, Δy)| / Δy`.
    /// Returns `(b, K_b)` for every `b` with `K_b > 0`, ascending.
    pub fn bin_transitions(&self, dy: f64, bin_width: f64) -> Vec<(i64, f64)> {
        let s = self.steps as i64;
        let mut k: std::collections::BTreeMap<i64, f64> = std::collections::BTreeMap::new();
        for (idx, &p) in self.pmf.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            let shift = (idx as i64 - s) as f64 * dy;
            // the start offset u ∈ [0, Δy) lands b bins away when bΔy ≤ u + shift < (b+1)Δy
            let lo = (shift / bin_width).floor() as i64;
            for b in lo..=lo + 1 {
                let a = (b as f64 * bin_width - shift).max(0.0);
                let e = ((b + 1) as f64 * bin_width - shift).min(bin_width);
                if e > a {
                    *k.entry(b).or_insert(0.0) += p * (e - a) / bin_width;
                }
            }
        }
        k.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pmf_normalised_with_exact_moments() {
        for (kl, kr, s) in [
            (0.195, 0.205, 400),
            (0.3, 0.1, 7),
            (0.0, 1.0, 5),
            (0.5, 0.5, 1),
        ] {
            let k = DisplacementKernel::new(kl, kr, s).unwrap();
            let p = k.pmf();
            let total: f64 = p.iter().sum();
            let mean: f64 = p
                .iter()
                .enumerate()
                .map(|(i, q)| q * (i as f64 - s as f64))
                .sum();
            let var: f64 = p
                .iter()
                .enumerate()
                .map(|(i, q)| q * (i as f64 - s as f64 - mean).powi(2))
                .sum();
            let sf = s as f64;
            assert!((total - 1.0).abs() < 1e-10, "total {total}");
            assert!((mean - sf * (kr - kl)).abs() < 1e-9);
            assert!((var - sf * ((kl + kr) - (kr - kl).powi(2))).abs() < 1e-8);
        }
    }

    /// SPEC A.8: for the paper's values `K_{-2..2} ≈ 0.005, 0.144, 0.535, 0.295, 0.022`.
    #[test]
    fn bin_transitions_match_the_spec() {
        let k = DisplacementKernel::new(0.195, 0.205, 400).unwrap();
        let kb = k.bin_transitions(3.875e-3, 2.0 / 24.0);
        let total: f64 = kb.iter().map(|(_, p)| p).sum();
        assert!((total - 1.0).abs() < 1e-10);
        let get = |b: i64| kb.iter().find(|(c, _)| *c == b).map_or(0.0, |(_, p)| *p);
        for (b, want) in [(-2, 0.005), (-1, 0.144), (0, 0.535), (1, 0.295), (2, 0.022)] {
            assert!(
                (get(b) - want).abs() < 1.5e-3,
                "K_{b} = {} vs {want}",
                get(b)
            );
        }
    }
}
