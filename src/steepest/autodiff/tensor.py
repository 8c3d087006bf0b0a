"""The Tensor: an ndarray that remembers how it was made, and reverse-mode backpropagation.

Every differentiable result records its op name, its parents and, for each parent, a
vector-Jacobian product ("vjp"): given the upstream gradient ``g = ∂L/∂out`` it returns that
parent's share ``∂L/∂x = g · ∂out/∂x``. ``backward`` visits the graph from the output to the
inputs in reverse topological order and applies the chain rule node by node::

    ∂L/∂x = Σ over every op that used x of  vjp(∂L/∂out)

A vjp is written once and runs two ways. Normally it receives raw NumPy arrays (fast, no graph).
With ``create_graph=True`` it receives the Tensors themselves while recording is on, so the
backward pass is itself a graph and can be differentiated again (exact Hessian-vector products).
"""

from __future__ import annotations

import itertools
import operator
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union

import numpy as np

ArrayLike = Union["Tensor", np.ndarray, float, int, Sequence]
Axis = int | tuple[int, ...] | None
Vjp = Callable[..., Any]


class _GradMode(threading.local):
    enabled = True  # per thread: record ops for backpropagation?


_state = _GradMode()


def is_grad_enabled() -> bool:
    """Whether new ops are being recorded for backpropagation (True unless inside ``no_grad``)."""
    return _state.enabled


