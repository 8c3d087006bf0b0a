"""``fit``: train a model on arrays by minibatch gradient descent, and keep its history.

One epoch shuffles the samples, and for each minibatch B runs::

    optimizer.zero_grad();  L = loss(model(X_B), y_B);  L.backward();  optimizer.step()

The history records, per epoch, the training loss (the mean of the minibatch losses seen during
the epoch, weighted by batch size), a metric (accuracy for classifiers, R² for regressors), the
same two on validation data after the epoch, and the learning rate. ``fit`` is a composition of
the parts every driver shares (:mod:`steepest.descent`): the minibatch losses go through the one
divergence detector — a loss, gradient or parameter that is no longer finite, a loss far above
its start (10⁴×, sustained) or growing geometrically once 10³× above — which stops training with
``status="diverged"`` and a :class:`~steepest.descent.diagnosis.Diagnosis` (the network's λ_max,
the optimizer's stability limit, a learning rate tried from the initial parameters); the model
keeps the parameters from the start of the epoch that diverged. Early stopping is the shared
:class:`~steepest.descent.stopping.Patience` rule. Ctrl-C stops training with
``status="interrupted"``, keeping everything so far.

After every optimizer step, each of ``observers`` is called with a
:class:`~steepest.descent.stopping.StepState` (``step``: the global step, ``loss``: the minibatch
loss, ``lr``, ``logs``: ``{"epoch", "batch"}``) while each ``p.grad`` still holds that step's
gradient and ``p.data`` the updated parameters — the place to track sharpness or per-layer
gradient norms. An observer returning True stops training ("callback_stopped").

An optimizer whose step needs the loss — :class:`~steepest.optim.LBFGS`, ``GD`` with a line
search — is stepped PyTorch's way, ``optimizer.step(closure)``, with a closure re-evaluating the
minibatch's loss and gradients (replayed like the step); its observers then see ``p.grad`` at
the updated parameters (the closure's last evaluation), while the per-layer gradient norms are
those of the step's own gradient.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..autodiff import Tensor, no_grad
from ..autodiff.replay import Replay
from ..descent.diagnosis import Diagnosis, Trial, fmt
from ..descent.divergence import FIT_FACTOR, FIT_GROWTH_LEVEL, MEMORY, Detector, Verdict
from ..descent.stopping import Patience, StepState
from ..optim.schedules import lr_at
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    hinge,
    l2_penalty,
    loss_info,
)
from .metrics import accuracy, r2_score
from .module import Module
from .vector import parameters_to_vector, vector_to_parameters

Metric = Callable[[np.ndarray, np.ndarray], float]


# ---- metrics ---------------------------------------------------------------------------------
def accuracy_from(loss_fn: Callable[..., Tensor]) -> Metric | None:
    """:func:`steepest.nn.metrics.accuracy` at the threshold of a classification loss's outputs
    (0 for logits and scores, 0.5 for probabilities); None for other losses."""
    info = loss_info(loss_fn)
    if info is None or not info.classifier:
        return None
    threshold = info.threshold
    return lambda out, y: float(accuracy(out, y, threshold))


def _resolve_metric(metric: Any, loss_fn: Callable[..., Tensor]) -> tuple[str | None,
                                                                           Metric | None]:
    if metric is None:
        return None, None
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    if metric == "auto":
        acc = accuracy_from(loss_fn)
        if acc is not None:
            return "accuracy", acc
        info = loss_info(loss_fn)
        return ("r2", r2_score) if info is not None and not info.classifier else (None, None)
    if metric == "accuracy":
        acc = accuracy_from(loss_fn)
        if acc is None:
            raise ValueError("fit: metric='accuracy' needs a classification loss "
                             "(cross_entropy, binary_cross_entropy[_with_logits], hinge)")
        return "accuracy", acc
    if metric == "r2":
        return "r2", r2_score
    raise ValueError(f"fit: metric must be 'auto', 'accuracy', 'r2', None or a function "
                     f"(outputs, y) -> float, got {metric!r}")



# ---- history ---------------------------------------------------------------------------------
@dataclass
class TrainingHistory:
    """What ``fit`` saw, one row per completed epoch (NumPy arrays).

    ``epoch`` 1 … E; ``loss``/``metric`` on the training data (running means over the epoch),
    ``val_loss``/``val_metric`` on ``validation_data`` after the epoch (NaN without it), ``lr``
    at the epoch's first step; ``step_loss`` one value per minibatch step; ``snapshots`` flat
    parameter vectors taken at ``snapshot_epochs`` (0 = before training). ``status``:
    "completed", "early_stopped", "callback_stopped", "diverged" or "interrupted".
    """

    epoch: np.ndarray
    loss: np.ndarray
    val_loss: np.ndarray
    metric: np.ndarray
    val_metric: np.ndarray
    lr: np.ndarray
    step_loss: np.ndarray
    snapshots: list[np.ndarray] = field(default_factory=list)
    snapshot_epochs: list[int] = field(default_factory=list)
    status: str = "completed"
    message: str = ""
    diagnosis: Diagnosis | None = None
    diverged_at: int | None = None
    best_epoch: int | None = None
    metric_name: str | None = None
    n_steps: int = 0
    elapsed_s: float = 0.0
    #: per-layer gradient norms ‖∂L/∂θ_l‖ after every step, (steps, layers), and the layers
    layer_names: list[str] = field(default_factory=list)
    layer_grad_norms: np.ndarray | None = None
    #: ``track_sharpness=k``: λ_max(H) measured after these numbers of steps (0 = the start),
    #: the learning rate of the next step, the threshold λ_max must stay below for stability
    #: (2/η for GD), λ_max(P⁻¹H) for adaptive rules and each layer's block λ_max on request
    sharpness_steps: np.ndarray | None = None
    sharpness: np.ndarray | None = None
    sharpness_lr: np.ndarray | None = None
    sharpness_threshold: np.ndarray | None = None
    preconditioned_sharpness: np.ndarray | None = None
    layer_sharpness: np.ndarray | None = None

    @property
    def success(self) -> bool:
        """True unless training diverged or was interrupted."""
        return self.status in ("completed", "early_stopped", "callback_stopped")

    def __repr__(self) -> str:
        last = f", loss={self.loss[-1]:.4g}" if len(self.loss) else ""
        if len(self.metric) and self.metric_name and np.isfinite(self.metric[-1]):
            last += f", {self.metric_name}={self.metric[-1]:.4g}"
        if len(self.val_loss) and np.isfinite(self.val_loss[-1]):
            last += f", val_loss={self.val_loss[-1]:.4g}"
        return (f"TrainingHistory(status={self.status!r}, epochs={len(self.epoch)}"
                f"{last}, steps={self.n_steps})")


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``monitor``: "val_loss" (the default when validation data is given, else "loss"),
    "loss", "val_metric" or "metric" (metrics improve upward). ``restore_best`` puts back the
    parameters of the best epoch.
    """

    patience: int = 10
    monitor: str = "auto"
    min_delta: float = 0.0
    restore_best: bool = True


