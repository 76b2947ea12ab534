//! Monte Carlo renormalisation group (Swendsen): RG eigenvalues from (coarse, fine) pairs
//! (SPEC B.3, last paragraph).
//!
//! With local operators `S_a` measured on a fine lattice and `S'_a` on its coarse (majority
//! rule) version, the linearised RG map `T_ab = ∂K'_a/∂K_b` solves
//!
//! ```text
//! ⟨S'_a S_b⟩_c = Σ_c ⟨S'_a S'_c⟩_c T_cb,   i.e.   T = [⟨S'S'⟩_c]⁻¹ [⟨S'S⟩_c]
//! ```
//!
//! (`⟨XY⟩_c` the connected correlation over configurations). Its leading eigenvalue in the
//! even sector is `λ_t = b^{y_t}`, in the odd sector `λ_h = b^{y_h}`; for 2D Ising with `b = 2`:
//! 2 and `2^{15/8} = 3.668`. The operator set (sums over the whole periodic lattice):
//!
//! | sector | operator | per site |
//! |---|---|---|
//! | even | nearest-neighbour pairs `s(0,0)s(0,1)`, `s(0,0)s(1,0)` | 2 |
//! | even | next-nearest (diagonal) pairs `s(0,0)s(1,1)`, `s(0,1)s(1,0)` | 2 |
//! | even | third-neighbour pairs `s(0,0)s(0,2)`, `s(0,0)s(2,0)` | 2 |
//! | even | plaquette `s(0,0)s(0,1)s(1,0)s(1,1)` | 1 |
//! | odd | magnetisation `s(0,0)` | 1 |
//! | odd | plaquette triples (the 4 three-spin products of a plaquette) | 4 |
//! | odd | straight triples `s(0,−1)s(0,0)s(0,1)`, `s(−1,0)s(0,0)s(1,0)` | 2 |
//!
//! Errors: jackknife over 32 blocks of consecutive configurations. The eigenvalue is also
//! reported for the truncated sets (first 1, 2, … operators of a sector), which shows how far
//! the operator truncation has converged.

use crate::error::{Error, Result};
use crate::lattice::model::Lattice;
use faer::Mat;
use faer::linalg::solvers::Solve;
use serde::{Deserialize, Serialize};

/// Even operators.
pub const EVEN: usize = 4;
/// Odd operators.
pub const ODD: usize = 3;
/// Names of the operators, even then odd.
pub const NAMES: [&str; EVEN + ODD] = [
    "nearest-neighbour",
    "next-nearest",
    "third-neighbour",
    "plaquette",
    "magnetisation",
    "plaquette triples",
    "straight triples",
];

/// The operator values of one lattice, even then odd.
pub type Ops = [f64; EVEN + ODD];

/// Smallest side the operator set is independent on: on a side-3 torus the third-neighbour pair
/// `(0, 2)` is the nearest-neighbour pair `(0, −1)`, and `⟨S'S'⟩` is singular.
pub const MIN_SIDE: usize = 4;

/// The operators of a lattice (side ≥ [`MIN_SIDE`]), even then odd.
pub fn operators(lat: &Lattice) -> Ops {
    let l = lat.l;
    let s = |i: usize, j: usize| lat.spins[(i % l) * l + j % l] as i64;
    let mut o = [0i64; EVEN + ODD];
    for i in 0..l {
        for j in 0..l {
            let (c, r, d, rd) = (s(i, j), s(i, j + 1), s(i + 1, j), s(i + 1, j + 1));
            o[0] += c * (r + d);
            o[1] += c * rd + r * d;
            o[2] += c * (s(i, j + 2) + s(i + 2, j));
            o[3] += c * r * d * rd;
            o[4] += c;
            o[5] += c * r * d + c * r * rd + c * d * rd + r * d * rd;
            let (l1, u1) = (s(i, j + l - 1), s(i + l - 1, j));
            o[6] += c * (l1 * r + u1 * d);
        }
    }
    o.map(|x| x as f64)
}

