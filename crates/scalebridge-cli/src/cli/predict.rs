//! Arguments of `scalebridge predict` and `scalebridge run`.

use clap::Args;
use scalebridge::walkers::WithinBin;
use std::path::PathBuf;

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
    /// How walkers spread within a model bin on a finer binning: uniform (the paper's map, SPEC
    /// A.2) or linear (a limited slope from the neighbouring bins, each bin's mass kept).
    #[arg(long, value_name = "PROFILE", default_value = "uniform", value_parser = WithinBin::NAMES)]
    pub within: String,
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