# ---- input checks ----------------------------------------------------------------------------
def _as_features(X: Any, name: str, model: Module) -> np.ndarray:
    X = X.data if isinstance(X, Tensor) else X
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"fit: {name} must be a numeric array ({exc})") from None
    if X.ndim == 1 and model.in_features == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2:
        raise ValueError(f"fit: {name} must be 2-D (samples, features), got shape {X.shape}")
    if len(X) == 0:
        raise ValueError(f"fit: {name} has no samples")
    bad = ~np.isfinite(X)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        kind = "NaN" if np.isnan(X).any() else "inf"
        raise ValueError(f"fit: {name} contains {kind} values (in {len(rows)} rows, e.g. rows "
                         f"{rows[:5].tolist()}); impute or drop them first")
    nin = model.in_features
    if nin is not None and X.shape[1] != nin:
        raise ValueError(f"fit: {name} has {X.shape[1]} features but the model expects {nin} "
                         f"inputs")
    return X


def _as_targets(y: Any, n: int, name: str, xname: str, loss_fn: Callable[..., Tensor],
                model: Module) -> np.ndarray:
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"fit: {name} must be numeric, got dtype {y.dtype}")
    if len(y) != n:
        raise ValueError(f"fit: {xname} has {n} samples but {name} has {len(y)}; they must "
                         f"match")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"fit: {name} contains NaN or inf values")
    nout = model.out_features
    if loss_fn is cross_entropy:
        if y.ndim != 1:
            raise ValueError(f"fit: cross_entropy needs integer class labels of shape (N,), "
                             f"got {name} of shape {y.shape}")
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError(f"fit: {name} must hold integer class labels for cross_entropy")
        classes = f"0 … {nout - 1}" if nout is not None else "0 … C−1"
        bad = (y < 0) | ((y >= nout) if nout is not None else False)
        if np.any(bad):
            raise ValueError(f"fit: {name} has labels outside the classes {classes} (the "
                             f"model has {nout} outputs): {np.unique(y[bad])[:5].tolist()}")
        return y.astype(np.int64)
    if loss_fn in (binary_cross_entropy, binary_cross_entropy_with_logits, hinge):
        if nout is not None and nout != 1 and y.ndim == 1:
            raise ValueError(f"fit: {getattr(loss_fn, '__name__', 'loss')} needs a model with 1 "
                             f"output, this one has {nout}; for {nout} classes use "
                             f"cross_entropy")
        allowed = (-1.0, 1.0) if loss_fn is hinge and y.min() < 0 else (0.0, 1.0)
        outside = (y < allowed[0]) | (y > allowed[1])
        if loss_fn is hinge:
            outside = ~np.isin(y, allowed)
        if np.any(outside):
            raise ValueError(f"fit: {name} has labels outside the classes "
                             f"{{{allowed[0]:g}, {allowed[1]:g}}}: "
                             f"{np.unique(y[outside])[:5].tolist()}")
    return y.astype(np.float64)


