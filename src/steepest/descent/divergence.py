"""The one divergence detector, for one run (``minimize``, ``nn.fit``) or a stack of runs
(``stability_map``).

A run is measured against its own start. With L₀ the first loss, B the lowest loss so far and
the *scale* s = max(L₀ − B, |L₀|) (how far the run has come down, or the size of its loss), the
*excess* of a loss L is r = (L − B)/s: r ≈ 1 is "back where it started", r ≫ 1 is "far above its
start". Three rules, checked after every step (the first that holds wins):

``nonfinite``
    the loss, gradient or iterate is NaN or ±∞.
``far``
    r > :data:`FACTOR` (10⁴) now and in at least :data:`SUSTAIN` of the last
    :data:`SUSTAIN_WINDOW` steps: the loss went far above its start and stayed there, even if it
    zigzags (unscaled logistic regression at η = 10⁻⁴ jumps ×3450 at step 1 and bounces between
    ×40 and ×2·10⁴ for hundreds of steps; its loss grows at most linearly in β, so it never
    overflows and the old 10⁸ test never fired).
``growth``
    r > :data:`GROWTH_LEVEL` (10³) and, over the last :data:`WINDOW` (20) steps, log(L − B) rose
    by at least log :data:`GROWTH` (×1.05) per step — measured between the medians of the
    window's two halves, so a loss that zigzags upward counts as much as one that rises every
    step, and one outlier does not.

Why these numbers (measured by ``benchmarks/divergence_evidence.py``: 178,500 runs whose outcome
is known: 11 test functions from 1,500 random starts each at 0.3…4× their limit 2/λ_max(x*),
judged by a 5,000-step reference run without any detector, and quadratics in 2-D and 10-D with
κ = 10…1000 under GD, heavy-ball and Nesterov momentum at 0.3…30× their exact limits). With
(10⁴, 10³): 1 false alarm among 88,402 bounded runs (a Himmelblau run at 1.3× its limit that
stays 10³× above its start), none among the 85,483 that settle; 0 misses among 85,598 runs
that overflow within the 1,000-step horizon, and all 4,500 that overflow later are caught before
they do. Lower levels cost false alarms: (10⁴, 10²) 18, (10⁴, 10) 496 — on the edge-of-stability
runs that are thrown out of a valley and come back (Rosenbrock starts on the valley floor, where
L₀ ≈ 10⁻³, peak at r ≈ 10³…10⁵) — and (10³, 10³) 6, three of them heavy-ball momentum at 0.99×
its limit, whose transient overshoot exceeds 10³× its start. The edge-of-stability runs of the
lecture's closing warning — Rosenbrock at η = 0.0022 from (0, 0), (−0.5, 0.5), (1.2, 1.2), peaking
at r = 2.7, 1 and 14 — trigger neither rule. The price of the level is a later call on a slow
divergence: the lecture's line at η = 0.0065 (×1.063 per step) would be called at step 123, when
its loss is 10³× up — which is why problems with a constant Hessian also get an exact rule,
"certain" (:mod:`steepest.descent.certain`), that calls it at step 12.

``nn.fit`` uses lower levels, :data:`FIT_FACTOR` = :data:`FIT_GROWTH_LEVEL` = 10²: its start is
an untrained model's loss on its data, a faithful scale. Across 132 training runs (moons,
spirals, XOR, blobs, two regressions; GD, momentum, Adam, RMSprop, Adagrad; full batch and
batches of 16) the healthy ones peak at r ≤ 1.6 while every absurd rate (10³) sits at
r = 10³…10⁴ from its first steps — a bounded loss (cross-entropy grows linearly in the logits)
that 10⁴ would miss for dozens of steps.

:class:`Detector` follows one run with Python floats (the common step costs one comparison:
while r ≤ 10² nothing else is looked at); :class:`BatchDetector` follows a stack of N runs with
arrays of shape (N,). Both judge a window of recent losses with the same function, :func:`judge`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: ``far``: the excess over the best loss, in units of the start's scale, that counts as "far
#: above the start"
FACTOR = 1e4
#: ``far``: how many of the last SUSTAIN_WINDOW steps must be that far above (the current one too)
SUSTAIN, SUSTAIN_WINDOW = 3, 5
#: ``growth``: the smallest excess at which geometric growth counts as divergence
GROWTH_LEVEL = 1e3
#: ``growth``: the window (steps) over which the trend of log-loss is measured, and the least
#: per-step factor of growth that counts
WINDOW, GROWTH = 20, 1.05
#: the losses a detector must keep to judge a step
MEMORY = max(WINDOW, SUSTAIN_WINDOW)
#: ``far`` and ``growth`` levels for training losses (``nn.fit``): the start is an untrained
#: model's loss on its data, a faithful scale, so 10² above it is already far
FIT_FACTOR = FIT_GROWTH_LEVEL = 1e2

#: rule codes returned by :func:`judge` (and ``CERTAIN`` for :mod:`steepest.descent.certain`)
NONE, NONFINITE, FAR, GROWING, CERTAIN = 0, 1, 2, 3, 4
#: the rule names, indexed by those codes (``Verdict.rule``)
RULES = ("none", "nonfinite", "far", "growth", "certain")

_TINY = 1e-300


def scale_of(start: Any, best: Any) -> Any:
    """s = max(L₀ − B, |L₀|, 10⁻³⁰⁰): how far the run has come down, or the size of its loss
    (floats or arrays)."""
    return np.maximum(np.maximum(start - best, np.abs(start)), _TINY)


def judge(window: np.ndarray, best: np.ndarray, scale: np.ndarray, factor: float | None = None,
          level: float | None = None) -> np.ndarray:
    """The rule (``NONE``, ``FAR`` or ``GROWING``) that the recent losses ``window`` (shape
    (m, N), oldest first, the current step last; m ≤ :data:`MEMORY`) break, per run.

    ``best`` and ``scale`` (shape (N,)) are each run's lowest loss and scale (see
    :func:`scale_of`); ``factor`` and ``level`` the ``far`` and ``growth`` thresholds (default
    :data:`FACTOR`, :data:`GROWTH_LEVEL`). Non-finite values are the caller's to test first.
    """
    factor = FACTOR if factor is None else factor
    level = GROWTH_LEVEL if level is None else level
    r = (window - best) / scale  # excess of each recorded loss
    now = r[-1]
    out = np.zeros(r.shape[1], dtype=np.int8)
    recent = r[-SUSTAIN_WINDOW:]
    far = (now > factor) & ((recent > factor).sum(axis=0) >= SUSTAIN)
    out[far] = FAR
    if len(r) >= WINDOW:
        h = WINDOW // 2
        logs = np.log(np.maximum(r[-WINDOW:], _TINY))
        trend = (np.median(logs[h:], axis=0) - np.median(logs[:h], axis=0)) / h
        grows = ~far & (now > level) & (trend >= math.log(GROWTH))
        out[grows] = GROWING
    return out


def growth_per_step(window: np.ndarray, best: float) -> float:
    """The median-based per-step factor of growth of L − B over ``window`` (1-D), as judged:
    exp((median log(L − B) of the second half − that of the first half) / h), h = half the
    window.

    >>> round(growth_per_step(1.0 + 1.1 ** np.arange(20), best=1.0), 6)
    1.1
    """
    h = len(window) // 2
    logs = np.log(np.maximum(np.asarray(window, dtype=float) - best, _TINY))
    return math.exp((float(np.median(logs[-h:])) - float(np.median(logs[:h]))) / max(h, 1))


@dataclass
class Verdict:
    """Why a run was declared diverged: ``rule`` ("nonfinite", "far", "growth" or "certain"),
    the ``step`` it fired at, the loss there, the start ``L₀`` and its ``ratio`` (L − B)/s, the
    per-step ``growth`` factor (over the window for "growth"; of the unstable mode for
    "certain", see :mod:`steepest.descent.certain`) and, for "certain", its ``evidence`` and
    the ``limit`` η exceeds, in words."""

    rule: str
    step: int
    loss: float
    start: float
    ratio: float
    growth: float | None = None
    factor: float = FACTOR
    evidence: str = ""
    limit: str = ""

    @property
    def reason(self) -> str:
        """The rule in words, with the run's numbers."""
        if self.rule == "nonfinite":
            return "the loss, iterate or gradient is no longer finite"
        if self.rule == "far":
            return (f"the loss went from {self.start:.4g} at the start to {self.loss:.4g} and "
                    f"stayed more than {self.factor:g}× its start above its best for {SUSTAIN} of "
                    f"the last {SUSTAIN_WINDOW} steps")
        if self.rule == "certain":
            return (f"{self.limit}, and {self.evidence}: divergence is certain (the loss went "
                    f"from {self.start:.4g} to {self.loss:.4g})")
        return (f"the loss grew geometrically, ×{self.growth:.3g} per step over the last "
                f"{WINDOW} steps, from {self.start:.4g} at the start to {self.loss:.4g}")


