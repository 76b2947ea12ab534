//! `learn`: fit the sparse Bayesian state-space model to controlled experiments or trajectories.

use super::Progress;
use crate::error::Result;
use crate::inference::trajectory::holds_trajectories;
use crate::inference::{
    IterationInfo, Latent, LatentTrajectories, Learner, LearnerParams, Posterior, TrainingData,
    TrajectoryData,
};
use crate::io::{Manifest, OutputDir};
use crate::law::LawSpec;
use crate::walkers::Domain;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to learn from which data.
#[derive(Clone, Debug)]
pub struct LearnJob {
    /// `.npz` with `X0` and `counts` (and optionally `domain`), or trajectories: `counts`
    /// `(N, T+1, nc)` or `positions` `(N, T+1, nf)`.
    pub data: PathBuf,
    /// The learner's parameters (checked by the job).
    pub params: LearnerParams,
    /// The periodic interval when the data have none (or to check theirs).
    pub domain: Option<Domain>,
    /// Coarse bins for trajectories given as `positions` only.
    pub nc: Option<usize>,
    /// Output directory.
    pub out: PathBuf,
}

/// The fields of a model's `manifest.json` (`learn` writes them; `predict` reads them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelManifest {
    /// The training data file.
    pub data: String,
    /// Its fingerprint.
    pub data_fingerprint: String,
    /// The periodic interval, when known.
    pub domain: Option<[f64; 2]>,
    /// The coarse step `Δt`, when the data's manifest said it.
    pub dt: Option<f64>,
    /// Seed of the Monte Carlo draws.
    pub seed: u64,
    /// Experiments.
    #[serde(rename = "N")]
    pub n: usize,
    /// Coarse bins.
    pub nc: usize,
    /// Walkers per experiment.
    pub nf: usize,
    /// The learner's parameters.
    pub parameters: LearnerParams,
    /// Wall time of the fit.
    pub seconds: f64,
    /// What the law was learned from: `experiments` (controlled, one step) or `trajectories`.
    #[serde(default = "experiments")]
    pub training: String,
    /// Trajectories: runs and coarse steps per run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// A kernel law whose hop range the fit chose: each range tried, in order ([`fit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop_search: Option<Vec<HopTry>>,
}

fn experiments() -> String {
    "experiments".to_owned()
}

/// The outcome of [`learn`].
#[derive(Clone, Debug)]
pub struct Learned {
    /// The posterior written to `posterior.json`.
    pub posterior: Posterior,
    /// Seconds the fit took.
    pub seconds: f64,
    /// The hop ranges tried, when the fit chose the kernel law's range ([`fit`]).
    pub hop_search: Option<Vec<HopTry>>,
}

/// One line on the hop ranges a fit tried (`learn` prints it), e.g. `hop range widened to B = 3:
/// the share of the moved mass at ±B was 21.9% at B = 2, 4.4% at B = 3 (above 5%, …)`; `None`
/// when it kept the first.
pub fn hop_search_line(tries: &[HopTry]) -> Option<String> {
    if tries.len() < 2 || kept(tries).hop == tries[0].hop {
        return None;
    }
    let shares: Vec<String> = tries
        .iter()
        .map(|t| {
            format!(
                "{:.1}% at B = {}",
                100.0 * t.edge_share[0].max(t.edge_share[1]),
                t.hop
            )
        })
        .collect();
    Some(format!(
        "hop range widened to B = {}: the share of the moved mass at ±B was {} (above {}%, the \
         walkers move further than B bins in a step); a range given with --hop (hop in a run \
         config) is kept as given",
        kept(tries).hop,
        shares.join(", "),
        100.0 * crate::law::kernel::EDGE_WARNING
    ))
}

/// Training data of either kind, in memory.
#[derive(Clone, Debug)]
pub enum LearnData {
    /// Controlled one-step experiments (`X0`, `counts (N, nc)`).
    Experiments(TrainingData),
    /// Trajectories (`counts (N, T+1, nc)`), every coarse state latent.
    Trajectories(TrajectoryData),
}

