//! The interior given the seam: an open `(L−1) × (L−1)` grid whose first and last rows and
//! columns feel the fixed seam spins as fields, sampled row by row and spin by spin with
//! conditionals from a boundary matrix-product state (MPS) of bond dimension `χ`.
//!
//! For interior row `r` the environment `B_r(x)` is the weight of the rows below it summed out
//! (their bonds, their fields from the seam, their bonds to row `r`, and the last row's bonds to
//! seam row 0). `B_{L−1}` is a product state; `B_{r−1} = V·(G_r ⊙ B_r)` with `G_r` the
//! horizontal bonds and end fields of row `r` (bond dimension 2) and `V` the vertical bonds
//! (on-site), compressed back to `χ` after every row (left QR sweep, then truncation from the
//! right by the eigen-decomposition of each site's Gram matrix). The environments depend on the
//! seam, so they are built for every sample. Row `r` is then drawn left to right from
//! `fields(row r−1) ⊙ G_r ⊙ B_r`, every conditional normalised over the spin's two values:
//! whatever the truncation did, `log q` is the sum of the logarithms of the probabilities used.
//! Truncation can make a partial sum slightly negative: weights are clipped at 0 and every
//! conditional is kept in `[P_MIN, 1 − P_MIN]`, so `q > 0` on every configuration (importance
//! sampling needs full support).

use super::small::{sym_eigen, thin_qr};
use crate::error::{Error, Result};

/// Smallest probability a conditional gives either value.
pub const P_MIN: f64 = 1e-12;

/// The spin of index `x` (0 ↔ +1, 1 ↔ −1).
const SPIN: [f64; 2] = [1.0, -1.0];

/// One site of an MPS: `t[(a·2 + x)·dr + b]`, `a < dl`, `x < 2`, `b < dr`.
#[derive(Clone, Debug, PartialEq)]
struct Site {
    dl: usize,
    dr: usize,
    t: Vec<f64>,
}

impl Site {
    /// The vector `Σ_x t[:, x, :] · v` (length `dl`).
    fn sum_right(&self, v: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.dl];
        for (a, o) in out.iter_mut().enumerate() {
            for x in 0..2 {
                let row = &self.t[(a * 2 + x) * self.dr..(a * 2 + x + 1) * self.dr];
                *o += row.iter().zip(v).map(|(p, q)| p * q).sum::<f64>();
            }
        }
        out
    }

    /// The row vector `u · t[:, x, :]` (length `dr`).
    fn left_times(&self, u: &[f64], x: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.dr];
        for (a, &ua) in u.iter().enumerate() {
            if ua == 0.0 {
                continue;
            }
            let row = &self.t[(a * 2 + x) * self.dr..(a * 2 + x + 1) * self.dr];
            for (o, p) in out.iter_mut().zip(row) {
                *o += ua * p;
            }
        }
        out
    }
}

/// Scales `v` so that its largest magnitude is 1 (no change for a zero vector).
fn normalise(v: &mut [f64]) {
    let m = v.iter().fold(0.0f64, |s, x| s.max(x.abs()));
    if m > 0.0 && m.is_finite() {
        v.iter_mut().for_each(|x| *x /= m);
    }
}

/// The fixed numbers of one coupling `K`.
#[derive(Clone, Copy, Debug)]
struct Couplings {
    k: f64,
    /// `tanh K`.
    t: f64,
    /// `e^{K s s'}` for spin indices `(x, y)`.
    bond: [[f64; 2]; 2],
}

impl Couplings {
    fn new(k: f64) -> Self {
        let b = |x: usize, y: usize| (k * SPIN[x] * SPIN[y]).exp();
        Couplings {
            k,
            t: k.tanh(),
            bond: [[b(0, 0), b(0, 1)], [b(1, 0), b(1, 1)]],
        }
    }
}

