"""Walking the computation graph, for teaching: what was computed, in which order, and each node's
gradient. ``steepest.plot.graph`` draws the same information."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tensor import Tensor, topological_order


@dataclass(frozen=True)
class Node:
    """One row of the backward pass: the op that made ``tensor`` and what flowed back into it."""

    tensor: Tensor
    op: str
    shape: tuple[int, ...]
    value: np.ndarray
    grad: np.ndarray | None
    parents: tuple[int, ...]  # positions of the parents in the same list

    def __str__(self) -> str:
        def fmt(a: np.ndarray | None) -> str:
            if a is None:
                return "-"
            if a.size == 1:
                return f"{a.item():.4g}"
            if a.size <= 4:
                return np.array2string(a, separator=", ", formatter={"float_kind": _g4}
                                       ).replace("\n", "")
            return f"array{a.shape}"
        return (f"{self.op or 'input':<12} {self.shape!s:<8} value={fmt(self.value):<18} "
                f"grad={fmt(self.grad)}")


def _g4(v: np.floating) -> str:
    return f"{v:.4g}"


def backward_nodes(out: Tensor, order: str = "backward") -> list[Node]:
    """The nodes ``out`` depends on, in the order backward visits them (output first), or
    ``order="forward"`` (inputs first). Call ``out.backward(retain_grads=True)`` first to see
    every node's gradient; otherwise only leaves show one.

    >>> import steepest as st
    >>> a = st.tensor(2.0, requires_grad=True); b = a * a + a
    >>> b.backward(retain_grads=True)
    >>> [(n.op or "input", n.value.item(), n.grad.item()) for n in backward_nodes(b)]
    [('add', 6.0, 1.0), ('mul', 4.0, 1.0), ('input', 2.0, 5.0)]
    """
    if order not in ("backward", "forward"):
        raise ValueError(f"backward_nodes: order must be 'backward' or 'forward', got {order!r}")
    nodes = topological_order(out) if out.requires_grad else [out]
    if order == "backward":
        nodes = nodes[::-1]
    position = {id(t): i for i, t in enumerate(nodes)}
    return [Node(t, t.op, t.shape, t.data, None if t.grad is None else t.grad.data,
                 tuple(position[id(p)] for p in t.parents if id(p) in position))
            for t in nodes]


def format_backward(out: Tensor) -> str:
    """A printable table of :func:`backward_nodes` (one line per node, output first)."""
    return "\n".join(f"{i:>3}  {n}" for i, n in enumerate(backward_nodes(out)))
