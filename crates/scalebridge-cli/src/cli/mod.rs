//! Command-line definitions (clap derive), in one place.

mod ising;
mod nis;
mod predict;
mod walkers;

pub use ising::*;
pub use nis::*;
pub use predict::*;
pub use walkers::*;

use clap::{Parser, Subcommand};

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
    /// Fit the exact-weight generator (seam model + boundary MPS) for one L and K.
    FitSampler(FitSamplerArgs),
    /// Importance sampling with a fitted generator: ESS, ln Z, reweighted observables.
    Nis(NisArgs),
    /// Table and plots: χ, V4, C and energy vs L for Monte Carlo, dreamed and exact-weight
    /// ensembles, and the exact-weight generator's ESS/N and ln Z.
    Report(ReportArgs),
}
