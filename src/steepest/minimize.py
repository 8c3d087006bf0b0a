"""The descent driver: run an optimizer on a loss, record everything, stop for the right reason.

``minimize(fun, x0, GD(lr=0.002))`` repeats x_{k+1} = update(x_k, ∇L(x_k)) and returns a
:class:`Result` (scipy's names) whose ``history`` holds every iterate, loss, gradient norm and
learning rate as NumPy arrays, ready to plot. It is a short composition of the shared parts in
:mod:`steepest.descent`: the stopping rules, the divergence detector, backoff and the history
recorder.

Stopping rules, checked after every step (the first that holds wins):

* ``gtol``: ‖∇L(x_k)‖ ≤ gtol → "converged" (also checked at x0);
* ``rtol``: ‖∇L(x_k)‖ ≤ rtol · ‖∇L(x₀)‖ → "converged" (the gradient has fallen to a tiny
  fraction of its start);
* ``ftol``: |L_{k−1} − L_k| ≤ ftol · max(|L_{k−1}|, |L_k|, 1) → "converged" (scipy L-BFGS-B's
  relative reduction);
* ``patience``: no improvement of the best loss by more than ``min_delta`` for ``patience``
  steps → "early_stopped";
* ``callback(intermediate_result)`` raised StopIteration → "callback_stopped";
* divergence → "diverged";
* Ctrl-C → "interrupted" (the history so far is kept);
* otherwise "max_steps".

Divergence is what :mod:`steepest.descent.divergence` says it is: a loss, iterate or gradient
that is no longer finite; a loss that went far above its start and stayed there (10⁴× its
scale, 3 of 5 steps, zigzags included); or a loss growing geometrically over a window once it is
10³× above. On a problem with a constant Hessian (``problem.constant_hessian``: quadratics,
least squares) and a linear rule (GD, momentum, Nesterov at a constant rate) above its limit, one
more, exact rule (:mod:`steepest.descent.certain`): the error along an unstable eigenvector grew
by exactly the predicted factor for 12 steps in a row, so divergence is certain — the lecture's
η = 0.0065 is called at step 12. ``Result.verdict`` holds the rule, the step and the numbers. A
run that stays bounded without converging — e.g. at the *edge of stability*, where η is above
the local limit 2/λ_max at the minimum and the iterate hovers near it — ends with status
"max_steps";
``steepest.diagnose(result, fun)`` then says so (kind "edge_of_stability", with the numbers).
No NumPy overflow warning escapes (evaluations run under ``np.errstate``). The loss and gradient
norm are checked every step; the iterate too when a callback, plateau schedule, line search or
backoff could see it, else in blocks of ``X_CHECK_EVERY`` rows (the result is the same; at most
that many extra evaluations of ``fun`` at a non-finite iterate are spent, which ``nfev`` does not
count). ``on_divergence`` decides what follows:

* ``"stop"`` (default): status "diverged", ``diverged_at`` = the step it was detected;
* ``"backoff"``: halve the learning rate and resume from the best iterate so far (the lowest
  loss before the rise), discarding the later steps from the history, until the run converges
  or runs out of steps; ``history.backoffs`` lists the steps resumed from;
* ``"raise"``: raise :class:`DivergenceError` carrying the result and its diagnosis
  (``steepest.diagnose``), whose message is the error's (the result's, without one);
* ``"ignore"``: keep going (the lecture's growing losses); only a non-finite value stops the run.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._progress import progress_bar
from ._validate import check_choice, check_float, check_int
from .descent.backoff import MAX_BACKOFFS, Backoff
from .descent.certain import CertainDivergence
from .descent.divergence import MEMORY, Detector, Verdict, scale_of
from .descent.history import History, Recorder
from .descent.objective import as_float, first_evaluation, objective
from .descent.stopping import Patience, StepState, StoppingRule, stopping_rules
from .errors import SteepestError, SteepestTypeError
from .optim import GD, Optimizer
from .optim.second_order import Oracle

#: without a callback, line search or backoff, iterates are checked for NaN/inf in blocks of
#: this many rows (a row-by-row check would dominate a cheap step)
X_CHECK_EVERY = 256

STATUSES = ("converged", "max_steps", "early_stopped", "diverged", "callback_stopped",
            "interrupted")
_ON_DIVERGENCE = ("stop", "backoff", "raise", "ignore")


@dataclass
class Result:
    """The outcome of :func:`minimize` (scipy's ``OptimizeResult`` names).

    ``status`` is one of "converged", "max_steps", "early_stopped", "diverged",
    "callback_stopped", "interrupted"; ``success`` is True for "converged" and "early_stopped".
    ``diverged_at`` is the step at which divergence was detected (None otherwise) and
    ``verdict`` the detector's reasons. ``nfev`` counts loss/gradient evaluations, including
    steps discarded by a backoff and line-search trials. ``state`` is the optimizer's state at
    ``x`` (Adam's moments, the momentum buffer; what its stability depends on); ``max_steps``
    and ``rules`` (the stopping rules) are what the run was given, so ``steepest.diagnose`` can
    try a rate under the same conditions.
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
    verdict: Verdict | None = None
    state: dict[str, Any] | None = None
    max_steps: int | None = None
    rules: tuple[StoppingRule, ...] = ()

    @property
    def success(self) -> bool:
        """True when the run stopped for a good reason: "converged" or "early_stopped"."""
        return self.status in ("converged", "early_stopped")

    @property
    def discarded(self) -> int:
        """The steps a backoff threw away (taken past the row it resumed from, not counted in
        ``nit``): ``nfev`` less the start's evaluation, the kept steps and one re-evaluation per
        backoff — for one evaluation a step, as the rates that back off take."""
        return self.nfev - 1 - self.nit - len(self.history.backoffs)

    @property
    def lr(self) -> float:
        """The learning rate at the end (after any backoffs)."""
        return float(self.history.lr[-1])

    def _rows(self) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = [
            ("fun", f"{self.fun:.10g}"), ("nit", self.nit), ("nfev", self.nfev),
            ("x", np.array2string(self.x, precision=6, threshold=8, separator=", "))]
        if self.diverged_at is not None:
            rows.append(("diverged_at", self.diverged_at))
        if self.history.backoffs:
            rows.append(("backoffs", self.history.backoffs))
        return rows

    def __repr__(self) -> str:
        head = [("status", self.status), ("success", self.success), ("message", self.message)]
        return "Result(\n" + "\n".join(f"{k:>8}: {v}" for k, v in head + self._rows()) + "\n)"

    def _repr_html_(self) -> str:
        import html
        colour = {"converged": "#1e8449", "early_stopped": "#1e8449",
                  "diverged": "#c0392b"}.get(self.status, "#d68910")
        rows = [*self._rows(), ("‖grad‖", f"{float(np.linalg.norm(self.grad)):.3g}"),
                ("final lr", f"{self.lr:.4g}")]
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
    (a :class:`steepest.descent.diagnosis.Diagnosis`, or None if it could not be computed)."""

    def __init__(self, message: str, result: Result, diagnosis: Any = None):
        super().__init__(message)
        self.result = result
        self.diagnosis = diagnosis


# ---- arguments ---------------------------------------------------------------------------------
def _wants_result_object(callback: Callable[..., Any]) -> bool:
    """scipy's rule: a callback whose only parameter is named ``intermediate_result`` gets the
    result object; otherwise it gets the iterate ``x``."""
    try:
        params = list(inspect.signature(callback).parameters)
    except (TypeError, ValueError):
        return False
    return params == ["intermediate_result"]


def _start(x0: Any, dim: int | None) -> np.ndarray:
    try:
        x = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        raise SteepestTypeError(f"minimize: x0 must be an array of numbers, got "
                                f"{type(x0).__name__}") from None
    x = x.reshape(1) if x.ndim == 0 else x
    if x.ndim != 1:
        raise SteepestError(f"minimize: x0 must be a 1-D vector, got shape {x.shape}")
    if x.size == 0:
        raise SteepestError("minimize: x0 is empty; give one number per parameter")
    if dim is not None and x.shape != (dim,):
        raise SteepestError(f"minimize: x0 has shape {x.shape} but the problem has dim={dim}, "
                            f"so x0 must have shape ({dim},)")
    if not np.all(np.isfinite(x)):
        raise SteepestError("minimize: x0 contains NaN or infinite values")
    return x


def _rules(max_steps: Any, gtol: Any, rtol: Any, ftol: Any, patience: Any, min_delta: Any,
           on_divergence: Any) -> list[StoppingRule]:
    check_int(max_steps, "minimize: max_steps", low=0)
    check_choice(on_divergence, "minimize: on_divergence", _ON_DIVERGENCE)
    tols = {name: None if v is None else check_float(v, f"minimize: {name}", low=0)
            for name, v in (("gtol", gtol), ("rtol", rtol), ("ftol", ftol))}
    if patience is not None:
        patience = check_int(patience, "minimize: patience")
    return stopping_rules(**tols, patience=patience,
                          min_delta=check_float(min_delta, "minimize: min_delta", low=0))


# ---- one run -----------------------------------------------------------------------------------
class _Descent:
    """The loop state of one ``minimize`` run and its few moves: step, judge, record, back off.

    The hot loop (:meth:`_loop`) takes the plain steps; anything rare — a divergence verdict, a
    stopping rule, the block check of the iterates, growing the history — leaves it through a
    method or by returning the reason it stopped.
    """

    def __init__(self, fun: Any, jac: Any, x: np.ndarray, optimizer: Optimizer,
                 rules: list[StoppingRule], callback: Any, on_divergence: str, max_steps: int,
                 replay: bool = True):
        self.fun = fun
        self.vg, value = objective(fun, jac, replay=replay)
        self.oracle = Oracle(fun, jac, self.vg) if getattr(optimizer, "second_order", False) \
            else None  # Newton, LBFGS: trial points, Hessians; the accepted point is free
        if self.oracle is not None:
            self.vg = self.oracle.value_and_grad
        with np.errstate(all="ignore"):
            f, g = first_evaluation(self.vg, x, fun, jac)
        self.opt, self.rules, self.on_divergence = optimizer, rules, on_divergence
        self.max_steps = max_steps
        self.callback = callback
        self.pass_object = callback is not None and _wants_result_object(callback)
        self.search = optimizer.needs_loss
        self.loss_fn = (lambda z: float(np.asarray(value(z)))) if self.search else None
        self.plateau = optimizer.lr if hasattr(optimizer.lr, "observe") else None
        if self.plateau is not None and hasattr(self.plateau, "reset"):
            self.plateau.reset()
        self.step_fn = optimizer.vector_rule() or self._update
        self.backoff = Backoff()
        self.detector = Detector(f)
        self.rec = Recorder({"x": x.size, "loss": None, "grad_norm": None, "lr": None},
                            min(max_steps + 1, 1024))
        self.x, self.f, self.g, self.state = x, f, g, optimizer.init(x)
        self.lr = optimizer.lr_at(0)
        self.gnorm0 = math.sqrt(g @ g)
        self._write(0, x, f, self.gnorm0, self.lr)
        self.rec.size = 1
        self.nfev, self.status, self.message = 1, "max_steps", f"reached max_steps={max_steps}"
        self.verdict: Verdict | None = None
        self.check_x = (self.search or callback is not None or self.plateau is not None
                        or on_divergence == "backoff")
        self.checked = 1  # rows below this are known finite
        self.watch = bool(rules) or callback is not None or self.plateau is not None
        self.user_errstate = np.geterr()
        self.bar: Any = None
        self.view = StepState(step=0, x=x, loss=f, grad_norm=self.gnorm0,
                              grad_norm0=self.gnorm0, lr=self.lr)
        for rule in rules:
            rule.reset(self.view)
        self.certain = self._arm()
        self.watch = self.watch or self.certain is not None

    def _arm(self) -> CertainDivergence | None:
        """The exact rule for a constant Hessian at the current rate, from the current point
        (None where it does not apply; see :mod:`steepest.descent.certain`)."""
        if self.on_divergence == "ignore":
            return None
        certain = CertainDivergence.arm(self.fun, self.opt, self.lr, self.x)
        if certain is not None:
            certain.start(self.x, self.g)
        return certain

    def _write(self, k: int, x: np.ndarray, f: float, gnorm: float, lr: float) -> None:
        rec = self.rec
        rec.x[k], rec.loss[k], rec.grad_norm[k], rec.lr[k] = x, f, gnorm, lr

    def _update(self, g: np.ndarray, state: dict[str, Any], x: np.ndarray, lr: float
                ) -> tuple[np.ndarray, dict[str, Any]]:
        """The step through ``Optimizer.update`` (a line search needs the loss at x)."""
        if self.oracle is None:
            x_new, new = self.opt.update(g, state, x, lr, loss=self.f, loss_fn=self.loss_fn)
        else:
            second: Any = self.opt  # a second-order rule (optim.second_order) takes the oracle
            x_new, new = second.update(g, state, x, lr, loss=self.f, oracle=self.oracle)
        if self.search:
            self.nfev += new.get("evaluations", 0)
            self.rec.lr[self.rec.size - 1] = new["step_size"]  # the rate actually used
        return x_new, new

    def run(self, max_steps: int, bar: Any) -> None:
        """Steps until ``max_steps`` rows beyond x0 are recorded or a stopping reason holds
        (``bar``: a progress bar, updated after every step, or None)."""
        self.bar = bar
        self.watch = self.watch or bar is not None
        if self._stop_at_start():
            return
        while self.rec.size <= max_steps:
            reason = self._loop(max_steps + 1 - self.rec.size)
            if reason == "diverged" and self._backed_off():
                continue
            return

    def _stop_at_start(self) -> bool:
        for rule in self.rules:
            message = rule.check(self.view) if rule.status == "converged" else None
            if message is not None:
                self.status, self.message = "converged", message + " at x0"
                return True
        return False

    def _loop(self, steps: int) -> str | None:
        """The plain steps; returns why it stopped early ("diverged", "stopped", "x") or
        None. Its locals go back into the run however it ends (Ctrl-C included)."""
        rec, det, vg, step_fn = self.rec, self.detector, self.vg, self.step_fn
        x, f, g, state, lr = self.x, self.f, self.g, self.state, self.lr
        xs, losses, norms, lrs = rec.x, rec.loss, rec.grad_norm, rec.lr
        size, check_x, watch = rec.size, self.check_x, self.watch
        best, guard, level, start, floor = det.best, det.guard, det.level, det.start, det.floor
        scheduled, lr_of, scale = callable(self.opt.lr), self.opt.lr_at, self.backoff.scale
        base = lr_of(0)
        next_at = self._next_check()
        reason, evaluations = None, 0
        try:
            for _ in range(steps):
                self.f = f  # a line search reads it
                x_new, state_new = step_fn(g, state, x, lr)
                f_new, g_new = vg(x_new)
                if type(f_new) is not float:
                    f_new = as_float(f_new)
                g_new = np.asarray(g_new, dtype=float)
                gnorm = math.sqrt(g_new.dot(g_new))  # ndarray.dot: half the cost of @ here
                finite = math.isfinite(f_new) and math.isfinite(gnorm)
                if finite and check_x:  # x·x is one cheap pass; every entry if it overflows
                    finite = math.isfinite(x_new.dot(x_new)) or bool(np.isfinite(x_new).all())
                evaluations += 1
                if finite and f_new < best:  # the detector's guard moves with the best loss:
                    best = f_new             # best + level · max(start − best, floor)
                    guard = best + level * (start - best if start - best > floor else floor)
                elif not finite or f_new > guard:
                    det.best = best
                    reason = self._judge(size, f_new, finite)
                    if reason is not None and self._will_back_off():
                        break
                next_lr = scale * (lr_of(size) if scheduled else base) if finite else math.nan
                if size == next_at:
                    if self._checkpoint(size):
                        reason = "x"
                        break
                    xs, losses, norms, lrs = rec.x, rec.loss, rec.grad_norm, rec.lr
                    next_at = self._next_check()
                xs[size], losses[size], norms[size], lrs[size] = x_new, f_new, gnorm, next_lr
                size += 1
                x, f, g, state, lr = x_new, f_new, g_new, state_new, next_lr
                if reason is not None:
                    break
                if watch:
                    rec.size = size
                    after = self._after_step(x, f, g, gnorm, lr)
                    if after is None:
                        reason = "stopped" if self.verdict is None else "diverged"
                        break
                    lr = after
        finally:
            det.best, det.guard, rec.size = best, guard, size
            self.x, self.f, self.g, self.state, self.lr = x, f, g, state, lr
            self.nfev += evaluations
        return reason

    def _next_check(self) -> int:
        """The row at which the loop next grows the history or checks a block of iterates."""
        cap = self.rec.capacity
        return cap if self.check_x else min(cap, self.checked + X_CHECK_EVERY)

    def _checkpoint(self, size: int) -> bool:
        """Check the block of unchecked iterates (True: a non-finite one) and grow the history
        when it is full."""
        if not self.check_x:
            if not np.isfinite(self.rec.x[self.checked:size]).all():
                return True
            self.checked = size
        if size == self.rec.capacity:
            self.rec.grow()
        return False

    def _will_back_off(self) -> bool:
        return self.on_divergence == "backoff" and not self.backoff.exhausted

    def _judge(self, size: int, f_new: float, finite: bool) -> str | None:
        """The detector's verdict on the step to row ``size`` ("diverged" or None)."""
        det = self.detector
        if not finite:
            verdict: Verdict | None = det.nonfinite(size, f_new)
        elif self.on_divergence == "ignore":
            return None
        else:
            losses = self.rec.loss

            def recent() -> np.ndarray:
                lo = max(0, size - MEMORY + 1)
                return np.append(losses[lo:size], f_new)
            verdict = det.update(size, f_new, recent)
        if verdict is None:
            return None
        self.verdict = verdict
        return "diverged"

    def _backed_off(self) -> bool:
        """Halve the rate and rewind to the best row (False: no backoff to be made)."""
        if self.on_divergence != "backoff" or self.backoff.exhausted or self.verdict is None:
            return False
        rec = self.rec
        row = self.backoff.rewind(rec.loss, rec.size - 1)
        rec.size = self.checked = row + 1
        x = rec.x[row].copy()
        f, g = self.vg(x)
        self.x, self.f, self.g = x, as_float(f), np.asarray(g, dtype=float)
        self.nfev += 1
        self.state = self.opt.init(x)
        self.lr = rec.lr[row] = self.backoff.scale * self.opt.lr_at(row)
        self.detector.rebase(self.f)
        self.certain = self._arm()
        for rule in self.rules:
            if isinstance(rule, Patience):
                rule.rebase(self.f)
        self.verdict = None
        if self.bar is not None:
            self.bar.set_postfix_str(f"backoff → lr={self.lr:.3g}")
        return True

    def _after_step(self, x: np.ndarray, f: float, g: np.ndarray, gnorm: float, lr: float
                    ) -> float | None:
        """Progress bar, plateau schedule, stopping rules, callback after a plain step; the next
        rate, or None when the run stops here."""
        k = self.rec.size - 1
        if self.bar is not None:
            self._progress(k, f, lr)
        if self.plateau is not None:
            self.plateau.observe(f)
            lr = self.rec.lr[k] = self.backoff.scale * self.opt.lr_at(k)
        if self.certain is not None and self.certain.update(x, g):
            best = float(np.min(self.rec.loss[:k + 1]))
            ratio = (f - best) / float(scale_of(self.detector.start, best))
            self.verdict = self.certain.verdict(k, f, self.detector.start, ratio)
            return None
        view = self.view
        view.step, view.x, view.loss_prev, view.loss = k, x, view.loss, f
        view.grad_norm, view.lr = gnorm, lr
        for rule in self.rules:
            message = rule.check(view)
            if message is not None:
                self.status, self.message = rule.status, message
                return None
        if self.callback is not None and self._callback_stops(x, f, g, k, lr):
            self.status, self.message = "callback_stopped", "the callback raised StopIteration"
            return None
        return lr

    def _progress(self, k: int, f: float, lr: float) -> None:
        self.bar.update(1)
        if k % 100 == 0:
            self.bar.set_postfix(loss=f"{f:.4g}", lr=f"{lr:.3g}", refresh=False)

    def _callback_stops(self, x: np.ndarray, f: float, g: np.ndarray, k: int, lr: float) -> bool:
        try:
            with np.errstate(**self.user_errstate):
                if self.pass_object:
                    self.callback(IntermediateResult(x.copy(), f, g.copy(), k, lr))
                else:
                    self.callback(x.copy())
        except StopIteration:
            return True
        return False

    # ---- the end ------------------------------------------------------------------------------
    def _unchecked_rows(self) -> None:
        """Without per-step iterate checks, stop where a per-step check would have."""
        rec = self.rec
        bad = np.flatnonzero(~np.isfinite(rec.x[self.checked:rec.size]).all(axis=1))
        if not bad.size:
            return
        j = self.checked + int(bad[0])
        if self.verdict is not None and self.verdict.step == j:
            return
        rec.size, rec.lr[j], self.nfev = j + 1, math.nan, j + 1
        self.verdict = self.detector.nonfinite(j, float(rec.loss[j]))
        with np.errstate(all="ignore"):
            self.g = np.asarray(self.vg(rec.x[j])[1], dtype=float)  # not counted in nfev

    def result(self) -> Result:
        if not self.check_x:
            self._unchecked_rows()
        verdict = self.verdict
        diverged = verdict is not None
        if verdict is not None:
            self.status = "diverged"
            self.message = f"diverged at step {verdict.step}: {verdict.reason}"
            if self.on_divergence == "backoff":
                self.message += f" (after {MAX_BACKOFFS} backoffs)"
        elif self.backoff.steps:
            self.message += (f"; learning rate halved {len(self.backoff.steps)}× (resumed at "
                             f"steps {self.backoff.steps})")
        history = History.from_recorder(self.rec, self.backoff.steps)
        last = len(history) - 1
        x_out, f_out, g_out = history.x[last], float(history.loss[last]), self.g
        if diverged and not np.isfinite(f_out) and last > 0:  # report the last finite iterate
            x_out, f_out = history.x[last - 1], float(history.loss[last - 1])
            with np.errstate(all="ignore"):
                g_out = np.asarray(self.vg(x_out)[1], dtype=float)
        return Result(x=x_out.copy(), fun=f_out, grad=np.array(g_out), nit=last,
                      status=self.status, message=self.message, history=history,
                      diverged_at=None if verdict is None else verdict.step, nfev=self.nfev,
                      optimizer=self.opt, verdict=self.verdict, state=self.state,
                      max_steps=self.max_steps, rules=tuple(self.rules))


def minimize(fun: Any, x0: Any = None, optimizer: Optimizer | None = None, *,
             jac: Callable[[np.ndarray], np.ndarray] | bool | None = None,
             max_steps: int = 1000, gtol: float | None = None, rtol: float | None = None,
             ftol: float | None = None, patience: int | None = None, min_delta: float = 0.0,
             callback: Callable[..., Any] | None = None, on_divergence: str = "stop",
             progress: bool = False, replay: bool = True) -> Result:
    """Minimize ``fun`` from ``x0`` with ``optimizer`` (default ``GD(lr=1e-3)``).

    ``fun`` is one of: a function written with steepest ops (``x`` arrives as a Tensor; the
    gradient comes from autodiff); a NumPy function with ``jac=`` its gradient (or ``jac=True``
    if ``fun`` returns ``(value, gradient)``); or a problem from :mod:`steepest.problems`, whose
    closed-form gradient is used when it has one (``x0`` defaults to ``problem.x0``).

    See the module docstring for the stopping rules, statuses and ``on_divergence``.
    ``progress=True`` shows a progress bar. ``replay`` (default True): a steepest-ops ``fun``'s
    gradient step is recorded once and replayed (:mod:`steepest.autodiff.replay`: the same NumPy
    calls, bit-equal to eager; a function it cannot replay runs eagerly by itself);
    ``replay=False`` evaluates every step eagerly. Returns a :class:`Result`.

    >>> import steepest as st
    >>> r = st.minimize(lambda x: (x * x).sum(), [3.0, -4.0], st.optim.GD(lr=0.1), rtol=1e-8)
    >>> r.status, r.nit
    ('converged', 83)
    """
    optimizer = GD(lr=1e-3) if optimizer is None else optimizer
    if not isinstance(optimizer, Optimizer):
        raise SteepestTypeError(f"minimize: optimizer must be a steepest.optim optimizer such as "
                                f"GD(lr=0.01), got {type(optimizer).__name__}")
    if x0 is None:
        if not hasattr(fun, "x0"):
            raise SteepestTypeError("minimize: x0 is required (only problem objects have a "
                                    "default start)")
        x0 = fun.x0
    x = _start(x0, getattr(fun, "dim", None) if hasattr(fun, "value_and_grad") else None)
    rules = _rules(max_steps, gtol, rtol, ftol, patience, min_delta, on_divergence)
    run = _Descent(fun, jac, x, optimizer, rules, callback, on_divergence, max_steps,
                   bool(replay))
    bar = progress_bar(max_steps, "minimize", "step") if progress else None
    try:
        with np.errstate(all="ignore"):  # overflow in a diverging run is detected, not warned
            run.run(max_steps, bar)
    except KeyboardInterrupt:
        run.status, run.message = "interrupted", "interrupted by the user (history kept)"
    finally:
        if bar is not None:
            bar.close()
    result = run.result()
    if result.status == "diverged" and on_divergence == "raise":
        raise _divergence_error(result, fun, jac)
    return result


def _divergence_error(result: Result, fun: Any, jac: Any) -> DivergenceError:
    try:
        from .curvature import diagnose
        diagnosis = diagnose(result, fun, jac=None if jac is True else jac)
    except Exception:
        diagnosis = None
    # the diagnosis restates the step and the detector's reason, then explains: say it once
    text = result.message if diagnosis is None else diagnosis.message
    return DivergenceError(text, result, diagnosis)


__all__ = ["DivergenceError", "History", "IntermediateResult", "Result", "minimize"]
