"""Activation functions, as functions and as modules.

Each nonlinearity is a steepest op (or a composite of them), so its derivative comes from the
autodiff engine: tanh' = 1 − tanh², σ' = σ(1 − σ), relu' = [x > 0], softplus' = σ,
gelu(x) = x·Φ(x) with Φ(x) = ½(1 + erf(x/√2)).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import autodiff as ad
from ..autodiff import Tensor
from .module import Module


def identity(x: Tensor) -> Tensor:
    """x (a linear unit)."""
    return ad.as_tensor(x)


def tanh(x: Tensor) -> Tensor:
    """tanh x ∈ (−1, 1)."""
    return ad.tanh(x)


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ) ∈ (0, 1)."""
    return ad.sigmoid(x)


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return ad.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope·x."""
    return ad.leaky_relu(x, negative_slope)


def softplus(x: Tensor) -> Tensor:
    """ln(1 + eˣ), a smooth relu."""
    return ad.softplus(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) = ½x(1 + erf(x/√2)) (exact, PyTorch's default), or with ``approximate="tanh"``
    ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    x = ad.as_tensor(x)
    if approximate == "none":
        return 0.5 * x * (1 + ad.erf(x * (1 / math.sqrt(2))))
    if approximate == "tanh":
        return 0.5 * x * (1 + ad.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "identity": identity, "linear": identity, "tanh": tanh, "sigmoid": sigmoid, "relu": relu,
    "leaky_relu": leaky_relu, "softplus": softplus, "gelu": gelu,
}


def get_activation(name: str | None) -> Callable[[Tensor], Tensor]:
    """The activation function called ``name`` (``None`` means identity)."""
    if name is None:
        return identity
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of "
                         f"{sorted(set(ACTIVATIONS) - {'linear'})} or None")
    return ACTIVATIONS[name]


class _Activation(Module):
    """An activation as a parameter-free module."""

    fn: Callable[..., Tensor] = staticmethod(identity)

    def forward(self, x: Any) -> Tensor:
        """The activation applied elementwise (the class docstring gives its formula)."""
        return type(self).fn(x)

    def get_config(self) -> dict[str, Any]:
        return {}


class Identity(_Activation):
    """x."""

    fn = staticmethod(identity)


class Tanh(_Activation):
    """tanh x."""

    fn = staticmethod(tanh)


class Sigmoid(_Activation):
    """σ(x) = 1/(1 + e⁻ˣ)."""

    fn = staticmethod(sigmoid)


class ReLU(_Activation):
    """max(x, 0)."""

    fn = staticmethod(relu)


class Softplus(_Activation):
    """ln(1 + eˣ)."""

    fn = staticmethod(softplus)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope·x."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope:g}"

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}


class GELU(Module):
    """x·Φ(x), exact (``approximate="none"``) or the tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Tensor:
        return gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return "" if self.approximate == "none" else f"approximate={self.approximate!r}"

    def get_config(self) -> dict[str, Any]:
        return {"approximate": self.approximate}
