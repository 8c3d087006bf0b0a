"""Backpropagation, played: the forward pass fills in each node's value, then the chain rule
walks back edge by edge — each frame shows the local derivative on the edge it crosses and the
gradient accumulating at the node it reaches:

    ∂L/∂parent  +=  ∂L/∂child · ∂child/∂parent

Every number is steepest's own: values from the forward pass, local derivatives from each op's
vjp (or the layer's Jacobian), and the accumulated sums end exactly at what ``backward`` gives.

- :func:`backprop` — a scalar expression's computation graph (micrograd's ``L = (a·b + c)·f``,
  a neuron written out)
- :func:`backprop_network` — a multi-layer perceptron on one sample, neuron by neuron (the
  lecture's 3 → 4 → 4 → 1 net)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SteepestError
from ._core import Animation

_VALUE, _GRAD, _HOT = "#08519c", "#b2182b", "#ff7f0e"


@dataclass(frozen=True)
class BackpropGraph:
    """A graph of scalar nodes with what backpropagation needs: ``names``, ``ops`` and
    ``formulas`` (how it is computed, in words) per node (``ops[i] == ""`` for an input),
    forward ``values``, ``grads`` ∂L/∂node from steepest's
    backward, ``edges`` (parent, child) in forward order with ``local`` ∂child/∂parent on each,
    ``positions`` (n, 2) to draw them and optionally ``why`` per edge (how its local derivative
is made, e.g. "relu′(z)·w = 1 × 0.53"). The last node is the output L."""

    names: tuple[str, ...]
    ops: tuple[str, ...]
    formulas: tuple[str, ...]
    values: np.ndarray
    grads: np.ndarray
    edges: tuple[tuple[int, int], ...]
    local: np.ndarray
    positions: np.ndarray
    why: tuple[str, ...] = ()

    @property
    def output(self) -> int:
        return len(self.names) - 1


@dataclass(frozen=True)
class Step:
    """One frame: in the ``"forward"`` phase ``node`` gets its value; in ``"backward"`` the
    chain rule crosses ``edge`` (an index of ``graph.edges``, None for the seed ∂L/∂L = 1) and
    ``grad`` is the node's gradient accumulated so far. ``text`` says it in words."""

    phase: str
    node: int
    edge: int | None
    grad: float
    text: str


def _g(v: float) -> str:
    return f"{v:.4g}".replace("-", "−")


def _scalar(a: Any, what: str) -> float:
    a = np.asarray(a)
    if a.size != 1:
        raise SteepestError(f"backprop: {what} has shape {a.shape}; the animation draws graphs "
                            "of scalars (use backprop_network for a network's layers)")
    return float(a.reshape(-1)[0])


def tensor_graph(out: Any, names: Mapping[Any, str] | None = None) -> BackpropGraph:
    """The :class:`BackpropGraph` of the scalar Tensor ``out`` and everything it was computed
    from (inputs that require grad). Gradients come from one backward pass (``.grad`` of the
    tensors is left untouched), local derivatives from each op's vjp with upstream 1."""
    from ..autodiff.tensor import backprop as chain_rule
    from ..autodiff.tensor import topological_order
    from ..plot.graph import graph_layout
    if not getattr(out, "requires_grad", False):
        raise SteepestError("backprop: out must be a Tensor computed from inputs with "
                            "requires_grad=True")
    nodes = _first_use_order(topological_order(out))
    for t in nodes:
        _scalar(t.data, f"node {t.op or 'input'!r}")
    grads = chain_rule(out, np.ones_like(out.data), keep_intermediate=True)
    where = {id(t): i for i, t in enumerate(nodes)}
    labels = {id(k): v for k, v in (names or {}).items()}
    names_ = tuple(labels.get(id(t), t.op or "input") for t in nodes)
    edges, local, why = [], [], []
    for i, t in enumerate(nodes):
        args = tuple(p.data for p in t.parents)
        for k, (p, vjp) in enumerate(zip(t.parents, t._vjps or ())):
            if id(p) in where:
                edges.append((where[id(p)], i))
                local.append(_scalar(vjp(np.ones_like(t.data), t.data, *args), "a vjp"))
                others = [names_[where[id(q)]] if id(q) in where else _g(_scalar(q.data, "x"))
                          for j, q in enumerate(t.parents) if j != k]
                why.append(_why(t.op, k, others, names_[i]))
    listing = _Listing.of(nodes, where)
    return BackpropGraph(names_, tuple(t.op for t in nodes),
                         tuple(_formula(t.op, [names_[j] for j in n.parents])
                               for t, n in zip(nodes, listing)),
                         np.array([_scalar(t.data, "a node") for t in nodes]),
                         np.array([_scalar(grads[t], "a gradient") for t in nodes]),
                         tuple(edges), np.array(local), graph_layout(listing), tuple(why))


