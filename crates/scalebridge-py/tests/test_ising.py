"""scalebridge.ising against the CLI and exact results."""

import json

import numpy as np
import pytest

import scalebridge as sb


def test_exact_matches_the_cli(cli):
    x = sb.ising.exact(64, 0.4406868)
    assert x == json.loads(cli("ising", "exact", "--L", 64, "--K", 0.4406868))


def test_sample_fit_dream_mcrg_match_the_cli(tmp_path, cli):
    configs, obs = sb.ising.sample(16, 0.4406868, 40, seed=3)
    assert configs.dtype == np.int8 and configs.shape == (40, 16, 16)
    assert set(np.unique(configs)) <= {-1, 1} and "energy" in obs
    cli("ising", "sample", "--L", 16, "--K", 0.4406868, "--n", 40, "--seed", 3, "--out", tmp_path / "s", "--quiet")
    assert np.array_equal(np.load(tmp_path / "s" / "configs.npy"), configs)

    lift = sb.ising.fit_lift(configs, 3, K=0.4406868)
    assert lift.kernel == 3 and lift.theta.shape == (3,) and lift.K == 0.4406868
    cli("ising", "fit-lift", "--data", tmp_path / "s" / "configs.npy", "--kernel", 3, "--out", tmp_path / "l")
    assert json.loads((tmp_path / "l" / "lift.json").read_text())["theta"] == lift.theta.tolist()

    dreamed = sb.ising.dream(lift, 4, 6, seed=5)
    assert dreamed.shape == (6, 16, 16) and dreamed.dtype == np.int8
    cli("ising", "dream", "--lift", tmp_path / "l", "--levels", 4, "--n", 6, "--seed", 5, "--out", tmp_path / "d", "--quiet")
    assert np.array_equal(np.load(tmp_path / "d" / "configs.npy"), dreamed)
    # from given starts
    grown = sb.ising.dream(lift, 1, 3, seed=1, start=configs[:3, :8, :8])
    assert grown.shape == (3, 16, 16)

    steps = sb.ising.mcrg(np.concatenate([configs, -configs]), 1)
    assert len(steps) == 1 and "lambda_t" in steps[0]
    with pytest.raises(ValueError, match="configurations"):
        sb.ising.mcrg(configs, 1)
