"""Weight initialization. Every function takes ``rng``: a seed, a ``np.random.Generator`` or
None (fresh entropy), so a network built with the same seed has the same weights.

For a layer with ``fan_in`` inputs and ``fan_out`` outputs:

- Glorot/Xavier (tanh, sigmoid): Var W = 2/(fan_in + fan_out), i.e. U(±√(6/(fan_in+fan_out)))
- He/Kaiming (relu): Var W = 2/fan_in, i.e. N(0, 2/fan_in) or U(±√(6/fan_in))
- micrograd: W ~ U(−1, 1), b = 0 (the lecture's and micrograd's neuron)
- pytorch: W, b ~ U(±1/√fan_in) (``torch.nn.Linear``'s default)

Inside ``deferred`` nothing is drawn or allocated: every weight is a zero-stride placeholder
of its shape and dtype, which :func:`steepest.nn.load` replaces with the file's arrays.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .._rng import RngLike, as_generator
from .._validate import check_size

_DEFERRED = contextvars.ContextVar("steepest_deferred_init", default=False)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Build modules without initializing (or allocating) their weights: each parameter is a
    read-only placeholder of the right shape and dtype, to be assigned before use."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def is_deferred() -> bool:
    """Whether weights are being deferred (see ``deferred``)."""
    return _DEFERRED.get()


def _placeholder(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)

_RELU_LIKE = {"relu", "leaky_relu", "gelu", "softplus"}


def glorot_uniform(shape: tuple[int, int], rng: RngLike = None) -> np.ndarray:
    """U(−a, a) with a = √(6/(fan_in + fan_out)); ``shape = (fan_out, fan_in)``."""
    fan_out, fan_in = shape
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return as_generator(rng).uniform(-a, a, size=shape)


def glorot_normal(shape: tuple[int, int], rng: RngLike = None) -> np.ndarray:
    """N(0, 2/(fan_in + fan_out)); ``shape = (fan_out, fan_in)``."""
    fan_out, fan_in = shape
    return as_generator(rng).normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def he_uniform(shape: tuple[int, int], rng: RngLike = None) -> np.ndarray:
    """U(−a, a) with a = √(6/fan_in); ``shape = (fan_out, fan_in)``."""
    a = math.sqrt(6.0 / shape[1])
    return as_generator(rng).uniform(-a, a, size=shape)


def he_normal(shape: tuple[int, int], rng: RngLike = None) -> np.ndarray:
    """N(0, 2/fan_in); ``shape = (fan_out, fan_in)``."""
    return as_generator(rng).normal(0.0, math.sqrt(2.0 / shape[1]), size=shape)


def micrograd_uniform(shape: tuple[int, ...], rng: RngLike = None) -> np.ndarray:
    """U(−1, 1), micrograd's ``random.uniform(-1, 1)`` per weight."""
    return as_generator(rng).uniform(-1.0, 1.0, size=shape)


def pytorch_uniform(shape: tuple[int, int], rng: RngLike = None) -> np.ndarray:
    """U(±1/√fan_in), what ``torch.nn.Linear`` draws for its weight and bias."""
    a = 1.0 / math.sqrt(shape[1])
    return as_generator(rng).uniform(-a, a, size=shape)


INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal, "he_uniform": he_uniform,
    "he_normal": he_normal, "micrograd": micrograd_uniform, "pytorch": pytorch_uniform,
}
# short names people type
INITIALIZERS.update(glorot=glorot_uniform, xavier=glorot_uniform, he=he_normal,
                    kaiming=he_normal)


def resolve_init(init: str, activation: str | None) -> str:
    """The initializer name for ``init``; ``"auto"`` picks He for relu-like activations and
    Glorot otherwise."""
    if init == "auto":
        return "he_normal" if activation in _RELU_LIKE else "glorot_uniform"
    if init not in INITIALIZERS:
        raise ValueError(f"unknown init {init!r}; choose 'auto' or one of {sorted(INITIALIZERS)}")
    return init


def init_linear(nout: int, nin: int, init: str, activation: str | None, rng: RngLike,
                dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Weight (nout, nin) and bias (nout,) for a layer: the weight from ``init``; the bias 0,
    except ``"pytorch"``, which draws it like the weight. A weight too large for memory is
    refused before anything is drawn."""
    name = resolve_init(init, activation)
    if is_deferred():
        return _placeholder((nout, nin), dtype), _placeholder((nout,), dtype)
    # the draw is float64, then cast and copied into the Parameter
    check_size((nout, nin), 8 + 2 * np.dtype(dtype).itemsize,
               f"Linear({nin}, {nout}): the {nout} × {nin} weight")
    gen = as_generator(rng)
    w = INITIALIZERS[name]((nout, nin), gen).astype(dtype)
    if name == "pytorch":
        a = 1.0 / math.sqrt(nin)
        b = gen.uniform(-a, a, size=nout).astype(dtype)
    else:
        b = np.zeros(nout, dtype=dtype)
    return w, b


def init_neuron(nin: int, init: str, activation: str | None, rng: RngLike,
                dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Weights (nin,) and bias () for one neuron: ``"micrograd"`` draws w ~ U(−1, 1), b = 0;
    any other ``init`` is row 0 of :func:`init_linear`'s layer of one neuron."""
    if resolve_init(init, activation) != "micrograd":
        w, b = init_linear(1, nin, init, activation, rng, dtype)
        return w[0], b[0]
    if is_deferred():
        return _placeholder((nin,), dtype), _placeholder((), dtype)
    check_size((nin,), 8 + 2 * np.dtype(dtype).itemsize, f"Neuron({nin}): the weights")
    return micrograd_uniform((nin,), rng).astype(dtype), np.zeros((), dtype=dtype)
