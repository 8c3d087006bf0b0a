"""Line searches: backtracking (Armijo) and the strong Wolfe conditions.

Along a descent direction d from x (gᵀd < 0, g = ∇f(x)), with φ(t) = f(x + t·d):

* sufficient decrease (Armijo): φ(t) ≤ φ(0) + c₁·t·φ'(0);
* curvature (strong Wolfe):      |φ'(t)| ≤ c₂·|φ'(0)|.

:class:`Armijo` checks the first by backtracking (it needs only loss values);
:class:`StrongWolfe` both (Nocedal & Wright 2006, Algorithms 3.5–3.6: bracket, then zoom with
safeguarded cubic interpolation), which guarantees sᵀy > 0 for a quasi-Newton update.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Armijo:
    """Backtracking line search: start from the optimizer's learning rate t₀ and shrink
    t ← ρ·t until the sufficient-decrease (Armijo) condition holds,

        f(x − t·g) ≤ f(x) − c · t · ‖g‖²,

    with c ∈ (0, 1) (default 1e-4) and ρ ∈ (0, 1) (default ½). A trial point whose loss is not
    finite counts as a failure. If ``max_iter`` trials all fail, the smallest step is taken.
    """

    c: float = 1e-4
    shrink: float = 0.5
    max_iter: int = 40

    def __post_init__(self) -> None:
        if not 0.0 < self.c < 1.0:
            raise ValueError(f"Armijo: c must be in (0, 1), got {self.c}")
        if not 0.0 < self.shrink < 1.0:
            raise ValueError(f"Armijo: shrink must be in (0, 1), got {self.shrink}")
        if int(self.max_iter) < 1:
            raise ValueError(f"Armijo: max_iter must be >= 1, got {self.max_iter}")

    def search(self, loss_fn: Callable[[np.ndarray], float], x: np.ndarray, g: np.ndarray,
               loss: float, t0: float, direction: np.ndarray | None = None
               ) -> tuple[float, np.ndarray, int]:
        """Return ``(t, x + t·d, number of loss evaluations)`` for the direction d
        (default −g, where the condition reads f(x − t·g) ≤ f(x) − c·t·‖g‖²)."""
        d = -g if direction is None else direction
        slope = float(np.vdot(g, d))
        t = t0
        for k in range(1, self.max_iter + 1):
            with np.errstate(all="ignore"):
                x_new = x + t * d
                f_new = float(loss_fn(x_new))
            if np.isfinite(f_new) and f_new <= loss + self.c * t * slope:
                return t, x_new, k
            if k < self.max_iter:
                t *= self.shrink
        return t, x_new, self.max_iter


ValueGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass(frozen=True)
class StrongWolfe:
    """A step t along d satisfying the strong Wolfe conditions (c₁ = 1e-4, c₂ = 0.9: the
    values for quasi-Newton methods, as in scipy and PyTorch), found by bracketing — t grows
    (cubic extrapolation, at most ×10) until φ rises or its slope turns non-negative — and then
    zooming into the bracket by cubic interpolation kept away from its ends. A trial whose loss
    is not finite shrinks the bracket. After ``max_iter`` evaluations the best point with
    sufficient decrease is returned (t = 0: none was found)."""

    c1: float = 1e-4
    c2: float = 0.9
    max_iter: int = 25

    def __post_init__(self) -> None:
        if not 0.0 < self.c1 < self.c2 < 1.0:
            raise ValueError(f"StrongWolfe: need 0 < c1 < c2 < 1, got c1={self.c1}, "
                             f"c2={self.c2}")
        if int(self.max_iter) < 1:
            raise ValueError(f"StrongWolfe: max_iter must be >= 1, got {self.max_iter}")

    def search(self, vg: ValueGrad, x: np.ndarray, f0: float, g0: np.ndarray, d: np.ndarray,
               t0: float, slope0: float | None = None
               ) -> tuple[float, np.ndarray, float, np.ndarray, int]:
        """``(t, x + t·d, f there, ∇f there, evaluations)``; ``vg`` gives (f, ∇f). ``slope0`` is
        φ'(0) = ∇f(x)·d when the caller has it already (else it is computed from ``g0``)."""
        run = _Wolfe(self, vg, x, f0, float(d.dot(g0)) if slope0 is None else slope0, d)
        best = (0.0, x, f0, g0)
        lo = (0.0, f0, run.slope0)
        t = t0
        while run.evals < self.max_iter:
            f, g, slope = run.at(t)
            if not (f <= f0 + self.c1 * t * run.slope0) or (run.evals > 1 and f >= lo[1]):
                return run.zoom(lo, (t, f, slope), best)
            best = (t, run.x_t, f, g)
            if abs(slope) <= -self.c2 * run.slope0:
                return (*best, run.evals)
            if slope >= 0:
                return run.zoom((t, f, slope), lo, best)
            t_next = _cubic_min(lo, (t, f, slope), t + 0.01 * (t - lo[0]), 10 * t)
            lo, t = (t, f, slope), t_next
        return (*best, run.evals)


