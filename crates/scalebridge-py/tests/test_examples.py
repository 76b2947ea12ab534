"""The Python examples run as a user runs them (examples/python/)."""

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python"


@pytest.mark.parametrize("name", ["quickstart.py", "ising.py"])
def test_example_runs(name, tmp_path):
    r = subprocess.run([sys.executable, str(EXAMPLES / name)], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "coverage" in r.stdout or "dreamed" in r.stdout
