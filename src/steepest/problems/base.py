"""The Problem protocol: a differentiable loss with the facts a plot or a driver needs."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autodiff import Tensor, as_tensor, hessian, hvp, no_grad, value_and_grad

#: a plotting box: one (low, high) interval per coordinate
Domain = tuple[tuple[float, float], ...]


class Problem:
    """A loss L: ℝᵈ → ℝ written with steepest ops.

    ``problem(x)`` takes a Tensor (or array) of shape ``(dim,)`` and returns a scalar Tensor, so
    autodiff works on it; it also accepts a grid of shape ``(dim, ...)`` and returns one value per
    point (see :meth:`value`). Attributes: ``name``, ``dim``, ``x0`` (a default start),
    ``minima`` (array ``(k, dim)`` of known global minimizers, possibly empty), ``domain``
    (``((lo, hi), …)`` per coordinate, for plots), ``log_levels`` (whether contour plots read
    better with logarithmic levels), ``variables`` (the coordinates' names as TeX without
    dollars, for axis labels: x_1, x_2, … by default; β_0, β_1, … for regression parameters;
    assign a tuple to rename them).

    Subclasses implement :meth:`f`; those with a closed-form gradient override
    :meth:`value_and_grad` (``steepest.minimize`` then never builds a graph).
    """

    name: str = "problem"
    dim: int = 2
    log_levels: bool = False
    domain: Domain = ((-5.0, 5.0), (-5.0, 5.0))
    #: TeX symbol of the coordinates and the index of the first one (x_1, x_2, … by default)
    symbol: str = "x"
    first_index: int = 1
    #: True when ∇²L is the same everywhere (a quadratic): the divergence detector may then use
    #: the exact rule of :mod:`steepest.descent.certain`
    constant_hessian: bool = False

    def __init__(self) -> None:
        self.x0 = np.zeros(self.dim)
        self.minima = np.empty((0, self.dim))

    def f(self, x: Tensor) -> Tensor:
        """The loss, written with steepest ops on ``x`` of shape ``(dim, ...)``."""
        raise NotImplementedError

    def __call__(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim == 0 or x.shape[0] != self.dim:
            raise ValueError(f"{self.name}: expected x of shape ({self.dim},) (or a grid "
                             f"({self.dim}, ...)), got shape {x.shape}")
        return self.f(x)

    def value(self, x: Any) -> Any:
        """L at ``x`` without recording a graph: a float for one point, an array of shape
        ``(...)`` for a grid ``(dim, ...)`` (e.g. ``np.stack(np.meshgrid(xs, ys))``)."""
        with no_grad():
            out = self(x).data
        return float(out) if out.ndim == 0 else out

    def value_and_grad(self, x: Any) -> tuple[float, np.ndarray]:
        """``(L(x), ∇L(x))`` at one point (autodiff unless a closed form is known)."""
        return value_and_grad(self)(np.asarray(x, dtype=float))

    # ---- a stack of points at once (steepest.stability_map) --------------------------------
    def value_and_grad_batch(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(L(xᵢ), ∇L(xᵢ))`` for a stack ``X`` of N points, shape (N, dim): values (N,) and
        gradients (N, dim). One autodiff pass over the grid (dim, N): the points do not interact,
        so the gradient of Σᵢ L(xᵢ) holds each point's own gradient."""
        X = np.asarray(X, dtype=float)
        values: list[np.ndarray] = []

        def total(t: Tensor) -> Tensor:
            out = self(t)
            values.append(out.data)
            return out.sum()
        _, g = value_and_grad(total)(X.T)
        return np.asarray(values[0], dtype=float).reshape(len(X)), np.asarray(g).T

    def grad(self, x: Any) -> np.ndarray:
        """∇L(x)."""
        return self.value_and_grad(x)[1]

    def hessian(self, x: Any) -> np.ndarray:
        """∇²L(x), exact (one Hessian-vector product per column)."""
        return hessian(self)(np.asarray(x, dtype=float))

    def hvp(self, x: Any, v: Any) -> np.ndarray:
        """The exact Hessian-vector product ∇²L(x)·v."""
        return hvp(self, np.asarray(x, dtype=float), np.asarray(v, dtype=float))

    @property
    def variables(self) -> tuple[str, ...]:
        """The coordinates' names as TeX math without dollars (``("x_1", "x_2")``, ``("x",)`` in
        one dimension, ``("\\beta_0", "\\beta_1")`` for least squares); plots label their axes
        with them. Assign a tuple of ``dim`` names to rename them."""
        custom = self.__dict__.get("_variables")
        if custom is not None:
            return custom
        if self.dim == 1:
            return (self.symbol,)
        start = self.first_index
        return tuple(f"{self.symbol}_{i}" if i < 10 else f"{self.symbol}_{{{i}}}"
                     for i in range(start, start + self.dim))

    @variables.setter
    def variables(self, names: Any) -> None:
        names = tuple(str(n) for n in names)
        if len(names) != self.dim:
            raise ValueError(f"{self.name}: variables needs {self.dim} names (one per "
                             f"coordinate), got {len(names)}")
        self.__dict__["_variables"] = names

    @property
    def min_value(self) -> float | None:
        """L at the known minimum (None when no minimum is known)."""
        return self.value(self.minima[0]) if len(self.minima) else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


__all__ = ["Domain", "Problem"]
