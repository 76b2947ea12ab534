#!/usr/bin/env bash
# Builds the Python package into a fresh virtual environment and runs its pytest suite.
#   bash crates/scalebridge-py/run-tests.sh            (from the repository root)
# SCALEBRIDGE_BIN: the CLI binary the equivalence tests compare with (default: target/debug or
# target/release, built by cargo test / cargo build).
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${SCALEBRIDGE_VENV:-target/py-venv}"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "./crates/scalebridge-py[test]"
"$venv/bin/python" -m pytest -q crates/scalebridge-py/tests "$@"
