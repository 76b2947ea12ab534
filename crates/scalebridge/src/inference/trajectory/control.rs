//! The exact linear part of the drawn expectations (a control variate) for laws linear in `θ`.
//!
//! The learner's expectations over `q(X)` are averages over `S` draws `X = m + z^(s)`. For a
//! law linear in its coefficients, `μ(X) = Φ(PX)θ` (`P` the centring projector), the drawn
//! Gram matrices and right-hand sides are exact up to second order in `z` once the draws'
//! second moments are replaced by `q`'s own: with `D_l = ∂Φ_{·l}/∂X` at the means,
//!
//! ```text
//! Σ_rows Φ_j Φ_jᵀ  +=  S · D_j P (C_tt − Ẑ_tt) P D_jᵀ
//! Σ_rows Φ_j y_j   +=  S · D_j P (C_{t,t+1} − Ẑ_{t,t+1})_{·j}
//! Σ_rows y_j²      +=  S · (C_{t+1,t+1} − Ẑ_{t+1,t+1})_jj
//! ```
//!
//! (`Ẑ = (1/S) Σ_s z zᵀ`, `C` the blocks of `Λ⁻¹`). What stays random is the part of the
//! features beyond linear order in `z`. Without it the few draws' Wishart noise in `Ẑ` left
//! a spurious `X(j)` term at 3.0 marginal σ on the synthetic law (16 runs × 8 steps, 16 draws),
//! below 3σ only with 64 draws.

use super::chain::RunPosterior;
use crate::law::CoarseLaw;
use crate::math::centre;

/// `C − Ẑ` of one run in the forms the correction uses, per transition `t < T`.
#[derive(Clone, Debug)]
pub struct LinearPart {
    nc: usize,
    steps: usize,
    /// `P (C_tt − Ẑ_tt) P`, `T·nc²`.
    input: Vec<f64>,
    /// `P (C_{t,t+1} − Ẑ_{t,t+1})`: row `k` the (centred) input bin, column `j` the target
    /// bin, `T·nc²`.
    cross: Vec<f64>,
    /// `diag(C_{t+1,t+1} − Ẑ_{t+1,t+1})`, `T·nc`.
    target: Vec<f64>,
}

impl LinearPart {
    /// From the chain's covariance and its drawn offsets `zs`.
    pub fn new(post: &RunPosterior, zs: &[Vec<f64>], nc: usize) -> Self {
        let t1 = post.mean.len() / nc;
        let steps = t1 - 1;
        let (diag, sub) = post.covariance_blocks(nc);
        let s = zs.len().max(1) as f64;
        let q = nc * nc;
        let mut input = vec![0.0; steps * q];
        let mut cross = vec![0.0; steps * q];
        let mut target = vec![0.0; steps * nc];
        for t in 0..steps {
            let a = &mut input[t * q..(t + 1) * q];
            a.copy_from_slice(&diag[t]);
            let x = &mut cross[t * q..(t + 1) * q];
            for k in 0..nc {
                for j in 0..nc {
                    // C_{t,t+1}[k][j] = C_{t+1,t}[j][k]
                    x[k * nc + j] = sub[t][j * nc + k];
                }
            }
            let d = &mut target[t * nc..(t + 1) * nc];
            for j in 0..nc {
                d[j] = diag[t + 1][j * nc + j];
            }
            for z in zs {
                let (zt, zn) = (&z[t * nc..(t + 1) * nc], &z[(t + 1) * nc..(t + 2) * nc]);
                for k in 0..nc {
                    let ak = zt[k] / s;
                    for j in 0..nc {
                        a[k * nc + j] -= ak * zt[j];
                        x[k * nc + j] -= ak * zn[j];
                    }
                }
                for j in 0..nc {
                    d[j] -= zn[j] * zn[j] / s;
                }
            }
            centre_rows_and_columns(a, nc);
            centre_columns(x, nc);
        }
        LinearPart {
            nc,
            steps,
            input,
            cross,
            target,
        }
    }

    /// This run's correction, times `draws` (the drawn sums count every transition `S` times),
    /// at the latent means `mean`.
    pub fn correction(&self, law: &dyn CoarseLaw, mean: &[f64], draws: f64) -> Correction {
        let (nc, q, l) = (self.nc, self.nc * self.nc, law.len());
        let mut out = Correction {
            gram: vec![vec![0.0; l * l]; nc],
            b: vec![0.0; nc * l],
            yy: vec![0.0; nc],
        };
        let (gram, b, yy) = (&mut out.gram, &mut out.b, &mut out.yy);
        let mut xc = vec![0.0; nc];
        for t in 0..self.steps {
            xc.copy_from_slice(&mean[t * nc..(t + 1) * nc]);
            centre(&mut xc);
            let d = feature_jacobians(law, &xc, l, nc);
            let (a, x) = (
                &self.input[t * q..(t + 1) * q],
                &self.cross[t * q..(t + 1) * q],
            );
            for j in 0..nc {
                let g = rows_of_bin(&d, j, l, nc);
                let m = quadratic(&g, a, l, nc);
                for (o, v) in gram[j].iter_mut().zip(&m) {
                    *o += draws * v;
                }
                for p in 0..l {
                    let row = &g[p * nc..(p + 1) * nc];
                    b[j * l + p] += draws * (0..nc).map(|k| row[k] * x[k * nc + j]).sum::<f64>();
                }
                yy[j] += draws * self.target[t * nc + j];
            }
        }
        out
    }
}

