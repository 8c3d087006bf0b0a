"""Loss functions L(prediction, target) → scalar Tensor, PyTorch's definitions and names, and
the one registry of loss names (:data:`LOSS_INFO`, :func:`loss_info`).

``reduction``: ``"mean"`` (default), ``"sum"`` or ``"none"`` (one value per sample). A target of
the same size as the prediction but another shape — (N,) against (N, 1) — is reshaped to the
prediction's shape, never broadcast into an (N, N) matrix.

Each name means one thing everywhere (``fit``, the estimators, the landscapes, the command line),
PyTorch's naming: ``"bce"`` is :func:`binary_cross_entropy` on probabilities,
``"bce_with_logits"`` (or ``"bce_logits"``) is :func:`binary_cross_entropy_with_logits` on raw
scores::

    >>> loss_info("bce").logits, loss_info("bce_with_logits").logits
    (False, True)
    >>> loss_info("BCEWithLogitsLoss").name   # a PyTorch loss module's class name
    'binary_cross_entropy_with_logits'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import autodiff as ad
from ..autodiff import Tensor, as_tensor
from ..autodiff.ops import pick
from ..errors import SteepestError
from . import batched_losses as batched
from .batched_losses import _TINY_LOG


def _reduce(per_sample: Tensor, reduction: str, who: str) -> Tensor:
    if reduction == "mean":
        return per_sample.mean()
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "none":
        return per_sample
    raise SteepestError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _as_prediction(pred: Any) -> Tensor:
    """A prediction as a Tensor: a floating array keeps its dtype (float32 stays float32),
    anything else becomes float64."""
    if isinstance(pred, Tensor):
        return pred
    a = np.asarray(pred)
    return as_tensor(a if a.dtype.kind == "f" else a.astype(np.float64))


def _pred_target(pred: Any, target: Any, who: str) -> tuple[Tensor, Tensor]:
    """Prediction as a Tensor; target as a constant of the prediction's shape and dtype."""
    pred = _as_prediction(pred)
    t = target if isinstance(target, Tensor) else as_tensor(np.asarray(target, pred.dtype))
    if t.shape != pred.shape:
        if t.size != pred.size:
            raise SteepestError(f"{who}: prediction has shape {pred.shape} but target has shape "
                             f"{t.shape} ({pred.size} vs {t.size} values)")
        t = t.reshape(pred.shape)
    return pred, t