impl LearnData {
    /// Reads either kind from an `.npz`: controlled experiments (`X0`, `counts (N, nc)`) or
    /// trajectories (`counts (N, T+1, nc)` or `positions`); trajectories of one step that come
    /// with their `X0` are controlled experiments and are learned as such.
    pub fn from_npz(path: &Path, domain: Option<Domain>, nc: Option<usize>) -> Result<Self> {
        if !holds_trajectories(path)? {
            return TrainingData::from_npz(path, domain).map(LearnData::Experiments);
        }
        let runs = TrajectoryData::from_npz(path, domain, nc)?;
        let x0 = if runs.steps == 1 {
            let mut z = crate::io::NpzIn::open(path)?;
            if z.names()?.iter().any(|n| n == "X0") {
                Some(z.numeric_as("X0", "(N, nc)")?)
            } else {
                None
            }
        } else {
            None
        };
        Self::from_runs(runs, x0.as_ref(), path)
    }

    /// Trajectories, unless they are one step long and come with their `X0`: then they are the
    /// controlled experiments `(X0, counts after the step)` and are learned as such. `what`
    /// names the source in errors.
    pub fn from_runs(runs: TrajectoryData, x0: Option<&Array2<f64>>, what: &Path) -> Result<Self> {
        let Some(x0) = x0.filter(|_| runs.steps == 1) else {
            return Ok(LearnData::Trajectories(runs));
        };
        let (n, nc) = (runs.n, runs.nc);
        let mut after = Array2::<i64>::zeros((n, nc));
        for i in 0..n {
            for (j, c) in runs.counts_at(i, 1).iter().enumerate() {
                after[(i, j)] = *c as i64;
            }
        }
        TrainingData::new(x0, &after, runs.domain, runs.dt, what).map(LearnData::Experiments)
    }

    /// The data's fingerprint (what `posterior.json` records).
    pub fn fingerprint(&self) -> &str {
        match self {
            LearnData::Experiments(d) => &d.fingerprint,
            LearnData::Trajectories(d) => &d.fingerprint,
        }
    }

    /// Experiments, or runs.
    pub fn n(&self) -> usize {
        match self {
            LearnData::Experiments(d) => d.n,
            LearnData::Trajectories(d) => d.n,
        }
    }

    /// Coarse bins.
    pub fn nc(&self) -> usize {
        match self {
            LearnData::Experiments(d) => d.nc,
            LearnData::Trajectories(d) => d.nc,
        }
    }
}

/// The latent coarse states of a fit: `(N, nc)` after the step of each experiment, or
/// `(N, T+1, nc)` along each run.
#[derive(Clone, Debug)]
pub enum LatentStates {
    /// Controlled experiments.
    Experiments(Latent),
    /// Trajectories.
    Trajectories(LatentTrajectories),
}

impl LatentStates {
    /// Writes `latent.npz` (`mean`, `std`).
    pub fn write_npz(&self, path: &Path) -> Result<()> {
        match self {
            LatentStates::Experiments(l) => l.write_npz(path),
            LatentStates::Trajectories(l) => l.write_npz(path),
        }
    }

    /// Reads `dir/latent.npz` of the model whose posterior is `posterior`, checking its shape.
    pub fn read(dir: &Path, posterior: &Posterior) -> Result<Self> {
        let path = dir.join("latent.npz");
        let nc = posterior.nc;
        Ok(match posterior.trajectories {
            Some(r) => LatentStates::Trajectories(LatentTrajectories::read_npz(
                &path,
                r.runs,
                r.steps + 1,
                nc,
            )?),
            None => LatentStates::Experiments(Latent::read_npz(&path, posterior.n, nc)?),
        })
    }
}

