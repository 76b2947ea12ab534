"""Inverse renormalisation and exact-weight generation of the 2D Ising model from Python
(SPEC Part B).

    python examples/python/ising.py
"""

import numpy as np

import scalebridge as sb

K = sb.ising.K_C
print("exact, L = 64:", sb.ising.exact(64, K))

# Wolff configurations at criticality, and the local 3×3 lifting rule fitted to them
configs, obs = sb.ising.sample(32, K, 200, seed=1)
print(f"Monte Carlo L = 32: e = {obs['energy']['value']:.4f} ± {obs['energy']['error']:.4f}")
lift = sb.ising.fit_lift(configs, 3, K=K)
print(lift)

# dream lattices of side 2^7 = 128 from a single spin
dreamed = sb.ising.dream(lift, 7, 16, seed=2)
m = np.abs(dreamed.mean(axis=(1, 2)))
print(f"dreamed {dreamed.shape}: <|m|> = {m.mean():.3f}")

# MCRG eigenvalues of the Monte Carlo configurations (exact: λ_t = 2, λ_h = 3.668)
for k, step in enumerate(sb.ising.mcrg(configs, 2), 1):
    print(f"step {k}: λ_t = {step['lambda_t'][-1]['value']:.3f}, λ_h = {step['lambda_h'][-1]['value']:.3f}")

# coarse → fine with exact weights: a generator whose probability q(s) is known for every
# configuration it draws, so importance weights give ln Z itself and unbiased observables
sampler = sb.ising.fit_sampler(16, K, n_train=2000, seed=3)
run = sb.ising.nis(sampler, 1024, seed=4)
exact = sb.ising.exact(16, K)["lnZ_per_site"]
print(
    f"exact weights L = 16: ESS/N = {run['ess_per_sample']:.3f}, "
    f"ln Z/N = {run['ln_z_per_site']:.6f} ± {run['ln_z_per_site_err']:.6f} (Kaufman {exact:.6f}), "
    f"V4 = {run['v4']:.3f} ± {run['v4_err']:.3f}"
)
