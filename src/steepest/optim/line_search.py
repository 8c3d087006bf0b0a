"""Backtracking (Armijo) line search along the steepest-descent direction."""

from __future__ import annotations

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
               loss: float, t0: float) -> tuple[float, np.ndarray, int]:
        """Return ``(t, x − t·g, number of loss evaluations)``."""
        gg = float(np.vdot(g, g))
        t = t0
        for k in range(1, self.max_iter + 1):
            with np.errstate(all="ignore"):
                x_new = x - t * g
                f_new = float(loss_fn(x_new))
            if np.isfinite(f_new) and f_new <= loss - self.c * t * gg:
                return t, x_new, k
            if k < self.max_iter:
                t *= self.shrink
        return t, x_new, self.max_iter


__all__ = ["Armijo"]
