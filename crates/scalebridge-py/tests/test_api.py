"""The Python API's contract: shapes, dtypes, bit-identity with the CLI, errors, the GIL."""

import json
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import scalebridge as sb
from conftest import SMALL


def test_import_and_version():
    assert isinstance(sb.__version__, str) and sb.__version__.count(".") == 2
    assert callable(sb.ising.dream)


def test_simulate_shapes_and_dtypes(experiments):
    e = experiments
    assert e["X0"].dtype == np.float64 and e["X0"].shape == (32, 12)
    assert e["counts"].dtype == np.int64 and e["counts"].shape == (32, 12)
    assert e["positions0"].shape == (32, 480) and e["positions"].shape == (32, 480)
    assert (e["counts"].sum(axis=1) == 480).all()
    assert e["domain"].shape == (2,) and e["dt"] > 0
    # the returned arrays own their memory (moved from Rust, not views of a temporary)
    assert e["counts"].flags["OWNDATA"] or e["counts"].base is not None
    again = sb.simulate("advdiff", 32, seed=3, **SMALL)
    assert all(np.array_equal(e[k], again[k]) for k in ("X0", "counts", "positions"))


def test_simulate_trajectories():
    t = sb.simulate("advdiff", 4, seed=2, trajectory=5, **SMALL)
    assert t["counts"].shape == (4, 6, 12) and t["positions"].shape == (4, 6, 480)
    assert t["t"].shape == (6,) and "X0" in t
    start = np.linspace(-0.4, 0.4, 480)
    r = sb.simulate("advdiff", 3, seed=2, trajectory=4, initial=start, **SMALL)
    assert "X0" not in r and np.array_equal(r["positions"][:, 0, :], np.tile(start, (3, 1)))


def test_learn_is_bit_identical_to_the_cli(tmp_path, cli, experiments, model):
    e = experiments
    np.savez(tmp_path / "e.npz", X0=e["X0"], counts=e["counts"], domain=e["domain"])
    cli("learn", "--data", tmp_path / "e.npz", "--range", 2, "--seed", 1, "--out", tmp_path / "m", "--quiet")
    post = json.loads((tmp_path / "m" / "posterior.json").read_text())
    assert post["theta_mean"] == model.theta_mean.tolist()
    assert post["theta_std_marginal"] == model.theta_std.tolist()
    assert post["elbo"] == model.elbo and post["names"] == model.names
    assert post["data_fingerprint"] == model.data_fingerprint


def test_model_attributes_and_repr(model):
    L = len(model.names)
    assert model.theta_mean.shape == (L,) and model.theta_std.shape == (L,)
    assert model.active.dtype == np.bool_ and model.theta_cov.shape == (L, L)
    assert np.allclose(np.sqrt(np.diag(model.theta_cov)), model.theta_std)
    assert model.noise_var.shape == (1,) and model.converged
    assert repr(model) == model.equation() and "ELBO" in repr(model)
    assert model.latent["mean"].shape == (32, 12)


