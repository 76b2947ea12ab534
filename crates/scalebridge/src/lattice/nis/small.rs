//! Dense kernels for the boundary MPS's tiny matrices (at most `4χ × 2χ`, `χ` a few units):
//! thin QR by modified Gram–Schmidt with one re-orthogonalisation pass, and the symmetric
//! eigen-decomposition by Householder tridiagonalisation and implicit QL.
//!
//! faer is the project's dense linear algebra, but at these sizes its per-call set-up
//! dominates: measured on this machine, a thin SVD of an `8 × 16` matrix costs 28 µs, a QR of
//! `16 × 8` 5.6 µs and a symmetric eigen-decomposition of `8 × 8` 8.6 µs, against a budget of
//! a few µs per site and row for a whole compression step (docs/benchmarks.md).

/// Thin QR of the row-major `m × n` matrix `a`: on return `a` holds `Q` (`m × r`, orthonormal
/// columns, row-major with row stride `r`) and the function returns `R` (`r × n`, row-major),
/// `r = min(m, n)`. Columns that are (numerically) dependent give zero columns of `Q` and zero
/// rows of `R`, so `Q R = A` still holds.
pub fn thin_qr(a: &[f64], m: usize, n: usize) -> (Vec<f64>, Vec<f64>, usize) {
    let r = m.min(n);
    let mut q = vec![0.0; m * r];
    let mut rr = vec![0.0; r * n];
    let mut col = vec![0.0; m];
    let scale = a.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    let tiny = scale * 1e-14;
    let mut k = 0;
    for j in 0..n {
        for i in 0..m {
            col[i] = a[i * n + j];
        }
        if k < r {
            // two passes of modified Gram–Schmidt against the columns found so far
            for _ in 0..2 {
                for p in 0..k {
                    let mut d = 0.0;
                    for i in 0..m {
                        d += q[i * r + p] * col[i];
                    }
                    rr[p * n + j] += d;
                    for i in 0..m {
                        col[i] -= d * q[i * r + p];
                    }
                }
            }
            let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > tiny {
                for i in 0..m {
                    q[i * r + k] = col[i] / norm;
                }
                rr[k * n + j] = norm;
                k += 1;
            }
        } else {
            // every further column lies in the span of the first r
            for p in 0..r {
                let mut d = 0.0;
                for i in 0..m {
                    d += q[i * r + p] * col[i];
                }
                rr[p * n + j] = d;
            }
        }
    }
    (q, rr, r)
}

