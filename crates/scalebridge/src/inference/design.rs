//! The (linearised) design of every experiment: the law's mean around a point `θ*` is
//!
//! ```text
//! μ_ij(θ) ≈ c_ij + Φ_ijᵀ θ,   Φ_ij = ∂μ_j(X0_i; θ*)/∂θ,   c_ij = μ_j(X0_i; θ*) − Φ_ijᵀ θ*
//! ```
//!
//! exact for a law linear in `θ` (then `Φ_ij = φ̃^(j)(X0_i)` and `c = 0`), the Gauss–Newton
//! linearisation for a nonlinear law (the kernel law of SPEC A.9), which the learner rebuilds
//! around the current posterior mean every sweep. With the Gram matrices
//! `G_j = Σ_i Φ_ij Φ_ijᵀ` (one per bin, and their sum) every sweep costs O(nc·L²) for the
//! `q(θ)` and `q(v)` updates instead of O(N·nc·L²).
//!
//! **Memory.** The design holds `Φ` (`N·nc × L` values: the one array of that size the
//! learner keeps, 8·N·nc·L bytes — 384 MB at `N = 10⁵, nc = 24, L = 20`), the offsets and the
//! `nc + 1` Gram matrices. Every product with `Φ` runs over fixed blocks of experiments
//! ([`Blocks`]), in parallel, each block through faer's matrix multiply; sums over blocks are
//! added in block order, so the results do not depend on the number of threads.

use super::data::TrainingData;
use crate::law::CoarseLaw;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

/// Inputs a parallel task evaluates the law at (the law costs microseconds an input).
pub(crate) const CHUNK: usize = 32;

/// Rows (experiment × bin) per block of the blocked products.
const BLOCK_ROWS: usize = 2048;

/// The fixed partition of the experiments into blocks: a function of `N` and `nc` only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocks {
    /// Experiments `N`.
    pub n: usize,
    /// Experiments per block (the last block may be shorter).
    pub size: usize,
}

impl Blocks {
    /// About 2048 rows per block, whole experiments.
    pub fn new(n: usize, nc: usize) -> Self {
        Blocks {
            n,
            size: (BLOCK_ROWS / nc.max(1)).max(1),
        }
    }

    /// The experiments of every block, in order.
    pub fn ranges(&self) -> Vec<std::ops::Range<usize>> {
        (0..self.n)
            .step_by(self.size)
            .map(|a| a..(a + self.size).min(self.n))
            .collect()
    }
}

/// Design rows, offsets and Gram matrices.
#[derive(Debug)]
pub struct Design {
    /// Experiments `N`.
    pub n: usize,
    /// Bins `nc`.
    pub nc: usize,
    /// Coefficients `L`.
    pub l: usize,
    /// `Φ`, row-major `(N, nc, L)`.
    pub phi: Vec<f64>,
    /// `c`, row-major `(N, nc)`; all zero for a linear law.
    pub offset: Vec<f64>,
    /// `G_j`, one per bin.
    pub gram_bin: Vec<Mat<f64>>,
    /// `G = Σ_j G_j`.
    pub gram: Mat<f64>,
    /// The blocks of the products.
    pub blocks: Blocks,
    /// Distinct for every design built in this process: what a cache of products with `Φ`
    /// (the joint step's Schur complement) checks before it is reused.
    pub id: u64,
}

impl Clone for Design {
    fn clone(&self) -> Self {
        Design {
            n: self.n,
            nc: self.nc,
            l: self.l,
            phi: self.phi.clone(),
            offset: self.offset.clone(),
            gram_bin: self.gram_bin.clone(),
            gram: self.gram.clone(),
            blocks: self.blocks,
            id: self.id,
        }
    }

    /// Reuses `self`'s buffers (`Φ` is large; see [`Design::relinearise`]).
    fn clone_from(&mut self, source: &Self) {
        self.n = source.n;
        self.nc = source.nc;
        self.l = source.l;
        self.phi.clone_from(&source.phi);
        self.offset.clone_from(&source.offset);
        self.gram_bin.clone_from(&source.gram_bin);
        self.gram.clone_from(&source.gram);
        self.blocks = source.blocks;
        self.id = source.id;
    }
}

/// `out = A x` for a row-major `A` (`out.len()` rows, `x.len()` columns).
fn gemv_rows(a: &[f64], x: &[f64], out: &mut [f64]) {
    let (rows, cols) = (out.len(), x.len());
    let a = MatRef::from_row_major_slice(a, rows, cols);
    let x = MatRef::from_column_major_slice(x, cols, 1);
    let out = MatMut::from_column_major_slice_mut(out, rows, 1);
    matmul(out, Accum::Replace, a, x, 1.0, Par::Seq);
}