def test_predict_is_bit_identical_to_the_cli(tmp_path, cli, experiments, model):
    model.save(tmp_path / "m")
    start = experiments["positions0"][5]
    np.save(tmp_path / "x.npy", start)
    cli("predict", "--model", tmp_path / "m", "--initial", tmp_path / "x.npy", "--horizon", 6,
        "--bins", "12,24", "--samples", 200, "--seed", 9, "--out", tmp_path / "p", "--quiet")
    p = model.predict(start, horizon=6, bins=(12, 24), samples=200, seed=9)
    for b in (12, 24):
        z = np.load(tmp_path / "p" / f"density_bins{b}.npz")
        assert np.array_equal(z["mean"], p.mean[b]) and np.array_equal(z["q_hi"], p.q_hi[b])
        assert np.array_equal(z["t"], p.t)
    # the linear within-bin profile on the finer binning: the CLI's bits too, and another
    # 24-bin picture than the default uniform map (the model's 12 bins are the same at t = 0)
    cli("predict", "--model", tmp_path / "m", "--initial", tmp_path / "x.npy", "--horizon", 6,
        "--bins", "12,24", "--within", "linear", "--samples", 200, "--seed", 9,
        "--out", tmp_path / "u", "--quiet")
    u = model.predict(start, horizon=6, bins=(12, 24), within="linear", samples=200, seed=9)
    z = np.load(tmp_path / "u" / "density_bins24.npz")
    assert np.array_equal(z["mean"], u.mean[24]) and np.array_equal(z["q_lo"], u.q_lo[24])
    assert not np.array_equal(u.mean[24], p.mean[24])
    assert np.array_equal(u.mean[12][0], p.mean[12][0])
    # continuing an experiment, from the model read back
    loaded = sb.load_model(tmp_path / "m")
    np.savez(tmp_path / "e.npz", X0=experiments["X0"], counts=experiments["counts"])
    cli("predict", "--model", tmp_path / "m", "--data", tmp_path / "e.npz", "--experiment", 3,
        "--horizon", 4, "--bins", 12, "--samples", 100, "--out", tmp_path / "q", "--quiet")
    q = loaded.predict(data=(experiments["X0"], experiments["counts"]), experiment=3,
                       horizon=4, bins=(12,), samples=100)
    assert np.array_equal(np.load(tmp_path / "q" / "density_bins12.npz")["mean"], q.mean[12])


def test_prediction_shapes_two_bin_and_coverage(experiments, model):
    start = experiments["positions0"][0]
    p = model.predict(start, horizon=4, bins=(12,), samples=100, pairs=[(2, 3)], seed=1)
    assert p.t.shape == (5,) and p.mean[12].shape == (5, 12)
    assert (p.q_lo[12] <= p.q_hi[12]).all()
    assert p.two_bin["mean"].shape == (5, 1) and p.two_bin["pairs"].tolist() == [[2, 3]]
    refs = sb.simulate("advdiff", 8, seed=4, trajectory=4, initial=start, **SMALL)
    cov = p.coverage(refs["positions"])
    assert set(cov) == {12} and 0.0 <= cov[12]["coverage_total"] <= 1.0
    assert len(cov[12]["coverage"]) == 5


