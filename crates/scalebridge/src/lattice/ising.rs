//! The periodic `L × L` Ising configuration (`s = ±1`, `H = −Σ_<ij> s_i s_j`) and its
//! per-configuration observables (SPEC B.1).

use crate::rng::{SbRng, uniform};

/// Spins of an `L × L` torus, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lattice {
    /// Linear size.
    pub l: usize,
    /// Spins ±1, index `i·L + j`.
    pub spins: Vec<i8>,
}

impl Lattice {
    /// All spins up.
    pub fn ordered(l: usize) -> Self {
        Lattice {
            l,
            spins: vec![1; l * l],
        }
    }

    /// Independent random spins.
    pub fn random(l: usize, rng: &mut SbRng) -> Self {
        Lattice {
            l,
            spins: (0..l * l)
                .map(|_| if uniform(rng) < 0.5 { 1 } else { -1 })
                .collect(),
        }
    }

    /// Magnetisation per site `m = Σ s / L²`.
    pub fn magnetisation(&self) -> f64 {
        self.spins.iter().map(|&s| s as i64).sum::<i64>() as f64 / self.spins.len() as f64
    }

    /// `Σ_<ij> s_i s_j` over the `2L²` nearest-neighbour bonds.
    pub fn bond_sum(&self) -> i64 {
        let l = self.l;
        let s = &self.spins;
        let mut b = 0i64;
        for i in 0..l {
            let down = ((i + 1) % l) * l;
            for j in 0..l {
                let here = s[i * l + j] as i64;
                b += here * (s[i * l + (j + 1) % l] as i64 + s[down + j] as i64);
            }
        }
        b
    }

    /// Energy per site `e = −Σ_<ij> s_i s_j / L²`.
    pub fn energy(&self) -> f64 {
        -(self.bond_sum() as f64) / self.spins.len() as f64
    }
}
