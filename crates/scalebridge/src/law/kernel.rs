//! Conservative coarse laws (SPEC A.9): in one coarse step the mass of bin `i` moves to bin
//! `i+b`, `b = -B..B`, with probabilities set by the local state,
//!
//! ```text
//! ρ = softmax(X),   u_i = nc·ρ_i
//! K_b(i) = softmax_b(η_{i,b}),   η_{i,0} = 0,   η_{i,b} = Σ_l θ_{b,l} ψ_l(i, u)   (b ≠ 0)
//! μ_j(X; θ) = clr( Σ_b K_b(j-b) ρ_{j-b} )
//! ```
//!
//! Mass is conserved and positive by construction (`Σ_j Σ_b K_b(j-b) ρ_{j-b} = Σ_i ρ_i = 1`); a
//! bin that is empty stays representable (its mean is the log of what flows in); and walkers
//! that do not interact have an exact constant kernel (for advection–diffusion, `K_b` is SPEC
//! A.8's displacement law on bins). `ψ` is an open, named library of local features
//! ([`HopFeature`]): constant, functions of the local density, neighbour differences, position
//! modes.
//!
//! [`KernelLaw`] is the family (hop range and features); `θ` is passed to every evaluation, so
//! one family serves the learner, the posterior and prediction through
//! [`super::CoarseLaw`]. `θ` is hop-major over `b = -B..-1, 1..B`: coefficient
//! `(k, l)` at `k·L + l` is feature `l` of the `k`-th hop. `θ = 0` is the uniform kernel
//! (`K_b = 1/(2B+1)`), where the ARD prior centres it.

use super::family::CoarseLaw;
use super::spec::LawSpec;
use crate::error::{Error, Result};
use crate::math::softmax_into;
use std::f64::consts::PI;
use std::fmt;
use std::fmt::Write as _;

/// A local feature `ψ(i, u)` of bin `i` given the densities `u_k = nc·ρ_k` (periodic).
pub trait HopFeature: Send + Sync + fmt::Debug {
    /// The name shown in a law, e.g. `u`, `sin(2πy/P)`.
    fn name(&self) -> String;
    /// `ψ(i, u)`.
    fn eval(&self, i: usize, u: &[f64]) -> f64;
    /// Whether `ψ` is the constant `1` (the kernel law's baseline, [`CoarseLaw::baseline`]).
    fn is_constant(&self) -> bool {
        false
    }
    /// Whether `ψ` depends on the densities `u` (a feature that does not — the constant, the
    /// position modes — is evaluated once per `nc` and cached).
    fn depends_on_density(&self) -> bool {
        true
    }
    /// The non-zero partial derivatives `∂ψ(i, u)/∂u_a` as `(a, value)` pairs, or `None` when
    /// the feature has none in closed form (the law then takes finite differences for its
    /// Jacobian in `X`).
    fn partials(&self, _i: usize, _u: &[f64]) -> Option<Vec<(usize, f64)>> {
        None
    }
}

/// The local features SPEC A.9 names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Local {
    /// `1`.
    Constant,
    /// `u`.
    Density,
    /// `u²`.
    DensitySquared,
    /// `log(1+u)`.
    LogDensity,
    /// `u/(1+u)`.
    Saturating,
    /// `u_{i+1} − u_{i−1}`.
    Gradient,
    /// `sin(2πk y/P)` at the bin centre `y` (period `P`).
    Sin(usize),
    /// `cos(2πk y/P)` at the bin centre.
    Cos(usize),
}

/// The density features by their short names on the command line, in the order `--help`
/// lists them.
pub const DENSITY_FEATURES: [(&str, Local); 5] = [
    ("u", Local::Density),
    ("u2", Local::DensitySquared),
    ("log1p", Local::LogDensity),
    ("sat", Local::Saturating),
    ("grad", Local::Gradient),
];

/// The local features without a mode number.
const FIXED: [Local; 6] = [
    Local::Constant,
    Local::Density,
    Local::DensitySquared,
    Local::LogDensity,
    Local::Saturating,
    Local::Gradient,
];

impl Local {
    /// Parses a name as [`HopFeature::name`] writes it (`u`, `u²`, `sin(2π3y/P)`, …).
    pub fn from_name(name: &str) -> Option<Local> {
        if let Some(f) = FIXED.iter().find(|f| f.name() == name) {
            return Some(*f);
        }
        let mode = |prefix: &str| -> Option<usize> {
            let rest = name.strip_prefix(prefix)?.strip_suffix("y/P)")?;
            if rest.is_empty() {
                Some(1)
            } else {
                rest.parse().ok().filter(|k| *k >= 1)
            }
        };
        mode("sin(2π")
            .map(Local::Sin)
            .or_else(|| mode("cos(2π").map(Local::Cos))
    }

    /// Parses a density feature's short name (`u`, `u2`, `log1p`, `sat`, `grad`) or its full
    /// name.
    pub fn parse_density(name: &str) -> Option<Local> {
        DENSITY_FEATURES
            .iter()
            .find(|(short, _)| *short == name)
            .map(|(_, f)| *f)
            .or_else(|| {
                Local::from_name(name)
                    .filter(|f| !matches!(f, Local::Constant | Local::Sin(_) | Local::Cos(_)))
            })
    }

    /// The names [`Local::from_name`] accepts (modes shown for `k = 1`).
    pub fn known_names() -> Vec<String> {
        FIXED
            .iter()
            .chain(&[Local::Sin(1), Local::Cos(1)])
            .map(|f| f.name())
            .collect()
    }
}

impl HopFeature for Local {
    fn name(&self) -> String {
        let mode = |f: &str, k: usize| {
            if k == 1 {
                format!("{f}(2πy/P)")
            } else {
                format!("{f}(2π{k}y/P)")
            }
        };
        match self {
            Local::Constant => "1".into(),
            Local::Density => "u".into(),
            Local::DensitySquared => "u²".into(),
            Local::LogDensity => "log(1+u)".into(),
            Local::Saturating => "u/(1+u)".into(),
            Local::Gradient => "u(i+1)-u(i-1)".into(),
            Local::Sin(k) => mode("sin", *k),
            Local::Cos(k) => mode("cos", *k),
        }
    }

    fn is_constant(&self) -> bool {
        matches!(self, Local::Constant)
    }

    fn eval(&self, i: usize, u: &[f64]) -> f64 {
        let nc = u.len();
        let phase = || 2.0 * PI * (i as f64 + 0.5) / nc as f64;
        match self {
            Local::Constant => 1.0,
            Local::Density => u[i],
            Local::DensitySquared => u[i] * u[i],
            Local::LogDensity => u[i].ln_1p(),
            Local::Saturating => u[i] / (1.0 + u[i]),
            Local::Gradient => u[(i + 1) % nc] - u[(i + nc - 1) % nc],
            Local::Sin(k) => (*k as f64 * phase()).sin(),
            Local::Cos(k) => (*k as f64 * phase()).cos(),
        }
    }

