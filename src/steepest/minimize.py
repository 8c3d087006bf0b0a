"""The descent driver: run an optimizer on a loss, record everything, stop for the right reason.

``minimize(fun, x0, GD(lr=0.002))`` repeats x_{k+1} = update(x_k, ∇L(x_k)) and returns a
:class:`Result` (scipy's names) whose ``history`` holds every iterate, loss, gradient norm and
learning rate as NumPy arrays, ready to plot.

Stopping rules, checked after every step (the first that holds wins):

* ``gtol``: ‖∇L(x_k)‖ ≤ gtol → "converged" (also checked at x0);
* ``ftol``: |L_{k−1} − L_k| ≤ ftol · max(|L_{k−1}|, |L_k|, 1) → "converged" (scipy L-BFGS-B's
  relative reduction);
* ``patience``: no improvement of the best loss by more than ``min_delta`` for ``patience``
  steps → "early_stopped";
* ``callback(intermediate_result)`` raised StopIteration → "callback_stopped";
* divergence (below) → "diverged";
* Ctrl-C → "interrupted" (the history so far is kept);
* otherwise "max_steps".

Divergence is declared when the loss, the iterate or the gradient stops being finite, when the
loss has risen for ``DIVERGENCE_WINDOW`` consecutive steps to above its starting value, or when
it exceeds the best loss by ``EXPLOSION_FACTOR`` times its initial scale. No NumPy overflow
warning escapes (evaluations run under ``np.errstate``). The loss and gradient norm are checked
every step; the iterate too when a callback, plateau schedule, line search or backoff could see
it, else in blocks of ``X_CHECK_EVERY`` rows (the result is the same; at most that many extra
evaluations of ``fun`` at a non-finite iterate are spent, which ``nfev`` does not count). ``on_divergence`` decides what follows:

* ``"stop"`` (default): status "diverged", ``diverged_at`` = the step it was detected;
* ``"backoff"``: halve the learning rate and resume from the last good iterate (where the loss
  began to rise), discarding the diverging steps from the history, until the run converges or
  runs out of steps; ``history.backoffs`` lists the steps where the rate was halved;
* ``"raise"``: raise :class:`DivergenceError` carrying the result and its diagnosis
  (``steepest.diagnose``);
* ``"ignore"``: keep going (the lecture's growing losses); only a non-finite value stops the run.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .autodiff import Tensor, no_grad, tensor, value_and_grad
from .optim import GD, Optimizer

#: consecutive loss increases (ending above the starting loss) that count as divergence
DIVERGENCE_WINDOW = 10
#: L − L_best > EXPLOSION_FACTOR · scale counts as divergence (scale = initial loss scale)
EXPLOSION_FACTOR = 1e8
#: without a callback, line search or backoff, iterates are checked for NaN/inf in blocks of
#: this many rows (a row-by-row check would dominate a cheap step)
X_CHECK_EVERY = 256
#: at most this many halvings of the learning rate with on_divergence="backoff"
MAX_BACKOFFS = 60

STATUSES = ("converged", "max_steps", "early_stopped", "diverged", "callback_stopped",
            "interrupted")
_ON_DIVERGENCE = ("stop", "backoff", "raise", "ignore")


@dataclass
class History:
    """Everything recorded along the way; row k is iterate k (row 0 is x0).

    ``x`` (nit+1, n), ``loss``, ``grad_norm`` and ``lr`` (nit+1,): ``lr[k]`` is the rate used
    for the step from x_k to x_{k+1} (for the last row, the rate the next step would use; with a
    line search, the accepted step size). ``backoffs`` lists the steps k at which the learning
    rate was halved (on_divergence="backoff").
    """

    x: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    lr: np.ndarray
    backoffs: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        return (f"History({len(self)} rows, x: {self.x.shape}, loss {self.loss[0]:.4g} → "
                f"{self.loss[-1]:.4g}, backoffs={self.backoffs})")


@dataclass
class Result:
    """The outcome of :func:`minimize` (scipy's ``OptimizeResult`` names).

    ``status`` is one of "converged", "max_steps", "early_stopped", "diverged",
    "callback_stopped", "interrupted"; ``success`` is True for "converged" and "early_stopped".
    ``diverged_at`` is the step at which divergence was detected (None otherwise). ``nfev``
    counts loss/gradient evaluations, including steps discarded by a backoff and line-search
    trials.
    """

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    status: str
    message: str
    history: History
    diverged_at: int | None = None
    nfev: int = 0
    optimizer: Optimizer | None = None

    @property
    def success(self) -> bool:
        return self.status in ("converged", "early_stopped")

    @property
    def lr(self) -> float:
        """The learning rate at the end (after any backoffs)."""
        return float(self.history.lr[-1])

    def __repr__(self) -> str:
        x = np.array2string(self.x, precision=6, threshold=8, separator=", ")
        lines = [f"  status: {self.status}", f" success: {self.success}",
                 f" message: {self.message}", f"       x: {x}", f"     fun: {self.fun:.10g}",
                 f"     nit: {self.nit}", f"    nfev: {self.nfev}"]
        if self.diverged_at is not None:
            lines.append(f"diverged_at: {self.diverged_at}")
        if self.history.backoffs:
            lines.append(f" backoffs: {self.history.backoffs}")
        return "Result(\n" + "\n".join(lines) + "\n)"

    def _repr_html_(self) -> str:
        import html
        colour = {"converged": "#1e8449", "early_stopped": "#1e8449",
                  "diverged": "#c0392b"}.get(self.status, "#d68910")
        rows = [("fun", f"{self.fun:.10g}"), ("nit", self.nit), ("nfev", self.nfev),
                ("x", np.array2string(self.x, precision=6, threshold=8, separator=", ")),
                ("‖grad‖", f"{float(np.linalg.norm(self.grad)):.3g}"),
                ("final lr", f"{self.lr:.4g}")]
        if self.diverged_at is not None:
            rows.append(("diverged_at", self.diverged_at))
        if self.history.backoffs:
            rows.append(("backoffs", self.history.backoffs))
        body = "".join(f"<tr><td style='text-align:left'>{k}</td>"
                       f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
                       for k, v in rows)
        return (f"<div><b style='color:{colour}'>{self.status}</b> — "
                f"{html.escape(self.message)}<table>{body}</table></div>")


@dataclass
class IntermediateResult:
    """What ``callback`` receives after each step (scipy's ``intermediate_result``)."""

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    lr: float


class DivergenceError(RuntimeError):
    """Raised by ``minimize(..., on_divergence="raise")``; carries ``result`` and ``diagnosis``
    (a :class:`steepest.curvature.Diagnosis`, or None if it could not be computed)."""

    def __init__(self, message: str, result: Result, diagnosis: Any = None):
        super().__init__(message)
        self.result = result
        self.diagnosis = diagnosis


# ---- the objective ----------------------------------------------------------------------------

def _objective(fun: Any, jac: Any) -> tuple[Callable[[np.ndarray], tuple[Any, Any]],
                                            Callable[[np.ndarray], Any]]:
    """``(value_and_grad, value)`` on NumPy vectors for the three kinds of ``fun``."""
    if jac is True:  # scipy: fun returns (value, gradient)
        return (lambda x: fun(x)), (lambda x: fun(x)[0])
    if jac is not None:
        if not callable(jac):
            raise TypeError(f"minimize: jac must be callable (or True), got {type(jac).__name__}")
        return (lambda x: (fun(x), jac(x))), fun
    if hasattr(fun, "value_and_grad") and hasattr(fun, "value"):
        return fun.value_and_grad, fun.value
    if not callable(fun):
        raise TypeError(f"minimize: fun must be callable or a problem object, got "
                        f"{type(fun).__name__}")
    vg = value_and_grad(fun)

    def value(x: np.ndarray) -> Any:
        with no_grad():
            out = fun(tensor(x))
        return out.data if isinstance(out, Tensor) else out
    return vg, value


def _check_first(value: Any, g: Any, x0: np.ndarray) -> tuple[float, np.ndarray]:
    v = np.asarray(value.data if isinstance(value, Tensor) else value)
    if v.size != 1:
        raise ValueError(f"minimize: the loss must be a scalar, but fun(x0) has shape {v.shape}"
                         f" (reduce it, e.g. with .sum() or .mean())")
    f0 = float(v.reshape(()))
    g = np.asarray(g.data if isinstance(g, Tensor) else g, dtype=float)
    if g.shape != x0.shape:
        raise ValueError(f"minimize: the gradient has shape {g.shape} but x0 has shape "
                         f"{x0.shape}")
    if not math.isfinite(f0):
        raise ValueError(f"minimize: the loss at x0 is {f0}; start from a point where it is "
                         f"finite")
    if not np.all(np.isfinite(g)):
        raise ValueError("minimize: the gradient at x0 is not finite")
    return f0, g


def _wants_result_object(callback: Callable[..., Any]) -> bool:
    """scipy's rule: a callback whose only parameter is named ``intermediate_result`` gets the
    result object; otherwise it gets the iterate ``x``."""
    try:
        params = list(inspect.signature(callback).parameters)
    except (TypeError, ValueError):
        return False
    return params == ["intermediate_result"]


def _check_args(x0: Any, optimizer: Any, max_steps: Any, gtol: Any, ftol: Any, patience: Any,
                min_delta: Any, on_divergence: Any, dim: int | None) -> np.ndarray:
    try:
        x = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"minimize: x0 must be an array of numbers, got "
                        f"{type(x0).__name__}") from None
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim != 1:
        raise ValueError(f"minimize: x0 must be a 1-D vector, got shape {x.shape}")
    if dim is not None and x.shape != (dim,):
        raise ValueError(f"minimize: x0 has shape {x.shape} but the problem has dim={dim}, so "
                         f"x0 must have shape ({dim},)")
    if not np.all(np.isfinite(x)):
        raise ValueError("minimize: x0 contains NaN or infinite values")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"minimize: optimizer must be a steepest.optim optimizer such as "
                        f"GD(lr=0.01), got {type(optimizer).__name__}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) \
            or max_steps < 0:
        raise ValueError(f"minimize: max_steps must be a non-negative integer, got {max_steps!r}")
    for name, value in (("gtol", gtol), ("ftol", ftol)):
        if value is not None and not (value >= 0):
            raise ValueError(f"minimize: {name} must be non-negative, got {value}")
    if patience is not None and (isinstance(patience, bool) or int(patience) != patience
                                 or patience < 1):
        raise ValueError(f"minimize: patience must be a positive integer, got {patience!r}")
    if not min_delta >= 0:
        raise ValueError(f"minimize: min_delta must be non-negative, got {min_delta}")
    if on_divergence not in _ON_DIVERGENCE:
        raise ValueError(f"minimize: on_divergence must be one of {_ON_DIVERGENCE}, got "
                         f"{on_divergence!r}")
    return x


class _Recorder:
    """History arrays grown by doubling, so recording costs O(1) amortised per step.

    The descent loop writes rows ``0 … size−1`` into ``x``, ``loss``, ``grad_norm`` and ``lr``
    directly (no per-step method call) and calls :meth:`grow` when they are full.
    """

    def __init__(self, n: int, capacity: int):
        capacity = max(2, capacity)
        self.x = np.empty((capacity, n))
        self.loss = np.empty(capacity)
        self.grad_norm = np.empty(capacity)
        self.lr = np.empty(capacity)
        self.size = 0

    def grow(self) -> int:
        """Double the capacity (keeping the rows written); returns the new capacity."""
        grow = 2 * len(self.loss)
        self.x = np.resize(self.x, (grow, self.x.shape[1]))
        for name in ("loss", "grad_norm", "lr"):
            setattr(self, name, np.resize(getattr(self, name), grow))
        return grow

    def history(self, backoffs: list[int]) -> History:
        k = self.size
        return History(self.x[:k].copy(), self.loss[:k].copy(), self.grad_norm[:k].copy(),
                       self.lr[:k].copy(), list(backoffs))


def minimize(fun: Any, x0: Any = None, optimizer: Optimizer | None = None, *,
             jac: Callable[[np.ndarray], np.ndarray] | bool | None = None,
             max_steps: int = 1000, gtol: float | None = None, ftol: float | None = None,
             patience: int | None = None, min_delta: float = 0.0,
             callback: Callable[..., Any] | None = None, on_divergence: str = "stop",
             progress: bool = False) -> Result:
    """Minimize ``fun`` from ``x0`` with ``optimizer`` (default ``GD(lr=1e-3)``).

    ``fun`` is one of: a function written with steepest ops (``x`` arrives as a Tensor; the
    gradient comes from autodiff); a NumPy function with ``jac=`` its gradient (or ``jac=True``
    if ``fun`` returns ``(value, gradient)``); or a problem from :mod:`steepest.problems`, whose
    closed-form gradient is used when it has one (``x0`` defaults to ``problem.x0``).

    See the module docstring for the stopping rules, statuses and ``on_divergence``.
    ``progress=True`` shows a tqdm bar. Returns a :class:`Result`.
    """
    if optimizer is None:
        optimizer = GD(lr=1e-3)
    dim = getattr(fun, "dim", None) if hasattr(fun, "value_and_grad") else None
    if x0 is None:
        if not hasattr(fun, "x0"):
            raise TypeError("minimize: x0 is required (only problem objects have a default "
                            "start)")
        x0 = fun.x0
    x = _check_args(x0, optimizer, max_steps, gtol, ftol, patience, min_delta, on_divergence,
                    dim)
    vg, value = _objective(fun, jac)
    with np.errstate(all="ignore"):
        try:
            first = vg(x)
        except TypeError as exc:
            if jac is None and not hasattr(fun, "value_and_grad"):
                raise TypeError(f"minimize: fun failed on a steepest Tensor ({exc}); write it "
                                f"with steepest ops for an autodiff gradient, or for a NumPy "
                                f"function pass its gradient as jac=") from None
            raise
        except ValueError as exc:
            if jac is None and "must return a scalar" in str(exc):
                raise ValueError(f"minimize: the loss must be a scalar, but fun(x0) "
                                 f"{str(exc).split('scalar, ')[-1]} (reduce it, e.g. with "
                                 f".sum() or .mean())") from None
            raise ValueError(f"minimize: evaluating fun at x0 (shape {x.shape}) failed: "
                             f"{exc}") from exc
        f, g = _check_first(*first, x)
    line_search = getattr(optimizer, "line_search", None) is not None
    loss_fn = (lambda z: float(np.asarray(value(z)))) if line_search else None
    plateau = optimizer.lr if hasattr(optimizer.lr, "observe") else None
    if plateau is not None and hasattr(plateau, "reset"):
        plateau.reset()
    pass_object = callback is not None and _wants_result_object(callback)

    rec = _Recorder(x.size, min(max_steps + 1, 1024))
    scale = 1.0  # halved by each backoff
    scheduled = callable(optimizer.lr)
    lr_of = optimizer.lr_at
    constant_lr = None if scheduled else lr_of(0)
    lr = scale * lr_of(0)
    gnorm = math.sqrt(g @ g)
    rec.x[0], rec.loss[0], rec.grad_norm[0], rec.lr[0] = x, f, gnorm, lr
    size = 1  # rows recorded (rec.size once the loop ends); row size − 1 is the current iterate
    state = optimizer.init(x)
    # The pure rule directly (what Optimizer.update does without a line search), sparing the
    # per-step dispatch; an optimizer that overrides update/_apply goes through update.
    cls = type(optimizer)
    direct = (not line_search and cls.update is Optimizer.update
              and cls._apply in (Optimizer._apply, GD._apply))
    rule, hp = optimizer.rule_update, optimizer.defaults
    check_rise = on_divergence != "ignore"
    # anything to do after a plain step besides recording it?
    watch = (plateau is not None or gtol is not None or ftol is not None
             or patience is not None or callback is not None)
    f0 = f
    f_scale = max(abs(f0), 1e-300)
    best, wait = f, 0  # early stopping
    f_min = f          # lowest loss seen (explosion test)
    rising, good = 0, 0  # consecutive increases; row where the current rise began
    backoffs: list[int] = []
    nfev = 1
    status, message, diverged_at = "max_steps", f"reached max_steps={max_steps}", None

    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=max_steps, desc="minimize", unit="step", leave=False)

    xs, losses, norms, lrs = rec.x, rec.loss, rec.grad_norm, rec.lr
    capacity = len(losses)
    # Iterates are checked for finiteness at every step when anything besides fun sees them
    # (a callback, a plateau schedule, a line search, a backoff); otherwise rows are checked in
    # blocks (rows checked..size-1 at size == check_at) and after the loop, with the same result.
    check_x = (not direct or callback is not None or plateau is not None
               or on_divergence == "backoff")
    checked = 1  # rows below this are known finite
    check_at = capacity if check_x else min(capacity, X_CHECK_EVERY)
    steps = max_steps
    if gtol is not None and gnorm <= gtol:
        status, message = "converged", f"gradient norm {gnorm:.3g} <= gtol={gtol:g} at x0"
        steps = 0  # skip the loop
    user_errstate = np.geterr()
    errstate = np.errstate(all="ignore")  # overflow in a diverging run is detected, not warned
    errstate.__enter__()
    try:
        for _ in range(steps):
            k = size - 1  # index of the current iterate
            if direct:
                x_new, state_new = rule(g, state, x, lr, hp)
                state_new["step"] = state["step"] + 1
            else:
                x_new, state_new = optimizer.update(g, state, x, lr, loss=f, loss_fn=loss_fn)
                if line_search:
                    nfev += state_new.get("evaluations", 0)
                    lr = lrs[k] = state_new["step_size"]  # the rate actually used from x_k
            f_new, g_new = vg(x_new)
            if type(f_new) is not float:
                f_new = float(np.asarray(f_new.data if isinstance(f_new, Tensor) else f_new))
            g_new = np.asarray(g_new, dtype=float)
            nfev += 1
            gnorm_new = math.sqrt(g_new.dot(g_new))  # ndarray.dot: half the cost of @ here
            # x·x is one cheap pass; only when it overflows (or is NaN) look at every entry
            finite = math.isfinite(f_new) and math.isfinite(gnorm_new)
            if finite and check_x:
                # x·x is one cheap pass; only when it overflows (or is NaN) look at every entry
                finite = math.isfinite(x_new.dot(x_new)) or bool(np.isfinite(x_new).all())
            reason = None
            if not finite:
                reason = "the loss, iterate or gradient is no longer finite"
            elif f_new > f:
                rising += 1
                # Both divergence tests need a rise: if f_new ≤ f, then f_new − f_min ≤
                # f − f_min, which passed the explosion test one step earlier.
                if check_rise:
                    if rising >= DIVERGENCE_WINDOW and f_new > f0:
                        reason = (f"the loss rose for {rising} consecutive steps, from "
                                  f"{losses[good]:.4g} at step {good} to {f_new:.4g}")
                    elif f_new - f_min > EXPLOSION_FACTOR * max(f0 - f_min, f_scale):
                        reason = f"the loss exploded to {f_new:.4g}"
            else:
                rising, good = 0, k + 1
            if reason is not None and on_divergence == "backoff" and len(backoffs) < MAX_BACKOFFS:
                good = min(good, k)  # where the loss last stopped falling
                size = good + 1  # discard the diverging steps
                x = xs[good].copy()
                f, g = vg(x)
                f, g = float(np.asarray(f)), np.asarray(g, dtype=float)
                nfev += 1
                state = optimizer.init(x)
                scale *= 0.5
                lr = lrs[good] = scale * lr_of(good)
                backoffs.append(good)
                rising, wait, best = 0, 0, min(best, f)
                if bar is not None:
                    bar.set_postfix_str(f"backoff → lr={lr:.3g}")
                continue
            if not finite:
                next_lr = float("nan")
            else:
                next_lr = scale * (lr_of(size) if scheduled else constant_lr)
            if size == check_at:
                if not check_x:
                    if not np.isfinite(xs[checked:size]).all():
                        break  # a non-finite iterate: handled after the loop
                    checked = size
                if size == capacity:
                    capacity = rec.grow()
                    xs, losses, norms, lrs = rec.x, rec.loss, rec.grad_norm, rec.lr
                check_at = capacity if check_x else min(capacity, size + X_CHECK_EVERY)
            xs[size], losses[size], norms[size], lrs[size] = x_new, f_new, gnorm_new, next_lr
            size += 1
            if bar is not None:
                bar.update(1)
                if size % 100 == 1:
                    bar.set_postfix(loss=f"{f_new:.4g}", lr=f"{next_lr:.3g}", refresh=False)
            if reason is not None:
                status, diverged_at = "diverged", size - 1
                message = f"diverged at step {diverged_at}: {reason}"
                if on_divergence == "backoff":
                    message += f" (after {MAX_BACKOFFS} backoffs)"
                break
            f_prev, x, f, g, state, lr = f, x_new, f_new, g_new, state_new, next_lr
            if f < f_min:  # noqa: PLR1730 - a compare is cheaper than a min() call per step
                f_min = f
            if not watch:
                continue
            if plateau is not None:
                plateau.observe(f)
                lr = lrs[size - 1] = scale * lr_of(size - 1)
            if gtol is not None and gnorm_new <= gtol:
                status = "converged"
                message = f"gradient norm {gnorm_new:.3g} <= gtol={gtol:g}"
                break
            if ftol is not None and abs(f_prev - f) <= ftol * max(abs(f_prev), abs(f), 1.0):
                status = "converged"
                message = f"relative loss change {abs(f_prev - f):.3g} <= ftol={ftol:g}"
                break
            if patience is not None:
                if f < best - min_delta:
                    best, wait = f, 0
                else:
                    wait += 1
                    if wait >= patience:
                        status = "early_stopped"
                        message = (f"no improvement by more than min_delta={min_delta:g} for "
                                   f"{patience} steps (best loss {best:.6g})")
                        break
            if callback is not None:
                try:
                    with np.errstate(**user_errstate):
                        if pass_object:
                            callback(IntermediateResult(x.copy(), f, g.copy(), size - 1, lr))
                        else:
                            callback(x.copy())
                except StopIteration:
                    status, message = "callback_stopped", "the callback raised StopIteration"
                    break
    except KeyboardInterrupt:
        status, message = "interrupted", "interrupted by the user (history kept)"
    finally:
        rec.size = size
        errstate.__exit__(None, None, None)
        if bar is not None:
            bar.close()
    if not check_x:
        bad = np.flatnonzero(~np.isfinite(rec.x[checked:size]).all(axis=1))
        j = checked + int(bad[0]) if bad.size else None
        if j is not None and j != diverged_at:  # stop where a per-step check would have
            rec.size, rec.lr[j], nfev = j + 1, float("nan"), j + 1
            status, diverged_at = "diverged", j
            message = f"diverged at step {j}: the loss, iterate or gradient is no longer finite"
            with np.errstate(all="ignore"):
                g_new = vg(rec.x[j])[1]  # the gradient recorded at row j (not counted in nfev)

    if backoffs and status != "diverged":
        message += f"; learning rate halved {len(backoffs)}× (at steps {backoffs})"
    history = rec.history(backoffs)
    last = rec.size - 1
    if status == "diverged" and not np.isfinite(history.loss[last]) and last > 0:
        x_out, f_out = history.x[last - 1], float(history.loss[last - 1])
        with np.errstate(all="ignore"):
            g_out = np.asarray(vg(x_out)[1], dtype=float)
    else:
        x_out, f_out = history.x[last], float(history.loss[last])
        g_out = g if status != "diverged" else np.asarray(g_new, dtype=float)
    result = Result(x=x_out.copy(), fun=f_out, grad=np.array(g_out), nit=last, status=status,
                    message=message, history=history, diverged_at=diverged_at, nfev=nfev,
                    optimizer=optimizer)
    if status == "diverged" and on_divergence == "raise":
        try:
            from .curvature import diagnose
            diagnosis = diagnose(result, fun, jac=jac)
        except Exception:  # noqa: BLE001 - the error must still say what happened
            diagnosis = None
        text = message if diagnosis is None else f"{message}\n{diagnosis.message}"
        raise DivergenceError(text, result, diagnosis)
    return result


__all__ = ["DIVERGENCE_WINDOW", "DivergenceError", "History", "IntermediateResult", "Result",
           "minimize"]

