"""Bad input raises ValueError naming the argument; nothing panics or aborts."""

import numpy as np
import pytest

import scalebridge as sb


@pytest.fixture(scope="module")
def data():
    return sb.simulate("advdiff", 8, seed=1, nf=240, nc=12)


def test_wrong_dtype(data):
    with pytest.raises(ValueError, match="X0.*dtype int64"):
        sb.learn(data["X0"].astype(np.int64), data["counts"])
    with pytest.raises(ValueError, match="counts.*dtype bool"):
        sb.learn(data["X0"], data["counts"] > 3)
    with pytest.raises(ValueError, match="counts.*not a count"):
        sb.learn(data["X0"], data["counts"] + 0.5)


def test_ragged_and_wrong_shapes(data):
    with pytest.raises(ValueError, match="X0"):
        sb.learn([[0.1, 0.2, 0.3], [0.1, 0.2]], data["counts"])
    with pytest.raises(ValueError, match="counts.*shape"):
        sb.learn(data["X0"], data["counts"][:5])
    with pytest.raises(ValueError, match="counts.*expected"):
        sb.learn(data["X0"], data["counts"].ravel())


def test_nan_and_negative(data):
    x = data["X0"].copy()
    x[2, 3] = np.nan
    with pytest.raises(ValueError, match=r"X0.*non-finite value NaN at \[2, 3\]"):
        sb.learn(x, data["counts"])
    c = data["counts"].copy()
    c[1, 1] = -1
    with pytest.raises(ValueError, match="counts.*negative"):
        sb.learn(data["X0"], c)


def test_m_too_large_and_bad_law(data):
    with pytest.raises(ValueError, match="`M`"):
        sb.learn(data["X0"], data["counts"], M=9)
    with pytest.raises(ValueError, match="law"):
        sb.learn(data["X0"], data["counts"], law="spline")
    with pytest.raises(ValueError, match="wiggle"):
        sb.learn(data["X0"], data["counts"], wiggle=3)


def test_simulate_errors():
    with pytest.raises(ValueError, match="n"):
        sb.simulate("advdiff", 0)
    with pytest.raises(ValueError, match="unknown field"):
        sb.simulate("advdiff", 4, colour=3)
    with pytest.raises(ValueError, match="system"):
        sb.simulate("lattice-gas", 4)


def test_predict_errors(data):
    m = sb.learn(data["X0"], data["counts"], M=1, order=1, max_iter=50, domain=(-1.0, 1.0))
    with pytest.raises(ValueError, match="initial"):
        m.predict(horizon=3)
    with pytest.raises(ValueError, match="domain"):
        sb.learn(data["X0"], data["counts"], M=1, order=1, max_iter=50).predict(
            data["positions0"][0], horizon=3
        )
    with pytest.raises(ValueError, match="horizon"):
        m.predict(data["positions0"][0], horizon=0)
    with pytest.raises(ValueError, match="within"):
        m.predict(data["positions0"][0], horizon=3, within="cubic")
    with pytest.raises(ValueError, match="initial"):
        m.predict(np.array([0.0, 7.0]), horizon=3)
    with pytest.raises(ValueError, match="experiment"):
        m.predict(data=(data["X0"], data["counts"]), experiment=99, horizon=2)


def test_ising_errors():
    with pytest.raises(ValueError, match="K"):
        sb.ising.exact(8, 0.0)
    with pytest.raises(ValueError, match="K"):
        sb.ising.sample(8, -1.0, 4)
    with pytest.raises(ValueError, match="L"):
        sb.ising.sample(7, 0.4, 4)
    with pytest.raises(ValueError, match="configs.*±1"):
        sb.ising.fit_lift(np.zeros((2, 8, 8), dtype=np.int8), K=0.44)
    with pytest.raises(ValueError, match="configs.*dtype float64"):
        sb.ising.fit_lift(np.ones((2, 8, 8)), K=0.44)
    with pytest.raises(ValueError, match="n"):
        sb.ising.sample(8, 0.4, 10**12)
