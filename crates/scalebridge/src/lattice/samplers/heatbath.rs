//! Checkerboard heat bath (the local baseline of SPEC B.1).
//!
//! The lattice is stored as its two checkerboard colours, each `L × L/2` (site `(i, j)` of colour
//! `(i + j) mod 2` at `[i][j/2]`), so a half-sweep updates one colour array while only reading the
//! other: rows are then independent and run in parallel, each row drawing from its own stream
//! `(seed, sweep, colour, row)` — the same bits on any number of threads. A spin with
//! neighbour sum `h ∈ {−4, −2, 0, 2, 4}` is set to +1 with probability `1/(1 + e^{−2Kh})`,
//! compared against a precomputed 32-bit threshold (half a random word per spin).
//!
//! [`super::msc`] is the same dynamics multi-spin coded (64 spins per word, `L` a multiple of
//! 128): 5× faster at L = 1024 (docs/ising.md).

use crate::lattice::model::Lattice;
use crate::math::logistic;
use crate::rng::{SbRng, stream, threshold32};
use rand::Rng;
use rayon::prelude::*;

/// Purpose tag of the heat-bath streams.
pub const HEATBATH: u64 = 0x48_42_54;

/// Sides from which half-sweeps run rows in parallel.
const PARALLEL_SIDE: usize = 128;

/// The heat-bath acceptance table at coupling `k`: entry `n` (`n` neighbours up, field
/// `h = 2n − 4`) is `P(s = +1 | h)·2³² = σ(2Kh)·2³²`.
pub fn thresholds(k: f64) -> [u64; 5] {
    [0, 1, 2, 3, 4].map(|n| threshold32(logistic(2.0 * k * (2.0 * n as f64 - 4.0))))
}

/// A heat-bath sampler: the lattice in checkerboard layout plus its acceptance table.
#[derive(Clone, Debug)]
pub struct HeatBath {
    l: usize,
    colour: [Vec<i8>; 2],
    /// `threshold[(h + 4) / 2]`: `P(s = +1 | h)·2³²`.
    threshold: [u64; 5],
    seed: u64,
    sweeps: u64,
}

impl HeatBath {
    /// A sampler at coupling `k` starting from `lat`, with streams under `seed`; the side must
    /// be even and >= 2 (two colours on the torus).
    pub fn new(lat: &Lattice, k: f64, seed: u64) -> crate::error::Result<Self> {
        let l = lat.l;
        if l < 2 || l % 2 == 1 {
            return Err(crate::error::Error::param(
                "L",
                l,
                "even and >= 2 for the checkerboard heat bath",
            ));
        }
        let mut colour = [vec![0i8; l * l / 2], vec![0i8; l * l / 2]];
        for i in 0..l {
            for j in 0..l {
                colour[(i + j) % 2][i * (l / 2) + j / 2] = lat.spins[i * l + j];
            }
        }
        let threshold = thresholds(k);
        Ok(HeatBath {
            l,
            colour,
            threshold,
            seed,
            sweeps: 0,
        })
    }

    /// The current configuration, row-major.
    pub fn lattice(&self) -> Lattice {
        let l = self.l;
        let mut spins = vec![0i8; l * l];
        for i in 0..l {
            for j in 0..l {
                spins[i * l + j] = self.colour[(i + j) % 2][i * (l / 2) + j / 2];
            }
        }
        Lattice { l, spins }
    }

    /// One sweep: colour 0, then colour 1.
    pub fn sweep(&mut self) {
        for c in 0..2 {
            self.half_sweep(c);
        }
        self.sweeps += 1;
    }

    fn half_sweep(&mut self, c: usize) {
        let (l, h) = (self.l, self.l / 2);
        let [c0, c1] = &mut self.colour;
        let (me, other): (&mut Vec<i8>, &Vec<i8>) = if c == 0 { (c0, c1) } else { (c1, c0) };
        let (seed, sweep, thr) = (self.seed, self.sweeps, self.threshold);
        let update = |(i, row): (usize, &mut [i8])| {
            let mut rng: SbRng = stream(
                seed,
                HEATBATH,
                (sweep << 33) | ((c as u64) << 32) | i as u64,
            );
            let up = &other[((i + l - 1) % l) * h..][..h];
            let down = &other[((i + 1) % l) * h..][..h];
            let same = &other[i * h..][..h];
            // site (i, j = 2k + p) with p = (i + c) mod 2; its row neighbours j ± 1 are the
            // other colour's entries k + p − 1 and k + p (mod L/2)
            let p = (i + c) % 2;
            for (k, pair) in row.chunks_mut(2).enumerate() {
                let u = rng.next_u64();
                for (t, s) in pair.iter_mut().enumerate() {
                    let kk = 2 * k + t;
                    let r = kk + p;
                    let left = same[if r == 0 { h - 1 } else { r - 1 }];
                    let right = same[if r == h { 0 } else { r }];
                    let field = (up[kk] + down[kk] + left + right) as i32;
                    let draw = (u >> (32 * t)) & 0xffff_ffff;
                    *s = if draw < thr[((field + 4) / 2) as usize] {
                        1
                    } else {
                        -1
                    };
                }
            }
        };
        if l >= PARALLEL_SIDE {
            me.par_chunks_exact_mut(h).enumerate().for_each(update);
        } else {
            me.chunks_exact_mut(h).enumerate().for_each(update);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::testing::{assert_majority_half_sweep, on_threads};

    #[test]
    fn layout_round_trips_and_neighbours_are_right() {
        let mut rng = stream(2, 0, 0);
        let lat = Lattice::random(6, &mut rng);
        let hb = HeatBath::new(&lat, 0.4, 1).unwrap();
        assert!(HeatBath::new(&Lattice::ordered(5), 0.4, 1).is_err());
        assert_eq!(hb.lattice(), lat);
        // at K = ∞ (threshold 0 or 2³² except h = 0) a spin follows its neighbours' majority:
        // check one half-sweep against the row-major computation
        let mut hb = HeatBath::new(&lat, 50.0, 1).unwrap();
        hb.half_sweep(0);
        assert_majority_half_sweep(&lat, &hb.lattice());
    }

    #[test]
    fn same_bits_on_one_and_two_threads() {
        let mut rng = stream(3, 0, 0);
        let lat = Lattice::random(256, &mut rng);
        let run = |threads: usize| {
            on_threads(threads, || {
                let mut hb = HeatBath::new(&lat, 0.44, 9).unwrap();
                for _ in 0..3 {
                    hb.sweep();
                }
                hb.lattice()
            })
        };
        assert_eq!(run(1), run(2));
    }
}
