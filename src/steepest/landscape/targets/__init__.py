"""What a landscape evaluates: a *target* maps points θ = Σ_m c_m b_m of parameter space to loss
(and accuracy) values, many points per call.

A surface is the span of a small *basis* B (m, n) — for a plane B = [θ*, δ, η] and each grid point
has coefficients c = (1, α, β). Targets are prepared once per basis (``target.prepare(B)``) and
then evaluate blocks of coefficient rows C (p, m):

- :class:`MLPTarget` — dense nets (steepest ``MLP``/``Sequential``, PyTorch ``nn.Sequential`` of
  ``Linear`` + activations, optional skip connections) in pure NumPy, batched over points. The
  first layer is linear in the coefficients, X·W(c)ᵀ = Σ_m c_m·X·W_mᵀ, so its m products with
  the data are computed once per basis; each later layer is one batched matmul over the block.
- :class:`TorchTarget` — any PyTorch module, ``torch.func.functional_call`` vmapped over points.
- :class:`ModuleTarget` — any steepest module, one forward per point (slow, general).
- :class:`FunctionTarget` — any ``f(theta_vector) -> float``.

Every target gives the same values for the same weights (the tests hold them to 1e-6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..params import _is_torch_module
from .base import Prepared, Target
from .function import FunctionTarget
from .mlp import ACTIVATIONS, MLPTarget, NotSupported
from .module import ModuleTarget
from .torch_adapter import TorchTarget, require_torch

# ---- one front door ---------------------------------------------------------------------------

def as_target(model: Any, X: Any = None, y: Any = None, *, loss: Any = None, theta: Any = None,
              shapes: Sequence[tuple[int, ...]] | None = None, accuracy: bool = False,
              fast: bool = True) -> Target:
    """A :class:`Target` for ``model``: a Target (returned as is); a PyTorch module (fast NumPy
    path for plain ``nn.Sequential`` dense nets with a standard loss, else vmapped
    ``functional_call``); a steepest module (fast path for ``MLP``/``Sequential``, else one forward
    per point); or a function ``f(theta) -> float`` with ``theta`` given. ``fast=False`` forces
    the general path (to cross-check the fast one)."""
    if isinstance(model, Target):
        return model
    if _is_torch_module(model):
        if loss is None:
            raise ValueError("loss is required for a PyTorch model, e.g. torch.nn.MSELoss()")
        if fast:
            try:
                return MLPTarget.from_model(model, X, y, loss=loss, accuracy=accuracy)
            except NotSupported:
                pass
        return TorchTarget(model, X, y, loss, accuracy=accuracy)
    if hasattr(model, "parameters") and callable(model):
        loss = "mse" if loss is None else loss
        if fast:
            try:
                return MLPTarget.from_model(model, X, y, loss=loss, accuracy=accuracy)
            except NotSupported:
                pass
        return ModuleTarget(model, X, y, loss=loss, accuracy=accuracy)
    if callable(model):
        if theta is None:
            raise ValueError("a function target needs theta, the centre point: "
                             "surface_2d(f, theta=theta0)")
        if X is not None or y is not None:
            raise ValueError("X and y are for models; a function f(theta) carries its own data")
        return FunctionTarget(model, theta, shapes=shapes)
    raise TypeError(f"cannot compute the landscape of a {type(model).__name__}: pass a steepest "
                    "or PyTorch module with X, y, or a function f(theta) with theta=")


__all__ = ["ACTIVATIONS", "FunctionTarget", "MLPTarget", "ModuleTarget", "NotSupported",
           "Prepared", "Target", "TorchTarget", "as_target", "require_torch"]
