"""The computation graph of a Tensor expression, drawn with matplotlib alone (micrograd's
``draw_dot`` idea without Graphviz): every node's op, value and gradient, laid out in layers from
the inputs to the output, numbered in backward order on request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import Display, new_axes


def _fmt(a: np.ndarray | None) -> str:
    if a is None:
        return "—"
    a = np.asarray(a)
    if a.size == 1:
        return f"{a.item():.4g}"
    if a.size <= 3:
        return "[" + ", ".join(f"{v:.3g}" for v in a.ravel()) + "]"
    return f"array{a.shape}"


def graph_layout(nodes: list[Any]) -> np.ndarray:
    """(x, y) for each node of ``backward_nodes(out, order="forward")``: x is the node's depth
    (longest path from an input), y spreads each layer, ordered by the mean height of the
    node's parents to limit crossings."""
    depth = np.zeros(len(nodes), dtype=int)
    for i, n in enumerate(nodes):  # forward order: parents come first
        if n.parents:
            depth[i] = 1 + max(depth[p] for p in n.parents)
    y = np.zeros(len(nodes))
    for d in range(depth.max() + 1):
        members = [i for i in range(len(nodes)) if depth[i] == d]
        key = [np.mean([y[p] for p in nodes[i].parents]) if nodes[i].parents else -i
               for i in members]
        ranked = [m for _, m in sorted(zip(key, members), key=lambda t: -t[0])]
        for r, i in enumerate(ranked):
            y[i] = (len(ranked) - 1) / 2 - r
    return np.column_stack([depth.astype(float), y])


@dataclass(repr=False, eq=False)
class GraphDisplay(Display):
    """A computation graph ready to draw: ``.nodes`` (the ``backward_nodes`` listing, forward
    order), ``.positions`` (n, 2) from :func:`graph_layout`, ``.boxes`` (each node's text: op,
    value, gradient), ``.order`` {node index: backward step} when numbered, ``.numbered``
    ("backward", "forward" or None). After :meth:`plot`: ``.ax``, ``.texts`` (one box per
    node), ``.edges`` (arrows, parent → child)."""

    nodes: list[Any]
    positions: np.ndarray
    boxes: list[str]
    order: dict[int, int]
    numbered: str | None = None
    texts: list[Any] = field(default_factory=list, init=False)
    edges: list[Any] = field(default_factory=list, init=False)

    @classmethod
    def from_tensor(cls, out: Any, *, order: str | None = None,
                    names: Mapping[Any, str] | None = None, grad: bool = True) -> GraphDisplay:
        """The graph that produced ``out``, laid out, each box's text written (arguments as
        :func:`computation_graph`)."""
        from ..autodiff import backward_nodes
        if order not in (None, "backward", "forward"):
            raise ValueError(f"order must be None, 'backward' or 'forward', got {order!r}")
        nodes = backward_nodes(out, order="forward")
        by_id = {id(k): v for k, v in (names or {}).items()}
        n = len(nodes)
        step = ({i: n - 1 - i for i in range(n)} if order == "backward" else
                {i: i for i in range(n)} if order == "forward" else {})
        boxes = []
        for i, node in enumerate(nodes):
            head = by_id.get(id(node.tensor), "")
            op = node.op or "input"
            head = f"{head} = {op}" if head and node.op else (head or op)
            if step:
                head = f"[{step[i] + 1}] {head}"
            lines = [head, f"value {_fmt(node.value)}"] + ([f"grad {_fmt(node.grad)}"]
                                                          if grad else [])
            boxes.append("\n".join(lines))
        return cls(nodes, graph_layout(nodes), boxes, step, order)

    def plot(self, ax: Any = None, *, title: str | None = None) -> GraphDisplay:
        """Draw on ``ax`` (new if None, sized to the graph): inputs blue, the output orange,
        arrows clipped to the boxes; ``title`` (default for backward numbering: what [k]
        means)."""
        pos, nodes = self.positions, self.nodes
        depth = int(pos[:, 0].max())
        height = max(int(np.sum(pos[:, 0] == d)) for d in range(depth + 1))
        # compact, with large text: readable (≥ 10 px) when shown half a page wide
        ax = self.ax = new_axes(ax, figsize=(1.8 * (depth + 1) + 0.4, 1.4 * height + 1.0))
        self.texts, self.edges = [], []
        for i, (node, box) in enumerate(zip(nodes, self.boxes)):
            color = "#c6dbef" if not node.parents else (
                "#fdd0a2" if i == len(nodes) - 1 else "#f0f0f0")
            self.texts.append(ax.text(pos[i, 0], pos[i, 1], box, ha="center", va="center",
                                      fontsize=12, family="monospace", zorder=3,
                                      bbox={"boxstyle": "round,pad=0.4", "fc": color,
                                            "ec": "k", "lw": 1}))
        for i, node in enumerate(nodes):
            for p in node.parents:
                # clipped to the two boxes, so the head lands on the child's edge at any size
                self.edges.append(ax.annotate(
                    "", xy=pos[i], xytext=pos[p], zorder=4,
                    arrowprops={"arrowstyle": "-|>", "color": "0.35", "lw": 1.2,
                                "patchA": self.texts[p].get_bbox_patch(),
                                "patchB": self.texts[i].get_bbox_patch(),
                                "shrinkA": 1, "shrinkB": 1}))
        ax.set_xlim(-0.6, depth + 0.6)
        ax.set_ylim(pos[:, 1].min() - 0.7, pos[:, 1].max() + 0.7)
        ax.set_axis_off()
        if title or self.numbered == "backward":
            ax.set_title(title or "backward pass: [k] = k-th node visited", fontsize=13)
        return self


def computation_graph(out: Any, *, ax: Any = None, order: str | None = None,
                      names: Mapping[Any, str] | None = None, grad: bool = True,
                      title: str | None = None) -> GraphDisplay:
    """Draw the graph that produced the Tensor ``out``: one box per node with its op (or
    ``input``), value and gradient (call ``out.backward(retain_grads=True)`` first to see every
    gradient), arrows from inputs to results. ``order="backward"`` numbers the boxes in the
    order backpropagation visits them (output first); ``names`` maps Tensors to labels
    (``{a: "a", w: "w"}``)."""
    return GraphDisplay.from_tensor(out, order=order, names=names, grad=grad).plot(
        ax, title=title)