/// `out = Aᵀ w` for a row-major `A` (`w.len()` rows, `out.len()` columns).
pub fn gemv_rows_transposed(a: &[f64], w: &[f64], out: &mut [f64]) {
    let (rows, cols) = (w.len(), out.len());
    let a = MatRef::from_row_major_slice(a, rows, cols);
    let w = MatRef::from_column_major_slice(w, rows, 1);
    let out = MatMut::from_column_major_slice_mut(out, cols, 1);
    matmul(out, Accum::Replace, a.transpose(), w, 1.0, Par::Seq);
}

/// The next [`Design::id`].
fn next_design_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Design {
    /// Evaluates (linearises) the law on every `X0` around `theta`.
    pub fn new(law: &dyn CoarseLaw, data: &TrainingData, theta: &[f64]) -> Self {
        Self::from_inputs(law, &data.x0, data.nc, theta)
    }

    /// Evaluates (linearises) the law around `theta` on the input states `inputs` (row-major
    /// `(n, nc)`): one row per transition, whoever supplies them (controlled experiments' `X0`,
    /// or states drawn along trajectories).
    pub fn from_inputs(law: &dyn CoarseLaw, inputs: &[f64], nc: usize, theta: &[f64]) -> Self {
        let mut design = Design {
            n: 0,
            nc,
            l: law.len(),
            phi: Vec::new(),
            offset: Vec::new(),
            gram_bin: Vec::new(),
            gram: Mat::zeros(0, 0),
            blocks: Blocks::new(0, nc),
            id: 0,
        };
        design.relinearise(law, inputs, nc, theta);
        design
    }

    /// [`Design::from_inputs`] into this design, its buffers reused: the learner on
    /// trajectories re-linearises every Gauss–Newton iteration, and a fresh `Φ` of a kernel
    /// law's drawn transitions (34 MB at `N·S·T = 3200`, `nc = 24`, `L = 56`: above the C
    /// allocator's largest mapping threshold, so mapped and zeroed by the kernel every time)
    /// cost a tenth of a fit's time in page faults (measured with `/usr/bin/time`: 2.3 million
    /// minor faults, 4.4–6.4 s system time in a 20–31 s fit).
    pub fn relinearise(&mut self, law: &dyn CoarseLaw, inputs: &[f64], nc: usize, theta: &[f64]) {
        let (n, l) = (inputs.len() / nc, law.len());
        let linear = law.is_linear();
        let (phi, offset) = (&mut self.phi, &mut self.offset);
        phi.resize(n * nc * l, 0.0);
        offset.resize(n * nc, 0.0);
        // CHUNK inputs a task (one task and one scratch vector per chunk, not per input)
        phi.par_chunks_mut(CHUNK * nc * l)
            .zip(offset.par_chunks_mut(CHUNK * nc))
            .zip(inputs.par_chunks(CHUNK * nc))
            .for_each(|((jacs, offs), xs)| {
                let mut mean = vec![0.0; nc];
                for ((jac, off), x) in jacs
                    .chunks_mut(nc * l)
                    .zip(offs.chunks_mut(nc))
                    .zip(xs.chunks(nc))
                {
                    // a reused buffer: the law sees zeros, as in a fresh one
                    jac.fill(0.0);
                    off.fill(0.0);
                    law.linearise_into(x, theta, &mut mean, jac);
                    if !linear {
                        for j in 0..nc {
                            let row = &jac[j * l..(j + 1) * l];
                            off[j] =
                                mean[j] - row.iter().zip(theta).map(|(a, b)| a * b).sum::<f64>();
                        }
                    }
                }
            });
        // G_j = Σ_i Φ_ij Φ_ijᵀ: the rows of bin j are every nc-th row of Φ
        let phi = &*phi;
        let gram_bin: Vec<Mat<f64>> = (0..nc)
            .into_par_iter()
            .map(|j| {
                let a = if n == 0 {
                    MatRef::from_row_major_slice(&[], 0, l)
                } else {
                    MatRef::from_row_major_slice_with_stride(&phi[j * l..], n, l, nc * l)
                };
                let mut g = Mat::<f64>::zeros(l, l);
                matmul(g.as_mut(), Accum::Replace, a.transpose(), a, 1.0, Par::Seq);
                g
            })
            .collect();
        let mut gram = Mat::<f64>::zeros(l, l);
        for g in &gram_bin {
            gram += g;
        }
        self.n = n;
        self.nc = nc;
        self.l = l;
        self.gram_bin = gram_bin;
        self.gram = gram;
        self.blocks = Blocks::new(n, nc);
        self.id = next_design_id();
    }

    /// The rows `Φ_i` of experiments `r`, row-major `(r.len()·nc, L)`.
    #[inline]
    pub fn rows(&self, r: std::ops::Range<usize>) -> &[f64] {
        &self.phi[r.start * self.nc * self.l..r.end * self.nc * self.l]
    }

    /// `Φ x` for every experiment, row-major `(N, nc)`, blockwise in parallel.
    fn times(&self, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.n * self.nc];
        let rows = self.blocks.size * self.nc;
        out.par_chunks_mut(rows)
            .zip(self.phi.par_chunks(rows * self.l))
            .for_each(|(o, a)| gemv_rows(a, x, o));
        out
    }

    /// The (linearised) mean `a_ij = c_ij + Φ_ijᵀ θ` of every experiment, row-major
    /// `(N, nc)`.
    pub fn predict(&self, theta: &[f64]) -> Vec<f64> {
        let mut a = self.times(theta);
        for (x, c) in a.iter_mut().zip(&self.offset) {
            *x += c;
        }
        a
    }

    /// Each term's root-mean-square contribution to the predicted mean over the design's rows,
    /// `sqrt(mean_rows (θ_l Φ_rl)²)` (the scale-aware half of the activity rule).
    pub fn contribution(&self, theta: &[f64]) -> Vec<f64> {
        let l = self.l;
        let rows = (self.phi.len() / l.max(1)).max(1);
        let mut c = vec![0.0; l];
        for row in self.phi.chunks_exact(l.max(1)) {
            for k in 0..l {
                c[k] += (theta[k] * row[k]).powi(2);
            }
        }
        c.iter().map(|x| (x / rows as f64).sqrt()).collect()
    }

    /// The change of the mean for a change `dtheta` of the coefficients, `Φ_ijᵀ Δθ`.
    pub fn apply(&self, dtheta: &[f64]) -> Vec<f64> {
        self.times(dtheta)
    }
}