    fn depends_on_density(&self) -> bool {
        !matches!(self, Local::Constant | Local::Sin(_) | Local::Cos(_))
    }

    fn partials(&self, i: usize, u: &[f64]) -> Option<Vec<(usize, f64)>> {
        let nc = u.len();
        Some(match self {
            Local::Constant | Local::Sin(_) | Local::Cos(_) => vec![],
            Local::Density => vec![(i, 1.0)],
            Local::DensitySquared => vec![(i, 2.0 * u[i])],
            Local::LogDensity => vec![(i, 1.0 / (1.0 + u[i]))],
            Local::Saturating => vec![(i, 1.0 / (1.0 + u[i]).powi(2))],
            Local::Gradient => vec![((i + 1) % nc, 1.0), ((i + nc - 1) % nc, -1.0)],
        })
    }
}

/// The conservative law family: hops of up to `B` bins with log-odds linear in the features.
#[derive(Debug)]
pub struct KernelLaw {
    hop: usize,
    features: Vec<Box<dyn HopFeature>>,
    /// The hops with a coefficient block, in `θ` order: `-B..-1, 1..B`.
    hops: Vec<i64>,
    /// The columns of the density-dependent features.
    density: Vec<usize>,
    /// The density-independent features of every bin for the first `nc` seen: `(nc, values
    /// (nc, L) row-major)`, the density-dependent columns left at 0.
    fixed: std::sync::OnceLock<(usize, Vec<f64>)>,
}

/// Scratch space of one evaluation, kept per thread between evaluations ([`with_work`]).
#[derive(Default)]
struct Work {
    rho: Vec<f64>,
    u: Vec<f64>,
    psi: Vec<f64>,
    /// `K_b(i)`, `(nc, 2B+1)`.
    k: Vec<f64>,
    eta: Vec<f64>,
    /// The moved mass.
    m: Vec<f64>,
    /// `∂m_j/∂ρ_a`, `(nc, nc)`, of an `X`-Jacobian.
    a: Vec<f64>,
    /// `∂η/∂ρ_q` of one bin, `2B+1`.
    deta: Vec<f64>,
    /// The mean over bins of a `θ`-Jacobian's rows, `P`.
    avg: Vec<f64>,
    /// Per bin, what [`CoarseLaw::mean_along_into`] keeps: `z`, `Σ_{b≠c} K_b`, `ψ_f`.
    along: Vec<f64>,
}

impl KernelLaw {
    /// The family of hop range `hop` (B >= 1) over `features`.
    pub fn new(hop: usize, features: Vec<Box<dyn HopFeature>>) -> Result<Self> {
        if hop == 0 {
            return Err(Error::param("hop", 0, ">= 1"));
        }
        if features.is_empty() {
            return Err(Error::param("features", "none", "at least one feature"));
        }
        let names: Vec<String> = features.iter().map(|f| f.name()).collect();
        if let Some(k) = (1..names.len()).find(|&k| names[..k].contains(&names[k])) {
            return Err(Error::param(
                "features",
                format!("`{}` twice", names[k]),
                "each feature once",
            ));
        }
        let b = hop as i64;
        let density = (0..features.len())
            .filter(|&c| features[c].depends_on_density())
            .collect();
        Ok(KernelLaw {
            hop,
            features,
            hops: (-b..=b).filter(|&x| x != 0).collect(),
            density,
            fixed: std::sync::OnceLock::new(),
        })
    }

    /// The family of [`Local`] features.
    pub fn of_locals(hop: usize, features: &[Local]) -> Result<Self> {
        Self::new(
            hop,
            features
                .iter()
                .map(|f| Box::new(*f) as Box<dyn HopFeature>)
                .collect(),
        )
    }

    /// The hop range `B`.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// The hops with a coefficient block, in `θ` order: `-B..-1, 1..B`.
    pub fn hops(&self) -> &[i64] {
        &self.hops
    }

    /// Number of local features.
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// The local features' names.
    pub fn feature_names(&self) -> Vec<String> {
        self.features.iter().map(|f| f.name()).collect()
    }

    fn check_theta(&self, theta: &[f64]) {
        debug_assert_eq!(theta.len(), 2 * self.hop * self.features.len());
    }

