//! The dominant eigenspace of the boundary MPS's tiny Gram matrices (at most `2χ × 2χ`, `χ` a
//! few units), in a reusable workspace: what a zip-up truncation needs, without a full
//! eigen-decomposition.
//!
//! faer is the project's dense linear algebra, but at these sizes its per-call set-up
//! dominates: measured on this machine, a thin SVD of an `8 × 16` matrix costs 28 µs and a
//! symmetric eigen-decomposition of `8 × 8` 8.6 µs; our own Householder + implicit QL took
//! ≈ 5 µs and was 60 % of a sample's time. The pivoted-Cholesky start and one sweep of
//! subspace iteration here cost well under 1 µs (docs/benchmarks.md).

/// An orthonormal basis of (a close approximation to) the dominant `k`-dimensional eigenspace of
/// a symmetric positive semi-definite matrix `G`: `orth(G L)`, where the `k` columns of `L` are
/// a column-pivoted (partial) Cholesky factor of `G`.
///
/// Any orthonormal basis of the dominant subspace serves a zip-up truncation (the boundary MPS
/// is defined up to a gauge), so neither the eigenvalues nor their order are needed. The pivoted
/// Cholesky factor spans `G E` for the `k` coordinate vectors `E` it pivots on (a rank-revealing
/// choice); multiplying by `G` once more is one sweep of subspace iteration, which shrinks the
/// angle to the exact subspace by the ratio `λ_{k+1}/λ_k` — about 0.04 for the Ising boundary
/// MPS at `χ = 4` (docs/ising.md), where the result is as good as the exact eigenvectors.
#[derive(Clone, Debug, Default)]
pub struct Dominant {
    /// The basis: a row-major `n × keep` matrix with orthonormal columns (`keep`, what
    /// [`Dominant::compute`] returns, is `≤ k`; fewer when the matrix's numerical rank is lower).
    pub basis: Vec<f64>,
    /// The pivoted Cholesky columns `L`, as rows of length `n`.
    l: Vec<f64>,
    /// `G L`, orthonormalised in place, as rows of length `n`.
    z: Vec<f64>,
    /// The residual diagonal.
    diag: Vec<f64>,
}

/// Pivots (residual diagonal entries) below this fraction of the largest diagonal entry count
/// as zero: the numerical rank.
const RANK_TOL: f64 = 1e-14;

