//! How walkers spread inside a coarse bin when a coarse state is lifted to a finer picture: the
//! within-bin profile of the coarse-to-fine map.
//!
//! The coarse state fixes each bin's mass `ρ_j = softmax(X)_j` and nothing finer: the counts'
//! likelihood (SPEC A.2) does not depend on where in its bin a walker sits, so learning is the
//! same for every profile. What the profile changes is the fine picture a prediction draws on a
//! binning finer than the model's (`--bins 96` of a 24-bin model) and the positions it lifts to.
//!
//! * [`WithinBin::Uniform`] (default), the paper's map and SPEC A.2's rule: walkers uniform
//!   inside their bin, each sub-bin inheriting `ρ_j/r`. A smooth density then comes back as a
//!   staircase, off by about `|ρ'| Δy/4` on a binning four times finer.
//! * [`WithinBin::Linear`] (opt-in): a linear profile `ρ_j (1 + s_j ξ)`, `ξ ∈ [−1, 1]` across
//!   the bin, its slope from the neighbouring bins with the monotonised-central (MC) limiter of
//!   finite-volume schemes (van Leer 1977):
//!
//! ```text
//! s_j ρ_j = minmod( (ρ_{j+1} − ρ_{j−1})/4,  ρ_{j+1} − ρ_j,  ρ_j − ρ_{j−1} )   (periodic)
//! ```
//!
//! Each bin keeps its mass exactly (the profile integrates to `ρ_j`), a linear density is
//! reproduced exactly, the reconstruction is second-order accurate where the density is smooth,
//! and, being limited, it never makes a new extremum at a bin edge: a bin at a local maximum or
//! minimum (or next to a jump) stays flat, and `|s_j| ≤ 1`, so the density stays non-negative
//! (an edge value lies between the neighbouring bins' means).

use crate::error::{Error, Result};

/// The within-bin profile of the coarse-to-fine map (module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WithinBin {
    /// Walkers uniform within their bin (the paper's map, SPEC A.2).
    #[default]
    Uniform,
    /// A limited linear profile from the neighbouring bins' masses.
    Linear,
}

impl WithinBin {
    /// The names [`WithinBin::parse`] accepts.
    pub const NAMES: [&'static str; 2] = ["uniform", "linear"];

    /// `uniform` or `linear`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "linear" => Ok(WithinBin::Linear),
            "uniform" => Ok(WithinBin::Uniform),
            other => Err(Error::param(
                "within",
                other,
                &format!("one of {}", Self::NAMES.join(", ")),
            )),
        }
    }

    /// The name [`WithinBin::parse`] reads.
    pub fn name(&self) -> &'static str {
        match self {
            WithinBin::Uniform => "uniform",
            WithinBin::Linear => "linear",
        }
    }

    /// Every bin's normalised slope `s_j ∈ [−1, 1]` given the bins' masses `rho` (periodic):
    /// zeros for the uniform profile.
    pub fn slopes(&self, rho: &[f64]) -> Vec<f64> {
        let n = rho.len();
        match self {
            WithinBin::Uniform => vec![0.0; n],
            WithinBin::Linear => (0..n)
                .map(|j| {
                    let (left, mid, right) = (rho[(j + n - 1) % n], rho[j], rho[(j + 1) % n]);
                    let half_jump = minmod3(0.25 * (right - left), right - mid, mid - left);
                    if mid > 0.0 {
                        (half_jump / mid).clamp(-1.0, 1.0)
                    } else {
                        0.0
                    }
                })
                .collect(),
        }
    }
}

/// The fractions of a bin's mass in its `r` equal sub-bins under the profile `1 + s ξ`:
/// `(1 + s ξ_k)/r`, `ξ_k = (2k + 1)/r − 1` the sub-bin's centre; they sum to 1.
pub fn sub_bin_fractions(s: f64, r: usize) -> Vec<f64> {
    let rf = r as f64;
    (0..r)
        .map(|k| (1.0 + s * ((2 * k + 1) as f64 / rf - 1.0)) / rf)
        .collect()
}

