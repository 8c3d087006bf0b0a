"""The learning-rate range test (Smith 2017, "Cyclical learning rates for training neural
networks"; fastai's ``lr_find``): train a copy of the model for a few hundred minibatch steps
while η grows exponentially from ``start_lr`` to ``end_lr``, and read off where the loss falls
fastest and where it blows up.

The loss per step is smoothed by an exponential moving average with bias correction,
L̄_t = (β L̄_{t−1} + (1 − β) L_t)/(1 − βᵗ); the sweep stops once L̄ exceeds ``diverge`` × its
minimum (or stops being finite): the *blow-up point*. The suggestion is Smith's rule, a tenth of
the rate at the smoothed minimum — safely below the blow-up, still on the falling part of the
curve. Beside it the finder measures the stability limit of the local quadratic at the initial
parameters (2/λ_max for GD, the optimizer's own limit otherwise, see
:func:`steepest.curvature.critical_lr`): the rate where the sweep blows up is usually near or
above it, since the limit holds where the network starts and the curvature changes as it
trains.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .module import Module

if TYPE_CHECKING:
    from ..plot.lr_find import LRFinderDisplay


@dataclass
class LRFinder:
    """What the range test saw: ``lrs`` and raw ``losses`` per step, the ``smoothed`` losses,
    ``suggested_lr`` (a tenth of ``min_lr``, the rate at the smoothed minimum), ``steepest_lr``
    (where the smoothed loss falls fastest per decade), ``blowup_lr`` (the first rate whose
    smoothed loss exceeded ``diverge`` × its minimum; None if the sweep never blew up), and
    the stability limit ``lr_limit`` = c/``lam_max`` at the initial parameters (None when not
    measured)."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggested_lr: float
    min_lr: float
    steepest_lr: float
    blowup_lr: float | None
    lam_max: float | None
    lr_limit: float | None
    optimizer: str
    limit_formula: str = "2/λ_max"

    def __repr__(self) -> str:
        blow = "none" if self.blowup_lr is None else f"{self.blowup_lr:.3g}"
        limit = "" if self.lr_limit is None else f", lr_limit={self.lr_limit:.3g}"
        return (f"LRFinder({self.optimizer}: suggested_lr={self.suggested_lr:.3g}, "
                f"min_lr={self.min_lr:.3g}, blowup_lr={blow}{limit}, steps={self.lrs.size})")

    def plot(self, ax: Any = None, *, title: str = "Learning-rate range test"
             ) -> LRFinderDisplay:
        """Loss against η (log axis): raw steps faint, smoothed solid; the suggestion, the
        blow-up point and the stability limit at the start marked. Returns the
        :class:`~steepest.plot.LRFinderDisplay` (``.lrs``, ``.losses``, ``.smoothed``, …)."""
        from ..plot.lr_find import LRFinderDisplay
        return LRFinderDisplay.from_finder(self).plot(ax, title=title)


class _Sweep:
    """An ``nn.fit`` observer: records each step's loss and rate, smooths, and stops the run at
    the blow-up point."""

    def __init__(self, rates: Callable[[int], float], beta: float, diverge: float) -> None:
        self.rates, self.beta, self.diverge = rates, beta, diverge
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.avg, self.best = 0.0, math.inf
        self.blown = False

    def __call__(self, state: Any) -> bool:
        k = len(self.losses)
        self.lrs.append(self.rates(k))
        self.losses.append(state.loss)
        self.avg = self.beta * self.avg + (1 - self.beta) * state.loss
        value = self.avg / (1 - self.beta ** (k + 1))
        self.smoothed.append(value)
        self.best = min(self.best, value)
        self.blown = not math.isfinite(value) or (k > 0 and value > self.diverge * self.best)
        return self.blown


