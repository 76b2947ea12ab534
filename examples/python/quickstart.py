"""The walker pipeline from Python: simulate, learn, show, predict, check against replicas.

    pip install ./crates/scalebridge-py      # once
    python examples/python/quickstart.py     # a figure too when matplotlib is installed
"""

import numpy as np

import scalebridge as sb

# 64 controlled experiments of the paper's advection–diffusion walkers (SPEC A.5)
data = sb.simulate("advdiff", 64, seed=1)
print(f"X0 {data['X0'].shape}, counts {data['counts'].shape}, dt = {data['dt']}")

# the sparse Bayesian law (ARD), printed as an equation with error bars
# (with the domain, the ELBO is that of the walkers' positions, and predictions know the bins)
model = sb.learn(data["X0"], data["counts"], M=2, seed=0, domain=data["domain"])
print(model)

# the kernel law, compared by its evidence
kernel = sb.learn(data["X0"], data["counts"], law="kernel", hop=2, domain=data["domain"])
rows = sb.compare([model, kernel], labels=["polynomial", "kernel"])
for row in rows:
    print(
        f"{row['model']:>10}: ELBO {row['elbo']:.1f}, of the active law {row['elbo_active']:.1f}"
        f"{'  (best)' if row['best'] else ''}"
    )
best = model if rows[0]["best"] else kernel   # what `scalebridge run` does: the active law's evidence

# predict 50 Δt from a new fine state: a bump of walkers (wrapped onto the periodic domain)
nf = data["positions0"].shape[1]
lo, hi = data["domain"]
bump = np.random.default_rng(0).normal(0.35, 0.15, nf) % 1.0
start = lo + bump * (hi - lo)
pred = best.predict(start, horizon=50, bins=(24, 96), samples=500, seed=2)

# 50 fine-scale replicas from the same state, and the bands' coverage of them
refs = sb.simulate("advdiff", 50, seed=3, trajectory=50, initial=start)
cov = pred.coverage(refs["positions"])
for b, c in cov.items():
    print(f"{b} bins: 95% coverage {c['coverage_total']:.3f}, rel. L1 error {c['rel_l1_error_mean']:.3f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
if plt is not None:
    y = lo + (np.arange(24) + 0.5) * (hi - lo) / 24
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, colour in ((0, "C0"), (10, "C1"), (50, "C2")):
        ax.fill_between(y, pred.q_lo[24][k], pred.q_hi[24][k], color=colour, alpha=0.3)
        ax.plot(y, pred.mean[24][k], color=colour, label=f"t = {pred.t[k]:.3g}")
    ax.set_xlabel("y")
    ax.set_ylabel("density")
    ax.legend()
    fig.savefig("quickstart.png", dpi=120)
    print("wrote quickstart.png")
