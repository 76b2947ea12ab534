//! `scalebridge ising report`: placeholder until the report is written.

use crate::cli::ReportArgs;
use anyhow::Result;

pub fn run(_a: ReportArgs) -> Result<()> {
    anyhow::bail!("not yet")
}
