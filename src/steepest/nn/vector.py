"""A model's parameters as one flat vector θ — what curvature and loss landscapes work on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autodiff import Tensor
from .module import Module


def parameters_to_vector(model: Module) -> np.ndarray:
    """θ: every parameter flattened and concatenated, in ``model.parameters()`` order (a copy)."""
    params = model.parameters()
    if not params:
        return np.zeros(0)
    return np.concatenate([p.data.ravel() for p in params])


def vector_to_parameters(vec: Any, model: Module) -> None:
    """Write the flat vector ``vec`` back into ``model``'s parameters (the inverse of
    :func:`parameters_to_vector`); gradients are left as they are."""
    params = model.parameters()
    vec = np.asarray(vec.data if isinstance(vec, Tensor) else vec)
    n = sum(p.data.size for p in params)
    if vec.ndim != 1 or vec.size != n:
        raise ValueError(f"vector_to_parameters: the model has {n} parameters, got a vector of "
                         f"shape {vec.shape}")
    offset = 0
    for p in params:
        k = p.data.size
        p.data = vec[offset:offset + k].reshape(p.data.shape).astype(p.data.dtype, copy=True)
        offset += k


def functional_call(model: Module, theta: Any, *args: Any, **kwargs: Any) -> Any:
    """``model(*args)`` computed with its parameters taken from the flat vector ``theta`` (in
    :func:`parameters_to_vector` order) instead of their own values — like
    ``torch.func.functional_call``. With ``theta`` a Tensor that requires grad, the output is
    differentiable with respect to θ, twice over (exact Hessian-vector products of a network's
    loss). The model's parameters are left untouched."""
    from .. import autodiff as ad

    params = model.parameters()
    theta = theta if isinstance(theta, Tensor) else ad.tensor(theta)
    n = sum(p.data.size for p in params)
    if theta.ndim != 1 or theta.size != n:
        raise ValueError(f"functional_call: the model has {n} parameters, got theta of shape "
                         f"{theta.shape}")
    slices, offset = {}, 0
    for p in params:
        k = p.data.size
        slices[id(p)] = theta[offset:offset + k].reshape(p.data.shape)
        offset += k
    swapped = []  # (module, attribute, original parameter)
    try:
        for m in model.modules():
            for name, p in m._parameters.items():
                object.__setattr__(m, name, slices[id(p)])
                swapped.append((m, name, p))
        return model(*args, **kwargs)
    finally:
        for m, name, p in swapped:
            object.__setattr__(m, name, p)


def loss_of_parameters(model: Module, X: Any, y: Any, loss: Any) -> Callable[[Any], Tensor]:
    """θ ↦ loss(model_θ(X), y): the loss as a function of the flat parameter vector, to hand to
    ``steepest.hvp``, ``steepest.curvature.hessian_eigs``/``critical_lr`` or
    ``steepest.minimize`` (start from ``parameters_to_vector(model)``)."""
    from .losses import get_loss

    loss_fn = get_loss(loss)
    X = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64)
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    return lambda theta: loss_fn(functional_call(model, theta, X), y)
