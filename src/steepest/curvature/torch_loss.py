"""A PyTorch model's training loss as a function of its flat parameter vector, with exact
Hessian-vector products by ``torch.func`` (forward-over-reverse: the JVP of the gradient), so
that every curvature tool — :func:`~steepest.curvature.hessian_eigs`, ``sharpness``,
``hutchinson_trace``, ``spectral_density`` — works on an ``nn.Module`` + data, on the device the
model is on (the extra ``torch``)."""

from __future__ import annotations

from typing import Any

import numpy as np


class TorchLoss:
    """θ ↦ loss(model_θ(X), y) for a ``torch.nn.Module``: ``theta`` (float64 NumPy, the
    parameters flattened in ``named_parameters()`` order), ``__call__(θ)`` the loss, and
    ``hvp(θ, v)`` = ∇²L(θ)·v computed in the model's dtype and device. The model is left
    untouched (``torch.func.functional_call``)."""

    def __init__(self, model: Any, X: Any, y: Any, loss: Any) -> None:
        try:
            import torch
            from torch.func import functional_call, grad, jvp
        except ImportError:  # pragma: no cover - the extra is missing
            raise ImportError("a PyTorch model needs the torch extra: pip install "
                              "'steepest[torch]'") from None
        self.torch = torch
        self.model = model
        self.names = [n for n, _ in model.named_parameters()]
        params = [p.detach() for _, p in model.named_parameters()]
        self.shapes = [p.shape for p in params]
        self.dtype, self.device = params[0].dtype, params[0].device
        self.theta = torch.cat([p.reshape(-1) for p in params]).cpu().double().numpy()
        Xt = torch.as_tensor(np.asarray(X), dtype=self.dtype, device=self.device) \
            if not isinstance(X, torch.Tensor) else X.to(self.device)
        yt = torch.as_tensor(np.asarray(y), device=self.device) \
            if not isinstance(y, torch.Tensor) else y.to(self.device)
        buffers = dict(model.named_buffers())

        def value(flat: Any) -> Any:
            return loss(functional_call(model, {**self._split(flat), **buffers}, (Xt,)), yt)
        self._value = value
        self._grad = grad(value)
        self._jvp = jvp

    def _split(self, flat: Any) -> dict[str, Any]:
        out, offset = {}, 0
        for name, shape in zip(self.names, self.shapes):
            k = int(np.prod(shape)) if len(shape) else 1
            out[name] = flat[offset:offset + k].reshape(shape)
            offset += k
        return out

    def _tensor(self, a: Any) -> Any:
        return self.torch.as_tensor(np.asarray(a, dtype=float), dtype=self.dtype,
                                    device=self.device)

    def __call__(self, theta: Any) -> float:
        with self.torch.no_grad():
            return float(self._value(self._tensor(theta)))

    def hvp(self, theta: Any, v: Any) -> np.ndarray:
        """∇²L(θ)·v, exact: the directional derivative of the gradient along v."""
        out = self._jvp(self._grad, (self._tensor(theta),), (self._tensor(v),))[1]
        return np.asarray(out.detach().cpu().double().numpy())


def is_torch_module(obj: Any) -> bool:
    """True for a ``torch.nn.Module`` (without importing torch when it is not loaded)."""
    from ..landscape.params import _is_torch_module
    return bool(_is_torch_module(obj))


__all__ = ["TorchLoss", "is_torch_module"]
