"""Type stubs of scalebridge.ising."""

from typing import Any, Dict, List, Optional, Tuple, Union, final
import os

import numpy as np
import numpy.typing as npt

__all__ = ["K_C", "Lift", "dream", "exact", "fit_lift", "mcrg", "sample"]

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
