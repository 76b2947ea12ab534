//! Which coarse spins a fine spin's lifting probability depends on, and with what weight.
//!
//! A symmetric kernel of half-width `r` on the upsampled lattice reaches, from fine site
//! `x = 2X + s` (`s` = 0, 1 the sub-position), the coarse rows `X + ⌊(s + d)/2⌋` for
//! `d = −r..r`: always `r + 1` distinct coarse rows (and as many columns). So a fine spin
//! depends on a window of `w = (r + 1)²` coarse spins — 4, 9, 16 for 3×3, 5×5, 7×7 — and the
//! window's sign pattern (a `w`-bit index) together with the sub-position `q = 2 s_x + s_y`
//! determines its features exactly. Lifting and fitting both work on these patterns: the
//! lift looks up a precomputed acceptance threshold per `(q, pattern)`, the fit histograms
//! `(q, pattern, spin)`.

/// The window geometry and per-class multiplicities of a kernel of half-width `radius`.
#[derive(Clone, Debug)]
pub struct Stencil {
    /// Half-width `r`.
    pub radius: usize,
    /// Number of weight classes.
    pub classes: usize,
    /// Coarse offsets along one axis for sub-position 0 and 1 (`r + 1` each).
    pub offsets: [Vec<i64>; 2],
    /// `mult[q][cell][k]`: how many kernel entries of class `k` land on window cell `cell`
    /// (`cell = a·(r+1) + b` for row offset `offsets[s_x][a]`, column offset `offsets[s_y][b]`).
    mult: [Vec<Vec<i32>>; 4],
}

impl Stencil {
    /// The stencil of the symmetric `(2r+1)²` kernel with weight classes `class_of(|dx|, |dy|)`.
    pub fn new(radius: usize, class_of: impl Fn(usize, usize) -> usize, classes: usize) -> Self {
        let r = radius as i64;
        let offsets: [Vec<i64>; 2] = [0i64, 1].map(|s| {
            (-r..=r)
                .map(|d| (s + d).div_euclid(2))
                .fold(Vec::new(), |mut v, o| {
                    if v.last() != Some(&o) {
                        v.push(o);
                    }
                    v
                })
        });
        let side = radius + 1;
        let mult = [0usize, 1, 2, 3].map(|q| {
            let (sx, sy) = ((q / 2) as i64, (q % 2) as i64);
            let mut m = vec![vec![0i32; classes]; side * side];
            for dx in -r..=r {
                for dy in -r..=r {
                    let ox = (sx + dx).div_euclid(2);
                    let oy = (sy + dy).div_euclid(2);
                    let a = offsets[sx as usize]
                        .iter()
                        .position(|&o| o == ox)
                        .unwrap_or(0);
                    let b = offsets[sy as usize]
                        .iter()
                        .position(|&o| o == oy)
                        .unwrap_or(0);
                    let k = class_of(dx.unsigned_abs() as usize, dy.unsigned_abs() as usize);
                    m[a * side + b][k] += 1;
                }
            }
            m
        });
        Stencil {
            radius,
            classes,
            offsets,
            mult,
        }
    }

    /// Window cells `w = (r + 1)²`.
    pub fn cells(&self) -> usize {
        (self.radius + 1) * (self.radius + 1)
    }

    /// Number of distinct patterns per sub-position, `2^w`.
    pub fn patterns(&self) -> usize {
        1 << self.cells()
    }

    /// The features `F_k = Σ_cell mult[q][cell][k] · S_cell` of sub-position `q`, window
    /// pattern `p` (bit `cell` set ⇔ that coarse spin is +1).
    pub fn features(&self, q: usize, p: usize, out: &mut [i32]) {
        out.fill(0);
        for (cell, m) in self.mult[q].iter().enumerate() {
            let s = if p >> cell & 1 == 1 { 1 } else { -1 };
            for (o, &c) in out.iter_mut().zip(m) {
                *o += c * s;
            }
        }
    }

    /// Per-cell coefficient `Σ_k mult[q][cell][k] θ_k` of sub-position `q`.
    pub fn cell_weights(&self, q: usize, theta: &[f64]) -> Vec<f64> {
        self.mult[q]
            .iter()
            .map(|m| m.iter().zip(theta).map(|(&c, t)| c as f64 * t).sum())
            .collect()
    }

    /// Window pattern of every fine site of fine row `x`, written to `out` (length `2L`), as
    /// `q · 2^w + p`; `coarse` is the `L × L` coarse lattice, row-major.
    pub fn row_keys(&self, coarse: &[i8], l: usize, x: usize, out: &mut [u32]) {
        let side = self.radius + 1;
        let (xb, sx) = (x / 2, x % 2);
        let li = l as i64;
        let rows: Vec<&[i8]> = self.offsets[sx]
            .iter()
            .map(|&o| {
                let r = (xb as i64 + o).rem_euclid(li) as usize;
                &coarse[r * l..(r + 1) * l]
            })
            .collect();
        let shift = self.cells();
        for (yb, pair) in out.chunks_exact_mut(2).enumerate() {
            for (sy, key) in pair.iter_mut().enumerate() {
                let mut p = 0u32;
                for (b, &o) in self.offsets[sy].iter().enumerate() {
                    let c = (yb as i64 + o).rem_euclid(li) as usize;
                    for (a, row) in rows.iter().enumerate() {
                        if row[c] > 0 {
                            p |= 1 << (a * side + b);
                        }
                    }
                }
                *key = (((2 * sx + sy) as u32) << shift) | p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_have_r_plus_one_rows() {
        for r in 1..=3 {
            let s = Stencil::new(r, |a, b| a.min(b) + a.max(b), 2 * r + 1);
            assert_eq!(s.offsets[0].len(), r + 1);
            assert_eq!(s.offsets[1].len(), r + 1);
            // every kernel entry lands somewhere: multiplicities sum to (2r+1)²
            for q in 0..4 {
                let total: i32 = s.mult[q].iter().flatten().sum();
                assert_eq!(total as usize, (2 * r + 1) * (2 * r + 1));
            }
        }
        let s = Stencil::new(1, |_, _| 0, 1);
        assert_eq!(s.offsets, [vec![-1, 0], vec![0, 1]]);
    }
}
