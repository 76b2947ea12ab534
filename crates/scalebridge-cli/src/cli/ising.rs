//! Arguments of `scalebridge ising …`.

use clap::{Args, ValueEnum};
use scalebridge::lattice::samplers::Algorithm;
use std::path::PathBuf;

/// `--algo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AlgoArg {
    /// Wolff single-cluster updates.
    Wolff,
    /// Checkerboard heat bath, rows in parallel.
    Heatbath,
    /// The same heat bath multi-spin coded, 64 spins per word (L a multiple of 128).
    Msc,
}

impl From<AlgoArg> for Algorithm {
    fn from(a: AlgoArg) -> Self {
        match a {
            AlgoArg::Wolff => Algorithm::Wolff,
            AlgoArg::Heatbath => Algorithm::Heatbath,
            AlgoArg::Msc => Algorithm::Msc,
        }
    }
}

/// `scalebridge ising fit-lift`.
#[derive(Debug, Args)]
pub struct FitLiftArgs {
    /// Fine configurations, int8 (n, L, L) ±1 (e.g. from `ising sample`).
    #[arg(long, value_name = "FILE.npy")]
    pub data: PathBuf,
    /// Kernel side: 3, 5 or 7 (3, 6, 10 parameters).
    #[arg(long, default_value_t = 3)]
    pub kernel: usize,
    /// Coupling the data were sampled at (default: the one in the manifest.json beside the data;
    /// without one, --K is required).
    #[arg(long = "K", value_name = "K")]
    pub k: Option<f64>,
    /// Seed of the majority rule's tie-breaking coins.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory: lift.json, manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `scalebridge ising dream`.
#[derive(Debug, Args)]
pub struct DreamArgs {
    /// A fitted rule: a directory with lift.json, or the file itself.
    #[arg(long, value_name = "LIFT")]
    pub lift: PathBuf,
    /// Lifts: the final side is L0·2^levels.
    #[arg(long, default_value_t = 6)]
    pub levels: usize,
    /// Samples.
    #[arg(long, default_value_t = 100)]
    pub n: usize,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Starting lattice(s), int8 (L0, L0) or (n0, L0, L0) ±1; sample i starts from lattice
    /// i mod n0. Default: one random spin (L0 = 1).
    #[arg(long, value_name = "FILE.npy")]
    pub start: Option<PathBuf>,
    /// Record observables at every intermediate size, not just the final one.
    #[arg(long)]
    pub measure_levels: bool,
    /// Keep only the observables (no configurations written).
    #[arg(long)]
    pub no_store: bool,
    /// Output directory: configs.npy (or configs/sample_NNNNNN.npy above L = 2048),
    /// observables.json, observables.npz, manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `scalebridge ising mcrg`.
#[derive(Debug, Args)]
pub struct McrgArgs {
    /// Fine configurations, int8 (n, L, L) ±1, in the order they were generated.
    #[arg(long, value_name = "FILE.npy")]
    pub data: PathBuf,
    /// Blocking steps: step k uses MR^(k−1) and MR^k of each configuration.
    #[arg(long, default_value_t = 2)]
    pub steps: usize,
    /// Seed of the majority rule's tie-breaking coins.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory: mcrg.json, manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `scalebridge ising report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// `ising sample` output directories (Monte Carlo, one per L).
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub mc: Vec<PathBuf>,
    /// `ising dream` output directories (each a labelled series; label = directory name).
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub dreamed: Vec<PathBuf>,
    /// `ising nis` output directories (the exact-weight generator, one per L): ESS/N and ln Z
    /// against L, and the reweighted observables as one more series.
    #[arg(long, value_name = "DIR", num_args = 1..)]
    pub nis: Vec<PathBuf>,
    /// Smallest L used in the fit of χ ~ L^(γ/ν).
    #[arg(long = "fit-min-L", default_value_t = 16)]
    pub fit_min_l: usize,
    /// Output directory: report.html, table.md, report.json, figures/*.png|svg, manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `scalebridge ising sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Linear size L (even, >= 2).
    #[arg(long = "L", value_name = "L")]
    pub l: usize,
    /// Coupling K = βJ (> 0).
    #[arg(long = "K", value_name = "K")]
    pub k: f64,
    /// Configurations to store (one sweep apart, after thermalisation).
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Sampler: wolff (single-cluster), heatbath (checkerboard, rows in parallel) or msc (the
    /// same heat bath multi-spin coded, 64 spins per word; L a multiple of 128).
    #[arg(long, value_enum, default_value_t = AlgoArg::Wolff)]
    pub algo: AlgoArg,
    /// Sweeps between stored configurations (a Wolff sweep: as many clusters as flip L² spins
    /// on average).
    #[arg(long, default_value_t = 1)]
    pub every: usize,
    /// Thermalisation sweeps before the first stored configuration (default: 200 for wolff,
    /// 5000 for heatbath and msc; the start is all spins up).
    #[arg(long)]
    pub thermalise: Option<usize>,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory: configs.npy (int8 (n, L, L)), observables.json, manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `scalebridge ising exact`.
#[derive(Debug, Args)]
pub struct ExactArgs {
    /// Linear size L (>= 2).
    #[arg(long = "L", value_name = "L")]
    pub l: usize,
    /// Coupling K = βJ (> 0); K_c = 0.4406867935097715.
    #[arg(long = "K", value_name = "K")]
    pub k: f64,
}