    /// `ψ_l(i, u)` for every bin, `(nc, L)` row-major.
    fn psi(&self, u: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; u.len() * self.features.len()];
        self.psi_into(u, &mut out);
        out
    }

    /// The density-independent features (the constant, the position modes) must be linearly
    /// independent over the `nc` bin centres: a mode `k ≥ nc/2` aliases a lower one there
    /// (`cos(2π·6y/P)` is 0 at every centre of 12 bins), and a coefficient without data to
    /// tell it from another is left to the prior. Checked by Gram–Schmidt: a column whose
    /// remainder after the columns before it is below `10⁻⁸` of its norm, or of `√nc` (a
    /// column of zeros up to rounding), is an error naming it.
    fn check_position_features(&self, nc: usize) -> Result<()> {
        let (l, fixed) = (self.features.len(), self.compute_fixed(nc));
        let mut basis: Vec<Vec<f64>> = Vec::new();
        for (c, f) in self.features.iter().enumerate() {
            if f.depends_on_density() {
                continue;
            }
            let col: Vec<f64> = (0..nc).map(|i| fixed[i * l + c]).collect();
            let norm = col.iter().map(|x| x * x).sum::<f64>().sqrt();
            let mut rest = col;
            for q in &basis {
                let d: f64 = rest.iter().zip(q).map(|(a, b)| a * b).sum();
                rest.iter_mut().zip(q).for_each(|(a, b)| *a -= d * b);
            }
            let left = rest.iter().map(|x| x * x).sum::<f64>().sqrt();
            if left.is_nan() || left <= 1e-8 * norm.max((nc as f64).sqrt()) {
                return Err(Error::param(
                    "modes",
                    format!("feature `{}` at nc = {nc} bins", f.name()),
                    &format!(
                        "position features that differ at the bin centres: at nc = {nc} \
                         use at most {} Fourier modes (a mode k needs nc > 2k)",
                        (nc - 1) / 2
                    ),
                ));
            }
            rest.iter_mut().for_each(|a| *a /= left);
            basis.push(rest);
        }
        Ok(())
    }

    /// The density-independent features of every bin at `nc` bins, `(nc, L)` row-major, the
    /// density-dependent columns at 0.
    fn compute_fixed(&self, nc: usize) -> Vec<f64> {
        let l = self.features.len();
        let u = vec![1.0; nc];
        let mut v = vec![0.0; nc * l];
        for i in 0..nc {
            for (c, f) in self.features.iter().enumerate() {
                if !f.depends_on_density() {
                    v[i * l + c] = f.eval(i, &u);
                }
            }
        }
        v
    }

    /// [`KernelLaw::psi`] into `out`. The density-independent features are computed once, for
    /// the first number of bins the law meets (a law is used at one `nc`; another is served
    /// uncached).
    fn psi_into(&self, u: &[f64], out: &mut [f64]) {
        let (nc, l) = (u.len(), self.features.len());
        let (n, v) = self.fixed.get_or_init(|| (nc, self.compute_fixed(nc)));
        if *n == nc {
            out.copy_from_slice(v);
        } else {
            out.copy_from_slice(&self.compute_fixed(nc));
        }
        for i in 0..nc {
            for &c in &self.density {
                out[i * l + c] = self.features[c].eval(i, u);
            }
        }
    }

    /// Runs `f` with this thread's scratch space sized for `nc` bins (a fresh one if the
    /// thread's is in use: an evaluation inside another).
    fn with_work<R>(&self, nc: usize, f: impl FnOnce(&mut Work) -> R) -> R {
        thread_local! {
            static WORK: std::cell::RefCell<Work> = std::cell::RefCell::new(Work::default());
        }
        let (l, width) = (self.features.len(), 2 * self.hop + 1);
        let size = |w: &mut Work| {
            w.rho.resize(nc, 0.0);
            w.u.resize(nc, 0.0);
            w.psi.resize(nc * l, 0.0);
            w.k.resize(nc * width, 0.0);
            w.eta.resize(width, 0.0);
            w.m.resize(nc, 0.0);
            w.a.resize(nc * nc, 0.0);
            w.deta.resize(width, 0.0);
            w.avg.resize(2 * self.hop * l, 0.0);
            w.along.resize(3 * nc, 0.0);
        };
        WORK.with(|cell| match cell.try_borrow_mut() {
            Ok(mut w) => {
                size(&mut w);
                f(&mut w)
            }
            Err(_) => {
                let mut w = Work::default();
                size(&mut w);
                f(&mut w)
            }
        })
    }

    /// Fills `w` for the state `x`: `ρ`, `u`, `ψ`, `K` and the moved mass.
    fn evaluate(&self, x: &[f64], theta: &[f64], w: &mut Work) {
        self.check_theta(theta);
        let nc = x.len();
        let (l, width) = (self.features.len(), 2 * self.hop + 1);
        softmax_into(x, &mut w.rho);
        for (u, r) in w.u.iter_mut().zip(&w.rho) {
            *u = r * nc as f64;
        }
        self.psi_into(&w.u, &mut w.psi);
        for i in 0..nc {
            self.hop_probabilities_into(
                theta,
                &w.psi[i * l..(i + 1) * l],
                &mut w.eta,
                &mut w.k[i * width..(i + 1) * width],
            );
        }
        w.m.fill(0.0);
        for i in 0..nc {
            for (j, kc) in self.targets(i, nc).zip(&w.k[i * width..(i + 1) * width]) {
                w.m[j] += kc * w.rho[i];
            }
        }
    }

    /// `∂μ/∂X` into `jac` and, if asked, `μ` into `mean`, from one evaluation (central
    /// differences when a feature has no analytic partials).
    fn mean_and_x_jacobian(
        &self,
        x: &[f64],
        theta: &[f64],
        mean: Option<&mut [f64]>,
        jac: &mut [f64],
    ) {
        let exact = self.with_work(x.len(), |w| {
            self.evaluate(x, theta, w);
            if let Some(mean) = mean {
                clr_into(&w.m, mean);
            }
            self.jacobian_x_of(w, theta, jac)
        });
        if !exact {
            super::family::finite_difference_jacobian(self, x, theta, jac);
        }
    }

    /// `∂μ_j/∂X_k` of the state `w` was evaluated at (see [`CoarseLaw::jacobian_x_into`]);
    /// `false` (and `jac` unfinished) when a feature has no analytic partials.
    fn jacobian_x_of(&self, w: &mut Work, theta: &[f64], jac: &mut [f64]) -> bool {
        let nc = w.rho.len();
        let (l, width) = (self.features.len(), 2 * self.hop + 1);
        let (rho, u, k, m) = (&w.rho, &w.u, &w.k, &w.m);
        // a[j][a] = ∂m_j/∂ρ_a
        let (a, deta) = (&mut w.a, &mut w.deta);
        a.fill(0.0);
        let mut partials: Vec<(usize, usize, f64)> = Vec::new();
        for i in 0..nc {
            let ki = &k[i * width..(i + 1) * width];
            // the direct term: ρ_i moves to j = i + hop with K_hop(i)
            for (j, kh) in self.targets(i, nc).zip(ki) {
                a[j * nc + i] += kh;
            }
            // the hop probabilities of bin i respond to u_a through ψ(i, u) (only the
            // density-dependent features have partials: the others are cached as constants)
            partials.clear();
            for &f in &self.density {
                match self.features[f].partials(i, u) {
                    Some(ps) => partials.extend(ps.into_iter().map(|(q, d)| (f, q, d))),
                    None => return false,
                }
            }
            for &(f, q, d) in &partials {
                // ∂η_{i,c}/∂ρ_q = nc θ_{c,f} d for the free hops c; η_{i,0} = 0
                deta.fill(0.0);
                for c in 0..2 * self.hop {
                    deta[self.column(c)] = nc as f64 * theta[c * l + f] * d;
                }
                let mean_deta: f64 = ki.iter().zip(deta.iter()).map(|(kk, e)| kk * e).sum();
                for ((j, kh), e) in self.targets(i, nc).zip(ki).zip(deta.iter()) {
                    // ∂K_hop/∂ρ_q = K_hop (∂η_hop − Σ_c K_c ∂η_c)
                    let dk = kh * (e - mean_deta);
                    a[j * nc + q] += dk * rho[i];
                }
            }
        }
        // ∂m/∂X = A (diag ρ − ρρᵀ), then rows divided by m_j, then centred over j
        for j in 0..nc {
            let row = &a[j * nc..(j + 1) * nc];
            let ar: f64 = row.iter().zip(rho).map(|(x, r)| x * r).sum();
            let inv_m = 1.0 / m[j];
            for q in 0..nc {
                jac[j * nc + q] = (row[q] * rho[q] - ar * rho[q]) * inv_m;
            }
        }
        let inv_nc = 1.0 / nc as f64;
        for q in 0..nc {
            let mean = (0..nc).map(|j| jac[j * nc + q]).sum::<f64>() * inv_nc;
            for j in 0..nc {
                jac[j * nc + q] -= mean;
            }
        }
        true
    }

    /// The feature values at uniform density `u` in every bin, averaged over the bins (the
    /// position modes average to zero): the "typical bin at density `u`".
    pub fn psi_uniform(&self, u: f64, nc: usize) -> Vec<f64> {
        let l = self.features.len();
        let psi = self.psi(&vec![u; nc]);
        (0..l)
            .map(|c| (0..nc).map(|i| psi[i * l + c]).sum::<f64>() / nc as f64)
            .collect()
    }

    /// The feature values of bin `i` of a uniform state (`u = 1` everywhere).
    pub fn psi_at_bin(&self, i: usize, nc: usize) -> Vec<f64> {
        let l = self.features.len();
        self.psi(&vec![1.0; nc])[i * l..(i + 1) * l].to_vec()
    }

    /// The target bins `i − B, …, i + B` (periodic) of bin `i`'s hops, in the column order of
    /// `K(i)`: stepped, not a remainder per entry (the integer divisions were a third of the
    /// `X`-Jacobian's time). Needs `2B + 1 <= nc` ([`CoarseLaw::check`]).
    fn targets(&self, i: usize, nc: usize) -> impl Iterator<Item = usize> {
        let first = (i + nc - self.hop % nc) % nc;
        (first..first + 2 * self.hop + 1).map(move |j| if j >= nc { j - nc } else { j })
    }

    /// The column `b + B` of coefficient block `k` (`θ` order `b = -B..-1, 1..B`).
    fn column(&self, k: usize) -> usize {
        if k < self.hop { k } else { k + 1 }
    }

    /// The hop probabilities `K_b`, `b = -B..B`, of a bin with feature values `psi`.
    pub fn hop_probabilities(&self, theta: &[f64], psi: &[f64]) -> Vec<f64> {
        let width = 2 * self.hop + 1;
        let (mut eta, mut k) = (vec![0.0; width], vec![0.0; width]);
        self.hop_probabilities_into(theta, psi, &mut eta, &mut k);
        k
    }

    /// [`KernelLaw::hop_probabilities`] into `out`, with `eta` (`2B+1` values) as scratch for
    /// the log-odds.
    fn hop_probabilities_into(&self, theta: &[f64], psi: &[f64], eta: &mut [f64], out: &mut [f64]) {
        let l = self.features.len();
        eta[self.hop] = 0.0;
        for k in 0..2 * self.hop {
            eta[self.column(k)] = theta[k * l..(k + 1) * l]
                .iter()
                .zip(psi)
                .map(|(t, p)| t * p)
                .sum();
        }
        softmax_into(eta, out);
    }

    /// [`KernelLaw::hop_probabilities`] with standard deviations by the delta method from the
    /// covariance `cov` of `θ`: `var K_a = gᵀ cov g`, `g_{(c,l)} = K_a (δ_ac − K_c) ψ_l`.
    pub fn hop_probabilities_with_std(
        &self,
        theta: &[f64],
        cov: &[Vec<f64>],
        psi: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let (b, l) = (self.hop, self.features.len());
        let k = self.hop_probabilities(theta, psi);
        let p = 2 * b * l;
        let std = (0..=2 * b)
            .map(|a| {
                let g: Vec<f64> = (0..p)
                    .map(|q| {
                        let (h, f) = (q / l, q % l);
                        let col = self.column(h);
                        k[a] * ((a == col) as u8 as f64 - k[col]) * psi[f]
                    })
                    .collect();
                let var: f64 = (0..p)
                    .map(|r| g[r] * (0..p).map(|c| cov[r][c] * g[c]).sum::<f64>())
                    .sum();
                var.max(0.0).sqrt()
            })
            .collect();
        (k, std)
    }

    /// `K_b(i)` for every bin: `(nc, 2B+1)` row-major, column `b + B`.
    pub fn kernel(&self, x: &[f64], theta: &[f64]) -> Vec<f64> {
        self.with_work(x.len(), |w| {
            self.evaluate(x, theta, w);
            w.k.clone()
        })
    }

    /// The mass after one step, `m_j = Σ_b K_b(j-b) ρ_{j-b}` (sums to 1).
    pub fn moved_mass(&self, x: &[f64], theta: &[f64]) -> Vec<f64> {
        self.with_work(x.len(), |w| {
            self.evaluate(x, theta, w);
            w.m.clone()
        })
    }

    /// The transition mean `μ(X) = clr(m)`: the centred log of the moved mass.
    pub fn mean(&self, x: &[f64], theta: &[f64]) -> Vec<f64> {
        clr(&self.moved_mass(x, theta))
    }

    /// `μ(X)` and its Jacobian `∂μ_j/∂θ_p`, `(nc, P)` row-major (`P = 2B·L`).
    pub fn mean_and_jacobian(&self, x: &[f64], theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let nc = x.len();
        let p = 2 * self.hop * self.features.len();
        let mut mean = vec![0.0; nc];
        let mut jac = vec![0.0; nc * p];
        self.linearise_into(x, theta, &mut mean, &mut jac);
        (mean, jac)
    }
}

