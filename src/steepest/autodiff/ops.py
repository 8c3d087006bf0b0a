"""Every op: its forward value and, beside it, its local derivative.

Each op computes ``out`` with NumPy and hands :func:`make` one vector-Jacobian product per input:
``vjp(g, out, *inputs) -> ∂L/∂input`` where ``g = ∂L/∂out``. Inside a vjp, values are NumPy arrays
(first-order backward) or Tensors (``create_graph=True``), so each derivative is written once with
operators, methods and the small helpers below (``_sum_to``, ``_exp``, …) that accept both.

Broadcasting: an input that was broadcast in the forward pass receives ``sum_to(g, its shape)`` —
the gradient summed over the axes it was stretched along.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import SteepestError, SteepestTypeError
from .tensor import ArrayLike, Axis, Tensor, _as_array, as_tensor, make


# ---- helpers that work on NumPy arrays and Tensors alike ------------------------------------
def _val(x: Any) -> np.ndarray:
    """Raw values (masks and other constants are computed from these)."""
    return x.data if isinstance(x, Tensor) else x


@functools.lru_cache(maxsize=16)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    v = np.ones(n, dtype)
    v.flags.writeable = False
    return v


def _mm(a: Any, b: Any) -> Any:
    """a @ b; for NumPy vectors and matrices through ``np.dot``, the same product at less cost
    per call — and an outer product goes to BLAS: (1000, 1) @ (1, 4) takes 8.6 µs through
    matmul, 1.5 µs through dot (measured, NumPy 2, OpenBLAS). Tensors (a second-order
    backward) and batched arrays: ``@``."""
    if type(a) is np.ndarray and type(b) is np.ndarray and 0 < a.ndim <= 2 and 0 < b.ndim <= 2:
        return np.dot(a, b)
    return a @ b


def _np_sum_to(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """g summed over its extra leading axes and over the axes where ``shape`` has 1."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if g.ndim == 2 and shape == g.shape[1:]:  # a bias: (n, k) → (k,), the common case
        return np.dot(_ones(g.shape[0], g.dtype), g)
    if lead and g.flags.c_contiguous:
        # ones @ g: BLAS sums the rows many times faster than g.sum(0) on a narrow g
        n = math.prod(g.shape[:lead])
        g = np.dot(_ones(n, g.dtype), g.reshape(n, math.prod(g.shape[lead:]))).reshape(
            g.shape[lead:])
    elif lead:
        g = g.sum(axis=tuple(range(lead)))
    if g.shape == shape:
        return g
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


#: :func:`_np_add_rows` adds a bias narrower than this as rows of about this many numbers
WIDE_ROW = 512


def _np_add_rows(out: np.ndarray, b: np.ndarray) -> np.ndarray:
    """out += b in place, b added to every row (out (…, k) C-contiguous, b (k,), one dtype).
    NumPy's broadcast loop pays per row, so a narrow (1000, 4) + (4,) costs 4× more per number
    than a flat add; such rows are added m at a time, as (n/m, m·k) + b tiled m times (the same
    sums, so the same bits)."""
    k = b.shape[-1]
    if out.size < 4 * WIDE_ROW or 2 * k > WIDE_ROW or not out.flags.c_contiguous:
        return np.add(out, b, out=out)
    m = WIDE_ROW // k
    rows = out.size // (m * k)
    flat = out.reshape(-1)
    head = flat[:rows * m * k].reshape(rows, m * k)
    tiled = np.empty((m, k), out.dtype)
    tiled[...] = b
    np.add(head, tiled.reshape(-1), out=head)
    tail = flat[rows * m * k:].reshape(-1, k)
    np.add(tail, b, out=tail)
    return out


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))  # ≤ 1: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


#: :func:`_np_tanh` may take its own route for float64 arrays of at least this many numbers
TANH_MIN_SIZE = 2048


def _np_tanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """tanh x (into ``out`` if given): ``np.tanh``, or :func:`_exp_tanh` for a float64 array of
    ≥ :data:`TANH_MIN_SIZE`
    numbers where this CPU runs that faster. Which is faster depends on the machine: NumPy's
    float64 tanh took 135 µs per 4,000 numbers on one of this project's machines, where its exp
    was 3–4× faster, but 32 µs on another (AMD EPYC, AVX2), where the exp route took 55 µs. So
    it is measured, once per process (:func:`_exp_tanh_wins`); eager and replayed steps take the
    same route, and stay equal to the bit."""
    if x.dtype != np.float64 or x.size < TANH_MIN_SIZE or not _exp_tanh_wins():
        return np.tanh(x, out=out)
    if out is None:
        return _exp_tanh(x)
    np.copyto(out, _exp_tanh(x))
    return out


