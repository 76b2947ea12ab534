"""A vectorised NumPy port of the paper's Algorithm 1 (SPEC A.6), the yardstick of issue 11.

    python3 algorithm1.py experiments.npz M [--steps K] [--pairs S] [--tol REL] [--max-iter I]

Same model as scalebridge's polynomial law (centred features of order 1 and 2, unordered
pairs, shared noise precision, ARD priors 1e-10): each iteration runs K ADAM steps on every
q(X_i) at once (reparameterised Monte Carlo gradients with S antithetic pairs, the SPEC's
gradients, a learning rate decaying from lr to lr/10 within the iteration, the iterate averaged
over the second half), then the closed-form updates of q(theta), q(tau), q(v) (the Gram matrix
of the design computed once), then a Monte Carlo estimate of the ELBO with every constant
(fixed draws, so that its changes are not noise). Stops when the relative change of the ELBO
is below `tol` on two iterations in a row. Prints the time, the iterations, the ELBO and the
coefficients as JSON. One core (OMP/OPENBLAS threads are left to the caller).
"""

import argparse
import json
import math
import time

import numpy as np


def gammaln(x):
    return np.vectorize(math.lgamma)(x) if np.ndim(x) else math.lgamma(x)


def digamma(x):
    """psi(x) by recurrence to x >= 6 and the asymptotic series."""
    x = np.asarray(x, dtype=float)
    acc = np.zeros_like(x)
    while np.any(x < 6):
        low = x < 6
        acc = acc - np.where(low, 1.0 / np.where(low, x, 1.0), 0.0)
        x = np.where(low, x + 1, x)
    r = 1.0 / (x * x)
    return acc + np.log(x) - 0.5 / x - r * (1 / 12 - r * (1 / 120 - r * (1 / 252 - r / 240)))


def features(x0, m_range):
    """Centred design (N, nc, L) and the names, in scalebridge's order."""
    shifted = {m: np.roll(x0, -m, axis=1) for m in range(-m_range, m_range + 1)}
    cols, names = [], []
    for m in range(-m_range, m_range + 1):
        cols.append(shifted[m])
        names.append(f"X(j{m:+d})" if m else "X(j)")
    for a in range(-m_range, m_range + 1):
        for b in range(a, m_range + 1):
            cols.append(shifted[a] * shifted[b])
            names.append(f"{a},{b}")
    phi = np.stack(cols, axis=2)
    phi -= phi.mean(axis=1, keepdims=True)
    return phi, names


def logsumexp(x, axis=-1):
    top = x.max(axis=axis, keepdims=True)
    return (top + np.log(np.exp(x - top).sum(axis=axis, keepdims=True))).squeeze(axis)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def gamma_entropy(a, b):
    return a - np.log(b) + gammaln(a) + (1 - a) * digamma(a)