class Detector:
    """The rules on one run, step by step, on Python floats.

    ``Detector(L0)``; after each step ``verdict = detector.update(k, loss, recent)`` where
    ``recent`` is a callable returning the last :data:`MEMORY` losses (oldest first, the current
    one last) — called only when the loss is above the ``growth`` level, so the driver's own
    history serves as the window. A non-finite step is reported with :meth:`nonfinite`.

    >>> def first_verdict(losses):
    ...     det = Detector(losses[0])
    ...     for k in range(1, len(losses)):
    ...         v = det.update(k, losses[k], lambda k=k: losses[max(0, k - MEMORY + 1):k + 1])
    ...         if v is not None:
    ...             return v.rule, v.step
    >>> first_verdict([1.0] + [1.0 + 1.5 ** k for k in range(1, 60)])  # ×1.5 per step
    ('growth', 19)
    >>> first_verdict([1.0] + [5e4, 2e4, 6e4, 1e2] * 5)  # a jump that zigzags
    ('far', 3)
    >>> first_verdict([1.0] + [0.5 + 0.4 * (-1) ** k for k in range(1, 60)]) is None  # bounded
    True
    """

    __slots__ = ("best", "factor", "floor", "growth_level", "guard", "level", "start")

    def __init__(self, start: float, factor: float = FACTOR, growth_level: float = GROWTH_LEVEL):
        self.start = float(start)
        self.best = self.start
        self.factor, self.growth_level = float(factor), float(growth_level)
        #: below ``guard`` = best + level · scale no rule can fire, so nothing is looked at; a
        #: driver may keep it up to date itself: best + level · max(start − best, floor)
        self.level = min(self.factor, self.growth_level)
        self.floor = max(abs(self.start), _TINY)
        self.guard = self._guard()

    def _guard(self) -> float:
        return self.best + self.level * max(self.start - self.best, self.floor)

    def update(self, step: int, loss: float, recent: Callable[[], Any]
               ) -> Verdict | None:
        """The verdict on ``loss`` at ``step`` (None: no rule broken)."""
        if loss < self.best:
            self.best = loss
            self.guard = self._guard()
            return None
        if loss <= self.guard:
            return None
        window = np.asarray(recent(), dtype=float)
        scale = float(scale_of(self.start, self.best))
        code = int(judge(window[:, None], np.array([self.best]), np.array([scale]), self.factor,
                         self.growth_level)[0])
        if code == NONE:
            return None
        ratio = (loss - self.best) / scale
        growth = growth_per_step(window[-WINDOW:], self.best) if code == GROWING else None
        return Verdict(RULES[code], step, loss, self.start, ratio, growth, self.factor)

    def nonfinite(self, step: int, loss: float) -> Verdict:
        """The verdict for a step whose loss, gradient or iterate is not finite."""
        return Verdict("nonfinite", step, loss, self.start, math.inf, factor=self.factor)

    def rebase(self, best: float) -> None:
        """Continue from a rewound point (a backoff) whose loss is ``best``."""
        self.best = min(self.best, float(best))
        self.guard = self._guard()