/// One eigenvalue estimate.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Eigenvalue {
    /// Leading eigenvalue (real part) of the sector's `T`.
    pub value: f64,
    /// Jackknife error.
    pub error: f64,
}

/// MCRG result for one blocking step.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Mcrg {
    /// Fine side.
    #[serde(rename = "L_fine")]
    pub l_fine: usize,
    /// Configurations.
    pub configurations: usize,
    /// `λ_t` with the first `k` even operators, `k = 1..=EVEN`.
    pub lambda_t: Vec<Eigenvalue>,
    /// `λ_h` with the first `k` odd operators, `k = 1..=ODD`.
    pub lambda_h: Vec<Eigenvalue>,
}

/// Blocks of the jackknife.
const BLOCKS: usize = 32;

/// Accumulated sums of one block.
#[derive(Clone)]
struct Sums {
    n: f64,
    fine: Vec<f64>,
    coarse: Vec<f64>,
    cc: Vec<f64>,
    cf: Vec<f64>,
}

impl Sums {
    fn new() -> Self {
        let k = EVEN + ODD;
        Sums {
            n: 0.0,
            fine: vec![0.0; k],
            coarse: vec![0.0; k],
            cc: vec![0.0; k * k],
            cf: vec![0.0; k * k],
        }
    }
    fn add(&mut self, c: &[f64], f: &[f64], sign: f64) {
        let k = EVEN + ODD;
        self.n += sign;
        for a in 0..k {
            self.fine[a] += sign * f[a];
            self.coarse[a] += sign * c[a];
            for b in 0..k {
                self.cc[a * k + b] += sign * c[a] * c[b];
                self.cf[a * k + b] += sign * c[a] * f[b];
            }
        }
    }
    fn combine(&self, o: &Sums, sign: f64) -> Sums {
        let zip = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a + sign * b).collect();
        Sums {
            n: self.n + sign * o.n,
            fine: zip(&self.fine, &o.fine),
            coarse: zip(&self.coarse, &o.coarse),
            cc: zip(&self.cc, &o.cc),
            cf: zip(&self.cf, &o.cf),
        }
    }
    /// Leading eigenvalue of `T` restricted to operators `ops`.
    fn eigenvalue(&self, ops: &[usize]) -> Result<f64> {
        let k = EVEN + ODD;
        let n = self.n;
        let m = ops.len();
        let cc = Mat::from_fn(m, m, |a, b| {
            let (x, y) = (ops[a], ops[b]);
            self.cc[x * k + y] / n - self.coarse[x] * self.coarse[y] / (n * n)
        });
        let cf = Mat::from_fn(m, m, |a, b| {
            let (x, y) = (ops[a], ops[b]);
            self.cf[x * k + y] / n - self.coarse[x] * self.fine[y] / (n * n)
        });
        let t = cc.partial_piv_lu().solve(&cf);
        if t.col_iter()
            .flat_map(|c| c.iter().copied())
            .any(|x| !x.is_finite())
        {
            return Err(Error::numerical(
                "MCRG",
                "singular coarse correlation matrix (too few configurations, or an operator that does not vary)",
            ));
        }
        let ev = t
            .eigenvalues()
            .map_err(|e| Error::numerical("MCRG eigenvalues", format!("{e:?}")))?;
        Ok(ev.iter().map(|z| z.re).fold(f64::NEG_INFINITY, f64::max))
    }
}

/// MCRG eigenvalues from `(coarse, fine)` pairs in the order they were generated (the
/// jackknife blocks are consecutive runs, which also covers autocorrelated Markov chains).
pub fn mcrg(pairs: &[(Lattice, Lattice)]) -> Result<Mcrg> {
    if pairs.len() < 2 * BLOCKS {
        return Err(Error::param(
            "configurations",
            pairs.len(),
            &format!(">= {} for MCRG", 2 * BLOCKS),
        ));
    }
    let l_fine = pairs[0].1.l;
    if pairs[0].0.l < MIN_SIDE {
        return Err(Error::param(
            "L",
            l_fine,
            &format!(">= {} for MCRG (coarse side >= {MIN_SIDE})", 2 * MIN_SIDE),
        ));
    }
    let per: Vec<(Ops, Ops)> = {
        use rayon::prelude::*;
        pairs
            .par_iter()
            .map(|(c, f)| (operators(c), operators(f)))
            .collect()
    };
    from_operators(l_fine, &per)
}