/// A fitted model in memory: what `learn` writes to its directory.
#[derive(Clone, Debug)]
pub struct Fitted {
    /// The posterior (`posterior.json`).
    pub posterior: Posterior,
    /// The latent states (`latent.npz`).
    pub latent: LatentStates,
    /// What the model was learned from (`manifest.json`).
    pub manifest: ModelManifest,
}

/// The range a search kept: the last, unless its share of the moved mass at the edges did not
/// fall below the one before ([`fit`] stops there and returns the narrower fit).
pub fn kept(tries: &[HopTry]) -> &HopTry {
    let share = |t: &HopTry| t.edge_share[0].max(t.edge_share[1]);
    match tries {
        [.., a, b] if share(b) >= share(a) => a,
        _ => tries.last().expect("at least one range"),
    }
}

/// One fit of a kernel law's hop range (`manifest.json`'s `hop_search`, when the fit chose
/// the range itself).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct HopTry {
    /// The hop range `B`.
    pub hop: usize,
    /// The share of the moved mass at `−B` and `+B`, averaged over the training inputs
    /// ([`crate::law::KernelLaw::edge_shares`]).
    pub edge_share: [f64; 2],
    /// The ELBO of the active law ([`Posterior::active_law_elbo`]), when defined.
    pub elbo_active: Option<f64>,
    /// Sweeps of the fit.
    pub iterations: usize,
}

/// Fits the law to `data`; `source` names the data in the manifest (a file, or the arrays a
/// caller passed). Progress: one unit per sweep.
///
/// A kernel law whose hop range the user left open ([`LearnerParams::widen_hop`]) is fitted at
/// the default range `B` first; while the outermost hops carry more than
/// [`crate::law::kernel::EDGE_WARNING`] of the moved mass (averaged over the transitions' inputs:
/// the experiments' `X0`, or the runs' latent means at `t < T`), the walkers move further than
/// `B` bins in a step and the kernel piles that mass up at `±B`, so the law is fitted again with
/// a wider range: `B + 1`, or further where the two edge shares, read as the tails of a
/// Gaussian displacement, rule the ranges between out ([`next_hop`]). It stops when the share
/// is below the threshold, at the largest range the bins allow (`2B + 1 ≤ nc`), or when the
/// share did not fall — then the wider range did not help and the narrower fit is returned.
/// Otherwise the fit returned is the last; the manifest's `hop_search` records each range
/// tried.
pub fn fit(
    data: &LearnData,
    params: &LearnerParams,
    source: &str,
    progress: &dyn Progress,
) -> Result<Fitted> {
    let started = Instant::now();
    let mut fitted = fit_once(data, params, source, progress)?;
    if !params.widen_hop {
        return Ok(fitted);
    }
    let nc = data.nc();
    let mut tries = Vec::new();
    let mut narrower: Option<Fitted> = None;
    loop {
        let LawSpec::Kernel { hop, features } = fitted.posterior.params.law.clone() else {
            return Ok(fitted);
        };
        let law = crate::law::KernelLaw::from_names(hop, &features)?;
        let share = law.edge_shares(
            &fitted.posterior.theta_mean,
            &training_inputs(data, &fitted),
            nc,
        );
        tries.push(HopTry {
            hop,
            edge_share: share,
            elbo_active: fitted.posterior.active_law_elbo().ok(),
            iterations: fitted.posterior.iterations,
        });
        if kept(&tries).hop != hop {
            // the wider range did not take the mass off the edge: keep the narrower fit
            fitted = narrower.take().expect("a narrower fit before a wider one");
            break;
        }
        let wider_hop = next_hop(hop, share, nc);
        if share[0].max(share[1]) <= crate::law::kernel::EDGE_WARNING || wider_hop <= hop {
            break;
        }
        let wider = params.clone().law(LawSpec::Kernel {
            hop: wider_hop,
            features,
        });
        let next = fit_once(data, &wider, source, progress)?;
        narrower = Some(std::mem::replace(&mut fitted, next));
    }
    fitted.manifest.hop_search = Some(tries);
    // the wall time of every range's fit
    fitted.manifest.seconds = started.elapsed().as_secs_f64();
    Ok(fitted)
}

