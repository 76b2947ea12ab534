//! One module per subcommand.

mod compare;
mod ising;
mod learn;
mod predict;
mod run;
mod show;
mod simulate;

use crate::cli::Command;

/// Dispatches a parsed command.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Simulate(args) => simulate::run(args),
        Command::Learn(args) => learn::run(args),
        Command::Show(args) => show::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Run(args) => run::run(args),
        Command::Ising(cmd) => ising::run(cmd),
    }
}
