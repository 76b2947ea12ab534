//! Multi-spin-coded checkerboard heat bath: 64 spins of one colour per word.
//!
//! Same layout as [`super::heatbath`] (two colours, `L × L/2` each), but a colour row is packed
//! into `L/128` words (bit set = spin up), so `L` must be a multiple of 128. For a word of 64
//! same-colour spins the four neighbour words are the other colour's rows `i ± 1` and row `i`
//! (aligned) and row `i` shifted by one lane; a bit-sliced adder turns them into five masks
//! "`k` neighbours up", `k = 0..4`.
//!
//! The heat-bath draw is exact to 32 bits, like the byte version, but shares the random bits
//! cleverly: each spin needs a uniform `u` compared with its threshold `t_k = P(up | k)·2³²`.
//! The 64 uniforms of a word are generated bit-plane by bit-plane from the most significant
//! bit (one random word = one bit of all 64 uniforms); a lane is decided at the first plane
//! where its `u` bit differs from its threshold bit, so planes are drawn only until all 64
//! lanes are decided — about 7–8 words per 64 spins instead of 32. Lanes still tied after 32
//! planes have `u = t` and stay down (`u < t` is false), exactly as in the byte version.

use crate::lattice::model::Lattice;
use crate::rng::{SbRng, stream};
use rand::Rng;
use rayon::prelude::*;

/// Purpose tag of the multi-spin-coded heat-bath streams.
pub const MSC: u64 = 0x4d_53_43;

/// Sides from which half-sweeps run rows in parallel.
const PARALLEL_SIDE: usize = 256;

/// A multi-spin-coded heat-bath sampler.
#[derive(Clone, Debug)]
pub struct PackedHeatBath {
    l: usize,
    /// Words per colour row, `L/128`.
    w: usize,
    colour: [Vec<u64>; 2],
    /// `planes[j]`: which `k` (bit `k`) have bit `31 − j` of `t_k` set.
    planes: [u8; 32],
    /// `k` with `t_k = 2³²` (always up).
    always: u8,
    seed: u64,
    sweeps: u64,
}

/// The five masks "k of the four neighbour bits set" of 64 lanes.
#[inline]
fn count_masks(n1: u64, n2: u64, n3: u64, n4: u64) -> [u64; 5] {
    let (a, b) = (n1 ^ n2, n1 & n2);
    let (d, e) = (n3 ^ n4, n3 & n4);
    let (s0, c0) = (a ^ d, a & d);
    // total = s0 + 2 (b + e + c0) = s0 + 2 t1 + 4 t2
    let t1 = b ^ e ^ c0;
    let t2 = (b & e) | (b & c0) | (e & c0);
    [
        !s0 & !t1 & !t2,
        s0 & !t1 & !t2,
        !s0 & t1 & !t2,
        s0 & t1 & !t2,
        t2,
    ]
}

impl PackedHeatBath {
    /// A sampler at coupling `k` starting from `lat`; `None` unless `L` is a multiple of 128.
    pub fn new(lat: &Lattice, k: f64, seed: u64) -> Option<Self> {
        let l = lat.l;
        if l == 0 || l % 128 != 0 {
            return None;
        }
        let (h, w) = (l / 2, l / 128);
        let mut colour = [vec![0u64; l * w], vec![0u64; l * w]];
        for i in 0..l {
            for j in 0..l {
                if lat.spins[i * l + j] > 0 {
                    let lane = j / 2;
                    colour[(i + j) % 2][i * w + lane / 64] |= 1 << (lane % 64);
                }
            }
        }
        debug_assert_eq!(h, 64 * w);
        let t = super::heatbath::thresholds(k);
        let mut planes = [0u8; 32];
        for (j, plane) in planes.iter_mut().enumerate() {
            for (c, &tc) in t.iter().enumerate() {
                if tc < (1 << 32) && (tc >> (31 - j)) & 1 == 1 {
                    *plane |= 1 << c;
                }
            }
        }
        let always = (0..5)
            .filter(|&c| t[c] >= 1 << 32)
            .fold(0u8, |a, c| a | 1 << c);
        Some(PackedHeatBath {
            l,
            w,
            colour,
            planes,
            always,
            seed,
            sweeps: 0,
        })
    }

