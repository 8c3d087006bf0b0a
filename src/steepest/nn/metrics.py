"""Metrics of a model's outputs against targets: the predicted class, accuracy and R².

One rule for the predicted class, used by training (``fit``'s accuracy), the estimators
(``predict``) and the landscapes (an accuracy surface): several outputs → the largest
(argmax); one output → class 1 when it exceeds ``threshold`` (0 for logits and scores, 0.5 for
probabilities — :attr:`steepest.nn.LossInfo.threshold` gives the right one for a loss).

>>> import numpy as np
>>> accuracy(np.array([[2.0], [-1.0], [0.5]]), np.array([1, 0, 0]))   # logits, labels 0/1
0.6666666666666666
>>> accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))     # two classes, argmax
0.5
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def predicted_classes(out: Any, threshold: float = 0.0, class_axis: int = -1) -> np.ndarray:
    """Integer classes from outputs: argmax over ``class_axis`` when it has several entries, else
    ``out > threshold`` (the class axis is dropped). A 1-D ``out`` is one score per sample."""
    out = np.asarray(getattr(out, "data", out))
    if out.ndim == 1:
        return (out > threshold).astype(np.intp)
    if out.shape[class_axis] > 1:
        return out.argmax(axis=class_axis)
    return (np.take(out, 0, axis=class_axis) > threshold).astype(np.intp)


def true_classes(y: Any, n_classes: int) -> np.ndarray:
    """Integer classes from targets: labels as given; rows of class scores (one-hot or
    probabilities, (N, k)) → their argmax; binary targets (labels 0/1 or ±1, or probabilities)
    → 1 where positive (above 0.5, or above 0 for ±1 labels)."""
    y = np.asarray(getattr(y, "data", y))
    if n_classes > 1:
        if y.ndim == 2 and y.shape[1] == n_classes:
            return y.argmax(axis=1)
        return y.reshape(-1)
    y = y.reshape(-1)
    return (y > (0.0 if y.size and y.min() < 0 else 0.5)).astype(np.intp)


def accuracy(out: Any, y: Any, threshold: float = 0.0, class_axis: int = -1) -> Any:
    """Share of samples whose ``predicted_classes`` equal ``true_classes`` of ``y``.

    ``out`` is (N, k) or (N,); leading axes before those are points (a landscape's stack of
    weight sets, with ``class_axis`` pointing at k): one accuracy per point. Returns a float for
    one model, an array for a stack."""
    out = np.asarray(getattr(out, "data", out))
    n_classes = 1 if out.ndim == 1 else out.shape[class_axis]
    hits = predicted_classes(out, threshold, class_axis) == true_classes(y, n_classes)
    share = hits.mean(axis=-1)
    return float(share) if np.ndim(share) == 0 else share


def r2_score(out: Any, y: Any) -> float:
    """Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (NaN for constant y)."""
    y = np.asarray(getattr(y, "data", y))
    n = len(y)
    y, out = y.reshape(n, -1), np.asarray(getattr(out, "data", out)).reshape(n, -1)
    res = (y - out).ravel()
    dev = (y - y.sum(axis=0) / n).ravel()
    ss_res, ss_tot = float(res @ res), float(dev @ dev)  # sums of squares as dot products
    return 1 - ss_res / ss_tot if ss_tot > 0 else math.nan


__all__ = ["accuracy", "predicted_classes", "r2_score", "true_classes"]