/// What [`LinearPart::correction`] adds to the drawn sums.
#[derive(Clone, Debug)]
pub struct Correction {
    /// To each bin's Gram matrix `Σ Φ_j Φ_jᵀ`, `L × L` row-major.
    pub gram: Vec<Vec<f64>>,
    /// To `Σ Φ_j y_j`, `nc × L`.
    pub b: Vec<f64>,
    /// To `Σ y_j²`, per bin.
    pub yy: Vec<f64>,
}

/// `D_l = ∂Φ_{·l}/∂X` at the centred input for every coefficient `l` (the law's Jacobian
/// with `θ = e_l`, linear laws), centred for the input's projector: `L·nc²`, `[l][j][k]`.
fn feature_jacobians(law: &dyn CoarseLaw, xc: &[f64], l: usize, nc: usize) -> Vec<f64> {
    let q = nc * nc;
    let mut d = vec![0.0; l * q];
    let mut e = vec![0.0; l];
    for p in 0..l {
        e.fill(0.0);
        e[p] = 1.0;
        let dl = &mut d[p * q..(p + 1) * q];
        law.jacobian_x_into(xc, &e, dl);
        centre_rows(dl, nc);
    }
    d
}

/// `G_j`, `L × nc`: row `l` is `∂Φ_{jl}/∂X`.
fn rows_of_bin(d: &[f64], j: usize, l: usize, nc: usize) -> Vec<f64> {
    let q = nc * nc;
    let mut g = vec![0.0; l * nc];
    for p in 0..l {
        g[p * nc..(p + 1) * nc].copy_from_slice(&d[p * q + j * nc..p * q + (j + 1) * nc]);
    }
    g
}

/// `G A Gᵀ`, `L × L` row-major, for `G` `L × nc` and symmetric `A` `nc × nc`.
fn quadratic(g: &[f64], a: &[f64], l: usize, nc: usize) -> Vec<f64> {
    let mut ga = vec![0.0; l * nc];
    for p in 0..l {
        let row = &g[p * nc..(p + 1) * nc];
        for (k, &gk) in row.iter().enumerate() {
            if gk != 0.0 {
                for (o, av) in ga[p * nc..(p + 1) * nc]
                    .iter_mut()
                    .zip(&a[k * nc..(k + 1) * nc])
                {
                    *o += gk * av;
                }
            }
        }
    }
    let mut out = vec![0.0; l * l];
    for p in 0..l {
        for r in 0..=p {
            let v: f64 = ga[p * nc..(p + 1) * nc]
                .iter()
                .zip(&g[r * nc..(r + 1) * nc])
                .map(|(x, y)| x * y)
                .sum();
            out[p * l + r] = v;
            out[r * l + p] = v;
        }
    }
    out
}

/// Subtracts each row's mean (`M ← M P`).
fn centre_rows(m: &mut [f64], nc: usize) {
    for row in m.chunks_exact_mut(nc) {
        centre(row);
    }
}

/// Subtracts each column's mean (`M ← P M`).
fn centre_columns(m: &mut [f64], nc: usize) {
    for c in 0..nc {
        let mean = (0..nc).map(|r| m[r * nc + c]).sum::<f64>() / nc as f64;
        for r in 0..nc {
            m[r * nc + c] -= mean;
        }
    }
}