/// What the `θ`-dependent terms need of the latent states, for any `θ` in O(nc·L²): per bin
/// `B_j = Σ_i Φ_ij y_ij` and `Σ_i y_ij²` with `y = μ − c`, and `Σ_i s_ij²`. One pass over `Φ`
/// instead of one per candidate `q(θ)`.
#[derive(Clone, Debug)]
pub struct LatentStats {
    /// `B_j`, row-major `(nc, L)`.
    pub b: Vec<f64>,
    /// `Σ_i y_ij²`.
    pub yy: Vec<f64>,
    /// `Σ_i s_ij²`.
    pub ss: Vec<f64>,
}

impl LatentStats {
    /// `B_j` of bin `j`.
    #[inline]
    pub fn b_bin(&self, j: usize) -> &[f64] {
        let l = self.b.len() / self.yy.len();
        &self.b[j * l..(j + 1) * l]
    }
}

impl Design {
    /// The [`LatentStats`] of the latent means and widths (row-major `(N, nc)`): blockwise in
    /// parallel, the blocks' sums added in order.
    pub fn latent_stats(&self, mean: &[f64], std: &[f64]) -> LatentStats {
        let (nc, l) = (self.nc, self.l);
        let parts: Vec<LatentStats> = self
            .blocks
            .ranges()
            .into_par_iter()
            .map(|r| {
                let (r0, r1) = (r.start * nc, r.end * nc);
                let mut st = LatentStats {
                    b: vec![0.0; nc * l],
                    yy: vec![0.0; nc],
                    ss: vec![0.0; nc],
                };
                for k in r0..r1 {
                    let j = k % nc;
                    let y = mean[k] - self.offset[k];
                    st.yy[j] += y * y;
                    st.ss[j] += std[k] * std[k];
                    let row = &self.phi[k * l..(k + 1) * l];
                    for (b, p) in st.b[j * l..(j + 1) * l].iter_mut().zip(row) {
                        *b += y * p;
                    }
                }
                st
            })
            .collect();
        let mut total = LatentStats {
            b: vec![0.0; nc * l],
            yy: vec![0.0; nc],
            ss: vec![0.0; nc],
        };
        for p in parts {
            for (t, x) in total.b.iter_mut().zip(&p.b) {
                *t += x;
            }
            for j in 0..nc {
                total.yy[j] += p.yy[j];
                total.ss[j] += p.ss[j];
            }
        }
        total
    }
}
