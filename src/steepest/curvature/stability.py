"""``stability_map``: one optimizer, many learning rates, many starts — which converge, which stay
bounded without converging, which diverge.

The lecture's closing warning, "a step size may diverge from one starting point but not another",
measured: for every rate η every start descends at once, as one stacked (N, d) array per step
(:func:`steepest.descent.batch.run_batch`), judged by the same divergence detector and gradient
tolerances as ``minimize``. On Rosenbrock at η = 0.0022 it shows three lessons at once: starts far
up the walls diverge within ten steps; starts in the valley can never converge — at the minimum
λ_max ≈ 1002, so 2/λ_max ≈ 0.0020 < η — and end hovering at the edge of stability; and below
2/λ_max(x*) the same starts converge.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_array, check_int
from ..descent.batch import BOUNDED, CONVERGED, DIVERGED, OUTCOMES, run_batch
from ..descent.certain import CertainDivergence
from ..descent.objective import batch_objective
from ..descent.stopping import GradientTolerance, RelativeGradientTolerance
from ..errors import SteepestError, SteepestTypeError

#: the default convergence test of a map: ‖∇L‖ ≤ RTOL · ‖∇L(x₀)‖
RTOL = 1e-6


@dataclass
class StabilityMap:
    """The outcome of every (η, start) pair (see :func:`stability_map`).

    ``lrs`` (R,), ``starts`` (N, d); ``outcome`` (R, N) codes into ``OUTCOMES`` = ("converged",
    "bounded", "diverged"); ``steps`` (R, N) the step each run ended at (``max_steps`` for
    bounded ones); ``x`` (R, N, d) and ``loss`` (R, N) where each ended (the last finite iterate);
    ``rule`` (R, N) the divergence rule that fired (codes into
    ``steepest.descent.divergence.RULES``); ``paths`` maps (rate index, start index) to the
    iterates of the runs asked for with ``record``. ``limit`` is the optimizer's stability limit
    at the problem's first known minimum (``lam_max`` its λ_max there), None if unknown.
    ``batched`` says whether the loss was evaluated for the whole stack at once.
    """

    lrs: np.ndarray
    starts: np.ndarray
    outcome: np.ndarray
    steps: np.ndarray
    x: np.ndarray
    loss: np.ndarray
    rule: np.ndarray
    optimizer: str
    max_steps: int
    tolerance: str
    batched: bool
    elapsed_s: float
    limit: float | None = None
    lam_max: float | None = None
    paths: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)
    fun: Any = field(default=None, repr=False)

    OUTCOMES = OUTCOMES

    def fractions(self) -> np.ndarray:
        """(R, 3): the share of starts that converge, stay bounded, diverge, per rate."""
        return np.stack([(self.outcome == c).mean(axis=1)
                         for c in (CONVERGED, BOUNDED, DIVERGED)], axis=1)

    def index(self, lr: float) -> int:
        """The index of the rate nearest ``lr`` (on a log scale)."""
        return int(np.argmin(np.abs(np.log(self.lrs) - np.log(float(lr)))))

    def start_index(self, start: Sequence[float]) -> int:
        """The index of the start nearest ``start``."""
        return int(np.argmin(np.linalg.norm(self.starts - np.asarray(start, float), axis=1)))

    def outcome_of(self, lr: float, start: Sequence[float]) -> str:
        """"converged", "bounded" or "diverged" for the rate and start nearest those given."""
        return OUTCOMES[int(self.outcome[self.index(lr), self.start_index(start)])]

    def counts(self, lr: float) -> dict[str, int]:
        """How many starts converge, stay bounded, diverge at the rate nearest ``lr``."""
        row = self.outcome[self.index(lr)]
        return {name: int((row == code).sum()) for code, name in enumerate(OUTCOMES)}

    def plot(self, kind: str = "map", *, lr: float | None = None, ax: Any = None,
             **kwargs: Any) -> Any:
        """``kind="map"``: the starts coloured by outcome on the contour map at the rate nearest
        ``lr`` (default: the first rate above the limit at the minimum, else the middle one),
        with the recorded paths; ``"fractions"``: the share of each outcome against η, with the
        limit marked. Returns the Display (see :mod:`steepest.plot.stability`)."""
        from ..plot.stability import plot_stability_map
        return plot_stability_map(self, kind, lr=lr, ax=ax, **kwargs)

    def __repr__(self) -> str:
        f = self.fractions()
        rows = ", ".join(f"η={lr:.3g}: {c:.0%}/{b:.0%}/{d:.0%}"
                         for lr, (c, b, d) in zip(self.lrs[:4], f[:4]))
        more = ", …" if len(self.lrs) > 4 else ""
        return (f"StabilityMap({self.optimizer}, {len(self.lrs)} rates × {len(self.starts)} "
                f"starts, {self.max_steps} steps; converged/bounded/diverged {rows}{more})")


def _starts(starts: Any, dim: int | None) -> np.ndarray:
    S = check_array(starts, "stability_map: starts", ndim=(1, 2))
    S = S.reshape(-1, 1) if S.ndim == 1 and dim == 1 else np.atleast_2d(S)
    if dim is not None and S.shape[1] != dim:
        raise SteepestError(f"stability_map: starts has {S.shape[1]} columns but the problem "
                            f"has dim={dim}; give one start per row, shape (N, {dim})")
    return S


def _rates(lrs: Any) -> np.ndarray:
    L = check_array(lrs, "stability_map: lrs", ndim=(0, 1)).reshape(-1)
    if np.any(L <= 0):
        raise SteepestError(f"stability_map: lrs must be positive, got {L[L <= 0][0]:g}")
    return L


def _limit(fun: Any, optimizer: Any) -> tuple[float | None, float | None]:
    minima = getattr(fun, "minima", None)
    if minima is None or not len(minima) or optimizer.adaptive:
        return None, None
    from .hessian import sharpness
    try:
        lam = float(sharpness(fun, minima[0], optimizer).lam_max)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return None, None
    return (optimizer.lr_limit(lam), lam) if lam > 0 else (None, None)


def stability_map(fun: Any, optimizer: Any, lrs: Any, starts: Any, *, max_steps: int = 1000,
                  rtol: float | None = RTOL, gtol: float | None = None, jac: Any = None,
                  record: Sequence[int] = (), progress: bool = False) -> StabilityMap:
    """Run ``optimizer`` at every rate of ``lrs`` from every row of ``starts`` (N, d), batched.

    Each rate runs all N starts as one stacked array per step, for at most ``max_steps`` steps
    at the constant rate η (a schedule is replaced by η). A run *converges* when ‖∇L‖ ≤
    ``gtol`` or ≤ ``rtol`` · ‖∇L(x₀)‖, *diverges* when the divergence detector of ``minimize``
    fires (see :mod:`steepest.descent.divergence`; on a problem with a constant Hessian also its
    exact rule, :mod:`steepest.descent.certain`), and is *bounded* otherwise. ``fun`` is a
    problem (its ``value_and_grad_batch`` evaluates the whole stack at once) or any function
    ``minimize`` accepts — which is then evaluated point by point: the same outcomes at N times
    the cost per step. ``record``: start indices whose full paths are kept (for every rate).

    >>> import numpy as np, steepest as st
    >>> m = st.stability_map(st.problems.Rosenbrock(), st.optim.GD(), [0.0022],
    ...                      [(-2, 3), (0, 0)], max_steps=500)
    >>> [m.outcome_of(0.0022, s) for s in [(-2, 3), (0, 0)]]
    ['diverged', 'bounded']
    """
    from ..optim import Optimizer
    if not isinstance(optimizer, Optimizer):
        raise SteepestTypeError(f"stability_map: optimizer must be a steepest.optim optimizer "
                                f"such as GD(), got {type(optimizer).__name__}")
    max_steps = check_int(max_steps, "stability_map: max_steps")
    L = _rates(lrs)
    S = _starts(starts, getattr(fun, "dim", None) if hasattr(fun, "value_and_grad") else None)
    vg, batched = batch_objective(fun, jac)
    tolerances: list[Any] = []
    if gtol is not None:
        tolerances.append(GradientTolerance(float(gtol)))
    if rtol is not None:
        tolerances.append(RelativeGradientTolerance(float(rtol)))
    shape = (len(L), len(S))
    out: dict[str, np.ndarray] = {
        "outcome": np.empty(shape, np.int8), "steps": np.empty(shape, np.int64),
        "rule": np.empty(shape, np.int8), "loss": np.empty(shape),
        "x": np.empty((*shape, S.shape[1]))}
    paths: dict[tuple[int, int], np.ndarray] = {}
    t0 = time.perf_counter()
    from .._progress import progress_bar
    with progress_bar(len(L), "stability_map", "rate", enabled=progress) as bar:
        for r, lr in enumerate(L):
            opt = optimizer.with_lr(float(lr))
            run = run_batch(vg, S, opt, float(lr), max_steps=max_steps, tolerances=tolerances,
                            record=record, certain=CertainDivergence.arm(fun, opt, float(lr), S[0]))
            for key in out:
                out[key][r] = getattr(run, key)
            paths.update({(r, i): p for i, p in run.paths.items()})
            bar.update(1)
    limit, lam = _limit(fun, optimizer)
    tol = " or ".join(t for t in (gtol is not None and f"‖∇L‖ ≤ {gtol:g}",
                                  rtol is not None and f"‖∇L‖ ≤ {rtol:g}·‖∇L(x₀)‖") if t)
    return StabilityMap(L, S, out["outcome"], out["steps"], out["x"], out["loss"], out["rule"],
                        type(optimizer).__name__, max_steps, tol or "none", batched,
                        time.perf_counter() - t0, limit, lam, paths, fun)


__all__ = ["RTOL", "StabilityMap", "stability_map"]
