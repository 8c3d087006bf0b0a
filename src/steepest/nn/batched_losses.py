"""The losses of :data:`steepest.nn.LOSS_INFO` in batched NumPy form, for landscapes: outputs
Z (p, k, N) of a network at p weight points on N samples (samples last, contiguous) → the p mean
losses, with no Tensor and no temporary larger than one scratch row per point.

A form is built once per landscape from the targets, ``form = BCEWithLogitsGrid(y, n_out,
dtype)``, then called per block, ``form(Z, work)`` (``work``: scratch (p, N) it may overwrite).
Each is the mean of the Tensor loss of the same name in :mod:`steepest.nn.losses` (the tests hold
the two to 1e-12); the means' 1/N ride in the weights of matrix-vector products.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SteepestError

_TINY_LOG = -100.0  # PyTorch clamps log(p) at −100 in binary_cross_entropy


class _DenseTargets:
    """Targets y (N,) or (N, k) held as Y (k, N), matching the network's k outputs."""

    def __init__(self, y: Any, n_out: int, dtype: Any, name: str) -> None:
        n = len(y)
        yy = np.asarray(y, dtype=dtype).reshape(n, -1)
        if yy.shape[1] != n_out:
            raise SteepestError(f"{name}: y has {yy.shape[1]} columns but the model has {n_out} "
                                f"outputs")
        self.n = n
        self.Y = np.ascontiguousarray(yy.T)


class MSEGrid(_DenseTargets):
    """(1/(kN)) Σ (z − y)² per point."""

    def __init__(self, y: Any, n_out: int, dtype: Any) -> None:
        super().__init__(y, n_out, dtype, "mse")

    def __call__(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        d = Z - self.Y
        return np.einsum("pkn,pkn->p", d, d) / d[0].size


class _BinaryTargets(_DenseTargets):
    def __init__(self, y: Any, n_out: int, dtype: Any, name: str) -> None:
        super().__init__(y, n_out, dtype, name)
        if n_out != 1:
            raise SteepestError(f"{name} needs a model with one output, got {n_out}")
        if np.any((self.Y < 0) | (self.Y > 1)):
            raise SteepestError(f"{name} needs targets in [0, 1]")


class BCEWithLogitsGrid(_BinaryTargets):
    """Mean of softplus(z) − y·z = ½|z| + (½ − y)·z + ln(1 + e^{−|z|}): three matrix-vector
    products and two transcendental passes, in place in ``work`` (ln 2 + ln cosh(z/2) needs one
    pass less but measured ~10% slower end to end)."""

    def __init__(self, y: Any, n_out: int, dtype: Any) -> None:
        super().__init__(y, n_out, dtype, "binary_cross_entropy_with_logits")
        n = self.n
        self.w_mean = np.full(n, 1 / n, dtype)
        self.w_abs = np.full(n, 0.5 / n, dtype)
        self.w_lin = ((0.5 - self.Y[0]) / n).astype(dtype)

    def __call__(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        z = Z[:, 0, :]
        a = np.abs(z, out=work)
        total = a @ self.w_abs + z @ self.w_lin
        np.negative(a, out=a)
        np.exp(a, out=a)
        np.log1p(a, out=a)
        total += a @ self.w_mean
        return total


class BCEGrid(_BinaryTargets):
    """Mean of −[y ln p + (1 − y) ln(1 − p)] on probabilities, each log clamped at −100."""

    def __init__(self, y: Any, n_out: int, dtype: Any) -> None:
        super().__init__(y, n_out, dtype, "binary_cross_entropy")

    def __call__(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        p = Z[:, 0, :]
        with np.errstate(divide="ignore"):
            lp = np.maximum(np.log(p), _TINY_LOG)
            lq = np.maximum(np.log1p(-p), _TINY_LOG)
        return -(lp @ self.Y[0] + lq @ (1 - self.Y[0])) / self.n


class CrossEntropyGrid:
    """Mean of logsumexp(z) − z_label over samples, for integer labels 0 … k − 1."""

    def __init__(self, y: Any, n_out: int, dtype: Any) -> None:
        labels = np.asarray(y).reshape(-1)
        if (labels.size != len(y) or not np.all(np.isfinite(labels))
                or np.any(labels != np.round(labels)) or labels.min() < 0
                or labels.max() >= n_out):
            raise SteepestError(f"cross_entropy needs integer labels 0 … {n_out - 1}, one per "
                                f"sample; got y of shape {np.shape(y)}")
        self.labels = labels.astype(np.intp)
        self.samples = np.arange(len(labels))

    def __call__(self, Z: np.ndarray, work: np.ndarray) -> np.ndarray:
        m = Z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(Z - m).sum(axis=1)) + m[:, 0, :]
        picked = Z[:, self.labels, self.samples]
        return (lse - picked).mean(axis=1)  # type: ignore[no-any-return]