def _bind_optimizer(optimizer: Any, model: Module) -> Any:
    if not hasattr(optimizer, "step") or not hasattr(optimizer, "param_groups"):
        raise TypeError(f"fit: optimizer must be a steepest.optim optimizer, e.g. "
                        f"Adam(model.parameters(), lr=1e-3), got {type(optimizer).__name__}")
    if getattr(optimizer, "closure_form", True) is False:
        raise ValueError(f"fit: {type(optimizer).__name__} needs exact Hessian-vector "
                         f"products, which a training step cannot give; use LBFGS, or "
                         f"steepest.minimize on the loss as a function of the parameters")
    params = model.parameters()
    if not optimizer.param_groups:  # built as GD(lr=…): give it this model's parameters
        optimizer.add_param_group({"params": params})
        return optimizer
    mine = {id(p) for p in params}
    theirs = {id(p) for p in optimizer.parameters()}
    if not mine & theirs:
        raise ValueError("fit: the optimizer holds none of this model's parameters; build it "
                         "with the model's: Adam(model.parameters(), lr=...)")
    return optimizer


# ---- what fit was asked, checked -------------------------------------------------------------
@dataclass
class _Plan:
    """Everything one training run needs, after the argument checks."""

    model: Module
    X: np.ndarray
    y: np.ndarray
    loss_fn: Callable[..., Tensor]
    optimizer: Any
    epochs: int
    batch_size: int
    rng: np.random.Generator
    metric_name: str | None = None
    metric_fn: Metric | None = None
    shuffle: bool = True
    l2: float = 0.0
    validation: tuple[np.ndarray, np.ndarray] | None = None
    stopper: Patience | None = None
    restore_best: bool = True
    callbacks: Sequence[Callable[[int, dict[str, float]], Any]] = ()
    observers: Sequence[Callable[[StepState], Any]] = ()
    snapshot_every: int | None = None
    progress: bool = False
    diagnose: bool = True  # off for the trials a diagnosis runs
    replay: bool = True  # steps through steepest.autodiff.replay.Replay (False: eager)


def _plan(model: Module, X: Any, y: Any, loss: Any, optimizer: Any, epochs: Any,
          batch_size: Any, validation_data: Any, early_stopping: Any, seed: Any, metric: Any,
          l2: Any, snapshot_every: Any) -> _Plan:
    from .._validate import check_float, check_int
    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be a steepest.nn.Module, got {type(model).__name__}")
    epochs = check_int(epochs, "fit: epochs")
    loss_fn = get_loss(loss)
    metric_name, metric_fn = _resolve_metric(metric, loss_fn)
    X = _as_features(X, "X", model)
    y = _as_targets(y, len(X), "y", "X", loss_fn, model)
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        Xv = _as_features(validation_data[0], "X_val", model)
        validation = (Xv, _as_targets(validation_data[1], len(Xv), "y_val", "X_val", loss_fn,
                                      model))
    n = len(X)
    batch = n if batch_size is None else check_int(batch_size, "fit: batch_size")
    if snapshot_every is not None:
        snapshot_every = check_int(snapshot_every, "fit: snapshot_every")
    stopper, restore = _early_stopper(early_stopping, validation is not None)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return _Plan(model, X, y, loss_fn, _bind_optimizer(optimizer, model), epochs,
                 min(batch, n), rng, metric_name, metric_fn, l2=check_float(l2, "fit: l2", low=0),
                 validation=validation, stopper=stopper, restore_best=restore,
                 snapshot_every=snapshot_every)


