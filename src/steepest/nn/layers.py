"""Neurons, layers of neurons, multi-layer perceptrons, dropout.

A neuron computes  a = φ(w · x + b):  weighted inputs, a sum, a bias, a nonlinearity φ.
Neurons reading the same inputs form a layer; stacking their weight vectors as the rows of one
matrix W (nout, nin) computes the whole layer at once, for a batch X (N, nin):

    A = φ(X Wᵀ + b)        (N, nout)

An MLP stacks layers: ``MLP(3, [4, 4, 1])`` is the lecture's 3 → 4 → 4 → 1 binary classifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import check_float, check_float_dtype, check_int
from ..autodiff import Tensor, as_tensor, linear
from .activations import get_activation
from .init import RngLike, as_generator, init_linear, init_neuron
from .module import Module, ModuleList, Parameter


def _input(x: Any, dtype: np.dtype, nin: int, who: str) -> Tensor:
    """``x`` as a Tensor of the layer's dtype, checked to have ``nin`` features (last axis)."""
    if not isinstance(x, Tensor):
        x = as_tensor(np.asarray(x, dtype=dtype))
    if x.ndim == 0 or x.shape[-1] != nin:
        raise ValueError(f"{who}: expected inputs with {nin} features (last axis), got shape "
                         f"{x.shape}")
    return x


def _check_activation(activation: str | None) -> str | None:
    get_activation(activation)  # raises on unknown names
    return None if activation in (None, "identity", "linear") else activation


class Neuron(Module):
    """One artificial neuron: ``φ(w · x + b)`` with weights ``w`` (nin,) and bias ``b`` ().

    Works on one input (nin,) → () or a batch (N, nin) → (N,). ``init="micrograd"`` (default)
    draws w ~ U(−1, 1) and sets b = 0, as micrograd does.
    """

    def __init__(self, nin: int, activation: str | None = "tanh", *, init: str = "micrograd",
                 seed: RngLike = None, dtype: Any = np.float64) -> None:
        super().__init__()
        self.nin = check_int(nin, "Neuron: nin")
        self.activation = _check_activation(activation)
        self.init = init
        w, b = init_neuron(self.nin, init, self.activation, seed,
                           check_float_dtype(dtype, "Neuron: dtype"))
        self.w = Parameter(w)
        self.b = Parameter(b)

    def forward(self, x: Any) -> Tensor:
        """φ(x · w + b) for one input of shape (nin,) or a batch of shape (n, nin)."""
        x = _input(x, self.w.dtype, self.nin, "Neuron")
        return get_activation(self.activation)(x @ self.w + self.b)

    @property
    def in_features(self) -> int:
        return self.nin

    def extra_repr(self) -> str:
        return f"nin={self.nin}, activation={self.activation or 'identity'}"

    def get_config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "init": self.init,
                "dtype": np.dtype(self.w.dtype).name}


class Linear(Module):
    """A layer of ``nout`` neurons reading ``nin`` inputs: ``φ(x @ Wᵀ + b)``.

    ``weight`` (nout, nin) holds one neuron's weights per row, ``bias`` (nout,). Without an
    activation (the default) this is ``torch.nn.Linear``; ``MLP`` gives its hidden layers one.
    ``init``: ``"auto"`` (He for relu-like, Glorot otherwise), ``"glorot_uniform"``,
    ``"glorot_normal"``, ``"he_uniform"``, ``"he_normal"``, ``"micrograd"``, ``"pytorch"``.
    """

    def __init__(self, nin: int, nout: int, activation: str | None = None, *,
                 init: str = "auto", seed: RngLike = None, dtype: Any = np.float64) -> None:
        super().__init__()
        self.nin = check_int(nin, "Linear: nin")
        self.nout = check_int(nout, "Linear: nout")
        self.activation = _check_activation(activation)
        self.init = init
        w, b = init_linear(self.nout, self.nin, init, self.activation, seed,
                           check_float_dtype(dtype, "Linear: dtype"))
        self.weight = Parameter(w)
        self.bias = Parameter(b)

    def forward(self, x: Any) -> Tensor:
        """φ(x Wᵀ + b) as one fused node; φ is the activation (none: the affine map)."""
        x = _input(x, self.weight.dtype, self.nin, "Linear")
        z = linear(x, self.weight, self.bias)  # x Wᵀ + b, one fused node
        return z if self.activation is None else get_activation(self.activation)(z)

    def neuron(self, i: int) -> Neuron:
        """Neuron ``i`` of this layer on its own: ``w`` = row i of ``weight``, ``b`` = bias[i]
        (copies: training the layer does not change an extracted neuron)."""
        if not -self.nout <= i < self.nout:
            raise IndexError(f"Linear.neuron: index {i} out of range for a layer of "
                             f"{self.nout} neurons")
        n = Neuron(self.nin, self.activation, dtype=self.weight.dtype, seed=0)
        n.w.data = self.weight.data[i].copy()
        n.b.data = np.array(self.bias.data[i])
        return n

    @property
    def neurons(self) -> list[Neuron]:
        """Every neuron of the layer (copies), as in the lecture's picture."""
        return [self.neuron(i) for i in range(self.nout)]

    @property
    def in_features(self) -> int:
        return self.nin

    @property
    def out_features(self) -> int:
        return self.nout

    def extra_repr(self) -> str:
        act = f", activation={self.activation}" if self.activation else ""
        return f"nin={self.nin}, nout={self.nout}{act}"

    def get_config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation,
                "init": self.init, "dtype": np.dtype(self.weight.dtype).name}


