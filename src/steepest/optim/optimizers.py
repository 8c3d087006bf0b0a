"""Gradient descent and its modern variants, each update rule written once.

Conventions follow PyTorch (``torch.optim``) exactly, defaults included, so trajectories agree to
rounding. With gradient g_t, parameters x_t, learning rate η_t and t counted from 1:

* ``weight_decay`` λ (all but AdamW) is L2 regularisation added to the gradient: g ← g + λx.
* GD:        x ← x − η g.
* Momentum:  b ← μ b + g  (b₀ = 0, dampening 0),  x ← x − η b  (heavy ball: equal to
  x_{t+1} = x_t − η g_t + μ (x_t − x_{t−1}) for constant η).
* Nesterov:  b ← μ b + g,  x ← x − η (g + μ b)   (``torch.optim.SGD(nesterov=True)``).
* Adagrad:   s ← s + g²,  x ← x − η g / (√s + ε)          (ε = 1e-10 *outside* the root).
* RMSprop:   v ← α v + (1 − α) g²,  x ← x − η g / (√v + ε) (ε = 1e-8 outside; ``centered``
  uses √(v − m²) with m ← α m + (1 − α) g; ``momentum`` μ: b ← μ b + g/(√v + ε), x ← x − η b).
* Adam:      m ← β₁ m + (1 − β₁) g,  v ← β₂ v + (1 − β₂) g²,
  x ← x − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)   (bias-corrected; ε outside the root, added
  after correcting v). ``amsgrad`` uses the running maximum of v.
* AdamW:     x ← x (1 − η λ) first (decoupled weight decay, Loshchilov & Hutter), then Adam.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from ..autodiff import enable_grad
from .line_search import Armijo
from .optimizer import Optimizer, State
from .schedules import LearningRate, lr_at
from .second_order import LBFGS, Newton
from .transforms import (
    AddDecayedWeights,
    ScaleByAdam,
    ScaleByRms,
    ScaleByRss,
    Trace,
    Transform,
)


def _beta(name: str, owner: str, value: float) -> float:
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {value}")
    return float(value)


def _eps(owner: str, value: float) -> float:
    if not value >= 0:
        raise ValueError(f"{owner}: eps must be non-negative, got {value}")
    return float(value)


def _decayed(g: np.ndarray, x: np.ndarray, hp: dict[str, Any]) -> np.ndarray:
    wd = hp["weight_decay"]
    return g + wd * x if wd else g


def heavy_ball_companion(h: float, beta: float, nesterov: bool = False) -> np.ndarray:
    """M of the error recursion of momentum β along an eigenvector, h = ηλ.

    Heavy ball: e_{k+1} = (1 + β − h)e_k − βe_{k−1}. Nesterov (PyTorch's form, state
    (e, buf/λ)): buf ← β·buf + λe, e ← e − η(λe + β·buf).
    """
    if nesterov:
        return np.array([[1 - h - h * beta, -h * beta * beta], [1.0, beta]])
    return np.array([[1 + beta - h, -beta], [1.0, 0.0]])


def heavy_ball_limit(beta: float, nesterov: bool = False) -> float:
    """c with stability iff η λ_max < c: 2 + 2β (heavy ball), (2 + 2β)/(1 + 2β) (Nesterov).

    At h = c the recursion has the eigenvalue −1: det(M + I) = 0 gives 2 + 2β − h = 0 for the
    heavy ball and 2 + 2β − h(1 + 2β) = 0 for Nesterov.
    """
    return (2 + 2 * beta) / (1 + 2 * beta) if nesterov else 2 + 2 * beta


class GD(Optimizer):
    """Plain gradient descent, x ← x − η ∇f(x) (PyTorch's ``SGD`` without momentum).

    ``line_search=True`` (or an :class:`Armijo` instance) backtracks from t = lr at every step
    until f(x − t g) ≤ f(x) − c t ‖g‖² (Armijo); it needs the loss, which ``minimize`` provides
    (in PyTorch style pass ``step(closure)``).
    """

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3, *,
                 weight_decay: float = 0.0, line_search: bool | Armijo | None = None):
        if line_search is True:
            line_search = Armijo()
        elif line_search is False:
            line_search = None
        elif line_search is not None and not isinstance(line_search, Armijo):
            raise TypeError(f"GD: line_search must be True, False, None or an Armijo instance, "
                            f"got {type(line_search).__name__}")
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay,
                                  "line_search": line_search})

    transforms: ClassVar[tuple[Transform, ...]] = (AddDecayedWeights(),)

    @property
    def line_search(self) -> Armijo | None:
        """The :class:`Armijo` backtracking search run at every step, or None (a fixed step)."""
        return self.defaults["line_search"]

    @property
    def needs_loss(self) -> bool:
        """True with a line search: each step evaluates the loss along −g."""
        return self.line_search is not None

    def _search(self, g, state, x, lr, hp, loss, loss_fn):
        """The Armijo step from x along −(g + λx)."""
        ls: Armijo = hp["line_search"]
        if loss is None or loss_fn is None:
            raise ValueError("GD with line_search needs the loss and a loss function "
                             "(steepest.minimize provides them; in PyTorch style use "
                             "step(closure))")
        t, x_new, evals = ls.search(loss_fn, x, _decayed(g, x, hp), loss, lr)
        return x_new, {"step_size": t, "evaluations": evals}

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """PyTorch-style step. With a line search, ``closure`` is required and the search runs
        over all parameters jointly (each trial calls ``closure``)."""
        if self.line_search is None:
            return super().step(closure)
        self._require_params()
        if closure is None:
            raise ValueError("GD(line_search=...).step needs a closure that re-evaluates the "
                             "loss (zero_grad, forward, backward, return loss)")
        with enable_grad():
            loss = float(_value(closure()))
        params = [p for p in self.parameters() if p.grad is not None]
        x = np.concatenate([p.data.ravel() for p in params])
        hp = self.param_groups[0]
        grads = [np.asarray(p.grad.data).ravel() for p in params if p.grad is not None]
        g = _decayed(np.concatenate(grads), x, hp)
        sizes = np.cumsum([p.data.size for p in params])[:-1]

        def set_params(vec: np.ndarray) -> None:
            for p, part in zip(params, np.split(vec, sizes)):
                p.data[...] = part.reshape(p.data.shape)

        def loss_fn(vec: np.ndarray) -> float:
            set_params(vec)
            with enable_grad():
                return float(_value(closure()))

        _, x_new, _ = self.line_search.search(loss_fn, x, g, loss,
                                              lr_at(hp["lr"], self.step_count))
        set_params(x_new)
        self.step_count += 1
        return loss


def _value(loss: Any) -> Any:
    return loss.item() if hasattr(loss, "item") else loss


class Momentum(Optimizer):
    """Momentum as ``torch.optim.SGD(momentum=μ, nesterov=…)`` with dampening 0.

    Heavy ball (Polyak): b ← μb + g, x ← x − ηb — equal to x_{t+1} = x_t − ηg_t + μ(x_t − x_{t−1})
    for constant η; stable on a quadratic iff η < (2 + 2μ)/λ_max. ``nesterov=True``:
    x ← x − η(g + μb) (the look-ahead folded into the update, Sutskever et al. 2013); stable
    iff η < (2 + 2μ)/((1 + 2μ)λ_max).
    """

    transforms: ClassVar[tuple[Transform, ...]] = (AddDecayedWeights(), Trace())

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 momentum: float = 0.9, *, weight_decay: float = 0.0, nesterov: bool = False):
        name = type(self).__name__
        if nesterov and momentum <= 0:
            raise ValueError(f"{name}: Nesterov momentum must be positive, got {momentum}")
        super().__init__(params, {"lr": lr, "momentum": _beta("momentum", name, momentum),
                                  "weight_decay": weight_decay, "nesterov": bool(nesterov)})

    def companion(self, h: float) -> np.ndarray:
        return heavy_ball_companion(h, self.defaults["momentum"], self.defaults["nesterov"])

    def stability_constant(self) -> float:
        return heavy_ball_limit(self.defaults["momentum"], self.defaults["nesterov"])

    def limit_formula(self) -> str:
        b = self.defaults["momentum"]
        c = heavy_ball_limit(b, self.defaults["nesterov"])
        form = "(2 + 2β)/((1 + 2β)λ_max)" if self.defaults["nesterov"] else "(2 + 2β)/λ_max"
        return f"{form} = {c:.4g}/λ_max"


class Nesterov(Momentum):
    """Nesterov momentum, ``Momentum(nesterov=True)``: b ← μb + g, x ← x − η(g + μb) —
    ``torch.optim.SGD(momentum=μ, nesterov=True)``. Stable iff η < (2 + 2μ)/((1 + 2μ)λ_max)."""

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 momentum: float = 0.9, *, weight_decay: float = 0.0):
        if momentum <= 0:
            raise ValueError(f"Nesterov: momentum must be positive, got {momentum}")
        super().__init__(params, lr, momentum, weight_decay=weight_decay, nesterov=True)


class _Adaptive(Optimizer):
    """A rule that divides the gradient by a diagonal P from its history: on a quadratic with P
    held fixed it is GD (or momentum) on the preconditioned Hessian P⁻¹H, so its stability is
    governed by the preconditioned sharpness λ_max(P⁻¹H) (Cohen et al. 2022, "Adaptive gradient
    methods at the edge of stability")."""

    adaptive = True

    def limit_formula(self) -> str:
        return "2/λ_max(P⁻¹H)"


class Adagrad(_Adaptive):
    """Adagrad (Duchi et al. 2011): s ← s + g², x ← x − η g / (√s + ε); PyTorch defaults
    (lr=0.01, eps=1e-10, initial_accumulator_value=0). Preconditioned GD with P = √s + ε: stable
    while η < 2/λ_max(P⁻¹H); P only grows, so the limit only rises."""

    _nonnegative = ("weight_decay", "initial_accumulator_value")
    transforms: ClassVar[tuple[Transform, ...]] = (AddDecayedWeights(), ScaleByRss())

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-2, *,
                 eps: float = 1e-10, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0):
        super().__init__(params, {"lr": lr, "eps": _eps("Adagrad", eps),
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value})


class RMSprop(_Adaptive):
    """RMSprop (Hinton 2012): v ← α v + (1 − α) g², x ← x − η g / (√v + ε); PyTorch defaults
    (lr=0.01, alpha=0.99, eps=1e-8), optional ``momentum`` μ (b ← μb + g/(√v + ε), x ← x − ηb)
    and ``centered``. Preconditioned GD (or heavy ball) with P = √v + ε: stable while
    η < 2/λ_max(P⁻¹H), or (2 + 2μ)/λ_max(P⁻¹H) with momentum."""

    transforms: ClassVar[tuple[Transform, ...]] = (AddDecayedWeights(), ScaleByRms(), Trace())

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-2,
                 alpha: float = 0.99, *, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False):
        super().__init__(params, {"lr": lr, "alpha": _beta("alpha", "RMSprop", alpha),
                                  "eps": _eps("RMSprop", eps), "weight_decay": weight_decay,
                                  "momentum": _beta("momentum", "RMSprop", momentum),
                                  "centered": bool(centered)})

    def companion(self, h: float) -> np.ndarray:
        mu = self.defaults["momentum"]
        return heavy_ball_companion(h, mu) if mu > 0 else np.array([[1.0 - h]])

    def stability_constant(self) -> float:
        return 2 + 2 * self.defaults["momentum"]

    def limit_formula(self) -> str:
        mu = self.defaults["momentum"]
        return f"(2 + 2μ)/λ_max(P⁻¹H) = {2 + 2 * mu:.4g}/λ_max(P⁻¹H)" if mu > 0 \
            else "2/λ_max(P⁻¹H)"


