"""Learning-rate schedules: callables ``step -> lr``, accepted wherever ``lr`` is.

``step`` counts completed optimizer steps, so ``schedule(0)`` is the rate of the first update.
Every schedule here is a small object (printable, picklable); any plain function
``lambda step: ...`` works too.

:class:`ReduceLROnPlateau` also needs the loss: whoever drives the descent tells it with
``schedule.observe(loss)`` (``steepest.minimize`` does so after every step, ``steepest.nn.fit``
after every epoch); the rate changes only in ``observe``, never in ``__call__``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

#: a learning rate as a function of the step: k ↦ η_k
Schedule = Callable[[int], float]
#: what every ``lr=`` accepts: a constant η or a schedule k ↦ η_k
LearningRate = float | Schedule


def _positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'} and "
                         f"finite, got {value}")
    return value


class Constant:
    """η_t = lr."""

    def __init__(self, lr: float):
        self.lr = _positive("lr", lr, allow_zero=True)

    def __call__(self, step: int) -> float:
        return self.lr

    def __repr__(self) -> str:
        return f"Constant(lr={self.lr:g})"


class StepDecay:
    """η_t = lr · γ^⌊t / step_size⌋ (PyTorch's ``StepLR``)."""

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1):
        self.lr = _positive("lr", lr)
        if int(step_size) < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = _positive("gamma", gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.step_size)

    def __repr__(self) -> str:
        return f"StepDecay(lr={self.lr:g}, step_size={self.step_size}, gamma={self.gamma:g})"


class ExponentialDecay:
    """η_t = lr · γ^t (PyTorch's ``ExponentialLR``)."""

    def __init__(self, lr: float, gamma: float):
        self.lr = _positive("lr", lr)
        self.gamma = _positive("gamma", gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** step

    def __repr__(self) -> str:
        return f"ExponentialDecay(lr={self.lr:g}, gamma={self.gamma:g})"


class InverseTimeDecay:
    """η_t = lr / (1 + decay_rate · t / decay_steps); ``staircase`` floors t / decay_steps.

    With decay_steps = 1 this is the classic η₀/(1 + kt) of stochastic approximation
    (Σ η_t = ∞, so descent can still reach any point).
    """

    def __init__(self, lr: float, decay_rate: float, decay_steps: int = 1,
                 staircase: bool = False):
        self.lr = _positive("lr", lr)
        self.decay_rate = _positive("decay_rate", decay_rate, allow_zero=True)
        if int(decay_steps) < 1:
            raise ValueError(f"decay_steps must be a positive integer, got {decay_steps}")
        self.decay_steps = int(decay_steps)
        self.staircase = bool(staircase)

    def __call__(self, step: int) -> float:
        t = step // self.decay_steps if self.staircase else step / self.decay_steps
        return self.lr / (1.0 + self.decay_rate * t)

    def __repr__(self) -> str:
        return (f"InverseTimeDecay(lr={self.lr:g}, decay_rate={self.decay_rate:g}, "
                f"decay_steps={self.decay_steps}, staircase={self.staircase})")


class WarmupCosine:
    """Linear warm-up, then cosine decay.

    η_t = lr · (t + 1) / warmup_steps                       for t < warmup_steps
    η_t = final_lr + ½(lr − final_lr)(1 + cos(π · s))       after, s = (t − w)/(total − w) ∈ [0, 1]

    and final_lr once t ≥ total_steps. With warmup_steps = 0 this is PyTorch's
    ``CosineAnnealingLR`` (eta_min = final_lr, T_max = total_steps) before its restart.
    """

    def __init__(self, lr: float, total_steps: int, warmup_steps: int = 0,
                 final_lr: float = 0.0):
        self.lr = _positive("lr", lr)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)
        if self.warmup_steps < 0 or self.total_steps <= self.warmup_steps:
            raise ValueError(f"need 0 <= warmup_steps < total_steps, got warmup_steps="
                             f"{warmup_steps}, total_steps={total_steps}")
        self.final_lr = _positive("final_lr", final_lr, allow_zero=True)

    def __call__(self, step: int) -> float:
        w = self.warmup_steps
        if step < w:
            return self.lr * (step + 1) / w
        if step >= self.total_steps:
            return self.final_lr
        s = (step - w) / (self.total_steps - w)
        return self.final_lr + 0.5 * (self.lr - self.final_lr) * (1.0 + math.cos(math.pi * s))

    def __repr__(self) -> str:
        return (f"WarmupCosine(lr={self.lr:g}, total_steps={self.total_steps}, "
                f"warmup_steps={self.warmup_steps}, final_lr={self.final_lr:g})")