def _early_stopper(early_stopping: Any, has_validation: bool) -> tuple[Patience | None, bool]:
    """The shared Patience rule for ``early_stopping`` (a patience or an EarlyStopping), and
    whether the best epoch's parameters are restored."""
    if early_stopping is None or early_stopping is False:
        return None, False
    if isinstance(early_stopping, (int, np.integer)) and not isinstance(early_stopping, bool):
        early_stopping = EarlyStopping(patience=int(early_stopping))
    if not isinstance(early_stopping, EarlyStopping):
        raise TypeError(f"fit: early_stopping must be None, a patience (int) or an "
                        f"EarlyStopping, got {early_stopping!r}")
    cfg = early_stopping
    if cfg.patience < 1:
        raise ValueError(f"fit: early stopping patience must be ≥ 1, got {cfg.patience}")
    monitor = ("val_loss" if has_validation else "loss") if cfg.monitor == "auto" \
        else cfg.monitor
    if monitor not in ("loss", "val_loss", "metric", "val_metric"):
        raise ValueError(f"fit: EarlyStopping.monitor must be 'auto', 'loss', 'val_loss', "
                         f"'metric' or 'val_metric', got {monitor!r}")
    if monitor.startswith("val_") and not has_validation:
        raise ValueError(f"fit: early stopping on {monitor!r} needs validation_data")
    mode = "max" if monitor.endswith("metric") else "min"
    return Patience(cfg.patience, cfg.min_delta, monitor=monitor, mode=mode), cfg.restore_best


# ---- the training loop -----------------------------------------------------------------------
def fit(model: Module, X: Any, y: Any, *, loss: str | Callable[..., Tensor], optimizer: Any,
        epochs: int, batch_size: int | None = None,
        validation_data: tuple[Any, Any] | None = None,
        early_stopping: int | EarlyStopping | None = None,
        callbacks: Sequence[Callable[[int, dict[str, float]], Any]] = (),
        observers: Sequence[Callable[[StepState], Any]] = (),
        snapshot_every: int | None = None, seed: int | np.random.Generator | None = None,
        progress: bool = False, metric: Any = "auto", l2: float = 0.0,
        shuffle: bool = True, replay: bool = True, track_sharpness: int | None = None,
        sharpness_batch: int | None = None, layer_sharpness: bool = False) -> TrainingHistory:
    """Train ``model`` on ``(X, y)`` for ``epochs`` passes; returns a :class:`TrainingHistory`.

    ``loss``: a name ("mse", "mae", "huber", "bce", "bce_with_logits", "cross_entropy",
    "hinge") or a function (outputs, targets) → scalar Tensor. ``optimizer``: a
    ``steepest.optim`` optimizer over ``model.parameters()`` (one built without parameters,
    ``Adam(lr=1e-2)``, is given them). ``batch_size`` None = full batch. ``early_stopping``: a
    patience in epochs or an :class:`EarlyStopping`. ``callbacks``: functions
    ``cb(epoch, logs) -> bool | None`` called after every epoch (``logs`` holds loss, val_loss,
    metric, val_metric, lr); returning True stops training. ``observers``: functions
    ``obs(state)`` called after every optimizer step (see the module docstring); returning True
    stops training. ``snapshot_every`` k: keep the flat parameter vector before training, every
    k epochs and at the end. ``seed`` fixes the shuffling. ``metric``: "auto" (accuracy for
    classification losses, R² for regression ones), "accuracy", "r2", None or a function
    (outputs, targets) → float. ``l2``: adds ``l2 · Σ p²`` over all parameters to the minibatch
    loss. ``replay`` (default True): record the step's graph once per batch shape and replay it
    (``steepest.autodiff.replay.Replay``: the same NumPy calls into preallocated buffers,
    bit-equal to the eager step; a step it cannot replay — dropout, a branch on a value, an op
    without a kernel — runs eagerly by itself); ``replay=False`` runs every step eagerly.

    The history always records each layer's gradient norm after every step
    (``layer_grad_norms``). ``track_sharpness`` k: every k steps (and at the start) measure the
    sharpness λ_max of the training loss's Hessian by warm-started Lanczos on exact HVPs — on all
    of ``X`` or on a fixed random subset of ``sharpness_batch`` samples — into
    ``history.sharpness`` (see :mod:`steepest.curvature.tracking`); ``layer_sharpness`` also
    measures each layer's diagonal Hessian block.
    """
    from .._validate import check_int
    from ..curvature.tracking import SharpnessTracker
    plan = _plan(model, X, y, loss, optimizer, epochs, batch_size, validation_data,
                 early_stopping, seed, metric, l2, snapshot_every)
    trackers: list[Any] = []
    if track_sharpness is not None:
        every = check_int(track_sharpness, "fit: track_sharpness", low=1)
        batch = None if sharpness_batch is None else check_int(
            sharpness_batch, "fit: sharpness_batch", low=1)
        tracker = SharpnessTracker(plan.model, plan.X, plan.y, plan.loss_fn, plan.optimizer,
                                   every, batch=batch, l2=plan.l2, layers=layer_sharpness)
        tracker.measure(plan.optimizer.step_count)
        trackers.append(tracker)
    plan.callbacks, plan.observers, plan.progress, plan.shuffle = (
        tuple(callbacks), tuple(observers) + tuple(trackers), progress, shuffle)
    plan.replay = bool(replay)
    training = _Training(plan)
    hist = training.run()
    grads = training.layer_grads
    hist.layer_names, hist.layer_grad_norms = grads.names, grads.norms()
    if track_sharpness is not None:
        tracker.fill(hist)
    return hist


