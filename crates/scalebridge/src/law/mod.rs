//! Coarse evolution laws: one interface ([`CoarseLaw`]), two families.
//!
//! * [`family`]: the [`CoarseLaw`] trait that the learner, the posterior, prediction and the
//!   report use; [`spec`]: [`LawSpec`], the `law` field of `posterior.json`; [`options`]:
//!   building a family from a [`LawSpec`] or from a user's [`LawOptions`].
//! * [`linear`], [`features`], [`polynomial`] (SPEC A.3): a law linear in the features of an
//!   open library, `μ_j(X) = θᵀ φ̃^(j)(X)`, the features centred across bins
//!   (`φ̃^(j) = φ^(j) - (1/nc) Σ_k φ^(k)`) so that the mean of a centred state is centred again.
//! * [`kernel`] (SPEC A.9): conservative laws — mass hops between bins with probabilities set
//!   by named local features.
//! * [`least_squares`]: a plain Levenberg–Marquardt fit of any family (the learner's start for
//!   a nonlinear family).

pub mod family;
pub mod features;
pub mod kernel;
pub mod least_squares;
pub mod linear;
pub mod options;
pub mod polynomial;
pub mod spec;

pub use family::CoarseLaw;
pub use features::{FeatureFamily, FeatureLibrary};
pub use kernel::{HopFeature, KernelLaw, Local};
pub use linear::LinearLaw;
pub use options::LawOptions;
pub use polynomial::{FirstOrder, SecondOrder};
pub use spec::LawSpec;
