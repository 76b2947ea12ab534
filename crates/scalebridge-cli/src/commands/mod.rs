//! One module per subcommand.

mod simulate;

use crate::cli::Command;

/// Dispatches a parsed command.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Simulate(args) => simulate::run(args),
    }
}
