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
from typing import Any

import numpy as np

from ..autodiff import enable_grad
from .line_search import Armijo
from .optimizer import Optimizer, State
from .schedules import LearningRate, lr_at


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

    @property
    def line_search(self) -> Armijo | None:
        return self.defaults["line_search"]

    @staticmethod
    def rule_init(x: np.ndarray, hp: dict[str, Any]) -> State:
        return {}

    @staticmethod
    def rule_update(g, state, x, lr, hp):
        return x - lr * _decayed(g, x, hp), {}

    def _apply(self, g, state, x, lr, hp, loss, loss_fn):
        ls: Armijo | None = hp["line_search"]
        if ls is None:
            return self.rule_update(g, state, x, lr, hp)
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
        g = _decayed(np.concatenate([np.asarray(p.grad.data).ravel() for p in params]), x, hp)
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
    """Heavy-ball momentum (Polyak): b ← μ b + g, x ← x − η b — ``torch.optim.SGD(momentum=μ)``
    with dampening 0. Stable on a quadratic iff η λ_max < 2 + 2μ."""

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 momentum: float = 0.9, *, weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "momentum": _beta("momentum", "Momentum", momentum),
                                  "weight_decay": weight_decay})

    @staticmethod
    def rule_init(x, hp):
        return {"buf": np.zeros_like(x)}

    @staticmethod
    def rule_update(g, state, x, lr, hp):
        buf = hp["momentum"] * state["buf"] + _decayed(g, x, hp)
        return x - lr * buf, {"buf": buf}


class Nesterov(Optimizer):
    """Nesterov momentum as in ``torch.optim.SGD(momentum=μ, nesterov=True)``:
    b ← μ b + g, x ← x − η (g + μ b) (the gradient is taken at x, the look-ahead is folded into
    the update, Sutskever et al. 2013)."""

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 momentum: float = 0.9, *, weight_decay: float = 0.0):
        if momentum <= 0:
            raise ValueError(f"Nesterov: momentum must be positive, got {momentum}")
        super().__init__(params, {"lr": lr, "momentum": _beta("momentum", "Nesterov", momentum),
                                  "weight_decay": weight_decay})

    @staticmethod
    def rule_init(x, hp):
        return {"buf": np.zeros_like(x)}

    @staticmethod
    def rule_update(g, state, x, lr, hp):
        g = _decayed(g, x, hp)
        buf = hp["momentum"] * state["buf"] + g
        return x - lr * (g + hp["momentum"] * buf), {"buf": buf}


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011): s ← s + g², x ← x − η g / (√s + ε); PyTorch defaults
    (lr=0.01, eps=1e-10, initial_accumulator_value=0)."""

    _nonnegative = ("weight_decay", "initial_accumulator_value")

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-2, *,
                 eps: float = 1e-10, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0):
        super().__init__(params, {"lr": lr, "eps": _eps("Adagrad", eps),
                                  "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value})

    @staticmethod
    def rule_init(x, hp):
        return {"sum": np.full_like(x, hp["initial_accumulator_value"])}

    @staticmethod
    def rule_update(g, state, x, lr, hp):
        g = _decayed(g, x, hp)
        s = state["sum"] + g * g
        return x - lr * g / (np.sqrt(s) + hp["eps"]), {"sum": s}


class RMSprop(Optimizer):
    """RMSprop (Hinton 2012): v ← α v + (1 − α) g², x ← x − η g / (√v + ε); PyTorch defaults
    (lr=0.01, alpha=0.99, eps=1e-8), optional ``momentum`` and ``centered``."""

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-2,
                 alpha: float = 0.99, *, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False):
        super().__init__(params, {"lr": lr, "alpha": _beta("alpha", "RMSprop", alpha),
                                  "eps": _eps("RMSprop", eps), "weight_decay": weight_decay,
                                  "momentum": _beta("momentum", "RMSprop", momentum),
                                  "centered": bool(centered)})

    @staticmethod
    def rule_init(x, hp):
        state = {"square_avg": np.zeros_like(x)}
        if hp["centered"]:
            state["grad_avg"] = np.zeros_like(x)
        if hp["momentum"] > 0:
            state["buf"] = np.zeros_like(x)
        return state

    @staticmethod
    def rule_update(g, state, x, lr, hp):
        g = _decayed(g, x, hp)
        a = hp["alpha"]
        v = a * state["square_avg"] + (1 - a) * g * g
        new = {"square_avg": v}
        if hp["centered"]:
            m = a * state["grad_avg"] + (1 - a) * g
            new["grad_avg"] = m
            denom = np.sqrt(v - m * m) + hp["eps"]
        else:
            denom = np.sqrt(v) + hp["eps"]
        if hp["momentum"] > 0:
            buf = hp["momentum"] * state["buf"] + g / denom
            new["buf"] = buf
            return x - lr * buf, new
        return x - lr * g / denom, new


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with PyTorch's defaults (lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    and arithmetic: x ← x − η/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε). ``weight_decay`` is L2
    (added to g); for decoupled decay use :class:`AdamW`."""

    _decoupled = False

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), *, eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False):
        name = type(self).__name__
        b1, b2 = betas
        super().__init__(params, {"lr": lr, "betas": (_beta("betas[0]", name, b1),
                                                      _beta("betas[1]", name, b2)),
                                  "eps": _eps(name, eps), "weight_decay": weight_decay,
                                  "amsgrad": bool(amsgrad)})

    @staticmethod
    def rule_init(x, hp):
        state = {"t": 0, "m": np.zeros_like(x), "v": np.zeros_like(x)}
        if hp["amsgrad"]:
            state["v_max"] = np.zeros_like(x)
        return state

    @classmethod
    def _adam(cls, g, state, x, lr, hp):
        b1, b2 = hp["betas"]
        if cls._decoupled:
            x = x * (1 - lr * hp["weight_decay"])
        else:
            g = _decayed(g, x, hp)
        t = state["t"] + 1
        m = b1 * state["m"] + (1 - b1) * g
        v = b2 * state["v"] + (1 - b2) * g * g
        new = {"t": t, "m": m, "v": v}
        if hp["amsgrad"]:
            new["v_max"] = np.maximum(state["v_max"], v)
            v = new["v_max"]
        step_size = lr / (1 - b1 ** t)
        denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + hp["eps"]
        return x - step_size * m / denom, new

    @classmethod
    def rule_update(cls, g, state, x, lr, hp):
        return cls._adam(g, state, x, lr, hp)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``:
    x ← x (1 − η λ), then the Adam step on the raw gradient. Default λ = 0.01."""

    _decoupled = True

    def __init__(self, params: Iterable[Any] | None = None, lr: LearningRate = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), *, eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr, betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)


__all__ = ["GD", "Adagrad", "Adam", "AdamW", "Momentum", "Nesterov", "RMSprop"]
