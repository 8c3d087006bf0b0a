"""``fit``: train a model on arrays by minibatch gradient descent, and keep its history.

One epoch shuffles the samples, and for each minibatch B runs::

    optimizer.zero_grad();  L = loss(model(X_B), y_B);  L.backward();  optimizer.step()

The history records, per epoch, the training loss (the mean of the minibatch losses seen during
the epoch, weighted by batch size), a metric (accuracy for classifiers, R² for regressors), the
same two on validation data after the epoch, and the learning rate. Divergence — a loss,
gradient or parameter that is no longer finite, or a minibatch loss that exceeds the best one by
``EXPLOSION_FACTOR`` times the initial loss scale — stops training with ``status="diverged"`` and
a diagnosis; the model keeps the parameters from the start of the epoch that diverged. Ctrl-C
stops it with ``status="interrupted"``, keeping everything so far.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autodiff import Tensor, no_grad
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    hinge,
    huber,
    l2_penalty,
    mae,
    mse,
)
from .module import Module
from .vector import parameters_to_vector, vector_to_parameters

Metric = Callable[[np.ndarray, np.ndarray], float]

#: a minibatch loss above the best one by this many times the initial loss scale is divergence
#: (as in ``steepest.minimize``)
EXPLOSION_FACTOR = 1e8


# ---- metrics ---------------------------------------------------------------------------------
def accuracy_from(loss_fn: Callable[..., Tensor]) -> Metric | None:
    """The accuracy that matches a classification loss's output convention (None otherwise)."""
    def binary(threshold: float) -> Metric:
        def acc(out: np.ndarray, y: np.ndarray) -> float:
            positive = y.reshape(-1) > (0.0 if y.min() < 0 else 0.5)  # labels ±1 or 0/1
            return float(np.mean((out.reshape(-1) > threshold) == positive))
        return acc

    if loss_fn is cross_entropy:
        return lambda out, y: float(np.mean(out.argmax(axis=1) == y.reshape(-1)))
    if loss_fn is binary_cross_entropy_with_logits or loss_fn is hinge:
        return binary(0.0)
    if loss_fn is binary_cross_entropy:
        return binary(0.5)
    return None


def r2_score(out: np.ndarray, y: np.ndarray) -> float:
    """Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)² (NaN for constant y)."""
    y, out = y.reshape(len(y), -1), out.reshape(len(y), -1)
    ss_res = np.sum((y - out) ** 2)
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2)
    return float(1 - ss_res / ss_tot) if ss_tot > 0 else math.nan


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
        return ("r2", r2_score) if loss_fn in _REGRESSION else (None, None)
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


_REGRESSION = {mse, mae, huber}


# ---- history ---------------------------------------------------------------------------------
@dataclass
class Diagnosis:
    """Why training diverged, in words (``message``) and numbers."""

    message: str
    epoch: int
    step: int
    lr: float
    last_finite_loss: float
    what: str  # "loss", "explosion", "gradient" or "parameters"
    lam_max: float | None = None  #: sharpest Hessian eigenvalue at the initial parameters
    lr_max: float | None = None  #: the optimizer's stability limit c/λ_max there

    def __str__(self) -> str:
        return self.message


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


