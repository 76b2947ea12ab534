//! Statistics of ensembles: estimates with jackknife-over-blocks errors and `τ_int`
//! ([`estimates`]); finite-size scaling of `χ` and `V4` ([`scaling`]); a scaling study collected from output
//! directories ([`study`]).

pub mod estimates;
pub mod scaling;
pub mod study;
