//! Errors of the scalebridge library.
//!
//! Every error that stems from user input names *what* was wrong (the parameter, or the file and
//! the array in it) and what would have been accepted, so that a command-line front end can print
//! it on one line. [`Error::is_bad_input`] tells bad input (exit code 2) from failures of the
//! computation itself.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in scalebridge.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter outside its allowed range.
    #[error("invalid parameter `{name}` = {value}: must be {allowed}")]
    InvalidParameter {
        /// Parameter name as the user spells it (CLI flag or TOML key).
        name: String,
        /// The offending value, formatted.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A configuration file that cannot be used.
    #[error("{path}: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong in it.
        message: String,
    },
    /// An input data file whose content is unusable: an array of an `.npz`/`.npy`, or a field
    /// of a JSON file.
    #[error("{path}: `{field}`: {problem}")]
    BadData {
        /// The data file.
        path: PathBuf,
        /// The array (or field) in it.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An input file that cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An output file or directory that cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A numerical failure: NaN, divergence, a non-positive pivot.
    #[error("numerical failure in {context}: {detail}")]
    Numerical {
        /// Where it happened.
        context: String,
        /// What happened.
        detail: String,
    },
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn param(name: &str, value: impl std::fmt::Display, allowed: &str) -> Self {
        Error::InvalidParameter {
            name: name.to_owned(),
            value: value.to_string(),
            allowed: allowed.to_owned(),
        }
    }

    /// Shorthand for [`Error::BadData`].
    pub fn data(path: impl Into<PathBuf>, field: &str, problem: impl Into<String>) -> Self {
        Error::BadData {
            path: path.into(),
            field: field.to_owned(),
            problem: problem.into(),
        }
    }

    /// Shorthand for [`Error::Numerical`].
    pub fn numerical(context: &str, detail: impl Into<String>) -> Self {
        Error::Numerical {
            context: context.to_owned(),
            detail: detail.into(),
        }
    }

    /// Whether the error is the user's input (bad parameter, bad file, unwritable output)
    /// rather than a failure of the computation. Front ends exit with code 2 for these.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Error::Numerical { .. })
    }
}
