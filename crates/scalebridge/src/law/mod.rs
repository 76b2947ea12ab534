//! Coarse evolution laws and their feature libraries (SPEC A.3).
//!
//! A law is linear in the features of an open library: `μ_j(X) = θᵀ φ̃^(j)(X)`, where the
//! features are centred across bins (`φ̃^(j) = φ^(j) - (1/nc) Σ_k φ^(k)`) so that the mean of a
//! centred state is centred again.

pub mod features;
pub mod linear;
pub mod polynomial;

pub use features::{FeatureFamily, FeatureLibrary};
pub use linear::LinearLaw;
pub use polynomial::{FirstOrder, SecondOrder};
