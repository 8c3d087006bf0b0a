"""``trainability_map``: which pairs of hyperparameters train a small network and which make it
diverge — Sohl-Dickstein (2024), "The boundary of neural network trainability is fractal".

A tanh network d → h₁ → h₂ → 1 with the mean squared error is trained by full-batch gradient
descent from one fixed initialization at every point of a grid of two hyperparameters: the
learning rate of the first layer × that of the later layers (``axes=("lr1", "lr2")``), or one
learning rate × the scale of the initial weights (``axes=("lr", "init_scale")``). The grid's
networks are not trained one by one: each parameter of all of them is one array with the grid
as its last axis (W₁ of shape (h₁, d, G) for G networks), so one step of all G networks is a few
dozen NumPy operations on arrays of G columns, the forward and backward passes written out by
hand (below; tested against ``nn.fit`` on single points). Runs are judged by the one divergence
detector (:class:`~steepest.descent.divergence.BatchDetector`); a run that diverges is dropped
from the arrays, so the rest go faster.

Each point is coloured as in the paper: trained runs in blue, darker the faster their loss fell
(the mean over the steps of L_t/L₀), diverged ones in red, brighter the sooner they blew up. The
boundary between the two is where η crosses 2/λ_max somewhere along the way, and it is fractal:
zooming in (``result.zoom(...)`` or a call on a sub-rectangle at the same resolution) shows
structure at every scale.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validate import check_choice, check_int
from ..autodiff.ops import _np_tanh
from ..descent.batch import BOUNDED, CONVERGED, DIVERGED, OUTCOMES
from ..descent.divergence import BatchDetector
from ..errors import SteepestError
from ..landscape.targets import Prepared, Target

if TYPE_CHECKING:
    from ..plot.trainability import TrainabilityMapDisplay

AXES = {("lr1", "lr2"): ("η of layer 1", "η of layers 2–3"),
        ("lr", "init_scale"): ("learning rate η", "initial weight scale")}


@dataclass
class TrainabilityMap:
    """The outcome of every grid point (see :func:`trainability_map`): ``x`` (R,) and ``y``
    (R,) the two hyperparameters' values, ``outcome`` (R, R) codes into ``OUTCOMES`` (rows: y,
    columns: x), ``mean_loss`` the mean of L_t/L₀ over the steps run, ``final_loss`` L_T/L₀,
    ``diverged_at`` the step of divergence (−1 if none)."""

    x: np.ndarray
    y: np.ndarray
    outcome: np.ndarray
    mean_loss: np.ndarray
    final_loss: np.ndarray
    diverged_at: np.ndarray
    axes: tuple[str, str]
    steps: int
    elapsed_s: float
    settings: dict[str, Any]

    @property
    def trainable(self) -> np.ndarray:
        """True where the run did not diverge."""
        return np.asarray(self.outcome != DIVERGED)

    def zoom(self, center: tuple[float, float], factor: float = 10.0, **changes: Any
             ) -> TrainabilityMap:
        """The map again on a sub-rectangle around ``center`` ``factor`` times smaller on each
        (log) axis, at the same resolution — the fine structure of the boundary."""
        s = dict(self.settings)
        for key, c in zip(("xlim", "ylim"), center):
            lo, hi = s[key]
            half = (math.log(hi) - math.log(lo)) / (2 * factor)
            s[key] = (c * math.exp(-half), c * math.exp(half))
        s.update(changes)
        return trainability_map(**s)

    def save(self, path: str | os.PathLike[str]) -> None:
        """The map's arrays (``x``, ``y``, ``outcome``, ``mean_loss``, ``final_loss``,
        ``diverged_at``) and, as text, ``axes``, ``outcomes`` and ``steps``, in one compressed
        .npz written atomically (an interrupted save leaves the earlier file whole); no pickles."""
        from .._io import atomic_write
        target = os.fspath(path)
        target += "" if target.endswith(".npz") else ".npz"
        with atomic_write(target) as fh:
            np.savez_compressed(fh, x=self.x, y=self.y, outcome=self.outcome,
                                mean_loss=self.mean_loss, final_loss=self.final_loss,
                                diverged_at=self.diverged_at, axes=np.array(self.axes),
                                outcomes=np.array(OUTCOMES), steps=np.array(self.steps))

    def plot(self, ax: Any = None, *, title: str | None = None) -> TrainabilityMapDisplay:
        """The map: blue where training succeeded (darker = the loss fell faster), red where it
        diverged (brighter = sooner), on log axes. Returns the
        :class:`~steepest.plot.TrainabilityMapDisplay` (``.image``, …)."""
        from ..plot.trainability import TrainabilityMapDisplay
        return TrainabilityMapDisplay.from_map(self).plot(ax, title=title)


# ---- the batched network --------------------------------------------------------------------
class _Grid:
    """G copies of a tanh MLP d → h₁ → h₂ → 1, each parameter an array with the grid last."""

    def __init__(self, init: list[np.ndarray], scale: np.ndarray, lr1: np.ndarray,
                 lr2: np.ndarray, dtype: Any) -> None:
        W1, b1, W2, b2, W3, b3 = (np.asarray(a, dtype=dtype) for a in init)
        G = scale.size
        sc = scale.astype(dtype)

        def stack(a: np.ndarray, scaled: bool) -> np.ndarray:
            out = np.repeat(a[..., None], G, axis=-1)
            return out * sc if scaled else out
        self.p = [stack(W1, True), stack(b1[:, None], False), stack(W2, True),
                  stack(b2[:, None], False), stack(W3[0], True), stack(b3, False)]
        self.lr = [lr1.astype(dtype), lr1.astype(dtype), lr2.astype(dtype),
                   lr2.astype(dtype), lr2.astype(dtype), lr2.astype(dtype)]

    def keep(self, mask: np.ndarray) -> None:
        self.p = [a[..., mask] for a in self.p]
        self.lr = [a[mask] for a in self.lr]

    def step(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """One GD step of every network; returns each one's loss before the step (G,)."""
        W1, b1, W2, b2, W3, b3 = self.p
        N = X.shape[0]
        A1 = W1[:, 0, None, :] * X[None, :, 0, None] + b1          # (h1, N, G)
        for k in range(1, X.shape[1]):
            A1 += W1[:, k, None, :] * X[None, :, k, None]
        _np_tanh(A1, out=A1)
        A2 = W2[:, 0, None, :] * A1[None, 0] + b2                  # (h2, N, G)
        for j in range(1, A1.shape[0]):
            A2 += W2[:, j, None, :] * A1[None, j]
        _np_tanh(A2, out=A2)
        r = (W3[:, None, :] * A2).sum(axis=0) + b3 - y             # residual (N, G)
        loss = np.einsum("ng,ng->g", r, r) / N
        r *= 2.0 / N                                               # ∂L/∂out
        dZ2 = W3[:, None, :] * r[None]
        dZ2 *= 1 - A2 * A2                                         # tanh' = 1 − tanh²
        dA1 = W2[0, :, None, :] * dZ2[0][None]                     # W2ᵀ dZ2: (h1, N, G)
        for i in range(1, dZ2.shape[0]):
            dA1 += W2[i, :, None, :] * dZ2[i][None]
        dA1 *= 1 - A1 * A1                                         # = dZ1
        grads = [np.stack([(dA1 * X[None, :, k, None]).sum(axis=1) for k in range(X.shape[1])],
                          axis=1),
                 dA1.sum(axis=1, keepdims=True),
                 np.stack([(dZ2 * A1[j][None]).sum(axis=1) for j in range(A1.shape[0])], axis=1),
                 dZ2.sum(axis=1, keepdims=True),
                 (A2 * r[None]).sum(axis=1),
                 r.sum(axis=0)]
        for param, g, lr in zip(self.p, grads, self.lr):
            np.subtract(param, lr * g, out=param)
        return loss