def lr_find(model: Module, X: Any, y: Any, *, loss: Any, optimizer: Any = None,
            start_lr: float = 1e-6, end_lr: float = 10.0, num_steps: int = 200,
            batch_size: int | None = 64, beta: float = 0.9, diverge: float = 4.0,
            seed: int | None = 0, measure_limit: bool = True) -> LRFinder:
    """Run the range test on a copy of ``model`` (which is left untouched) and return an
    :class:`LRFinder`. ``optimizer``: a ``steepest.optim`` optimizer whose kind and options
    are used (its rate is replaced by the sweep; default GD); ``num_steps`` minibatch steps of
    ``batch_size`` (None = full batch) with η from ``start_lr`` to ``end_lr`` geometrically;
    ``beta``: the smoothing; ``diverge``: the blow-up factor over the smoothed minimum;
    ``measure_limit``: also compute the stability limit at the initial parameters."""
    from .._validate import check_float, check_int
    from ..optim import GD
    from .training import _plan, _Training
    num_steps = check_int(num_steps, "lr_find: num_steps", low=2)
    start_lr = check_float(start_lr, "lr_find: start_lr", low=0, low_open=True)
    end_lr = check_float(end_lr, "lr_find: end_lr", low=start_lr, low_open=True)
    beta = check_float(beta, "lr_find: beta", low=0, high=1, high_open=True)
    if not isinstance(model, Module):
        raise TypeError(f"lr_find: model must be a steepest.nn.Module, got "
                        f"{type(model).__name__}")
    net = copy.deepcopy(model)
    ratio = (end_lr / start_lr) ** (1 / (num_steps - 1))

    def rates(step: int) -> float:
        return start_lr * ratio ** min(step, num_steps - 1)

    base = GD(lr=start_lr) if optimizer is None else optimizer
    opt = base.with_lr(rates, net.parameters())
    n = len(X)
    batch = n if batch_size is None else min(int(batch_size), n)
    per_epoch = math.ceil(n / batch)
    plan = _plan(net, X, y, loss, opt, math.ceil(num_steps / per_epoch), batch, None, None, seed,
                 None, 0.0, None)
    sweep = _Sweep(rates, beta, diverge)
    plan.observers, plan.progress, plan.diagnose = (sweep, _stop_after(num_steps)), False, False
    if _Training(plan).run().status == "diverged":  # a loss no longer finite: blown up there
        sweep.lrs.append(rates(len(sweep.lrs)))
        sweep.losses.append(math.inf)
        sweep.smoothed.append(math.inf)
        sweep.blown = True
    lam, limit = _limit_at_start(model, plan, base) if measure_limit else (None, None)
    return _result(sweep, base, lam, limit)


def _stop_after(num_steps: int) -> Callable[[Any], bool]:
    return lambda state: state.step + 1 >= num_steps


def _result(sweep: _Sweep, opt: Any, lam: float | None, limit: float | None) -> LRFinder:
    lrs, losses = np.array(sweep.lrs), np.array(sweep.losses)
    smoothed = np.array(sweep.smoothed)
    finite = np.where(np.isfinite(smoothed), smoothed, np.inf)
    i_min = int(np.argmin(finite))
    slope = np.gradient(smoothed[:i_min + 1], np.log10(lrs[:i_min + 1])) if i_min > 1 else None
    steepest = float(lrs[int(np.argmin(slope))]) if slope is not None else float(lrs[0])
    return LRFinder(lrs, losses, smoothed, suggested_lr=float(lrs[i_min]) / 10,
                    min_lr=float(lrs[i_min]), steepest_lr=steepest,
                    blowup_lr=float(lrs[-1]) if sweep.blown else None, lam_max=lam,
                    lr_limit=limit, optimizer=type(opt).__name__,
                    limit_formula=opt.limit_formula().split(" =")[0])


def _limit_at_start(model: Module, plan: Any, opt: Any) -> tuple[float | None, float | None]:
    """λ_max at the initial parameters (on up to 1000 samples; preconditioned by the first
    step's P for adaptive rules, as :func:`steepest.curvature.critical_lr`) and the optimizer's
    limit there. Only the top eigenvalue is needed: Lanczos from a random vector."""
    from ..curvature import sharpness
    from .training import CURVATURE_MAX_PARAMS, CURVATURE_MAX_SAMPLES
    from .vector import loss_of_parameters, parameters_to_vector
    if model.num_parameters() > CURVATURE_MAX_PARAMS:
        return None, None
    m = min(len(plan.X), CURVATURE_MAX_SAMPLES)
    f = loss_of_parameters(model, plan.X[:m], plan.y[:m], plan.loss_fn)
    theta = parameters_to_vector(model)
    try:
        s = sharpness(f, theta, opt, v0=np.random.default_rng(0).standard_normal(theta.size),
                      tol=1e-3)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None, None
    if not (math.isfinite(s.lam_max) and s.lam_max > 0):
        return None, None
    return s.lam_max, float(opt.lr_limit(s.lam_max))


__all__ = ["LRFinder", "lr_find"]
