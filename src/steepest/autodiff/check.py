"""Numerical gradients by central differences and the gradient check built on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .functional import grad
from .tensor import Tensor, _as_array


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when analytic and numerical gradients disagree."""


def _scalar(f: Callable[..., Any], args: list[Any]) -> float:
    out = f(*[Tensor(a) for a in args])
    value = out.data if isinstance(out, Tensor) else np.asarray(out)
    return float(np.sum(value))


def numerical_grad(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6) -> list[np.ndarray]:
    """∂f/∂input for each input by central differences (f(x+h) − f(x−h)) / 2h, in float64.

    A non-scalar output is summed first (the same convention as :func:`gradcheck`).
    """
    args = [np.array(_as_array(x), dtype=np.float64) for x in inputs]
    grads = []
    for arr in args:
        g = np.zeros_like(arr)
        flat, gflat = arr.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            hi = _scalar(f, args)
            flat[i] = orig - eps
            lo = _scalar(f, args)
            flat[i] = orig
            gflat[i] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


def gradcheck(f: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3) -> bool:
    """Compare backpropagation with central differences (float64) for every input element.

    Returns True, or raises :class:`GradcheckError` naming the input, the index and both values.
    A non-scalar output is summed, which checks the vector-Jacobian product with a ones vector.
    """
    args = [np.array(_as_array(x), dtype=np.float64) for x in inputs]

    def summed(*xs: Tensor) -> Tensor:
        out = f(*xs)
        return out.sum() if isinstance(out, Tensor) else out

    analytic = grad(summed, argnums=tuple(range(len(args))))(*args)
    numeric = numerical_grad(f, *args, eps=eps)
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        bad = ~np.isclose(a, n, atol=atol, rtol=rtol)
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradcheck: input {k} (shape {args[k].shape}) at index {idx}: analytic "
                f"{float(a[idx]):.8g} vs numerical {float(n[idx]):.8g} "
                f"({int(bad.sum())} of {bad.size} elements differ beyond atol={atol}, rtol={rtol})")
    return True