impl CoarseLaw for KernelLaw {
    fn names(&self) -> Vec<String> {
        self.hops
            .iter()
            .flat_map(|b| {
                self.features
                    .iter()
                    .map(move |f| format!("hop({b:+}): {}", f.name()))
            })
            .collect()
    }

    fn len(&self) -> usize {
        2 * self.hop * self.features.len()
    }

    fn check(&self, nc: usize) -> Result<()> {
        if 2 * self.hop + 1 > nc {
            return Err(Error::param(
                "hop",
                self.hop,
                &format!("such that 2B+1 <= nc = {nc} (a hop must not wrap onto itself)"),
            ));
        }
        self.check_position_features(nc)
    }

    fn is_linear(&self) -> bool {
        false
    }

    fn baseline(&self) -> Vec<bool> {
        self.hops
            .iter()
            .flat_map(|_| self.features.iter().map(|f| f.is_constant()))
            .collect()
    }

    fn mean_into(&self, x: &[f64], theta: &[f64], out: &mut [f64]) {
        self.with_work(x.len(), |w| {
            self.evaluate(x, theta, w);
            clr_into(&w.m, out);
        });
    }

    /// One evaluation of the state, then per `δ` one `exp` a bin: `η` is linear in `θ`, so
    /// moving coefficient `k` (hop column `c`, feature `f`) by `δ` multiplies that hop's weight
    /// in bin `i` by `e^{δ ψ_f(i)}`. Then `K'_c = σ(z_i)`, `z_i = ln K_c − ln Σ_{b≠c} K_b +
    /// δ ψ_f(i)`, and every other hop is scaled by `σ(−z_i) / Σ_{b≠c} K_b` — where a whole
    /// evaluation takes `(2B+2)·nc` (measured: the profiles of the marginal widths were a fifth
    /// of a kernel fit's time on 16 × 50 runs).
    fn mean_along_into(&self, x: &[f64], theta: &[f64], k: usize, deltas: &[f64], out: &mut [f64]) {
        let nc = x.len();
        let (l, width) = (self.features.len(), 2 * self.hop + 1);
        let col = self.column(k / l);
        let f = k % l;
        self.with_work(nc, |w| {
            self.evaluate(x, theta, w);
            // per bin: z at δ = 0, the other hops' total, ψ_f(i)
            let along = &mut w.along;
            for i in 0..nc {
                let ki = &w.k[i * width..(i + 1) * width];
                let rest: f64 = ki
                    .iter()
                    .enumerate()
                    .filter(|&(c, _)| c != col)
                    .map(|(_, v)| v)
                    .sum();
                along[3 * i] = libm::log(ki[col]) - libm::log(rest);
                along[3 * i + 1] = rest;
                along[3 * i + 2] = w.psi[i * l + f];
            }
            for (d, o) in deltas.iter().zip(out.chunks_mut(nc)) {
                w.m.fill(0.0);
                for i in 0..nc {
                    let z = along[3 * i] + d * along[3 * i + 2];
                    // σ(z) and σ(−z), stable both ways
                    let e = crate::math::exp::exp(-z.abs());
                    let (kc, other) = if z >= 0.0 {
                        (1.0 / (1.0 + e), e / (1.0 + e))
                    } else {
                        (e / (1.0 + e), 1.0 / (1.0 + e))
                    };
                    let rest = along[3 * i + 1];
                    let scale = if rest > 0.0 { other / rest } else { 0.0 };
                    let ki = &w.k[i * width..(i + 1) * width];
                    for (j, (c, kk)) in self.targets(i, nc).zip(ki.iter().enumerate()) {
                        let kn = if c == col { kc } else { kk * scale };
                        w.m[j] += kn * w.rho[i];
                    }
                }
                clr_into(&w.m, o);
            }
        });
    }

