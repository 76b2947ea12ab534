//! The symmetric eigen-decomposition of the boundary MPS's tiny Gram matrices (at most
//! `2χ × 2χ`, `χ` a few units): Householder tridiagonalisation and implicit QL, in a reusable
//! workspace.
//!
//! faer is the project's dense linear algebra, but at these sizes its per-call set-up
//! dominates: measured on this machine, a thin SVD of an `8 × 16` matrix costs 28 µs, a QR of
//! `16 × 8` 5.6 µs and a symmetric eigen-decomposition of `8 × 8` 8.6 µs, against a budget of
//! a few µs per site and row for a whole compression step (docs/benchmarks.md).

/// Workspace of the symmetric eigen-decomposition (reused across calls: no allocation once
/// its buffers have grown).
#[derive(Clone, Debug, Default)]
pub struct Eigen {
    /// Eigenvalues, decreasing.
    pub values: Vec<f64>,
    /// Eigenvectors as the columns of a row-major `n × n` matrix, in the order of `values`.
    pub vectors: Vec<f64>,
    order: Vec<usize>,
}

/// Largest matrix the stack path handles (`2χ` for `χ ≤ 8`).
const SMALL: usize = 16;

impl Eigen {
    /// Eigen-decomposition of the symmetric `n × n` row-major matrix `a`: Householder
    /// reduction to tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts.
    /// Matrices up to 16 × 16 are worked on in fixed-size arrays on the stack.
    pub fn compute(&mut self, a_in: &[f64], n: usize) {
        if n <= SMALL {
            let mut a = [[0.0f64; SMALL]; SMALL];
            let mut z = [[0.0f64; SMALL]; SMALL];
            for i in 0..n {
                a[i][..n].copy_from_slice(&a_in[i * n..(i + 1) * n]);
                z[i][i] = 1.0;
            }
            let mut d = [0.0f64; SMALL];
            let mut e = [0.0f64; SMALL];
            tridiagonalise(&mut a, &mut z, n, &mut d, &mut e);
            ql(&mut d, &mut e, &mut z, n);
            self.finish(n, &d[..n], |k, i| z[k][i]);
        } else {
            let mut big_a: Vec<Vec<f64>> =
                (0..n).map(|i| a_in[i * n..(i + 1) * n].to_vec()).collect();
            let mut big_z: Vec<Vec<f64>> = (0..n)
                .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
                .collect();
            let mut d = vec![0.0; n];
            let mut e = vec![0.0; n];
            tridiagonalise(&mut big_a, &mut big_z, n, &mut d, &mut e);
            ql(&mut d, &mut e, &mut big_z, n);
            self.finish(n, &d, |k, i| big_z[k][i]);
        }
    }

    /// Sorts the eigenpairs by decreasing eigenvalue into `values` and `vectors`.
    fn finish(&mut self, n: usize, d: &[f64], z: impl Fn(usize, usize) -> f64) {
        self.order.clear();
        self.order.extend(0..n);
        self.order.sort_by(|&i, &j| d[j].total_cmp(&d[i]));
        self.values.clear();
        self.values.extend(self.order.iter().map(|&i| d[i]));
        self.vectors.clear();
        self.vectors.resize(n * n, 0.0);
        for (c, &i) in self.order.iter().enumerate() {
            for k in 0..n {
                self.vectors[k * n + c] = z(k, i);
            }
        }
    }
}