def test_a_start_outside_the_training_states_warns(model):
    """A box (every walker in 3 of 12 bins) lies outside the states the model was learned on:
    a UserWarning names it; a uniform start gets none."""
    r = model.training_states
    assert set(r) >= {"density", "max_jump", "max_empty"} and r["max_empty"] < 3
    box = np.linspace(-0.2, 0.2, 480, endpoint=False)
    with pytest.warns(UserWarning, match="lies outside the coarse states .* empty bins"):
        model.predict(box, horizon=2, bins=(12,), samples=20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(np.linspace(-1, 1, 480, endpoint=False), horizon=2, bins=(12,), samples=20)


def test_trajectories_learn_and_continue():
    t = sb.simulate("advdiff", 6, seed=5, trajectory=4, **SMALL)
    m = sb.learn(counts=t["counts"], M=1, order=1, domain=tuple(t["domain"]), max_iter=60)
    assert m.latent["mean"].shape == (6, 5, 12)
    p = m.predict(data=t["counts"], experiment=2, horizon=3, bins=(12,), samples=50)
    assert p.mean[12].shape == (4, 12)


def test_kernel_hop_range_widens_unless_given():
    """64 advection–diffusion experiments on 48 bins move 18% of the mass two bins or more to
    the right: a kernel fit with ``hop`` left open widens to 3; ``hop=2`` is kept."""
    d = sb.simulate("advdiff", 64, seed=3, nc=48)
    m = sb.learn(d["X0"], d["counts"], law="kernel", domain=d["domain"], modes=1)
    hops = [t["hop"] for t in m.hop_search]
    assert hops == [2, 3] and "B = 3" in m.law, m.hop_search
    assert max(m.hop_search[0]["edge_share"]) > 0.05 >= max(m.hop_search[1]["edge_share"])
    fixed = sb.learn(d["X0"], d["counts"], law="kernel", domain=d["domain"], modes=1, hop=2)
    assert fixed.hop_search is None and "B = 2" in fixed.law


def test_draws_for_arviz(model):
    d = model.draws(4000, seed=2)
    L = len(model.names)
    assert d["posterior"]["theta"].shape == (1, 4000, L)
    assert d["coords"]["feature"] == model.names and d["dims"]["theta"] == ["feature"]
    m = d["posterior"]["theta"][0].mean(axis=0)
    # 5 standard errors of a mean of 4000 draws
    assert (np.abs(m - model.theta_mean) < 5 * model.theta_std / np.sqrt(4000)).all()
    assert np.array_equal(model.draws(10, seed=2)["posterior"]["theta"][0], d["posterior"]["theta"][0, :10])


def test_compare(experiments, model):
    e = experiments
    dom = tuple(e["domain"])
    m1 = sb.learn(e["X0"], e["counts"], M=1, order=1, seed=1, domain=dom)
    rows = sb.compare([model, m1], labels=["M2", "M1"])
    assert [r["model"] for r in rows] == ["M2", "M1"]
    assert sum(r["best"] for r in rows) == 1
    assert max(r["elbo_active"] for r in rows) == [r["elbo_active"] for r in rows if r["best"]][0]
    assert [r["elbo_active"] for r in rows] == [model.elbo_active, m1.elbo_active]
    # the active law's ELBO differs from the full one by the pruned candidates' terms alone
    for r in rows:
        assert r["elbo_active"] > r["elbo"] or r["active"] == r["terms"]
    other = sb.simulate("advdiff", 32, seed=4, **SMALL)
    m3 = sb.learn(other["X0"], other["counts"], M=1, order=1, domain=dom)
    with pytest.raises(ValueError, match="different data"):
        sb.compare([model, m3])


def test_gil_is_released_while_learning(experiments):
    e = experiments
    serial = sb.learn(e["X0"], e["counts"], M=2, seed=1).theta_mean
    results = [None, None]

    def work(i):
        results[i] = sb.learn(e["X0"], e["counts"], M=2, seed=1).theta_mean

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    # the main thread runs Python while both fits run: it could not if they held the GIL
    ticks = 0
    while any(t.is_alive() for t in threads):
        ticks += 1
    for t in threads:
        t.join()
    assert all(np.array_equal(r, serial) for r in results)
    assert ticks > 1000, f"main thread ran {ticks} loop iterations during two fits"


def test_progress_bars_do_not_change_the_result(capsys, experiments, model):
    pytest.importorskip("tqdm")
    e = experiments
    m = sb.learn(e["X0"], e["counts"], M=2, seed=1, domain=tuple(e["domain"]), progress=True)
    assert np.array_equal(m.theta_mean, model.theta_mean)
    p1 = model.predict(e["positions0"][0], horizon=3, bins=(12,), samples=50, progress=True)
    p0 = model.predict(e["positions0"][0], horizon=3, bins=(12,), samples=50)
    assert np.array_equal(p1.mean[12], p0.mean[12])
    err = capsys.readouterr().err
    assert "learning" in err and "samples" in err


def test_progress_bars_from_many_threads_do_not_deadlock():
    """simulate and predict update the bar from rayon's workers; a subprocess with a timeout,
    so that a deadlock fails the test instead of hanging the suite."""
    pytest.importorskip("tqdm")
    code = (
        "import scalebridge as sb\n"
        "d = sb.simulate('advdiff', 64, seed=1, nf=480, nc=12, progress=True)\n"
        "m = sb.learn(d['X0'], d['counts'], law='kernel', domain=d['domain'], progress=True)\n"
        "p = m.predict(d['positions0'][0], horizon=10, bins=(12,), samples=2000, progress=True)\n"
        "c, _ = sb.ising.sample(16, 0.44, 200, progress=True)\n"
        "print('done', p.mean[12].shape)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "done (11, 12)" in r.stdout, r.stderr[-2000:]