/// The next hop range a search tries after a fit at `hop` whose outermost hops carried the
/// shares `share` (`−B`, `+B`) of the moved mass, at most `(nc − 1)/2`: the ranges that a
/// Gaussian displacement rules out are skipped. A displacement `D ~ N(μ, σ²)` (in bins) puts
/// `P(D > B − ½)` on the edge `+B` and `P(D < −B + ½)` on `−B`; the two shares give `μ` and
/// `σ`, and the next range is the smallest `B' > B` at which that displacement would put at
/// most three times [`crate::law::kernel::EDGE_WARNING`] (15%) on either edge. Three times,
/// because the Gaussian read off a truncated kernel's edges overstates the tails further out:
/// measured (advection–diffusion, 16 × 8 runs, `docs/learning.md`), its share at a wider range
/// was 1.35–3.1 times the share the fit at that range then had (3.1 on 72 bins from `B = 2` to
/// 4). Jumping too far costs a kernel wider than needed; not far enough, one more fit.
/// Where the two shares are too large for a Gaussian (`z₊ + z₋ ≤ 0`), `2B`; never less than
/// `B + 1`.
pub fn next_hop(hop: usize, share: [f64; 2], nc: usize) -> usize {
    use statrs::distribution::{ContinuousCDF, Normal};
    let largest = widest_hop(nc);
    let normal = Normal::standard();
    let z = |s: f64| -normal.inverse_cdf(s.clamp(1e-12, 1.0 - 1e-12));
    let edge = hop as f64 - 0.5;
    let (z_left, z_right) = (z(share[0]), z(share[1]));
    let jump = if z_left + z_right > 0.0 {
        let sigma = 2.0 * edge / (z_left + z_right);
        let mu = 0.5 * (z_left - z_right) * sigma;
        let tail = |b: usize| {
            let e = b as f64 - 0.5;
            normal
                .sf((e - mu) / sigma)
                .max(normal.cdf((-e - mu) / sigma))
        };
        (hop + 1..=largest.max(hop + 1))
            .find(|&b| tail(b) <= 3.0 * crate::law::kernel::EDGE_WARNING)
            .unwrap_or(largest)
    } else {
        2 * hop
    };
    jump.max(hop + 1).min(largest)
}

/// The widest hop range `nc` bins allow: `2B + 1 ≤ nc` (a hop must not wrap onto itself,
/// [`crate::law::CoarseLaw::check`] of the kernel law).
fn widest_hop(nc: usize) -> usize {
    nc.saturating_sub(1) / 2
}

/// The inputs of the training transitions, `(n, nc)` row-major: the experiments' `X0`, or the
/// runs' latent means at `t = 0..T−1`.
fn training_inputs(data: &LearnData, fitted: &Fitted) -> Vec<f64> {
    match (data, &fitted.latent) {
        (LearnData::Experiments(d), _) => d.x0.clone(),
        (LearnData::Trajectories(_), LatentStates::Trajectories(l)) => {
            let (n, t1, _) = l.mean.dim();
            (0..n)
                .flat_map(|i| (0..t1 - 1).map(move |t| (i, t)))
                .flat_map(|(i, t)| l.mean.slice(ndarray::s![i, t, ..]).to_vec())
                .collect()
        }
        (LearnData::Trajectories(_), LatentStates::Experiments(_)) => Vec::new(),
    }
}

