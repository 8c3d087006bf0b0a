"""Curvature and gradients watched while a network trains: the observers behind
``nn.fit(..., track_sharpness=k)`` and the per-layer gradient norms every history records.

Every ``k`` optimizer steps :class:`SharpnessTracker` measures the sharpness λ_max of the
training loss's Hessian at the current parameters from exact Hessian-vector products (double
backpropagation), by Lanczos started from the previous measurement's top eigenvector
(:func:`~steepest.curvature.hessian.top_eig`): the top eigenvector moves little in k steps, so a
measurement usually costs one to a few HVPs. GD is stable on the local quadratic while
λ_max < 2/η (momentum: (2 + 2β)/η); Cohen et al. (2021) found that full-batch GD raises λ_max
until it reaches that threshold and then hovers there — the *edge of stability*. For Adagrad,
RMSprop and Adam the threshold is on the preconditioned sharpness λ_max(P^{-1/2} H P^{-1/2})
with the optimizer's current diagonal P, which is tracked beside λ_max(H).

The Hessian is that of the loss (plus ``fit``'s ``l2`` penalty) on the full training set, or on
a fixed evaluation batch of ``batch`` samples drawn once (the same samples at every
measurement, so the curve shows the parameters moving, not the batch changing); the model is
evaluated in ``eval`` mode (no dropout). On request (``layers=True``) each layer's own sharpness
is measured too: the top eigenvalue of its diagonal block H_ll of the Hessian, the curvature
that layer would see if it alone were trained.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .hessian import TOP_TOL, sharpness, top_eig


def layer_slices(model: Any) -> tuple[list[str], list[slice]]:
    """The layers of ``model`` — the modules that own parameters, named by their dotted path —
    and each one's slice of the flat parameter vector (``parameters_to_vector`` order; a layer
    whose parameters are not contiguous there is split at each gap)."""
    names: list[str] = []
    slices: list[slice] = []
    offset = 0
    for full, p in model.named_parameters():
        owner = full.rsplit(".", 1)[0] if "." in full else full
        size = p.data.size
        if names and names[-1] == owner and slices[-1].stop == offset:
            slices[-1] = slice(slices[-1].start, offset + size)
        else:
            names.append(owner)
            slices.append(slice(offset, offset + size))
        offset += size
    return names, slices


class LayerGradients:
    """An observer recording ‖∂L/∂θ_l‖ of each layer l (weights and biases together) after every
    step: gradients that shrink layer by layer toward the input vanish, ones that grow explode."""

    def __init__(self, model: Any) -> None:
        self.params = model.parameters()
        self.names, _ = layer_slices(model)
        owners = [full.rsplit(".", 1)[0] if "." in full else full
                  for full, _ in model.named_parameters()]
        self.index = [self.names.index(o) for o in owners]
        sizes = [p.data.size for p in self.params]
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self.rows: list[np.ndarray] = []

    def __call__(self, state: Any) -> None:
        sq = np.zeros(len(self.names))
        for i, p in zip(self.index, self.params):
            if p.grad is not None:
                g = p.grad.data
                sq[i] += float(np.vdot(g, g))
        self.rows.append(np.sqrt(sq))

    def add(self, grad: np.ndarray) -> None:
        """Record a step's norms from its flat gradient ``grad`` (``parameters_to_vector``
        order), as a call does from each ``p.grad``: what ``fit`` uses (one reduction)."""
        sq = np.add.reduceat(grad * grad, self.starts) if grad.size else np.zeros(0)
        self.rows.append(np.sqrt(np.bincount(self.index, sq, len(self.names))))

    def norms(self) -> np.ndarray:
        """(steps, layers) array of the recorded norms."""
        return np.array(self.rows).reshape(len(self.rows), len(self.names))


class SharpnessTracker:
    """An ``nn.fit`` observer measuring λ_max of the training-loss Hessian every ``every`` steps
    (and at the start), warm-started from the previous top eigenvector (see the module
    docstring). ``X``/``y``: the training data, ``batch``: None for all of it or the size of a
    fixed evaluation subset (drawn with ``seed``); ``l2``: ``fit``'s penalty; ``layers``: also
    each layer's block sharpness; ``tol``: the relative residual at which Lanczos stops."""

    def __init__(self, model: Any, X: np.ndarray, y: np.ndarray, loss: Any, optimizer: Any,
                 every: int, *, batch: int | None = None, l2: float = 0.0,
                 layers: bool = False, tol: float = TOP_TOL, seed: int = 0) -> None:
        from ..nn.losses import get_loss
        if batch is not None and batch < len(X):
            idx = np.sort(np.random.default_rng(seed).choice(len(X), batch, replace=False))
            X, y = X[idx], y[idx]
        self.model, self.X, self.y, self.loss_fn = model, X, y, get_loss(loss)
        self.optimizer, self.every, self.l2, self.tol = optimizer, every, l2, tol
        self.names, self.slices = layer_slices(model)
        self.layers = layers
        self.rng = np.random.default_rng(seed)
        self.v_top: np.ndarray | None = None
        self.v_pre: np.ndarray | None = None
        self.v_layer: list[np.ndarray | None] = [None] * len(self.slices)
        self.rows: dict[str, list[Any]] = {k: [] for k in (
            "steps", "sharpness", "preconditioned", "threshold", "lr", "layer")}

    # ---- the loss as a function of θ -------------------------------------------------------
    def loss_of(self) -> Callable[[Any], Any]:
        """θ ↦ loss(model_θ(X_eval), y_eval) + l2·‖θ‖² (what ``fit`` descends, on the
        evaluation data)."""
        from ..nn.vector import functional_call
        model, X, y, loss_fn, l2 = self.model, self.X, self.y, self.loss_fn, self.l2

        def f(theta: Any) -> Any:
            out = loss_fn(functional_call(model, theta, X), y)
            return out + l2 * (theta * theta).sum() if l2 else out
        return f

    def _start(self, v: np.ndarray | None, n: int) -> np.ndarray:
        return v if v is not None else self.rng.standard_normal(n)

    # ---- observing -------------------------------------------------------------------------
    def __call__(self, state: Any) -> None:
        done = self.optimizer.step_count
        if done % self.every == 0:
            self.measure(done)

    def measure(self, step: int) -> None:
        """One measurement at the model's current parameters, recorded as after ``step``
        optimizer steps."""
        from ..nn.vector import parameters_to_vector
        from ..optim.schedules import lr_at
        opt = self.optimizer
        theta = parameters_to_vector(self.model)
        was_training = self.model.training
        self.model.eval()
        try:
            f = self.loss_of()
            plain = sharpness(f, theta, opt, v0=self._start(self.v_top, theta.size),
                              tol=self.tol, preconditioned=False)
            self.v_top = plain.vector
            lr = lr_at(opt.param_groups[0]["lr"], opt.step_count)
            state = flat_state(opt, self.model) if opt.adaptive else None
            pre = math.nan
            if opt.adaptive and state is not None:
                s = sharpness(f, theta, opt, state, v0=self._start(self.v_pre, theta.size),
                              tol=self.tol)
                self.v_pre, pre = s.vector, s.lam_max
            self.rows["layer"].append(self._layers(f, theta) if self.layers else None)
        finally:
            self.model.train(was_training)
        self.rows["steps"].append(step)
        self.rows["sharpness"].append(plain.lam_max)
        self.rows["preconditioned"].append(pre)
        self.rows["lr"].append(lr)
        threshold = math.nan if opt.adaptive and state is None else \
            opt.lr_limit(1.0, state) / lr if lr > 0 else math.inf
        self.rows["threshold"].append(threshold)

    def _layers(self, f: Callable[[Any], Any], theta: np.ndarray) -> np.ndarray:
        """λ_max of each layer's diagonal block H_ll (plus the L2 penalty's 2·l2)."""
        from .hessian import hvp_function
        hvp = hvp_function(f, theta)
        out = np.empty(len(self.slices))
        for i, sl in enumerate(self.slices):
            def block(v: np.ndarray, sl: slice = sl) -> np.ndarray:
                full = np.zeros(theta.size)
                full[sl] = v
                return hvp(full)[sl]
            size = sl.stop - sl.start
            top = top_eig(block, self._start(self.v_layer[i], size), tol=self.tol)
            self.v_layer[i], out[i] = top.vector, top.value
        return out

    def fill(self, history: Any) -> None:
        """Write the measurements into a :class:`~steepest.nn.training.TrainingHistory`."""
        rows = self.rows
        history.sharpness_steps = np.array(rows["steps"], dtype=int)
        history.sharpness = np.array(rows["sharpness"], dtype=float)
        history.sharpness_lr = np.array(rows["lr"], dtype=float)
        history.sharpness_threshold = np.array(rows["threshold"], dtype=float)
        if self.optimizer.adaptive:
            history.preconditioned_sharpness = np.array(rows["preconditioned"], dtype=float)
        if self.layers:
            history.layer_sharpness = np.array(rows["layer"], dtype=float).reshape(
                len(rows["layer"]), len(self.names))


def flat_state(optimizer: Any, model: Any) -> dict[str, Any] | None:
    """The optimizer's per-parameter state as one state over the flat parameter vector (arrays
    concatenated in ``parameters_to_vector`` order, counters taken from the first parameter);
    None before the first step."""
    states = [optimizer.state.get(p) for p in model.parameters()]
    if not states or any(s is None for s in states):
        return None
    flat: dict[str, Any] = {}
    for key, first in states[0].items():
        if isinstance(first, np.ndarray) and first.ndim > 0:
            flat[key] = np.concatenate([np.ravel(s[key]) for s in states])
        else:
            flat[key] = first
    return flat


__all__ = ["LayerGradients", "SharpnessTracker", "flat_state", "layer_slices"]
