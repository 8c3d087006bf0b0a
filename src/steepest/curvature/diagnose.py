"""``diagnose(result, fun)``: why a descent run diverged, oscillated, crawled, stalled or hovers
at the edge of stability — in plain words, with the numbers behind them, and a learning rate that
was *tried* before it is suggested.

How each kind is established (see :class:`steepest.descent.diagnosis.Diagnosis` for the fields):

* **diverged** — the divergence detector fired (``result.verdict``; "certainly" when its exact
  rule for a constant Hessian did, see :mod:`steepest.descent.certain`). The curvature that
  governs the optimizer's stability (λ_max of the Hessian for GD and momentum, of P⁻¹H for
  adaptive rules) is measured at the run's best iterate and at the last iterate before the
  blow-up, and η is compared with the optimizer's own limit (``optimizer.lr_limit``: 2/λ_max,
  (2 + 2β)/λ_max, …).
* **converged** — ‖∇L‖ has fallen to :data:`CONVERGED_FRACTION` of its start, or below the
  run's gtol; **oscillating** in addition only if the iterates really zigzag (the step along the
  sharpest direction changes sign in at least :data:`ZIGZAG_FRACTION` of the early steps).
  Where the problem knows its global minimum L* and the run ended in another basin — even the
  local quadratic model's lowest value L − ½‖∇L‖²/λ_min(H) is above L* (by 10⁻³·max(1, |L*|)) —
  the message says it converged to a local minimum, not the global one, and where that is.
* **saddle** — the gradient has nearly vanished and λ_min < 0.
* **stalled** — the loss has stopped changing (or the gradient has nearly vanished) while the
  run moves on in one direction (it is not going round: no zigzag, and over the last
  :data:`ORBIT_WINDOW` steps it got at least half as far as it walked), but the point is not a
  minimum: the local quadratic model puts the nearest stationary point ‖∇L‖/λ_max(H) far away (a
  plateau, where curvature vanishes with the gradient).
* **unsettled** — bounded, not converging: the lowest loss is older than the last
  :data:`ORBIT_WINDOW` steps and every loss since is above it, and η is above the optimizer's
  limit at that best iterate or at the problem's known minimum (GD and momentum; adaptive rules
  are continued instead, see below).
* **diverging** — η is above the limit and the loss is still growing at the end, but the run
  stopped before the detector fired.
* **slow** — still descending; the predicted number of steps to shrink the error by
  :data:`TARGET_REDUCTION` (from the slowest direction's per-step factor) exceeds the run.
  Where the run is heading for a known minimum whose limit is below η, the message leads with
  "this rate cannot converge" and gives no step forecast (one from the flatter curvature where it
  stopped would be false; ``steps_needed`` is None); no rate above the limit at the nearest known
  minimum is suggested.
* **edge_of_stability** — bounded but not converging: the last steps zigzag, the loss is not
  growing, and the sharpness midway between the last two iterates is ≈ the limit (ηλ_max ≈ c,
  within 30 %). It is called a period-2 orbit only if the orbit stands still (over the last
  :data:`ORBIT_WINDOW` steps x moved at most :data:`ORBIT_DRIFT` of its jump and the loss at most
  :data:`ORBIT_LOSS` of itself); a run still moving is said to be moving, and only where the
  problem knows its minimum and η is above the limit there (so it cannot converge). On a
  constant-Hessian problem below its limit a zigzag is a slow convergence, never this kind.

An adaptive rule's forecast holds its preconditioner P fixed, but P keeps adapting: a run of
Adam, RMSprop or Adagrad that is not clearly converged is continued from its start for up to
:data:`TRIAL_STEPS` more steps, and the diagnosis says what that longer run does (it may end at
the edge of stability instead).

Suggested rates are verified: the candidate (half the stability limit, or the best fixed step) is
run with the same optimizer from the run's start, under the run's stopping rules, for
min(max_steps, :data:`TRIAL_STEPS`) steps, and halved until that trial does not diverge (at most
:data:`MAX_HALVINGS` times). The cost is therefore at most (MAX_HALVINGS + 1) · TRIAL_STEPS
evaluations of the loss and gradient, typically one or two trials; ``verify=False`` skips it (and
suggests nothing).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..descent.certain import STEPS
from ..descent.diagnosis import Diagnosis, Trial, fmt, fmt_factor, safe_mul
from .hessian import sharpness

#: a run is "slow" if, at its rate, shrinking the error by this factor needs more steps than it
#: was given
TARGET_REDUCTION = 1e-6
#: ‖∇L‖ at or below this fraction of its start counts as converged
CONVERGED_FRACTION = 1e-6
#: ‖∇L‖ at or below this fraction of its start counts as "nearly vanished" (saddle, stall)
VANISHED_FRACTION = 1e-3
#: the share of steps whose component along the sharpest direction flips sign, for a zigzag
ZIGZAG_FRACTION = 0.8
#: a suggested rate's trial runs at most this many steps; it is halved at most MAX_HALVINGS times
TRIAL_STEPS, MAX_HALVINGS = 2000, 30
#: a period-2 orbit stands still: over the last ORBIT_WINDOW steps (an even number) x has moved
#: at most ORBIT_DRIFT × its mean jump between the two points, and the loss by at most
#: ORBIT_LOSS of itself (a run still sliding along a valley while it zigzags across it is not
#: hovering; nor is a zigzag contracting by 0.999 a step)
ORBIT_WINDOW, ORBIT_DRIFT, ORBIT_LOSS = 20, 0.02, 0.03


def _huge(a: float, b: float) -> str:
    """a·b in words even where the product overflows a float (as 10^k)."""
    product = a * b
    if np.isfinite(product) or a <= 0 or b <= 0:
        return fmt(product)
    return f"10^{np.log10(a) + np.log10(b):.1f}"


def _steps(rate: float) -> float:
    """Steps for rateᵏ to reach TARGET_REDUCTION."""
    if rate <= 0:
        return 1.0
    if rate >= 1:
        return math.inf
    return math.log(TARGET_REDUCTION) / math.log(rate)


def diagnose(result: Any, fun: Any = None, *,
             jac: Callable[[np.ndarray], np.ndarray] | None = None,
             verify: bool = True) -> Diagnosis:
    """Explain a :class:`steepest.Result`.

    With ``fun`` (the loss the run minimized) the curvature is measured from exact
    Hessian-vector products and compared with the optimizer's stability limit; any suggested
    learning rate is tried from the run's start first (see the module docstring, which also says
    how each ``kind`` is decided and what the trials cost).

    >>> import steepest as st
    >>> X, y = st.datasets.lecture_line()
    >>> P = st.problems.LeastSquares(X, y)
    >>> r = st.minimize(P, [-8, -2], st.optim.GD(lr=0.0065), max_steps=1000)
    >>> d = st.diagnose(r, P)
    >>> d.kind, round(d.lr_max, 5)
    ('diverged', 0.0064)
    """
    return _diagnose(result, fun, jac, verify, extend=True)


def _diagnose(result: Any, fun: Any, jac: Any, verify: bool, extend: bool) -> Diagnosis:
    """:func:`diagnose`; ``extend``: an adaptive run that looks slow may be continued once."""
    h = result.history
    opt = getattr(result, "optimizer", None)
    if opt is None:
        from ..optim import GD
        opt = GD(lr=float(h.lr[0]))
    verdict = getattr(result, "verdict", None)
    diverged = result.status == "diverged"
    k_lr = (result.diverged_at - 1) if diverged and result.diverged_at else len(h.lr) - 1
    lr = float(h.lr[max(k_lr, 0)])
    d = Diagnosis(kind="unknown", message="", optimizer=type(opt).__name__, lr=lr,
                  diverged_at=result.diverged_at,
                  rule=None if verdict is None else verdict.rule)
    if fun is not None:
        _measure(d, result, fun, jac, opt, diverged)
    if diverged:
        _diverged(d, result, fun, opt)
    else:
        _finished(d, result, fun, jac, opt, extend)
    if _second_order(opt) and d.lr_max is None:
        d.message += f" {d.optimizer}: {opt.limit_formula()}."
    if verify and fun is not None and d.details.get("candidate") is not None:
        _verify(d, result, fun, jac, opt)
    return d


# ---- measuring ---------------------------------------------------------------------------------
def _best_row(h: Any) -> int:
    finite = np.isfinite(h.loss) & np.isfinite(h.grad_norm)
    return int(np.argmin(np.where(finite, h.loss, np.inf)))


def _state_at_end(result: Any, opt: Any) -> Any:
    state = getattr(result, "state", None)
    if not opt.adaptive or state is None:
        return None
    p = opt.preconditioner(state)
    return state if p is not None and np.all(np.isfinite(p)) and np.all(p > 0) else None


def _measure(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any, diverged: bool) -> None:
    """The curvature numbers at the point that explains the run (the best iterate if it
    diverged, else the end) and what the optimizer's recursion does with them."""
    h = result.history
    x_at = h.x[_best_row(h)] if diverged else np.asarray(result.x)
    state = None if diverged else _state_at_end(result, opt)
    s = _sharpness(fun, x_at, opt, state, jac=jac)
    if s is None:
        return
    d.lam_max, d.lam_min, d.top_eigenvector, d.sharpness = s.lam_max, s.lam_min, s.vector, s.name
    d.details["state"] = state
    d.details["limit_text"] = f"{opt.limit_formula()} = {fmt(opt.lr_limit(s.lam_max, state))}" \
        if s.lam_max > 0 else None
    if s.lam_min > 0:
        d.kappa = s.lam_max / s.lam_min
    if s.lam_max > 0:
        d.lr_max = opt.lr_limit(s.lam_max, state)
        if not math.isfinite(d.lr_max):  # LBFGS: a line search picks each step, no limit
            d.lr_max, d.details["limit_text"] = None, None
            return
        mult = opt.multiplier(d.lr, s.lam_max, state)
        d.multiplier = float(mult.real) if abs(mult.imag) < 1e-12 else float(abs(mult))
        d.details["complex_multiplier"] = abs(mult.imag) >= 1e-12
        if s.lam_min > 0:
            kappa = s.lam_max / s.lam_min
            d.details["rate_flat"] = abs(opt.multiplier(d.lr, s.lam_min, state))
            d.rate = max(d.details["rate_flat"], abs(mult))
            d.steps_needed = _steps(d.rate)
            if not (opt.adaptive or opt.defaults.get("momentum") or _second_order(opt)):
                d.steps_needed_best = _steps((kappa - 1) / (kappa + 1))
                d.details["best_lr"] = 2 / (s.lam_min + s.lam_max)


