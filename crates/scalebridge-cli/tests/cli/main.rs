//! The command line as a user meets it: one test binary, a module per subcommand.
#![allow(clippy::unwrap_used)]

mod common;
mod ising;
mod learn;
mod predict;
mod robustness;
mod simulate;