def gamma_elogp(a0, b0, a, b):
    return a0 * math.log(b0) - gammaln(a0) + (a0 - 1) * (digamma(a) - np.log(b)) - b0 * a / b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("M", type=int)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--max-iter", type=int, default=2000)
    ap.add_argument("--elbo-draws", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    z = np.load(args.data)
    x0 = np.asarray(z["X0"], dtype=float)
    counts = np.asarray(z["counts"], dtype=float)
    n, nc = counts.shape
    nf = counts[0].sum()
    phi, names = features(x0, args.M)
    L = phi.shape[2]
    flat = phi.reshape(n * nc, L)
    gram = flat.T @ flat
    a0 = b0 = g0 = z0 = 1e-10
    # initial q(X), q(tau), q(v)
    mu = np.log(counts + 0.5)
    mu -= mu.mean(axis=1, keepdims=True)
    rho0 = (counts + 0.5) / (nf + 0.5 * nc)
    omega = -0.5 * np.log(nf * rho0 * (1 - rho0) + 1)
    tau = np.full(L, 1e-2)
    gamma_v = g0 + 0.5 * n * nc
    v = 1.0
    theta = np.zeros(L)
    cov = np.zeros((L, L))
    elbo_eps = rng.standard_normal((args.elbo_draws, n, nc))
    trace = []
    quiet = 0
    # the likelihood's constant: positions (walkers uniform in their bin) when the file has a
    # domain, as scalebridge does, else the multinomial of the counts
    if "domain" in z.files:
        dom = np.asarray(z["domain"], dtype=float)
        const = np.full(n, -nf * math.log((dom[1] - dom[0]) / nc))
    else:
        const = gammaln(nf + 1) - gammaln(counts + 1).sum(axis=1)
    for it in range(1, args.max_iter + 1):
        a = phi @ theta
        # q(X_i): ADAM on (mu, ln s), all experiments at once
        m1 = np.zeros((2, n, nc))
        m2 = np.zeros((2, n, nc))
        avg = np.zeros((2, n, nc))
        half = 0
        for t in range(1, args.steps + 1):
            s = np.exp(omega)
            eps = rng.standard_normal((args.pairs, n, nc))
            xp = softmax(mu + s * eps)
            xm = softmax(mu - s * eps)
            e_rho = 0.5 * (xp + xm).mean(axis=0)
            e_rho_eps = 0.5 * ((xp - xm) * eps).mean(axis=0)
            g = np.stack(
                [
                    counts - nf * e_rho - v * (mu - a),
                    -nf * s * e_rho_eps - v * s * s + 1.0,
                ]
            )
            lr = args.lr * (1 - 0.9 * (t - 1) / args.steps)
            m1 = 0.9 * m1 + 0.1 * g
            m2 = 0.999 * m2 + 0.001 * g * g
            step = lr * (m1 / (1 - 0.9**t)) / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
            mu = mu + step[0]
            omega = omega + step[1]
            if 2 * t > args.steps:
                avg[0] += mu
                avg[1] += omega
                half += 1
        mu, omega = avg[0] / half, avg[1] / half
        s = np.exp(omega)
        # q(theta)
        prec = v * gram + np.diag(tau)
        cov = np.linalg.inv(prec)
        theta = cov @ (v * np.einsum("ijl,ij->l", phi, mu))
        # q(tau)
        alpha = a0 + 0.5
        beta = b0 + 0.5 * (theta**2 + np.diag(cov))
        tau = alpha / beta
        # q(v)
        a = phi @ theta
        sq = ((mu - a) ** 2 + s * s).sum() + np.trace(cov @ gram)
        zeta_v = z0 + 0.5 * sq
        v = gamma_v / zeta_v
        # ELBO, every constant (Monte Carlo E[ln sum exp X] with fixed draws)
        e_lse = logsumexp(mu + s * elbo_eps).mean(axis=0)
        lik = ((counts * mu).sum(axis=1) - nf * e_lse + const).sum()
        e_ln_v = digamma(gamma_v) - math.log(zeta_v)
        e_ln_tau = digamma(alpha) - np.log(beta)
        lat = n * nc * (-0.5 * math.log(2 * math.pi) + 0.5 * e_ln_v) - 0.5 * v * sq
        thp = (-0.5 * math.log(2 * math.pi) + 0.5 * e_ln_tau - 0.5 * tau * (theta**2 + np.diag(cov))).sum()
        f = (
            lik
            + lat
            + thp
            + gamma_elogp(a0, b0, alpha, beta).sum()
            + gamma_elogp(g0, z0, gamma_v, zeta_v)
            + gamma_entropy(alpha, beta).sum()
            + gamma_entropy(gamma_v, zeta_v)
            + (0.5 * math.log(2 * math.pi * math.e) + omega).sum()
            + 0.5 * L * math.log(2 * math.pi * math.e)
            + 0.5 * np.linalg.slogdet(cov)[1]
        )
        trace.append(float(f))
        if it > 1 and abs(trace[-1] - trace[-2]) < args.tol * abs(trace[-1]):
            quiet += 1
            if quiet >= 2:
                break
        else:
            quiet = 0
    std = np.sqrt(np.diag(cov))
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - t0,
                "iterations": it,
                "elbo": trace[-1],
                "noise_var": 1.0 / v,
                "names": names,
                "theta_mean": theta.tolist(),
                "theta_std": std.tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()