    /// The current configuration, row-major.
    pub fn lattice(&self) -> Lattice {
        let (l, w) = (self.l, self.w);
        let mut spins = vec![0i8; l * l];
        for i in 0..l {
            for j in 0..l {
                let lane = j / 2;
                let bit = self.colour[(i + j) % 2][i * w + lane / 64] >> (lane % 64) & 1;
                spins[i * l + j] = if bit == 1 { 1 } else { -1 };
            }
        }
        Lattice { l, spins }
    }

    /// `(m, e)` straight from the packed words: every bond joins the two colours, so the bond
    /// sum is `2L² − 2 ·` (number of unequal colour-0/colour-1 neighbour pairs).
    pub fn observe(&self) -> (f64, f64) {
        let (l, w) = (self.l, self.w);
        let n = (l * l) as f64;
        let up: u64 = self
            .colour
            .iter()
            .flatten()
            .map(|x| x.count_ones() as u64)
            .sum();
        let mut unequal = 0u64;
        for i in 0..l {
            let p = i % 2; // colour 0 in row i sits at j = 2k + p
            let me = &self.colour[0][i * w..(i + 1) * w];
            let other = &self.colour[1];
            let rows = [(i + l - 1) % l, (i + 1) % l, i];
            for q in 0..w {
                let mut diff = 0;
                for &r in &rows {
                    diff += (me[q] ^ other[r * w + q]).count_ones() as u64;
                }
                let same = &other[i * w..(i + 1) * w];
                diff += (me[q] ^ shifted(same, q, p)).count_ones() as u64;
                unequal += diff;
            }
        }
        let m = (2.0 * up as f64 - n) / n;
        let bonds = 2.0 * n - 2.0 * unequal as f64;
        (m, -bonds / n)
    }

    /// One sweep: colour 0, then colour 1.
    pub fn sweep(&mut self) {
        for c in 0..2 {
            self.half_sweep(c);
        }
        self.sweeps += 1;
    }

    fn half_sweep(&mut self, c: usize) {
        let (l, w) = (self.l, self.w);
        let [c0, c1] = &mut self.colour;
        let (me, other): (&mut Vec<u64>, &Vec<u64>) = if c == 0 { (c0, c1) } else { (c1, c0) };
        let (seed, sweep, planes, always) = (self.seed, self.sweeps, self.planes, self.always);
        let update = |(i, row): (usize, &mut [u64])| {
            let mut rng: SbRng = stream(seed, MSC, (sweep << 33) | ((c as u64) << 32) | i as u64);
            let up = &other[((i + l - 1) % l) * w..][..w];
            let down = &other[((i + 1) % l) * w..][..w];
            let same = &other[i * w..][..w];
            let p = (i + c) % 2;
            for (q, word) in row.iter_mut().enumerate() {
                let masks = count_masks(up[q], down[q], same[q], shifted(same, q, p));
                // branch-free: a plane's set `s` selects the masks with `s` bit k
                let pick = |set: u8| {
                    let sel = |k: usize| masks[k] & 0u64.wrapping_sub((set >> k & 1) as u64);
                    sel(0) | sel(1) | sel(2) | sel(3) | sel(4)
                };
                let mut undecided = !0u64;
                let mut result = pick(always);
                undecided &= !result;
                for &plane in &planes {
                    if undecided == 0 {
                        break;
                    }
                    let t = pick(plane);
                    let r = rng.next_u64();
                    result |= undecided & !r & t;
                    undecided &= !(r ^ t);
                }
                *word = result;
            }
        };
        if l >= PARALLEL_SIDE {
            me.par_chunks_exact_mut(w).enumerate().for_each(update);
        } else {
            me.chunks_exact_mut(w).enumerate().for_each(update);
        }
    }
}