@functools.cache
def _exp_tanh_wins() -> bool:
    """Whether :func:`_exp_tanh` beats ``np.tanh`` by 10 % on 4,096 numbers here (best of 7
    timings each, interleaved; about a millisecond, once)."""
    import time
    x = np.random.default_rng(0).normal(size=4096)
    times: dict[Any, list[float]] = {np.tanh: [], _exp_tanh: []}
    for _ in range(7):
        for f, ts in times.items():
            start = time.perf_counter()
            f(x)
            ts.append(time.perf_counter() - start)
    return bool(np.min(times[_exp_tanh]) < 0.9 * np.min(times[np.tanh]))


def _exp_tanh(x: np.ndarray) -> np.ndarray:
    """tanh x for float64 ``x`` from one ``exp``:
    tanh x = sign(x)·(1 − t)/(1 + t) with t = e^(−2 min(|x|, 20)) ∈ (0, 1] (no overflow;
    tanh 20 is 1 in float64), and, where |x| < 1/4 and 1 − t would cancel,
    e/(e + 2) with e = expm1(2x). Within 3 ulp of the exact tanh (measured against long
    double over 10⁻¹²…10³; NumPy's own: 1.2 ulp), NaN, ±0 and ±∞ as ``np.tanh``."""
    t = np.abs(x, order="C")  # C order: its ravel below is a view
    small = np.flatnonzero(t < 0.25)
    np.minimum(t, 20.0, out=t)
    t *= -2.0
    np.exp(t, out=t)
    d = 1.0 + t
    np.subtract(1.0, t, out=t)
    t /= d
    y = np.copysign(t, x, out=t)
    if small.size:
        e = np.expm1(2.0 * x.ravel()[small])
        y.ravel()[small] = e / (e + 2.0)
    return y


def _np_shifted(x: np.ndarray, axis: Axis) -> tuple[np.ndarray, np.ndarray]:
    """(x − m, m) with m = max x over ``axis`` (0 where that is not finite): e^(x−m) ≤ 1."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    return x - m, m


def _np_softmax(x: np.ndarray, axis: Axis) -> np.ndarray:
    e = np.exp(_np_shifted(x, axis)[0])
    return e / e.sum(axis=axis, keepdims=True)


def _np_scatter(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    z = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        z[index] = g  # slices and integers pick each element at most once
    else:
        np.add.at(z, index, g)  # integer arrays may repeat an index: contributions add up
    return z


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis
               for i in items)


# Each of these runs the NumPy function on arrays and the differentiable op on Tensors.
def _sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    if g.shape == shape:
        return g
    return sum_to(g, shape) if isinstance(g, Tensor) else _np_sum_to(g, shape)


def _broadcast_to(g: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, Tensor):
        return broadcast_to(g, shape)
    out = np.empty(shape, g.dtype)  # a real array: cheaper than np.broadcast_to's view
    out[...] = g
    return out


def _exp(x: Any) -> Any:
    return exp(x) if isinstance(x, Tensor) else np.exp(x)


def _log(x: Any) -> Any:
    return log(x) if isinstance(x, Tensor) else np.log(x)


def _sin(x: Any) -> Any:
    return sin(x) if isinstance(x, Tensor) else np.sin(x)


def _cos(x: Any) -> Any:
    return cos(x) if isinstance(x, Tensor) else np.cos(x)


def _sigmoid(x: Any) -> Any:
    return sigmoid(x) if isinstance(x, Tensor) else _np_sigmoid(x)


def _softmax(x: Any, axis: Axis) -> Any:
    return softmax(x, axis) if isinstance(x, Tensor) else _np_softmax(x, axis)


def _scatter(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    return scatter_add(g, index, shape) if isinstance(g, Tensor) else _np_scatter(g, index, shape)


def _pair(a: ArrayLike, b: ArrayLike) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors; a constant (number, list, array) takes the tensor's dtype."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return a, b
    if isinstance(a, Tensor):
        return a, _const_like(b, a)
    if isinstance(b, Tensor):
        return _const_like(a, b), b
    a = as_tensor(a)
    return a, _const_like(b, a)


def _const_like(x: Any, like: Tensor) -> Tensor:
    """A constant operand (number, list, NumPy array) in the tensor's floating dtype, so that
    ``2 * x32`` and ``x32 + float64_array`` stay float32: a Tensor's dtype wins over a
    constant's."""
    arr = x if isinstance(x, np.ndarray) and x.dtype.kind == "f" else _as_array(x)
    dtype = like.data.dtype
    return Tensor._wrap(arr.astype(dtype) if dtype.kind == "f" and arr.dtype != dtype else arr)


