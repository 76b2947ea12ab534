//! Interacting walkers whose density follows a nearly inviscid Burgers equation (SPEC A.1b).
//!
//! At the start of every FG step each walker's local density is
//! `ρ̂_i = #{k : |y_k - y_i| ≤ w} / (nf·2w)` (periodic distance, the walker itself included).
//! Then, synchronously, walker `i` jumps `+δy` with probability `p⁺ = k + a·ρ̂_i`, `-δy` with
//! `p⁻ = k - a·ρ̂_i` (clipped so both stay in `[0, 2k]`; the move probability is always `2k`),
//! and otherwise stays, with `a = c·δt/(2δy)`. The mean velocity is `c·ρ̂`, the flux `c·ρ²`, so
//!
//! ```text
//! ∂ρ/∂t + ∂(c ρ²)/∂y = D ∂²ρ/∂y²,   D = k δy²/δt .
//! ```
//!
//! Cost: the walkers are kept sorted by position; a step is one O(nf) two-pointer sweep for
//! `ρ̂`, one O(nf) jump pass, and an insertion sort that restores the order in
//! O(nf + inversions) — walkers move by at most `δy`, so the order changes only locally
//! (a walker crossing the period boundary moves from one end of the array to the other).

use super::{FineState, FineSystem};
use crate::error::{Error, Result};
use crate::rng::{SbRng, uniform};
use crate::walkers::domain::Domain;

/// The Burgers walker system.
#[derive(Clone, Debug)]
pub struct BurgersWalkers {
    domain: Domain,
    k: f64,
    c: f64,
    w: f64,
    dy: f64,
    dt: f64,
    steps: usize,
}

impl BurgersWalkers {
    /// Builds the system from validated parameters (see [`crate::walkers::SimulationConfig`]).
    pub fn new(domain: Domain, k: f64, c: f64, w: f64, dy: f64, dt: f64, steps: usize) -> Self {
        BurgersWalkers {
            domain,
            k,
            c,
            w,
            dy,
            dt,
            steps,
        }
    }

    /// Drift coefficient `a = c·δt/(2δy)`.
    pub fn a(&self) -> f64 {
        self.c * self.dt / (2.0 * self.dy)
    }

    /// Diffusion coefficient `D = k δy²/δt`.
    pub fn diffusion(&self) -> f64 {
        self.k * self.dy * self.dy / self.dt
    }
}

/// Walkers sorted by position (structure of arrays): `ys` ascending, `ids` their labels.
#[derive(Clone, Debug, Default)]
struct Sorted {
    ys: Vec<f64>,
    ids: Vec<u32>,
    /// scratch: the positions with their periodic images near both ends
    ext: Vec<f64>,
}

impl Sorted {
    fn new(positions: &[f64]) -> Self {
        let mut idx: Vec<u32> = (0..positions.len() as u32).collect();
        idx.sort_by(|&a, &b| positions[a as usize].total_cmp(&positions[b as usize]));
        Sorted {
            ys: idx.iter().map(|&i| positions[i as usize]).collect(),
            ids: idx,
            ext: Vec::new(),
        }
    }

    /// Restores ascending order after moves of at most `δy`: O(n + inversions).
    fn insertion_sort(&mut self) {
        let (ys, ids) = (&mut self.ys, &mut self.ids);
        for i in 1..ys.len() {
            let y = ys[i];
            if ys[i - 1] <= y {
                continue;
            }
            let id = ids[i];
            let mut j = i;
            while j > 0 && ys[j - 1] > y {
                ys[j] = ys[j - 1];
                ids[j] = ids[j - 1];
                j -= 1;
            }
            ys[j] = y;
            ids[j] = id;
        }
    }

    /// Fills `ext` with the sorted positions, preceded by the images (`- L`) of those within
    /// `w` of `ymax` and followed by the images (`+ L`) of those within `w` of `ymin`, so that
    /// every periodic window `[y_i - w, y_i + w]` is a contiguous run of `ext`. Returns the
    /// offset of walker 0 in `ext`.
    fn extend_periodic(&mut self, domain: &Domain, w: f64) -> usize {
        let n = self.ys.len();
        let l = domain.length();
        let t = self
            .ys
            .iter()
            .rev()
            .take_while(|&&y| y >= domain.ymax - w)
            .count();
        let h = self.ys.iter().take_while(|&&y| y < domain.ymin + w).count();
        self.ext.clear();
        self.ext.extend(self.ys[n - t..].iter().map(|y| y - l));
        self.ext.extend_from_slice(&self.ys);
        self.ext.extend(self.ys[..h].iter().map(|y| y + l));
        t
    }
}

