"""The 2D Ising model and inverse renormalisation (SPEC Part B) on int8 arrays of spins ±1.

``exact(L, K)``: Kaufman's exact per-site quantities of the periodic lattice;
``sample(L, K, n)``: Monte Carlo configurations and their observables;
``fit_lift(configs, kernel, K=...)``: the local coarse-to-fine rule;
``dream(lift, levels, n)``: lattices of side ``L0·2^levels`` by repeated lifting;
``mcrg(configs, steps)``: RG eigenvalues from majority-rule blocks;
``fit_sampler(L, K)``: the exact-weight generator (seam model + boundary MPS, SPEC B.4);
``nis(sampler, n)``: importance sampling with it — ESS, ln Z, reweighted observables;
``load_sampler(path)``: a sampler saved by ``Sampler.save`` or ``scalebridge ising fit-sampler``.
"""

from ._native import (
    Lift,
    Sampler,
    dream,
    exact,
    fit_lift,
    fit_sampler,
    load_sampler,
    mcrg,
    nis,
    sample,
)

#: The critical coupling ``ln(1 + √2) / 2``.
K_C = 0.44068679350977147

__all__ = [
    "K_C",
    "Lift",
    "Sampler",
    "dream",
    "exact",
    "fit_lift",
    "fit_sampler",
    "load_sampler",
    "mcrg",
    "nis",
    "sample",
]
