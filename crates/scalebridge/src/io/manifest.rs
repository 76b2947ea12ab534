//! `manifest.json`: what produced an output directory (command, parameters, seed, version).

use crate::error::{Error, Result};
use serde_json::{Value, json};
use std::path::Path;

/// Version of the on-disk formats written by this crate.
pub const FORMAT_VERSION: u32 = 1;

/// A manifest for `command` with the given fields merged in (`parameters`, `seed`, …).
pub fn manifest(command: &str, fields: Value) -> Value {
    let mut m = json!({
        "format_version": FORMAT_VERSION,
        "scalebridge_version": env!("CARGO_PKG_VERSION"),
        "command": command,
    });
    if let (Value::Object(m), Value::Object(f)) = (&mut m, fields) {
        m.extend(f);
    }
    m
}

/// Reads a JSON file, with errors naming the file.
pub fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::data(path, "(json)", format!("not valid JSON: {e}")))
}

/// The `manifest.json` in the directory of `path` (a data file another command wrote), if there
/// is a readable one.
pub fn manifest_beside(path: &Path) -> Option<Value> {
    read_json(&path.parent()?.join("manifest.json")).ok()
}