class _Training:
    """One run of ``fit``: the epochs, the minibatch steps, the end of each epoch."""

    def __init__(self, plan: _Plan):
        from ..curvature.tracking import LayerGradients
        self.p = plan
        self.rows: dict[str, list[float]] = {k: [] for k in ("loss", "val_loss", "metric",
                                                            "val_metric", "lr")}
        self.step_loss: list[float] = []
        empty = np.array([])
        self.hist = TrainingHistory(empty, empty, empty, empty, empty, empty, empty,
                                    metric_name=plan.metric_name)
        self.params = plan.model.parameters()
        self.layer_grads = LayerGradients(plan.model)
        self.modules = [m for _, m in plan.model.named_modules()]
        self.grad_flat = np.empty(sum(q.data.size for q in self.params))
        stops = np.cumsum([q.data.size for q in self.params])[:-1]
        self.grad_parts = [part.reshape(q.data.shape)
                           for q, part in zip(self.params, np.split(self.grad_flat, stops))]
        self.theta_init = parameters_to_vector(plan.model)
        self.best_theta: np.ndarray | None = None
        self.detector: Detector | None = None
        self.view = StepState()
        self.replay = Replay(self._forward, has_aux=True) if plan.replay else None
        self.status, self.message = "completed", f"trained for {plan.epochs} epochs"
        if plan.stopper is not None:
            plan.stopper.reset()

    def run(self) -> TrainingHistory:
        from .._progress import progress_bar
        p, t0 = self.p, time.perf_counter()
        if p.snapshot_every:
            self._snapshot(0)
        bar = progress_bar(p.epochs, "fit", "epoch", enabled=p.progress, leave=True)
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                for epoch in range(1, p.epochs + 1):
                    if self._epoch(epoch, bar):
                        break
        except KeyboardInterrupt:
            self.status = "interrupted"
            self.message = f"interrupted after {len(self.rows['loss'])} completed epochs"
        finally:
            bar.close()
            p.model.train()
        return self._finish(time.perf_counter() - t0)

    def _lr(self) -> float:
        opt = self.p.optimizer
        return lr_at(opt.param_groups[0]["lr"], opt.step_count)

    def _epoch(self, epoch: int, bar: Any) -> bool:
        """One pass over the data; True when training stops after it."""
        p = self.p
        start_theta = np.concatenate([q.data.ravel() for q in self.params])  # θ, as a vector
        lr_now = self._lr()
        if not all(m.training for m in self.modules):
            p.model.train()
        n = len(p.X)
        order = p.rng.permutation(n) if p.shuffle and p.batch_size < n else None
        total, outs = 0.0, []
        for b, lo in enumerate(range(0, n, p.batch_size)):
            hi = min(lo + p.batch_size, n)  # in order: a slice, the batch a view of X
            idx = slice(lo, hi) if order is None else order[lo:hi]
            failure, value, out = self._step(idx, epoch, b, lr_now)
            if failure is not None:
                self._diverged(failure, epoch, lr_now, start_theta)
                return True
            if self.status != "completed":
                return True
            total += value * (hi - lo)
            outs.append(out)
        bar.update(1)
        return self._end_epoch(epoch, total / n, outs, order, lr_now, bar)

    def _step(self, idx: np.ndarray | slice, epoch: int, b: int, lr: float
              ) -> tuple[Verdict | str | None, float, np.ndarray]:
        """One minibatch step: (what diverged or None, the loss, the outputs)."""
        p = self.p
        for q in self.params:
            q.grad = None
        if self.replay is not None:  # forward and backward: the gradients are filled
            L, out = self.replay(p.X[idx], p.y[idx])
        else:
            L, out = self._forward(p.X[idx], p.y[idx])
        value = float(L.item())
        self.step_loss.append(value)
        self.hist.n_steps += 1
        k = len(self.step_loss) - 1
        if self.detector is None:
            self.detector = Detector(value, FIT_FACTOR, FIT_GROWTH_LEVEL)
        if not math.isfinite(value):
            return "loss", value, out.data
        verdict = self.detector.update(k, value, lambda: self.step_loss[-MEMORY:])
        if verdict is not None:
            return verdict, value, out.data
        if self.replay is None:
            L.backward()
        grad = self._flat_grad()
        if not np.isfinite(grad).all():
            return "gradient", value, out.data
        if p.optimizer.needs_loss:  # LBFGS, a line search: re-evaluates this batch's loss
            p.optimizer.step(self._closure(idx))
        else:
            p.optimizer.step()
        if not np.isfinite(np.concatenate([q.data.ravel() for q in self.params])).all():
            return "parameters", value, out.data
        self.layer_grads.add(grad)
        if p.observers:
            self._observe(k, value, lr, epoch, b)
        return None, value, out.data

    def _closure(self, idx: np.ndarray | slice) -> Callable[[], Tensor]:
        """PyTorch's closure for ``optimizer.step(closure)``: this batch's loss and gradients
        at the current parameters (through the replay, as the step itself)."""
        Xb, yb = self.p.X[idx], self.p.y[idx]

        def closure() -> Tensor:
            for q in self.params:
                q.grad = None
            if self.replay is not None:
                return self.replay(Xb, yb)[0]
            L, _ = self._forward(Xb, yb)
            L.backward()
            return L
        return closure

    def _flat_grad(self) -> np.ndarray:
        """This step's gradient as one vector (``parameters_to_vector`` order; zeros where a
        parameter got none): what the finite check and the layer norms read."""
        for q, part in zip(self.params, self.grad_parts):
            if q.grad is None:
                part[...] = 0
            else:
                part[...] = q.grad.data
        return self.grad_flat

    def _forward(self, Xb: np.ndarray, yb: np.ndarray) -> tuple[Tensor, Tensor]:
        """The minibatch loss (with the L2 term) and the model's outputs."""
        p = self.p
        out = p.model(Xb)
        L: Any = p.loss_fn(out, yb)
        if p.l2:
            L = L + l2_penalty(p.model, p.l2)
        return L, out

    def _observe(self, k: int, value: float, lr: float, epoch: int, b: int) -> None:
        v = self.view
        v.step, v.loss_prev, v.loss, v.lr = k, v.loss, value, lr
        v.logs = {"epoch": epoch, "batch": b}
        if any(obs(v) is True for obs in list(self.p.observers)):
            self.status = "callback_stopped"
            self.message = f"an observer stopped training at step {k} (epoch {epoch})"

    def _end_epoch(self, epoch: int, mean_loss: float, outs: list[np.ndarray],
                   order: np.ndarray | None, lr_now: float, bar: Any) -> bool:
        """Record the epoch; run schedules, snapshots, early stopping and callbacks. True when
        training stops here."""
        p, rows = self.p, self.rows
        rows["loss"].append(mean_loss)
        rows["lr"].append(lr_now)
        metric = math.nan
        if p.metric_fn is not None:  # the epoch's outputs against its targets, in its order
            metric = p.metric_fn(np.concatenate(outs) if len(outs) > 1 else outs[0],
                                 p.y if order is None else p.y[order])
        rows["metric"].append(metric)
        vl, vm = (math.nan, math.nan) if p.validation is None else _evaluate(
            p.model, *p.validation, p.loss_fn, p.metric_fn)
        rows["val_loss"].append(vl)
        rows["val_metric"].append(vm)
        for g in p.optimizer.param_groups:
            if hasattr(g["lr"], "observe"):
                g["lr"].observe(vl if p.validation is not None else mean_loss)
        if p.snapshot_every and epoch % p.snapshot_every == 0:
            self._snapshot(epoch)
        logs = {"epoch": epoch, "loss": mean_loss, "val_loss": vl, "metric": metric,
                "val_metric": vm, "lr": lr_now}
        if p.progress:
            bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()
                             if k != "epoch" and np.isfinite(v)})
        return self._early_stop(epoch, logs) or self._callbacks(epoch, logs)

    def _early_stop(self, epoch: int, logs: dict[str, float]) -> bool:
        stopper = self.p.stopper
        if stopper is None:
            return False
        view = StepState(step=epoch, logs=logs)
        message = stopper.check(view)
        if stopper.improved:
            self.hist.best_epoch = epoch
            self.best_theta = parameters_to_vector(self.p.model)
        if message is None:
            return False
        self.status = "early_stopped"
        self.message = (f"{stopper.monitor} did not improve for {stopper.patience} epochs; "
                        f"best at epoch {self.hist.best_epoch}")
        return True

    def _callbacks(self, epoch: int, logs: dict[str, float]) -> bool:
        answers = [cb(epoch, logs) for cb in self.p.callbacks]  # every callback runs
        if any(a is True for a in answers):
            self.status, self.message = "callback_stopped", f"a callback stopped at epoch {epoch}"
            return True
        return False

    def _snapshot(self, epoch: int) -> None:
        self.hist.snapshots.append(parameters_to_vector(self.p.model))
        self.hist.snapshot_epochs.append(epoch)

    def _diverged(self, failure: Verdict | str, epoch: int, lr: float,
                  start_theta: np.ndarray) -> None:
        vector_to_parameters(start_theta, self.p.model)
        self.status, self.hist.diverged_at = "diverged", epoch
        if self.p.diagnose:
            self.hist.diagnosis = _fit_diagnosis(self, failure, epoch, lr)
            self.message = self.hist.diagnosis.message
            vector_to_parameters(start_theta, self.p.model)  # the trials moved them
        else:
            self.message = f"diverged at epoch {epoch}"

    def _finish(self, elapsed: float) -> TrainingHistory:
        p, hist, done = self.p, self.hist, len(self.rows["loss"])
        if p.snapshot_every and (not hist.snapshot_epochs or hist.snapshot_epochs[-1] != done):
            self._snapshot(done)  # the path's end, before any restore
        if p.restore_best and self.best_theta is not None and self.status != "diverged" \
                and hist.best_epoch != done:
            vector_to_parameters(self.best_theta, p.model)
            self.message += f" (parameters of the best epoch, {hist.best_epoch}, restored)"
        hist.epoch = np.arange(1, done + 1)
        for key, values in self.rows.items():
            setattr(hist, key, np.array(values, dtype=float))
        hist.step_loss = np.array(self.step_loss, dtype=float)
        hist.status, hist.message, hist.elapsed_s = self.status, self.message, elapsed
        return hist


