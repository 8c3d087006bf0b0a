"""Any PyTorch module as a target: ``torch.func.functional_call`` vmapped over points."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ...nn import metrics
from ..params import _is_torch_module, model_params
from .base import Prepared, Target, _check_data
from .module import threshold_of


def require_torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise ImportError("PyTorch models need torch: pip install 'steepest[torch]'") from exc
    return torch


class TorchTarget(Target):
    """Any PyTorch module, in evaluation mode: parameters for a block of points are stacked on a
    leading axis and ``torch.func.functional_call`` is vmapped over them (buffers are shared).
    ``loss_fn`` is a PyTorch loss (module or function) applied as ``loss_fn(module(X), y)``; it
    must work under ``torch.func.vmap`` (the built-in losses do). Computes in the module's
    dtype."""

    def __init__(self, module: Any, X: Any, y: Any, loss_fn: Any, *, accuracy: bool = False,
                 points_per_call: int | None = None) -> None:
        torch = require_torch()
        if not _is_torch_module(module):
            raise TypeError(f"TorchTarget needs a torch.nn.Module, got {type(module).__name__}")
        Xn, yn = _check_data(X, y, matrix=False)  # images (N, C, H, W) are fine here
        # evaluation mode (dropout off, batch norm on its running statistics), on a copy
        self.module, self.loss_fn = copy.deepcopy(module).eval(), loss_fn
        self.theta, self.spec = model_params(module)
        p = next(iter(module.parameters()))
        self.torch_dtype, self.device = p.dtype, p.device
        self.X = torch.as_tensor(Xn, dtype=self.torch_dtype, device=self.device)
        ydtype = torch.long if isinstance(loss_fn, torch.nn.CrossEntropyLoss) else self.torch_dtype
        self.y = torch.as_tensor(yn, device=self.device).to(ydtype)
        self.metrics = ("loss", "accuracy") if accuracy else ("loss",)
        self.threshold = threshold_of(loss_fn)
        width = max(s[0] for s in self.spec.shapes if s)
        per_sample = max(width, int(np.prod(Xn.shape[1:])))
        self.points_per_call = points_per_call or max(1, (1 << 23) // (len(Xn) * per_sample))

    def prepare(self, basis: np.ndarray) -> Prepared:
        torch = require_torch()
        from torch.func import functional_call, vmap

        basis = np.atleast_2d(np.asarray(basis, dtype=np.float64))
        self.spec.check(basis, "basis")
        parts = {n: torch.as_tensor(a, dtype=self.torch_dtype, device=self.device)
                 for n, a in zip(self.spec.names, self.spec.split(basis), strict=True)}
        buffers = dict(self.module.named_buffers())

        def one(params: dict[str, Any]) -> Any:
            out = functional_call(self.module, (params, buffers), (self.X,))
            loss = self.loss_fn(out, self.y.reshape(out.shape) if out.shape[-1:] == (1,)
                                and self.y.ndim == 1 else self.y)
            return loss, out

        batched = vmap(one)

        def evaluate(C: np.ndarray) -> dict[str, np.ndarray]:
            Ct = torch.as_tensor(np.atleast_2d(C), dtype=self.torch_dtype, device=self.device)
            out = {k: np.empty(len(Ct)) for k in self.metrics}
            with torch.no_grad():
                for s in range(0, len(Ct), self.points_per_call):
                    c = Ct[s:s + self.points_per_call]
                    params = {n: torch.tensordot(c, b, dims=1) for n, b in parts.items()}
                    loss, pred = batched(params)
                    out["loss"][s:s + len(c)] = loss.double().cpu().numpy()
                    if "accuracy" in out:
                        yn = self.y.cpu().numpy()
                        out["accuracy"][s:s + len(c)] = [
                            metrics.accuracy(pr, yn, self.threshold)
                            for pr in pred.double().cpu().numpy()]
            return out

        return evaluate
