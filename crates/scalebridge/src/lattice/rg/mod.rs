//! Renormalisation maps in both directions.
//!
//! | file | holds |
//! |---|---|
//! | [`block`] | fine → coarse: majority rule (random tie-breaking), decimation, blocking chains |
//! | [`stencil`] | the coarse window a fine spin depends on (shared by lifting and fitting) |
//! | [`lift`] | coarse → fine: the symmetric local rule (3, 6, 10 parameters) and its ML fit |
//! | [`dream`] | streaming, parallel generation level after level, and the ensemble driver |
//! | [`mcrg`] | Swendsen MCRG: RG eigenvalues from blocking chains |

pub mod block;
pub mod dream;
pub mod lift;
pub mod mcrg;
pub mod stencil;
