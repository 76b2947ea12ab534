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


def test_exact_weights_match_the_cli(tmp_path, cli):
    sampler = sb.ising.fit_sampler(8, 0.4406868, n_train=300, seed=2)
    assert (sampler.L, sampler.K, sampler.chi) == (8, 0.4406868, 4)
    cli("ising", "fit-sampler", "--L", 8, "--K", 0.4406868, "--n-train", 300, "--seed", 2, "--out", tmp_path / "s", "--quiet")
    on_disk = json.loads((tmp_path / "s" / "sampler.json").read_text())
    fitted = sampler.to_dict()
    assert fitted["seam"] == on_disk["seam"] and fitted["L"] == on_disk["L"]

    run = sb.ising.nis(sampler, 64, seed=3, store=True)
    cli("ising", "nis", "--sampler", tmp_path / "s", "--n", 64, "--seed", 3, "--store", "--out", tmp_path / "n", "--quiet")
    est = json.loads((tmp_path / "n" / "nis.json").read_text())
    for key, value in est.items():
        if key != "seconds":
            assert run[key] == value, key
    arrays = np.load(tmp_path / "n" / "samples.npz")
    for name in ["log_q", "log_w", "e", "m"]:
        assert np.array_equal(arrays[name], run[name]), name
    assert np.array_equal(np.load(tmp_path / "n" / "configs.npy"), run["configs"])
    # ln q of the stored configurations is the generator's own
    assert np.array_equal(sampler.log_q(run["configs"]), run["log_q"])
    # a saved sampler reads back and samples the same bits
    sampler.save(tmp_path / "saved")
    again = sb.ising.nis(sb.ising.load_sampler(tmp_path / "saved"), 64, seed=3)
    assert np.array_equal(again["log_w"], run["log_w"])


def test_exact_weights_bad_input():
    with pytest.raises(ValueError, match="K"):
        sb.ising.fit_sampler(8, 0.0)
    with pytest.raises(ValueError, match="L"):
        sb.ising.fit_sampler(7, 0.44)
    with pytest.raises(ValueError, match="data"):
        sb.ising.fit_sampler(8, 0.44, data=np.ones((40, 12, 12), np.int8))
    sampler = sb.ising.fit_sampler(8, 0.44, n_train=64)
    with pytest.raises(ValueError, match="n"):
        sb.ising.nis(sampler, 0)
    with pytest.raises(ValueError, match="configs"):
        sampler.log_q(np.ones((2, 8, 8), np.float64))
    with pytest.raises(OSError):
        sb.ising.load_sampler("/nonexistent/sampler")