    /// Exact: `μ = clr(m)`, `m_j = Σ_i K_{j−i}(i) ρ_i`, so `∂μ/∂X = P D⁻¹ A (diag ρ − ρρᵀ)` with
    /// `D = diag m`, `P` the centring across bins and `A = ∂m/∂ρ` (the kernel's columns plus the
    /// response of the hop probabilities through the features' partials, `u = nc·ρ`).
    fn jacobian_x_into(&self, x: &[f64], theta: &[f64], jac: &mut [f64]) {
        self.mean_and_x_jacobian(x, theta, None, jac);
    }

    fn mean_and_jacobian_x_into(
        &self,
        x: &[f64],
        theta: &[f64],
        mean: &mut [f64],
        jac: &mut [f64],
    ) {
        self.mean_and_x_jacobian(x, theta, Some(mean), jac);
    }

    fn linearise_into(&self, x: &[f64], theta: &[f64], mean: &mut [f64], jac: &mut [f64]) {
        let nc = x.len();
        let (l, bi) = (self.features.len(), self.hop as i64);
        let (width, p) = (2 * self.hop + 1, 2 * self.hop * l);
        self.with_work(nc, |w| {
            self.evaluate(x, theta, w);
            let (rho, psi, k, m, avg) = (&w.rho, &w.psi, &w.k, &w.m, &mut w.avg);
            // jac first holds ∂m_j/∂θ, the derivative of the moved mass of bin j
            jac.fill(0.0);
            for i in 0..nc {
                let ki = &k[i * width..(i + 1) * width];
                let psi_i = &psi[i * l..(i + 1) * l];
                for (j, hop) in self.targets(i, nc).zip(-bi..=bi) {
                    let kh = ki[(hop + bi) as usize];
                    // ∂K_hop(i)/∂η_{i,c} = K_hop (δ_{hop,c} − K_c), c over the 2B free hops
                    let row = &mut jac[j * p..(j + 1) * p];
                    for (c, &hc) in self.hops.iter().enumerate() {
                        let kc = ki[(hc + bi) as usize];
                        let d = kh * ((hop == hc) as u8 as f64 - kc) * rho[i];
                        if d != 0.0 {
                            for (r, ps) in row[c * l..(c + 1) * l].iter_mut().zip(psi_i) {
                                *r += d * ps;
                            }
                        }
                    }
                }
            }
            // μ = log m − mean(log m): ∂μ_j = ∂m_j/m_j − mean_k(∂m_k/m_k)
            // (reciprocals: with two divisions per entry this function took 1.4–1.6× as long,
            // measured one call at a time)
            avg.fill(0.0);
            let inv_nc = 1.0 / nc as f64;
            for j in 0..nc {
                let inv_m = 1.0 / m[j];
                for (a, v) in avg.iter_mut().zip(&mut jac[j * p..(j + 1) * p]) {
                    *v *= inv_m;
                    *a += *v * inv_nc;
                }
            }
            for j in 0..nc {
                for (v, a) in jac[j * p..(j + 1) * p].iter_mut().zip(avg.iter()) {
                    *v -= a;
                }
            }
            clr_into(m, mean);
        })
    }

    fn spec(&self) -> LawSpec {
        let names = self.feature_names();
        if names.iter().all(|n| Local::from_name(n).is_some()) {
            LawSpec::Kernel {
                hop: self.hop,
                features: names,
            }
        } else {
            LawSpec::Custom {
                description: format!("kernel law, B = {}; {}", self.hop, names.join(", ")),
            }
        }
    }

    fn form(&self, nc: usize) -> String {
        format!(
            "X'(j) = clr( Σ_b K_b(j-b) ρ(j-b) ) + noise,  ρ = softmax(X),  u = {nc}·ρ,\n\
             K_b(i) = softmax_b(η_b(i)),  η_0 = 0,  η_b(i) = Σ θ[hop(b): ψ]·ψ(i),  b = -{b}..{b}",
            b = self.hop
        )
    }

    fn table(&self, theta: &[f64], cov: &[Vec<f64>], nc: usize) -> Option<String> {
        Some(self.hop_table(theta, cov, nc))
    }
}

/// The bins at which the hop table shows position dependence: about `y/P = 1/8, 3/8, 5/8,
/// 7/8`.
pub fn table_bins(nc: usize) -> Vec<usize> {
    let mut bins: Vec<usize> = [0.125, 0.375, 0.625, 0.875]
        .iter()
        .map(|f| ((f * nc as f64) as usize).min(nc - 1))
        .collect();
    bins.dedup();
    bins
}

/// The hop probability at the largest hop above which `show` warns that the hop range may
/// be too small (a kernel whose mass piles up at `±B` is truncating the displacement), and the
/// share of the moved mass at `±B` above which a fit that chose its own hop range widens it
/// ([`KernelLaw::edge_shares`], `pipeline::learn::fit`).
pub const EDGE_WARNING: f64 = 0.05;

