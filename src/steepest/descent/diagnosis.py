"""The one Diagnosis: what happened to a run and why, in words and numbers.

``steepest.diagnose(result, fun)`` (for ``minimize``) and ``nn.fit`` (when training diverges)
both return it. ``kind`` is one of :data:`KINDS`:

============================  ==================================================================
kind                          meaning
============================  ==================================================================
``"converged"``               the gradient fell to a tiny fraction of its start (or below gtol)
``"oscillating"``             converged or converging while the iterates zigzag (the error
                              along the sharpest direction changes sign every step)
``"slow"``                    still descending; at this rate it needs ``steps_needed`` steps
                              (None where it is heading for a minimum whose limit is below η:
                              it cannot converge there)
``"stalled"``                 the gradient is tiny but the point is not a minimum (a plateau:
                              flat curvature too)
``"saddle"``                  the gradient is tiny and the Hessian has a negative eigenvalue
``"edge_of_stability"``       bounded, zigzagging where the sharpness is about 2/η: hovering on
                              a period-2 orbit that stands still, or (when η is above the limit
                              at the minimum, so the run cannot converge there) still moving
``"unsettled"``               bounded but unable to settle: the best loss is old, every loss since
                              is above it, and η exceeds the limit at the best iterate (or at the
                              problem's known minimum), so each approach is thrown out again
``"diverging"``               η is above the stability limit and the loss is growing, but the run
                              ended before the detector called it (run it longer)
``"diverged"``                the divergence detector fired (see ``steepest.descent.divergence``)
``"unknown"``                 none of these could be established
============================  ==================================================================

Every suggested learning rate was tried before it is reported: :class:`Trial` holds the run
that verified it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: every ``Diagnosis.kind``, from a good run to a failed one
KINDS = ("converged", "oscillating", "slow", "stalled", "saddle", "edge_of_stability",
         "unsettled", "diverging", "diverged", "unknown")


@dataclass
class Trial:
    """A suggested rate, tried: ``lr`` run for ``steps`` steps from ``start`` ("x0" or a
    description), the loss from ``loss_start`` to ``loss_end``, ending with ``status``;
    ``halvings`` rates were tried and halved before it."""

    lr: float
    steps: int
    status: str
    loss_start: float
    loss_end: float
    start: str = "x0"
    halvings: int = 0

    def __str__(self) -> str:
        steps = f"{self.steps} step{'s' if self.steps != 1 else ''}"
        return (f"η = {self.lr:.3g}: tried for {steps} from {self.start}, loss "
                f"{self.loss_start:.3g} → {self.loss_end:.3g} ({self.status})")


@dataclass
class Diagnosis:
    """What happened and why (see the module docstring for ``kind``); ``message`` says it in
    words; the fields hold the numbers (None where they do not apply or could not be computed).

    ``lam_max``/``lam_min``: extreme eigenvalues of the curvature that governs the optimizer's
    stability — the Hessian for GD and momentum, the preconditioned Hessian P⁻¹H for Adagrad,
    RMSprop and Adam (``sharpness`` names which). ``lr_max``: the optimizer's stability limit
    there; ``multiplier``: the per-step factor of the error along the sharpest direction (< 0
    zigzags, |·| > 1 grows); ``rate``: the slowest direction's factor. ``suggested_lr`` is set
    only when ``trial`` verified it. ``diverged_at`` is the step the detector fired at and
    ``rule`` the rule that fired. For ``nn.fit``: ``epoch`` and ``step`` of the divergence, the
    ``last_finite_loss`` and ``what`` ("loss", "gradient", "parameters" or the detector rule).
    """

    kind: str
    message: str
    optimizer: str | None = None
    lr: float = math.nan
    lam_max: float | None = None
    lam_min: float | None = None
    kappa: float | None = None
    lr_max: float | None = None
    multiplier: float | None = None
    rate: float | None = None
    suggested_lr: float | None = None
    steps_needed: float | None = None
    steps_needed_best: float | None = None
    diverged_at: int | None = None
    rule: str | None = None
    sharpness: str = "λ_max(H)"
    trial: Trial | None = None
    epoch: int | None = None
    step: int | None = None
    last_finite_loss: float | None = None
    what: str | None = None
    top_eigenvector: np.ndarray | None = None
    details: dict[str, Any] = field(default_factory=dict)

    _NUMBERS = ("lr", "lr_max", "lam_max", "lam_min", "kappa", "multiplier", "rate",
                "suggested_lr", "steps_needed", "steps_needed_best", "diverged_at", "epoch",
                "step")

    def __str__(self) -> str:
        return self.message

    def numbers(self) -> dict[str, Any]:
        """The non-missing numbers, for tables and logs."""
        out = {k: getattr(self, k) for k in self._NUMBERS if getattr(self, k) is not None}
        if isinstance(out.get("lr"), float) and math.isnan(out["lr"]):
            del out["lr"]
        return out

    def _repr_html_(self) -> str:
        colour = {"diverged": "#c0392b", "oscillating": "#d68910", "slow": "#d68910",
                  "edge_of_stability": "#d68910", "unsettled": "#d68910", "stalled": "#7f8c8d",
                  "saddle": "#7f8c8d",
                  "converged": "#1e8449"}
        rows = "".join(f"<tr><td style='text-align:left'>{html.escape(k)}</td>"
                       f"<td style='text-align:right'>{fmt(v)}</td></tr>"
                       for k, v in self.numbers().items())
        return (f"<div><p><b style='color:{colour.get(self.kind, '#333')}'>"
                f"{html.escape(self.kind)}</b> — {html.escape(self.message)}</p>"
                f"<table>{rows}</table></div>")

    def __repr__(self) -> str:
        nums = ", ".join(f"{k}={fmt(v)}" for k, v in self.numbers().items())
        return f"Diagnosis({self.kind!r}: {nums})"


def fmt(v: Any, digits: int = 4) -> str:
    """A number for a message: ints as they are, floats to ``digits`` significant figures
    (inf and NaN spelled out; never an error).

    >>> fmt(0.0064007), fmt(3), fmt(1234567.0), fmt(float("inf"))
    ('0.006401', '3', '1.235e+06', 'inf')
    """
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.{digits}g}"
    return str(v)


def fmt_factor(r: float) -> str:
    """A per-step factor below 1: as :func:`fmt`, or as 1 − ε where four figures would round it
    to 1 (which would read "does not shrink").

    >>> fmt_factor(0.99841), fmt_factor(0.99999)
    ('0.9984', '1 − 1e-05')
    """
    text = fmt(r)
    return f"1 − {fmt(1.0 - r, 3)}" if text == "1" and r < 1 else text


def safe_mul(*factors: float) -> float:
    """A product that overflows to ±inf instead of raising (floats never raise on *, but ** and
    math.exp do).

    >>> safe_mul(1e200, 1e200), safe_mul(2.0, -3.0)
    (inf, -6.0)
    """
    out = 1.0
    for f in factors:
        out *= float(f)
    return out


def safe_log10(x: float) -> float:
    """log₁₀ x for x > 0, −inf at 0, NaN below."""
    if x > 0:
        return math.log10(x) if math.isfinite(x) else math.inf
    return -math.inf if x == 0 else math.nan


__all__ = ["KINDS", "Diagnosis", "Trial", "fmt", "safe_log10", "safe_mul"]
