//! Command-line definitions (clap derive), in one place.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Probabilistic coarse-graining: learn coarse evolution laws from fine-scale simulations,
/// and lift coarse states back to fine ones.
#[derive(Debug, Parser)]
#[command(name = "scalebridge", version, about, long_about = None)]
pub struct Cli {
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run controlled experiments (or trajectories) of a fine-scale walker system.
    Simulate(SimulateArgs),
    /// Learn the coarse evolution law from controlled experiments (sparse Bayesian VB).
    Learn(LearnArgs),
    /// Print a learned law as an equation with error bars.
    Show(ShowArgs),
    /// Compare the ELBOs of models learned on the same data.
    Compare(CompareArgs),
    /// Predict the fine-scale density (and 2-bin probabilities) with credible intervals.
    Predict(PredictArgs),
    /// The whole pipeline for one system: simulate, learn, reference, predict, report.
    /// Without a config file: the advection–diffusion demo.
    Run(RunArgs),
    /// The 2D Ising model and inverse renormalisation.
    #[command(subcommand)]
    Ising(IsingCommand),
}

/// `scalebridge ising …`.
#[derive(Debug, Subcommand)]
pub enum IsingCommand {
    /// Exact ln Z/N, E/N, C/N of the periodic L×L torus (Kaufman), printed as JSON.
    Exact(ExactArgs),
    /// Monte Carlo configurations at coupling K, with ensemble observables and error bars.
    Sample(SampleArgs),
    /// Fit the local coarse-to-fine rule to configurations and their majority-rule coarse versions.
    FitLift(FitLiftArgs),
    /// Generate lattices by applying a fitted rule level after level ("dreaming").
    Dream(DreamArgs),
    /// RG eigenvalues (Swendsen MCRG) from configurations and their majority-rule coarse versions.
    Mcrg(McrgArgs),
    /// Table and plots: χ, V4, C and energy vs L for Monte Carlo and dreamed ensembles.
    Report(ReportArgs),
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
    /// Coupling the data were sampled at (default: the data's manifest.json, else K_c).
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
    #[arg(long, default_value = "wolff", value_parser = ["wolff", "heatbath", "msc"])]
    pub algo: String,
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

/// `scalebridge run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Pipeline configuration (see configs/); none: the embedded advection–diffusion demo.
    pub config: Option<PathBuf>,
    /// Output directory (default: the config's `out`, else `scalebridge-run`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Smaller sizes for a quick check (fewer experiments, samples and replicas).
    #[arg(long)]
    pub quick: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// `scalebridge predict`.
#[derive(Debug, Args, Clone)]
pub struct PredictArgs {
    /// A directory written by `scalebridge learn`.
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Start from this fine state: float64 (nf,) positions in .npy.
    #[arg(
        long,
        value_name = "FILE.npy",
        required_unless_present = "data",
        conflicts_with = "data"
    )]
    pub initial: Option<PathBuf>,
    /// Continue a training experiment: the experiments.npz the model was learned on ...
    #[arg(long, value_name = "FILE.npz", requires = "experiment")]
    pub data: Option<PathBuf>,
    /// ... and the experiment's index (0-based).
    #[arg(long, value_name = "I", requires = "data")]
    pub experiment: Option<usize>,
    /// Coarse steps to predict (times 0, Δt, ..., T·Δt).
    #[arg(long, value_name = "T")]
    pub horizon: usize,
    /// Binnings of the density, each a multiple or a divisor of the model's nc.
    #[arg(
        long,
        value_name = "B1,B2,...",
        value_delimiter = ',',
        default_value = "24,96"
    )]
    pub bins: Vec<usize>,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Predictive samples.
    #[arg(long, default_value_t = 1000)]
    pub samples: usize,
    /// Level of the central credible interval.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// 2-bin probabilities for these pairs of coarse bins (0-based): k1:k2,...
    #[arg(long, value_name = "K1:K2,...", value_delimiter = ',')]
    pub pairs: Vec<String>,
    /// Random seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The periodic domain when the model's manifest has none: ymin,ymax.
    #[arg(long, value_name = "YMIN,YMAX", allow_negative_numbers = true)]
    pub domain: Option<String>,
    /// Fine-scale replicas from the same initial state (a trajectory.npz from
    /// `simulate --trajectory T --initial FILE.npy`): adds coverage.json.
    #[arg(long, value_name = "FILE.npz")]
    pub reference: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}

/// `scalebridge learn`.
#[derive(Debug, Args, Clone)]
pub struct LearnArgs {
    /// Training data: .npz with X0 float64 (N, nc) and counts integer (N, nc).
    #[arg(long, value_name = "FILE.npz")]
    pub data: PathBuf,
    /// Interaction range M of the feature library (2M+1 <= nc).
    #[arg(long, value_name = "M")]
    pub range: usize,
    /// Output directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Polynomial order of the library: 1 or 2.
    #[arg(long, default_value_t = 2)]
    pub order: usize,
    /// One noise precision per bin instead of a shared one.
    #[arg(long)]
    pub per_bin_noise: bool,
    /// The periodic domain, when the data file has none: ymin,ymax.
    #[arg(long, value_name = "YMIN,YMAX", allow_negative_numbers = true)]
    pub domain: Option<String>,
    /// Seed of the Monte Carlo draws (reference path only; the fast path is deterministic).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Maximum number of coordinate-ascent sweeps.
    #[arg(long, default_value_t = 2000)]
    pub max_iter: usize,
    /// Convergence: largest coefficient move per sweep, in posterior standard deviations
    /// (and relative move of the noise level), held for 5 sweeps.
    #[arg(long, default_value_t = 1e-4)]
    pub tol: f64,
    /// Optimiser of the latent states: newton (fast, deterministic) or adam (the paper's
    /// Monte Carlo reference path).
    #[arg(long, default_value = "newton", value_name = "METHOD")]
    pub method: String,
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
    #[arg(long, value_name = "SYSTEM")]
    pub system: Option<String>,
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
