//! Observables of a lifted fine state.
//!
//! Every built-in observable needs only walker counts: on the model's coarse bins they are
//! `Multinomial(nf, softmax(X))`, and on a binning `r` times finer each coarse bin's walkers are
//! spread over its `r` sub-bins by the within-bin profile ([`WithinBin`]):
//! `Multinomial(m_j, f_j1, …, f_jr)` with `f_jk = (1 + s_j ξ_k)/r` (`s_j = 0`, uniform, for the
//! paper's map) — exactly what binning positions drawn from the profile would give, without
//! drawing positions. A user's observable that needs positions can draw them from the counts
//! with [`LiftedSample::positions`].

use crate::error::{Error, Result};
use crate::math::{sample_multinomial, softmax};
use crate::rng::{SbRng, uniform};
use crate::walkers::domain::Domain;
use crate::walkers::within::{WithinBin, offset_in_bin, sub_bin_fractions};

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
    /// How walkers spread within a coarse bin.
    pub within: WithinBin,
}

impl LiftedSample<'_> {
    /// Every coarse bin's normalised within-bin slope (zeros for the uniform profile).
    pub fn slopes(&self) -> Vec<f64> {
        match self.within {
            WithinBin::Uniform => vec![0.0; self.x.len()],
            profile => profile.slopes(&softmax(self.x)),
        }
    }

    /// Counts on `b` bins (a multiple or a divisor of `nc`), drawing the sub-bin split from
    /// the within-bin profile when finer.
    pub fn counts_on(&self, b: usize, rng: &mut SbRng) -> Result<Vec<i64>> {
        let nc = self.counts.len();
        if b == nc {
            Ok(self.counts.to_vec())
        } else if b > nc {
            let r = b / nc;
            self.counts
                .iter()
                .zip(self.slopes())
                .map(|(&m, s)| sample_multinomial(m as u64, &sub_bin_fractions(s, r), rng))
                .collect::<Result<Vec<_>>>()
                .map(|parts| parts.concat())
        } else {
            let r = nc / b;
            Ok(self.counts.chunks(r).map(|c| c.iter().sum()).collect())
        }
    }

    /// Walker positions drawn from the within-bin profile of their coarse bins (in bin order).
    pub fn positions(&self, rng: &mut SbRng) -> Vec<f64> {
        let dy = self.domain.bin_width(self.counts.len());
        let mut out = Vec::with_capacity(self.nf);
        for ((j, &m), s) in self.counts.iter().enumerate().zip(self.slopes()) {
            for _ in 0..m {
                let w = offset_in_bin(s, uniform(rng));
                out.push(self.domain.wrap(self.domain.ymin + (j as f64 + w) * dy));
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
            within: WithinBin::Uniform,
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

    /// With the linear profile, finer counts and drawn positions follow the reconstructed
    /// density: on a coarse state whose masses rise linearly, every sub-bin of an inner bin gets
    /// the linear density's own share, within 5 binomial σ; bin totals are kept exactly.
    #[test]
    fn finer_counts_and_positions_follow_the_linear_profile() {
        let nc = 6;
        let rho: Vec<f64> = (0..nc).map(|j| 1.0 + 0.3 * j as f64).collect();
        let total: f64 = rho.iter().sum();
        let x: Vec<f64> = rho.iter().map(|r| (r / total).ln()).collect();
        let counts: Vec<i64> = rho
            .iter()
            .map(|r| (2_400_000.0 * r / total).round() as i64)
            .collect();
        let nf = counts.iter().sum::<i64>() as usize;
        let s = LiftedSample {
            x: &x,
            counts: &counts,
            nf,
            domain: Domain::default(),
            within: WithinBin::Linear,
        };
        let r = 4;
        let mut rng = stream(2, 0, 0);
        let fine = s.counts_on(nc * r, &mut rng).unwrap();
        let pos = s.positions(&mut rng);
        let binned = crate::walkers::restrict::bin_counts(&pos, &s.domain, nc * r);
        for j in 0..nc {
            assert_eq!(fine[j * r..(j + 1) * r].iter().sum::<i64>(), counts[j]);
            assert_eq!(binned[j * r..(j + 1) * r].iter().sum::<i64>(), counts[j]);
        }
        // bins 1..nc−1 lie between neighbours on the line: sub-bin k of bin j holds the share
        // (1 + s ξ_k)/r with s = 0.15/ρ_j (half a bin's rise over the bin's mass)
        for j in 1..nc - 1 {
            for k in 0..r {
                let xi = (2 * k + 1) as f64 / r as f64 - 1.0;
                let p = (1.0 + 0.15 / rho[j] * xi) / r as f64;
                let m = counts[j] as f64;
                let se = (m * p * (1.0 - p)).sqrt();
                for (what, c) in [
                    ("counts", fine[j * r + k]),
                    ("positions", binned[j * r + k]),
                ] {
                    assert!(
                        (c as f64 - m * p).abs() < 5.0 * se,
                        "{what}, bin {j} sub {k}: {c} vs {:.0} ± {se:.0}",
                        m * p
                    );
                }
            }
            // and the uniform split would be off by far more than that
            let uniform_gap = 0.15 / rho[j] * (1.0 - 1.0 / r as f64) / r as f64 * counts[j] as f64;
            let se = (counts[j] as f64 / r as f64).sqrt();
            assert!(uniform_gap > 10.0 * se, "bin {j}: the test cannot tell");
        }
    }
}