def _why(op: str, k: int, others: Sequence[str], out: str) -> str:
    """How the local derivative of ``out = op(…)`` with respect to its ``k``-th input reads."""
    known = {"tanh": f"1 − {out}²", "exp": out, "sigmoid": f"{out}(1 − {out})",
             "relu": "1 where the input is positive, else 0", "neg": "−1"}
    if op in known:
        return known[op]
    if op == "mul" and len(others) == 1:
        return f"{others[0]} (the other factor)"
    if op == "add":
        return "1 (a sum passes its gradient on unchanged)"
    if op == "sub":
        return "1" if k == 0 else "−1"
    return f"{op}′ at this input (its vjp)"


def _formula(op: str, parents: Sequence[str]) -> str:
    if not op:
        return "input"
    symbol = {"add": "+", "mul": "×", "sub": "−", "div": "/"}.get(op)
    if symbol and len(parents) == 2:
        return f" {symbol} ".join(parents)
    return f"{op}({', '.join(parents)})"


def _first_use_order(nodes: Sequence[Any]) -> list[Any]:
    """Inputs in the order the ops first use them (a, b before c in (a·b + c)·f), then ops."""
    ops = [t for t in nodes if t.parents]
    inputs = {id(t): t for t in nodes if not t.parents}
    seen: dict[int, Any] = {}
    for t in ops:
        for p in t.parents:
            if id(p) in inputs:
                seen.setdefault(id(p), p)
    return [*seen.values(), *ops]


@dataclass(frozen=True)
class _Listing:
    """What :func:`steepest.plot.graph.graph_layout` reads of a node: its parents' positions."""

    parents: tuple[int, ...]

    @classmethod
    def of(cls, nodes: Sequence[Any], where: Mapping[int, int]) -> list[_Listing]:
        return [cls(tuple(where[id(p)] for p in t.parents if id(p) in where)) for t in nodes]


