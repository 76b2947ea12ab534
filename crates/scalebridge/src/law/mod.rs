//! Coarse evolution laws and their feature libraries.
//!
//! * [`linear`], [`features`], [`polynomial`] (SPEC A.3): a law linear in the features of an
//!   open library, `μ_j(X) = θᵀ φ̃^(j)(X)`, the features centred across bins
//!   (`φ̃^(j) = φ^(j) - (1/nc) Σ_k φ^(k)`) so that the mean of a centred state is centred again.
//!   This is the family the learner fits.
//! * [`kernel`] (SPEC A.9): conservative laws — mass hops between bins with probabilities set
//!   by named local features; the law, its Jacobian and a least-squares fit (the Bayesian
//!   learner for it is issue 10's work).

pub mod features;
pub mod kernel;
pub mod linear;
pub mod polynomial;

pub use features::{FeatureFamily, FeatureLibrary};
pub use linear::LinearLaw;
pub use polynomial::{FirstOrder, SecondOrder};