/// The other colour's row `same`, lane-shifted so lane `k` holds the row neighbour that is not
/// at the same lane: lane `k − 1` for `p = 0`, lane `k + 1` for `p = 1` (periodic).
#[inline]
fn shifted(same: &[u64], q: usize, p: usize) -> u64 {
    let w = same.len();
    if p == 0 {
        (same[q] << 1) | (same[(q + w - 1) % w] >> 63)
    } else {
        (same[q] >> 1) | (same[(q + 1) % w] << 63)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::testing::{assert_majority_half_sweep, on_threads};

    #[test]
    fn masks_count_neighbours() {
        for bits in 0u64..16 {
            let n = [bits & 1, bits >> 1 & 1, bits >> 2 & 1, bits >> 3 & 1];
            let masks = count_masks(n[0], n[1], n[2], n[3]);
            let count = bits.count_ones() as usize;
            for (k, m) in masks.iter().enumerate() {
                assert_eq!(*m & 1, (k == count) as u64, "bits {bits:04b}, k {k}");
            }
        }
    }

    #[test]
    fn layout_round_trips_and_observables_match() {
        let mut rng = stream(2, 0, 0);
        let lat = Lattice::random(128, &mut rng);
        let hb = PackedHeatBath::new(&lat, 0.4, 1).unwrap();
        assert_eq!(hb.lattice(), lat);
        let (m, e) = hb.observe();
        assert_eq!(m, lat.magnetisation());
        assert_eq!(e, lat.energy());
        assert!(PackedHeatBath::new(&Lattice::random(64, &mut rng), 0.4, 1).is_none());
    }

    /// At large K a spin follows its neighbours' majority (ties: probability ½): one half-sweep
    /// against the row-major rule, which checks the neighbour shifts at the word edges.
    #[test]
    fn half_sweep_uses_the_right_neighbours() {
        let mut rng = stream(3, 0, 0);
        let lat = Lattice::random(256, &mut rng);
        let mut hb = PackedHeatBath::new(&lat, 50.0, 1).unwrap();
        hb.half_sweep(0);
        assert_majority_half_sweep(&lat, &hb.lattice());
    }

    /// Every site of one colour is set up with probability `1/(1 + e^{−2Kh})` given its
    /// neighbours: frequencies over many independent half-sweeps from one configuration.
    #[test]
    fn half_sweep_draws_the_heat_bath_probabilities() {
        let mut rng = stream(4, 0, 0);
        let lat = Lattice::random(128, &mut rng);
        let k = 0.44;
        let reps = 3000;
        let mut up = vec![0u32; 128 * 128];
        for r in 0..reps {
            let mut hb = PackedHeatBath::new(&lat, k, r).unwrap();
            hb.half_sweep(0);
            for (u, s) in up.iter_mut().zip(hb.lattice().spins) {
                *u += (s > 0) as u32;
            }
        }
        let l = 128;
        let at = |a: usize, b: usize| lat.spins[(a % l) * l + b % l] as f64;
        let mut worst: f64 = 0.0;
        for i in 0..l {
            for j in 0..l {
                if (i + j) % 2 == 1 {
                    continue;
                }
                let h = at(i + l - 1, j) + at(i + 1, j) + at(i, j + l - 1) + at(i, j + 1);
                let p = crate::math::logistic(2.0 * k * h);
                let got = up[i * l + j] as f64 / reps as f64;
                let z = (got - p) / (p * (1.0 - p) / reps as f64).sqrt();
                worst = worst.max(z.abs());
            }
        }
        // 8192 sites: the largest |z| of 8192 standard normals is below 5 with probability 0.995
        assert!(worst < 5.0, "worst |z| = {worst}");
    }

    #[test]
    fn same_bits_on_one_and_two_threads() {
        let mut rng = stream(5, 0, 0);
        let lat = Lattice::random(256, &mut rng);
        let run = |threads: usize| {
            on_threads(threads, || {
                let mut hb = PackedHeatBath::new(&lat, 0.44, 9).unwrap();
                for _ in 0..3 {
                    hb.sweep();
                }
                hb.lattice()
            })
        };
        assert_eq!(run(1), run(2));
    }
}
