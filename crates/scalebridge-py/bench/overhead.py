"""Overhead of the bindings: sb.learn against `scalebridge learn` on the demo data.

    python crates/scalebridge-py/bench/overhead.py [path/to/scalebridge] [repeats]

The demo data are the `scalebridge run` defaults (advection–diffusion, 64 experiments,
nf = 2400, nc = 24). The CLI's time is the whole command (process start, reading the .npz,
writing the model); the Python time is the call alone, and then the call plus `Model.save`.
Both laws, median of `repeats` runs each.
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import scalebridge as sb

exe = sys.argv[1] if len(sys.argv) > 1 else "target/release/scalebridge"
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
data = sb.simulate("advdiff", 64, seed=0)
tmp = Path(tempfile.mkdtemp())
np.savez(tmp / "e.npz", X0=data["X0"], counts=data["counts"], domain=data["domain"])

for law, args, kwargs in (
    ("polynomial", ["--range", "2"], dict(M=2)),
    ("kernel", ["--law", "kernel"], dict(law="kernel")),
):
    cli, py, py_save = [], [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([exe, "learn", "--data", tmp / "e.npz", *args, "--out", tmp / f"c{r}", "--quiet"], check=True)
        cli.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        m = sb.learn(data["X0"], data["counts"], domain=tuple(data["domain"]), **kwargs)
        py.append(time.perf_counter() - t0)
        m.save(tmp / f"p{r}")
        py_save.append(time.perf_counter() - t0)
    c, p, s = (statistics.median(x) for x in (cli, py, py_save))
    print(f"{law:>10}: CLI {c:.3f} s, sb.learn {p:.3f} s ({100 * (p / c - 1):+.1f}%), "
          f"sb.learn + save {s:.3f} s ({100 * (s / c - 1):+.1f}%)")
