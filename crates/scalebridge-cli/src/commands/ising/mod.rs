//! `scalebridge ising …`: the 2D Ising model and inverse renormalisation (SPEC Part B).

mod dream;
mod fit_lift;
mod fit_sampler;
mod mcrg;
mod nis;
mod report;
mod sample;

use crate::cli::IsingCommand;
use anyhow::Result;
use scalebridge::lattice::exact;

pub fn run(cmd: IsingCommand) -> Result<()> {
    match cmd {
        IsingCommand::Exact(a) => {
            let x = exact(a.l, a.k)?;
            println!("{}", serde_json::to_string_pretty(&x)?);
            Ok(())
        }
        IsingCommand::Sample(a) => sample::run(a),
        IsingCommand::FitLift(a) => fit_lift::run(a),
        IsingCommand::Dream(a) => dream::run(a),
        IsingCommand::Mcrg(a) => mcrg::run(a),
        IsingCommand::FitSampler(a) => fit_sampler::run(a),
        IsingCommand::Nis(a) => nis::run(a),
        IsingCommand::Report(a) => report::run(a),
    }
}
