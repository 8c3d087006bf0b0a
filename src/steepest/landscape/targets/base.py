"""The target interface and what the model targets share: data checks and arrays from any
library."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np

from ..._validate import first_nonfinite
from ...errors import SteepestError
from ..params import ParamSpec, vector_hash

Prepared = Callable[[np.ndarray], dict[str, np.ndarray]]


class Target(ABC):
    """Points of parameter space → metric values. Subclasses set ``theta`` (float64, flat),
    ``spec`` and ``metrics`` (names of the values returned, "loss" first)."""

    theta: np.ndarray
    spec: ParamSpec
    metrics: tuple[str, ...] = ("loss",)

    @abstractmethod
    def prepare(self, basis: np.ndarray) -> Prepared:
        """Precompute what depends only on the basis (m, n); return ``evaluate(C) -> {metric:
        (p,)}`` for coefficient rows C (p, m)."""

    def fingerprint(self) -> str:
        """Identifies the model, data and loss (for checkpoints)."""
        return vector_hash(self.theta)

    def describe(self) -> dict[str, Any]:
        """The run's settings in words, saved beside a checkpoint's key so that a checkpoint of
        another run can say which setting differs (values: numbers, strings, lists)."""
        return {"parameters": int(self.theta.size)}

    def evaluate(self, thetas: np.ndarray) -> dict[str, np.ndarray]:
        """Metric values at parameter vectors (T, n) (e.g. a training trajectory)."""
        thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        self.spec.check(thetas, "thetas")
        return self.prepare(thetas)(np.eye(len(thetas)))


def _check_data(X: Any, y: Any, matrix: bool = True) -> tuple[np.ndarray, np.ndarray]:
    if X is None or y is None:
        raise ValueError("a model's landscape needs data: pass X and y")
    X, y = _numpy(X), _numpy(y)
    if (matrix and X.ndim != 2) or X.ndim == 0:
        raise ValueError(f"X must have shape (n_samples, n_features), got {X.shape}")
    if len(X) == 0:
        raise ValueError("the data set is empty (X has 0 samples): a loss needs at least one")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    for name, a in (("X", X), ("y", y)):
        where = first_nonfinite(a) if a.dtype.kind == "f" else None
        if where is not None:  # one NaN makes the loss NaN at every point of the grid
            raise SteepestError(f"{name} contains {where}; impute or drop them first")
    return X, y


def _numpy(a: Any) -> np.ndarray:
    """An ndarray from an array, a steepest Tensor or a PyTorch tensor."""
    if type(a).__module__.startswith("torch"):
        return a.detach().cpu().numpy()
    return np.asarray(getattr(a, "data", a))