def _count(shape: tuple[int, ...], axis: Axis) -> int:
    """How many elements a reduction over ``axis`` combines."""
    kept = math.prod(_kept_shape(shape, axis))
    return math.prod(shape) // kept if kept else 0


# ---- arithmetic -----------------------------------------------------------------------------
def add(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a + b;  ∂/∂a = 1, ∂/∂b = 1."""
    a, b = _pair(a, b)
    return make(a.data + b.data, "add", (a, b), (
        lambda g, out, a, b: _sum_to(g, a.shape),
        lambda g, out, a, b: _sum_to(g, b.shape)))


def sub(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a − b;  ∂/∂a = 1, ∂/∂b = −1."""
    a, b = _pair(a, b)
    return make(a.data - b.data, "sub", (a, b), (
        lambda g, out, a, b: _sum_to(g, a.shape),
        lambda g, out, a, b: _sum_to(-g, b.shape)))


def mul(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a · b;  ∂/∂a = b, ∂/∂b = a."""
    a, b = _pair(a, b)
    return make(a.data * b.data, "mul", (a, b), (
        lambda g, out, a, b: _sum_to(g * b, a.shape),
        lambda g, out, a, b: _sum_to(g * a, b.shape)))


def div(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a / b;  ∂/∂a = 1/b, ∂/∂b = −a/b² = −out/b."""
    a, b = _pair(a, b)
    return make(a.data / b.data, "div", (a, b), (
        lambda g, out, a, b: _sum_to(g / b, a.shape),
        lambda g, out, a, b: _sum_to(-g * out / b, b.shape)))


def neg(a: ArrayLike) -> Tensor:
    """−a;  ∂/∂a = −1."""
    a = as_tensor(a)
    return make(-a.data, "neg", (a,), (lambda g, out, a: -g,))


def pow(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a ** b;  ∂/∂a = b·a^(b−1), ∂/∂b = a^b · ln a (taken as 0 where a ≤ 0)."""
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        a, p = as_tensor(a), b
        if p == 0:
            return make(np.ones_like(a.data), "pow", (a,), (lambda g, out, a: g * 0,))
        return make(a.data ** p, "pow", (a,), (  # (x² is common enough to skip its power)
            lambda g, out, a: g * (p * a if p == 2 else p * a ** (p - 1)),))
    a, b = _pair(a, b)
    return make(a.data ** b.data, "pow", (a, b), (
        lambda g, out, a, b: _sum_to(g * b * a ** (b - 1), a.shape),
        lambda g, out, a, b: _sum_to(g * out * _log(_positive_or_one(a)), b.shape)))


def _positive_or_one(a: Any) -> Any:
    mask = _val(a) > 0
    return where(mask, a, 1.0) if isinstance(a, Tensor) else np.where(mask, a, 1.0).astype(a.dtype)


def matmul(a: ArrayLike, b: ArrayLike) -> Tensor:
    """a @ b (1-D, 2-D and batched, NumPy's rules);  ∂/∂a = g @ bᵀ, ∂/∂b = aᵀ @ g."""
    a, b = _pair(a, b)
    if a.ndim == 1 or b.ndim == 1:  # promote vectors to matrices, then drop the added axis
        _check_matmul(a.shape, b.shape)
        out = matmul(a.reshape(1, -1) if a.ndim == 1 else a,
                     b.reshape(-1, 1) if b.ndim == 1 else b)
        return out.reshape(out.shape[:-2] + out.shape[-2:][a.ndim == 1: 2 - (b.ndim == 1)])
    try:
        data = _mm(a.data, b.data)
    except ValueError:
        _check_matmul(a.shape, b.shape)  # a clearer message when it can name the problem
        raise
    return make(data, "matmul", (a, b), (
        lambda g, out, a, b: _sum_to(_mm(g, b.swapaxes(-1, -2)), a.shape),
        lambda g, out, a, b: _sum_to(_mm(a.swapaxes(-1, -2), g), b.shape)))


def linear(x: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> Tensor:
    """x @ Wᵀ + b, a layer of neurons in one node (PyTorch's ``F.linear``; W is (out, in));
    ∂/∂x = g W,  ∂/∂W = gᵀ x (summed over any batch axes),  ∂/∂b = g summed over the rows.

    The same as ``x @ weight.T + bias`` — fused because a network spends most of its ops here,
    so one node instead of three (transpose, matmul, add) saves their per-op overhead."""
    x, weight = _pair(x, weight)
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: x of shape {x.shape} needs a weight of shape (out, "
                         f"{x.shape[-1] if x.ndim else '?'}), got {weight.shape}")
    out = _mm(x.data, weight.data.T)

    def d_x(g, out, x, w, *b):
        return _mm(g, w)

    def d_w(g, out, x, w, *b):
        return _mm(_rows(g).T, _rows(x))

    if bias is None:
        return make(out, "linear", (x, weight), (d_x, d_w))
    bias = _const_like(bias, x) if not isinstance(bias, Tensor) else bias
    if bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if out.dtype == bias.dtype:
        _np_add_rows(out, bias.data)  # in place: out is a fresh product
    else:
        out = out + bias.data
    return make(out, "linear", (x, weight, bias), (
        d_x, d_w, lambda g, out, x, w, b: _sum_to(g, b.shape)))


def _rows(a: Any) -> Any:
    """a as a matrix of rows (batch axes folded into the first)."""
    return a.reshape(-1, a.shape[-1])


def _check_matmul(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    if not sa or not sb:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {sa} and {sb} "
                         f"(use * for scalars)")
    ka, kb = sa[-1], (sb[0] if len(sb) == 1 else sb[-2])
    if ka != kb:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned: {ka} (last dim of a) "
                         f"!= {kb} ({'dim 0' if len(sb) == 1 else 'second-to-last dim'} of b)")
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {sa} and {sb} do not broadcast"
                         ) from None


# ---- elementwise functions ------------------------------------------------------------------
def abs(x: ArrayLike) -> Tensor:
    """|x|;  d/dx = sign(x) (0 at 0)."""
    x = as_tensor(x)
    return make(np.abs(x.data), "abs", (x,), (lambda g, out, x: g * np.sign(_val(x)),))


def exp(x: ArrayLike) -> Tensor:
    """eˣ;  d/dx = eˣ = out."""
    x = as_tensor(x)
    return make(np.exp(x.data), "exp", (x,), (lambda g, out, x: g * out,))


def log(x: ArrayLike) -> Tensor:
    """ln x;  d/dx = 1/x."""
    x = as_tensor(x)
    return make(np.log(x.data), "log", (x,), (lambda g, out, x: g / x,))


def sqrt(x: ArrayLike) -> Tensor:
    """√x;  d/dx = 1/(2√x) = 1/(2·out)."""
    x = as_tensor(x)
    return make(np.sqrt(x.data), "sqrt", (x,), (lambda g, out, x: g / (2 * out),))


def sin(x: ArrayLike) -> Tensor:
    """sin x;  d/dx = cos x."""
    x = as_tensor(x)
    return make(np.sin(x.data), "sin", (x,), (lambda g, out, x: g * _cos(x),))


def cos(x: ArrayLike) -> Tensor:
    """cos x;  d/dx = −sin x."""
    x = as_tensor(x)
    return make(np.cos(x.data), "cos", (x,), (lambda g, out, x: -g * _sin(x),))


def tanh(x: ArrayLike) -> Tensor:
    """tanh x;  d/dx = 1 − tanh²x = 1 − out²."""
    x = as_tensor(x)
    return make(_np_tanh(x.data), "tanh", (x,), (lambda g, out, x: g * (1 - out * out),))


def sigmoid(x: ArrayLike) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ), computed without overflow;  d/dx = σ(1 − σ) = out(1 − out)."""
    x = as_tensor(x)
    return make(_np_sigmoid(x.data), "sigmoid", (x,), (lambda g, out, x: g * out * (1 - out),))


def relu(x: ArrayLike) -> Tensor:
    """max(x, 0);  d/dx = 1 if x > 0 else 0."""
    x = as_tensor(x)
    return make(np.maximum(x.data, 0), "relu", (x,), (lambda g, out, x: g * (_val(x) > 0),))


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else s·x;  d/dx = 1 if x > 0 else s."""
    x = as_tensor(x)
    slope = np.where(x.data > 0, 1, negative_slope).astype(x.dtype)
    return make(x.data * slope, "leaky_relu", (x,), (lambda g, out, x: g * slope,))


def softplus(x: ArrayLike) -> Tensor:
    """ln(1 + eˣ), computed without overflow;  d/dx = σ(x)."""
    x = as_tensor(x)
    return make(np.logaddexp(0, x.data).astype(x.dtype, copy=False), "softplus", (x,),
                (lambda g, out, x: g * _sigmoid(x),))


def erf(x: ArrayLike) -> Tensor:
    """erf x;  d/dx = 2/√π · e^(−x²)."""
    from scipy.special import erf as _erf

    x = as_tensor(x)
    c = 2 / math.sqrt(math.pi)
    return make(_erf(x.data), "erf", (x,), (lambda g, out, x: g * c * _exp(-(x * x)),))


def maximum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """max(a, b) elementwise;  the larger input gets g (ties: half each)."""
    a, b = _pair(a, b)
    w = ((a.data > b.data) + 0.5 * (a.data == b.data)).astype(np.result_type(a.data, b.data))
    return make(np.maximum(a.data, b.data), "maximum", (a, b), (
        lambda g, out, a, b: _sum_to(g * w, a.shape),
        lambda g, out, a, b: _sum_to(g * (1 - w), b.shape)))


def minimum(a: ArrayLike, b: ArrayLike) -> Tensor:
    """min(a, b) elementwise;  the smaller input gets g (ties: half each)."""
    a, b = _pair(a, b)
    w = ((a.data < b.data) + 0.5 * (a.data == b.data)).astype(np.result_type(a.data, b.data))
    return make(np.minimum(a.data, b.data), "minimum", (a, b), (
        lambda g, out, a, b: _sum_to(g * w, a.shape),
        lambda g, out, a, b: _sum_to(g * (1 - w), b.shape)))


def clip(x: ArrayLike, min: float | None = None, max: float | None = None  # noqa: A002
         ) -> Tensor:
    """x limited to [min, max];  d/dx = 1 inside (bounds included), 0 outside."""
    x = as_tensor(x)
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    inside = ((x.data >= lo) & (x.data <= hi)).astype(x.dtype)
    return make(np.clip(x.data, lo, hi), "clip", (x,), (lambda g, out, x: g * inside,))


def where(condition: ArrayLike, a: ArrayLike, b: ArrayLike) -> Tensor:
    """a where condition else b;  ∂/∂a = g·[cond], ∂/∂b = g·[¬cond]."""
    cond = np.asarray(_val(condition), dtype=bool)
    a, b = _pair(a, b)
    dtype = np.result_type(a.data, b.data)
    on, off = cond.astype(dtype), (~cond).astype(dtype)
    return make(np.where(cond, a.data, b.data), "where", (a, b), (
        lambda g, out, a, b: _sum_to(g * on, a.shape),
        lambda g, out, a, b: _sum_to(g * off, b.shape)))


# ---- reductions -----------------------------------------------------------------------------
def _axes(op: str, ndim: int, axis: Any, of: str = "tensor") -> tuple[int, ...]:
    """``axis`` (an int or a tuple of ints, NumPy's negative axes allowed) as axes 0 … ndim − 1,
    refused with a message naming it when it is not an axis of an ``ndim``-D tensor."""
    given = axis if isinstance(axis, tuple) else (axis,)
    for a in given:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise SteepestTypeError(f"{op}: axis must be an int or a tuple of ints, "
                                    f"got {axis!r}")
        if not -ndim <= a < ndim:
            raise SteepestError(f"{op}: axis {a} is out of range for a {ndim}-D {of} "
                                + ("(a scalar: it has no axes)" if ndim == 0 else
                                   f"(axes are {-ndim} … {ndim - 1})"))
    axes = tuple(int(a) % ndim for a in given)
    if len(set(axes)) < len(axes):
        raise SteepestError(f"{op}: axis {axis!r} names an axis twice")
    return axes


def _kept_shape(shape: tuple[int, ...], axis: Axis, op: str = "sum") -> tuple[int, ...]:
    """Shape of a reduction over ``axis`` with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    axes = _axes(op, len(shape), axis)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def sum(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Σ x over ``axis``;  each summed element gets g (broadcast back)."""
    x = as_tensor(x)
    kept = _kept_shape(x.shape, axis)
    return make(x.data.sum(axis=axis, keepdims=keepdims), "sum", (x,), (
        lambda g, out, x: _broadcast_to(g.reshape(kept), x.shape),))


def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Σ x / n over ``axis``;  each averaged element gets g / n."""
    x = as_tensor(x)
    kept, n = _kept_shape(x.shape, axis, "mean"), _count(x.shape, axis)
    return make(x.data.sum(axis=axis, keepdims=keepdims) / n, "mean", (x,), (
        lambda g, out, x: _broadcast_to(g.reshape(kept) / n, x.shape),))


def var(x: ArrayLike, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Σ (x − mean)² / (n − ddof) (NumPy's default ddof=0; PyTorch's ``var`` uses ddof=1)."""
    x = as_tensor(x)
    _kept_shape(x.shape, axis, "var")
    d = x - mean(x, axis, keepdims=True)
    return sum(d * d, axis, keepdims) / (_count(x.shape, axis) - ddof)


def _extreme(x: Tensor, axis: Axis, keepdims: bool, fn: Any, name: str) -> Tensor:
    kept = _kept_shape(x.shape, axis, name)

    def vjp(g, out, x):
        hit = _val(x) == _val(out).reshape(kept)  # ties share the gradient equally
        share = (hit / hit.sum(axis=axis, keepdims=True)).astype(_val(x).dtype)
        return g.reshape(kept) * share
    return make(fn(x.data, axis=axis, keepdims=keepdims), name, (x,), (vjp,))


def max(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Largest element over ``axis``;  g goes to the maximum (split among ties)."""
    return _extreme(as_tensor(x), axis, keepdims, np.max, "max")


def min(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Smallest element over ``axis``;  g goes to the minimum (split among ties)."""
    return _extreme(as_tensor(x), axis, keepdims, np.min, "min")


def logsumexp(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """ln Σ eˣ = m + ln Σ e^(x−m) with m = max x, so nothing overflows;  ∂/∂x = softmax(x)
    (exactly 1 over a single element, whose logsumexp is itself)."""
    x = as_tensor(x)
    kept = _kept_shape(x.shape, axis, "logsumexp")
    shifted, m = _np_shifted(x.data, axis)
    out = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return make(out, "logsumexp", (x,), (
        lambda g, out, x: g.reshape(kept) * _softmax(x, axis),))


def log_softmax(x: ArrayLike, axis: int = -1) -> Tensor:
    """x − logsumexp(x): log-probabilities, stable for any logits;  ∂/∂x = g − e^out · Σ g
    (so exactly 0, to every order, over a single element, where out is exactly 0)."""
    x = as_tensor(x)
    (ax,) = _axes("log_softmax", x.ndim, axis)
    shifted, _ = _np_shifted(x.data, ax)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=ax, keepdims=True))
    return make(out, "log_softmax", (x,), (
        lambda g, out, x: g - _exp(out) * g.sum(axis=ax, keepdims=True),))


def softmax(x: ArrayLike, axis: Axis = -1) -> Tensor:
    """e^(x_i) / Σ_j e^(x_j), computed as e^(x−m) / Σ e^(x−m) with m = max x;
    ∂/∂x = out · (g − Σ g·out) (so exactly 0 over a single element, where out is exactly 1)."""
    x = as_tensor(x)
    _kept_shape(x.shape, axis, "softmax")
    return make(_np_softmax(x.data, axis), "softmax", (x,), (
        lambda g, out, x: out * (g - (g * out).sum(axis=axis, keepdims=True)),))


# ---- shape ----------------------------------------------------------------------------------
def reshape(x: ArrayLike, *shape: Any) -> Tensor:
    """Same elements, new shape;  the gradient is reshaped back."""
    x = as_tensor(x)
    new = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    return make(x.data.reshape(new), "reshape", (x,), (lambda g, out, x: g.reshape(x.shape),))


def transpose(x: ArrayLike, *axes: Any) -> Tensor:
    """Permute axes (reverse them by default);  the gradient is permuted back."""
    x = as_tensor(x)
    given = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
    order = _axes("transpose", x.ndim, given) if given else tuple(reversed(range(x.ndim)))
    if len(order) != x.ndim:
        raise SteepestError(f"transpose: axes {tuple(given)} must name each of the {x.ndim} axes "
                            f"of a tensor of shape {x.shape} once")
    inverse = tuple(np.argsort(order))
    return make(x.data.transpose(order), "transpose", (x,),
                (lambda g, out, x: g.transpose(inverse),))


def swapaxes(x: ArrayLike, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes (a transpose)."""
    x = as_tensor(x)
    a, b = _axes("swapaxes", x.ndim, (axis1,)) + _axes("swapaxes", x.ndim, (axis2,))
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, tuple(axes))


def broadcast_to(x: ArrayLike, shape: Sequence[int]) -> Tensor:
    """x stretched to ``shape`` (NumPy broadcasting);  ∂/∂x = g summed back to x's shape."""
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return make(np.broadcast_to(x.data, shape), "broadcast_to", (x,),
                (lambda g, out, x: _sum_to(g, x.shape),))


def sum_to(x: ArrayLike, shape: Sequence[int]) -> Tensor:
    """x summed down to ``shape`` (undoes broadcasting);  ∂/∂x = g broadcast back."""
    x = as_tensor(x)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return make(_np_sum_to(x.data, shape), "sum_to", (x,),
                (lambda g, out, x: _broadcast_to(g, x.shape),))


def concatenate(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join along an existing axis;  each input gets its slice of g."""
    ts = tuple(as_tensor(t) for t in tensors)
    if not ts:
        raise SteepestError("concatenate: need at least one tensor")
    if not ts[0].ndim:
        raise SteepestError("concatenate: tensors must be at least 1-D (use stack for scalars)")
    (ax,) = _axes("concatenate", ts[0].ndim, axis)
    out = np.concatenate([t.data for t in ts], axis=ax)
    bounds = np.cumsum([0] + [t.shape[ax] for t in ts])
    slices = [(slice(None),) * ax + (slice(lo, hi),) for lo, hi in itertools.pairwise(bounds)]
    return make(out, "concatenate", ts, tuple(
        (lambda g, out, *xs, s=s: g[s]) for s in slices))


def stack(tensors: Sequence[ArrayLike], axis: int = 0) -> Tensor:
    """Join along a new axis (composite: add the axis to each, then concatenate)."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise SteepestError("stack: need at least one tensor")
    shapes = {t.shape for t in ts}
    if len(shapes) > 1:
        raise SteepestError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    new = list(ts[0].shape)
    (ax,) = _axes("stack", len(new) + 1, axis, of="result")
    new.insert(ax, 1)
    return concatenate([t.reshape(tuple(new)) for t in ts], axis=ax)


def getitem(x: ArrayLike, index: Any) -> Tensor:
    """x[index] (slices and integer arrays);  g is scattered back, repeated indices adding up."""
    x = as_tensor(x)
    index = _plain_index(index)
    return make(x.data[index], "getitem", (x,),
                (lambda g, out, x: _scatter(g, index, x.shape),))


def pick(x: ArrayLike, index: np.ndarray) -> Tensor:
    """x[i, index_i] for each row i of a matrix (a label's score in each row);  g is placed at
    those entries, zeros elsewhere. What ``cross_entropy`` reads (``index`` an argument, so a
    replayed step takes each batch's labels)."""
    x = as_tensor(x)
    rows = (np.arange(x.shape[0]), index)
    return make(x.data[rows], "pick", (x,), (lambda g, out, x: _scatter(g, rows, x.shape),))


def scatter_add(g: ArrayLike, index: Any, shape: Sequence[int]) -> Tensor:
    """zeros(shape) with g added at ``index`` (the adjoint of indexing);
    ∂/∂g = (∂L/∂out)[index]."""
    g = as_tensor(g)
    return make(_np_scatter(g.data, index, tuple(shape)), "scatter_add", (g,),
                (lambda gg, out, g: gg[index],))


def _plain_index(index: Any) -> Any:
    """The index as NumPy takes it; a float index (a Tensor, an array, a list or a number) is
    refused, as PyTorch does, rather than silently truncated (1.9 picking element 1)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, list):
        index = np.asarray(index)
    elif isinstance(index, (float, complex, np.floating, np.complexfloating)):
        raise SteepestTypeError(f"getitem: index {index!r} is not an integer")
    if isinstance(index, np.ndarray) and index.dtype.kind not in "biu":
        raise SteepestTypeError(
            f"getitem: an index array must hold integers or booleans, got dtype {index.dtype} "
            f"(st.tensor stores numbers as floats: index with the list or NumPy array itself, "
            f"or with st.tensor(..., dtype=int))")
    return index