def _sharpness(fun: Any, x: Any, opt: Any, state: Any = None, **kw: Any) -> Any:
    """:func:`~steepest.curvature.sharpness`, or None where the curvature cannot be measured
    or is not finite (a point where the loss is not twice differentiable: Ackley's minimum, an
    orbit's midpoint on its kink)."""
    try:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            s = sharpness(fun, x, opt, state, **kw)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return None
    return s if math.isfinite(s.lam_max) and not math.isinf(s.lam_min) else None


def _second_order(opt: Any) -> bool:
    """Newton, LBFGS: the step is not η times a rescaled gradient, GD's best step is not
    theirs and they have no η·λ_max limit to hover at."""
    return bool(getattr(opt, "second_order", False))


def _where(fun: Any, opt: Any, diverged: bool = True) -> str:
    """Where the curvature was measured (see :func:`_measure`)."""
    from ..problems import Quadratic
    if opt is not None and opt.adaptive:  # P⁻¹H depends on P, which the run keeps changing
        return (" at the best iterate, with P after one step from there" if diverged
                else ", with P as at the end")
    return ", exact for this quadratic" if isinstance(fun, Quadratic) else " at the best iterate"


def _limit_text(d: Diagnosis, opt: Any) -> str:
    return f"{opt.limit_formula()} = {fmt(d.lr_max)}"