/// [`fit`] at the parameters' law, as given.
fn fit_once(
    data: &LearnData,
    params: &LearnerParams,
    source: &str,
    progress: &dyn Progress,
) -> Result<Fitted> {
    // position modes the binning cannot resolve are dropped (`LawSpec::at_bins`), and a hop
    // range left open starts no wider than the bins allow (`2B + 1 <= nc`: B = 1 on 3 or 4
    // bins, where the default 2 would be refused)
    let mut at_bins = params.law.at_bins(data.nc());
    if let LawSpec::Kernel { hop, .. } = &mut at_bins
        && params.widen_hop
    {
        *hop = (*hop).min(widest_hop(data.nc()).max(1));
    }
    let learner = Learner::new(params.clone().law(at_bins).check()?)?;
    learner.law().check(data.nc())?;
    let started = Instant::now();
    // a search over hop ranges fits several laws: each counter says which; the number of
    // sweeps is not known in advance (`max_iter` is a cap, mostly far off)
    let range = match (&params.law, params.widen_hop) {
        (LawSpec::Kernel { hop, .. }, true) => format!(" (hop range B = {hop})"),
        _ => String::new(),
    };
    progress.start(&format!("learning{range}"), 0);
    let mut observer = |info: &IterationInfo| {
        progress.inc(1);
        progress.message(&format!(
            "sweep {}: ELBO {:.6e}{range}",
            info.iteration, info.elbo
        ));
    };
    let (posterior, latent, summary) = match data {
        LearnData::Experiments(d) => {
            let (p, l) = learner.fit(d, &mut observer)?;
            let summary = (d.domain, d.dt, d.n, d.nc, experiments(), None);
            (p, LatentStates::Experiments(l), summary)
        }
        LearnData::Trajectories(d) => {
            let (p, l) = learner.fit_trajectories(d, &mut observer)?;
            let summary = (
                d.domain,
                d.dt,
                d.n,
                d.nc,
                "trajectories".to_owned(),
                Some(d.steps),
            );
            (p, LatentStates::Trajectories(l), summary)
        }
    };
    progress.finish();
    let (domain, dt, n, nc, training, steps) = summary;
    let manifest = ModelManifest {
        data: source.to_owned(),
        data_fingerprint: data.fingerprint().to_owned(),
        domain: domain.map(|d| [d.ymin, d.ymax]),
        dt,
        seed: params.seed,
        n,
        nc,
        nf: posterior.nf,
        parameters: posterior.params.clone(),
        seconds: started.elapsed().as_secs_f64(),
        training,
        steps,
        hop_search: None,
    };
    Ok(Fitted {
        posterior,
        latent,
        manifest,
    })
}

/// Writes a model directory: `posterior.json`, `latent.npz` and `manifest.json`, all three or
/// none (staged, then renamed).
pub fn write_model(out: &Path, fitted: &Fitted) -> Result<()> {
    write_model_into(OutputDir::stage(out)?, fitted)
}

/// [`write_model`] into a directory already staged.
fn write_model_into(dir: OutputDir, fitted: &Fitted) -> Result<()> {
    crate::io::write_json(&dir.path("posterior.json"), &fitted.posterior)?;
    fitted.latent.write_npz(&dir.path("latent.npz"))?;
    Manifest::new("learn", fitted.manifest.clone()).write(dir.staged())?;
    dir.commit()
}

