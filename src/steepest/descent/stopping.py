"""Stopping rules: small objects with ``check(state)``, shared by ``minimize``, ``nn.fit`` and the
batched runs of ``stability_map``.

A rule looks at the :class:`StepState` after a step and returns a message when it holds (None
otherwise); its ``status`` says what stopping means ("converged" or "early_stopped"). The
driver checks its rules in order; the first that holds ends the run. The tests on numbers are
written with plain operators, so the same ``met`` serves one run (floats) and a stack of runs
(arrays, one entry per run).

======================================  =====================================================
rule                                    holds when
======================================  =====================================================
:class:`GradientTolerance` (``gtol``)   ‖∇L(x_k)‖ ≤ gtol
:class:`RelativeGradientTolerance`      ‖∇L(x_k)‖ ≤ rtol · ‖∇L(x₀)‖ (the gradient has fallen
(``rtol``)                              to a tiny fraction of its start)
:class:`LossTolerance` (``ftol``)       |L_{k−1} − L_k| ≤ ftol · max(|L_{k−1}|, |L_k|, 1)
                                        (scipy L-BFGS-B's relative reduction)
:class:`Patience` (``patience``)        the monitored value has not improved on its best by
                                        more than ``min_delta`` for ``patience`` checks
======================================  =====================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: the convergence test the CLI (``steepest descend``, ``diagnose``), the explorer's lab and the
#: tour give their runs: ‖∇L‖ ≤ RTOL · ‖∇L(x₀)‖ — one rule, so a run is "converged" at the same
#: step wherever it is shown (``minimize`` itself stops only at ``max_steps`` unless told)
RTOL = 1e-5


@dataclass(slots=True)
class StepState:
    """What stopping rules, callbacks and observers see after a step (``minimize`` fills one per
    run and updates it in place; ``nn.fit`` one per epoch, with ``logs``).

    ``step`` k (0 = the start), ``x`` the iterate (None in ``fit``), ``loss`` L_k and
    ``loss_prev`` L_{k−1}, ``grad_norm`` ‖∇L(x_k)‖ and ``grad_norm0`` ‖∇L(x₀)‖, ``lr`` the rate of
    the next step, ``logs`` further named values (``fit``: loss, val_loss, metric, val_metric).
    """

    step: int = 0
    x: np.ndarray | None = None
    loss: float = math.nan
    loss_prev: float = math.nan
    grad_norm: float = math.nan
    grad_norm0: float = math.nan
    lr: float = math.nan
    logs: dict[str, float] = field(default_factory=dict)

    def value(self, name: str) -> float:
        """A monitored value by name: ``loss``, ``grad_norm`` or a key of ``logs``."""
        if name in self.logs:
            return self.logs[name]
        return float(getattr(self, name))


class StoppingRule:
    """A test that ends a run; ``check(state)`` returns the reason in words, or None."""

    status = "converged"

    def reset(self, start: StepState | None = None) -> None:
        """Start afresh (called when a run starts; ``start`` is the state at x₀ if the run has
        one)."""

    def check(self, state: StepState) -> str | None:
        """After a step: why the run ends here, in words ("gradient norm 9.1e-07 <= gtol=1e-06"),
        or None to go on."""
        raise NotImplementedError


@dataclass
class GradientTolerance(StoppingRule):
    """‖∇L(x_k)‖ ≤ gtol → converged."""

    gtol: float

    def met(self, grad_norm: Any, grad_norm0: Any = None) -> Any:
        """The test on floats or arrays."""
        return grad_norm <= self.gtol

    def check(self, state: StepState) -> str | None:
        if state.grad_norm <= self.gtol:  # = met(), inlined: this runs after every step
            return f"gradient norm {state.grad_norm:.3g} <= gtol={self.gtol:g}"
        return None


@dataclass
class RelativeGradientTolerance(StoppingRule):
    """‖∇L(x_k)‖ ≤ rtol · ‖∇L(x₀)‖ → converged: the gradient has fallen to a tiny fraction of
    its start. (A start with ∇L(x₀) = 0 has converged already.)"""

    rtol: float

    def met(self, grad_norm: Any, grad_norm0: Any) -> Any:
        """The test on floats or arrays."""
        return grad_norm <= self.rtol * grad_norm0

    def check(self, state: StepState) -> str | None:
        if state.grad_norm <= self.rtol * state.grad_norm0:  # = met(), inlined
            return (f"gradient norm {state.grad_norm:.3g} <= rtol={self.rtol:g} × its start "
                    f"{state.grad_norm0:.3g}")
        return None


@dataclass
class LossTolerance(StoppingRule):
    """|L_{k−1} − L_k| ≤ ftol · max(|L_{k−1}|, |L_k|, 1) → converged."""

    ftol: float

    def check(self, state: StepState) -> str | None:
        a, b = state.loss_prev, state.loss
        change = abs(a - b)
        if change <= self.ftol * max(abs(a), abs(b), 1.0):
            return f"relative loss change {change:.3g} <= ftol={self.ftol:g}"
        return None


@dataclass
class Patience(StoppingRule):
    """Early stopping: no improvement of the monitored value on its best by more than
    ``min_delta`` for ``patience`` checks → early_stopped. ``monitor`` names the value (see
    :meth:`StepState.value`); ``mode`` "min" (losses) or "max" (metrics). After each check,
    ``improved`` says whether this one set a new best.

    >>> rule = Patience(2)
    >>> rule.reset(StepState(loss=1.0))
    >>> [rule.check(StepState(loss=v)) for v in (0.5, 0.6, 0.7)]
    [None, None, 'no improvement of the best 0.5 by more than min_delta=0 for 2 steps']
    """

    patience: int
    min_delta: float = 0.0
    monitor: str = "loss"
    mode: str = "min"
    status = "early_stopped"
    best: float = field(default=math.inf, init=False)
    wait: int = field(default=0, init=False)
    improved: bool = field(default=False, init=False)

    def reset(self, start: StepState | None = None) -> None:
        """Forget earlier runs; the best so far is the start's value (if there is a start)."""
        self.best, self.wait, self.improved = math.inf, 0, False
        if start is not None:
            self.best = self._signed(start.value(self.monitor))

    def rebase(self, value: float) -> None:
        """Count afresh from ``value`` (after a backoff rewinds the run)."""
        self.best = min(self.best, self._signed(value))
        self.wait = 0

    def _signed(self, value: float) -> float:
        return -value if self.mode == "max" else value

    def check(self, state: StepState) -> str | None:
        value = self._signed(state.value(self.monitor))
        self.improved = value < self.best - self.min_delta
        if self.improved:
            self.best, self.wait = value, 0
            return None
        self.wait += 1
        if self.wait < self.patience:
            return None
        best = self._signed(self.best)
        what = "" if self.monitor == "loss" else f"{self.monitor} "
        return (f"no improvement of the {what}best {best:.6g} by more than "
                f"min_delta={self.min_delta:g} for {self.patience} "
                f"{'steps' if self.monitor == 'loss' else 'epochs'}")


def stopping_rules(gtol: float | None = None, rtol: float | None = None,
                   ftol: float | None = None, patience: int | None = None,
                   min_delta: float = 0.0) -> list[StoppingRule]:
    """The rules for ``minimize``'s keyword arguments, in the order they are checked.

    >>> [type(r).__name__ for r in stopping_rules(gtol=1e-6, patience=10)]
    ['GradientTolerance', 'Patience']
    >>> RelativeGradientTolerance(1e-5).check(StepState(grad_norm=1e-6, grad_norm0=1.0))
    'gradient norm 1e-06 <= rtol=1e-05 × its start 1'
    """
    rules: list[StoppingRule] = []
    if gtol is not None:
        rules.append(GradientTolerance(gtol))
    if rtol is not None:
        rules.append(RelativeGradientTolerance(rtol))
    if ftol is not None:
        rules.append(LossTolerance(ftol))
    if patience is not None:
        rules.append(Patience(patience, min_delta))
    return rules


__all__ = ["GradientTolerance", "LossTolerance", "Patience", "RelativeGradientTolerance",
           "StepState", "StoppingRule", "stopping_rules"]
