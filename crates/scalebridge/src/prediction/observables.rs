//! Observables of a lifted fine state.
//!
//! Every built-in observable needs only walker counts: on the model's coarse bins they are
//! `Multinomial(nf, softmax(X))`, and on a binning `r` times finer each coarse bin's walkers are
//! spread uniformly, i.e. `Multinomial(m_j, 1/r, …, 1/r)` over its `r` sub-bins — exactly what
//! binning positions drawn uniformly within bins would give, without drawing positions. A user's
//! observable that needs positions can draw them from the counts with
//! [`LiftedSample::positions`].

use crate::error::{Error, Result};
use crate::math::sample_multinomial;
use crate::rng::{SbRng, uniform};
use crate::walkers::domain::Domain;

/// One lifted fine state, as the observables see it.
#[derive(Debug)]
pub struct LiftedSample<'a> {
    /// The coarse state `X`.
    pub x: &'a [f64],
    /// Walker counts on the model's coarse bins.
    pub counts: &'a [i64],
    /// Walkers `nf`.
    pub nf: usize,
    /// The periodic interval.
    pub domain: Domain,
}

impl LiftedSample<'_> {
    /// Counts on `b` bins (a multiple or a divisor of `nc`), drawing the sub-bin split when
    /// finer.
    pub fn counts_on(&self, b: usize, rng: &mut SbRng) -> Result<Vec<i64>> {
        let nc = self.counts.len();
        if b == nc {
            Ok(self.counts.to_vec())
        } else if b > nc {
            let r = b / nc;
            let p = vec![1.0 / r as f64; r];
            self.counts
                .iter()
                .map(|&m| sample_multinomial(m as u64, &p, rng))
                .collect::<Result<Vec<_>>>()
                .map(|parts| parts.concat())
        } else {
            let r = nc / b;
            Ok(self.counts.chunks(r).map(|c| c.iter().sum()).collect())
        }
    }

    /// Walker positions drawn uniformly within their coarse bins (in bin order).
    pub fn positions(&self, rng: &mut SbRng) -> Vec<f64> {
        let dy = self.domain.bin_width(self.counts.len());
        let mut out = Vec::with_capacity(self.nf);
        for (j, &m) in self.counts.iter().enumerate() {
            for _ in 0..m {
                out.push(
                    self.domain
                        .wrap(self.domain.ymin + (j as f64 + uniform(rng)) * dy),
                );
            }
        }
        out
    }
}

/// A scalar or vector observable of the fine state.
pub trait Observable: Send + Sync {
    /// Name used in file names and reports.
    fn name(&self) -> String;
    /// Number of components.
    fn dim(&self) -> usize;
    /// Evaluates the observable on one lifted sample into `out` (`dim()` values).
    fn evaluate(&self, sample: &LiftedSample<'_>, rng: &mut SbRng, out: &mut [f64]) -> Result<()>;
}

/// Checks that `b` bins nest with the model's `nc` (a multiple or a divisor).
pub fn check_binning(b: usize, nc: usize) -> Result<()> {
    if b == 0 || !(b % nc == 0 || nc % b == 0) {
        return Err(Error::param(
            "bins",
            b,
            &format!("a multiple or a divisor of the model's nc = {nc}"),
        ));
    }
    Ok(())
}

/// The density on `bins` equal bins: probability per unit length, `count/(nf·Δy_B)`.
#[derive(Clone, Copy, Debug)]
pub struct Density {
    /// Number of bins `B`.
    pub bins: usize,
}

impl Observable for Density {
    fn name(&self) -> String {
        format!("density_bins{}", self.bins)
    }
    fn dim(&self) -> usize {
        self.bins
    }
    fn evaluate(&self, s: &LiftedSample<'_>, rng: &mut SbRng, out: &mut [f64]) -> Result<()> {
        let norm = 1.0 / (s.nf as f64 * s.domain.bin_width(self.bins));
        for (o, c) in out.iter_mut().zip(s.counts_on(self.bins, rng)?) {
            *o = c as f64 * norm;
        }
        Ok(())
    }
}

/// The 2-bin probability `P(k1, k2)` that two distinct walkers sit in coarse bins `k1` and
/// `k2`: `m_k1 m_k2/(nf(nf−1))`, or `m_k(m_k−1)/(nf(nf−1))` on the diagonal (SPEC A.7).
#[derive(Clone, Debug)]
pub struct TwoBin {
    /// The pairs (0-based coarse bins).
    pub pairs: Vec<(usize, usize)>,
}

impl TwoBin {
    /// `P(k1, k2)` from counts.
    pub fn of_counts(counts: &[i64], k1: usize, k2: usize) -> f64 {
        let nf: i64 = counts.iter().sum();
        let denom = (nf * (nf - 1)).max(1) as f64;
        let (a, b) = (counts[k1], counts[k2]);
        if k1 == k2 {
            (a * (a - 1)) as f64 / denom
        } else {
            (a * b) as f64 / denom
        }
    }
}

impl Observable for TwoBin {
    fn name(&self) -> String {
        "two_bin".to_owned()
    }
    fn dim(&self) -> usize {
        self.pairs.len()
    }
    fn evaluate(&self, s: &LiftedSample<'_>, _rng: &mut SbRng, out: &mut [f64]) -> Result<()> {
        for (o, &(a, b)) in out.iter_mut().zip(&self.pairs) {
            *o = Self::of_counts(s.counts, a, b);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn finer_counts_split_each_bin_uniformly() {
        let counts = [4000i64, 0, 2000];
        let s = LiftedSample {
            x: &[0.0; 3],
            counts: &counts,
            nf: 6000,
            domain: Domain::default(),
        };
        let mut rng = stream(1, 0, 0);
        let fine = s.counts_on(12, &mut rng).unwrap();
        assert_eq!(fine.len(), 12);
        assert_eq!(fine[..4].iter().sum::<i64>(), 4000);
        assert!(fine[4..8].iter().all(|&c| c == 0));
        for &c in &fine[..4] {
            // Binomial(4000, 1/4): sd ≈ 27
            assert!((c - 1000).abs() < 150, "{fine:?}");
        }
        assert_eq!(s.counts_on(1, &mut rng).unwrap(), vec![6000]);
        assert!(check_binning(48, 24).is_ok() && check_binning(8, 24).is_ok());
        assert!(check_binning(36, 24).is_err() && check_binning(0, 24).is_err());
        let p = TwoBin::of_counts(&counts, 0, 2);
        assert!((p - 4000.0 * 2000.0 / (6000.0 * 5999.0)).abs() < 1e-15);
        assert!(
            (TwoBin::of_counts(&counts, 0, 0) - 4000.0 * 3999.0 / (6000.0 * 5999.0)).abs() < 1e-15
        );
    }
}
