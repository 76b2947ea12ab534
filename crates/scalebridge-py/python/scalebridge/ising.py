"""The 2D Ising model and inverse renormalisation (SPEC Part B) on int8 arrays of spins ±1.

``exact(L, K)``: Kaufman's exact per-site quantities of the periodic lattice;
``sample(L, K, n)``: Monte Carlo configurations and their observables;
``fit_lift(configs, kernel, K=...)``: the local coarse-to-fine rule;
``dream(lift, levels, n)``: lattices of side ``L0·2^levels`` by repeated lifting;
``mcrg(configs, steps)``: RG eigenvalues from majority-rule blocks.
"""

from ._native import Lift, dream, exact, fit_lift, mcrg, sample

#: The critical coupling ``ln(1 + √2) / 2``.
K_C = 0.44068679350977147

__all__ = ["K_C", "Lift", "dream", "exact", "fit_lift", "mcrg", "sample"]
