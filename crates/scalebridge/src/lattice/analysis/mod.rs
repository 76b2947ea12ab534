//! Statistics of ensembles: estimates with jackknife-over-blocks errors and `τ_int`
//! ([`estimates`]); finite-size scaling of `χ` and `V4` ([`scaling`]); a scaling study collected from output
//! directories ([`study`]); estimates from importance weights — ESS, `ln Z`, reweighted
//! observables, independence Metropolis ([`weighted`]).

pub mod estimates;
pub mod scaling;
pub mod study;
pub mod weighted;