def _evaluate(model: Module, X: np.ndarray, y: np.ndarray, loss_fn: Callable[..., Tensor],
              metric_fn: Metric | None) -> tuple[float, float]:
    model.eval()
    with no_grad():
        out = model(X)
        value = float(loss_fn(out, y).item())
    model.train()
    return value, (metric_fn(out.data, y) if metric_fn is not None else math.nan)


# ---- the diagnosis of a diverged training run ---------------------------------------------------
#: the curvature check runs on models up to this many parameters, on up to this many samples
CURVATURE_MAX_PARAMS, CURVATURE_MAX_SAMPLES = 5000, 1000
#: a suggested rate is tried for about this many minibatch steps, halved at most this often
TRIAL_STEPS, MAX_HALVINGS = 500, 20


def _fit_diagnosis(run: _Training, failure: Verdict | str, epoch: int, lr: float) -> Diagnosis:
    """What diverged, the network's curvature at its initial parameters against the optimizer's
    own stability limit, and a learning rate tried from the initial parameters."""
    p, finite = run.p, [v for v in run.step_loss if math.isfinite(v)]
    what = failure if isinstance(failure, str) else failure.rule
    step = len(run.step_loss)
    if isinstance(failure, Verdict):
        first = f"training diverged at epoch {epoch} (step {step}): {failure.reason}."
    else:
        first = f"training diverged at epoch {epoch} (step {step}): the {what} became inf or NaN."
    d = Diagnosis(kind="diverged", message="", optimizer=type(p.optimizer).__name__, lr=lr,
                  diverged_at=epoch, rule=what if isinstance(failure, Verdict) else "nonfinite",
                  epoch=epoch, step=step, last_finite_loss=finite[-1] if finite else math.nan,
                  what=what)
    lines = [first, _curvature_text(d, run, lr)]
    scale = float(np.max(np.abs(p.X)))
    if scale > 100:
        lines.append(f"The inputs reach |x| = {fmt(scale, 3)}: standardize them (zero mean, unit "
                     f"variance) — large inputs make the curvature, and so the stable rate, "
                     f"extreme.")
    candidate = 0.5 * d.lr_max if d.lr_max is not None else lr / 10
    lines.append(_try_rates(d, run, candidate))
    lines.append(f"The model holds the parameters from the start of epoch {epoch}.")
    d.message = " ".join(line for line in lines if line)
    return d