# ---- the training loop -----------------------------------------------------------------------
def fit(model: Module, X: Any, y: Any, *, loss: str | Callable[..., Tensor], optimizer: Any,
        epochs: int, batch_size: int | None = None,
        validation_data: tuple[Any, Any] | None = None,
        early_stopping: int | EarlyStopping | None = None,
        callbacks: Sequence[Callable[[int, dict[str, float]], Any]] = (),
        snapshot_every: int | None = None, seed: int | np.random.Generator | None = None,
        progress: bool = True, metric: Any = "auto", l2: float = 0.0,
        shuffle: bool = True) -> TrainingHistory:
    """Train ``model`` on ``(X, y)`` for ``epochs`` passes; returns a :class:`TrainingHistory`.

    ``loss``: a name ("mse", "mae", "huber", "bce", "bce_with_logits", "cross_entropy",
    "hinge") or a function (outputs, targets) → scalar Tensor. ``optimizer``: a
    ``steepest.optim`` optimizer over ``model.parameters()`` (one built without parameters,
    ``Adam(lr=1e-2)``, is given them). ``batch_size`` None = full batch. ``early_stopping``: a
    patience in epochs or an :class:`EarlyStopping`. ``callbacks``: functions
    ``cb(epoch, logs) -> bool | None`` called after every epoch (``logs`` holds loss, val_loss,
    metric, val_metric, lr); returning True stops training. ``snapshot_every`` k: keep the flat
    parameter vector before training, every k epochs and at the end. ``seed`` fixes the
    shuffling. ``metric``: "auto" (accuracy for classification losses, R² for regression ones),
    "accuracy", "r2", None or a function (outputs, targets) → float. ``l2``: adds
    ``l2 · Σ p²`` over all parameters to the minibatch loss.
    """
    from tqdm.auto import tqdm

    from ..optim.schedules import lr_at

    if not isinstance(model, Module):
        raise TypeError(f"fit: model must be a steepest.nn.Module, got {type(model).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    loss_fn = get_loss(loss)
    metric_name, metric_fn = _resolve_metric(metric, loss_fn)
    X = _as_features(X, "X", model)
    y = _as_targets(y, len(X), "y", "X", loss_fn, model)
    n = len(X)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit: validation_data must be a pair (X_val, y_val)")
        Xv = _as_features(validation_data[0], "X_val", model)
        yv = _as_targets(validation_data[1], len(Xv), "y_val", "X_val", loss_fn, model)
    if batch_size is None:
        batch_size = n
    elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive integer or None, got "
                         f"{batch_size!r}")
    batch_size = min(int(batch_size), n)
    if snapshot_every is not None and (not isinstance(snapshot_every, (int, np.integer))
                                       or snapshot_every < 1):
        raise ValueError(f"fit: snapshot_every must be a positive integer or None, got "
                         f"{snapshot_every!r}")
    if l2 < 0:
        raise ValueError(f"fit: l2 must be ≥ 0, got {l2}")
    stopper = _early_stopper(early_stopping, validation_data is not None)
    optimizer = _bind_optimizer(optimizer, model)
    rng = np.random.default_rng(seed) if not isinstance(seed, np.random.Generator) else seed
    schedules = {id(g["lr"]): g["lr"] for g in optimizer.param_groups
                 if hasattr(g["lr"], "observe")}

    rows: dict[str, list[float]] = {k: [] for k in ("loss", "val_loss", "metric", "val_metric",
                                                      "lr")}
    step_loss: list[float] = []
    hist = TrainingHistory(*(np.array([]) for _ in range(7)), metric_name=metric_name)
    if snapshot_every:
        hist.snapshots.append(parameters_to_vector(model))
        hist.snapshot_epochs.append(0)
    best_theta: np.ndarray | None = None
    theta_init = parameters_to_vector(model)
    params = model.parameters()
    f_min = math.inf  # lowest minibatch loss so far
    t0 = time.perf_counter()
    bar = tqdm(range(1, epochs + 1), desc="fit", unit="epoch", disable=not progress,
               leave=True)
    status, message = "completed", f"trained for {epochs} epochs"
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for epoch in bar:
                start_theta = parameters_to_vector(model)
                lr_now = lr_at(optimizer.param_groups[0]["lr"], optimizer.step_count)
                model.train()
                order = rng.permutation(n) if shuffle and batch_size < n else np.arange(n)
                total, outs = 0.0, []
                failure = None
                for lo in range(0, n, batch_size):
                    idx = order[lo:lo + batch_size]
                    for p in params:
                        p.grad = None
                    out = model(X[idx])
                    L = loss_fn(out, y[idx])
                    if l2:
                        L = L + l2_penalty(model, l2)
                    value = float(L.item())
                    if not math.isfinite(value):
                        failure = "loss"
                    elif step_loss and value - f_min > EXPLOSION_FACTOR * max(
                            step_loss[0] - f_min, abs(step_loss[0]), 1e-300):
                        failure = "explosion"
                    else:
                        L.backward()
                        if not all(p.grad is None or np.isfinite(p.grad.data).all()
                                   for p in params):
                            failure = "gradient"
                        else:
                            optimizer.step()
                            if not all(np.isfinite(p.data).all() for p in params):
                                failure = "parameters"
                    step_loss.append(value)
                    hist.n_steps += 1
                    if failure:
                        break
                    f_min = min(f_min, value)
                    total += value * len(idx)
                    outs.append((idx, out.data))
                if failure:
                    vector_to_parameters(start_theta, model)
                    curvature = _curvature(model, theta_init, X, y, loss_fn, optimizer)
                    hist.diagnosis = _diagnose(failure, epoch, hist.n_steps, lr_now,
                                               step_loss, X, curvature)
                    hist.diverged_at = epoch
                    status, message = "diverged", hist.diagnosis.message
                    break
                rows["loss"].append(total / n)
                rows["lr"].append(lr_now)
                if metric_fn is not None:
                    idx = np.concatenate([i for i, _ in outs])
                    rows["metric"].append(metric_fn(np.concatenate([o for _, o in outs]),
                                                    y[idx]))
                else:
                    rows["metric"].append(math.nan)
                if validation_data is not None:
                    vl, vm = _evaluate(model, Xv, yv, loss_fn, metric_fn)
                else:
                    vl, vm = math.nan, math.nan
                rows["val_loss"].append(vl)
                rows["val_metric"].append(vm)
                for sched in schedules.values():
                    sched.observe(vl if validation_data is not None else rows["loss"][-1])
                if snapshot_every and epoch % snapshot_every == 0:
                    hist.snapshots.append(parameters_to_vector(model))
                    hist.snapshot_epochs.append(epoch)
                logs = {"epoch": epoch, "loss": rows["loss"][-1], "val_loss": vl,
                        "metric": rows["metric"][-1], "val_metric": vm, "lr": lr_now}
                if progress:
                    bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()
                                     if k != "epoch" and np.isfinite(v)})
                if stopper is not None:
                    improved, stop = stopper.update(logs)
                    if improved:
                        hist.best_epoch = epoch
                        best_theta = parameters_to_vector(model)
                    if stop:
                        status = "early_stopped"
                        message = (f"{stopper.monitor} did not improve for {stopper.patience} "
                                   f"epochs; best at epoch {hist.best_epoch}")
                        break
                answers = [cb(epoch, logs) for cb in callbacks]  # every callback runs
                if any(a is True for a in answers):
                    status, message = "callback_stopped", f"a callback stopped at epoch {epoch}"
                    break
    except KeyboardInterrupt:
        status = "interrupted"
        message = f"interrupted after {len(rows['loss'])} completed epochs"
    finally:
        bar.close()
        model.train()
    done = len(rows["loss"])
    if snapshot_every and (not hist.snapshot_epochs or hist.snapshot_epochs[-1] != done):
        hist.snapshots.append(parameters_to_vector(model))  # the path's end, before any restore
        hist.snapshot_epochs.append(done)
    if stopper is not None and stopper.restore_best and best_theta is not None \
            and status != "diverged" and hist.best_epoch != done:
        vector_to_parameters(best_theta, model)
        message += f" (parameters of the best epoch, {hist.best_epoch}, restored)"
    hist.epoch = np.arange(1, done + 1)
    for key, values in rows.items():
        setattr(hist, key, np.array(values, dtype=float))
    hist.step_loss = np.array(step_loss, dtype=float)
    hist.status, hist.message = status, message
    hist.elapsed_s = time.perf_counter() - t0
    return hist