class _grad_mode:
    """Context manager setting whether ops are recorded, restoring the previous mode on exit."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self) -> None:
        self.previous, _state.enabled = _state.enabled, self.enabled

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.previous


def no_grad() -> _grad_mode:
    """Context manager: ops inside record no graph (inference, parameter updates)."""
    return _grad_mode(False)


def enable_grad() -> _grad_mode:
    """Context manager: turn recording back on inside a ``no_grad`` block."""
    return _grad_mode(True)


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """NumPy array for tensor data: ints/bools/Python floats → float64, float32 kept."""
    if isinstance(data, Tensor):
        data = data.data
    try:
        arr = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"tensor: cannot convert data of type {type(data).__name__} "
                        f"to a numeric array ({exc})") from None
    if dtype is None:
        if arr.dtype.kind in "biu":
            arr = arr.astype(np.float64)
        elif arr.dtype.kind not in "fc":
            raise TypeError(f"tensor: data must be numeric, got dtype {arr.dtype} "
                            f"(from {type(data).__name__})")
    return arr


_new = object.__new__


class Tensor:
    """An n-dimensional array with an optional gradient.

    Build one with :func:`steepest.tensor`. Results of ops on tensors that require grad remember
    ``op`` (the op's name) and ``parents`` (its inputs), so ``loss.backward()`` can fill ``.grad``
    of every leaf that has ``requires_grad=True``. ``steepest.autodiff.backward_nodes(loss)``
    lists that graph in backward order with each node's op, shape, value and gradient.
    """

    __slots__ = ("__weakref__", "_serial", "_vjps", "data", "grad", "op", "parents",
                 "requires_grad")
    __array_ufunc__ = None  # make ``ndarray * Tensor`` call Tensor.__rmul__
    _serial: int  # creation order of a recorded op (set by ``make``): backward's sort key

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None):
        self.data: np.ndarray = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"tensor: only floating tensors can require grad, "
                            f"got {self.data.dtype}")
        self.grad: Tensor | None = None
        self.requires_grad: bool = bool(requires_grad)
        self.parents: tuple[Tensor, ...] = ()
        self.op: str = ""
        self._vjps: tuple[Vjp, ...] | None = None

    @classmethod
    def _wrap(cls, data: np.ndarray) -> Tensor:
        """A constant tensor around an existing array (no checks, no copy)."""
        if type(data) is not np.ndarray:  # a NumPy scalar from a 0-d operation
            data = np.asarray(data)
        t = _new(cls)
        t.data, t.grad, t.requires_grad, t.parents, t.op, t._vjps = data, None, False, (), "", None
        return t

    # ---- array-like facts -------------------------------------------------------------------
    shape = property(operator.attrgetter("data.shape"), doc="Shape of the data.")
    ndim = property(operator.attrgetter("data.ndim"), doc="Number of dimensions.")
    dtype = property(operator.attrgetter("data.dtype"), doc="NumPy dtype of the data.")
    size = property(operator.attrgetter("data.size"), doc="Number of elements.")

    def __len__(self) -> int:
        return len(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor's value."""
        return format(self.data.item(), spec) if self.data.size == 1 else format(str(self), spec)

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied)."""
        return self.data

    def detach(self) -> Tensor:
        """The same data, cut off from the graph."""
        return Tensor._wrap(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place (leaves only) and return self."""
        if self._vjps is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off grad on a non-leaf tensor; "
                               "use .detach()")
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (inputs and parameters)."""
        return self._vjps is None

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20,
                               prefix="tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self.op:
            extra += f", op={self.op}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__  # by identity (== is elementwise), fast as a dict key

    def __bool__(self) -> bool:
        return bool(self.data)

    # ---- operators and methods: each is the op of the same name in ops.py (its derivative is
    # written there); ``x.tanh()`` is ``ops.tanh(x)``, ``a * b`` is ``ops.mul(a, b)`` ------------
    def __add__(self, other: ArrayLike) -> Tensor:
        return ops.add(self, other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return ops.add(other, self)

    def __sub__(self, other: ArrayLike) -> Tensor:
        return ops.sub(self, other)

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return ops.sub(other, self)

    def __mul__(self, other: ArrayLike) -> Tensor:
        return ops.mul(self, other)

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return ops.mul(other, self)

    def __truediv__(self, other: ArrayLike) -> Tensor:
        return ops.div(self, other)

    def __rtruediv__(self, other: ArrayLike) -> Tensor:
        return ops.div(other, self)

    def __pow__(self, exponent: ArrayLike) -> Tensor:
        return ops.pow(self, exponent)

    def __rpow__(self, base: ArrayLike) -> Tensor:
        return ops.pow(ops._const_like(base, self), self)

    def __matmul__(self, other: ArrayLike) -> Tensor:
        return ops.matmul(self, other)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return ops.getitem(self, index)

    # comparisons give constant (boolean) tensors: masks, not differentiable values
    def __lt__(self, other: ArrayLike) -> Tensor:
        return Tensor._wrap(np.less(self.data, _data_of(other)))

    def __le__(self, other: ArrayLike) -> Tensor:
        return Tensor._wrap(np.less_equal(self.data, _data_of(other)))

    def __gt__(self, other: ArrayLike) -> Tensor:
        return Tensor._wrap(np.greater(self.data, _data_of(other)))

    def __ge__(self, other: ArrayLike) -> Tensor:
        return Tensor._wrap(np.greater_equal(self.data, _data_of(other)))

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]  # elementwise
        return Tensor._wrap(np.equal(self.data, _data_of(other)))

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]  # elementwise
        return Tensor._wrap(np.not_equal(self.data, _data_of(other)))

    def add(self, other: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.add` of this tensor: a + b;  ∂/∂a = 1, ∂/∂b = 1."""
        return ops.add(self, other)

    def sub(self, other: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.sub` of this tensor: a − b;  ∂/∂a = 1, ∂/∂b = −1."""
        return ops.sub(self, other)

    def mul(self, other: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.mul` of this tensor: a · b;  ∂/∂a = b, ∂/∂b = a."""
        return ops.mul(self, other)

    def div(self, other: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.div` of this tensor (derivative there)."""
        return ops.div(self, other)

    def pow(self, exponent: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.pow` of this tensor (derivative there)."""
        return ops.pow(self, exponent)

    def matmul(self, other: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.matmul` of this tensor (derivative there)."""
        return ops.matmul(self, other)

    def maximum(self, other: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.maximum` of this tensor (derivative there)."""
        return ops.maximum(self, other)

    def minimum(self, other: ArrayLike) -> Tensor:
        """:func:`~steepest.autodiff.minimum` of this tensor (derivative there)."""
        return ops.minimum(self, other)

    def neg(self) -> Tensor:
        """:func:`~steepest.autodiff.neg` of this tensor: −a;  ∂/∂a = −1."""
        return ops.neg(self)

    def abs(self) -> Tensor:
        """:func:`~steepest.autodiff.abs` of this tensor: |x|;  d/dx = sign(x) (0 at 0)."""
        return ops.abs(self)

    def exp(self) -> Tensor:
        """:func:`~steepest.autodiff.exp` of this tensor: eˣ;  d/dx = eˣ = out."""
        return ops.exp(self)

    def log(self) -> Tensor:
        """:func:`~steepest.autodiff.log` of this tensor: ln x;  d/dx = 1/x."""
        return ops.log(self)

    def sqrt(self) -> Tensor:
        """:func:`~steepest.autodiff.sqrt` of this tensor: √x;  d/dx = 1/(2√x) = 1/(2·out)."""
        return ops.sqrt(self)

    def sin(self) -> Tensor:
        """:func:`~steepest.autodiff.sin` of this tensor: sin x;  d/dx = cos x."""
        return ops.sin(self)

    def cos(self) -> Tensor:
        """:func:`~steepest.autodiff.cos` of this tensor: cos x;  d/dx = −sin x."""
        return ops.cos(self)

    def tanh(self) -> Tensor:
        """:func:`~steepest.autodiff.tanh` of this tensor: tanh x;  d/dx = 1 − tanh²x = 1 − out²."""
        return ops.tanh(self)

    def sigmoid(self) -> Tensor:
        """:func:`~steepest.autodiff.sigmoid` of this tensor (derivative there)."""
        return ops.sigmoid(self)

    def relu(self) -> Tensor:
        """:func:`~steepest.autodiff.relu` of this tensor: max(x, 0);  d/dx = 1 if x > 0 else 0."""
        return ops.relu(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """:func:`~steepest.autodiff.leaky_relu` of this tensor (derivative there)."""
        return ops.leaky_relu(self, negative_slope)

    def softplus(self) -> Tensor:
        """:func:`~steepest.autodiff.softplus` of this tensor (derivative there)."""
        return ops.softplus(self)

    def erf(self) -> Tensor:
        """:func:`~steepest.autodiff.erf` of this tensor: erf x;  d/dx = 2/√π · e^(−x²)."""
        return ops.erf(self)

    def clip(self, min: float | None = None, max: float | None = None  # noqa: A002 (torch's names)
             ) -> Tensor:
        """:func:`~steepest.autodiff.clip` of this tensor (derivative there)."""
        return ops.clip(self, min, max)

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """:func:`~steepest.autodiff.sum` of this tensor (derivative there)."""
        return ops.sum(self, axis, keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """:func:`~steepest.autodiff.mean` of this tensor (derivative there)."""
        return ops.mean(self, axis, keepdims)

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """:func:`~steepest.autodiff.var` of this tensor (derivative there)."""
        return ops.var(self, axis, keepdims, ddof)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """:func:`~steepest.autodiff.max` of this tensor (derivative there)."""
        return ops.max(self, axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """:func:`~steepest.autodiff.min` of this tensor (derivative there)."""
        return ops.min(self, axis, keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """:func:`~steepest.autodiff.logsumexp` of this tensor (derivative there)."""
        return ops.logsumexp(self, axis, keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        """:func:`~steepest.autodiff.softmax` of this tensor (derivative there)."""
        return ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """:func:`~steepest.autodiff.log_softmax` of this tensor (derivative there)."""
        return ops.log_softmax(self, axis)

    def reshape(self, *shape: Any) -> Tensor:
        """``x.reshape(2, 3)`` or ``x.reshape((2, 3))``, as in NumPy and PyTorch."""
        return ops.reshape(self, *shape)

    def flatten(self) -> Tensor:
        """:func:`~steepest.autodiff.reshape` of this tensor (derivative there)."""
        return ops.reshape(self, -1)

    def transpose(self, *axes: Any) -> Tensor:
        """Axes permuted (``x.transpose(1, 0, 2)``), reversed when none are given."""
        return ops.transpose(self, *axes)

    @property
    def T(self) -> Tensor:
        """Axes reversed (a transpose)."""
        return ops.transpose(self)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """:func:`~steepest.autodiff.swapaxes` of this tensor: Exchange two axes (a transpose)."""
        return ops.swapaxes(self, axis1, axis2)

    def broadcast_to(self, shape: Sequence[int]) -> Tensor:
        """:func:`~steepest.autodiff.broadcast_to` of this tensor (derivative there)."""
        return ops.broadcast_to(self, shape)

    def expand(self, *shape: Any) -> Tensor:
        """``x.expand(2, 3)`` or ``x.expand((2, 3))``: PyTorch's name for ``broadcast_to``."""
        one = len(shape) == 1 and isinstance(shape[0], (tuple, list))
        return ops.broadcast_to(self, shape[0] if one else shape)

    def sum_to(self, shape: Sequence[int]) -> Tensor:
        """:func:`~steepest.autodiff.sum_to` of this tensor (derivative there)."""
        return ops.sum_to(self, shape)

    # ---- backpropagation --------------------------------------------------------------------
    def backward(self, gradient: ArrayLike | None = None, create_graph: bool = False,
                 retain_grads: bool = False) -> None:
        """Accumulate ∂self/∂leaf into ``leaf.grad`` for every leaf that requires grad.

        ``gradient`` is the upstream ∂L/∂self (required unless self has one element).
        ``create_graph=True`` records the backward pass so the gradients can be differentiated
        again. ``retain_grads=True`` also keeps ``.grad`` on intermediate results (for teaching:
        see :func:`steepest.autodiff.backward_nodes`). Gradients add up across calls, as in
        PyTorch; call ``zero_grad`` (or set ``.grad = None``) between steps.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad — no input it was computed from has "
                "requires_grad=True (or it was computed under no_grad())")
        seed = _seed(self, gradient)
        grads = backprop(self, seed, create_graph=create_graph, keep_intermediate=retain_grads)
        values = grads.values() if create_graph else _unshared(grads.values(), seed)
        for node, g in zip(grads, values):
            if node.grad is None:
                node.grad = g if create_graph else Tensor._wrap(g)
            else:
                node.grad = node.grad + g if create_graph else Tensor._wrap(node.grad.data + g)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None


def _seed(out: Tensor, gradient: ArrayLike | None) -> np.ndarray:
    if gradient is None:
        if out.data.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {out.data.shape}; backward needs a scalar or an "
                f"explicit gradient= of that shape (or reduce first, e.g. out.sum().backward())")
        return np.ones_like(out.data)
    g = _as_array(gradient)
    if g.shape != out.data.shape:
        raise ValueError(f"backward: gradient has shape {g.shape} but the output has shape "
                         f"{out.data.shape}")
    return g.astype(out.data.dtype, copy=False)


def _unshared(arrays: Iterable[np.ndarray], *taken: np.ndarray) -> list[np.ndarray]:
    """The arrays, each copied if it is read-only or shares memory with an earlier one or with
    ``taken``. Backprop hands one array to several nodes (``a + b`` gives both the same ``g``);
    gradients given to the user must not alias each other, so in-place updates stay local."""
    seen = {id(_memory(a)) for a in taken}
    out = []
    for given in arrays:
        # a 0-d result may come as a NumPy scalar
        a = given if type(given) is np.ndarray else np.asarray(given)
        if a.base is None:  # owns its memory (the common case: a fresh result)
            if id(a) in seen or not a.flags.writeable:
                a = a.copy()
        else:
            memory = _memory(a)
            if id(memory) in seen or not a.flags.writeable:
                a = a.copy()
            else:
                seen.add(id(memory))
        seen.add(id(a))
        out.append(a)
    return out


def _memory(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself unless it is a view)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def topological_order(root: Tensor) -> list[Tensor]:
    """The nodes ``root`` depends on (those that require grad), inputs first, ``root`` last."""
    leaves, ops = _graph(root)
    return leaves + ops


def _graph(root: Tensor) -> tuple[list[Tensor], list[Tensor]]:
    """The leaves and the ops that ``root`` depends on, the ops in a valid forward order.

    Every recorded op is numbered when it is made, and its inputs are always older than it, so
    sorting the ops by that number orders each after all of its inputs. The search uses an
    explicit stack, so a chain of 100,000 ops needs no recursion.
    """
    leaves: list[Tensor] = []
    ops: list[Tensor] = []
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        (leaves if node._vjps is None else ops).append(node)
        for p in node.parents:
            if p.requires_grad and p not in seen:
                seen.add(p)
                stack.append(p)
    ops.sort(key=_serial)
    return leaves, ops


_serial = operator.attrgetter("_serial")
_serials = itertools.count()


def backprop(root: Tensor, seed: Any, *, create_graph: bool = False,
             keep_intermediate: bool = False, wrt: Sequence[Tensor] | None = None,
             order: Sequence[Tensor] | None = None) -> dict[Tensor, Any]:
    """The chain rule, once: ∂root/∂node for the leaves (or for ``wrt``), without touching .grad.

    Visiting nodes output-first, each node's gradient is complete (every op that used it came
    later in the forward pass, so earlier here) and is passed to its parents through its vjps.
    Returns ``{node: gradient}`` (NumPy arrays, or Tensors when ``create_graph``). ``order``:
    ``_graph(root)[1]`` kept from an earlier call, to backpropagate again through the same graph.
    """
    keep = set(wrt) if wrt is not None else ()
    grads: dict[Tensor, Any] = {root: Tensor._wrap(seed) if create_graph else seed}
    with _grad_mode(create_graph):
        for node in reversed(_graph(root)[1] if order is None else order):  # output first
            # ∂root/∂node, summed over all its uses; forgotten once passed on, unless wanted
            g = grads[node] if keep_intermediate or node in keep else grads.pop(node)
            parents = node.parents
            out: Any
            args: tuple[Any, ...]
            if create_graph:  # vjps see Tensors, so the backward pass is recorded
                out, args = node, parents
            else:
                out, args = node.data, tuple(map(_data, parents))
            for parent, vjp in zip(parents, node._vjps or ()):
                if parent.requires_grad:
                    gp = vjp(g, out, *args)  # g · ∂node/∂parent
                    grads[parent] = grads[parent] + gp if parent in grads else gp
    return grads if wrt is None else {t: grads[t] for t in wrt if t in grads}


_data = operator.attrgetter("data")


def _data_of(x: Any) -> Any:
    """A comparison's other operand as plain values."""
    return x.data if isinstance(x, Tensor) else x


def make(data: np.ndarray, op: str, parents: tuple[Tensor, ...], vjps: tuple[Vjp, ...]) -> Tensor:
    """Wrap an op's result; record op, parents and vjps when some parent needs a gradient."""
    if type(data) is not np.ndarray:  # NumPy gives scalars for 0-d results; keep arrays
        data = np.asarray(data)
    t = _new(Tensor)
    t.data, t.grad, t.requires_grad, t.parents, t.op, t._vjps = data, None, False, (), "", None
    if _state.enabled:
        for p in parents:
            if p.requires_grad:
                t.requires_grad, t.parents, t.op, t._vjps = True, parents, op, vjps
                t._serial = next(_serials)
                break
    return t


def as_tensor(x: ArrayLike, like: Tensor | None = None) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant. Python numbers take ``like``'s dtype."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float)) and not isinstance(x, bool):
        return Tensor._wrap(np.asarray(x, dtype=like.data.dtype))
    return Tensor._wrap(_as_array(x))


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a Tensor (copying ``data``). Python numbers, ints and float64 arrays give float64;
    float32 stays float32.

    >>> x = tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward(); x.grad
    tensor([2., 4.])
    """
    source = data.data if isinstance(data, Tensor) else data
    t = Tensor(source, requires_grad=requires_grad, dtype=dtype)
    if isinstance(source, np.ndarray) and np.shares_memory(t.data, source):
        t.data = t.data.copy()
    return t


from . import ops  # noqa: E402  (the ops build on the Tensor above; its methods call them)