/// Where in its bin (a fraction of the bin's width, in `[0, 1]`) a walker drawn from the profile
/// `1 + s ξ` sits, given a uniform `u ∈ [0, 1)`: the inverse of its CDF,
/// `w = 4u / ((1 − s) + sqrt((1 − s)² + 4su))` with `w = 1 + ξ ∈ [0, 2]` (the form without the
/// cancellation of the textbook root; `s = 0` gives `u`).
pub fn offset_in_bin(s: f64, u: f64) -> f64 {
    let a = 1.0 - s;
    let den = a + (a * a + 4.0 * s * u).max(0.0).sqrt();
    if den > 0.0 {
        (2.0 * u / den).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The argument of smallest magnitude when all three share a sign, else 0.
fn minmod3(a: f64, b: f64, c: f64) -> f64 {
    if a > 0.0 && b > 0.0 && c > 0.0 {
        a.min(b).min(c)
    } else if a < 0.0 && b < 0.0 && c < 0.0 {
        a.max(b).max(c)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A linear density (away from the periodic wrap) is reproduced exactly: every sub-bin gets
    /// the linear density's own mass.
    #[test]
    fn a_linear_density_comes_back_exactly() {
        // ρ(y) = 1 + 0.05 y on bins y ∈ [j, j+1), j = 0..8; bins 1..6 have both neighbours on
        // the line
        let rho: Vec<f64> = (0..8).map(|j| 1.0 + 0.05 * (j as f64 + 0.5)).collect();
        let s = WithinBin::Linear.slopes(&rho);
        for j in 1..7 {
            let f = sub_bin_fractions(s[j], 4);
            for (k, fk) in f.iter().enumerate() {
                let (a, b) = (j as f64 + k as f64 / 4.0, j as f64 + (k + 1) as f64 / 4.0);
                let exact = (b - a) + 0.025 * (b * b - a * a);
                assert!((rho[j] * fk - exact).abs() < 1e-14, "bin {j} sub {k}");
            }
        }
        assert!(WithinBin::Uniform.slopes(&rho).iter().all(|&v| v == 0.0));
    }

    /// Masses are kept, profiles stay non-negative, extrema and jumps stay flat.
    #[test]
    fn limited_profiles_keep_mass_and_sign() {
        let rho = [0.0, 0.0, 0.3, 0.4, 0.1, 0.2, 0.0, 0.0];
        let s = WithinBin::Linear.slopes(&rho);
        for (j, &sj) in s.iter().enumerate() {
            assert!(sj.abs() <= 1.0);
            let f = sub_bin_fractions(sj, 5);
            assert!((f.iter().sum::<f64>() - 1.0).abs() < 1e-15);
            assert!(f.iter().all(|&v| v >= 0.0), "bin {j}: {f:?}");
        }
        // bin 3 a maximum, bin 4 a minimum, bins next to empty ones limited by the jump
        assert_eq!((s[3], s[4]), (0.0, 0.0));
        // bin 2 rises from 0 to 0.4: central (0.4 − 0)/4 = 0.1 is the smallest of 0.1, 0.1, 0.3
        assert!((s[2] - 0.1 / 0.3).abs() < 1e-15);
        // bin 5 sits between 0.1 and 0: the backward jump 0.1 and the central −0.025 disagree
        assert_eq!(s[5], 0.0);
        assert_eq!((s[0], s[7]), (0.0, 0.0));
    }

    /// The inverse CDF: `offset_in_bin(s, F(w)) = w` for the profile's CDF
    /// `F = (w + s (w²/2 − w))/2` on `w ∈ [0, 2]`, at the ends and inside, for `|s| ≤ 1`.
    #[test]
    fn offsets_invert_the_profile_cdf() {
        for &s in &[-1.0, -0.6, -1e-9, 0.0, 1e-9, 0.3, 1.0] {
            for k in 0..=20 {
                let w = 2.0 * k as f64 / 20.0;
                let u = (w + s * (0.5 * w * w - w)) / 2.0;
                let got = offset_in_bin(s, u);
                assert!((got - w / 2.0).abs() < 1e-12, "s {s}, w {w}: {got}");
            }
        }
        assert!(WithinBin::parse("cubic").is_err());
        for n in WithinBin::NAMES {
            assert_eq!(WithinBin::parse(n).unwrap().name(), n);
        }
    }
}
