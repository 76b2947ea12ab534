//! The interior given the seam: an open `(L−1) × (L−1)` grid whose first and last rows and
//! columns feel the fixed seam spins as fields, sampled row by row and spin by spin with
//! conditionals from a boundary matrix-product state (MPS) of bond dimension `χ`.
//!
//! For interior row `r` the environment `B_r(x)` is the weight of the rows below it summed out
//! (their bonds, their fields from the seam, their bonds to row `r`, and the last row's bonds to
//! seam row 0). `B_{L−1}` is a product state; `B_{r−1} = V·(G_r ⊙ B_r)` with `G_r` the
//! horizontal bonds and end fields of row `r` (bond dimension 2) and `V` the vertical bonds
//! (on-site), applied and compressed back to `χ` in one sweep ("zip-up": each site's
//! `2χ`-dimensional left bond is truncated to an orthonormal basis of the dominant
//! `χ`-dimensional eigenspace of its Gram matrix, see [`super::small::Dominant`]),
//! alternating the sweep's direction from row to row so that the part not yet swept is in
//! canonical form. The environments depend on the seam, so they are built for every sample.
//! Row `r` is then drawn left to right from
//! `fields(row r−1) ⊙ G_r ⊙ B_r`, every conditional normalised over the spin's two values:
//! whatever the truncation did, `log q` is the sum of the logarithms of the probabilities used.
//! Truncation can make a partial sum slightly negative: weights are clipped at 0 and every
//! conditional is kept in `[P_MIN, 1 − P_MIN]`, so `q > 0` on every configuration (importance
//! sampling needs full support).

use super::small::Dominant;
use crate::error::{Error, Result};

/// Smallest probability a conditional gives either value.
pub const P_MIN: f64 = 1e-12;

/// The spin of index `x` (0 ↔ +1, 1 ↔ −1).
const SPIN: [f64; 2] = [1.0, -1.0];

/// A matrix-product state over `n` sites: site `i` is the tensor `(dims[i], 2, dims[i+1])`,
/// row-major, at `data[offs[i]..]`.
#[derive(Clone, Debug, Default, PartialEq)]
struct Mps {
    dims: Vec<usize>,
    offs: Vec<usize>,
    data: Vec<f64>,
}

impl Mps {
    fn clear(&mut self) {
        self.dims.clear();
        self.dims.push(1);
        self.offs.clear();
        self.data.clear();
    }

    fn len(&self) -> usize {
        self.offs.len()
    }

    /// Site `i` and its bond dimensions.
    fn site(&self, i: usize) -> (&[f64], usize, usize) {
        let (dl, dr) = (self.dims[i], self.dims[i + 1]);
        (&self.data[self.offs[i]..self.offs[i] + dl * 2 * dr], dl, dr)
    }

    /// Appends a site of bond dimensions `(dl, dr)` (`dl` must match the last right bond).
    fn push(&mut self, dr: usize, values: &[f64]) {
        debug_assert_eq!(values.len(), self.dims[self.len()] * 2 * dr);
        self.offs.push(self.data.len());
        self.data.extend_from_slice(values);
        self.dims.push(dr);
    }

