//! `scalebridge show`: the learned law as an equation.

use crate::cli::ShowArgs;
use anyhow::Result;
use scalebridge::inference::Posterior;

pub fn run(args: ShowArgs) -> Result<()> {
    let p = Posterior::load(&args.dir.join("posterior.json"))?;
    print!("{}", p.equation());
    Ok(())
}