/// Eigen-decomposition of the symmetric `n × n` row-major matrix `a`: Householder reduction
/// to tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts. Returns the
/// eigenvalues in decreasing order and the eigenvectors as the columns of a row-major `n × n`
/// matrix, in the same order.
pub fn sym_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = a.to_vec();
    let mut z = vec![0.0; n * n];
    for i in 0..n {
        z[i * n + i] = 1.0;
    }
    let mut v = vec![0.0; n];
    // A ← H A H with H = I − 2vvᵀ/vᵀv zeroing column k below the subdiagonal; Z ← Z H
    for k in 0..n.saturating_sub(2) {
        let norm = (k + 1..n).map(|i| a[i * n + k].powi(2)).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let alpha = if a[(k + 1) * n + k] > 0.0 {
            -norm
        } else {
            norm
        };
        for i in 0..n {
            v[i] = if i > k { a[i * n + k] } else { 0.0 };
        }
        v[k + 1] -= alpha;
        let vn2: f64 = v[k + 1..].iter().map(|x| x * x).sum();
        if vn2 == 0.0 {
            continue;
        }
        let beta = 2.0 / vn2;
        for j in 0..n {
            let s: f64 = (k + 1..n).map(|i| v[i] * a[i * n + j]).sum::<f64>() * beta;
            for i in k + 1..n {
                a[i * n + j] -= s * v[i];
            }
        }
        for row in [&mut a, &mut z] {
            for i in 0..n {
                let s: f64 = (k + 1..n).map(|j| row[i * n + j] * v[j]).sum::<f64>() * beta;
                for j in k + 1..n {
                    row[i * n + j] -= s * v[j];
                }
            }
        }
    }
    let mut d: Vec<f64> = (0..n).map(|i| a[i * n + i]).collect();
    let mut e: Vec<f64> = (0..n)
        .map(|i| if i + 1 < n { a[(i + 1) * n + i] } else { 0.0 })
        .collect();
    for l in 0..n {
        for _iter in 0..60 {
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = g.hypot(1.0);
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                r = f.hypot(g);
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
                for k in 0..n {
                    let f = z[k * n + i + 1];
                    z[k * n + i + 1] = s * z[k * n + i] + c * f;
                    z[k * n + i] = c * z[k * n + i] - s * f;
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
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[j].total_cmp(&d[i]));
    let values = order.iter().map(|&i| d[i]).collect();
    let mut vectors = vec![0.0; n * n];
    for (c, &i) in order.iter().enumerate() {
        for k in 0..n {
            vectors[k * n + c] = z[k * n + i];
        }
    }
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{standard_normal, stream};

    fn random(m: usize, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = stream(seed, 0, 0);
        (0..m * n).map(|_| standard_normal(&mut rng)).collect()
    }

    #[test]
    fn qr_reconstructs_with_orthonormal_q() {
        for (m, n) in [(16, 8), (8, 16), (4, 4), (2, 8), (12, 1)] {
            let a = random(m, n, (m * 31 + n) as u64);
            let (q, r, k) = thin_qr(&a, m, n);
            for i in 0..m {
                for j in 0..n {
                    let qr: f64 = (0..k).map(|p| q[i * k + p] * r[p * n + j]).sum();
                    assert!((qr - a[i * n + j]).abs() < 1e-12, "{m}×{n} ({i},{j})");
                }
            }
            for p in 0..k {
                for s in 0..k {
                    let d: f64 = (0..m).map(|i| q[i * k + p] * q[i * k + s]).sum();
                    let want = if p == s { 1.0 } else { 0.0 };
                    assert!((d - want).abs() < 1e-12);
                }
            }
        }
    }

    /// A rank-deficient matrix: still `Q R = A`.
    #[test]
    fn qr_of_dependent_columns() {
        let (m, n) = (6, 4);
        let mut a = random(m, n, 3);
        for i in 0..m {
            a[i * n + 2] = 2.0 * a[i * n];
        }
        let (q, r, k) = thin_qr(&a, m, n);
        for i in 0..m {
            for j in 0..n {
                let qr: f64 = (0..k).map(|p| q[i * k + p] * r[p * n + j]).sum();
                assert!((qr - a[i * n + j]).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn eigen_matches_faer() {
        for n in [1, 2, 5, 8, 16] {
            let b = random(n, n + 3, n as u64);
            let g: Vec<f64> = (0..n * n)
                .map(|ij| {
                    (0..n + 3)
                        .map(|k| b[(ij / n) * (n + 3) + k] * b[(ij % n) * (n + 3) + k])
                        .sum()
                })
                .collect();
            let (vals, vecs) = sym_eigen(&g, n);
            let fm = faer::Mat::<f64>::from_fn(n, n, |i, j| g[i * n + j]);
            let fe = fm.self_adjoint_eigen(faer::Side::Lower).unwrap();
            let mut want: Vec<f64> = (0..n).map(|i| fe.S().column_vector()[i]).collect();
            want.sort_by(|a, b| b.total_cmp(a));
            for (a, b) in vals.iter().zip(&want) {
                assert!(
                    (a - b).abs() < 1e-10 * want[0].max(1.0),
                    "n={n}: {a} vs {b}"
                );
            }
            // G v = λ v
            for c in 0..n {
                for i in 0..n {
                    let gv: f64 = (0..n).map(|k| g[i * n + k] * vecs[k * n + c]).sum();
                    assert!((gv - vals[c] * vecs[i * n + c]).abs() < 1e-9 * want[0].max(1.0));
                }
            }
        }
    }
}