def _curvature_text(d: Diagnosis, run: _Training, lr: float) -> str:
    """λ_max of the network's loss at the initial parameters (preconditioned for adaptive
    optimizers, with their first step's P) and the optimizer's limit there."""
    from ..curvature import sharpness
    from .vector import loss_of_parameters
    p, opt = run.p, run.p.optimizer
    if p.model.num_parameters() > CURVATURE_MAX_PARAMS:
        return ""
    m = min(len(p.X), CURVATURE_MAX_SAMPLES)
    f = loss_of_parameters(p.model, p.X[:m], p.y[:m], p.loss_fn)
    try:
        s = sharpness(f, run.theta_init, opt)
    except (ValueError, ArithmeticError, RuntimeError, np.linalg.LinAlgError):
        return ""
    if not (math.isfinite(s.lam_max) and s.lam_max > 0):
        return ""
    d.lam_max, d.lam_min, d.sharpness = s.lam_max, s.lam_min, s.name
    d.lr_max = opt.lr_limit(s.lam_max)
    over = f" ({fmt(lr / d.lr_max, 3)}× the limit)" if lr > d.lr_max else ""
    return (f"At the initial parameters the network's sharpest curvature is {s.name} = "
            f"{fmt(s.lam_max, 3)}, so {d.optimizer} is stable only for lr < "
            f"{opt.limit_formula()} = {fmt(d.lr_max, 3)}; the learning rate was {fmt(lr, 3)}"
            f"{over}.")