def _matrix(d: Diagnosis) -> str:
    """The matrix whose top eigenvalue is the sharpness: "H", "P⁻¹H" (from "λ_max(H)")."""
    return d.sharpness[d.sharpness.find("(") + 1:-1] if d.sharpness else "the Hessian"


def _zigzag(x: np.ndarray, v: np.ndarray | None) -> float:
    """The share of consecutive steps whose component along ``v`` (default: the first step's
    direction) changes sign, counting only steps that move along it."""
    steps = np.diff(x, axis=0)
    if len(steps) < 3:
        return 0.0
    if v is None:
        v = steps[0] / max(float(np.linalg.norm(steps[0])), 1e-300)
    p = steps @ v
    big = np.abs(p) > 1e-9 * max(float(np.max(np.abs(p))), 1e-300)
    pairs = big[1:] & big[:-1]
    if pairs.sum() < 2:
        return 0.0
    return float(np.mean((np.sign(p[1:]) != np.sign(p[:-1]))[pairs]))


def _scales(fun: Any) -> str:
    """A hint when the problem's features live on very different scales."""
    X = getattr(fun, "X", None)
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[1] < 2:
        return ""
    spread = X.std(axis=0)
    spread = spread[spread > 0]
    if spread.size < 2 or spread.max() < 100 * spread.min():
        return ""
    return (f" The features live on very different scales (column standard deviations from "
            f"{fmt(spread.min(), 3)} to {fmt(spread.max(), 3)}), which makes λ_max huge and "
            f"κ extreme: standardize them (zero mean, unit variance).")


# ---- diverged ----------------------------------------------------------------------------------
def _diverged(d: Diagnosis, result: Any, fun: Any, opt: Any) -> None:
    d.kind = "diverged"
    verdict = getattr(result, "verdict", None)
    head = f"Diverged at step {result.diverged_at}"
    if verdict is not None and verdict.rule == "certain":  # the limit is said below
        head += (f", certainly (the error along the unstable eigenvector grew by exactly the "
                 f"predicted factor for {STEPS} steps in a row; loss {fmt(verdict.start)} → "
                 f"{fmt(verdict.loss)})")
    elif verdict is not None:
        head += f" ({verdict.reason})"
    name = d.optimizer
    if d.lr_max is None:
        cause = ("" if d.lam_max is None else
                 f" The sharpest curvature is {d.sharpness} = {fmt(d.lam_max)}{_where(fun, opt)}.")
        d.message = f"{head} with {name} at learning rate η = {fmt(d.lr)}.{cause}"
        d.details["candidate"] = d.lr / 10
        d.message += _scales(fun) if fun is not None else ""
        return
    limit = _limit_text(d, opt)
    if d.lr >= d.lr_max:
        growth = abs(d.multiplier or 0.0)
        if not np.isfinite(growth):  # ηλ beyond 1e150: the factor itself would overflow
            factor = (f"Along the sharpest direction the error is multiplied by about −ηλ_max "
                      f"= −{_huge(d.lr, d.lam_max or 0.0)} per step (stable needs ηλ_max < "
                      f"{fmt(d.lr_max * (d.lam_max or 0.0))}): the numbers overflow to "
                      f"infinity within a step or two.")
        elif name == "GD":
            factor = (f"Along the top eigenvector of the Hessian the error is multiplied by "
                      f"1 − ηλ_max = {fmt(d.multiplier)} each step: it flips sign and grows by "
                      f"|1 − ηλ_max| = {fmt(growth)} > 1 per step (the loss by "
                      f"{fmt(safe_mul(growth, growth))}).")
        else:
            factor = (f"Along the top eigenvector of {_matrix(d)} the error grows by a "
                      f"factor {fmt(growth)} > 1 per step.")
        d.message = (f"{head}: the learning rate η = {fmt(d.lr)} exceeds the stability limit "
                     f"{limit} ({d.sharpness} = {fmt(d.lam_max)}{_where(fun, opt)}). {factor}")
    else:
        d.message = (f"{head}, although η = {fmt(d.lr)} is below {limit} at the best iterate "
                     f"({d.sharpness} = {fmt(d.lam_max)}): the curvature grows along the path "
                     f"(a non-quadratic loss), so the run entered a region where η is too "
                     f"large.")
    d.message += _scales(fun)
    d.details["candidate"] = _candidate(d, fun, opt)


def _candidate(d: Diagnosis, fun: Any, opt: Any) -> float:
    """Half the stability limit — or the best fixed step 2/(λ_min + λ_max) when smaller — and
    below the limit at the problem's known minimum, if it has one."""
    assert d.lr_max is not None
    lr = 0.5 * d.lr_max
    best = d.details.get("best_lr")
    if best is not None and best < d.lr_max:
        lr = float(best)
    from ..problems import Quadratic
    at_min = None if isinstance(fun, Quadratic) else _limit_at_minimum(fun, opt)
    if at_min is not None:  # a rate that can also converge at the minimum
        lr = min(lr, 0.9 * at_min[0])
    return lr


def _point(x: Any) -> str:
    """A point's coordinates, 4 significant digits each: "1, -0.5"."""
    return ", ".join(fmt(v, 4) for v in np.asarray(x).ravel())


def _limit_at_minimum(fun: Any, opt: Any, near: Any = None
                      ) -> tuple[float, float, np.ndarray] | None:
    """(the stability limit, λ_max, the point) at the problem's first known minimum — or, given
    ``near``, at the known minimum (global or local) nearest to it."""
    minima = getattr(fun, "minima", None)
    if minima is None or not len(minima) or opt.adaptive:
        return None
    xs = np.asarray(minima[0], float)
    if near is not None:
        known = np.asarray(getattr(fun, "local_minima", minima), float)
        xs = known[int(np.argmin(np.linalg.norm(known - np.asarray(near, float), axis=1)))]
    s = _sharpness(fun, xs, opt)  # None at a kink (Ackley's): no limit either
    lam = math.nan if s is None else s.lam_max
    return (opt.lr_limit(lam), lam, xs) if lam > 0 else None