impl Dominant {
    /// Computes the basis of the symmetric positive semi-definite `n × n` row-major matrix `g`
    /// with at most `k` columns; returns `keep` (at least 1: a unit vector for the zero
    /// matrix).
    pub fn compute(&mut self, g: &[f64], n: usize, k: usize) -> usize {
        debug_assert_eq!(g.len(), n * n);
        let k = k.min(n).max(1);
        let Dominant {
            basis, l, z, diag, ..
        } = self;
        diag.clear();
        diag.extend((0..n).map(|i| g[i * n + i]));
        let floor = diag.iter().fold(0.0f64, |a, &b| a.max(b)) * RANK_TOL;
        l.clear();
        let mut keep = 0;
        while keep < k {
            let (mut p, mut best) = (0, floor);
            for (j, &d) in diag.iter().enumerate() {
                if d > best {
                    (p, best) = (j, d);
                }
            }
            if best <= floor {
                break;
            }
            // column p of G minus the earlier columns' share, over sqrt of the pivot
            let start = l.len();
            l.extend_from_slice(&g[p * n..(p + 1) * n]);
            let (done, col) = l.split_at_mut(start);
            for prev in done.chunks_exact(n) {
                let c = prev[p];
                col.iter_mut().zip(prev).for_each(|(x, y)| *x -= c * y);
            }
            let inv = 1.0 / best.sqrt();
            col.iter_mut().for_each(|x| *x *= inv);
            for (d, x) in diag.iter_mut().zip(col.iter()) {
                *d -= x * x;
            }
            diag[p] = 0.0;
            keep += 1;
        }
        z.clear();
        if keep == 0 {
            z.resize(n, 0.0);
            z[0] = 1.0;
            keep = 1;
        } else {
            z.resize(keep * n, 0.0);
            for (zc, lc) in z.chunks_exact_mut(n).zip(l.chunks_exact(n)) {
                for (zi, gi) in zc.iter_mut().zip(g.chunks_exact(n)) {
                    *zi = dot(gi, lc);
                }
            }
            // classical Gram–Schmidt, twice, in pivot order; a column left with nothing is
            // dropped
            let tiny = dot(&z[..n], &z[..n]).sqrt() * RANK_TOL;
            let mut kept = 0;
            for c in 0..keep {
                let (done, rest) = z.split_at_mut(kept * n);
                let v = &mut rest[(c - kept) * n..(c - kept + 1) * n];
                if orthonormalise(v, done, tiny) {
                    if c != kept {
                        z.copy_within(c * n..(c + 1) * n, kept * n);
                    }
                    kept += 1;
                }
            }
            keep = kept.max(1);
            if kept == 0 {
                z[..n].fill(0.0);
                z[0] = 1.0;
            }
        }
        basis.clear();
        basis.resize(n * keep, 0.0);
        for c in 0..keep {
            for i in 0..n {
                basis[i * keep + c] = z[c * n + i];
            }
        }
        keep
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Projects the rows of `q` (orthonormal, length `n`) out of `v` twice (classical Gram–Schmidt
/// with one re-orthogonalisation) and normalises it; false when what is left is below `tiny`.
fn orthonormalise(v: &mut [f64], q: &[f64], tiny: f64) -> bool {
    let n = v.len();
    for _ in 0..2 {
        for b in q.chunks_exact(n) {
            let c = dot(v, b);
            v.iter_mut().zip(b).for_each(|(x, y)| *x -= c * y);
        }
    }
    let norm = dot(v, v).sqrt();
    if !norm.is_finite() || norm <= tiny {
        return false;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};

    /// A Gram matrix `B Bᵀ` of `n × inner` Gaussian `B` whose columns are scaled by
    /// `decay^j` (rank `min(n, inner)`, a geometric spectrum when `decay < 1`).
    fn gram(n: usize, inner: usize, decay: f64, seed: u64) -> Vec<f64> {
        let mut rng = stream(n as u64, inner as u64, seed);
        let b: Vec<f64> = (0..n * inner)
            .map(|ij| standard_normal(&mut rng) * decay.powi((ij % inner) as i32))
            .collect();
        (0..n * n)
            .map(|ij| {
                (0..inner)
                    .map(|k| b[(ij / n) * inner + k] * b[(ij % n) * inner + k])
                    .sum()
            })
            .collect()
    }

    /// The columns are orthonormal; they span the exact dominant subspace (faer's
    /// eigenvectors) to within the error of `span(G² E)`, which the gap bounds: the projectors
    /// differ by at most `2 (λ_{k+1}/λ_k)²` (measured: 0.05–0.8 of `(λ_{k+1}/λ_k)²`; one power
    /// step less would leave `≈ λ_{k+1}/λ_k`); a rank-deficient matrix gives its rank, the
    /// zero matrix one unit vector.
    #[test]
    fn dominant_subspace_against_faer() {
        let mut dom = Dominant::default();
        for (n, inner, k, decay, seed) in [
            (8, 8, 4, 0.2, 0),
            (8, 8, 4, 0.2, 1),
            (8, 8, 4, 0.5, 2),
            (8, 3, 4, 1.0, 3),
            (2, 2, 4, 1.0, 4),
            (16, 16, 8, 0.3, 5),
            (20, 20, 6, 0.4, 6),
        ] {
            let g = gram(n, inner, decay, seed);
            let keep = dom.compute(&g, n, k);
            assert_eq!(keep, k.min(inner).min(n), "n={n} inner={inner}");
            let u = &dom.basis;
            for a in 0..keep {
                for b in 0..keep {
                    let d: f64 = (0..n).map(|i| u[i * keep + a] * u[i * keep + b]).sum();
                    let want = if a == b { 1.0 } else { 0.0 };
                    assert!((d - want).abs() < 1e-13, "n={n}: UᵀU[{a},{b}] = {d}");
                }
            }
            let fm = faer::Mat::<f64>::from_fn(n, n, |i, j| g[i * n + j]);
            let fe = fm.self_adjoint_eigen(faer::Side::Lower).unwrap();
            let mut order: Vec<usize> = (0..n).collect();
            let lam = |i: usize| fe.S().column_vector()[i];
            order.sort_by(|&a, &b| lam(b).total_cmp(&lam(a)));
            let ratio = if keep < n {
                (lam(order[keep]).max(0.0) / lam(order[keep - 1])).max(1e-8)
            } else {
                1e-8
            };
            let mut worst = 0.0f64;
            for i in 0..n {
                for j in 0..n {
                    let exact: f64 = order[..keep]
                        .iter()
                        .map(|&c| fe.U()[(i, c)] * fe.U()[(j, c)])
                        .sum();
                    let ours: f64 = (0..keep).map(|c| u[i * keep + c] * u[j * keep + c]).sum();
                    worst = worst.max((exact - ours).abs());
                }
            }
            assert!(
                worst < 2.0 * ratio * ratio + 1e-10,
                "n={n} k={k}: projectors differ by {worst:.2e}, gap ratio {ratio:.2e}"
            );
        }
        let keep = dom.compute(&[0.0; 9], 3, 2);
        assert_eq!(keep, 1);
        assert_eq!(dom.basis, vec![1.0, 0.0, 0.0]);
    }
}