/// Learns the law from the data file and writes `out/posterior.json`, `out/latent.npz`,
/// `out/manifest.json` (all three or none): [`LearnData::from_npz`], [`fit`], [`write_model`].
pub fn learn(job: &LearnJob, progress: &dyn Progress) -> Result<Learned> {
    // the parameters before the data, the output before the fit (an unwritable --out fails fast)
    job.params.clone().check()?;
    let data = LearnData::from_npz(&job.data, job.domain, job.nc)?;
    let out = OutputDir::stage(&job.out)?;
    let fitted = fit(
        &data,
        &job.params,
        &job.data.display().to_string(),
        progress,
    )?;
    write_model_into(out, &fitted)?;
    Ok(Learned {
        seconds: fitted.manifest.seconds,
        hop_search: fitted.manifest.hop_search,
        posterior: fitted.posterior,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tried(hop: usize, left: f64, right: f64) -> HopTry {
        HopTry {
            hop,
            edge_share: [left, right],
            elbo_active: None,
            iterations: 10,
        }
    }

    /// The search keeps the last range unless widening did not take mass off the edge, and
    /// says so in one line only when it kept a wider range than the first.
    #[test]
    fn the_kept_range_and_its_line() {
        let one = [tried(2, 0.001, 0.004)];
        assert_eq!(kept(&one).hop, 2);
        assert_eq!(hop_search_line(&one), None);
        let widened = [tried(2, 0.055, 0.219), tried(3, 0.0001, 0.044)];
        assert_eq!(kept(&widened).hop, 3);
        let line = hop_search_line(&widened).unwrap();
        assert!(
            line.contains("widened to B = 3") && line.contains("21.9% at B = 2"),
            "{line}"
        );
        assert!(
            line.contains("4.4% at B = 3") && line.contains("above 5%"),
            "{line}"
        );
        let useless = [tried(2, 0.02, 0.30), tried(3, 0.01, 0.31)];
        assert_eq!(kept(&useless).hop, 2);
        assert_eq!(hop_search_line(&useless), None);
        let further = [tried(2, 0.3, 0.0), tried(3, 0.2, 0.0), tried(4, 0.21, 0.0)];
        assert_eq!(kept(&further).hop, 3);
        assert!(
            hop_search_line(&further)
                .unwrap()
                .contains("widened to B = 3")
        );
    }

    /// The shares at `±B` of a Gaussian displacement `N(μ, σ²)` in bins: `P(D < −B + ½)`,
    /// `P(D > B − ½)`.
    fn gaussian_shares(hop: usize, mu: f64, sigma: f64) -> [f64; 2] {
        use statrs::distribution::{ContinuousCDF, Normal};
        let n = Normal::new(mu, sigma).unwrap();
        let e = hop as f64 - 0.5;
        [n.cdf(-e), n.sf(e)]
    }

    /// The next range skips what a Gaussian displacement rules out. Known answers, worked by
    /// hand from the rule (smallest `B'` whose larger tail `P(|D| ≥ B' − ½)` is at most 15%):
    /// `σ = 2` symmetric needs `(B' − ½)/2 ≥ z(0.15) = 1.036`, so `B' = 3`; `σ = 3` needs
    /// `B' ≥ 3.61`, so 4; `σ = 2, μ = 2` needs `B' − ½ − 2 ≥ 2.07`, so 5.
    #[test]
    fn the_next_range_skips_what_a_gaussian_displacement_rules_out() {
        assert_eq!(next_hop(2, gaussian_shares(2, 0.0, 2.0), 96), 3);
        assert_eq!(next_hop(2, gaussian_shares(2, 0.0, 3.0), 96), 4);
        assert_eq!(next_hop(2, gaussian_shares(2, 2.0, 2.0), 96), 5);
        assert_eq!(next_hop(2, gaussian_shares(2, -2.0, 2.0), 96), 5);
        // from a wider range the same displacement gives the same answer
        assert_eq!(next_hop(3, gaussian_shares(3, 2.0, 2.0), 96), 5);
        // a share just above the threshold: the next range
        assert_eq!(next_hop(2, [0.001, 0.06], 24), 3);
        // the shares measured at B = 2 on 96 and 72 bins of advection–diffusion
        // (`docs/learning.md`): on to 5 (one range at a time went 3, 4, 5, then 6) and to 4
        // (one at a time: 3, then 4, where both searches stopped)
        assert_eq!(next_hop(2, [0.1575, 0.444], 96), 5);
        assert_eq!(next_hop(2, [0.1609, 0.3919], 72), 4);
        // shares no Gaussian gives (`z₊ + z₋ ≤ 0`): twice the range
        assert_eq!(next_hop(3, [0.6, 0.5], 96), 6);
        // at most (nc − 1)/2, and never more than the bins allow
        assert_eq!(next_hop(2, gaussian_shares(2, 0.0, 5.0), 11), 5);
        assert_eq!(next_hop(5, [0.3, 0.3], 11), 5);
    }
}