class Dropout(Module):
    """During training, zero each input with probability ``p`` and scale the rest by 1/(1 − p)
    (inverted dropout, so evaluation needs no rescaling); the identity in ``eval()`` mode."""

    def __init__(self, p: float = 0.5, *, seed: RngLike = None) -> None:
        super().__init__()
        self.p = check_float(p, "Dropout: p", low=0.0, high=1.0, high_open=True)
        self.rng = as_generator(seed)

    def forward(self, x: Any) -> Tensor:
        """Training: each element zeroed with probability p, the rest scaled by 1/(1 − p);
        evaluation (``eval()``): x unchanged."""
        x = as_tensor(x)
        if not self.training or self.p == 0.0:
            return x
        keep = self.rng.random(x.shape) >= self.p
        return x * (keep.astype(x.dtype) / (1.0 - self.p))

    def extra_repr(self) -> str:
        return f"p={self.p:g}"

    def get_config(self) -> dict[str, Any]:
        return {"p": self.p}


class MLP(Module):
    """A multi-layer perceptron: ``nin`` inputs, then one ``Linear`` layer per entry of ``nouts``.

    Hidden layers use ``activation``; the last uses ``output_activation`` (None: raw scores, to
    pair with ``binary_cross_entropy_with_logits`` / ``cross_entropy``). ``dropout`` > 0 adds
    Dropout after each hidden layer. ``seed`` makes the weights reproducible.

    >>> net = MLP(3, [4, 4, 1])          # the lecture's 3 → 4 → 4 → 1 classifier
    >>> net.num_parameters()
    41
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "tanh",
                 output_activation: str | None = None, *, init: str = "auto",
                 dropout: float = 0.0, seed: RngLike = None, dtype: Any = np.float64) -> None:
        super().__init__()
        if isinstance(nouts, (int, np.integer)) or len(nouts) == 0:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer widths, e.g. [4, 4, 1]"
                             f", got {nouts!r}")
        self.nin = check_int(nin, "MLP: nin")
        self.nouts = [check_int(n, f"MLP: nouts[{i}]") for i, n in enumerate(nouts)]
        check_float_dtype(dtype, "MLP: dtype")
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        self.init = init
        self.dropout = check_float(dropout, "MLP: dropout", low=0.0, high=1.0, high_open=True)
        gen = as_generator(seed)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = ModuleList(
            Linear(sizes[i], sizes[i + 1],
                   self.activation if i < last else self.output_activation,
                   init=init, seed=gen, dtype=dtype)
            for i in range(len(self.nouts)))
        if self.dropout:
            self.drop = Dropout(self.dropout, seed=gen)

    def forward(self, x: Any) -> Tensor:
        """The layers in order (with dropout after each hidden one when set): raw output scores
        unless ``output_activation`` is set."""
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if self.dropout and i < last:
                x = self.drop(x)
        return x

    @property
    def in_features(self) -> int:
        return self.nin

    @property
    def out_features(self) -> int:
        return self.nouts[-1]

    def extra_repr(self) -> str:
        arch = " → ".join(str(n) for n in [self.nin, *self.nouts])
        return f"{arch}, {self.num_parameters()} parameters"

    def get_config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nouts": list(self.nouts), "activation": self.activation,
                "output_activation": self.output_activation, "init": self.init,
                "dropout": self.dropout,
                "dtype": np.dtype(self.layers[0].weight.dtype).name}

