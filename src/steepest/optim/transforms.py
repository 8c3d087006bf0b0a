"""Update rules built from small transformations of the gradient (optax's idea).

An optimizer's step is a chain of transformations d ← T(d), starting from the gradient d = g
and ending with x ← x − η d. Each transformation is a pair of pure functions on NumPy arrays
(any shape: one parameter, a flat vector, or a stack of N vectors), reading its hyperparameters
from the dict ``hp`` (so PyTorch's parameter groups can override them)::

    state = T.init(x, hp)
    d, state = T.update(d, state, x, hp)

==========================  ========================================================  ==========
transformation              d ←                                                       state
==========================  ========================================================  ==========
:class:`AddDecayedWeights`  d + λx (L2; ``weight_decay``)                             —
:class:`Trace`              b ← μb + d; then b, or d + μb (Nesterov) (``momentum``)    buf
:class:`ScaleByRss`         s ← s + d²;  d/(√s + ε) (Adagrad)                          sum
:class:`ScaleByRms`         v ← αv + (1 − α)d²;  d/(√v + ε), centred: √(v − m²)        square_avg
:class:`ScaleByAdam`        m, v EMAs (β₁, β₂);  m̂/(√v̂ + ε), bias-corrected           t, m, v
==========================  ========================================================  ==========

The scaling transformations also say which diagonal preconditioner P their current state applies
(d = P⁻¹·…), which is what their stability depends on (see :mod:`steepest.optim.optimizers`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: a transformation's state: named arrays (and counters) carried from step to step
State = dict[str, Any]
#: the hyperparameters a transformation reads (``momentum``, ``betas``, ``eps`` …), by name
Hyper = dict[str, Any]


class Transform:
    """One step of an update rule, d ↦ T(d); pure (inputs are never modified)."""

    def init(self, x: np.ndarray, hp: Hyper) -> State:
        """The state before the first step, shaped like ``x`` (empty for a stateless one)."""
        return {}

    def update(self, d: np.ndarray, state: State, x: np.ndarray, hp: Hyper
               ) -> tuple[np.ndarray, State]:
        """The new direction and this transformation's new state entries (``{}`` if none)."""
        raise NotImplementedError

    def active(self, hp: Hyper) -> bool:
        """False when the transformation is the identity for these hyperparameters."""
        return True

    def preconditioner(self, state: State, hp: Hyper) -> np.ndarray | None:
        """The diagonal P with d = P⁻¹·(input) under the current state (None: no scaling)."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class AddDecayedWeights(Transform):
    """L2 regularisation as PyTorch's ``weight_decay``: d ← d + λx (λ = ``hp["weight_decay"]``).
    On a quadratic it adds λ to every eigenvalue of the Hessian."""

    def update(self, d, state, x, hp):
        return d + hp["weight_decay"] * x, {}

    def active(self, hp):
        return bool(hp.get("weight_decay"))


class Trace(Transform):
    """Momentum with dampening 0, as ``torch.optim.SGD``: b ← μb + d (b₀ = 0, μ =
    ``hp["momentum"]``); the direction is b (heavy ball), or d + μb with ``hp["nesterov"]``."""

    def init(self, x, hp):
        return {"buf": np.zeros_like(x)}

    def update(self, d, state, x, hp):
        mu = hp["momentum"]
        buf = mu * state["buf"] + d
        return (d + mu * buf if hp.get("nesterov") else buf), {"buf": buf}

    def active(self, hp):
        return hp.get("momentum", 0) > 0


class ScaleByRss(Transform):
    """Adagrad's scaling: s ← s + d², d ← d/(√s + ε) (ε outside the root, PyTorch's), with
    s₀ = ``initial_accumulator_value``. P = √s + ε."""

    def init(self, x, hp):
        return {"sum": np.full_like(x, hp["initial_accumulator_value"])}

    def update(self, d, state, x, hp):
        s = state["sum"] + d * d
        return d / (np.sqrt(s) + hp["eps"]), {"sum": s}

    def preconditioner(self, state, hp):
        return np.sqrt(state["sum"]) + hp["eps"]


class ScaleByRms(Transform):
    """RMSprop's scaling: v ← αv + (1 − α)d², d ← d/(√v + ε); ``centered`` uses √(v − m²) with
    m ← αm + (1 − α)d. P = √v + ε (or the centred root)."""

    def init(self, x, hp):
        state = {"square_avg": np.zeros_like(x)}
        if hp["centered"]:
            state["grad_avg"] = np.zeros_like(x)
        return state

    def update(self, d, state, x, hp):
        a = hp["alpha"]
        v = a * state["square_avg"] + (1 - a) * d * d
        new = {"square_avg": v}
        if hp["centered"]:
            m = a * state["grad_avg"] + (1 - a) * d
            new["grad_avg"] = m
            v = v - m * m
        return d / (np.sqrt(v) + hp["eps"]), new

    def preconditioner(self, state, hp):
        v = state["square_avg"]
        if hp["centered"]:
            v = v - state["grad_avg"] ** 2
        return np.sqrt(v) + hp["eps"]


class ScaleByAdam(Transform):
    """Adam's direction (Kingma & Ba 2015, PyTorch's arithmetic): m ← β₁m + (1 − β₁)d,
    v ← β₂v + (1 − β₂)d², d ← m / (1 − β₁ᵗ) / (√v/√(1 − β₂ᵗ) + ε); ``amsgrad`` uses the running
    maximum of v. P = √v̂ + ε (v̂ = v/(1 − β₂ᵗ)): the direction is the bias-corrected average
    of the gradient, m/(1 − β₁ᵗ), scaled by P⁻¹."""

    def init(self, x, hp):
        state = {"t": 0, "m": np.zeros_like(x), "v": np.zeros_like(x)}
        if hp["amsgrad"]:
            state["v_max"] = np.zeros_like(x)
        return state

    def update(self, d, state, x, hp):
        b1, b2 = hp["betas"]
        t = state["t"] + 1
        m = b1 * state["m"] + (1 - b1) * d
        v = b2 * state["v"] + (1 - b2) * d * d
        new = {"t": t, "m": m, "v": v}
        if hp["amsgrad"]:
            new["v_max"] = v = np.maximum(state["v_max"], v)
        denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + hp["eps"]
        return m / denom / (1 - b1 ** t), new

    def preconditioner(self, state, hp):
        b2 = hp["betas"][1]
        t = max(int(state["t"]), 1)
        v = state["v_max"] if hp["amsgrad"] else state["v"]
        return np.sqrt(v / (1 - b2 ** t)) + hp["eps"]


def chain_update(transforms: tuple[Transform, ...], g: np.ndarray, state: State,
                 x: np.ndarray, hp: Hyper) -> tuple[np.ndarray, State]:
    """The chain's direction d and new state (each transformation's keys in one dict; keys of
    transformations not in ``transforms`` are carried over from ``state``)."""
    d, new = g, dict(state)
    for t in transforms:
        d, part = t.update(d, state, x, hp)
        new.update(part)
    return d, new


__all__ = ["AddDecayedWeights", "Hyper", "ScaleByAdam", "ScaleByRms", "ScaleByRss", "State",
           "Trace", "Transform", "chain_update"]