/// `M ← P M P`.
fn centre_rows_and_columns(m: &mut [f64], nc: usize) {
    centre_rows(m, nc);
    centre_columns(m, nc);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::trajectory::chain::{BlockTridiagonal, offsets, uniform};
    use crate::law::FeatureLibrary;
    use crate::law::polynomial::FirstOrder;

    /// With features linear in `X` (first order) the drawn sums plus the correction are the exact
    /// Gaussian expectations `S Σ_t [Φ(Pm_t)Φ(Pm_t)ᵀ + D P C_tt P Dᵀ]` etc., whatever the draws.
    #[test]
    fn corrected_sums_are_exact_for_features_linear_in_x() {
        let (nc, t1, s) = (6, 4, 4);
        let law = FeatureLibrary::new().with(Box::new(FirstOrder { range: 1 }));
        let l = law.len();
        let mut rnd = uniform(11);
        let mut p = BlockTridiagonal {
            nc,
            t1,
            diag: vec![0.0; t1 * nc * nc],
            sub: vec![0.0; (t1 - 1) * nc * nc],
        };
        for t in 0..t1 {
            for r in 0..nc {
                for c in 0..=r {
                    let x = 0.3 * rnd() + if r == c { 3.0 } else { 0.0 };
                    p.diag[t * nc * nc + r * nc + c] = x;
                    p.diag[t * nc * nc + c * nc + r] = x;
                }
                if t + 1 < t1 {
                    for c in 0..nc {
                        p.sub[t * nc * nc + r * nc + c] = 0.8 * rnd();
                    }
                }
            }
        }
        let chol = p.factor().unwrap();
        let mean: Vec<f64> = (0..t1 * nc).map(|_| rnd()).collect();
        let post = RunPosterior {
            mean: mean.clone(),
            var: chol.marginal_variances(),
            chol: Some(chol.clone()),
            prec: Some(p),
        };
        let eps: Vec<Vec<f64>> = (0..s / 2)
            .flat_map(|_| {
                let e: Vec<f64> = (0..t1 * nc).map(|_| 2.0 * rnd()).collect();
                let minus = e.iter().map(|x| -x).collect();
                [e, minus]
            })
            .collect();
        let zs = offsets(&post, &eps);
        let fix = LinearPart::new(&post, &zs, nc).correction(&law, &mean, s as f64);
        // drawn sums over the draws' transitions
        let mut gram = vec![vec![0.0; l * l]; nc];
        let mut b = vec![0.0; nc * l];
        let mut yy = vec![0.0; nc];
        let mut phi = vec![0.0; nc * l];
        let mut mu = vec![0.0; nc];
        for z in &zs {
            for t in 0..t1 - 1 {
                let mut x: Vec<f64> = (0..nc).map(|k| mean[t * nc + k] + z[t * nc + k]).collect();
                centre(&mut x);
                law.linearise_into(&x, &vec![0.0; l], &mut mu, &mut phi);
                for j in 0..nc {
                    let y = mean[(t + 1) * nc + j] + z[(t + 1) * nc + j];
                    yy[j] += y * y;
                    for a in 0..l {
                        b[j * l + a] += phi[j * l + a] * y;
                        for c in 0..l {
                            gram[j][a * l + c] += phi[j * l + a] * phi[j * l + c];
                        }
                    }
                }
            }
        }
        // the exact expectations
        let (diag, sub) = chol.covariance_blocks(true);
        let sf = s as f64;
        for j in 0..nc {
            let (mut g, mut bj, mut y2) = (vec![0.0; l * l], vec![0.0; l], 0.0);
            for t in 0..t1 - 1 {
                let mut x = mean[t * nc..(t + 1) * nc].to_vec();
                centre(&mut x);
                law.linearise_into(&x, &vec![0.0; l], &mut mu, &mut phi);
                let d = feature_jacobians(&law, &x, l, nc);
                let gj = rows_of_bin(&d, j, l, nc);
                let mut c = diag[t].clone();
                centre_rows_and_columns(&mut c, nc);
                let q = quadratic(&gj, &c, l, nc);
                let y = mean[(t + 1) * nc + j];
                y2 += sf * (y * y + diag[t + 1][j * nc + j]);
                for a in 0..l {
                    // cov(P X_t, X_{t+1,j}) = P C_{t,t+1}[:, j], C_{t,t+1}[k][j] = C_{t+1,t}[j][k]
                    let mut col: Vec<f64> = (0..nc).map(|k| sub[t][j * nc + k]).collect();
                    centre(&mut col);
                    let dcol: f64 = (0..nc).map(|k| gj[a * nc + k] * col[k]).sum();
                    bj[a] += sf * (phi[j * l + a] * y + dcol);
                    for c2 in 0..l {
                        g[a * l + c2] += sf * (phi[j * l + a] * phi[j * l + c2] + q[a * l + c2]);
                    }
                }
            }
            assert!((yy[j] + fix.yy[j] - y2).abs() < 1e-10 * y2.abs().max(1.0));
            for a in 0..l {
                let got = b[j * l + a] + fix.b[j * l + a];
                assert!(
                    (got - bj[a]).abs() < 1e-10,
                    "b[{j}][{a}]: {got} vs {}",
                    bj[a]
                );
                for c2 in 0..l {
                    let got = gram[j][a * l + c2] + fix.gram[j][a * l + c2];
                    assert!((got - g[a * l + c2]).abs() < 1e-10, "G[{j}]");
                }
            }
        }
    }
}