def _try_rates(d: Diagnosis, run: _Training, lr: float) -> str:
    """Train from the initial parameters at ``lr`` (half the limit), halving until it does not
    diverge; the sentence that reports it."""
    p = run.p
    steps_per_epoch = math.ceil(len(p.X) / p.batch_size)
    epochs = max(1, min(p.epochs, math.ceil(TRIAL_STEPS / steps_per_epoch)))
    why = "half the limit" if d.lr_max is not None else "÷10, no stability limit measured"
    for halving in range(MAX_HALVINGS + 1):
        vector_to_parameters(run.theta_init, p.model)
        trial = replace(p, optimizer=p.optimizer.with_lr(lr, p.model.parameters()),
                        epochs=epochs, rng=np.random.default_rng(0), validation=None,
                        stopper=None, callbacks=(), observers=(), snapshot_every=None,
                        progress=False, diagnose=False)
        h = _Training(trial).run()
        if h.status != "diverged":
            d.suggested_lr = lr
            d.trial = Trial(lr, len(h.epoch), h.status, float(h.step_loss[0]),
                            float(h.loss[-1]), start="the initial parameters",
                            halvings=halving)
            halved = f", halved {halving}×" if halving else ""
            return (f"Suggested lr = {fmt(lr, 3)} ({why}{halved}): "
                    f"tried for {len(h.epoch)} epochs from the initial parameters, loss "
                    f"{fmt(d.trial.loss_start, 3)} → {fmt(d.trial.loss_end, 3)} "
                    f"({h.status}).")
        lr *= 0.5
    return (f"No rate down to lr = {fmt(2 * lr, 3)} trained for {epochs} epochs without "
            f"diverging, so none is suggested.")