    /// The same state with the sites in reverse order.
    fn reverse_into(&self, out: &mut Mps) {
        out.clear();
        let n = self.len();
        for i in (0..n).rev() {
            let (t, dl, dr) = self.site(i);
            out.offs.push(out.data.len());
            for b in 0..dr {
                for x in 0..2 {
                    for a in 0..dl {
                        out.data.push(t[(a * 2 + x) * dr + b]);
                    }
                }
            }
            out.dims.push(dl);
        }
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

/// Site `i` of `fields ⊙ G ⊙ m`, written into `out`; returns its bond dimensions. `G` multiplies by `e^{K y_i y_{i+1}}` along the row (as
/// `cosh K · Σ_k (t y_i)^k y_{i+1}^k`, the constant dropped) and by the end fields `e^{K·end·y}`
/// on the first and the last site; `field` multiplies the site by `e^{field·y}`.
fn operator_site(
    m: &Mps,
    i: usize,
    c: &Couplings,
    end: f64,
    field: f64,
    out: &mut Vec<f64>,
) -> (usize, usize) {
    let n = m.len();
    let (s, sdl, sdr) = m.site(i);
    let kin = if i == 0 { 1 } else { 2 };
    let kout = if i + 1 == n { 1 } else { 2 };
    let (dl, dr) = (sdl * kin, sdr * kout);
    let mut h = field;
    if i == 0 {
        h += c.k * end;
    }
    if i + 1 == n {
        h += c.k * end;
    }
    let mut diag = [[[0.0; 2]; 2]; 2]; // [ki][ko][x]
    for x in 0..2 {
        let f = (h * SPIN[x]).exp();
        for ki in 0..kin {
            for ko in 0..kout {
                let fin = if ki == 0 { 1.0 } else { SPIN[x] };
                let fout = if ko == 0 { 1.0 } else { c.t * SPIN[x] };
                diag[ki][ko][x] = f * fin * fout;
            }
        }
    }
    out.clear();
    out.resize(dl * 2 * dr, 0.0);
    for a in 0..sdl {
        for b in 0..sdr {
            let (s0, s1) = (s[(a * 2) * sdr + b], s[(a * 2 + 1) * sdr + b]);
            for ki in 0..kin {
                for ko in 0..kout {
                    let (al, br) = (a * kin + ki, b * kout + ko);
                    out[(al * 2) * dr + br] = s0 * diag[ki][ko][0];
                    out[(al * 2 + 1) * dr + br] = s1 * diag[ki][ko][1];
                }
            }
        }
    }
    (dl, dr)
}

/// Scales `v` so that its largest magnitude is 1 (no change for a zero vector).
fn normalise(v: &mut [f64]) {
    let m = v.iter().fold(0.0f64, |s, x| s.max(x.abs()));
    if m > 0.0 && m.is_finite() {
        v.iter_mut().for_each(|x| *x /= m);
    }
}

/// Buffers reused by every row of every environment.
#[derive(Debug, Default)]
struct Work {
    p: Vec<f64>,
    t: Vec<f64>,
    c: Vec<f64>,
    gram: Vec<f64>,
    dom: Dominant,
    flipped: Mps,
}

/// `T[(r, y), b] = Σ_a C[r, a] W[a, y, b]` for site `i` of `W = V·(G ⊙ m)` (see
/// [`operator_site`]) and the `rows × dl` carried matrix `C` of a zip, without forming `W`:
/// with `G`'s bond index `k` split off the bond indices (`a = (a₀, k_in)`, `b = (b₀, k_out)`),
/// `W[a, y, b] = Σ_x e^{K y x} f(x) (x)^{k_in} (t x)^{k_out} m[a₀, x, b₀]` (`f` the end
/// fields), so `C` is first folded over `k_in` (`C̃[r, a₀, x]`), contracted with `m`
/// (`P[r, x, b₀]`), and spread over `(y, k_out)`. Returns the right bond dimension of `W`.
#[allow(clippy::too_many_arguments)]
fn carry_through(
    m: &Mps,
    i: usize,
    c: &Couplings,
    end: f64,
    rows: usize,
    carry: &[f64],
    p: &mut Vec<f64>,
    t: &mut Vec<f64>,
) -> usize {
    let n = m.len();
    let (s, sdl, sdr) = m.site(i);
    let kin = if i == 0 { 1 } else { 2 };
    let kout = if i + 1 == n { 1 } else { 2 };
    let wl = sdl * kin;
    let wr = sdr * kout;
    debug_assert_eq!(carry.len(), rows * wl);
    let mut h = 0.0;
    if i == 0 {
        h += c.k * end;
    }
    if i + 1 == n {
        h += c.k * end;
    }
    let f = [h.exp(), (-h).exp()];
    // P[r, x, b₀] = Σ_{a₀} (Σ_k C[r, (a₀, k)] x^k) m[a₀, x, b₀]
    p.clear();
    p.resize(rows * 2 * sdr, 0.0);
    for r in 0..rows {
        let crow = &carry[r * wl..(r + 1) * wl];
        for a in 0..sdl {
            let (c0, c1) = if kin == 2 {
                (crow[2 * a], crow[2 * a + 1])
            } else {
                (crow[a], 0.0)
            };
            for x in 0..2 {
                let cx = c0 + SPIN[x] * c1;
                if cx == 0.0 {
                    continue;
                }
                let src = &s[(a * 2 + x) * sdr..(a * 2 + x + 1) * sdr];
                let dst = &mut p[(r * 2 + x) * sdr..(r * 2 + x + 1) * sdr];
                for (o, v) in dst.iter_mut().zip(src) {
                    *o += cx * v;
                }
            }
        }
    }
    // T[(r, y), (b₀, k)] = Σ_x e^{K y x} f(x) (t x)^k P[r, x, b₀]
    let mut coef = [[[0.0; 2]; 2]; 2]; // [y][k][x]
    for (y, cy) in coef.iter_mut().enumerate() {
        for (k, ck) in cy.iter_mut().enumerate().take(kout) {
            for x in 0..2 {
                let fout = if k == 0 { 1.0 } else { c.t * SPIN[x] };
                ck[x] = c.bond[y][x] * f[x] * fout;
            }
        }
    }
    t.clear();
    t.resize(rows * 2 * wr, 0.0);
    for r in 0..rows {
        let p0 = &p[(r * 2) * sdr..(r * 2 + 1) * sdr];
        let p1 = &p[(r * 2 + 1) * sdr..(r * 2 + 2) * sdr];
        for (y, cy) in coef.iter().enumerate() {
            let dst = &mut t[(r * 2 + y) * wr..(r * 2 + y + 1) * wr];
            for (b, (&u, &v)) in p0.iter().zip(p1).enumerate() {
                for (k, ck) in cy.iter().enumerate().take(kout) {
                    dst[b * kout + k] = ck[0] * u + ck[1] * v;
                }
            }
        }
    }
    wr
}

/// `V·(G ⊙ m)` compressed to bond dimension `chi` in one left-to-right sweep, into `out`
/// (left-canonical; the overall scale dropped). `m` should be right-canonical. At each site the
/// carried matrix `C` times the site gives `T` (rows: the left bond and the spin), and the site
/// becomes a basis `U` of the dominant subspace of `T Tᵀ`; `Uᵀ T` is carried on.
fn zip(m: &Mps, c: &Couplings, end: f64, chi: usize, ws: &mut Work, out: &mut Mps) {
    out.clear();
    let n = m.len();
    ws.c.clear();
    ws.c.push(1.0);
    let mut rows = 1;
    for i in 0..n {
        let wr = carry_through(m, i, c, end, rows, &ws.c, &mut ws.p, &mut ws.t);
        if i + 1 == n {
            out.push(1, &ws.t);
            break;
        }
        // rows (r, y) of T: m = 2·rows, columns b < wr
        let mm = 2 * rows;
        ws.gram.clear();
        ws.gram.resize(mm * mm, 0.0);
        for p in 0..mm {
            for q in 0..=p {
                let g: f64 = ws.t[p * wr..(p + 1) * wr]
                    .iter()
                    .zip(&ws.t[q * wr..(q + 1) * wr])
                    .map(|(a, b)| a * b)
                    .sum();
                ws.gram[p * mm + q] = g;
                ws.gram[q * mm + p] = g;
            }
        }
        let keep = ws.dom.compute(&ws.gram, mm, chi);
        let vecs = &ws.dom.basis;
        out.push(keep, vecs);
        // C' = Uᵀ T (keep × wr)
        ws.c.clear();
        ws.c.resize(keep * wr, 0.0);
        for p in 0..mm {
            let trow = &ws.t[p * wr..(p + 1) * wr];
            for k in 0..keep {
                let u = vecs[p * keep + k];
                if u == 0.0 {
                    continue;
                }
                for (o, v) in ws.c[k * wr..(k + 1) * wr].iter_mut().zip(trow) {
                    *o += u * v;
                }
            }
        }
        normalise(&mut ws.c);
        rows = keep;
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
    let mut ws = Work::default();
    // envs[j] = B_{L−1−j}; odd j are stored with their sites reversed
    let mut envs: Vec<Mps> = Vec::with_capacity(n);
    let mut last = Mps::default();
    last.clear();
    for col in 1..l {
        let h = k * at(spins, 0, col);
        last.push(1, &[h.exp(), (-h).exp()]);
    }
    envs.push(last);
    for r in (2..l).rev() {
        let below = envs.last().expect("one environment at least");
        let mut flipped = std::mem::take(&mut ws.flipped);
        below.reverse_into(&mut flipped);
        let mut next = Mps::default();
        zip(&flipped, &c, at(spins, r, 0), chi, &mut ws, &mut next);
        ws.flipped = flipped;
        envs.push(next);
    }
    let mut log_q = 0.0;
    let mut row_sites: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut row_dims = vec![(0usize, 0usize); n];
    let mut right: Vec<f64> = Vec::new();
    let mut right_off = vec![0usize; n + 1];
    let mut left = vec![1.0];
    let mut next_left = Vec::new();
    let mut normal = Mps::default();
    for r in 1..l {
        let j = l - 1 - r;
        let env = if j % 2 == 1 {
            envs[j].reverse_into(&mut normal);
            &normal
        } else {
            &envs[j]
        };
        for i in 0..n {
            let field = k * at(spins, r - 1, i + 1);
            row_dims[i] = operator_site(env, i, &c, at(spins, r, 0), field, &mut row_sites[i]);
        }
        // right environments: R_n = [1], R_i = Σ_x W_i[:, x, :] R_{i+1}, stored back to front
        right.clear();
        right.push(1.0);
        right_off[n] = 0;
        for i in (0..n).rev() {
            let (dl, dr) = row_dims[i];
            let start = right.len();
            let prev = right_off[i + 1];
            for a in 0..dl {
                let mut v = 0.0;
                for x in 0..2 {
                    let row = &row_sites[i][(a * 2 + x) * dr..(a * 2 + x + 1) * dr];
                    v += row
                        .iter()
                        .zip(&right[prev..prev + dr])
                        .map(|(p, q)| p * q)
                        .sum::<f64>();
                }
                right.push(v);
            }
            normalise(&mut right[start..]);
            right_off[i] = start;
        }
        left.clear();
        left.push(1.0);
        for i in 0..n {
            let (dl, dr) = row_dims[i];
            let rv = &right[right_off[i + 1]..right_off[i + 1] + dr];
            let site = &row_sites[i];
            let w = |x: usize| -> f64 {
                (0..dl)
                    .map(|a| {
                        left[a]
                            * site[(a * 2 + x) * dr..(a * 2 + x + 1) * dr]
                                .iter()
                                .zip(rv)
                                .map(|(p, q)| p * q)
                                .sum::<f64>()
                    })
                    .sum()
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
            next_left.clear();
            next_left.resize(dr, 0.0);
            for a in 0..dl {
                let la = left[a];
                if la == 0.0 {
                    continue;
                }
                for (o, v) in next_left
                    .iter_mut()
                    .zip(&site[(a * 2 + x) * dr..(a * 2 + x + 1) * dr])
                {
                    *o += la * v;
                }
            }
            normalise(&mut next_left);
            std::mem::swap(&mut left, &mut next_left);
        }
    }
    Ok(log_q)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of a small MPS, by brute force.
    fn values(m: &Mps) -> Vec<f64> {
        let n = m.len();
        (0..1usize << n)
            .map(|bits| {
                let mut v = vec![1.0];
                for i in 0..n {
                    let (t, dl, dr) = m.site(i);
                    let x = (bits >> (n - 1 - i)) & 1;
                    let mut next = vec![0.0; dr];
                    for a in 0..dl {
                        for b in 0..dr {
                            next[b] += v[a] * t[(a * 2 + x) * dr + b];
                        }
                    }
                    v = next;
                }
                v[0]
            })
            .collect()
    }

    fn op(m: &Mps, c: &Couplings, end: f64, fields: &[f64]) -> Mps {
        let mut out = Mps::default();
        out.clear();
        let mut buf = Vec::new();
        for i in 0..m.len() {
            let (_, dr) = operator_site(m, i, c, end, fields[i], &mut buf);
            out.push(dr, &buf);
        }
        out
    }

    /// `G` against its definition on 5 sites; the zip without truncation (`χ` large) keeps
    /// every value of `V·G·m` (`V` summed by brute force) up to one overall scale; reversing
    /// reverses.
    #[test]
    fn row_operator_zip_and_reverse() {
        let k = 0.37;
        let c = Couplings::new(k);
        let n = 5;
        let fields = [0.1, -0.2, 0.0, 0.3, 0.05];
        let mut start = Mps::default();
        start.clear();
        for i in 0..n {
            start.push(1, &[1.0 + 0.1 * i as f64, 0.5]);
        }
        let base = values(&start);
        let spin = |bits: usize, i: usize| SPIN[(bits >> (n - 1 - i)) & 1];
        let gv = values(&op(&start, &c, -1.0, &fields));
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
        let zero = [0.0; 5];
        let g0 = values(&op(&start, &c, -1.0, &zero));
        let vgv: Vec<f64> = (0..1usize << n)
            .map(|y| {
                (0..1usize << n)
                    .map(|x| {
                        let b: f64 = (0..n).map(|i| k * spin(x, i) * spin(y, i)).sum();
                        g0[x] * b.exp()
                    })
                    .sum()
            })
            .collect();
        let mut zipped = Mps::default();
        zip(&start, &c, -1.0, 64, &mut Work::default(), &mut zipped);
        let zv = values(&zipped);
        let scale = zv[0] / vgv[0];
        for (a, b) in zv.iter().zip(&vgv) {
            assert!((a / b - scale).abs() < 1e-10 * scale);
        }
        let mut rev = Mps::default();
        zipped.reverse_into(&mut rev);
        let rv = values(&rev);
        for bits in 0..1usize << n {
            let flipped = (0..n).fold(0, |acc, i| acc | (((bits >> i) & 1) << (n - 1 - i)));
            assert!((rv[flipped] - zv[bits]).abs() < 1e-14 * zv[bits].abs());
        }
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