def mse(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error  (1/N) Σ (ŷ − y)²."""
    pred, t = _pred_target(pred, target, "mse")
    d = pred - t
    return _reduce(d * d, reduction, "mse")


def mae(pred: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error  (1/N) Σ |ŷ − y|."""
    pred, t = _pred_target(pred, target, "mae")
    return _reduce(ad.abs(pred - t), reduction, "mae")


def huber(pred: Any, target: Any, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """Huber loss: ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond (quadratic near 0, linear in the tails;
    ``torch.nn.functional.huber_loss``)."""
    if delta <= 0:
        raise SteepestError(f"huber: delta must be positive, got {delta}")
    pred, t = _pred_target(pred, target, "huber")
    d = pred - t
    a = ad.abs(d)
    per = ad.where(a.data <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(per, reduction, "huber")


def binary_cross_entropy(prob: Any, target: Any, reduction: str = "mean") -> Tensor:
    """−[y ln p + (1 − y) ln(1 − p)] for probabilities p ∈ [0, 1]; each log is clamped at −100
    as in PyTorch, so p = 0 or 1 gives a large finite loss. Prefer
    :func:`binary_cross_entropy_with_logits` on raw scores: it is exact for any score."""
    p, t = _pred_target(prob, target, "binary_cross_entropy")
    if np.any((p.data < 0) | (p.data > 1)):
        raise SteepestError("binary_cross_entropy: predictions must be probabilities in [0, 1]; "
                         "for raw scores use binary_cross_entropy_with_logits")
    log_p, log_q = _clamped_log(p), _clamped_log(1 - p)
    return _reduce(-(t * log_p + (1 - t) * log_q), reduction, "binary_cross_entropy")


def _clamped_log(p: Tensor) -> Tensor:
    """ln p clamped below at −100 as in PyTorch (p = 0 gives −100, not −inf), computed in p's
    dtype: below the floor (e⁻¹⁰⁰, or the smallest normal float32, whose reciprocal — the
    derivative — is still finite) the value is −100 and the derivative 0."""
    floor = p.dtype.type(max(np.exp(_TINY_LOG), float(np.finfo(p.dtype).tiny)))
    return ad.where(p.data >= floor, ad.log(ad.clip(p, floor, None)), p.dtype.type(_TINY_LOG))


def binary_cross_entropy_with_logits(logits: Any, target: Any, reduction: str = "mean",
                                     pos_weight: float | None = None) -> Tensor:
    """BCE on raw scores z, with p = σ(z):  softplus(z) − y·z  (= −[y ln σ(z) + (1−y) ln σ(−z)]),
    exact for any z: softplus never overflows. Gradient σ(z) − y. ``pos_weight`` w scales the
    positive term: w·y·softplus(−z) + (1 − y)·softplus(z)."""
    z, t = _pred_target(logits, target, "binary_cross_entropy_with_logits")
    if pos_weight is None:
        per = ad.softplus(z) - t * z
    else:
        per = pos_weight * t * ad.softplus(-z) + (1 - t) * ad.softplus(z)
    return _reduce(per, reduction, "binary_cross_entropy_with_logits")


def cross_entropy(logits: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy from raw scores (N, C) and integer labels (N,) in [0, C):
    −ln softmax(z)_y = logsumexp(z) − z_y, stable for any logits. A float target of shape (N, C)
    is read as class probabilities: −Σ_c y_c ln softmax(z)_c."""
    z = _as_prediction(logits)
    if z.ndim != 2:
        raise SteepestError(f"cross_entropy: logits must have shape (N, C), got {z.shape}")
    n, c = z.shape
    logp = ad.log_softmax(z, axis=1)
    y = target.data if isinstance(target, Tensor) else np.asarray(target)
    if y.shape == (n, c) and y.dtype.kind == "f":
        return _reduce(-(logp * y.astype(z.dtype)).sum(axis=1), reduction, "cross_entropy")
    y = y.reshape(-1) if y.size == n and y.ndim != 1 else y
    if y.shape != (n,):
        raise SteepestError(f"cross_entropy: target must hold one label per row of the logits "
                         f"({n}), got shape {y.shape}")
    labels = _integer_labels(y, c, "cross_entropy")
    return _reduce(-pick(logp, labels), reduction, "cross_entropy")


def _integer_labels(y: np.ndarray, n_classes: int, who: str) -> np.ndarray:
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise SteepestError(f"{who}: labels must be integers 0 … {n_classes - 1}")
    elif y.dtype.kind not in "iub":
        raise SteepestError(f"{who}: labels must be integers, got dtype {y.dtype}")
    labels = y.astype(np.intp, copy=False)  # the labels themselves: a replay reads each batch's
    bad = (labels < 0) | (labels >= n_classes)
    if np.any(bad):
        raise SteepestError(f"{who}: labels must lie in 0 … {n_classes - 1} (the model has "
                         f"{n_classes} outputs), got {np.unique(labels[bad])[:5].tolist()}")
    return labels


def hinge(scores: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """The max-margin loss  max(0, margin − y·s)  for labels y ∈ {−1, +1} (labels {0, 1} are
    read as {−1, +1}), as in micrograd's demo."""
    s, t = _pred_target(scores, target, "hinge")
    vals = np.unique(t.data)
    if np.all(np.isin(vals, (0.0, 1.0))):
        t = 2 * t - 1
    elif not np.all(np.isin(vals, (-1.0, 1.0))):
        raise SteepestError(f"hinge: labels must be −1/+1 (or 0/1), got values "
                         f"{vals[:5].tolist()}")
    return _reduce(ad.relu(margin - t * s), reduction, "hinge")


def l2_penalty(params: Any, alpha: float = 1e-4) -> Tensor:
    """α Σ_p Σ p²  over ``params`` (a Module or an iterable of parameters), micrograd's
    regularizer; add it to the data loss. (Its gradient 2αp is weight decay with rate 2α.)"""
    from .module import Module

    ps = params.parameters() if isinstance(params, Module) else list(params)
    if not ps:
        raise SteepestError("l2_penalty: no parameters given")
    total = sum(((p * p).sum() for p in ps[1:]), (ps[0] * ps[0]).sum())
    return alpha * total


# ---- the registry -------------------------------------------------------------------------------
@dataclass(frozen=True)
class LossInfo:
    """What a loss name means: the function, what its prediction is, and its batched form.

    ``logits``: the prediction is a raw score, any real number (logits, hinge scores), rather
    than a probability in [0, 1] or a regression value. ``classifier``: its targets are classes
    (accuracy is meaningful). ``grid``: the batched NumPy form landscapes evaluate
    (:mod:`steepest.nn.batched_losses`; None: landscapes call ``fn`` per point). ``torch``: the
    PyTorch loss module of the same definition (its class name)."""

    name: str
    fn: Callable[..., Tensor]
    logits: bool
    classifier: bool
    grid: Callable[..., Callable[[np.ndarray, np.ndarray], np.ndarray]] | None = None
    torch: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def threshold(self) -> float:
        """One-output classifiers: the output above which the class is 1 (0 for raw scores,
        0.5 for probabilities)."""
        return 0.0 if self.logits else 0.5


_REGISTRY = (
    LossInfo("mse", mse, False, False, batched.MSEGrid, "MSELoss", ("mse_loss",)),
    LossInfo("mae", mae, False, False, None, "L1Loss", ("l1_loss",)),
    LossInfo("huber", huber, False, False, None, "HuberLoss", ("huber_loss",)),
    LossInfo("binary_cross_entropy", binary_cross_entropy, False, True, batched.BCEGrid,
             "BCELoss", ("bce",)),
    LossInfo("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, True, True,
             batched.BCEWithLogitsGrid, "BCEWithLogitsLoss", ("bce_with_logits", "bce_logits")),
    LossInfo("cross_entropy", cross_entropy, True, True, batched.CrossEntropyGrid,
             "CrossEntropyLoss"),
    LossInfo("hinge", hinge, True, True),
)
LOSS_INFO: dict[str, LossInfo] = {n: info for info in _REGISTRY for n in (info.name,
                                                                          *info.aliases)}
"""Every loss name and alias → its :class:`LossInfo`."""
LOSSES: dict[str, Callable[..., Tensor]] = {n: info.fn for n, info in LOSS_INFO.items()}
"""Every loss name and alias → its function."""
_BY_FUNCTION = {info.fn: info for info in _REGISTRY}
_BY_TORCH = {info.torch: info for info in _REGISTRY if info.torch}


def loss_info(loss: Any) -> LossInfo | None:
    """The :class:`LossInfo` of ``loss``: a name or alias, one of the loss functions here, or a
    PyTorch loss module with its default options (reduction "mean", no weights, no label
    smoothing) — None for anything else (a function of your own, a module with options)."""
    if isinstance(loss, str):
        return LOSS_INFO.get(loss) or _BY_TORCH.get(loss)
    if callable(loss) and not isinstance(loss, type):
        try:
            found = _BY_FUNCTION.get(loss)
        except TypeError:  # unhashable
            found = None
        if found is not None:
            return found
    if type(loss).__module__.startswith("torch") and _plain_torch_loss(loss):
        return _BY_TORCH.get(type(loss).__name__)
    return None


def _plain_torch_loss(loss: Any) -> bool:
    return (getattr(loss, "reduction", "mean") == "mean"
            and getattr(loss, "weight", None) is None
            and getattr(loss, "pos_weight", None) is None
            and getattr(loss, "label_smoothing", 0.0) == 0.0
            and getattr(loss, "ignore_index", -100) == -100
            and getattr(loss, "delta", 1.0) == 1.0)


def get_loss(loss: str | Callable[..., Tensor]) -> Callable[..., Tensor]:
    """The loss function named ``loss`` (or ``loss`` itself when it is callable)."""
    if callable(loss):
        return loss
    info = LOSS_INFO.get(loss) if isinstance(loss, str) else None
    if info is None:
        raise SteepestError(f"unknown loss {loss!r}; choose one of {sorted(LOSS_INFO)} or pass "
                            f"a function (pred, target) -> scalar Tensor")
    return info.fn


