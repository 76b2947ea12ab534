//! The periodic `L × L` Ising configuration (`s = ±1`, `H = −Σ_<ij> s_i s_j`) and its
//! per-configuration observables (SPEC B.1).

pub mod file;

pub use file::{SpinWriter, lattices_from, read_spins};

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

    /// Row `i`'s spin sum and its bonds to the right and downwards (periodic).
    fn row_sums(&self, i: usize) -> (i64, i64) {
        let l = self.l;
        let here = &self.spins[i * l..(i + 1) * l];
        let d = (i + 1) % l;
        let down = &self.spins[d * l..(d + 1) * l];
        let (mut m, mut b) = (0i64, 0i64);
        for j in 0..l {
            let h = here[j] as i64;
            m += h;
            b += h * (here[(j + 1) % l] as i64 + down[j] as i64);
        }
        (m, b)
    }

    /// `(Σ s, Σ_<ij> s_i s_j)` over the spins and the `2L²` nearest-neighbour bonds; rows are
    /// summed in parallel for large lattices (integer sums: the same bits in any order).
    fn sums(&self) -> (i64, i64) {
        let add = |a: (i64, i64), b: (i64, i64)| (a.0 + b.0, a.1 + b.1);
        let rows = 0..self.l;
        if self.l >= PARALLEL_SIDE {
            use rayon::prelude::*;
            rows.into_par_iter()
                .map(|i| self.row_sums(i))
                .reduce(|| (0, 0), add)
        } else {
            rows.map(|i| self.row_sums(i)).fold((0, 0), add)
        }
    }

    /// `Σ_<ij> s_i s_j` over the `2L²` nearest-neighbour bonds.
    pub fn bond_sum(&self) -> i64 {
        self.sums().1
    }

    /// Energy per site `e = −Σ_<ij> s_i s_j / L²`.
    pub fn energy(&self) -> f64 {
        -(self.bond_sum() as f64) / self.spins.len() as f64
    }

    /// `(m, e)` per site in one pass.
    pub fn observables(&self) -> (f64, f64) {
        let (m, b) = self.sums();
        let n = self.spins.len() as f64;
        (m as f64 / n, -(b as f64) / n)
    }
}

/// Sides from which the observables sum rows in parallel.
const PARALLEL_SIDE: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// Against an explicit walk over every site's four neighbours (each bond counted twice),
    /// on the serial and the parallel path.
    #[test]
    fn observables_count_every_bond_once() {
        let mut rng = stream(1, 0, 0);
        for l in [1, 2, 5, 300] {
            let lat = Lattice::random(l, &mut rng);
            let at = |i: usize, j: usize| lat.spins[(i % l) * l + j % l] as i64;
            let mut twice = 0i64;
            for i in 0..l {
                for j in 0..l {
                    twice += at(i, j)
                        * (at(i + 1, j) + at(i + l - 1, j) + at(i, j + 1) + at(i, j + l - 1));
                }
            }
            let n = (l * l) as f64;
            let (m, e) = lat.observables();
            assert_eq!(m, lat.magnetisation());
            assert_eq!(e, -(twice / 2) as f64 / n);
            assert_eq!(e, lat.energy());
        }
    }
}