# ---- finished (not diverged) -------------------------------------------------------------------
def _status_text(result: Any, n: int) -> str:
    steps = f"{n} step{'s' if n != 1 else ''}"
    return {"converged": f"converged in {steps}",
            "max_steps": f"stopped at max_steps after {steps}",
            "early_stopped": f"stopped early after {steps}",
            "callback_stopped": f"stopped by the callback after {steps}",
            "interrupted": f"interrupted after {steps}"}.get(result.status,
                                                            f"{result.status}, {steps}")


def _finished(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any, extend: bool) -> None:
    h = result.history
    n = len(h.loss) - 1
    g0, g1 = float(h.grad_norm[0]), float(h.grad_norm[-1])
    status = _status_text(result, n)
    fell = g1 <= CONVERGED_FRACTION * g0 or result.status == "converged"
    vanished = g1 <= VANISHED_FRACTION * g0
    d.details["zigzag"] = _zigzag(h.x[:min(len(h.x), 60)], d.top_eigenvector)
    if vanished and d.lam_min is not None and d.lam_max is not None \
            and d.lam_min < -1e-8 * max(abs(d.lam_max), 1.0):
        d.kind = "saddle"
        d.message = (f"{status.capitalize()}: the gradient has nearly vanished (‖∇L‖ = "
                     f"{fmt(g1, 3)}, from {fmt(g0, 3)}) but the Hessian has a negative "
                     f"eigenvalue λ_min = {fmt(d.lam_min)}: this is a saddle point, not a "
                     f"minimum. A small push along the eigenvector of λ_min, or momentum, "
                     f"escapes it.")
        return
    if _plateau(d, result, fun, jac, opt, vanished):
        return
    if fell:
        _converged(d, result, status, g0, g1)
        _not_the_global(d, result, fun, jac, opt)
        return
    if _diverging(d, result, fun, opt, status):
        return
    if _edge_of_stability(d, result, fun, jac, opt, status):
        return
    if _unsettled(d, result, fun, jac, opt, status):
        return
    if _slow(d, result, fun, opt, status, n, g0, g1):
        pass
    elif vanished:  # fell 1e3-fold but not 1e6-fold
        _converged(d, result, status, g0, g1)
        _not_the_global(d, result, fun, jac, opt)
    else:
        d.kind = "converged" if result.success else "unknown"
        d.message = (f"{status.capitalize()}; the loss went from {fmt(h.loss[0])} to "
                     f"{fmt(h.loss[-1])} and ‖∇L‖ from {fmt(g0, 3)} to {fmt(g1, 3)}.")
    if extend and opt.adaptive:  # what holds for P frozen need not hold: P keeps adapting
        _continued(d, result, fun, jac, opt, n)