class Adam(_Adaptive):
    """Adam (Kingma & Ba 2015) with PyTorch's defaults (lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    and arithmetic: x ← x − η/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε). ``weight_decay`` is L2
    (added to g); for decoupled decay use :class:`AdamW`.

    With P = √v̂ + ε held fixed, Adam is heavy-ball momentum β₁ with step η(1 − β₁)/(1 − β₁ᵗ) on
    P⁻¹H, so it is stable while λ_max(P⁻¹H) < (2 + 2β₁)/((1 − β₁)η) · (1 − β₁ᵗ) — Cohen et al.
    2022's threshold (2 + 2β₁)/((1 − β₁)η) once the bias correction has faded.
    """

    transforms: ClassVar[tuple[Transform, ...]] = (AddDecayedWeights(), ScaleByAdam())

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), *, eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False):
        name = type(self).__name__
        b1, b2 = betas
        super().__init__(params, {"lr": lr, "betas": (_beta("betas[0]", name, b1),
                                                      _beta("betas[1]", name, b2)),
                                  "eps": _eps(name, eps), "weight_decay": weight_decay,
                                  "amsgrad": bool(amsgrad)})

    def companion(self, h: float) -> np.ndarray:
        """Heavy ball with momentum β₁ at step h(1 − β₁) (m is an average, not a sum)."""
        b1 = self.defaults["betas"][0]
        return heavy_ball_companion(h * (1 - b1), b1)

    def stability_constant(self) -> float:
        """(2 + 2β₁)/(1 − β₁): the heavy-ball limit 2 + 2β₁ for the step η(1 − β₁)."""
        b1 = self.defaults["betas"][0]
        return (2 + 2 * b1) / (1 - b1)

    def step_scale(self, state: State | None = None) -> float:
        """The bias correction 1/(1 − β₁ᵗ) at the state's step t (1 without a state)."""
        if state is None or not state.get("t"):
            return 1.0
        return 1.0 / (1.0 - self.defaults["betas"][0] ** int(state["t"]))

    def limit_formula(self) -> str:
        b1 = self.defaults["betas"][0]
        return (f"(2 + 2β₁)/((1 − β₁)·λ_max(P⁻¹H)) = {(2 + 2 * b1) / (1 - b1):.4g}"
                f"/λ_max(P⁻¹H)")


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``:
    x ← x (1 − η λ), then the Adam step on the raw gradient. Default λ = 0.01. The decay is a
    contraction by 1 − ηλ per step, left out of the stability limit (it only helps)."""

    transforms: ClassVar[tuple[Transform, ...]] = (ScaleByAdam(), AddDecayedWeights())
    l2_decay = False

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), *, eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr, betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)


#: every optimizer by the name the command line, the explorer and the docs use
#: ("sgd" is PyTorch's name for GD)
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GD, "sgd": GD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": Adagrad,
    "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "newton": Newton, "lbfgs": LBFGS}


def get_optimizer(name: str, **options: Any) -> Optimizer:
    """The optimizer called ``name`` (a key of :data:`OPTIMIZERS`, any case), built without
    parameters with ``options`` (e.g. ``lr=0.01``): ``get_optimizer("adam", lr=0.05)``."""
    from .._validate import check_choice
    key = check_choice(str(name).lower(), "get_optimizer: name", tuple(OPTIMIZERS))
    return OPTIMIZERS[key](**options)


__all__ = ["GD", "OPTIMIZERS", "Adagrad", "Adam", "AdamW", "Momentum", "Nesterov", "RMSprop",
           "get_optimizer", "heavy_ball_companion", "heavy_ball_limit"]
