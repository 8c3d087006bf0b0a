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

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Union

import numpy as np

ArrayLike = Union["Tensor", np.ndarray, float, int, Sequence]
Vjp = Callable[..., Any]

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether new ops are being recorded for backpropagation (True unless inside ``no_grad``)."""
    return getattr(_state, "enabled", True)


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    previous = is_grad_enabled()
    _state.enabled = enabled
    try:
        yield
    finally:
        _state.enabled = previous


def no_grad():
    """Context manager: ops inside record no graph (inference, parameter updates)."""
    return _grad_mode(False)


def enable_grad():
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


class Tensor:
    """An n-dimensional array with an optional gradient.

    Build one with :func:`steepest.tensor`. Results of ops on tensors that require grad remember
    ``op`` (the op's name) and ``parents`` (its inputs), so ``loss.backward()`` can fill ``.grad``
    of every leaf that has ``requires_grad=True``.
    """

    __slots__ = ("data", "grad", "requires_grad", "parents", "op", "_vjps", "__weakref__")
    __array_ufunc__ = None  # make ``ndarray * Tensor`` call Tensor.__rmul__

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None):
        self.data: np.ndarray = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"tensor: only floating tensors can require grad, got {self.data.dtype}")
        self.grad: Tensor | None = None
        self.requires_grad: bool = bool(requires_grad)
        self.parents: tuple[Tensor, ...] = ()
        self.op: str = ""
        self._vjps: tuple[Vjp, ...] | None = None

    @classmethod
    def _wrap(cls, data: np.ndarray) -> Tensor:
        """A constant tensor around an existing array (no checks, no copy)."""
        t = object.__new__(cls)
        t.data, t.grad, t.requires_grad, t.parents, t.op, t._vjps = data, None, False, (), "", None
        return t

    # ---- array-like facts -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape, doc="Shape of the data.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self.data.dtype, doc="NumPy dtype of the data.")
    size = property(lambda self: self.data.size, doc="Number of elements.")

    def __len__(self) -> int:
        return len(self.data)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

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

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        return bool(self.data)

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
        for node, g in grads.items():
            _accumulate(node, g, create_graph)

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


def _accumulate(node: Tensor, g: Any, create_graph: bool) -> None:
    if not isinstance(g, Tensor):
        if not g.flags.writeable:  # a broadcast view: give the leaf its own memory
            g = g.copy()
        g = Tensor._wrap(g)
    node.grad = g if node.grad is None else (node.grad + g if create_graph
                                             else Tensor._wrap(node.grad.data + g.data))


def topological_order(root: Tensor) -> list[Tensor]:
    """Nodes that ``root`` depends on (and that require grad), inputs first, ``root`` last.

    Iterative depth-first search, so a chain of 100,000 ops needs no recursion.
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def backprop(root: Tensor, seed: Any, *, create_graph: bool = False,
             keep_intermediate: bool = False, wrt: Sequence[Tensor] | None = None
             ) -> dict[Tensor, Any]:
    """The chain rule, once: ∂root/∂node for the leaves (or for ``wrt``), without touching .grad.

    Returns ``{node: gradient}`` (NumPy arrays, or Tensors when ``create_graph``).
    """
    order = topological_order(root)
    targets = None if wrt is None else {id(t) for t in wrt}
    pending: dict[int, Any] = {id(root): Tensor._wrap(seed) if create_graph else seed}
    result: dict[Tensor, Any] = {}
    with _grad_mode(create_graph):
        for node in reversed(order):
            g = pending.pop(id(node), None)
            if g is None:
                continue
            if targets is not None:
                if id(node) in targets:
                    result[node] = g
            elif node._vjps is None or keep_intermediate:
                result[node] = g
            if node._vjps is None:
                continue
            if create_graph:
                args = node.parents
                out: Any = node
            else:
                args = tuple(p.data for p in node.parents)
                out = node.data
            for parent, vjp in zip(node.parents, node._vjps):
                if not parent.requires_grad:
                    continue
                gp = vjp(g, out, *args)
                key = id(parent)
                pending[key] = pending[key] + gp if key in pending else gp
    return result


def make(data: np.ndarray, op: str, parents: tuple[Tensor, ...], vjps: tuple[Vjp, ...]) -> Tensor:
    """Wrap an op's result; record op, parents and vjps when some parent needs a gradient."""
    t = Tensor._wrap(data)
    if _state.__dict__.get("enabled", True):
        for p in parents:
            if p.requires_grad:
                t.requires_grad, t.parents, t.op, t._vjps = True, parents, op, vjps
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
