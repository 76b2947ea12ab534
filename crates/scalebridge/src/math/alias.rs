//! Walker's alias method: O(1) sampling from a fixed discrete distribution (Vose's construction).

use crate::error::{Error, Result};
use rand::Rng;

/// An alias table over the outcomes `0..n`.
#[derive(Clone, Debug)]
pub struct AliasTable {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Builds the table from non-negative weights (normalised here).
    pub fn new(weights: &[f64]) -> Result<Self> {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if n == 0 || n > u32::MAX as usize {
            return Err(Error::numerical("alias table", format!("{n} outcomes")));
        }
        if !total.is_finite() || total <= 0.0 || weights.iter().any(|w| w.is_nan() || *w < 0.0) {
            return Err(Error::numerical(
                "alias table",
                "weights must be finite, non-negative and not all zero",
            ));
        }
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias = vec![0u32; n];
        let mut prob = vec![1.0; n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] = (scaled[l] + scaled[s]) - 1.0;
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // leftovers are 1 up to rounding
        for i in small.into_iter().chain(large) {
            prob[i] = 1.0;
        }
        Ok(AliasTable { prob, alias })
    }

    /// Number of outcomes.
    pub fn len(&self) -> usize {
        self.prob.len()
    }

    /// Whether the table is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.prob.is_empty()
    }

    /// One draw, from a single 64-bit random word: its top 53 bits give `u ∈ [0,1)`; the column
    /// is `floor(u·n)` and the fractional part `u·n - column` (≥ 40 bits for `n < 8192`) decides
    /// between the column and its alias.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let x = u * self.prob.len() as f64;
        let col = (x as usize).min(self.prob.len() - 1);
        if x - (col as f64) < self.prob[col] {
            col
        } else {
            self.alias[col] as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn reproduces_weights() {
        let w = [0.05, 0.0, 0.3, 0.15, 0.5];
        let t = AliasTable::new(&w).unwrap();
        let mut rng = stream(11, 0, 0);
        let n = 400_000;
        let mut c = [0usize; 5];
        for _ in 0..n {
            c[t.sample(&mut rng)] += 1;
        }
        assert_eq!(c[1], 0);
        for j in 0..5 {
            let se = (n as f64 * w[j] * (1.0 - w[j])).sqrt();
            assert!((c[j] as f64 - n as f64 * w[j]).abs() <= 5.0 * se + 1e-9);
        }
    }

    #[test]
    fn rejects_bad_weights() {
        assert!(AliasTable::new(&[]).is_err());
        assert!(AliasTable::new(&[0.0, 0.0]).is_err());
        assert!(AliasTable::new(&[1.0, f64::NAN]).is_err());
        assert!(AliasTable::new(&[1.0, -0.1]).is_err());
    }
}
