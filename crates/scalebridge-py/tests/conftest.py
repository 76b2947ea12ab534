"""Shared fixtures: small walker data sets and the CLI binary for the equivalence tests."""

import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest

import scalebridge as sb

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _cli():
    env = os.environ.get("SCALEBRIDGE_BIN")
    if env:
        return env
    for profile in ("release", "debug"):
        p = ROOT / "target" / profile / "scalebridge"
        if p.exists():
            return str(p)
    return shutil.which("scalebridge")


@pytest.fixture(scope="session")
def cli():
    """Runs the `scalebridge` binary; skips when none is built (CI sets SCALEBRIDGE_BIN)."""
    exe = _cli()
    if exe is None:
        pytest.skip("no scalebridge binary (set SCALEBRIDGE_BIN or cargo build)")

    def run(*args):
        r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    return run


SMALL = dict(nf=480, nc=12)


@pytest.fixture(scope="session")
def experiments():
    """32 controlled experiments of the advection–diffusion walkers (12 bins, 480 walkers)."""
    return sb.simulate("advdiff", 32, seed=3, **SMALL)


@pytest.fixture(scope="session")
def model(experiments):
    e = experiments
    return sb.learn(e["X0"], e["counts"], M=2, seed=1, domain=tuple(e["domain"]))
