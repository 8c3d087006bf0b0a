"""Optimizers, learning-rate schedules and line search.

Every optimizer is one pure update rule (``rule_init``/``rule_update`` on NumPy arrays) served two
ways: PyTorch style over parameters (``opt = Adam(model.parameters(), lr=1e-3)``;
``opt.zero_grad()``; ``loss.backward()``; ``opt.step()``) and on a vector through
``steepest.minimize(fun, x0, GD(lr=0.002))``. Conventions and defaults are PyTorch's; see
:mod:`steepest.optim.optimizers` for the exact formulas.
"""

from __future__ import annotations

from . import schedules
from .line_search import Armijo
from .optimizer import Optimizer
from .optimizers import GD, Adagrad, Adam, AdamW, Momentum, Nesterov, RMSprop
from .schedules import (
    Constant,
    ExponentialDecay,
    InverseTimeDecay,
    ReduceLROnPlateau,
    StepDecay,
    WarmupCosine,
)

__all__ = [
    "GD", "Adagrad", "Adam", "AdamW", "Armijo", "Constant", "ExponentialDecay",
    "InverseTimeDecay", "Momentum", "Nesterov", "Optimizer", "RMSprop", "ReduceLROnPlateau",
    "StepDecay", "WarmupCosine", "schedules",
]