def _run_chunk(grid: _Grid, X: np.ndarray, y: np.ndarray, steps: int, tol: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train one chunk; (outcome, mean L/L₀, final L/L₀, diverged_at) per network."""
    G = grid.lr[0].size
    alive = np.arange(G)
    total, final = np.zeros(G), np.full(G, np.nan)
    div_at = np.full(G, -1)
    detector: BatchDetector | None = None
    L0 = np.ones(G)
    with np.errstate(all="ignore"):
        for k in range(steps):
            loss = grid.step(X, y).astype(float)   # L(θ_k), before step k's update
            finite = np.isfinite(loss)
            if detector is None:
                L0 = np.where(loss > 0, loss, 1.0)
                detector = BatchDetector(loss)
            rel = loss / L0[alive]
            total[alive] += np.where(finite, rel, 0.0)
            final[alive] = rel
            fired = detector.update(k, loss, finite) if k else ~finite
            if fired.any():
                div_at[alive[fired]] = k
                keep = ~fired
                alive = alive[keep]
                detector.keep(keep)
                grid.keep(keep)
                if not alive.size:
                    break
    outcome = np.where(div_at >= 0, DIVERGED, np.where(final <= tol, CONVERGED, BOUNDED))
    mean = total / np.where(div_at >= 0, np.maximum(div_at, 1), steps)
    return outcome, mean, final, div_at


# ---- the map --------------------------------------------------------------------------------
def _init(d: int, hidden: tuple[int, int], seed: int | None) -> list[np.ndarray]:
    """The shared initialization: a steepest ``MLP(d, [h1, h2, 1])``'s parameters."""
    from ..nn import MLP
    net = MLP(d, [hidden[0], hidden[1], 1], activation="tanh", seed=seed)
    return [p.data for p in net.parameters()]


class _MapTarget(Target):
    """The map as a landscape target (so it shares the landscapes' chunked runner: atomic
    checkpoints, resume, threads, Dask): a "point" is a row (η₁, η₂, scale) of C, and its
    metrics are the trained network's outcome."""

    metrics = ("outcome", "mean_loss", "final_loss", "diverged_at")

    def __init__(self, X: np.ndarray, y: np.ndarray, init: list[np.ndarray], steps: int,
                 tol: float, dtype: Any) -> None:
        self.X, self.y, self.init = X.astype(dtype), y.astype(dtype)[:, None], init
        self.steps, self.tol, self.dtype = steps, tol, np.dtype(dtype)
        self.theta = np.concatenate([np.ravel(a) for a in init]).astype(np.float64)

    def prepare(self, basis: np.ndarray) -> Prepared:
        def run(C: np.ndarray) -> dict[str, np.ndarray]:
            grid = _Grid(self.init, C[:, 2], C[:, 0], C[:, 1], self.dtype)
            return dict(zip(self.metrics, _run_chunk(grid, self.X, self.y, self.steps,
                                                     self.tol)))
        return run

    def describe(self) -> dict[str, Any]:
        return {"data points": int(self.X.shape[0]), "features": int(self.X.shape[1]),
                "layer widths": [int(a.shape[0]) for a in self.init[::2]], "steps": self.steps,
                "tol": self.tol, "dtype": self.dtype.name}

    def fingerprint(self) -> str:
        h = hashlib.sha256(repr((self.steps, self.tol, self.dtype.str, self.X.shape,
                                 [a.shape for a in self.init])).encode())
        for a in (self.X, self.y, self.theta):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()


def trainability_map(X: Any, y: Any, *, axes: tuple[str, str] = ("lr1", "lr2"),
                     xlim: tuple[float, float] = (1e-2, 1e2),
                     ylim: tuple[float, float] = (1e-2, 1e2), resolution: int = 256,
                     steps: int = 500, hidden: tuple[int, int] = (4, 4),
                     seed: int | None = 0, tol: float = 1e-2, dtype: Any = np.float32,
                     chunk: int = 4096, n_jobs: int = 2, progress: bool = False,
                     checkpoint: str | os.PathLike[str] | None = None,
                     backend: str = "numpy", scheduler: Any = None) -> TrainabilityMap:
    """Train a ``resolution`` × ``resolution`` grid of copies of a small tanh MLP (``hidden``
    widths, one output, MSE on ``y``) on ``(X, y)`` by full-batch GD for ``steps`` steps, all
    at once (module docstring), and record which train.

    ``axes``: ("lr1", "lr2") — x the learning rate of the first layer, y that of the second and
    the output layer — or ("lr", "init_scale"), x one learning rate for all layers, y the factor
    multiplying the initial weights (with "lr1"/"lr2" the weights are unscaled).
    ``xlim``/``ylim``: the ranges, sampled geometrically. A run diverges by the
    shared detector's rules; a run that does not is "converged" when its final loss is below
    ``tol`` × its first, else "bounded". ``chunk`` networks are stepped together (the arrays
    stay in cache), ``n_jobs`` chunks in parallel threads (NumPy releases the GIL).
    Run as the landscapes are (:func:`steepest.landscape.run_points`): ``checkpoint`` an .npz
    written atomically after every chunk, so an interrupted map resumes where it stopped (a
    checkpoint of other settings is refused); ``backend="dask"`` sends the chunks to the
    workers of ``scheduler`` (a ``dask.distributed.Client`` or its address).
    """
    from ..landscape.surface import run_points
    axes = check_choice(tuple(axes), "trainability_map: axes", AXES)
    resolution = check_int(resolution, "trainability_map: resolution", low=2)
    steps = check_int(steps, "trainability_map: steps")
    X = np.asarray(X, dtype=float)
    yv = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or len(X) != len(yv):
        raise SteepestError(f"trainability_map: X must be (N, d) with one y per row, got X "
                            f"{X.shape} and y {np.shape(y)}")
    xs, ys = (np.geomspace(*lim, resolution) for lim in (xlim, ylim))
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))      # row = y, column = x
    C = np.column_stack([gx, gy, np.ones_like(gx)] if axes == ("lr1", "lr2") else [gx, gx, gy])
    target = _MapTarget(X, yv, _init(X.shape[1], (int(hidden[0]), int(hidden[1])), seed),
                        steps, tol, dtype)
    t0 = time.perf_counter()
    values = run_points(target, np.empty((3, 0)), C, chunk_size=chunk, checkpoint=checkpoint,
                        progress=progress, backend=backend, scheduler=scheduler,
                        desc="trainability map", n_jobs=n_jobs)
    outcome, mean, final, div_at = (values[k].reshape(resolution, resolution)
                                    for k in _MapTarget.metrics)
    settings = dict(X=X, y=yv, axes=axes, xlim=tuple(xlim), ylim=tuple(ylim),
                    resolution=resolution, steps=steps, hidden=tuple(hidden), seed=seed,
                    tol=tol, dtype=dtype, chunk=chunk, n_jobs=n_jobs, progress=progress,
                    backend=backend, scheduler=scheduler)
    return TrainabilityMap(xs, ys, outcome.astype(int), mean, final, div_at.astype(int), axes,
                           steps, time.perf_counter() - t0, settings)


__all__ = ["OUTCOMES", "TrainabilityMap", "trainability_map"]
