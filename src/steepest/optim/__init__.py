"""Optimizers, learning-rate schedules and line search.

Every optimizer is one pure update rule — a chain of small transformations of the gradient
(:mod:`steepest.optim.transforms`) — served two ways: PyTorch style over parameters
(``opt = Adam(model.parameters(), lr=1e-3)``; ``opt.zero_grad()``; ``loss.backward()``;
``opt.step()``) and on a vector through ``steepest.minimize(fun, x0, GD(lr=0.002))``. Conventions
and defaults are PyTorch's; see :mod:`steepest.optim.optimizers` for the exact formulas. Each rule
carries its stability limit on a quadratic (``opt.lr_limit(λ_max)``: 2/λ_max for GD,
(2 + 2β)/λ_max for heavy-ball momentum, …), which ``steepest.curvature.critical_lr`` and
``steepest.diagnose`` ask for.

:data:`OPTIMIZERS` maps the names the command line and the explorer use (``"gd"``/``"sgd"``,
``"momentum"``, ``"nesterov"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``, and the
second-order ``"newton"`` and ``"lbfgs"`` of :mod:`steepest.optim.second_order`) to the classes;
``get_optimizer("adam", lr=0.05)`` builds one.
"""

from __future__ import annotations

from . import schedules, transforms
from .line_search import Armijo
from .optimizer import Optimizer
from .optimizers import (
    GD,
    OPTIMIZERS,
    Adagrad,
    Adam,
    AdamW,
    Momentum,
    Nesterov,
    RMSprop,
    get_optimizer,
)
from .schedules import (
    Constant,
    ExponentialDecay,
    InverseTimeDecay,
    ReduceLROnPlateau,
    StepDecay,
    WarmupCosine,
)
from .second_order import LBFGS, Newton

__all__ = [
    "GD", "LBFGS", "OPTIMIZERS", "Adagrad", "Adam", "AdamW", "Armijo", "Constant",
    "ExponentialDecay", "InverseTimeDecay", "Momentum", "Nesterov", "Newton", "Optimizer",
    "RMSprop", "ReduceLROnPlateau", "StepDecay", "WarmupCosine", "get_optimizer", "schedules",
    "transforms",
]
