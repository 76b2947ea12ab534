"""Back-to-back timing of `scalebridge learn` against the NumPy port of Algorithm 1 (issue 11).

    python3 compare.py [--bin target/release/scalebridge] [--reps 3] [--work DIR]

Generates the two data sets of issue 11 with `scalebridge simulate` (synthetic law, nc = 32,
nf = 6400, N = 128, M = 3; advection–diffusion, N = 1024, nc = 24, M = 6), then times each
program as a whole process (start-up, reading the data, fitting, writing the result), `reps`
times alternately, and prints the best times, their ratio, and the accuracy of both: the error
against the true law (synthetic) and the support each finds. The port runs on one core
(OPENBLAS/OMP threads = 1); scalebridge on all cores.
"""

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRUE_SYNTHETIC = {"X(j-1)": 0.5, "X(j+1)": 0.5, "X(j-1)*X(j-1)": 0.21, "X(j+1)*X(j+1)": -0.23}


def timed(cmd, env=None):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/scalebridge")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", default="target/numpy_compare")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    one_core = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rows = [
        ("synthetic, nc = 32, nf = 6400, N = 128, M = 3", "synthetic", ["--bins", "32", "--nf", "6400", "--n", "128"], 3),
        ("advection–diffusion, nc = 24, N = 1024, M = 6", "advdiff", ["--n", "1024"], 6),
    ]
    print("| data | scalebridge learn (s) | sweeps | NumPy port (s) | iterations | ratio | max error vs truth (sb / port) | support agrees |")
    print("|---|---|---|---|---|---|---|---|")
    for label, system, sim, m in rows:
        d = os.path.join(args.work, system)
        subprocess.run([args.bin, "simulate", "--system", system, *sim, "--seed", "1", "--out", d, "--quiet"], check=True)
        data = os.path.join(d, "experiments.npz")
        model = os.path.join(d, "model")
        best_sb, best_np = float("inf"), float("inf")
        port = None
        for _ in range(args.reps):
            t, _ = timed([args.bin, "learn", "--data", data, "--range", str(m), "--out", model, "--quiet"])
            best_sb = min(best_sb, t)
            t, out = timed([sys.executable, os.path.join(HERE, "algorithm1.py"), data, str(m)], env=one_core)
            best_np = min(best_np, t)
            port = json.loads(out)
        with open(os.path.join(model, "posterior.json")) as f:
            post = json.load(f)
        names = post["names"]
        sb_support = {n for n, a in zip(names, post["active"]) if a}
        top = max(abs(x) for x in port["theta_mean"])
        np_support = {
            n
            for n, x, s in zip(names, port["theta_mean"], port["theta_std"])
            if abs(x) >= 3 * s and abs(x) >= 0.01 * top
        }
        if system == "synthetic":
            err_sb = max(abs(post["theta_mean"][names.index(n)] - v) for n, v in TRUE_SYNTHETIC.items())
            err_np = max(abs(port["theta_mean"][names.index(n)] - v) for n, v in TRUE_SYNTHETIC.items())
            err = f"{err_sb:.4f} / {err_np:.4f}"
            agrees = f"{sb_support == set(TRUE_SYNTHETIC)} / {np_support == set(TRUE_SYNTHETIC)} (truth)"
        else:
            diff = max(abs(a - b) for a, b in zip(post["theta_mean"], port["theta_mean"]))
            err = f"max difference {diff:.4f}"
            agrees = f"{sb_support == np_support} ({len(sb_support)} / {len(np_support)} terms)"
        print(
            f"| {label} | {best_sb:.3f} | {post['iterations']} | {best_np:.3f} | {port['iterations']} "
            f"| {best_np / best_sb:.1f}× | {err} | {agrees} |"
        )


if __name__ == "__main__":
    main()