class ReduceLROnPlateau:
    """Multiply the rate by ``factor`` when the loss has not improved for ``patience``
    observations (PyTorch's ``ReduceLROnPlateau``, mode "min").

    Improvement means loss < best · (1 − threshold) (``threshold_mode="rel"``) or
    loss < best − threshold (``"abs"``). After a reduction, ``cooldown`` observations pass before
    bad ones count again; the rate never drops below ``min_lr``. Call :meth:`observe` with each
    new loss (the driver does); ``schedule(step)`` returns the current rate.
    """

    def __init__(self, lr: float, factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float = 0.0):
        self.lr = _positive("lr", lr)
        if not 0.0 < factor < 1.0:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        self.factor, self.patience, self.threshold = float(factor), int(patience), float(threshold)
        self.threshold_mode, self.cooldown = threshold_mode, int(cooldown)
        self.min_lr = _positive("min_lr", min_lr, allow_zero=True)
        self.reset()

    def reset(self) -> None:
        """Back to the initial rate, with no loss observed."""
        self.current_lr = self.lr
        self.best = math.inf
        self.num_bad = 0
        self.cooldown_left = 0
        self.reductions: list[int] = []  # observation indices at which the rate was cut
        self._seen = 0

    def _improved(self, loss: float) -> bool:
        if self.threshold_mode == "rel":
            return loss < self.best * (1.0 - self.threshold)
        return loss < self.best - self.threshold

    def observe(self, loss: float) -> None:
        """Record one loss; cut the rate after ``patience`` observations without improvement."""
        loss = float(loss)
        self._seen += 1
        if self._improved(loss):
            self.best, self.num_bad = loss, 0
        else:
            self.num_bad += 1
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.num_bad = 0
        if self.num_bad > self.patience:
            new = max(self.current_lr * self.factor, self.min_lr)
            if self.current_lr - new > 1e-8:  # PyTorch's eps
                self.current_lr = new
                self.reductions.append(self._seen)
            self.cooldown_left, self.num_bad = self.cooldown, 0

    def __call__(self, step: int) -> float:
        return self.current_lr

    def __repr__(self) -> str:
        return (f"ReduceLROnPlateau(lr={self.lr:g}, factor={self.factor:g}, "
                f"patience={self.patience}, current_lr={self.current_lr:g})")


def lr_at(lr: LearningRate, step: int) -> float:
    """The rate at ``step``: ``lr`` itself if it is a number, else ``lr(step)``, checked to be a
    finite non-negative number."""
    value = lr(step) if callable(lr) else lr
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"learning rate must be a finite non-negative number, got {value} "
                         f"(at step {step} from {lr!r})")
    return value


def check_lr(lr: LearningRate, name: str = "lr") -> LearningRate:
    """Validate an ``lr`` argument: a non-negative finite number or a schedule."""
    if callable(lr):
        return lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float)):
        try:
            lr = float(lr)  # NumPy scalars
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a number or a schedule (callable step -> lr), got "
                            f"{type(lr).__name__}") from None
    if not math.isfinite(lr) or lr < 0:
        raise ValueError(f"{name} must be a non-negative finite number, got {lr}")
    return float(lr)


__all__ = ["Constant", "ExponentialDecay", "InverseTimeDecay", "LearningRate",
           "ReduceLROnPlateau", "Schedule", "StepDecay", "WarmupCosine", "check_lr", "lr_at"]