def _tail_change(h: Any) -> float:
    """The relative change of the loss over the second half of the run."""
    n = len(h.loss) - 1
    if n < 2:
        return math.inf
    a, b = float(h.loss[n // 2]), float(h.loss[-1])
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def _plateau(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any, vanished: bool) -> bool:
    """Stalled on a plateau: the loss has stopped changing (or ‖∇L‖ nearly vanished) while the
    run moves on in one direction (not cycling), and the nearest stationary point of the local
    quadratic model, ‖∇L‖/λ_max(H) away, is far compared with how far the run has moved."""
    h = result.history
    if d.lam_max is None or not (vanished or _tail_change(h) < 1e-6) or _cycling(h.x):
        return False
    lam = d.lam_max
    if opt.adaptive and fun is not None:  # ‖∇L‖/λ is a distance only for H's own λ
        s = _sharpness(fun, result.x, opt, jac=jac, preconditioned=False)
        if s is None:
            return False
        lam = s.lam_max
    g0, g1 = float(h.grad_norm[0]), float(h.grad_norm[-1])
    travelled = float(np.linalg.norm(h.x[-1] - h.x[0]))
    if lam > 0 and g1 / lam <= 0.1 * max(travelled, 1.0):
        return False
    n = len(h.loss) - 1
    why = (f"‖∇L‖ has fallen to {fmt(g1, 3)} ({fmt(g1 / max(g0, 1e-300), 2)}× its start)"
           if vanished else f"the loss changed by only {fmt(_tail_change(h), 2)} (relative) "
                            f"over the second half (‖∇L‖ = {fmt(g1, 3)})")
    d.kind = "stalled"
    d.message = (f"Stalled: {_status_text(result, n)}, {why}, and this is not a minimum: the "
                 f"curvature is small for that gradient (λ_max(H) = {fmt(lam, 3)}), so the "
                 f"nearest stationary point of the local quadratic model is ‖∇L‖/λ_max = "
                 f"{fmt(g1 / max(lam, 1e-300), 3)} away — a plateau (saturated units, a flat "
                 f"region). A larger rate, momentum or an adaptive optimizer crosses it faster.")
    return True


def _cycling(x: np.ndarray) -> bool:
    """The last :data:`ORBIT_WINDOW` steps go round rather than on: they zigzag, or their net
    displacement is under half the path they walked."""
    x = np.asarray(x[-ORBIT_WINDOW - 1:], float)
    walked = float(np.sum(np.linalg.norm(np.diff(x, axis=0), axis=1)))
    return _zigzag(x[-10:], None) >= ZIGZAG_FRACTION or \
        (walked > 0 and float(np.linalg.norm(x[-1] - x[0])) < 0.5 * walked)


def _unsettled(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any, status: str) -> bool:
    """Bounded but unable to settle: the lowest loss is older than the last
    :data:`ORBIT_WINDOW` steps, every loss since is above it, and η exceeds the limit at that
    best iterate (or at the problem's known minimum): each approach is thrown out again."""
    h = result.history
    b, w = _best_row(h), ORBIT_WINDOW
    if fun is None or opt.adaptive or _second_order(opt) or b >= len(h.loss) - 1 - w:
        return False
    s = _sharpness(fun, h.x[b], opt, jac=jac)
    if s is None:
        return False
    lam = s.lam_max
    at_min = _limit_at_minimum(fun, opt)
    limits = [lim for lim in (opt.lr_limit(lam) if lam > 0 else None,
                              None if at_min is None else at_min[0]) if lim is not None]
    if not limits or d.lr <= min(limits):
        return False
    recent = h.loss[-w:]
    d.kind, d.lr_max = "unsettled", min(limits)
    d.message = (f"Cannot settle ({status}): its lowest loss, {fmt(float(h.loss[b]), 4)}, was "
                 f"at step {b}; over the last {w} steps the loss stayed between "
                 f"{fmt(float(recent.min()), 4)} and {fmt(float(recent.max()), 4)}, above it, "
                 f"without growing.")
    if lam > 0 and d.lr > opt.lr_limit(lam):
        d.message += (f" At that best point λ_max = {fmt(lam)}, so {opt.limit_formula()} = "
                      f"{fmt(opt.lr_limit(lam), 4)} < η = {fmt(d.lr)}: each time the run "
                      f"nears a minimum, the step along the sharpest direction overshoots and "
                      f"throws it out again.")
    if at_min is not None and d.lr > at_min[0]:
        lim, lam_star, xs = at_min
        d.message += (f" At the minimum ({_point(xs)}) λ_max = "
                      f"{fmt(lam_star)}: the limit there is {fmt(lim, 4)} < η, so the run "
                      f"cannot converge to it at this rate.")
    if _orbit_drift(h)[0] <= ORBIT_DRIFT:
        d.message += " It has settled into a period-2 orbit instead."
    d.details["candidate"], d.details["must_beat"] = 0.9 * d.lr_max, float(h.loss[b])
    return True


def _diverging(d: Diagnosis, result: Any, fun: Any, opt: Any, status: str) -> bool:
    """Above the limit and still growing when the run ended (the detector had no time): over
    the last :data:`ORBIT_WINDOW` steps the loss grew, and it grew from two steps before (same
    phase of a zigzag) in at least :data:`ZIGZAG_FRACTION` of them. An adaptive rule's limit
    holds only while P stays fixed, and P grows with the gradients: there the loss must also
    have risen by more than :data:`ORBIT_LOSS` over the tail (a run settling into an orbit
    creeps up by far less)."""
    h = result.history
    if d.lr_max is None or d.lr <= d.lr_max or len(h.loss) < 6:
        return False
    k = min(len(h.loss), ORBIT_WINDOW + 1)
    tail = h.loss[-(k - (k + 1) % 2):]  # an even number of steps: both ends in the same phase
    growth = _loss_growth(tail)         # of a period-2 swing
    rise = (tail[-1] - tail[0]) / max(abs(tail[0]), 1e-300)
    steady = np.mean(tail[2:] > tail[:-2]) >= ZIGZAG_FRACTION  # not a chaotic bounce
    if not (growth > 1.0 + 1e-9 and steady) or (opt.adaptive and not rise > ORBIT_LOSS):
        return False
    d.kind = "diverging"
    d.message = (f"Diverging ({status}): η = {fmt(d.lr)} exceeds the stability limit "
                 f"{d.details.get('limit_text') or fmt(d.lr_max)} ({d.sharpness} = "
                 f"{fmt(d.lam_max)}{_where(fun, opt, False)}) and the loss is growing, "
                 f"×{fmt(growth, 3)} per step over the last {len(tail) - 1} steps (now "
                 f"{fmt(float(h.loss[-1]))}, from "
                 f"{fmt(float(h.loss[0]))}); the run ended before it rose far enough to be "
                 f"stopped as diverged.")
    d.details["candidate"] = _candidate(d, fun, result.optimizer or _gd(d.lr))
    return True


def _loss_growth(tail: np.ndarray) -> float:
    """The loss's per-step factor over ``tail``: (L_last/L_first)^(1/steps) for positive losses,
    else from the excess over the lowest loss there."""
    if len(tail) < 2:
        return 1.0
    if tail[0] > 0 and tail[-1] > 0:
        return float(np.exp(np.log(tail[-1] / tail[0]) / (len(tail) - 1)))
    from ..descent.divergence import growth_per_step
    return growth_per_step(tail, float(np.min(tail)))


def _gd(lr: float) -> Any:
    from ..optim import GD
    return GD(lr=lr)


def _converged(d: Diagnosis, result: Any, status: str, g0: float, g1: float) -> None:
    mult, lam = d.multiplier, d.lam_max
    zig = d.details["zigzag"] >= ZIGZAG_FRACTION and mult is not None and mult < 0 \
        and lam is not None
    how = (f"‖∇L‖ = {fmt(g1, 3)}, {fmt(g1 / max(g0, 1e-300), 2)}× its start"
           + ("" if d.rate is None else
              f"; the slowest direction shrank by {fmt_factor(d.rate)} per step, "
              f"κ = {fmt(d.kappa)}"))
    if result.status != "converged":
        how = f"{status}; {how}"
    if not zig or mult is None or lam is None:
        d.kind = "converged"
        n = len(result.history.loss) - 1
        head = f"Converged in {n} step{'s' if n != 1 else ''}" if result.status == "converged" \
            else "Converged"
        d.message = f"{head} ({how})."
        return
    d.kind = "oscillating"
    if d.optimizer == "GD":
        d.message = (f"Converged while oscillating ({how}): 1 − ηλ_max = {fmt(mult)} < 0 "
                     f"at η = {fmt(d.lr)}, so along the top eigenvector the error flips sign "
                     f"every step (a zig-zag across the valley), shrinking by |1 − ηλ_max| = "
                     f"{fmt(abs(mult))} per step. It stays stable because η < 2/λ_max = "
                     f"{fmt(d.lr_max)}; η ≤ 1/λ_max = {fmt(1 / lam)} would not oscillate.")
    else:
        d.message = (f"Converged while oscillating ({how}): along the top eigenvector the error "
                     f"changes sign each step, shrinking by {fmt(abs(mult))} per step "
                     f"(η = {fmt(d.lr)} is below the limit {fmt(d.lr_max)}).")


def _not_the_global(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any) -> None:
    """A converged run that ended in another basin than the problem's known global minimum L*:
    say so. The claim is made only when even the local quadratic model's lowest value,
    L − ½‖∇L‖²/λ_min(H) (H positive definite here), stays above L* + 10⁻³ · max(1, |L*|) — a
    run merely short of L* in the right basin is not called a local minimum."""
    best = getattr(fun, "min_value", None)
    loss, g = float(result.fun), float(result.history.grad_norm[-1])
    if best is None or not (math.isfinite(best) and math.isfinite(loss)) \
            or loss - best <= 1e-3 * max(1.0, abs(best)):
        return
    s = _sharpness(fun, result.x, opt, jac=jac, preconditioned=False)
    if s is None or not s.lam_min > 0 or loss - 0.5 * g * g / s.lam_min - best \
            <= 1e-3 * max(1.0, abs(best)):
        return
    xs = _point(fun.minima[0])
    d.details["global_min"] = best
    d.message += (f" This is a local minimum, not the global one: L = {fmt(loss)} here, while "
                  f"{getattr(fun, 'name', 'the problem')}'s global minimum is L = {fmt(best)} "
                  f"at ({xs}). Descent only goes downhill from its start: another start (or a "
                  f"larger η early on) may reach another basin.")


def _slow(d: Diagnosis, result: Any, fun: Any, opt: Any, status: str, n: int, g0: float,
          g1: float) -> bool:
    if d.rate is None or d.steps_needed is None or d.steps_needed <= n or d.rate >= 1 \
            or d.kappa is None or d.lr_max is None:
        return False
    d.kind = "slow"
    # on a non-quadratic loss the curvature is the stopping point's, not the minimum's
    there = "" if getattr(fun, "constant_hessian", False) else " where the run stopped"
    of = ""
    if opt.adaptive:  # the recursion is P⁻¹H's with P frozen: say so, as _continued checks it
        there, of = ", with P as at the end", " of P⁻¹H"
    moving = f"still moving (‖∇L‖ = {fmt(g1, 3)}, {fmt(g1 / g0, 2)}× its start)"
    curvature = (f"κ = λ_max/λ_min = {fmt(d.kappa)} (λ_max = {fmt(d.lam_max)}, λ_min = "
                 f"{fmt(d.lam_min)}{there})")
    at_min = _minimum_ahead(result, fun, opt)
    if at_min is not None and d.lr > at_min[0] and _heading_for(result, at_min[2]):
        _cannot_converge(d, status, moving, curvature, *at_min, opt)
        return True
    if abs(d.multiplier or 0.0) > d.details.get("rate_flat", math.inf):
        d.message = f"Slow: {status}, {moving}. {_sharp_is_slow(d, opt, there)}"
    else:
        d.message = (f"Slow: {status}, {moving}. The condition number{of} {curvature}. At η "
                     f"= {fmt(d.lr)} the slowest direction shrinks by only {fmt_factor(d.rate)} "
                     f"per step, so reducing the error by {TARGET_REDUCTION:.0e} takes about "
                     f"{d.steps_needed:.0f} steps.")
    best = d.details.get("best_lr")
    if best is not None and d.steps_needed_best is not None and best < d.lr_max:
        d.message += (f" The best fixed step {'there ' if there else ''}2/(λ_min + λ_max) = "
                      f"{fmt(best)} gives the rate (κ − 1)/(κ + 1) = "
                      f"{fmt_factor((d.kappa - 1) / (d.kappa + 1))}: about "
                      f"{d.steps_needed_best:.0f} steps. Momentum, preconditioning or "
                      f"standardised features reduce κ.")
        if best > d.lr or d.steps_needed_best < 0.5 * d.steps_needed:  # smaller: if faster
            d.details["candidate"] = float(best)
    if at_min is not None:
        _cap_candidate(d, opt, *at_min)
    return True


def _sharp_is_slow(d: Diagnosis, opt: Any, there: str) -> str:
    """Why a run below the limit is slow when its sharpest direction, not its flattest, is the
    slowest: η is so near the limit that the error there barely shrinks as it zigzags."""
    mult = d.multiplier or 0.0
    factor = f"{'1 − ηλ_max = ' if d.optimizer == 'GD' else ''}{fmt_factor(mult)}"
    return (f"At η = {fmt(d.lr)}, close to the stability limit {_limit_text(d, opt)} "
            f"(η/limit = {fmt(d.lr / (d.lr_max or math.inf))}), the sharpest direction is "
            f"the slowest: along the top eigenvector of {_matrix(d)} the error is multiplied "
            f"by {factor} per step{' (flipping sign each step)' if mult < 0 else ''}, against "
            f"{fmt_factor(d.details['rate_flat'])} along the flattest (λ_min = "
            f"{fmt(d.lam_min)}{there}), so reducing the error by {TARGET_REDUCTION:.0e} takes "
            f"about {d.steps_needed:.0f} steps; a smaller η shrinks it faster.")


def _minimum_ahead(result: Any, fun: Any, opt: Any) -> tuple[float, float, Any] | None:
    """(limit, λ_max, x*) at the known minimum nearest to where a run stopped, for GD and
    momentum on a loss whose curvature changes (None otherwise, or where no minimum is
    known)."""
    if opt.adaptive or getattr(fun, "constant_hessian", False) or fun is None:
        return None
    return _limit_at_minimum(fun, opt, near=result.x)


def _heading_for(result: Any, xs: Any) -> bool:
    """Whether the run ended nearer x* than it started."""
    x0, x1 = (np.asarray(v, float) for v in (result.history.x[0], result.x))
    return bool(np.linalg.norm(x1 - xs) < np.linalg.norm(x0 - xs))


def _cap_candidate(d: Diagnosis, opt: Any, lim: float, lam_star: float, xs: Any) -> None:
    """No rate above 0.9 × the limit at the nearest known minimum is suggested (the best fixed
    step where a run stopped may be above it: it would not converge there)."""
    if d.details.get("candidate", 0.0) <= 0.9 * lim:
        return
    if 0.9 * lim > d.lr:
        d.details["candidate"] = 0.9 * lim
        return
    d.details.pop("candidate")
    d.message += (f" No larger fixed rate is suggested: at the minimum ({_point(xs)}) λ_max = "
                  f"{fmt(lam_star)}, so above {opt.limit_formula()} = {fmt(lim, 4)} a run "
                  f"cannot converge there.")


def _cannot_converge(d: Diagnosis, status: str, moving: str, curvature: str, lim: float,
                     lam_star: float, xs: Any, opt: Any) -> None:
    """A slow run heading for a known minimum whose limit is below η cannot converge there.
    Where it stopped the curvature is flatter, so a step forecast from it would be false: none
    is given (``steps_needed`` is None); the suggestion is 0.9 × the limit at the minimum."""
    d.steps_needed = d.steps_needed_best = None
    d.message = (f"Slow, and this rate cannot converge: {status}, {moving}; the curvature "
                 f"{curvature}. "
                 f"It is heading for the minimum at ({_point(xs)}), where λ_max = "
                 f"{fmt(lam_star)}, so {opt.limit_formula()} = {fmt(lim, 4)} < η = "
                 f"{fmt(d.lr)}: near it the step along the sharpest direction overshoots, and "
                 f"the run will hover around it or be thrown out instead of settling.")
    d.details["candidate"] = 0.9 * lim
    d.details["unstable_at_minimum"] = lim


def _continued(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any, n: int) -> None:
    """An adaptive rule's forecast holds P fixed, but P keeps shrinking with the gradients (which
    raises P⁻¹H): rerun the same settings from the start for up to :data:`TRIAL_STEPS` more steps
    and say what the run really does next — settle, or hover at the edge of stability."""
    if fun is None:
        return
    longer = _trial(fun, result.history.x[0], opt, d.lr, jac, n + TRIAL_STEPS,
                    tuple(getattr(result, "rules", ())))
    later = _diagnose(longer, fun, jac, verify=False, extend=False)
    d.details["continued"] = later
    if later.kind == "edge_of_stability":
        g = result.history.grad_norm
        d.kind, d.lr_max = later.kind, later.lr_max
        d.message = (f"Not settling at this rate, although ‖∇L‖ had fallen to "
                     f"{fmt(float(g[-1]), 3)} ({fmt(float(g[-1] / g[0]), 2)}× its start) when it "
                     f"stopped after {n} steps. Continued from the same start, it ends "
                     f"{later.message[0].lower()}{later.message[1:]}")
        return
    g = longer.history.grad_norm
    forecast = "" if d.kind != "slow" or d.rate is None or d.rate >= 1 else \
        f"; the rate above predicts {fmt(float(g[n]) * d.rate ** (longer.nit - n), 3)}"
    d.message += (f" {d.optimizer}'s P keeps adapting: continued from the same start to step "
                  f"{longer.nit}, ‖∇L‖ = {fmt(float(g[-1]), 3)} ({fmt(float(g[-1] / g[0]), 2)}× "
                  f"its start{forecast}).")


def _edge_of_stability(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any,
                       status: str) -> bool:
    """Bounded, not converging, zigzagging at the end where η is ≈ the limit for the sharpness
    midway between the last two iterates (for an adaptive rule: of P⁻¹H with P as at the end)."""
    h = result.history
    state = d.details.get("state") if opt.adaptive else None
    if fun is None or len(h.x) < 12 or _second_order(opt) or (opt.adaptive and state is None):
        return False
    if _zigzag(h.x[-10:], None) < ZIGZAG_FRACTION:
        return False
    hover = 0.5 * (h.x[-1] + h.x[-2])
    s = _sharpness(fun, hover, opt, state, jac=jac)
    if s is None:
        return False
    lam = s.lam_max
    ratio = d.lr / opt.lr_limit(lam, state) if lam > 0 else 0.0
    if not 0.7 <= ratio <= 1.3:
        return False
    if not opt.adaptive and getattr(fun, "constant_hessian", False) and ratio < 1:
        return False  # a quadratic below its limit converges, however slowly it zigzags
    from ..descent.divergence import growth_per_step
    if growth_per_step(h.loss[-20:], float(np.min(h.loss))) > 1.01:
        return False  # still growing: not hovering
    at_min = None if opt.adaptive else _limit_at_minimum(fun, opt)
    unstable_there = at_min is not None and d.lr > at_min[0]  # it cannot converge there
    now = _hover_text(d, result, lam, ratio, opt, state, unstable_there)
    if now is None:
        return False
    d.kind = "edge_of_stability"
    if unstable_there and at_min is not None:
        lim, lam_star, xs = at_min
        d.message = (f"Locally unstable at the minimum, held at the edge of stability "
                     f"({status}): at the minimum ({_point(xs)}) λ_max = "
                     f"{fmt(lam_star)}, so {opt.limit_formula()} = {fmt(lim, 4)} < η = "
                     f"{fmt(d.lr)} and the run cannot converge there; it is not diverging "
                     f"either — it is {now}.")
        d.details["candidate"] = 0.9 * lim
    elif opt.adaptive:
        d.message = (f"At the edge of stability ({status}): the run is {now}. {d.optimizer}'s "
                     f"P shrinks with the gradients, which raises λ_max(P⁻¹H) until it meets "
                     f"the limit (the adaptive edge of stability, Cohen et al. 2022), so at a "
                     f"fixed η it hovers instead of converging, and a smaller fixed η only "
                     f"hovers closer. A decaying rate (optim.ExponentialDecay, "
                     f"optim.InverseTimeDecay) lets it settle.")
    else:
        d.message = (f"At the edge of stability ({status}): the run is {now}; it neither "
                     f"diverges nor settles at this rate.")
        d.details["candidate"] = 0.5 * opt.lr_limit(lam)
    d.lr_max = opt.lr_limit(lam, state)
    d.details["hover"], d.details["hover_lam_max"] = hover, lam
    return True


def _hover_text(d: Diagnosis, result: Any, lam: float, ratio: float, opt: Any, state: Any,
                unstable_there: bool) -> str | None:
    """What the run is doing at the edge: a period-2 orbit if it stands still, else "still
    moving" where it cannot converge (``unstable_there``), else None (not hovering)."""
    h = result.history
    c, scale = opt.stability_constant(), opt.step_scale(state)
    per_eta = f"{fmt(c, 3)}/η" if abs(scale - 1) < 1e-3 else f"{fmt(c, 3)}/(η·{fmt(scale, 3)})"
    frozen = " with P as at the end" if opt.adaptive else ""
    where = (f"where {d.sharpness or 'λ_max'} = {fmt(lam)} midway between the last two "
             f"iterates{frozen} ({fmt(ratio, 3)}× {per_eta} = {fmt(lam / ratio)})")
    drift, change = _orbit_drift(h)
    d.details["orbit_drift"], d.details["orbit_loss_change"] = drift, change
    if drift <= ORBIT_DRIFT and change <= ORBIT_LOSS:
        losses = h.loss[-2:]
        a, b = (", ".join(fmt(v, 3) for v in p) for p in (h.x[-2], h.x[-1]))
        return (f"hovering between ({a}) and ({b}) with loss ≈ "
                f"{fmt(float(np.mean(losses)), 3)} (alternating {fmt(float(losses.min()), 4)} / "
                f"{fmt(float(losses.max()), 4)}; over the last {ORBIT_WINDOW} steps the two "
                f"points moved {fmt(drift, 2)}× the jump between them: a period-2 orbit), "
                f"{where}")
    if not unstable_there:
        return None
    k = len(h.loss) - 1 - ORBIT_WINDOW
    return (f"still moving (the loss went from {fmt(float(h.loss[k]), 4)} to "
            f"{fmt(float(h.loss[-1]), 4)} over the last {ORBIT_WINDOW} steps) while it "
            f"zigzags across the valley, {where}; it has not settled into an orbit yet "
            f"(run it longer to see where it does)")


def _orbit_drift(h: Any) -> tuple[float, float]:
    """Over the last :data:`ORBIT_WINDOW` steps: how far x moved, as a multiple of its mean jump
    ‖x_{k+1} − x_k‖, and the loss's relative change (both 0 on a period-2 orbit)."""
    x = np.asarray(h.x[-ORBIT_WINDOW - 1:], float)
    if len(x) < ORBIT_WINDOW + 1:
        return math.inf, math.inf
    jump = float(np.mean(np.linalg.norm(np.diff(x, axis=0), axis=1)))
    drift = float(np.linalg.norm(x[-1] - x[0])) / jump if jump > 0 else math.inf
    a, b = float(h.loss[-ORBIT_WINDOW - 1]), float(h.loss[-1])
    return drift, abs(b - a) / max(abs(b), 1e-300)


# ---- verified suggestions ----------------------------------------------------------------------
def _verify(d: Diagnosis, result: Any, fun: Any, jac: Any, opt: Any) -> None:
    """Try the candidate from the run's start; halve until the trial does not diverge."""
    h = result.history
    lr = float(d.details.pop("candidate"))
    beat = float(d.details.pop("must_beat", math.inf))  # a trial must end below this loss
    rules = tuple(getattr(result, "rules", ()))
    steps = min(getattr(result, "max_steps", None) or TRIAL_STEPS, TRIAL_STEPS)
    for halving in range(MAX_HALVINGS + 1):
        trial = _trial(fun, h.x[0], opt, lr, jac, steps, rules)
        if trial.status != "diverged" and not float(trial.fun) < beat:
            d.message += (f" A fixed rate that small (η = {fmt(lr, 3)}) got no lower than this "
                          f"run's best in a {trial.nit}-step trial from x0 (loss "
                          f"{fmt(float(trial.history.loss[0]), 3)} → {fmt(float(trial.fun), 3)}), "
                          f"so none is suggested: a decaying rate (optim.ExponentialDecay, "
                          f"optim.InverseTimeDecay) shrinks the steps as the run nears the "
                          f"minimum.")
            return
        if trial.status != "diverged":
            d.suggested_lr = lr
            d.trial = Trial(lr, trial.nit, trial.status, float(trial.history.loss[0]),
                            float(trial.fun), halvings=halving)
            d.message += f" Suggested: {d.trial}."
            return
        lr *= 0.5
    d.message += (f" No rate down to η = {fmt(2 * lr, 3)} survived a {steps}-step trial from x0, "
                  f"so none is suggested.")


def _trial(fun: Any, x0: np.ndarray, opt: Any, lr: float, jac: Any, steps: int,
           rules: tuple[Any, ...]) -> Any:
    """A run at ``lr`` from ``x0`` under the run's own stopping rules."""
    from ..minimize import minimize
    kw: dict[str, Any] = {}
    for rule in rules:
        for key in ("gtol", "rtol", "ftol"):
            if hasattr(rule, key):
                kw[key] = getattr(rule, key)
        if hasattr(rule, "patience"):
            kw["patience"], kw["min_delta"] = rule.patience, rule.min_delta
    return minimize(fun, x0, opt.with_lr(lr), jac=jac, max_steps=steps, **kw)


__all__ = ["CONVERGED_FRACTION", "MAX_HALVINGS", "ORBIT_DRIFT", "ORBIT_LOSS", "ORBIT_WINDOW",
           "TARGET_REDUCTION", "TRIAL_STEPS", "VANISHED_FRACTION", "ZIGZAG_FRACTION", "Diagnosis",
           "diagnose"]
