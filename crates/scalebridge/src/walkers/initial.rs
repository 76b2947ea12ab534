//! The initial-state distribution `p_c,0` of controlled experiments (SPEC A.5).
//!
//! A centred smooth periodic Gaussian random field on the `nc` coarse bins:
//!
//! 1. correlation length `ℓ` log-uniform on `[corr_min, corr_max]` (in bins: equal weight per
//!    octave, from nearly white fields at `ℓ ≈ ¼ bin` to smooth bumps) and amplitude
//!    `A ~ U(0, amplitude)`;
//! 2. Fourier modes `k = 1..⌊nc/2⌋` with independent normal coefficients of variance
//!    `S(k) = exp(-(2πkℓ/nc)²/2)` — the spectrum of a Gaussian covariance `e^{-r²/(2ℓ²)}`;
//!    no `k = 0` mode, so the field is centred;
//! 3. the field is rescaled so that its standard deviation across bins (population form,
//!    `sqrt(Σ_j X_j²/nc)`) is exactly `A`.
//!
//! `A` is the knob that decides how far from uniform the training densities go: the density
//! ratio between the fullest and emptiest bin is roughly `e^{4A}`.

use crate::error::{Error, Result};
use crate::math::centre;
use crate::rng::{SbRng, standard_normal, uniform};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// Smooth random fields with random amplitude and correlation length.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmoothRandomField {
    /// Upper end `MAX` of the amplitude range `A ~ U(0, MAX)`.
    pub amplitude: f64,
    /// Shortest correlation length, in bins.
    pub corr_min: f64,
    /// Longest correlation length, in bins.
    pub corr_max: f64,
}

impl SmoothRandomField {
    /// Checks the ranges against `nc` bins.
    pub fn check(&self, nc: usize) -> Result<()> {
        if !(self.amplitude >= 0.0 && self.amplitude.is_finite()) {
            return Err(Error::param("amplitude", self.amplitude, "finite and >= 0"));
        }
        if !(self.corr_min > 0.0 && self.corr_min.is_finite()) {
            return Err(Error::param(
                "corr_min",
                self.corr_min,
                "finite and > 0 (bins)",
            ));
        }
        if !(self.corr_max >= self.corr_min && self.corr_max <= nc as f64) {
            return Err(Error::param(
                "corr_max",
                self.corr_max,
                &format!("between corr_min = {} and nc = {nc} (bins)", self.corr_min),
            ));
        }
        Ok(())
    }

    /// One centred field on `nc` bins.
    pub fn sample(&self, nc: usize, rng: &mut SbRng) -> Vec<f64> {
        let amp = self.amplitude * uniform(rng);
        let ell = self.corr_min * (self.corr_max / self.corr_min).powf(uniform(rng));
        let mut x = vec![0.0; nc];
        for k in 1..=nc / 2 {
            let w = 2.0 * PI * k as f64 / nc as f64;
            // relative to mode 1, so that a long correlation length cannot underflow every mode
            let sd = (-(w * ell).powi(2) / 2.0 + (2.0 * PI * ell / nc as f64).powi(2) / 2.0).exp();
            let a = sd * standard_normal(rng);
            let b = if 2 * k == nc {
                0.0
            } else {
                sd * standard_normal(rng)
            };
            for (j, xj) in x.iter_mut().enumerate() {
                let phase = w * j as f64;
                *xj += a * phase.cos() + b * phase.sin();
            }
        }
        centre(&mut x);
        let sd = (x.iter().map(|v| v * v).sum::<f64>() / nc as f64).sqrt();
        if sd > 0.0 {
            for v in &mut x {
                *v *= amp / sd;
            }
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn fields_are_centred_with_std_below_max() {
        let f = SmoothRandomField {
            amplitude: 1.5,
            corr_min: 1.0,
            corr_max: 6.0,
        };
        let mut rng = stream(1, 0, 0);
        let mut amps = Vec::new();
        for _ in 0..2000 {
            let x = f.sample(24, &mut rng);
            let mean = x.iter().sum::<f64>() / 24.0;
            let sd = (x.iter().map(|v| v * v).sum::<f64>() / 24.0).sqrt();
            assert!(mean.abs() < 1e-12);
            assert!(sd <= 1.5 + 1e-12);
            amps.push(sd);
        }
        // A ~ U(0, 1.5): mean 0.75, sd 1.5/sqrt(12)
        let m = amps.iter().sum::<f64>() / amps.len() as f64;
        let se = 1.5 / 12f64.sqrt() / (amps.len() as f64).sqrt();
        assert!((m - 0.75).abs() < 5.0 * se, "{m}");
    }

    #[test]
    fn longer_correlation_is_smoother() {
        // mean squared increment between neighbouring bins, relative to the variance
        let rough = |corr: f64| {
            let f = SmoothRandomField {
                amplitude: 1.0,
                corr_min: corr,
                corr_max: corr,
            };
            let mut rng = stream(2, 0, 0);
            let mut s = 0.0;
            for _ in 0..200 {
                let x = f.sample(24, &mut rng);
                let v = x.iter().map(|v| v * v).sum::<f64>();
                if v > 0.0 {
                    s += (0..24)
                        .map(|j| (x[(j + 1) % 24] - x[j]).powi(2))
                        .sum::<f64>()
                        / v;
                }
            }
            s
        };
        assert!(rough(4.0) < 0.5 * rough(1.0));
    }
}
