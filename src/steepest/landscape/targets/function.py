"""Any function f(θ) → loss as a target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..params import ParamSpec
from .base import Callable, Prepared, Target


class FunctionTarget(Target):
    """Any ``f(theta) -> float`` (the loss) around θ. ``shapes`` (a list of parameter shapes,
    packed in order) lets filter normalization see layers; without it θ is one flat vector."""

    def __init__(self, f: Callable[[np.ndarray], float], theta: Any, *,
                 shapes: Sequence[tuple[int, ...]] | None = None,
                 names: Sequence[str] | None = None) -> None:
        if not callable(f):
            raise TypeError(f"f must be callable, got {type(f).__name__}")
        self.f = f
        self.theta = np.asarray(theta, dtype=np.float64).reshape(-1)
        if self.theta.size == 0:
            raise ValueError("theta is empty")
        if shapes is None:
            self.spec = ParamSpec.flat(self.theta.size)
        else:
            shapes = tuple(tuple(int(d) for d in s) for s in shapes)
            self.spec = ParamSpec(tuple(names or (f"p{i}" for i in range(len(shapes)))), shapes)
            self.spec.check(self.theta, "theta")

    def prepare(self, basis: np.ndarray) -> Prepared:
        def evaluate(C: np.ndarray) -> dict[str, np.ndarray]:
            return {"loss": np.array([_scalar(self.f(c @ basis)) for c in C])}
        return evaluate


def _scalar(out: Any) -> float:
    """A float from what a loss function returns (a number, a 0-d array, a steepest Tensor)."""
    value = np.asarray(getattr(out, "data", out), dtype=np.float64)
    if value.size != 1:
        raise ValueError(f"the function must return one number, got shape {value.shape}")
    return float(value.reshape(()))