/// MCRG for every blocking step of `chains[i] = [fine, MR(fine), MR²(fine), …]` (configurations
/// in generation order): step `k` pairs `MR^k` with `MR^{k−1}`. Each level's operators are
/// measured once and serve as "coarse" in one step and "fine" in the next.
pub fn mcrg_chains(chains: &[Vec<Lattice>]) -> Result<Vec<Mcrg>> {
    let levels = chains.first().map_or(0, Vec::len);
    if levels < 2 || chains.iter().any(|c| c.len() != levels) {
        return Err(Error::param(
            "chains",
            levels,
            "the same number (>= 2) of blocking levels for every configuration",
        ));
    }
    if chains.len() < 2 * BLOCKS {
        return Err(Error::param(
            "configurations",
            chains.len(),
            &format!(">= {} for MCRG", 2 * BLOCKS),
        ));
    }
    if chains[0][levels - 1].l < MIN_SIDE {
        return Err(Error::param(
            "L",
            chains[0][0].l,
            &format!("large enough that the last blocked side is >= {MIN_SIDE}"),
        ));
    }
    let ops: Vec<Vec<Ops>> = {
        use rayon::prelude::*;
        chains
            .par_iter()
            .map(|c| c.iter().map(operators).collect())
            .collect()
    };
    (1..levels)
        .map(|k| {
            let per: Vec<(Ops, Ops)> = ops.iter().map(|o| (o[k], o[k - 1])).collect();
            from_operators(chains[0][k - 1].l, &per)
        })
        .collect()
}

/// MCRG from measured `(coarse, fine)` operators, in generation order.
fn from_operators(l_fine: usize, per: &[(Ops, Ops)]) -> Result<Mcrg> {
    let b = per.len() / BLOCKS;
    let blocks: Vec<Sums> = (0..BLOCKS)
        .map(|i| {
            let mut s = Sums::new();
            for (c, f) in &per[i * b..(i + 1) * b] {
                s.add(c, f, 1.0);
            }
            s
        })
        .collect();
    let total = blocks.iter().fold(Sums::new(), |a, x| a.combine(x, 1.0));
    let sector = |first: usize, count: usize| -> Result<Vec<Eigenvalue>> {
        (1..=count)
            .map(|k| {
                let ops: Vec<usize> = (first..first + k).collect();
                let value = total.eigenvalue(&ops)?;
                let jack: Vec<f64> = blocks
                    .iter()
                    .map(|x| total.combine(x, -1.0).eigenvalue(&ops))
                    .collect::<Result<_>>()?;
                let nb = BLOCKS as f64;
                let mean = jack.iter().sum::<f64>() / nb;
                let var = jack.iter().map(|j| (j - mean).powi(2)).sum::<f64>() * (nb - 1.0) / nb;
                Ok(Eigenvalue {
                    value,
                    error: var.sqrt(),
                })
            })
            .collect()
    };
    Ok(Mcrg {
        l_fine,
        configurations: b * BLOCKS,
        lambda_t: sector(0, EVEN)?,
        lambda_h: sector(EVEN, ODD)?,
    })
}

/// `mcrg.json`: the operators, the exact eigenvalues, and the estimates per blocking step
/// (`lambda_t[k-1]`, `lambda_h[k-1]`: the leading eigenvalue with the first `k` operators of the
/// sector).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct McrgFile {
    /// Operator names per sector.
    pub operators: Operators,
    /// What the arrays mean.
    pub note: String,
    /// `λ_t = 2`, `λ_h = 2^{15/8}`.
    pub exact: Exact,
    /// One entry per blocking step.
    pub steps: Vec<Mcrg>,
}

