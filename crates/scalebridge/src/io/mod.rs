//! Files in and out: NumPy `.npy`/`.npz`, JSON manifests — always written atomically.

pub mod atomic;
pub mod manifest;
pub mod npz;
pub mod spins;

pub use atomic::{create_dir, write_atomic, write_json};
pub use manifest::{FORMAT_VERSION, manifest, manifest_beside, read_json};
pub use npz::{
    read_latent, read_level_magnetisation, read_npy_f64_1d, read_trajectory_positions, write_band,
    write_configs, write_experiments, write_latent, write_level_observables, write_npy_f64_1d,
    write_trajectories, write_two_bin,
};
pub use spins::{SpinWriter, read_spins};