def network_graph(net: Any, x: Any, y: float) -> BackpropGraph:
    """The neuron-level :class:`BackpropGraph` of the MLP ``net`` on one sample ``x`` with
    target ``y`` and loss L = (ŷ − y)²: a node per input and per neuron (its activation a),
    an edge per weight with ∂a_child/∂a_parent = σ'(z)·w from the layer's Jacobian."""
    from ..autodiff import jacobian
    from ..autodiff.tensor import Tensor
    from ..autodiff.tensor import backprop as chain_rule
    layers = list(net.layers)
    acts = [Tensor(np.asarray(x, float).reshape(1, -1), requires_grad=True)]
    for layer in layers:
        acts.append(layer(acts[-1]))
    if acts[-1].size != 1:
        raise SteepestError(f"backprop_network: the net must have one output, got "
                            f"{acts[-1].size}")
    loss = ((acts[-1].reshape(-1) - float(y)) ** 2).sum()
    grads = chain_rule(loss, np.ones_like(loss.data), keep_intermediate=True)
    sizes = [a.size for a in acts]
    first = np.cumsum([0, *sizes])
    edges, local, why = [], [], []
    for k, layer in enumerate(layers):
        J = jacobian(layer)(acts[k].data).reshape(sizes[k + 1], sizes[k])
        slope = _activation_slope(layer, acts[k].data)
        name = layer.activation or "linear"
        for j in range(sizes[k + 1]):
            for i in range(sizes[k]):
                edges.append((int(first[k] + i), int(first[k + 1] + j)))
                local.append(J[j, i])
                w = float(layer.weight.data[j, i])
                why.append(f"w = {_g(w)}" if layer.activation is None else
                           f"{name}′(z)·w = {_g(slope[j])} × {_g(w)}")
    yhat = float(acts[-1].data.ravel()[0])
    edges.append((int(first[-1] - 1), int(first[-1])))  # ŷ → L: ∂L/∂ŷ = 2(ŷ − y)
    local.append(2 * (yhat - float(y)))
    why.append(f"2(ŷ − y) = 2 × ({_g(yhat)} − {_g(float(y))})")
    values = [*np.concatenate([a.data.ravel() for a in acts]), float(loss.data)]
    grad = [*np.concatenate([grads[a].ravel() for a in acts]), 1.0]
    ops = _network_ops(net, sizes)
    return BackpropGraph(_network_names(sizes), ops, _network_formulas(ops, sizes),
                         np.array(values),
                         np.array(grad), tuple(edges), np.array(local),
                         _network_layout([*sizes, 1]), tuple(why))


def _activation_slope(layer: Any, a: np.ndarray) -> np.ndarray:
    """σ'(z) of each neuron of ``layer`` at input ``a`` (z = a·Wᵀ + b), by autodiff."""
    from ..autodiff import grad
    from ..autodiff.tensor import Tensor
    from ..nn.activations import get_activation
    z = (np.asarray(a) @ np.asarray(layer.weight.data).T + layer.bias.data).ravel()
    act = get_activation(layer.activation)
    return np.asarray(grad(lambda t: act(t).sum())(Tensor(z)), float)


def _network_names(sizes: Sequence[int]) -> tuple[str, ...]:
    names = [f"$x_{i + 1}$" for i in range(sizes[0])]
    for k, n in enumerate(sizes[1:-1]):
        names += [f"$h^{{{k + 1}}}_{j + 1}$" for j in range(n)]
    return (*names, r"$\hat y$", "$L$")


def _network_ops(net: Any, sizes: Sequence[int]) -> tuple[str, ...]:
    ops = [""] * sizes[0]
    for layer, n in zip(net.layers, sizes[1:]):
        ops += [layer.activation or "linear"] * n
    return (*ops, "(ŷ − y)²")


def _network_formulas(ops: Sequence[str], sizes: Sequence[int]) -> tuple[str, ...]:
    """Each neuron's formula over the layer before it (x for the first layer, h after)."""
    out = []
    for i, op in enumerate(ops):
        below = "x" if i < sizes[0] + sizes[1] else "h"
        z = f"Σ w·{below} + b"
        out.append("input" if not op else op if op.startswith("(") else
                   z if op == "linear" else f"{op}({z})")
    return tuple(out)


def _network_layout(sizes: Sequence[int]) -> np.ndarray:
    return np.array([(c, (n - 1) / 2 - r) for c, n in enumerate(sizes) for r in range(n)],
                    dtype=float)


