//! The seam: column 0 (top to bottom) then row 0 (left to right), `2L − 1` spins that cut
//! the torus open, drawn first from an explicit autoregressive model fitted to Monte Carlo
//! configurations.
//!
//! Spin `k` of the seam has the conditional `P(s_k = ±1 | s_<k) = σ(±2h_k)` with
//! `h_k = w_k · φ_k(s_<k)`, odd in the spins (no bias: the model keeps the flip symmetry; the
//! first spin is ±1 with probability ½). The features `φ_k`:
//! - sums of the earlier seam spins grouped by their torus distance to spin `k` (bins with
//!   edges 1, 2, …, 6, then `8·2^{j/2}` rounded) and by whether they lie on the same line
//!   (column or row) as `k` — the corner counts as on both;
//! - four nonlinear terms in `m`, the mean of the earlier spins, and `ℓ`, the mean of those
//!   within distance 4 (0 if none): `m³`, `m⁵`, `ℓ³`, `m²ℓ`.
//!
//! At the critical point these terms matter: without them the seam's log-weight variance at
//! `L = 16` is six times larger (docs/ising.md). Each position is fitted by penalised maximum
//! likelihood (Newton's method, ridge `λ = 10⁻³`) on the seams of the training configurations
//! under random symmetries of the torus (translations, reflections, the transpose, the flip).

use super::boundary::{Chooser, P_MIN, log_prob};
use crate::error::{Error, Result};
use crate::lattice::Lattice;
use crate::rng::{SbRng, uniform};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The name of the feature set, recorded in the sampler's file.
pub const FEATURES: &str = "distance-binned sums + m^3, m^5, l^3, m^2 l (v1)";

/// Ridge penalty of the fit.
const RIDGE: f64 = 1e-3;

/// Radius of the local mean `ℓ`.
const LOCAL_RADIUS: f64 = 4.0;

/// Number of nonlinear features.
const NONLINEAR: usize = 4;

/// The seam's `(row, column)` in drawing order.
pub fn seam_site(l: usize, k: usize) -> (usize, usize) {
    if k < l { (k, 0) } else { (0, k - l + 1) }
}

/// Upper edges of the distance bins: a distance `d` falls in the first bin whose edge exceeds it.
fn bin_edges(l: usize) -> Vec<f64> {
    let mut e: Vec<f64> = (2..=6).map(|v| v as f64).collect();
    let mut j = 0;
    loop {
        let v = (8.0 * 2f64.powf(j as f64 / 2.0)).round();
        e.push(v);
        if v > l as f64 {
            break;
        }
        j += 1;
    }
    e
}

/// Which feature every earlier spin feeds, per seam position.
#[derive(Clone, Debug)]
pub struct Layout {
    l: usize,
    /// `column[k][j]`: the feature of spin `j < k` at position `k`.
    column: Vec<Vec<u16>>,
    /// `local[k][j]`: spin `j` within the local radius of `k`.
    local: Vec<Vec<bool>>,
    /// Linear features per position.
    linear: Vec<usize>,
}

impl Layout {
    /// The layout of a seam of side `l`.
    pub fn new(l: usize) -> Self {
        let n = 2 * l - 1;
        let edges = bin_edges(l);
        let line = |k: usize| usize::from(k >= l);
        let dist = |a: (usize, usize), b: (usize, usize)| {
            let d = |x: usize, y: usize| {
                let t = x.abs_diff(y);
                t.min(l - t) as f64
            };
            (d(a.0, b.0).powi(2) + d(a.1, b.1).powi(2)).sqrt()
        };
        let mut column = Vec::with_capacity(n);
        let mut local = Vec::with_capacity(n);
        let mut linear = Vec::with_capacity(n);
        for k in 0..n {
            let x = seam_site(l, k);
            let raw: Vec<usize> = (0..k)
                .map(|j| {
                    let d = dist(x, seam_site(l, j));
                    let bin = edges
                        .iter()
                        .position(|&e| d < e - 1e-9)
                        .unwrap_or(edges.len());
                    let same = j == 0 || line(j) == line(k);
                    usize::from(!same) * (edges.len() + 1) + bin
                })
                .collect();
            // compact: only the groups that occur
            let mut used: Vec<usize> = raw.clone();
            used.sort_unstable();
            used.dedup();
            column.push(
                raw.iter()
                    .map(|r| used.binary_search(r).expect("present") as u16)
                    .collect(),
            );
            local.push(
                (0..k)
                    .map(|j| dist(x, seam_site(l, j)) <= LOCAL_RADIUS + 1e-9)
                    .collect(),
            );
            linear.push(used.len());
        }
        Layout {
            l,
            column,
            local,
            linear,
        }
    }

