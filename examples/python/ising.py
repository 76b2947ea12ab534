"""Inverse renormalisation of the 2D Ising model from Python (SPEC Part B).

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
