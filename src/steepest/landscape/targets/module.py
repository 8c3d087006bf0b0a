"""Any steepest module as a target: one forward per point (general, slow)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ...nn import metrics
from ...nn.losses import loss_info
from ..params import model_params
from .base import Prepared, Target, _check_data


class ModuleTarget(Target):
    """Any steepest module, in evaluation mode: θ is written into a copy of the model and
    ``loss(model(X), y)`` evaluated, one point at a time (general but slow; dense nets use
    :class:`MLPTarget`)."""

    def __init__(self, model: Any, X: Any, y: Any, *, loss: Any = "mse",
                 accuracy: bool = False) -> None:
        from ... import nn

        self.X, self.y = _check_data(X, y)
        self.model = copy.deepcopy(model)
        if hasattr(self.model, "eval"):
            self.model.eval()  # dropout off: the landscape is a deterministic function of θ
        self.theta, self.spec = model_params(model)
        self.loss_fn = nn.get_loss(loss)
        self.threshold = threshold_of(loss)
        self.metrics = ("loss", "accuracy") if accuracy else ("loss",)

    def prepare(self, basis: np.ndarray) -> Prepared:
        from ... import autodiff, nn

        basis = np.atleast_2d(np.asarray(basis, dtype=np.float64))
        self.spec.check(basis, "basis")

        def evaluate(C: np.ndarray) -> dict[str, np.ndarray]:
            model = copy.deepcopy(self.model)  # threads (dask) never share one model's weights
            out = {k: np.empty(len(C)) for k in self.metrics}
            with autodiff.no_grad(), np.errstate(over="ignore", invalid="ignore"):
                for i, c in enumerate(np.atleast_2d(C)):
                    nn.vector_to_parameters(c @ basis, model)
                    pred = model(self.X)
                    out["loss"][i] = float(self.loss_fn(pred, self.y).item())
                    if "accuracy" in out:
                        out["accuracy"][i] = metrics.accuracy(pred.data, self.y, self.threshold)
            return out

        return evaluate


def threshold_of(loss: Any) -> float:
    """The output above which a one-output classifier predicts class 1 under ``loss``: 0.5 for
    probabilities, 0 for raw scores (and for losses the registry does not know)."""
    info = loss_info(loss)
    return info.threshold if info is not None and info.classifier else 0.0
