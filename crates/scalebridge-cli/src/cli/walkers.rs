//! Arguments of the walker subcommands.

use clap::{Args, ValueEnum};
use scalebridge::inference::LatentMethod;
use scalebridge::walkers::SystemKind;
use std::path::PathBuf;

/// `--system`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SystemArg {
    /// Advection–diffusion walkers (SPEC A.1).
    Advdiff,
    /// Burgers walkers (SPEC A.1b).
    Burgers,
    /// Walkers lifted from a known coarse law.
    Synthetic,
}

impl From<SystemArg> for SystemKind {
    fn from(s: SystemArg) -> Self {
        match s {
            SystemArg::Advdiff => SystemKind::Advdiff,
            SystemArg::Burgers => SystemKind::Burgers,
            SystemArg::Synthetic => SystemKind::Synthetic,
        }
    }
}

/// `--method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Newton on the Jensen bound (fast, deterministic).
    Newton,
    /// ADAM with Monte Carlo draws (the paper's reference path).
    Adam,
}

impl From<MethodArg> for LatentMethod {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Newton => LatentMethod::Newton,
            MethodArg::Adam => LatentMethod::Adam,
        }
    }
}

/// `--law`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LawArg {
    /// Polynomial in X = log ρ, shared by every bin (SPEC A.3; the paper's law). Needs --range.
    Polynomial,
    /// Conservative: mass hops up to B bins with probabilities set by local features
    /// (SPEC A.9).
    Kernel,
}

/// `scalebridge learn`.
#[derive(Debug, Args, Clone)]
pub struct LearnArgs {
    /// Training data: .npz (plain or compressed) with X0 float64/float32 (N, nc) and counts
    /// integer (N, nc) (controlled experiments), or trajectories: counts integer
    /// (N, T+1, nc), or positions float64 (N, T+1, nf) with domain (and --nc).
    #[arg(long, value_name = "FILE.npz")]
    pub data: PathBuf,
    /// Coarse bins, for trajectories given as positions only.
    #[arg(long)]
    pub nc: Option<usize>,
    /// Output directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The law family.
    #[arg(long, value_enum, default_value_t = LawArg::Polynomial)]
    pub law: LawArg,
    /// Polynomial law: interaction range M of the feature library (2M+1 <= nc); required
    /// with --law polynomial.
    #[arg(long, value_name = "M")]
    pub range: Option<usize>,
    /// Polynomial law: order of the library, 1 or 2 [default: 2].
    #[arg(long)]
    pub order: Option<usize>,
    /// Kernel law: hop range B (2B+1 <= nc). Without it the fit starts at 2 and widens the
    /// range while the outermost hops carry more than 5% of the moved mass.
    #[arg(long, value_name = "B")]
    pub hop: Option<usize>,
    /// Kernel law: Fourier position modes F (features sin, cos of 2πky/P, k = 1..F; modes
    /// with 2k >= nc alias lower ones at the bin centres and are dropped) [default: 6].
    #[arg(long, value_name = "F")]
    pub modes: Option<usize>,
    /// Kernel law: density features, comma-separated from u, u2, log1p (log(1+u)), sat
    /// (u/(1+u)), grad (u(i+1)-u(i-1)), or `none` [default: u].
    #[arg(long, value_name = "LIST")]
    pub density_features: Option<String>,
    /// One noise precision per bin instead of a shared one.
    #[arg(long)]
    pub per_bin_noise: bool,
    /// The periodic domain, when the data file has none: ymin,ymax.
    #[arg(long, value_name = "YMIN,YMAX", allow_negative_numbers = true)]
    pub domain: Option<String>,
    /// Seed of the Monte Carlo draws (the reference path's, and the common random draws of
    /// the latent chains when learning from trajectories).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Maximum number of coordinate-ascent sweeps.
    #[arg(long, default_value_t = 2000)]
    pub max_iter: usize,
    /// Convergence: largest coefficient move per sweep, in posterior standard deviations
    /// (and relative move of the noise level), held for 2 sweeps.
    #[arg(long, default_value_t = scalebridge::inference::DEFAULT_TOL)]
    pub tol: f64,
    /// Optimiser of the latent states: newton (fast, deterministic) or adam (the paper's
    /// Monte Carlo reference path).
    #[arg(long, value_enum, default_value_t = MethodArg::Newton)]
    pub method: MethodArg,
    /// No progress bar and no printed law.
    #[arg(long)]
    pub quiet: bool,
}

/// `scalebridge show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A directory written by `scalebridge learn`.
    pub dir: PathBuf,
}

/// `scalebridge compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Directories written by `scalebridge learn` on the same data.
    #[arg(required = true, num_args = 2..)]
    pub dirs: Vec<PathBuf>,
}

/// `scalebridge simulate`.
#[derive(Debug, Args, Clone)]
pub struct SimulateArgs {
    /// Fine system: advdiff, burgers or synthetic (default: the config's, else advdiff).
    #[arg(long, value_enum)]
    pub system: Option<SystemArg>,
    /// Number of experiments (or of trajectories / replicas).
    #[arg(long, default_value_t = 128)]
    pub n: usize,
    /// Random seed; the output is bit-for-bit reproducible from it.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// TOML file overriding any system parameter (see the docs for the keys).
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Number of coarse bins nc.
    #[arg(long)]
    pub bins: Option<usize>,
    /// Number of walkers nf.
    #[arg(long)]
    pub nf: Option<usize>,
    /// Fine steps per coarse step, s (walker systems).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Upper end MAX of the initial amplitude range A ~ U(0, MAX).
    #[arg(long, value_name = "MAX", allow_negative_numbers = true)]
    pub amplitude: Option<f64>,
    /// Write trajectories of T coarse steps (trajectory.npz) instead of one-step experiments.
    #[arg(long, value_name = "T")]
    pub trajectory: Option<usize>,
    /// Start every trajectory from this fine state: float64 (nf,) positions in .npy.
    #[arg(
        long,
        value_name = "FILE.npy",
        requires = "trajectory",
        conflicts_with = "initial_coarse"
    )]
    pub initial: Option<PathBuf>,
    /// Start every trajectory from this coarse state: float64 (nc,) in .npy.
    #[arg(long, value_name = "FILE.npy", requires = "trajectory")]
    pub initial_coarse: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}
