"""scalebridge: probabilistic coarse-graining on NumPy arrays.

fine → coarse: ``simulate`` walker systems, ``learn`` the coarse law (a sparse Bayesian
state-space model), ``Model.predict`` the fine-scale density with credible bands, ``compare``
laws by their evidence. coarse → fine: ``scalebridge.ising`` (exact results, Monte Carlo,
fitting the local lifting rule, dreaming lattices of any size, MCRG).

Every function calls the library the ``scalebridge`` CLI calls: the same data and seed give
the same bits. Long calls release the GIL. Bad input raises ``ValueError`` naming the argument.
"""

from ._native import (
    Model,
    Prediction,
    __version__,
    compare,
    learn,
    load_model,
    simulate,
)
from . import ising

__all__ = [
    "Model",
    "Prediction",
    "__version__",
    "compare",
    "ising",
    "learn",
    "load_model",
    "simulate",
]