class BatchDetector:
    """The same rules on N runs at once (losses of shape (N,) per step).

    ``BatchDetector(L0)``; after each step ``fired = detector.update(k, losses, finite)``
    returns the mask of runs that diverged at step k (``finite``: False where the loss, gradient
    or iterate is not finite); ``rule`` holds the code of the rule that fired (see
    :data:`RULES`). A run that has fired, converged or otherwise finished is dropped with
    :meth:`keep`, so the arrays always describe the runs still going.
    """

    def __init__(self, start: np.ndarray):
        self.start = np.asarray(start, dtype=float).copy()
        self.best = self.start.copy()
        self.ring = np.empty((MEMORY, len(self.start)))
        self.ring[-1] = self.start
        self.filled = 1
        self.pos = 0  # row of the ring that the next loss goes into
        self.rule = np.zeros(len(self.start), dtype=np.int8)

    def keep(self, mask: np.ndarray) -> None:
        """Keep only the runs where ``mask`` is True."""
        self.start, self.best = self.start[mask], self.best[mask]
        self.ring, self.rule = self.ring[:, mask], self.rule[mask]

    def update(self, step: int, loss: np.ndarray, finite: np.ndarray) -> np.ndarray:
        """Record one step of every run; returns the mask of the runs that diverged at it."""
        loss = np.where(finite, loss, np.inf)
        np.minimum(self.best, loss, out=self.best)
        self.ring[self.pos] = loss
        self.pos = (self.pos + 1) % MEMORY
        self.filled = min(self.filled + 1, MEMORY)
        scale = scale_of(self.start, self.best)
        look = np.flatnonzero(finite & (loss > self.best + min(FACTOR, GROWTH_LEVEL) * scale))
        fired = ~finite
        if not finite.all():
            self.rule[fired] = NONFINITE
        if look.size:
            order = np.arange(self.pos - self.filled, self.pos) % MEMORY
            codes = judge(self.ring[:, look][order], self.best[look], scale[look])
            hit = look[codes != NONE]
            fired[hit] = True
            self.rule[hit] = codes[codes != NONE]
        return fired


__all__ = ["CERTAIN", "FACTOR", "FIT_FACTOR", "FIT_GROWTH_LEVEL", "GROWTH", "GROWTH_LEVEL",
           "MEMORY", "RULES", "SUSTAIN", "SUSTAIN_WINDOW", "WINDOW", "BatchDetector", "Detector",
           "Verdict", "growth_per_step", "judge", "scale_of"]
