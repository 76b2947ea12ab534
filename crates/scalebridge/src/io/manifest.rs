//! `manifest.json`: what produced an output directory (command, parameters, seed, version),
//! and the checked JSON reader every file format of the project goes through.

use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the on-disk formats written by this crate (2: `posterior.json` names its law
/// family in `law` instead of `M` and `order`).
pub const FORMAT_VERSION: u32 = 2;

/// A manifest: the command, the version of scalebridge and of the file formats, and the
/// command's own fields (`T`, flattened into the same JSON object: parameters, seed, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest<T> {
    /// Version of the on-disk formats.
    pub format_version: u32,
    /// Version of scalebridge that wrote it.
    pub scalebridge_version: String,
    /// The command (`learn`, `ising dream`, …).
    pub command: String,
    /// The command's fields.
    #[serde(flatten)]
    pub fields: T,
}

impl<T: Serialize> Manifest<T> {
    /// A manifest of this version of scalebridge for `command`.
    pub fn new(command: &str, fields: T) -> Self {
        Manifest {
            format_version: FORMAT_VERSION,
            scalebridge_version: env!("CARGO_PKG_VERSION").to_owned(),
            command: command.to_owned(),
            fields,
        }
    }

    /// Writes `dir/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<()> {
        super::write_json(&dir.join("manifest.json"), self)
    }
}

impl<T: DeserializeOwned> Manifest<T> {
    /// Reads `dir/manifest.json`, with errors naming the file and the field.
    pub fn read(dir: &Path) -> Result<Self> {
        read_json(&dir.join("manifest.json"))
    }
}

/// Reads a JSON file into a typed value, with errors naming the file and, for a missing or
/// mistyped field, the field (serde's message quotes it, with line and column).
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        let what = if e.is_syntax() || e.is_eof() {
            "not valid JSON"
        } else {
            "unexpected content"
        };
        Error::data(path, "(json)", format!("{what}: {e}"))
    })
}

/// Reads fields `T` of the `manifest.json` in the directory of `path` (a data file another
/// command wrote): `None` when there is no such file; an error naming the file when it exists
/// but does not hold `T` (give `T` optional fields to read what a manifest may have).
pub fn manifest_beside<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let Some(dir) = path.parent() else {
        return Ok(None);
    };
    let m = dir.join("manifest.json");
    if m.is_file() {
        read_json(&m).map(Some)
    } else {
        Ok(None)
    }
}
