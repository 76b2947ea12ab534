//! Arguments of `scalebridge ising fit-sampler` and `scalebridge ising nis` (the exact-weight
//! generator, SPEC B.4).

use clap::Args;
use std::path::PathBuf;

/// `scalebridge ising fit-sampler`.
#[derive(Debug, Args)]
pub struct FitSamplerArgs {
    /// Linear size L of the configurations it will generate (even, >= 4).
    #[arg(long = "L", value_name = "L")]
    pub l: usize,
    /// Coupling K = βJ (> 0); K_c = 0.4406867935097715.
    #[arg(long = "K", value_name = "K")]
    pub k: f64,
    /// Training configurations, int8 (n, L, L) ±1 at this K (e.g. from `ising sample`).
    /// Default: the fit runs its own Wolff chain of --n-train configurations.
    #[arg(long, value_name = "FILE.npy")]
    pub data: Option<PathBuf>,
    /// Wolff configurations (one sweep apart, after 200 sweeps) when no --data is given.
    #[arg(long = "n-train", default_value_t = 8000)]
    pub n_train: usize,
    /// Random torus symmetries of each configuration's seam used in the fit.
    #[arg(long, default_value_t = 8)]
    pub copies: usize,
    /// Bond dimension of the boundary MPS (1 to 64).
    #[arg(long, default_value_t = 4)]
    pub chi: usize,
    /// Seed of the Wolff chain and of the symmetry copies.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory: sampler.json, manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// `scalebridge ising nis`.
#[derive(Debug, Args)]
pub struct NisArgs {
    /// A fitted sampler: a directory with sampler.json (from `ising fit-sampler`), or the file.
    #[arg(long, value_name = "DIR")]
    pub sampler: PathBuf,
    /// Samples (>= 32, the jackknife blocks).
    #[arg(long)]
    pub n: usize,
    /// Random seed (sample i uses the stream (seed, i): the same bits on any number of threads).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also write the configurations (configs.npy, int8 (n, L, L)).
    #[arg(long)]
    pub store: bool,
    /// Output directory: nis.json, samples.npz (log_q, log_w, e, m), manifest.json
    /// (+ configs.npy with --store).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}
