"""The type stubs (`*.pyi`) agree with the extension at runtime (mypy's stubtest)."""

import pathlib
import subprocess
import sys

import pytest


def test_stubs_match_the_runtime():
    pytest.importorskip("mypy")
    r = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "scalebridge"],
        capture_output=True,
        text=True,
        cwd=pathlib.Path(__file__).parent,
    )
    assert r.returncode == 0, r.stdout + r.stderr
