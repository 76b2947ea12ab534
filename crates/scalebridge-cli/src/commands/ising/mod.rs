//! `scalebridge ising …`: the 2D Ising model and inverse renormalisation (SPEC Part B).

mod dream;
mod fit_lift;
mod mcrg;
mod report;
mod sample;

use crate::cli::IsingCommand;
use anyhow::Result;
use scalebridge::lattice::{Lattice, exact, majority_rule};
use scalebridge::rng::stream;

/// Purpose tag of the majority rule's tie-breaking coins.
const TIES: u64 = 0x54_49_45;

/// `blocks` majority-rule steps of configuration `i`: `[fine, MR(fine), MR²(fine), …]`, ties
/// broken by coins from stream `(seed, TIES, i)`.
pub(super) fn block_chain(fine: Lattice, blocks: usize, seed: u64, i: usize) -> Vec<Lattice> {
    let mut rng = stream(seed, TIES, i as u64);
    let mut chain = vec![fine];
    for _ in 0..blocks {
        let next = majority_rule(&chain[chain.len() - 1], &mut rng);
        chain.push(next);
    }
    chain
}

/// `(MR(fine), fine)` for configuration `i`, with the same coins as [`block_chain`].
pub(super) fn majority_pair(fine: Lattice, seed: u64, i: usize) -> (Lattice, Lattice) {
    let coarse = majority_rule(&fine, &mut stream(seed, TIES, i as u64));
    (coarse, fine)
}

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
        IsingCommand::Report(a) => report::run(a),
    }
}