def _evaluate(model: Module, X: np.ndarray, y: np.ndarray, loss_fn: Callable[..., Tensor],
              metric_fn: Metric | None) -> tuple[float, float]:
    model.eval()
    with no_grad():
        out = model(X)
        value = float(loss_fn(out, y).item())
    model.train()
    return value, (metric_fn(out.data, y) if metric_fn is not None else math.nan)


class _Stopper:
    def __init__(self, cfg: EarlyStopping, has_validation: bool):
        if cfg.patience < 1:
            raise ValueError(f"fit: early stopping patience must be ≥ 1, got {cfg.patience}")
        monitor = cfg.monitor
        if monitor == "auto":
            monitor = "val_loss" if has_validation else "loss"
        if monitor not in ("loss", "val_loss", "metric", "val_metric"):
            raise ValueError(f"fit: EarlyStopping.monitor must be 'auto', 'loss', 'val_loss', "
                             f"'metric' or 'val_metric', got {monitor!r}")
        if monitor.startswith("val_") and not has_validation:
            raise ValueError(f"fit: early stopping on {monitor!r} needs validation_data")
        self.monitor, self.patience, self.min_delta = monitor, cfg.patience, cfg.min_delta
        self.restore_best = cfg.restore_best
        self.sign = -1.0 if monitor.endswith("metric") else 1.0  # minimize sign·value
        self.best, self.bad = math.inf, 0

    def update(self, logs: dict[str, float]) -> tuple[bool, bool]:
        value = self.sign * logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.bad = value, 0
            return True, False
        self.bad += 1
        return False, self.bad >= self.patience


