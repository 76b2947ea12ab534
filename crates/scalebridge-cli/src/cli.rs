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
}

/// `scalebridge simulate`.
#[derive(Debug, Args)]
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
