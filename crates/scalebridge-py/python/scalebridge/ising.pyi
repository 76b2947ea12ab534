"""Type stubs of scalebridge.ising."""

from typing import Any, Dict, List, Optional, Tuple, Union, final
import os

import numpy as np
import numpy.typing as npt

__all__ = [
    "K_C",
    "Lift",
    "Sampler",
    "dream",
    "exact",
    "fit_lift",
    "fit_sampler",
    "load_sampler",
    "mcrg",
    "nis",
    "sample",
]

K_C: float

def exact(L: int, K: float) -> Dict[str, float]:
    """Kaufman's exact per-site quantities of the periodic L × L lattice at coupling K."""

def sample(
    L: int,
    K: float,
    n: int,
    seed: int = 0,
    algo: str = "wolff",
    every: int = 1,
    thermalise: Optional[int] = None,
    progress: bool = False,
) -> Tuple[npt.NDArray[np.int8], Dict[str, Any]]:
    """Monte Carlo configurations int8 (n, L, L) and their observables with jackknife errors."""

@final
class Lift:
    """The local coarse-to-fine rule p(s | S) (SPEC B.2)."""

    @property
    def kernel(self) -> int: ...
    @property
    def theta(self) -> npt.NDArray[np.float64]: ...
    @property
    def std_error(self) -> npt.NDArray[np.float64]: ...
    @property
    def K(self) -> float: ...
    @property
    def L(self) -> int: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def save(self, dir: Union[str, "os.PathLike[str]"]) -> None: ...

def fit_lift(configs: npt.ArrayLike, kernel: int = 3, *, K: float, seed: int = 0) -> Lift:
    """Fits the rule of side ``kernel`` to configurations sampled at coupling ``K``."""

def dream(
    lift: Lift,
    levels: int,
    n: int,
    seed: int = 0,
    start: Optional[npt.ArrayLike] = None,
    progress: bool = False,
) -> npt.NDArray[np.int8]:
    """n lattices of side L0·2^levels, int8 (n, L, L)."""

def mcrg(configs: npt.ArrayLike, steps: int, seed: int = 0) -> List[Dict[str, Any]]:
    """MCRG eigenvalues λ_t, λ_h per blocking step."""

@final
class Sampler:
    """The exact-weight generator (SPEC B.4): seam model + boundary MPS, ln q exact."""

    @property
    def L(self) -> int: ...
    @property
    def K(self) -> float: ...
    @property
    def chi(self) -> int: ...
    def log_q(self, configs: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def save(self, dir: Union[str, "os.PathLike[str]"]) -> None: ...

def fit_sampler(
    L: int,
    K: float,
    *,
    data: Optional[npt.ArrayLike] = None,
    n_train: int = 8000,
    copies: int = 8,
    chi: int = 4,
    seed: int = 0,
    progress: bool = False,
) -> Sampler:
    """Fits the generator for side L at coupling K (on ``data`` or its own Wolff run)."""

def load_sampler(path: Union[str, "os.PathLike[str]"]) -> Sampler:
    """Reads a sampler saved by ``Sampler.save`` or ``scalebridge ising fit-sampler``."""

def nis(
    sampler: Sampler,
    n: int,
    *,
    seed: int = 0,
    store: bool = False,
    progress: bool = False,
) -> Dict[str, Any]:
    """Importance sampling: nis.json's estimates and the per-sample arrays (+ configs)."""