def _early_stopper(early_stopping: Any, has_validation: bool) -> _Stopper | None:
    if early_stopping is None or early_stopping is False:
        return None
    if isinstance(early_stopping, EarlyStopping):
        return _Stopper(early_stopping, has_validation)
    if isinstance(early_stopping, (int, np.integer)) and not isinstance(early_stopping, bool):
        return _Stopper(EarlyStopping(patience=int(early_stopping)), has_validation)
    raise TypeError(f"fit: early_stopping must be None, a patience (int) or an EarlyStopping, "
                    f"got {early_stopping!r}")


def _diagnose(what: str, epoch: int, step: int, lr: float, step_loss: list[float],
              X: np.ndarray, curvature: tuple[float, float, str] | None) -> Diagnosis:
    """The divergence report; ``curvature`` = (λ_max, c, optimizer name) at the initial
    parameters when it could be computed."""
    finite = [v for v in step_loss if math.isfinite(v)]
    last = finite[-1] if finite else math.nan
    if what == "explosion":
        first = (f"training diverged at epoch {epoch} (step {step}): the loss exploded to "
                 f"{step_loss[-1]:.3g}, more than {EXPLOSION_FACTOR:.0e} times its initial "
                 f"scale above its best value.")
    else:
        first = (f"training diverged at epoch {epoch} (step {step}): the {what} became inf or "
                 f"NaN.")
    lines = [first]
    recent = finite[-10:-1] if what == "explosion" else finite[-10:]
    if len(recent) >= 3 and recent[-1] > 10 * min(recent):
        lines.append(f"The loss grew from {min(recent):.3g} to {recent[-1]:.3g} over the last "
                     f"{len(recent)} steps before that: the signature of a learning rate above "
                     f"the stability limit 2/λ_max of the loss's curvature.")
    lam_max = lr_max = None
    if curvature is not None:
        lam_max, c, name = curvature
        lr_max = c / lam_max
        lines.append(f"At the initial parameters the sharpest curvature is λ_max = "
                     f"{lam_max:.3g}, so {name} is stable only for lr < {c:g}/λ_max = "
                     f"{lr_max:.3g}; the learning rate was {lr:.3g}"
                     f"{f' ({lr / lr_max:.3g}× the limit)' if lr > lr_max else ''}.")
        lines.append(f"Try lr ≈ {0.5 * lr_max:.3g} (half the limit).")
    else:
        lines.append(f"The learning rate was {lr:.3g}; try {lr / 10:.3g} (÷10), or a schedule "
                     f"that warms up.")
    scale = float(np.max(np.abs(X)))
    if scale > 100:
        lines.append(f"The inputs reach |x| = {scale:.3g}: standardize them (zero mean, unit "
                     f"variance) — large inputs make the curvature, and so 2/λ_max, extreme.")
    lines.append(f"The model holds the parameters from the start of epoch {epoch}.")
    return Diagnosis(" ".join(lines), epoch, step, lr, last, what, lam_max, lr_max)


#: the curvature check runs on models up to this many parameters, on up to this many samples
CURVATURE_MAX_PARAMS, CURVATURE_MAX_SAMPLES = 5000, 1000


def _curvature(model: Module, theta0: np.ndarray, X: np.ndarray, y: np.ndarray,
               loss_fn: Callable[..., Tensor], optimizer: Any
               ) -> tuple[float, float, str] | None:
    """(λ_max, c, optimizer name) of the loss Hessian at ``theta0``, where the optimizer is
    stable for lr < c/λ_max (GD, Momentum, Nesterov on small models: the check costs a few
    dozen Hessian-vector products); None where no such threshold applies or it fails."""
    from ..curvature import hessian_eigs
    from ..curvature.hessian import stability_constant
    from .vector import loss_of_parameters

    try:
        c = stability_constant(optimizer)
    except ValueError:
        return None  # adaptive optimizers: no single threshold
    if model.num_parameters() > CURVATURE_MAX_PARAMS:
        return None
    m = min(len(X), CURVATURE_MAX_SAMPLES)
    f = loss_of_parameters(model, X[:m], y[:m], loss_fn)
    try:
        lam = float(hessian_eigs(f, theta0, 1, "LA").values[0])
    except (ValueError, ArithmeticError, RuntimeError):
        return None
    return (lam, c, type(optimizer).__name__) if math.isfinite(lam) and lam > 0 else None