    /// Number of seam spins, `2L − 1`.
    pub fn len(&self) -> usize {
        self.column.len()
    }

    /// Always false (a seam has at least 3 spins).
    pub fn is_empty(&self) -> bool {
        self.column.is_empty()
    }

    /// Features at position `k` (0 for `k = 0`).
    pub fn width(&self, k: usize) -> usize {
        if k == 0 {
            0
        } else {
            self.linear[k] + NONLINEAR
        }
    }

    /// Writes `φ_k(prev)` into `out` (length [`Layout::width`]); `prev` holds the first `k`
    /// seam spins.
    pub fn features(&self, k: usize, prev: &[f64], out: &mut [f64]) {
        if k == 0 {
            return;
        }
        out.iter_mut().for_each(|v| *v = 0.0);
        let (mut sum, mut lsum, mut lcount) = (0.0, 0.0, 0usize);
        for (j, &s) in prev[..k].iter().enumerate() {
            out[self.column[k][j] as usize] += s;
            sum += s;
            if self.local[k][j] {
                lsum += s;
                lcount += 1;
            }
        }
        let m = sum / k as f64;
        let loc = if lcount > 0 {
            lsum / lcount as f64
        } else {
            0.0
        };
        let p = self.linear[k];
        out[p] = m * m * m;
        out[p + 1] = m.powi(5);
        out[p + 2] = loc * loc * loc;
        out[p + 3] = m * m * loc;
    }
}

/// The fitted seam model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeamModel {
    /// The feature set ([`FEATURES`]).
    pub features: String,
    /// Weights per seam position (`weights[0]` is empty).
    pub weights: Vec<Vec<f64>>,
}

