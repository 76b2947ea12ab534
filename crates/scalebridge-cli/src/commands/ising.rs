//! `scalebridge ising …`: the 2D Ising model.

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
    }
}