class _Wolfe:
    """One strong-Wolfe search's evaluations along x + t·d."""

    def __init__(self, ls: StrongWolfe, vg: ValueGrad, x: np.ndarray, f0: float,
                 slope0: float, d: np.ndarray):
        self.ls, self.vg, self.x, self.f0, self.slope0, self.d = ls, vg, x, f0, slope0, d
        self.evals = 0
        self.x_t = x

    def at(self, t: float) -> tuple[float, np.ndarray, float]:
        """φ(t), ∇f(x + t·d) and φ'(t) (a non-finite loss reads as +∞). The caller decides
        on NumPy's overflow warnings (``minimize`` silences them: a rejected trial may
        overflow)."""
        self.x_t = self.x + self.d if t == 1.0 else self.x + t * self.d
        f, g = self.vg(self.x_t)
        f = float(f)
        slope = float(self.d.dot(g))
        self.evals += 1
        if not (math.isfinite(f) and math.isfinite(slope)):
            return math.inf, g, math.inf
        return f, g, slope

    def zoom(self, lo: tuple[float, float, float], hi: tuple[float, float, float],
             best: tuple[float, np.ndarray, float, np.ndarray]
             ) -> tuple[float, np.ndarray, float, np.ndarray, int]:
        """Algorithm 3.6: ``lo`` has sufficient decrease and the lowest loss so far; the
        bracket between ``lo`` and ``hi`` holds a point satisfying both conditions."""
        ls = self.ls
        while self.evals < ls.max_iter:
            a, b = sorted((lo[0], hi[0]))
            width = b - a
            if width <= 1e-16 * max(b, 1.0):
                break
            guess = hi if math.isfinite(hi[1]) and math.isfinite(hi[2]) else None
            t = (_cubic_min(lo, guess, a + 0.1 * width, b - 0.1 * width) if guess
                 else 0.5 * (a + b))
            f, g, slope = self.at(t)
            if not (f <= self.f0 + ls.c1 * t * self.slope0) or f >= lo[1]:
                hi = (t, f, slope)
                continue
            best = (t, self.x_t, f, g)
            if abs(slope) <= -ls.c2 * self.slope0:
                break
            if slope * (hi[0] - lo[0]) >= 0:
                hi = lo
            lo = (t, f, slope)
        return (*best, self.evals)


def _cubic_min(p: tuple[float, float, float], q: tuple[float, float, float] | None,
               low: float, high: float) -> float:
    """The minimizer of the cubic through (t, φ, φ') at p and q, clipped to [low, high]
    (the midpoint of the bounds when the cubic has no real minimizer; Nocedal & Wright
    eq. 3.59)."""
    if q is None:
        return 0.5 * (low + high)
    (t1, f1, d1), (t2, f2, d2) = p, q
    if t1 == t2:
        return 0.5 * (low + high)
    e1 = d1 + d2 - 3 * (f1 - f2) / (t1 - t2)
    disc = e1 * e1 - d1 * d2
    if not disc >= 0:
        return 0.5 * (low + high)
    e2 = np.copysign(np.sqrt(disc), t2 - t1)
    denom = d2 - d1 + 2 * e2
    t = t2 - (t2 - t1) * (d2 + e2 - e1) / denom if denom != 0 else 0.5 * (low + high)
    t = float(t)
    return min(max(t, low), high) if math.isfinite(t) else 0.5 * (low + high)


__all__ = ["Armijo", "StrongWolfe"]
