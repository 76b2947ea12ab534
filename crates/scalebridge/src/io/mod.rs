//! Files in and out: NumPy `.npy`/`.npz` arrays, JSON, manifests — always written atomically.
//!
//! `io` sits below everything it serialises: it knows arrays, JSON and files; each type that
//! is saved (experiments, posteriors, bands, lifting rules, …) owns its format and uses these
//! pieces.

pub mod atomic;
pub mod manifest;
pub mod npz;

pub use atomic::{OutputDir, create_dir, write_atomic, write_json};
pub use manifest::{FORMAT_VERSION, Manifest, manifest_beside, read_json};
pub use npz::{
    NpzIn, NpzOut, Numeric, read_npy, read_npy_f64_1d, read_npy_numeric, write_npy_f64_1d,
    write_npz,
};