impl KernelLaw {
    /// The share of the mass that hops the full range, `−B` and `+B`, averaged over `states`
    /// (centred coarse states, `(n, nc)` row-major): for each state `Σ_i ρ_i K_{±B}(i)`, the
    /// fraction of its walkers that the law moves `B` bins in one step. Where the displacement
    /// of one step reaches beyond `B`, the kernel piles that mass up at `±B`; a share of a few
    /// percent says the range truncates it.
    pub fn edge_shares(&self, theta: &[f64], states: &[f64], nc: usize) -> [f64; 2] {
        let width = 2 * self.hop + 1;
        let n = states.len() / nc.max(1);
        if n == 0 {
            return [0.0; 2];
        }
        let mut sum = [0.0; 2];
        self.with_work(nc, |w| {
            for x in states.chunks_exact(nc) {
                self.evaluate(x, theta, w);
                for i in 0..nc {
                    let k = &w.k[i * width..(i + 1) * width];
                    sum[0] += w.rho[i] * k[0];
                    sum[1] += w.rho[i] * k[width - 1];
                }
            }
        });
        [sum[0] / n as f64, sum[1] / n as f64]
    }
}

/// The densities at which the hop table shows density dependence.
pub const TABLE_DENSITIES: [f64; 5] = [0.0, 0.5, 1.0, 2.0, 4.0];

impl KernelLaw {
    /// Whether any feature depends on the density (its value changes between `u = 0` and
    /// `u = 1` at uniform density).
    pub fn has_density_features(&self, nc: usize) -> bool {
        self.psi_uniform(0.0, nc) != self.psi_uniform(1.0, nc)
    }

    /// Whether any feature depends on the position at uniform density.
    pub fn has_position_features(&self, nc: usize) -> bool {
        (1..nc).any(|i| self.psi_at_bin(i, nc) != self.psi_at_bin(0, nc))
    }

    /// The hop table of `show`: `K_b` (mean ± std, delta method) at uniform density, then
    /// against the density (position-averaged) and against the position (at `u = 1`).
    pub fn hop_table(&self, theta: &[f64], cov: &[Vec<f64>], nc: usize) -> String {
        let b = self.hop as i64;
        let mut s = String::new();
        let _ = write!(s, "hop probabilities K_b (mean ± std)\n{:<22}", "");
        for h in -b..=b {
            let _ = write!(s, "{:>17}", format!("b = {h:+}"));
        }
        s.push('\n');
        let mut row = |label: String, psi: &[f64]| {
            let (k, sd) = self.hop_probabilities_with_std(theta, cov, psi);
            let _ = write!(s, "{label:<22}");
            for (m, e) in k.iter().zip(&sd) {
                let _ = write!(s, "{:>17}", format!("{m:.4} ± {e:.4}"));
            }
            s.push('\n');
        };
        let uniform = self.psi_uniform(1.0, nc);
        row("uniform (u = 1)".into(), &uniform);
        // rows that differ from the uniform one by less than 1e-4 in every K_b say "no
        // dependence" in one line
        let k_uniform = self.hop_probabilities(theta, &uniform);
        let same = |psi: &[f64]| {
            self.hop_probabilities(theta, psi)
                .iter()
                .zip(&k_uniform)
                .all(|(a, b)| (a - b).abs() < 1e-4)
        };
        let mut flat = Vec::new();
        if self.has_density_features(nc) {
            let rows: Vec<(f64, Vec<f64>)> = TABLE_DENSITIES
                .iter()
                .filter(|u| **u != 1.0)
                .map(|u| (*u, self.psi_uniform(*u, nc)))
                .collect();
            if rows.iter().all(|(_, p)| same(p)) {
                flat.push("density (u = 0 to 4)");
            } else {
                for (u, psi) in &rows {
                    row(format!("density u = {u}"), psi);
                }
            }
        }
        if self.has_position_features(nc) {
            let rows: Vec<(usize, Vec<f64>)> = table_bins(nc)
                .into_iter()
                .map(|i| (i, self.psi_at_bin(i, nc)))
                .collect();
            if rows.iter().all(|(_, p)| same(p)) {
                flat.push("position");
            } else {
                for (i, psi) in &rows {
                    row(
                        format!("y/P = {:.3} (u = 1)", (*i as f64 + 0.5) / nc as f64),
                        psi,
                    );
                }
            }
        }
        let (lo, hi) = (k_uniform[0], k_uniform[2 * self.hop]);
        if lo.max(hi) > EDGE_WARNING {
            let _ = writeln!(
                s,
                "warning: K_b = {:.3} at the largest hop b = {}{}: the walkers may move further than B = {} bins \
                 in one step; learn without --hop (the fit then widens the range itself) or with a larger one",
                lo.max(hi),
                if hi >= lo { '+' } else { '-' },
                self.hop,
                self.hop
            );
        }
        if !flat.is_empty() {
            let _ = writeln!(
                s,
                "no dependence on {} (every K_b within 1e-4 of the uniform row)",
                flat.join(" or ")
            );
        }
        s
    }
}

/// Hop probabilities along one coordinate (position or density), with delta-method standard
/// deviations: what the report draws.
#[derive(Clone, Debug, PartialEq)]
pub struct HopCurves {
    /// The hops `b = -B..B` (columns of `mean` and `std`).
    pub hops: Vec<i64>,
    /// The coordinate: `y/P` at the bin centres, or the density `u`.
    pub x: Vec<f64>,
    /// `K_b` at every `x`: `mean[k][b + B]`.
    pub mean: Vec<Vec<f64>>,
    /// Its standard deviation.
    pub std: Vec<Vec<f64>>,
}

impl KernelLaw {
    /// The family a posterior's `law` names, if it is a kernel law.
    pub fn from_spec(spec: &LawSpec) -> Result<Option<KernelLaw>> {
        match spec {
            LawSpec::Kernel { hop, features } => Ok(Some(KernelLaw::from_names(*hop, features)?)),
            _ => Ok(None),
        }
    }