impl BurgersWalkers {
    /// Calls `f(ys, i, ρ̂_i)` for every sorted walker `i`, in order, by a two-pointer sweep
    /// over `ext` (the window of walker `i` only moves right as `i` grows). Positions are read
    /// from `ext`, so `f` may move the walkers in `ys`: the update is synchronous.
    fn sweep(&self, walkers: &mut Sorted, mut f: impl FnMut(&mut [f64], usize, f64)) {
        let n = walkers.ys.len();
        if n == 0 {
            return;
        }
        let t = walkers.extend_periodic(&self.domain, self.w);
        let ext = &walkers.ext;
        let norm = 1.0 / (n as f64 * 2.0 * self.w);
        let (mut lo, mut hi) = (0usize, t);
        let last = ext.len() - 1;
        for i in 0..n {
            let yi = ext[t + i];
            let (left, right) = (yi - self.w, yi + self.w);
            // The window edges move by about one walker per walker: two branch-free steps
            // cover the common case (lo ≤ t+i always holds, so ext[lo] is in bounds; hi is
            // clamped to the last index), loops finish the rare longer moves.
            lo += (ext[lo] < left) as usize;
            lo += (ext[lo] < left) as usize;
            while ext[lo] < left {
                lo += 1;
            }
            hi = hi.max(t + i);
            hi += (hi < last && ext[(hi + 1).min(last)] <= right) as usize;
            hi += (hi < last && ext[(hi + 1).min(last)] <= right) as usize;
            while hi < last && ext[hi + 1] <= right {
                hi += 1;
            }
            f(&mut walkers.ys, i, (hi - lo + 1) as f64 * norm);
        }
    }

    /// Local densities `ρ̂_i` of a state, in walker order (for tests and diagnostics).
    pub fn local_density(&self, positions: &[f64]) -> Vec<f64> {
        let mut walkers = Sorted::new(positions);
        let mut sorted_rho = vec![0.0; positions.len()];
        self.sweep(&mut walkers, |_, i, r| sorted_rho[i] = r);
        let mut out = vec![0.0; positions.len()];
        for (&id, &r) in walkers.ids.iter().zip(&sorted_rho) {
            out[id as usize] = r;
        }
        out
    }

    /// One FG step: densities and jumps in one sweep, then the order is restored.
    fn fg_step(&self, walkers: &mut Sorted, rng: &mut SbRng) {
        let (a, k, k2, dy) = (self.a(), self.k, 2.0 * self.k, self.dy);
        let (ymin, ymax, l) = (self.domain.ymin, self.domain.ymax, self.domain.length());
        self.sweep(walkers, |ys, i, rho| {
            let p_plus = (k + a * rho).clamp(0.0, k2);
            let u = uniform(rng);
            // +1 with probability p⁺, -1 with probability 2k - p⁺ = p⁻, else 0 (branch-free)
            let step = (u < p_plus) as i32 - ((u >= p_plus) & (u < k2)) as i32;
            let mut y = ys[i] + step as f64 * dy;
            if y >= ymax {
                y -= l;
            } else if y < ymin {
                y += l;
                if y >= ymax {
                    y = ymin;
                }
            }
            ys[i] = y;
        });
        walkers.insertion_sort();
    }
}

impl FineSystem for BurgersWalkers {
    fn name(&self) -> &str {
        "burgers"
    }
    fn domain(&self) -> Domain {
        self.domain
    }
    fn coarse_dt(&self) -> f64 {
        self.steps as f64 * self.dt
    }
    fn advance(&self, state: &mut FineState, rng: &mut SbRng) -> Result<()> {
        if state.positions.len() > u32::MAX as usize {
            return Err(Error::param(
                "nf",
                state.positions.len(),
                "at most 2^32 - 1",
            ));
        }
        let mut walkers = Sorted::new(&state.positions);
        for _ in 0..self.steps {
            self.fg_step(&mut walkers, rng);
        }
        for (&id, &y) in walkers.ids.iter().zip(&walkers.ys) {
            state.positions[id as usize] = y;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_density(sys: &BurgersWalkers, pos: &[f64]) -> Vec<f64> {
        let n = pos.len() as f64;
        pos.iter()
            .map(|&yi| {
                pos.iter()
                    .filter(|&&yk| sys.domain.distance(yi, yk) <= sys.w)
                    .count() as f64
                    / (n * 2.0 * sys.w)
            })
            .collect()
    }

    #[test]
    fn sweep_matches_brute_force_including_wrap() {
        let d = Domain::default();
        let sys = BurgersWalkers::new(d, 0.2, 0.05, 0.04, 3.875e-3, 2.5e-3, 1);
        let mut rng = crate::rng::stream(2, 0, 0);
        // clustered near the boundary to exercise wrap-around windows
        let pos: Vec<f64> = (0..500)
            .map(|i| {
                let u = uniform(&mut rng);
                if i % 2 == 0 {
                    d.wrap(0.999 + 0.1 * (u - 0.5))
                } else {
                    -1.0 + 2.0 * u
                }
            })
            .collect();
        // compare the neighbour counts themselves (exact integers)
        let to_count = |r: Vec<f64>| -> Vec<i64> {
            r.iter()
                .map(|v| (v * pos.len() as f64 * 2.0 * sys.w).round() as i64)
                .collect()
        };
        assert_eq!(
            to_count(sys.local_density(&pos)),
            to_count(brute_density(&sys, &pos))
        );
    }

    #[test]
    fn single_walker_counts_itself() {
        let sys = BurgersWalkers::new(Domain::default(), 0.2, 0.05, 0.04, 3.875e-3, 2.5e-3, 1);
        let rho = sys.local_density(&[0.3]);
        assert!((rho[0] - 1.0 / 0.08).abs() < 1e-12);
    }
}
