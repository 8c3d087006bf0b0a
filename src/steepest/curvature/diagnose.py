"""``diagnose(result, fun)``: why a descent run diverged, oscillated, crawled or stalled — in
plain words, with the numbers behind them."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .hessian import contraction, hessian_eigs, stability_constant

#: a run is "slow" if, at its rate, shrinking the error by this factor needs more steps than it
#: was given
TARGET_REDUCTION = 1e-6


@dataclass
class Diagnosis:
    """What happened and why. ``kind`` is one of "diverged", "oscillating", "slow",
    "stalled", "saddle", "converged", "unknown"; ``message`` says it in words; the fields
    hold the numbers (None where they do not apply or could not be computed)."""

    kind: str
    message: str
    lr: float | None = None
    lam_max: float | None = None
    lam_min: float | None = None
    kappa: float | None = None
    lr_max: float | None = None          #: stability limit (2/λ_max for GD)
    multiplier: float | None = None      #: per-step error factor along the top eigenvector
    rate: float | None = None            #: per-step factor along the slowest direction
    suggested_lr: float | None = None
    steps_needed: float | None = None    #: steps to shrink the error by TARGET_REDUCTION
    steps_needed_best: float | None = None  #: the same with the best fixed step
    diverged_at: int | None = None
    top_eigenvector: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def numbers(self) -> dict[str, Any]:
        """The non-missing numbers, for tables and logs."""
        keys = ("lr", "lr_max", "lam_max", "lam_min", "kappa", "multiplier", "rate",
                "suggested_lr", "steps_needed", "steps_needed_best", "diverged_at")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}

    def _repr_html_(self) -> str:
        colour = {"diverged": "#c0392b", "oscillating": "#d68910", "slow": "#d68910",
                  "stalled": "#7f8c8d", "saddle": "#7f8c8d", "converged": "#1e8449"}
        rows = "".join(f"<tr><td style='text-align:left'>{html.escape(k)}</td>"
                       f"<td style='text-align:right'>{_fmt(v)}</td></tr>"
                       for k, v in self.numbers().items())
        return (f"<div><p><b style='color:{colour.get(self.kind, '#333')}'>"
                f"{html.escape(self.kind)}</b> — {html.escape(self.message)}</p>"
                f"<table>{rows}</table></div>")

    def __repr__(self) -> str:
        nums = ", ".join(f"{k}={_fmt(v)}" for k, v in self.numbers().items())
        return f"Diagnosis({self.kind!r}: {nums})"


def _fmt(v: Any) -> str:
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _steps(rate: float) -> float:
    """Steps for rateᵏ to reach TARGET_REDUCTION."""
    if rate <= 0:
        return 1.0
    if rate >= 1:
        return math.inf
    return math.log(TARGET_REDUCTION) / math.log(rate)


def diagnose(result: Any, fun: Any = None, *,
             jac: Callable[[np.ndarray], np.ndarray] | None = None) -> Diagnosis:
    """Explain a :class:`steepest.Result`.

    With ``fun`` (the loss the run minimized) the curvature is measured — the Hessian's extreme
    eigenvalues from exact Hessian-vector products at the run's best iterate — and compared with
    the learning rate: divergence when η ≥ c/λ_max (c = 2 for GD), oscillation when the error
    multiplier along the top eigenvector is negative, slowness from the condition number κ, a
    stall from vanishing gradients or negative curvature (a saddle).
    """
    h = result.history
    opt = getattr(result, "optimizer", None)
    optname = type(opt).__name__ if opt is not None else "GD"
    finite = np.isfinite(h.loss) & np.isfinite(h.grad_norm)
    best = int(np.argmin(np.where(finite, h.loss, np.inf)))
    diverged = result.status == "diverged"
    k_lr = (result.diverged_at - 1) if diverged and result.diverged_at else len(h.lr) - 1
    lr = float(h.lr[max(k_lr, 0)])

    try:
        c = stability_constant(opt)
    except ValueError:
        c = None  # adaptive method: no single threshold
    lam_max = lam_min = None
    vec = None
    if fun is not None:
        x_at = h.x[best] if diverged else result.x
        top = hessian_eigs(fun, x_at, 1, "LA", jac=jac)
        lam_max, vec = float(top.values[0]), top.vectors[:, 0]
        lam_min = float(hessian_eigs(fun, x_at, 1, "SA", jac=jac).values[0])
    d = Diagnosis(kind="unknown", message="", lr=lr, lam_max=lam_max, lam_min=lam_min,
                  diverged_at=result.diverged_at, top_eigenvector=vec)
    if lam_max is not None and lam_min is not None and lam_min > 0:
        d.kappa = lam_max / lam_min
    if lam_max is not None and lam_max > 0 and c is not None:
        d.lr_max = c / lam_max
        mult = contraction(opt, lr, lam_max)
        d.multiplier = float(mult.real) if abs(mult.imag) < 1e-12 else float(abs(mult))
        d.details["complex_multiplier"] = abs(mult.imag) >= 1e-12
        if lam_min is not None and lam_min > 0:
            d.rate = max(abs(contraction(opt, lr, lam_min)), abs(mult))
            d.steps_needed = _steps(d.rate)
            kappa = d.kappa
            if optname == "GD":
                d.steps_needed_best = _steps((kappa - 1) / (kappa + 1))
            d.details["best_lr"] = (2 / (lam_min + lam_max) if optname == "GD"
                                    else 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2)
    where = "" if d.lam_max is None else _where(fun)

    if diverged:
        _diverged(d, result, optname, c, where)
    elif result.status in ("converged", "early_stopped", "max_steps", "callback_stopped",
                           "interrupted"):
        _finished(d, result, optname, c, where)
    return d


def _where(fun: Any) -> str:
    from ..problems import Quadratic
    return "" if isinstance(fun, Quadratic) else " (locally, at the best iterate)"


def _suggest(d: Diagnosis) -> float | None:
    """A safe rate: the best fixed step if known (GD on a convex quadratic), else half the
    stability limit."""
    if d.lr_max is None:
        return None if d.lr is None else d.lr / 10
    best = d.details.get("best_lr")
    if best is not None and best < d.lr_max:
        return float(best)
    return 0.5 * d.lr_max


def _diverged(d: Diagnosis, result: Any, optname: str, c: float | None, where: str) -> None:
    d.kind = "diverged"
    head = f"Diverged at step {result.diverged_at}"
    loss = result.history.loss
    onset = len(loss) - 1
    while onset > 0 and loss[onset - 1] < loss[onset]:
        onset -= 1
    if onset < len(loss) - 2:
        d.details["onset"] = onset
        head += f" (the loss rose every step from step {onset})"
    if d.lr_max is None:
        cause = ("" if d.lam_max is None else
                 f" The sharpest curvature is λ_max = {d.lam_max:.4g}{where}.")
        d.suggested_lr = None if d.lr is None else d.lr / 10
        d.message = (f"{head} with {optname} at learning rate η = {d.lr:.4g}.{cause} Try a "
                     f"smaller rate, e.g. η = {d.suggested_lr:.3g}, or on_divergence='backoff'.")
        return
    d.suggested_lr = _suggest(d)
    limit = "2/λ_max" if optname == "GD" else f"{c:.4g}/λ_max"
    if d.lr >= d.lr_max:
        growth = abs(d.multiplier)
        if optname == "GD":
            factor = (f"Along the top eigenvector of the Hessian the error is multiplied by "
                      f"1 − ηλ_max = {d.multiplier:.4g} each step: it flips sign and grows by "
                      f"|1 − ηλ_max| = {growth:.4g} > 1 per step (the loss by "
                      f"{growth ** 2:.4g}).")
        else:
            factor = (f"Along the top eigenvector of the Hessian the error grows by a factor "
                      f"{growth:.4g} > 1 per step.")
        d.message = (f"{head}: the learning rate η = {d.lr:.4g} exceeds the stability limit "
                     f"{limit} = {d.lr_max:.5f} (λ_max = {d.lam_max:.4g}, the largest "
                     f"eigenvalue of the Hessian{where}). {factor} Use η < {d.lr_max:.4g}; "
                     f"suggested η = {d.suggested_lr:.4g}"
                     + (f" (the fastest fixed step 2/(λ_min + λ_max); η ≤ 1/λ_max = "
                        f"{1 / d.lam_max:.4g} also avoids the zig-zag)."
                        if optname == "GD" and d.suggested_lr == d.details.get("best_lr")
                        else "."))
    else:
        d.message = (f"{head}, although η = {d.lr:.4g} is below {limit} = {d.lr_max:.4g} at "
                     f"the best iterate: the curvature grows along the path (non-quadratic "
                     f"loss), so the run entered a region where η is too large. Try "
                     f"η = {d.suggested_lr:.4g} or on_divergence='backoff'.")


def _finished(d: Diagnosis, result: Any, optname: str, c: float | None, where: str) -> None:
    h = result.history
    g0, g1 = float(h.grad_norm[0]), float(h.grad_norm[-1])
    n = len(h.loss) - 1
    tail = h.loss[-max(2, n // 10 + 1):]
    rel_change = (abs(tail[0] - tail[-1]) / max(abs(tail[0]), 1e-300)) if n else 0.0
    status = {"converged": f"converged in {n} steps",
              "max_steps": f"stopped at max_steps after {n} steps",
              "early_stopped": f"stopped early after {n} steps",
              "callback_stopped": f"stopped by the callback after {n} steps",
              "interrupted": f"interrupted after {n} steps"}.get(result.status,
                                                                 f"{result.status}, {n} steps")
    vanished = g1 < 1e-3 * max(g0, 1e-300)

    if d.lam_min is not None and d.lam_min < -1e-8 * max(abs(d.lam_max or 1.0), 1.0) \
            and vanished:
        d.kind = "saddle"
        d.message = (f"{status.capitalize()}: the gradient has nearly vanished "
                     f"(‖∇L‖ = {g1:.3g}, from {g0:.3g}) but the Hessian has a negative "
                     f"eigenvalue λ_min = {d.lam_min:.4g}: this is a saddle point, not a "
                     f"minimum. A small push along the eigenvector of λ_min, or momentum, "
                     f"escapes it.")
        return
    slow = (d.rate is not None and d.steps_needed is not None and d.steps_needed > n
            and result.status != "converged" and g1 >= 1e-6 * max(g0, 1e-300))
    slow_text = ""
    if slow:
        d.suggested_lr = _suggest(d)
        best = d.details.get("best_lr")
        slow_text = (f"The condition number κ = λ_max/λ_min = {d.kappa:.4g} (λ_max = "
                     f"{d.lam_max:.4g}, λ_min = {d.lam_min:.4g}{where}). At η = {d.lr:.4g} the "
                     f"slowest direction shrinks by only {d.rate:.4g} per step, so reducing "
                     f"the error by {TARGET_REDUCTION:.0e} takes about {d.steps_needed:.0f} "
                     f"steps.")
        if best is not None and d.steps_needed_best is not None:
            slow_text += (f" The best fixed step 2/(λ_min + λ_max) = {best:.4g} gives the rate "
                          f"(κ − 1)/(κ + 1) = {(d.kappa - 1) / (d.kappa + 1):.4g}: about "
                          f"{d.steps_needed_best:.0f} steps. Momentum, preconditioning or "
                          f"standardised features reduce κ.")
    if d.multiplier is not None and -1 < d.multiplier < 0:
        d.kind = "oscillating"
        if optname == "GD":
            d.message = (f"Converges while oscillating ({status}): 1 − ηλ_max = "
                         f"{d.multiplier:.4g} < 0 at η = {d.lr:.4g}, so along the top "
                         f"eigenvector the error flips sign every step (a zig-zag across the "
                         f"valley), shrinking by |1 − ηλ_max| = {abs(d.multiplier):.4g} per "
                         f"step. It stays stable because η < 2/λ_max = {d.lr_max:.5f}; "
                         f"η ≤ 1/λ_max = {1 / d.lam_max:.4g} would not oscillate.")
        else:
            d.message = (f"Converges while oscillating ({status}): along the top eigenvector "
                         f"the error changes sign each step, shrinking by "
                         f"{abs(d.multiplier):.4g} per step (η = {d.lr:.4g} is below the "
                         f"limit {d.lr_max:.4g}).")
        if slow:
            d.message += " It is also slow. " + slow_text
        return
    if slow:
        d.kind = "slow"
        d.message = f"Slow: {status}, still moving. " + slow_text
        return
    if result.status == "converged":
        d.kind = "converged"
        d.message = f"{status.capitalize()} (‖∇L‖ = {g1:.3g})."
        if d.rate is not None:
            d.message += (f" The slowest direction shrank by {d.rate:.4g} per step "
                          f"(κ = {d.kappa:.4g}).")
        return
    if vanished or rel_change < 1e-6:
        d.kind = "stalled"
        why = (f"the gradient has vanished (‖∇L‖ = {g1:.3g}, {g1 / max(g0, 1e-300):.2g}× its "
               f"start)" if vanished
               else f"the loss changed by only {rel_change:.2g} (relative) over the last "
                    f"{len(tail) - 1} steps")
        curv = ""
        if d.lam_max is not None and abs(d.lam_max) < 1e-6:
            curv = f" The curvature is tiny too (λ_max = {d.lam_max:.3g}): a plateau."
        d.message = (f"Stalled: {status}, {why}. Either this is a minimum, or a plateau where "
                     f"gradients vanish (saturated units, a flat region).{curv}")
        return
    d.kind = "converged" if result.success else "unknown"
    d.message = (f"{status.capitalize()}; the loss went from {h.loss[0]:.4g} to "
                 f"{h.loss[-1]:.4g}.")


__all__ = ["TARGET_REDUCTION", "Diagnosis", "diagnose"]
