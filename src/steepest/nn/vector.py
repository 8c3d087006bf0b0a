"""A model's parameters as one flat vector θ — what curvature and loss landscapes work on."""

from __future__ import annotations

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
