//! `manifest.json`: what produced an output directory (command, parameters, seed, version).

use serde_json::{Value, json};

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
