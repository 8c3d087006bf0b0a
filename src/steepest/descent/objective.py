"""The loss as the drivers see it: ``(value, gradient)`` of a NumPy vector, or of a stack of them.

``fun`` comes in three kinds, as in ``minimize``: a function written with steepest ops (the
gradient comes from autodiff), a NumPy function with ``jac=`` its gradient (``jac=True``: ``fun``
returns both), or a problem from :mod:`steepest.problems` (its closed-form gradient when it has
one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autodiff import Tensor, no_grad, tensor, value_and_grad
from ..errors import SteepestError, SteepestTypeError

#: x ↦ (L(x), ∇L(x)) for one vector
ValueGrad = Callable[[np.ndarray], tuple[Any, Any]]
#: X ↦ (L(X), ∇L(X)) for a stack of N vectors, shapes (N, d) → ((N,), (N, d))
BatchValueGrad = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def objective(fun: Any, jac: Any = None, owner: str = "minimize", replay: bool = False
              ) -> tuple[ValueGrad, Callable[[np.ndarray], Any]]:
    """``(value_and_grad, value)`` on NumPy vectors for the three kinds of ``fun``: a function of
    steepest ops (autodiff), a NumPy function with ``jac`` (or ``jac=True``: it returns both),
    or a problem (its closed form). With ``replay``, a steepest-ops function's gradient step is
    replayed (``steepest.autodiff.replay.replayed_value_and_grad``, bit-equal to eager).

    >>> vg, value = objective(lambda x: (x * x).sum())           # L = ‖x‖², ∇L = 2x
    >>> vg(np.array([3.0, 4.0]))
    (25.0, array([6., 8.]))
    """
    if jac is True:  # scipy: fun returns (value, gradient)
        return fun, (lambda x: fun(x)[0])
    if jac is not None:
        if not callable(jac):
            raise SteepestTypeError(f"{owner}: jac must be callable (or True), got "
                                    f"{type(jac).__name__}")
        return (lambda x: (fun(x), jac(x))), fun
    if hasattr(fun, "value_and_grad") and hasattr(fun, "value"):
        return fun.value_and_grad, fun.value
    if not callable(fun):
        raise SteepestTypeError(f"{owner}: fun must be callable or a problem object, got "
                                f"{type(fun).__name__}")
    if replay:
        from ..autodiff.replay import replayed_value_and_grad
        vg = replayed_value_and_grad(fun)
    else:
        vg = value_and_grad(fun)

    def value(x: np.ndarray) -> Any:
        with no_grad():
            out = fun(tensor(x))
        return out.data if isinstance(out, Tensor) else out
    return vg, value


def as_float(value: Any) -> float:
    """A loss value (float, 0-d array or Tensor) as a float."""
    if type(value) is float:
        return value
    return float(np.asarray(value.data if isinstance(value, Tensor) else value).reshape(()))


def first_evaluation(vg: ValueGrad, x: np.ndarray, fun: Any, jac: Any,
                     owner: str = "minimize") -> tuple[float, np.ndarray]:
    """L(x₀) and ∇L(x₀), with the errors a newcomer needs when ``fun`` does not fit."""
    try:
        value, g = vg(x)
    except TypeError as exc:
        if jac is None and not hasattr(fun, "value_and_grad"):
            raise SteepestTypeError(
                f"{owner}: fun failed on a steepest Tensor ({exc}); write it with steepest ops "
                f"for an autodiff gradient, or for a NumPy function pass its gradient as "
                f"jac=") from None
        raise
    except ValueError as exc:
        if jac is None and "must return a scalar" in str(exc):
            raise SteepestError(f"{owner}: the loss must be a scalar, but fun(x0) "
                                f"{str(exc).split('scalar, ')[-1]} (reduce it, e.g. with "
                                f".sum() or .mean())") from None
        raise SteepestError(f"{owner}: evaluating fun at x0 (shape {x.shape}) failed: "
                            f"{exc}") from exc
    v = np.asarray(value.data if isinstance(value, Tensor) else value)
    if v.size != 1:
        raise SteepestError(f"{owner}: the loss must be a scalar, but fun(x0) has shape "
                            f"{v.shape} (reduce it, e.g. with .sum() or .mean())")
    f0 = float(v.reshape(()))
    g = np.asarray(g.data if isinstance(g, Tensor) else g, dtype=float)
    if g.shape != x.shape:
        raise SteepestError(f"{owner}: the gradient has shape {g.shape} but x0 has shape "
                            f"{x.shape}")
    if not math.isfinite(f0):
        raise SteepestError(f"{owner}: the loss at x0 is {f0}; start from a point where it is "
                            f"finite")
    if not np.all(np.isfinite(g)):
        raise SteepestError(f"{owner}: the gradient at x0 is not finite")
    return f0, g


def batch_objective(fun: Any, jac: Any = None, owner: str = "stability_map"
                    ) -> tuple[BatchValueGrad, bool]:
    """``X (N, d) ↦ (values (N,), gradients (N, d))`` and whether it is one batched evaluation.

    A problem evaluates the whole stack at once (``problem.value_and_grad_batch``: closed forms
    for quadratics, least squares and logistic regression; one autodiff pass over the grid for
    the test functions). Any other ``fun`` — a user's steepest-ops function, which may not
    broadcast over a stack, or a NumPy function with ``jac`` — is evaluated point by point: the
    same numbers, at N times the cost of one evaluation per step.

    >>> import steepest as st
    >>> vg, batched = batch_objective(st.problems.Booth())   # minimum 0 at (1, 3)
    >>> values, grads = vg(np.array([[1.0, 3.0], [0.0, 0.0]]))
    >>> values, batched
    (array([ 0., 74.]), True)
    """
    batched = getattr(fun, "value_and_grad_batch", None)
    if batched is not None and jac is None:
        return batched, True
    vg, _ = objective(fun, jac, owner, replay=True)  # the same step at every point

    def looped(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values = np.empty(len(X))
        grads = np.empty(X.shape)
        for i, x in enumerate(X):
            v, g = vg(x)
            values[i] = as_float(v)
            grads[i] = np.asarray(g.data if isinstance(g, Tensor) else g, dtype=float)
        return values, grads
    return looped, False


__all__ = ["BatchValueGrad", "ValueGrad", "as_float", "batch_objective", "first_evaluation",
           "objective"]
