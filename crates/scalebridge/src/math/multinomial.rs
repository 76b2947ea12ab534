//! Multinomial draws as conditional binomials (rand_distr has no multinomial).

use crate::error::{Error, Result};
use rand::Rng;
use rand_distr::{Binomial, Distribution};

/// Multinomial counts `(m_1..m_K) ~ Multinomial(n, p)` drawn as `K-1` conditional binomials.
/// `p` must be non-negative and sum to 1 (up to rounding; the last category takes the
/// remainder). A NaN, infinite or negative probability is a numerical error, never a silent
/// zero.
pub fn sample_multinomial<R: Rng + ?Sized>(n: u64, p: &[f64], rng: &mut R) -> Result<Vec<i64>> {
    if let Some(j) = p.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::numerical(
            "multinomial draw",
            format!("probability {j} is {} (finite and >= 0 expected)", p[j]),
        ));
    }
    let mut counts = vec![0i64; p.len()];
    let mut left = n;
    let mut mass = 1.0;
    for (j, &pj) in p.iter().enumerate() {
        if left == 0 {
            break;
        }
        if j + 1 == p.len() {
            counts[j] = left as i64;
            break;
        }
        let q = if mass > 0.0 {
            (pj / mass).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let k = match Binomial::new(left, q) {
            Ok(b) => b.sample(rng),
            Err(_) => 0,
        };
        counts[j] = k as i64;
        left -= k;
        mass -= pj;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn multinomial_sums_to_n_and_has_right_means() {
        let p = [0.1, 0.2, 0.3, 0.4];
        let mut rng = stream(3, 0, 0);
        let reps = 4000;
        let n = 100u64;
        let mut sums = [0.0; 4];
        for _ in 0..reps {
            let c = sample_multinomial(n, &p, &mut rng).unwrap();
            assert_eq!(c.iter().sum::<i64>(), n as i64);
            for j in 0..4 {
                sums[j] += c[j] as f64;
            }
        }
        for j in 0..4 {
            let mean = sums[j] / reps as f64;
            let se = (n as f64 * p[j] * (1.0 - p[j]) / reps as f64).sqrt();
            assert!(
                (mean - n as f64 * p[j]).abs() < 5.0 * se,
                "bin {j}: {mean} vs {}",
                n as f64 * p[j]
            );
        }
    }

    /// Regression: a NaN probability used to give that bin zero walkers silently.
    #[test]
    fn nan_or_negative_probability_is_an_error() {
        let mut rng = stream(3, 0, 0);
        for p in [
            [0.5, f64::NAN, 0.5],
            [0.5, -0.1, 0.6],
            [f64::INFINITY, 0.0, 0.0],
        ] {
            let e = sample_multinomial(10, &p, &mut rng).unwrap_err();
            assert!(matches!(e, Error::Numerical { .. }), "{e}");
        }
    }
}