def steps(graph: BackpropGraph) -> list[Step]:
    """The frames: every node's value in forward order, the seed ∂L/∂L = 1, then each edge
    crossed backward (children output-first, so a child's gradient is complete when it is
    passed on), its parent's gradient accumulated by ∂L/∂child · ∂child/∂parent."""
    out: list[Step] = []
    for i, name in enumerate(graph.names):
        how = "an input" if not graph.ops[i] else f"{_plain(graph.formulas[i])}"
        out.append(Step("forward", i, None, np.nan, f"forward: {_plain(name)} = "
                        f"{_g(graph.values[i])}   ({how})"))
    acc = np.zeros(len(graph.names))
    acc[graph.output] = 1.0
    out.append(Step("backward", graph.output, None, 1.0,
                    f"backward starts at the output: ∂{_plain(graph.names[-1])}/∂"
                    f"{_plain(graph.names[-1])} = 1"))
    by_child: dict[int, list[int]] = {}
    for e, (_, c) in enumerate(graph.edges):
        by_child.setdefault(c, []).append(e)
    for c in sorted(by_child, reverse=True):
        for e in by_child[c]:
            p = graph.edges[e][0]
            acc[p] += acc[c] * graph.local[e]
            out.append(Step("backward", p, e, float(acc[p]), _edge_text(graph, e, acc)))
    return out


_SUP, _SUB = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"), str.maketrans("0123456789",
                                                                        "₀₁₂₃₄₅₆₇₈₉")


def _plain(name: str) -> str:
    """A mathtext label as plain text for the caption line: $h^{1}_{2}$ → h¹₂, $\\hat y$ → ŷ."""
    name = re.sub(r"\^\{?(\d+)\}?", lambda m: m.group(1).translate(_SUP), name)
    name = re.sub(r"_\{?(\d+)\}?", lambda m: m.group(1).translate(_SUB), name)
    return name.replace("$", "").replace(r"\hat y", "ŷ")


def _edge_text(graph: BackpropGraph, e: int, acc: np.ndarray) -> str:
    p, c = graph.edges[e]
    P, C = _plain(graph.names[p]), _plain(graph.names[c])
    L = _plain(graph.names[graph.output])
    why = f"\nlocal derivative ∂{C}/∂{P} = {graph.why[e]}" if graph.why else ""
    return (f"∂{L}/∂{P} += ∂{L}/∂{C} · ∂{C}/∂{P} = {_g(acc[c])} × {_g(graph.local[e])}"
            f"   →   ∂{L}/∂{P} = {_g(acc[p])}{why}")


def _figure(graph: BackpropGraph, figsize: tuple[float, float] | None, dpi: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    span = np.ptp(graph.positions, axis=0)
    if figsize is None:
        figsize = (min(11.0, 2.2 * span[0] + 2.4), 1.25 * span[1] + 2.2)
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.14, 0.98, 0.8))
    ax.set_axis_off()
    lo, hi = graph.positions.min(0), graph.positions.max(0)
    ax.set_xlim(lo[0] - 0.55, hi[0] + 0.55)
    ax.set_ylim(lo[1] - 0.75, hi[1] + 0.45)
    return fig, ax


def _draw_static(ax: Any, graph: BackpropGraph) -> list[Any]:
    """Edges in grey and a box per node with its name (and op); returns the boxes."""
    pos = graph.positions
    for p, c in graph.edges:
        ax.plot(*zip(pos[p], pos[c]), color="0.75", lw=1, zorder=1)
    boxes = []
    for i, name in enumerate(graph.names):
        leaf = graph.ops[i] == ""
        color = "#c6dbef" if leaf else ("#fdd0a2" if i == graph.output else "#f0f0f0")
        label = name if leaf or not graph.ops[i] else f"{name} {_op_label(graph.ops[i])}"
        boxes.append(ax.text(*pos[i], label, ha="center", va="center", fontsize=12, zorder=3,
                             bbox={"boxstyle": "round,pad=0.35", "fc": color, "ec": "k",
                                   "lw": 1}))
    return boxes


def _op_label(op: str) -> str:
    return {"add": "+", "mul": "×", "sub": "−", "pow": "^", "neg": "−x"}.get(op, op)