/// `fields ⊙ G ⊙ m`, then `V` when `vertical`: `G` multiplies by `e^{K y_i y_{i+1}}` along
/// the row (written as `cosh K · Σ_k (t y_i)^k y_{i+1}^k`, constant dropped) and by the end fields
/// `e^{K·end·y}` on the first and the last site; `fields[i]` multiplies site `i` by
/// `e^{fields[i]·y}`.
fn row_operator(m: &[Site], c: &Couplings, end: f64, fields: &[f64], vertical: bool) -> Vec<Site> {
    let n = m.len();
    m.iter()
        .enumerate()
        .map(|(i, s)| {
            let kin = if i == 0 { 1 } else { 2 };
            let kout = if i + 1 == n { 1 } else { 2 };
            let (dl, dr) = (s.dl * kin, s.dr * kout);
            let mut diag = [[[0.0; 2]; 2]; 2]; // [ki][ko][x]
            for x in 0..2 {
                let mut h = fields[i];
                if i == 0 {
                    h += c.k * end;
                }
                if i + 1 == n {
                    h += c.k * end;
                }
                let f = (h * SPIN[x]).exp();
                for ki in 0..kin {
                    for ko in 0..kout {
                        let fin = if ki == 0 { 1.0 } else { SPIN[x] };
                        let fout = if ko == 0 { 1.0 } else { c.t * SPIN[x] };
                        diag[ki][ko][x] = f * fin * fout;
                    }
                }
            }
            let mut t = vec![0.0; dl * 2 * dr];
            for a in 0..s.dl {
                for ki in 0..kin {
                    for b in 0..s.dr {
                        for ko in 0..kout {
                            let g = [
                                s.t[(a * 2) * s.dr + b] * diag[ki][ko][0],
                                s.t[(a * 2 + 1) * s.dr + b] * diag[ki][ko][1],
                            ];
                            let (al, br) = (a * kin + ki, b * kout + ko);
                            for y in 0..2 {
                                t[(al * 2 + y) * dr + br] = if vertical {
                                    c.bond[y][0] * g[0] + c.bond[y][1] * g[1]
                                } else {
                                    g[y]
                                };
                            }
                        }
                    }
                }
            }
            Site { dl, dr, t }
        })
        .collect()
}

/// Compresses `m` to bond dimension `chi` (left QR sweep, truncation from the right); the
/// overall scale is dropped.
fn compress(m: &mut [Site], chi: usize) {
    let n = m.len();
    for i in 0..n.saturating_sub(1) {
        let (dl, dr) = (m[i].dl, m[i].dr);
        let (q, mut r, k) = thin_qr(&m[i].t, dl * 2, dr);
        normalise(&mut r);
        m[i] = Site { dl, dr: k, t: q };
        let next = &m[i + 1];
        let mut t = vec![0.0; k * 2 * next.dr];
        let width = 2 * next.dr;
        for p in 0..k {
            for b in 0..dr {
                let rv = r[p * dr + b];
                if rv == 0.0 {
                    continue;
                }
                let src = &next.t[b * width..(b + 1) * width];
                for (o, s) in t[p * width..(p + 1) * width].iter_mut().zip(src) {
                    *o += rv * s;
                }
            }
        }
        m[i + 1] = Site {
            dl: k,
            dr: next.dr,
            t,
        };
    }
    for i in (1..n).rev() {
        let (dl, width) = (m[i].dl, 2 * m[i].dr);
        let mat = &m[i].t;
        let mut gram = vec![0.0; dl * dl];
        for a in 0..dl {
            for b in 0..=a {
                let g: f64 = mat[a * width..(a + 1) * width]
                    .iter()
                    .zip(&mat[b * width..(b + 1) * width])
                    .map(|(p, q)| p * q)
                    .sum();
                gram[a * dl + b] = g;
                gram[b * dl + a] = g;
            }
        }
        let (vals, vecs) = sym_eigen(&gram, dl);
        let top = vals[0].max(0.0);
        let keep = vals
            .iter()
            .take(chi)
            .take_while(|&&v| v > top * 1e-24 && v > 0.0)
            .count()
            .max(1);
        // new site: Λ^{-1/2} Uᵀ M; left neighbour absorbs U Λ^{1/2}
        let mut t = vec![0.0; keep * width];
        let mut absorb = vec![0.0; dl * keep];
        for c in 0..keep {
            let s = vals[c].max(f64::MIN_POSITIVE).sqrt();
            for a in 0..dl {
                let u = vecs[a * dl + c];
                absorb[a * keep + c] = u * s;
                if u == 0.0 {
                    continue;
                }
                for (o, v) in t[c * width..(c + 1) * width]
                    .iter_mut()
                    .zip(&mat[a * width..(a + 1) * width])
                {
                    *o += u * v / s;
                }
            }
        }
        m[i] = Site {
            dl: keep,
            dr: m[i].dr,
            t,
        };
        let prev = &m[i - 1];
        let rows = prev.dl * 2;
        let mut pt = vec![0.0; rows * keep];
        for row in 0..rows {
            for b in 0..dl {
                let pv = prev.t[row * dl + b];
                if pv == 0.0 {
                    continue;
                }
                for c in 0..keep {
                    pt[row * keep + c] += pv * absorb[b * keep + c];
                }
            }
        }
        m[i - 1] = Site {
            dl: prev.dl,
            dr: keep,
            t: pt,
        };
    }
    if let Some(first) = m.first_mut() {
        normalise(&mut first.t);
    }
}