    /// The family of the [`Local`] features named as [`HopFeature::name`] writes them (the
    /// `features` of a [`LawSpec::Kernel`]); an unknown name is an error listing the known ones.
    pub fn from_names(hop: usize, features: &[String]) -> Result<KernelLaw> {
        let locals = features
            .iter()
            .map(|n| {
                Local::from_name(n).ok_or_else(|| {
                    Error::param(
                        "law.features",
                        format!("`{n}`"),
                        &format!("one of {}", Local::known_names().join(", ")),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        KernelLaw::of_locals(hop, &locals)
    }

    fn curves(&self, theta: &[f64], cov: &[Vec<f64>], points: Vec<(f64, Vec<f64>)>) -> HopCurves {
        let b = self.hop as i64;
        let (mut x, mut mean, mut std) = (Vec::new(), Vec::new(), Vec::new());
        for (at, psi) in points {
            let (k, s) = self.hop_probabilities_with_std(theta, cov, &psi);
            x.push(at);
            mean.push(k);
            std.push(s);
        }
        HopCurves {
            hops: (-b..=b).collect(),
            x,
            mean,
            std,
        }
    }

    /// `K_b` at every bin of a uniform state (`u = 1`), against `y/P`.
    pub fn against_position(&self, theta: &[f64], cov: &[Vec<f64>], nc: usize) -> HopCurves {
        let points = (0..nc)
            .map(|i| ((i as f64 + 0.5) / nc as f64, self.psi_at_bin(i, nc)))
            .collect();
        self.curves(theta, cov, points)
    }

    /// `K_b` of a typical bin (position-averaged features) at uniform density `u`, for
    /// `points` densities from 0 to `u_max`.
    pub fn against_density(
        &self,
        theta: &[f64],
        cov: &[Vec<f64>],
        nc: usize,
        u_max: f64,
        points: usize,
    ) -> HopCurves {
        let pts = (0..points)
            .map(|k| {
                let u = u_max * k as f64 / (points.max(2) - 1) as f64;
                (u, self.psi_uniform(u, nc))
            })
            .collect();
        self.curves(theta, cov, pts)
    }
}

/// Centred log: `log v − mean(log v)`.
fn clr(v: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; v.len()];
    clr_into(v, &mut out);
    out
}

/// [`clr`] into `out` (`ln` from the `libm` crate: plain Rust, like [`crate::math::exp`]).
fn clr_into(v: &[f64], out: &mut [f64]) {
    for (o, x) in out.iter_mut().zip(v) {
        *o = libm::log(*x);
    }
    let mean = out.iter().sum::<f64>() / out.len() as f64;
    for o in out.iter_mut() {
        *o -= mean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::least_squares::fit_least_squares;
    use crate::math::centre;
    use crate::rng::{standard_normal, stream};

    fn random_state(nc: usize, seed: u64) -> Vec<f64> {
        let mut rng = stream(seed, 0, 0);
        let mut x: Vec<f64> = (0..nc).map(|_| standard_normal(&mut rng)).collect();
        centre(&mut x);
        x
    }

    /// Position modes that alias at the bin centres are an error naming `modes` when the law
    /// meets the binning: mode `k` needs `nc > 2k` (at 12 bins `cos(2π·6y/P)` is 0 at every
    /// centre; at 10 bins mode 6 repeats mode 4 up to sign); `2B+1 ≤ nc` as before.
    #[test]
    fn position_modes_must_be_resolved_by_the_bins() {
        let law = |modes: usize| {
            let mut f = vec![Local::Constant, Local::Density];
            for k in 1..=modes {
                f.extend([Local::Sin(k), Local::Cos(k)]);
            }
            KernelLaw::of_locals(2, &f).unwrap()
        };
        for (modes, nc) in [(6, 13), (6, 24), (3, 7), (1, 5), (0, 5)] {
            law(modes).check(nc).unwrap();
        }
        for (modes, nc) in [(6, 12), (6, 10), (3, 6)] {
            let e = law(modes).check(nc).unwrap_err().to_string();
            assert!(
                e.contains("modes") && e.contains(&format!("at nc = {nc}")),
                "{e}"
            );
            assert!(e.contains(&format!("at most {}", (nc - 1) / 2)), "{e}");
        }
        assert!(law(0).check(4).unwrap_err().to_string().contains("hop"));
    }

    /// A constant kernel `K_b` is the exact non-interacting law:
    /// `μ_j = clr(log Σ_b K_b e^{X_{j-b}})`.
    /// The exact Jacobian in `X` equals central differences of the mean, with every local
    /// feature (density, its square, log, saturation, gradient, position modes).
    #[test]
    fn jacobian_in_x_matches_finite_differences() {
        let mut locals = FIXED.to_vec();
        locals.push(Local::Sin(1));
        let law = KernelLaw::of_locals(2, &locals).unwrap();
        let nc = 9;
        let x: Vec<f64> = (0..nc).map(|k| (k as f64 * 1.7).sin()).collect();
        let theta: Vec<f64> = (0..law.len())
            .map(|k| 0.3 * (k as f64 * 0.9).cos())
            .collect();
        let mut exact = vec![0.0; nc * nc];
        let mut fd = vec![0.0; nc * nc];
        law.jacobian_x_into(&x, &theta, &mut exact);
        crate::law::family::finite_difference_jacobian(&law, &x, &theta, &mut fd);
        for (a, b) in exact.iter().zip(&fd) {
            assert!((a - b).abs() < 1e-7, "{a} vs {b}");
        }
    }

    #[test]
    fn constant_kernel_is_the_exact_linear_transport() {
        let kb: [f64; 5] = [0.02, 0.15, 0.53, 0.28, 0.02]; // b = -2..2
        let theta: Vec<f64> = [0usize, 1, 3, 4]
            .iter()
            .map(|&i| (kb[i] / kb[2]).ln())
            .collect();
        let law = KernelLaw::of_locals(2, &[Local::Constant]).unwrap();
        let x = random_state(12, 1);
        let nc = x.len();
        let exact: Vec<f64> = (0..nc)
            .map(|j| {
                (-2i64..=2)
                    .map(|b| {
                        kb[(b + 2) as usize]
                            * x[(j as i64 - b).rem_euclid(nc as i64) as usize].exp()
                    })
                    .sum::<f64>()
            })
            .collect();
        let exact = clr(&exact);
        for (a, b) in law.mean(&x, &theta).iter().zip(&exact) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert_eq!(law.names()[0], "hop(-2): 1");
        let k = law.hop_probabilities(&theta, &[1.0]);
        for (a, b) in k.iter().zip(&kb) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn mass_is_conserved_and_empty_bins_stay_finite() {
        let law =
            KernelLaw::of_locals(2, &[Local::Constant, Local::Density, Local::Sin(1)]).unwrap();
        let theta: Vec<f64> = (0..12).map(|k| 0.3 * (k as f64 - 5.0) / 5.0).collect();
        let mut x = random_state(10, 2);
        x[4] = -800.0; // an empty bin: ρ_4 = 0
        let m = law.moved_mass(&x, &theta);
        assert!((m.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(m.iter().all(|v| *v > 0.0));
        assert!(law.mean(&x, &theta).iter().all(|v| v.is_finite()));
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let law = KernelLaw::of_locals(
            2,
            &[
                Local::Constant,
                Local::Saturating,
                Local::Gradient,
                Local::Cos(2),
            ],
        )
        .unwrap();
        let theta: Vec<f64> = (0..16).map(|k| 0.1 * ((k * 7 % 5) as f64 - 2.0)).collect();
        let x = random_state(9, 3);
        let (mu, jac) = law.mean_and_jacobian(&x, &theta);
        assert_eq!(mu, law.mean(&x, &theta));
        let h = 1e-6;
        for q in 0..16 {
            let mut tp = theta.clone();
            tp[q] += h;
            let mut tm = theta.clone();
            tm[q] -= h;
            let (mp, mm) = (law.mean(&x, &tp), law.mean(&x, &tm));
            for j in 0..9 {
                let fd = (mp[j] - mm[j]) / (2.0 * h);
                assert!(
                    (fd - jac[j * 16 + q]).abs() < 1e-6,
                    "j {j}, q {q}: {fd} vs {}",
                    jac[j * 16 + q]
                );
            }
        }
    }

    /// The law along one coefficient (shared evaluation, one `exp` a bin) against whole
    /// evaluations at `θ + δ e_k`, for every coefficient, small and large moves (a hop pushed
    /// to nearly all or nearly none of the mass), and a nearly empty bin.
    #[test]
    fn the_law_along_a_coefficient_matches_whole_evaluations() {
        let law = KernelLaw::of_locals(
            2,
            &[
                Local::Constant,
                Local::Density,
                Local::Sin(1),
                Local::Cos(2),
            ],
        )
        .unwrap();
        let l = law.len();
        let theta: Vec<f64> = (0..l).map(|k| 0.3 * ((k * 7 % 5) as f64 - 2.0)).collect();
        let mut x = random_state(11, 5);
        x[4] = -30.0;
        let deltas = [0.0, 1e-3, -0.7, 2.5, -12.0, 40.0];
        let mut along = vec![0.0; deltas.len() * 11];
        for k in 0..l {
            law.mean_along_into(&x, &theta, k, &deltas, &mut along);
            for (d, got) in deltas.iter().zip(along.chunks(11)) {
                let mut th = theta.clone();
                th[k] += d;
                let want = law.mean(&x, &th);
                for j in 0..11 {
                    assert!(
                        (got[j] - want[j]).abs() < 1e-9 * (1.0 + want[j].abs()),
                        "k {k}, δ {d}, bin {j}: {} vs {}",
                        got[j],
                        want[j]
                    );
                }
            }
        }
    }

    /// The delta-method standard deviation of `K_b` against the spread of `K_b` over draws of
    /// `θ` from a small covariance (where the linearisation is exact to O(σ²)).
    #[test]
    fn hop_probability_errors_match_sampling() {
        let law = KernelLaw::of_locals(1, &[Local::Constant, Local::Density]).unwrap();
        let theta = vec![-1.0, 0.2, -0.5, 0.1];
        let sd = 0.01;
        let cov: Vec<Vec<f64>> = (0..4)
            .map(|r| (0..4).map(|c| if r == c { sd * sd } else { 0.0 }).collect())
            .collect();
        let psi = [1.0, 2.0];
        let (_, std) = law.hop_probabilities_with_std(&theta, &cov, &psi);
        let mut rng = stream(7, 0, 0);
        let draws = 20_000;
        let mut acc = [[0.0f64; 2]; 3];
        for _ in 0..draws {
            let t: Vec<f64> = theta
                .iter()
                .map(|m| m + sd * standard_normal(&mut rng))
                .collect();
            for (a, k) in acc.iter_mut().zip(law.hop_probabilities(&t, &psi)) {
                a[0] += k;
                a[1] += k * k;
            }
        }
        for (a, s) in acc.iter().zip(&std) {
            let mean = a[0] / draws as f64;
            let sample_sd = (a[1] / draws as f64 - mean * mean).sqrt();
            // the sample std of 20 000 draws is within ~1% (1/sqrt(2·20000) = 0.5%, 2σ)
            assert!((sample_sd / s - 1.0).abs() < 0.02, "{sample_sd} vs {s}");
        }
    }

    /// Mass piling up at the largest hop is flagged in the table; a kernel that decays is not.
    #[test]
    fn table_warns_when_the_largest_hop_carries_mass() {
        let law = KernelLaw::of_locals(1, &[Local::Constant]).unwrap();
        let cov = vec![vec![1e-4, 0.0], vec![0.0, 1e-4]];
        let wide = law.hop_table(&[-0.5, 0.3], &cov, 8);
        assert!(
            wide.contains("warning") && wide.contains("b = +1"),
            "{wide}"
        );
        let narrow = law.hop_table(&[-4.0, -3.5], &cov, 8);
        assert!(!narrow.contains("warning"), "{narrow}");
    }

    #[test]
    fn the_baseline_is_the_constant_of_every_hop() {
        let law = KernelLaw::new(
            2,
            vec![
                Box::new(Local::Constant),
                Box::new(Local::Density),
                Box::new(Local::Sin(1)),
            ],
        )
        .unwrap();
        let names = law.names();
        let base: Vec<&String> = names
            .iter()
            .zip(law.baseline())
            .filter(|(_, b)| *b)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            base,
            ["hop(-2): 1", "hop(-1): 1", "hop(+1): 1", "hop(+2): 1"]
        );
    }

    #[test]
    fn names_round_trip_through_the_spec() {
        let spec = LawSpec::kernel(2, &[Local::Density, Local::Gradient], 2);
        let law = spec.build().unwrap();
        assert_eq!(law.spec(), spec);
        assert_eq!(law.len(), 4 * 7);
        assert!(law.names().contains(&"hop(+1): sin(2π2y/P)".to_owned()));
        assert_eq!(Local::from_name("cos(2π3y/P)"), Some(Local::Cos(3)));
        assert_eq!(Local::from_name("sin(2π0y/P)"), None);
        assert_eq!(Local::parse_density("log1p"), Some(Local::LogDensity));
        assert_eq!(Local::parse_density("sin(2πy/P)"), None);
        assert!(KernelLaw::of_locals(1, &[Local::Density, Local::Density]).is_err());
        assert!(law.check(8).is_ok() && law.check(4).is_err());
    }

    /// Noise-free pairs from a known law: least squares recovers its coefficients.
    #[test]
    fn least_squares_recovers_a_known_law() {
        let law = KernelLaw::of_locals(1, &[Local::Constant, Local::Density]).unwrap();
        let truth = vec![-1.2, 0.3, -0.4, 0.2];
        let pairs: Vec<(Vec<f64>, Vec<f64>)> = (0..20)
            .map(|s| {
                let x0 = random_state(8, 10 + s);
                let x1 = law.mean(&x0, &truth);
                (x0, x1)
            })
            .collect();
        let fit = fit_least_squares(&law, &pairs, &[0.0; 4], 0.0, 200).unwrap();
        assert!(fit.converged);
        for (a, b) in fit.theta.iter().zip(&truth) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        assert!(fit.residual_var < 1e-16);
    }
}