def _animate(graph: BackpropGraph, title: str, fps: float, figsize: Any, dpi: float,
             progress: bool) -> Animation:
    fig, ax = _figure(graph, figsize, dpi)
    boxes = _draw_static(ax, graph)
    half = _box_sizes(fig, ax, boxes)
    fig.suptitle(title, fontsize=13, y=0.985)
    pos, frames = graph.positions, steps(graph)
    kw = {"ha": "center", "va": "top", "fontsize": 10.5, "zorder": 4, "animated": True,
          "bbox": {"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.85}}
    values = [ax.text(x, y - half[i, 1] - 0.04, "", color=_VALUE, **kw)
              for i, (x, y) in enumerate(pos)]
    grads = [ax.text(x, y - half[i, 1] - 0.26, "", color=_GRAD, **kw)
             for i, (x, y) in enumerate(pos)]
    hot, = ax.plot([], [], color=_HOT, lw=3.5, zorder=2, animated=True)
    local = ax.text(0, 0, "", ha="center", va="center", fontsize=10, zorder=5, animated=True,
                    bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": _HOT})
    caption = fig.text(0.5, 0.03, "", ha="center", va="bottom", fontsize=11.5, animated=True)
    spots = _label_spots(fig, graph, local, boxes, values, grads)

    def update(k: int) -> list[Any]:
        step = frames[k]
        for i, (v, g) in enumerate(_state(graph, frames, k)):
            values[i].set_text("" if v is None else f"value {_g(v)}")
            grads[i].set_text("" if g is None else f"grad {_g(g)}")
            # the number this frame changes, in bold
            values[i].set_fontweight("bold" if step.phase == "forward" and i == step.node
                                     else "normal")
            grads[i].set_fontweight("bold" if step.phase == "backward" and i == step.node
                                    else "normal")
        hot.set_data(*_hot_path(graph, step, half))
        local.set_text("" if step.edge is None else _local_label(graph, step.edge))
        if step.edge is not None:
            local.set_position(spots[step.edge])
        caption.set_text(step.text)
        return [hot, *[t for t in (*values, *grads) if t.get_text()], local, caption]

    return Animation(fig, update, list(range(len(frames))),
                     animated=[*values, *grads, hot, local, caption], fps=fps, progress=progress,
                     data={"graph": graph, "steps": frames})


def _label_spots(fig: Any, graph: BackpropGraph, local: Any, boxes: Sequence[Any],
                 values: Sequence[Any], grads: Sequence[Any]) -> np.ndarray:
    """Where each edge's label goes: the point along the edge (from its middle outward, then
    just above or below it) where it covers the fewest node boxes and value/gradient texts
    (all shown, as at the end)."""
    renderer = fig.canvas.get_renderer()
    for i, (v, g) in enumerate(zip(values, grads)):
        v.set_text(f"value {_g(graph.values[i])}")
        g.set_text(f"grad {_g(graph.grads[i])}")
    taken = [b.get_bbox_patch().get_window_extent(renderer) for b in boxes]
    taken += [t.get_window_extent(renderer) for t in (*values, *grads)]
    spots = []
    for e, (p, c) in enumerate(graph.edges):
        local.set_text(_local_label(graph, e))
        costs = []  # (texts covered, rank, place): on the edge first, nearest its middle
        for rank, (t, dy) in enumerate((t, dy) for dy in (0.0, 0.18, -0.18, 0.3, -0.3)
                                       for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)):
            xy = (1 - t) * graph.positions[p] + t * graph.positions[c] + (0.0, dy)
            local.set_position(xy)
            box = local.get_window_extent(renderer).padded(2)
            costs.append((sum(box.overlaps(b) for b in taken), rank, tuple(xy)))
        spots.append(min(costs)[2])
    for text in (*values, *grads, local):
        text.set_text("")
    return np.array(spots)


def _box_sizes(fig: Any, ax: Any, boxes: Sequence[Any]) -> np.ndarray:
    """Half the width and height of each node's box, in data units."""
    fig.canvas.draw()  # the boxes take their size when drawn
    renderer = fig.canvas.get_renderer()
    inverse = ax.transData.inverted()
    out = []
    for b in boxes:
        ext = b.get_bbox_patch().get_window_extent(renderer)
        (x0, y0), (x1, y1) = inverse.transform([[ext.x0, ext.y0], [ext.x1, ext.y1]])
        out.append(((x1 - x0) / 2, (y1 - y0) / 2))
    return np.array(out)


def _local_label(graph: BackpropGraph, e: int) -> str:
    p, c = graph.edges[e]
    return f"∂{graph.names[c]}/∂{graph.names[p]} = {_g(graph.local[e])}"


def _state(graph: BackpropGraph, frames: Sequence[Step], k: int
           ) -> list[tuple[float | None, float | None]]:
    """(value, gradient so far) per node after frame ``k`` (None: not reached yet)."""
    vals: list[float | None] = [None] * len(graph.names)
    grads: list[float | None] = [None] * len(graph.names)
    for s in frames[:k + 1]:
        if s.phase == "forward":
            vals[s.node] = float(graph.values[s.node])
        else:
            grads[s.node] = s.grad
    return list(zip(vals, grads))


def _hot_path(graph: BackpropGraph, step: Step, half: np.ndarray
              ) -> tuple[list[float], list[float]]:
    """The edge being crossed, or in the forward phase the edges into the node, each from box
    edge to box edge."""
    if step.edge is not None:
        edges = [graph.edges[step.edge]]
    elif step.phase == "forward":
        edges = [e for e in graph.edges if e[1] == step.node]
    else:
        edges = []
    xs: list[float] = []
    ys: list[float] = []
    for p, c in edges:
        a, b = graph.positions[p], graph.positions[c]
        d = b - a
        with np.errstate(divide="ignore"):
            ta, tb = (float(np.min(half[n] / np.abs(d))) for n in (p, c))
        a, b = a + ta * d, b - tb * d
        xs += [a[0], b[0], np.nan]
        ys += [a[1], b[1], np.nan]
    return xs, ys


def backprop(out: Any, *, names: Mapping[Any, str] | None = None, fps: float = 1.5,
             figsize: tuple[float, float] | None = None, dpi: float = 100,
             title: str | None = None, progress: bool = False) -> Animation:
    """The computation graph of the scalar Tensor ``out`` with its forward pass (one node's
    value per frame) and its backward pass (one edge per frame: the local derivative on it,
    the gradient accumulating at the node it reaches). ``names`` maps Tensors to labels.
    ``.graph`` and ``.steps`` hold the numbers drawn.

    >>> import steepest as st
    >>> a, b = st.tensor(2.0, requires_grad=True), st.tensor(-3.0, requires_grad=True)
    >>> anim = st.animate.backprop(a * b + a, progress=False)
    >>> len(anim), anim.graph.grads.tolist()
    (9, [-2.0, 2.0, 1.0, 1.0])
    """
    graph = tensor_graph(out, names)
    return _animate(graph, title or "backpropagation: ∂L/∂parent += ∂L/∂child · ∂child/∂parent",
                    fps, figsize, dpi, progress)


def backprop_network(net: Any, x: Any, y: float, *, fps: float = 2, dpi: float = 100,
                     figsize: tuple[float, float] | None = None, title: str | None = None,
                     progress: bool = False) -> Animation:
    """Backpropagation through the MLP ``net`` on one sample (``x``, target ``y``), loss
    L = (ŷ − y)²: activations fill in neuron by neuron, then the chain rule crosses every
    weight's edge backward (local derivative ∂a_child/∂a_parent = σ'(z)·w), summing at each
    neuron ∂L/∂a = Σ over its outgoing edges. ``.graph``/``.steps`` hold the numbers."""
    graph = network_graph(net, x, y)
    arch = " → ".join(str(n) for n in [net.nin, *net.nouts])
    return _animate(graph, title or f"backpropagation through the {arch} network, one sample",
                    fps, figsize or (10.5, 5.6), dpi, progress)