/// How a spin is chosen: drawn from its conditional, or read from a given configuration.
pub trait Chooser {
    /// The index (0 ↔ +1, 1 ↔ −1) of the spin at `(r, c)`, given `p`, the conditional
    /// probability of +1.
    fn choose(&mut self, r: usize, c: usize, p: f64) -> usize;
}

/// `ln p(x)` of the conditional with `P(+1) = p`.
pub fn log_prob(p: f64, x: usize) -> f64 {
    if x == 0 { p.ln() } else { (1.0 - p).ln() }
}

/// `P(+1)` from the two (possibly slightly negative) weights, clipped to `[P_MIN, 1 − P_MIN]`;
/// NaN when a weight is NaN (the caller reports it).
pub fn conditional(w_plus: f64, w_minus: f64) -> f64 {
    if w_plus.is_nan() || w_minus.is_nan() {
        return f64::NAN;
    }
    let (a, b) = (w_plus.max(0.0), w_minus.max(0.0));
    let p = if a + b > 0.0 && (a + b).is_finite() {
        a / (a + b)
    } else {
        0.5
    };
    p.clamp(P_MIN, 1.0 - P_MIN)
}

/// Fills (or scores) the interior of the `l × l` lattice `spins` (row-major, ±1) whose row 0
/// and column 0 are set, at coupling `k` with bond dimension `chi`; returns `ln q(interior |
/// seam)`. `chooser` decides every interior spin, row by row, left to right.
pub fn interior(
    l: usize,
    k: f64,
    chi: usize,
    spins: &mut [i8],
    chooser: &mut dyn Chooser,
) -> Result<f64> {
    let c = Couplings::new(k);
    let n = l - 1;
    let at = |s: &[i8], r: usize, col: usize| s[r * l + col] as f64;
    // B_{L−1}: the last interior row's bonds to seam row 0
    let mut envs: Vec<Vec<Site>> = Vec::with_capacity(n);
    let last: Vec<Site> = (1..l)
        .map(|col| {
            let h = k * at(spins, 0, col);
            Site {
                dl: 1,
                dr: 1,
                t: vec![h.exp(), (-h).exp()],
            }
        })
        .collect();
    envs.push(last);
    let zero = vec![0.0; n];
    for r in (2..l).rev() {
        let below = envs.last().expect("one environment at least");
        let mut m = row_operator(below, &c, at(spins, r, 0), &zero, true);
        compress(&mut m, chi);
        envs.push(m);
    }
    envs.reverse(); // envs[r − 1] = B_r
    let mut log_q = 0.0;
    let mut fields = vec![0.0; n];
    for r in 1..l {
        for col in 1..l {
            fields[col - 1] = k * at(spins, r - 1, col);
        }
        let row = row_operator(&envs[r - 1], &c, at(spins, r, 0), &fields, false);
        let mut right = vec![vec![1.0]; n + 1];
        for i in (0..n).rev() {
            let mut v = row[i].sum_right(&right[i + 1]);
            normalise(&mut v);
            right[i] = v;
        }
        let mut left = vec![1.0];
        for (i, site) in row.iter().enumerate() {
            let w = |x: usize| {
                site.left_times(&left, x)
                    .iter()
                    .zip(&right[i + 1])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
            };
            let p = conditional(w(0), w(1));
            if p.is_nan() {
                return Err(Error::numerical(
                    "the boundary MPS",
                    format!("a conditional weight of spin ({r}, {}) is NaN", i + 1),
                ));
            }
            let x = chooser.choose(r, i + 1, p);
            log_q += log_prob(p, x);
            spins[r * l + i + 1] = if x == 0 { 1 } else { -1 };
            left = site.left_times(&left, x);
            normalise(&mut left);
        }
    }
    Ok(log_q)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of a small MPS, by brute force.
    fn values(m: &[Site]) -> Vec<f64> {
        let n = m.len();
        (0..1usize << n)
            .map(|bits| {
                let mut v = vec![1.0];
                for (i, s) in m.iter().enumerate() {
                    v = s.left_times(&v, (bits >> (n - 1 - i)) & 1);
                }
                v[0]
            })
            .collect()
    }

    /// `G` and `V` against their definitions on 5 sites, and compression without truncation
    /// (`χ` large) keeps every value up to one overall scale.
    #[test]
    fn row_operator_and_lossless_compression() {
        let k = 0.37;
        let c = Couplings::new(k);
        let n = 5;
        let fields = [0.1, -0.2, 0.0, 0.3, 0.05];
        let start: Vec<Site> = (0..n)
            .map(|i| Site {
                dl: 1,
                dr: 1,
                t: vec![1.0 + 0.1 * i as f64, 0.5],
            })
            .collect();
        let base = values(&start);
        let spin = |bits: usize, i: usize| SPIN[(bits >> (n - 1 - i)) & 1];
        let g = row_operator(&start, &c, -1.0, &fields, false);
        let gv = values(&g);
        for bits in 0..1usize << n {
            let mut e = 0.0;
            for i in 0..n {
                e += fields[i] * spin(bits, i);
                if i + 1 < n {
                    e += k * spin(bits, i) * spin(bits, i + 1);
                }
            }
            e += -k * (spin(bits, 0) + spin(bits, n - 1));
            let want = base[bits] * e.exp() / k.cosh().powi(n as i32 - 1);
            assert!((gv[bits] - want).abs() < 1e-12 * want, "{bits}");
        }
        let vg = row_operator(&start, &c, -1.0, &fields, true);
        let vgv = values(&vg);
        for y in 0..1usize << n {
            let want: f64 = (0..1usize << n)
                .map(|x| {
                    let b: f64 = (0..n).map(|i| k * spin(x, i) * spin(y, i)).sum();
                    gv[x] * b.exp()
                })
                .sum();
            assert!((vgv[y] - want).abs() < 1e-10 * want);
        }
        let mut comp = vg.clone();
        compress(&mut comp, 64);
        let cv = values(&comp);
        let scale = cv[0] / vgv[0];
        for (a, b) in cv.iter().zip(&vgv) {
            assert!((a / b - scale).abs() < 1e-10 * scale);
        }
        assert!(comp.iter().all(|s| s.dl <= 4 && s.dr <= 4));
    }

    #[test]
    fn conditionals_are_clipped_and_normalised() {
        assert_eq!(conditional(1.0, 1.0), 0.5);
        assert_eq!(conditional(-1e-3, 2.0), P_MIN);
        assert_eq!(conditional(2.0, -1.0), 1.0 - P_MIN);
        assert_eq!(conditional(0.0, 0.0), 0.5);
        assert!(conditional(f64::NAN, 1.0).is_nan());
    }
}