/// Operator names of the even and odd sectors.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Operators {
    pub even: Vec<String>,
    pub odd: Vec<String>,
}

/// The exact 2D Ising eigenvalues of the majority-rule map.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Exact {
    pub lambda_t: f64,
    pub lambda_h: f64,
}

impl McrgFile {
    /// The file of `steps`.
    pub fn new(steps: Vec<Mcrg>) -> Self {
        McrgFile {
            operators: Operators {
                even: NAMES[..EVEN].iter().map(|s| s.to_string()).collect(),
                odd: NAMES[EVEN..].iter().map(|s| s.to_string()).collect(),
            },
            note: "lambda_t[k-1], lambda_h[k-1]: leading eigenvalue with the first k operators of the sector".into(),
            exact: Exact {
                lambda_t: 2.0,
                lambda_h: 2f64.powf(15.0 / 8.0),
            },
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    /// Operator sums on a lattice small enough to count by hand: all up.
    #[test]
    fn operators_of_the_ordered_lattice() {
        let o = operators(&Lattice::ordered(4));
        assert_eq!(o, [32.0, 32.0, 32.0, 16.0, 16.0, 64.0, 32.0]);
        // flipping one spin of an ordered 5×5 lattice changes each pair operator by 2 × 4 bonds
        let mut lat = Lattice::ordered(5);
        lat.spins[7] = -1;
        let o = operators(&lat);
        assert_eq!(&o[..3], &[50.0 - 8.0, 50.0 - 8.0, 50.0 - 8.0]);
        assert_eq!(o[3], 25.0 - 8.0); // 4 plaquettes change sign
        assert_eq!(o[4], 23.0);
    }

    /// Infinite temperature: a random fine lattice and its majority rule. With the
    /// magnetisation alone, `T = ⟨M'M⟩_c / ⟨M'M'⟩_c`; blocks are independent, so this is
    /// `E[S'_B · Σ_B s] / E[S'_B²] = E|sum of 4 random spins| = (2·4 + 8·2)/16 = 1.5` exactly.
    #[test]
    fn magnetisation_eigenvalue_at_infinite_temperature() {
        let mut rng = stream(5, 0, 0);
        let pairs: Vec<(Lattice, Lattice)> = (0..6400)
            .map(|_| {
                let f = Lattice::random(8, &mut rng);
                (crate::lattice::majority_rule(&f, &mut rng), f)
            })
            .collect();
        let r = mcrg(&pairs).unwrap();
        let lh = r.lambda_h[0];
        assert!((lh.value - 1.5).abs() < 4.0 * lh.error, "{lh:?}");
        assert!(lh.error < 0.02);
    }

    /// Chains give every step exactly what the pair form gives for that step.
    #[test]
    fn chains_agree_with_pairs_step_by_step() {
        let mut rng = stream(6, 0, 0);
        let chains: Vec<Vec<Lattice>> = (0..640)
            .map(|_| {
                let f = Lattice::random(16, &mut rng);
                let c1 = crate::lattice::majority_rule(&f, &mut rng);
                let c2 = crate::lattice::majority_rule(&c1, &mut rng);
                vec![f, c1, c2]
            })
            .collect();
        let steps = mcrg_chains(&chains).unwrap();
        assert_eq!(steps.len(), 2);
        for (k, step) in steps.iter().enumerate() {
            let pairs: Vec<(Lattice, Lattice)> = chains
                .iter()
                .map(|c| (c[k + 1].clone(), c[k].clone()))
                .collect();
            let direct = mcrg(&pairs).unwrap();
            assert_eq!(step.l_fine, direct.l_fine);
            for (a, b) in step
                .lambda_t
                .iter()
                .chain(&step.lambda_h)
                .zip(direct.lambda_t.iter().chain(&direct.lambda_h))
            {
                assert_eq!((a.value, a.error), (b.value, b.error));
            }
        }
    }
}