/// `ln(1 + e^x)` without overflow.
fn ln_1p_exp(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

impl SeamModel {
    /// Checks the weights against the layout of side `l` (errors name `what`).
    pub fn check(&self, layout: &Layout, what: &std::path::Path) -> Result<()> {
        if self.features != FEATURES {
            return Err(Error::data(
                what,
                "seam.features",
                format!("'{}' (this version reads '{FEATURES}')", self.features),
            ));
        }
        if self.weights.len() != layout.len() {
            return Err(Error::data(
                what,
                "seam.weights",
                format!(
                    "{} positions for L = {} (expected 2L − 1 = {})",
                    self.weights.len(),
                    layout.l,
                    layout.len()
                ),
            ));
        }
        for (k, w) in self.weights.iter().enumerate() {
            if w.len() != layout.width(k) {
                return Err(Error::data(
                    what,
                    &format!("seam.weights[{k}]"),
                    format!("{} weights, expected {}", w.len(), layout.width(k)),
                ));
            }
            if let Some(i) = w.iter().position(|v| !v.is_finite()) {
                return Err(Error::data(
                    what,
                    &format!("seam.weights[{k}][{i}]"),
                    "not a finite number",
                ));
            }
        }
        Ok(())
    }

    /// Draws (or scores, through `chooser`) the seam into `spins` (row-major `L × L`);
    /// returns its `ln q`.
    pub fn walk(&self, layout: &Layout, spins: &mut [i8], chooser: &mut dyn Chooser) -> f64 {
        let l = layout.l;
        let mut prev = Vec::with_capacity(layout.len());
        let mut phi = Vec::new();
        let mut log_q = 0.0;
        for k in 0..layout.len() {
            phi.resize(layout.width(k), 0.0);
            layout.features(k, &prev, &mut phi);
            let h: f64 = phi.iter().zip(&self.weights[k]).map(|(a, b)| a * b).sum();
            let p = (1.0 / (1.0 + (-2.0 * h).exp())).clamp(P_MIN, 1.0 - P_MIN);
            let (r, c) = seam_site(l, k);
            let x = chooser.choose(r, c, p);
            log_q += log_prob(p, x);
            let s = if x == 0 { 1 } else { -1 };
            spins[r * l + c] = s;
            prev.push(s as f64);
        }
        log_q
    }

    /// Fits the model to `rows` seams (`x`, row-major `rows × (2L − 1)`, ±1), positions in
    /// parallel, reporting one unit per position to `progress`.
    pub fn fit(
        layout: &Layout,
        x: &[f64],
        rows: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Self> {
        let n = layout.len();
        if x.len() != rows * n || rows == 0 {
            return Err(Error::param("n", rows, ">= 1 training seam"));
        }
        let weights = (0..n)
            .into_par_iter()
            .map(|k| {
                let w = fit_position(layout, x, rows, k);
                progress(1);
                w
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(SeamModel {
            features: FEATURES.to_owned(),
            weights,
        })
    }
}

/// Appends the seams of `lat` seen under `copies` random symmetries of the torus
/// (translation, reflection of either axis, transpose, global flip) drawn from `rng`.
pub fn symmetric_seams(lat: &Lattice, copies: usize, rng: &mut SbRng, out: &mut Vec<f64>) {
    let l = lat.l;
    let n = 2 * l - 1;
    for _ in 0..copies {
        let r0 = ((uniform(rng) * l as f64) as usize).min(l - 1);
        let c0 = ((uniform(rng) * l as f64) as usize).min(l - 1);
        let bits = ((uniform(rng) * 16.0) as usize).min(15);
        let (tr, fr, fc) = (bits & 1 == 1, bits & 2 == 2, bits & 4 == 4);
        let sign = if bits & 8 == 8 { -1.0 } else { 1.0 };
        for k in 0..n {
            let (a, b) = seam_site(l, k);
            let (a, b) = if tr { (b, a) } else { (a, b) };
            let a = if fr { (l - a) % l } else { a };
            let b = if fc { (l - b) % l } else { b };
            out.push(sign * lat.spins[((a + r0) % l) * l + (b + c0) % l] as f64);
        }
    }
}

/// Penalised logistic regression of seam spin `k` on its features (Newton with step halving).
fn fit_position(layout: &Layout, x: &[f64], rows: usize, k: usize) -> Result<Vec<f64>> {
    let n = layout.len();
    let p = layout.width(k);
    if p == 0 {
        return Ok(Vec::new());
    }
    let mut f = vec![0.0; rows * p];
    let mut y = vec![0.0; rows];
    for i in 0..rows {
        let row = &x[i * n..(i + 1) * n];
        layout.features(k, row, &mut f[i * p..(i + 1) * p]);
        y[i] = row[k];
    }
    let objective = |w: &[f64]| -> f64 {
        let mut ll = 0.0;
        for i in 0..rows {
            let h: f64 = f[i * p..(i + 1) * p]
                .iter()
                .zip(w)
                .map(|(a, b)| a * b)
                .sum();
            ll -= ln_1p_exp(-2.0 * y[i] * h);
        }
        ll - 0.5 * RIDGE * w.iter().map(|v| v * v).sum::<f64>()
    };
    let mut w = vec![0.0; p];
    let mut current = objective(&w);
    // √(1 − tanh²h)·φ per row: the Hessian is its Gram matrix (one SIMD product)
    let mut scaled = faer::Mat::<f64>::zeros(rows, p);
    for _ in 0..100 {
        let mut grad: Vec<f64> = w.iter().map(|v| -RIDGE * v).collect();
        for i in 0..rows {
            let fi = &f[i * p..(i + 1) * p];
            let h: f64 = fi.iter().zip(&w).map(|(a, b)| a * b).sum();
            let t = h.tanh();
            // ln p(y) = y·h − ln 2cosh h: gradient (y − tanh h)·φ, curvature (1 − tanh²h)·φφᵀ
            let g = y[i] - t;
            let c = (1.0 - t * t).sqrt();
            for a in 0..p {
                grad[a] += g * fi[a];
                scaled[(i, a)] = c * fi[a];
            }
        }
        let mut hess = faer::Mat::<f64>::from_fn(p, p, |a, b| if a == b { RIDGE } else { 0.0 });
        faer::linalg::matmul::matmul(
            hess.as_mut(),
            faer::Accum::Add,
            scaled.transpose(),
            scaled.as_ref(),
            1.0,
            faer::Par::Seq,
        );
        let llt = hess.llt(faer::Side::Lower).map_err(|_| {
            Error::numerical(
                "the seam fit",
                format!("the Hessian of position {k} is not positive definite"),
            )
        })?;
        let rhs = faer::Mat::<f64>::from_fn(p, 1, |a, _| grad[a]);
        let step = faer::linalg::solvers::Solve::solve(&llt, &rhs);
        let mut t = 1.0;
        loop {
            let trial: Vec<f64> = (0..p).map(|a| w[a] + t * step[(a, 0)]).collect();
            let value = objective(&trial);
            if value >= current - 1e-12 * current.abs() || t < 1e-6 {
                let moved = (0..p).map(|a| (t * step[(a, 0)]).abs()).fold(0.0, f64::max);
                w = trial;
                current = value;
                if moved < 1e-9 {
                    return finite(w, k);
                }
                break;
            }
            t *= 0.5;
        }
    }
    finite(w, k)
}

fn finite(w: Vec<f64>, k: usize) -> Result<Vec<f64>> {
    if w.iter().all(|v| v.is_finite()) {
        Ok(w)
    } else {
        Err(Error::numerical(
            "the seam fit",
            format!("the weights of position {k} are not finite"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_orders_the_seam_and_groups_distances() {
        let l = 8;
        let lay = Layout::new(l);
        assert_eq!(lay.len(), 15);
        assert_eq!(seam_site(l, 0), (0, 0));
        assert_eq!(seam_site(l, 7), (7, 0));
        assert_eq!(seam_site(l, 8), (0, 1));
        // position 1 = (1, 0): spin 0 at distance 1 on the same line
        assert_eq!(lay.width(1), 1 + NONLINEAR);
        // (7, 0) and (1, 0) are both at distance 1 from (0, 0)... and from position 8 = (0, 1),
        // (0, 0) is at distance 1 (corner: same line) and (1, 0) at √2 (other line)
        assert_ne!(lay.column[8][0], lay.column[8][1]);
        assert_eq!(lay.column[8][1], lay.column[8][7]); // (1,0), (7,0): both √2 from (0,1)
        assert!(lay.local[8][1] && !lay.local[8][4]);
    }

    /// The fit recovers a seam model from its own samples: the seam of a lattice drawn with
    /// known weights (only the nearest earlier spin, coupling 0.5), fitted back.
    #[test]
    fn fit_recovers_a_nearest_neighbour_chain() {
        let l = 6;
        let lay = Layout::new(l);
        let n = lay.len();
        // a chain: h_k = 0.5 · s_{k−1} for column positions; others 0
        let mut rng = crate::rng::stream(3, 0, 0);
        let lats: Vec<Lattice> = (0..3000)
            .map(|_| {
                let mut lat = Lattice::random(l, &mut rng);
                let mut prev = if uniform(&mut rng) < 0.5 { 1 } else { -1 };
                lat.spins[0] = prev;
                for r in 1..l {
                    let p = 1.0 / (1.0 + (-2.0 * 0.5 * prev as f64).exp());
                    prev = if uniform(&mut rng) < p { 1 } else { -1 };
                    lat.spins[r * l] = prev;
                }
                lat
            })
            .collect();
        // no symmetry copies here: one copy, identity only — fit on the raw seams
        let mut x = vec![0.0; lats.len() * n];
        for (i, lat) in lats.iter().enumerate() {
            for k in 0..n {
                let (a, b) = seam_site(l, k);
                x[i * n + k] = lat.spins[a * l + b] as f64;
            }
        }
        let w = fit_position(&lay, &x, lats.len(), 3).unwrap();
        // position 3 = (3, 0): the true h is 0.5·s(2, 0) whatever s(0, 0) and s(1, 0) are; the
        // features are collinear (m³, m⁵, ℓ³ span the same odd functions of three spins), so
        // the fit is checked on what it predicts for each pattern of the three earlier spins
        let t2 = 1.0 - 0.5f64.tanh().powi(2);
        let mut phi = vec![0.0; lay.width(3)];
        for pattern in 0..8usize {
            let prev: Vec<f64> = (0..3)
                .map(|b| if pattern >> b & 1 == 1 { -1.0 } else { 1.0 })
                .collect();
            let count = (0..lats.len())
                .filter(|&i| (0..3).all(|b| x[i * n + b] == prev[b]))
                .count();
            lay.features(3, &prev, &mut phi);
            let h: f64 = phi.iter().zip(&w).map(|(a, b)| a * b).sum();
            let se = 1.0 / (count as f64 * t2).sqrt();
            assert!(
                (h - 0.5 * prev[2]).abs() < 5.0 * se,
                "{pattern}: h {h} (se {se})"
            );
        }
    }
}
