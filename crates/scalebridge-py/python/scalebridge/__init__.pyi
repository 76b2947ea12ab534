"""Type stubs of scalebridge (the extension module's functions and classes)."""

import os
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union, final

import numpy as np
import numpy.typing as npt

from . import ising as ising

__version__: str

_ArrayLike = npt.ArrayLike

__all__ = ["Model", "Prediction", "__version__", "compare", "ising", "learn", "load_model", "simulate"]

def simulate(
    system: str,
    n: int,
    seed: int = 0,
    trajectory: Optional[int] = None,
    initial: Optional[_ArrayLike] = None,
    initial_coarse: Optional[_ArrayLike] = None,
    progress: bool = False,
    **params: Any,
) -> Dict[str, Any]:
    """Controlled experiments (SPEC A.5), or trajectories with ``trajectory=T``, of a walker
    system (``advdiff``, ``burgers``, ``synthetic``).

    Experiments: ``X0`` float64 (N, nc), ``positions0`` (N, nf), ``counts`` int64 (N, nc),
    ``positions`` (N, nf), ``domain`` (2,), ``dt``. Trajectories: ``t`` (T+1,), ``positions``
    (N, T+1, nf), ``counts`` (N, T+1, nc), ``domain``, ``dt`` and ``X0`` (N, nc) unless the runs
    start from ``initial`` positions or an ``initial_coarse`` state. ``params``: the system's
    parameters as in a ``simulate`` TOML file (``nf``, ``nc``, ``steps``, ``amplitude``, ...).
    """

def learn(
    X0: Optional[_ArrayLike] = None,
    counts: Optional[_ArrayLike] = None,
    M: int = 2,
    order: int = 2,
    law: str = "polynomial",
    domain: Optional[_ArrayLike] = None,
    per_bin_noise: bool = False,
    seed: int = 0,
    max_iter: int = 2000,
    tol: float = 1e-3,
    progress: bool = False,
    **law_params: Any,
) -> Model:
    """Learns the coarse law ``X_{t+Δt} = X_t + Φ(X_t)θ + noise`` (SPEC A.6–A.10) by
    variational Bayes with ARD priors, from controlled experiments ``X0`` (N, nc) float +
    ``counts`` (N, nc) integer, or from trajectories ``counts`` (N, T+1, nc) (every coarse state
    latent). ``law="kernel"`` takes ``hop``, ``modes``, ``density_features`` (without ``hop``
    the fit starts at 2 and widens the range while the outermost hops carry more than 5% of
    the moved mass); ``method`` is ``newton`` (default) or ``adam``."""

@final
class Model:
    """A learned model: posterior of the coefficients θ, of the noise, and the latent states."""

    @property
    def names(self) -> List[str]: ...
    @property
    def theta_mean(self) -> npt.NDArray[np.float64]: ...
    @property
    def theta_std(self) -> npt.NDArray[np.float64]:
        """Marginal posterior standard deviations (the latent states integrated out)."""
    @property
    def theta_cov(self) -> npt.NDArray[np.float64]: ...
    @property
    def active(self) -> npt.NDArray[np.bool_]: ...
    @property
    def noise_var(self) -> npt.NDArray[np.float64]:
        """``1/⟨v⟩``: one value, or one per bin."""
    @property
    def elbo(self) -> float: ...
    @property
    def elbo_active(self) -> float:
        """The ELBO of the active law (pruned candidate terms taken out): what ``compare`` ranks by."""
    @property
    def converged(self) -> bool: ...
    @property
    def iterations(self) -> int: ...
    @property
    def nc(self) -> int: ...
    @property
    def law(self) -> str: ...
    @property
    def data_fingerprint(self) -> str: ...
    @property
    def hop_search(self) -> Optional[List[Dict[str, Any]]]:
        """The hop ranges a kernel law's fit tried when ``hop`` was left open (``hop``,
        ``edge_share`` left/right, ``elbo_active``, ``iterations``); ``None`` otherwise."""
    @property
    def training_states(self) -> Optional[Dict[str, Any]]:
        """The range of the coarse states the model was learned on (``density`` [min, max] of
        ``nc·ρ_j``, ``max_jump``, ``max_empty``, ``unvisited`` when some bins never held a
        walker); ``predict`` warns (``UserWarning``) for a start outside it."""
    @property
    def latent(self) -> Dict[str, npt.NDArray[np.float64]]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def equation(self) -> str:
        """The law as ``scalebridge show`` prints it: one term a line, mean ± std."""
    def save(self, dir: Union[str, "os.PathLike[str]"]) -> None: ...
    def draws(self, n: int, seed: int = 0) -> Dict[str, Any]:
        """Posterior draws as ``arviz.from_dict(**d)`` takes them."""
    def predict(
        self,
        initial: Optional[_ArrayLike] = None,
        *,
        data: Union[None, _ArrayLike, Tuple[Optional[_ArrayLike], _ArrayLike]] = None,
        experiment: Optional[int] = None,
        horizon: int,
        bins: Sequence[int] = (24, 96),
        within: Literal["uniform", "linear"] = "uniform",
        samples: int = 1000,
        level: float = 0.95,
        seed: int = 0,
        pairs: Sequence[Tuple[int, int]] = (),
        domain: Optional[_ArrayLike] = None,
        progress: bool = False,
    ) -> Prediction:
        """Predictive bands (SPEC A.8) from ``initial`` walker positions, or continuing
        ``experiment`` of the training ``data``; ``within``: how walkers spread within a
        model bin on a finer binning (``"uniform"``: the paper's map; ``"linear"``: a limited
        slope from the neighbouring bins)."""

@final
class Prediction:
    """Bands: ``t`` (T+1,); ``mean``, ``q_lo``, ``q_hi``: {bins: (T+1, bins)}; ``two_bin``."""

    @property
    def t(self) -> npt.NDArray[np.float64]: ...
    @property
    def bins(self) -> List[int]: ...
    @property
    def mean(self) -> Dict[int, npt.NDArray[np.float64]]: ...
    @property
    def q_lo(self) -> Dict[int, npt.NDArray[np.float64]]: ...
    @property
    def q_hi(self) -> Dict[int, npt.NDArray[np.float64]]: ...
    @property
    def two_bin(self) -> Optional[Dict[str, npt.NDArray[Any]]]: ...
    @property
    def level(self) -> float: ...
    @property
    def nf(self) -> int: ...
    def coverage(self, reference_positions: _ArrayLike) -> Dict[int, Dict[str, Any]]:
        """Coverage of replicas (R, T+1, nf) by the density bands, per binning."""

def load_model(dir: Union[str, "os.PathLike[str]"]) -> Model: ...
def compare(models: Sequence[Model], labels: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
    """``scalebridge compare`` as a list of dicts (model, law, nc, terms, active, elbo,
    elbo_minus_best, elbo_active, elbo_active_minus_best, converged, best); ``best`` has the
    highest ``elbo_active``, the ELBO of the active law."""

