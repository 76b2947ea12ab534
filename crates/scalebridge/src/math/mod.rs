//! General numerics used by both directions: stable softmax and log-sum-exp, the logistic
//! function, centring (the gauge of SPEC A.2), multinomial draws, alias tables and a
//! one-dimensional maximiser.
//!
//! Nothing here knows about walkers, laws or lattices.

pub mod alias;
pub mod brent;
pub mod exp;
pub mod multinomial;

pub use alias::AliasTable;
pub use multinomial::sample_multinomial;

/// `ln Σ_k e^{x_k}`, computed stably (shifted by the maximum), with [`exp::exp`].
pub fn log_sum_exp(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + x.iter().map(|&v| exp::exp(v - m)).sum::<f64>().ln()
}

/// The logistic function `σ(t) = 1/(1 + e^{−t})`, without overflow for either sign.
pub fn logistic(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        t.exp() / (1.0 + t.exp())
    }
}

/// `softmax(x)_j = e^{x_j} / Σ_k e^{x_k}`, stable for any finite input.
pub fn softmax(x: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    softmax_into(x, &mut out);
    out
}

/// [`softmax`] into a caller's buffer, with this crate's [`exp::exp`] (the same bits on every
/// machine; the law's evaluations are mostly this).
pub fn softmax_into(x: &[f64], out: &mut [f64]) {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut z = 0.0;
    for (o, &v) in out.iter_mut().zip(x) {
        *o = exp::exp(v - m);
        z += *o;
    }
    for o in out.iter_mut() {
        *o /= z;
    }
}

/// Centres a coarse state in place, `X ← X - mean(X)` (the gauge of SPEC A.2).
pub fn centre(x: &mut [f64]) {
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    for v in x.iter_mut() {
        *v -= mean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_and_normalised() {
        let p = softmax(&[1000.0, 1000.0, -1000.0]);
        assert!((p[0] - 0.5).abs() < 1e-15 && (p[1] - 0.5).abs() < 1e-15 && p[2] == 0.0);
        assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn logistic_has_no_overflow_and_is_symmetric() {
        assert_eq!(logistic(1000.0), 1.0);
        assert_eq!(logistic(-1000.0), 0.0);
        for t in [-3.0, -0.5, 0.0, 0.7, 20.0] {
            assert!((logistic(t) + logistic(-t) - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn centring_gives_zero_mean() {
        let mut x = [1.0, 2.0, 6.0];
        centre(&mut x);
        assert_eq!(x, [-2.0, -1.0, 3.0]);
    }
}