/// `A ← H A H` with Householder reflections `H = I − 2vvᵀ/vᵀv` zeroing each column below the
/// subdiagonal, `Z ← Z H`; the tridiagonal's diagonal into `d`, its subdiagonal into `e`.
fn tridiagonalise<R: AsMut<[f64]> + AsRef<[f64]>>(
    a: &mut [R],
    z: &mut [R],
    n: usize,
    d: &mut [f64],
    e: &mut [f64],
) {
    let mut v = [0.0f64; 64];
    let mut big = Vec::new();
    let v: &mut [f64] = if n <= 64 {
        &mut v[..n]
    } else {
        big.resize(n, 0.0);
        &mut big
    };
    for k in 0..n.saturating_sub(2) {
        let norm = (k + 1..n)
            .map(|i| a[i].as_ref()[k].powi(2))
            .sum::<f64>()
            .sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[k + 1].as_ref()[k] > 0.0 {
            -norm
        } else {
            norm
        };
        for i in 0..n {
            v[i] = if i > k { a[i].as_ref()[k] } else { 0.0 };
        }
        v[k + 1] -= alpha;
        let vn2: f64 = v[k + 1..].iter().map(|x| x * x).sum();
        if vn2 == 0.0 {
            continue;
        }
        let beta = 2.0 / vn2;
        // H A: rows k+1.. change
        let mut w = [0.0f64; SMALL];
        let mut wbig = Vec::new();
        let w: &mut [f64] = if n <= SMALL {
            &mut w[..n]
        } else {
            wbig.resize(n, 0.0);
            &mut wbig
        };
        for (j, wj) in w.iter_mut().enumerate() {
            *wj = (k + 1..n).map(|i| v[i] * a[i].as_ref()[j]).sum::<f64>() * beta;
        }
        for i in k + 1..n {
            let row = a[i].as_mut();
            for j in 0..n {
                row[j] -= w[j] * v[i];
            }
        }
        // (H A) H and Z H: columns k+1.. change
        for m in [&mut *a, &mut *z] {
            for row in m.iter_mut().take(n) {
                let row = row.as_mut();
                let s: f64 = (k + 1..n).map(|j| row[j] * v[j]).sum::<f64>() * beta;
                for j in k + 1..n {
                    row[j] -= s * v[j];
                }
            }
        }
    }
    for i in 0..n {
        d[i] = a[i].as_ref()[i];
        e[i] = if i + 1 < n { a[i + 1].as_ref()[i] } else { 0.0 };
    }
}

/// The implicit QL algorithm on the tridiagonal `(d, e)`, accumulating the rotations into `z`.
fn ql<R: AsMut<[f64]> + AsRef<[f64]>>(d: &mut [f64], e: &mut [f64], z: &mut [R], n: usize) {
    let hyp = |x: f64, y: f64| (x * x + y * y).sqrt();
    // off-diagonal entries below this count as zero: the eigenvalues far below the largest
    // (which the truncation discards) are not resolved to their own relative precision
    let floor = 1e-15 * d[..n].iter().fold(0.0f64, |s, x| s.max(x.abs()));
    for l in 0..n {
        for _iter in 0..60 {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd || e[m].abs() <= floor {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = hyp(g, 1.0);
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                r = hyp(f, g);
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                for row in z.iter_mut().take(n) {
                    let row = row.as_mut();
                    let f = row[i + 1];
                    row[i + 1] = s * row[i] + c * f;
                    row[i] = c * row[i] - s * f;
                }
            }
            if deflated {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};

    /// Against faer's eigen-decomposition, on the stack path (n ≤ 16) and the heap path
    /// (n = 20), including a rank-deficient Gram matrix: eigenvalues equal, `G v = λ v`.
    #[test]
    fn eigen_matches_faer() {
        for (n, inner) in [(1, 4), (2, 5), (5, 8), (8, 11), (8, 3), (16, 19), (20, 23)] {
            let mut rng = stream(n as u64, inner as u64, 0);
            let b: Vec<f64> = (0..n * inner).map(|_| standard_normal(&mut rng)).collect();
            let g: Vec<f64> = (0..n * n)
                .map(|ij| {
                    (0..inner)
                        .map(|k| b[(ij / n) * inner + k] * b[(ij % n) * inner + k])
                        .sum()
                })
                .collect();
            let mut eig = Eigen::default();
            eig.compute(&g, n);
            let fm = faer::Mat::<f64>::from_fn(n, n, |i, j| g[i * n + j]);
            let fe = fm.self_adjoint_eigen(faer::Side::Lower).unwrap();
            let mut want: Vec<f64> = (0..n).map(|i| fe.S().column_vector()[i]).collect();
            want.sort_by(|a, b| b.total_cmp(a));
            let scale = want[0].max(1.0);
            for (a, b) in eig.values.iter().zip(&want) {
                assert!((a - b).abs() < 1e-10 * scale, "n={n}: {a} vs {b}");
            }
            for c in 0..n {
                if eig.values[c] < 1e-12 * scale {
                    continue; // the null space is resolved only to the floor
                }
                for i in 0..n {
                    let gv: f64 = (0..n).map(|k| g[i * n + k] * eig.vectors[k * n + c]).sum();
                    assert!((gv - eig.values[c] * eig.vectors[i * n + c]).abs() < 1e-9 * scale);
                }
            }
        }
    }
}
