"""Models with their data: the fitted line at a chosen step, the decision boundary of a 2-D
classifier, and the diagram of a multi-layer perceptron."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import Display, new_axes, path_of, to_numpy


def center_axes(ax: Any) -> None:
    """Spines through the origin (the lecture's ``centerAxes``); the origin is labelled once
    (the y axis's 0), not twice side by side."""
    from matplotlib.ticker import FuncFormatter
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: "" if v == 0 else f"{v:g}".replace("-", "\N{MINUS SIGN}")))
    ax.spines["left"].set_position("zero")
    ax.spines["bottom"].set_position("zero")
    ax.spines["right"].set_color("none")
    ax.spines["top"].set_color("none")
    ax.xaxis.set_ticks_position("bottom")
    ax.yaxis.set_ticks_position("left")


@dataclass(repr=False, eq=False)
class LineFitDisplay(Display):
    """Data and a fitted line ready to draw: inputs ``.x`` and targets ``.y``, ``.beta`` the
    (β₀, β₁) drawn, ``.step`` its index among ``.n_steps`` recorded, ``.truth`` the line the data
    was drawn around (or None). After :meth:`plot`: ``.ax``, ``.points`` (the data Line2D),
    ``.line`` (the fitted line)."""

    x: np.ndarray
    y: np.ndarray
    beta: np.ndarray
    step: int = 0
    n_steps: int = 1
    truth: np.ndarray | None = None
    points: Any = field(default=None, init=False)
    line: Any = field(default=None, init=False)

    @classmethod
    def from_fit(cls, x: Any, y: Any, beta: Any, *, step: int = -1,
                 truth: Any = None) -> LineFitDisplay:
        """``x`` raw inputs or the design matrix [1, x]; ``beta`` (β₀, β₁), a Result or an
        array of β per step, taken at ``step``."""
        x = to_numpy(x)
        if x.ndim == 2:
            if x.shape[1] != 2:
                raise ValueError(f"x must be 1-D inputs or a design matrix [1, x] of shape "
                                 f"(n, 2), got shape {x.shape}")
            x = x[:, 1]
        y = to_numpy(y).ravel()
        if x.shape != y.shape:
            raise ValueError(f"x and y must have the same length, got {x.shape} and {y.shape}")
        B = path_of(beta, "beta")
        if B.shape[1] != 2:
            raise ValueError(f"beta must hold (β₀, β₁), got {B.shape[1]} parameters")
        idx = step if step >= 0 else B.shape[0] + step
        if not 0 <= idx < B.shape[0]:
            raise ValueError(f"step {step} is out of range for {B.shape[0]} recorded steps")
        t = None if truth is None else np.asarray(truth, float)
        return cls(x, y, B[idx], idx, B.shape[0], t)

    def plot(self, ax: Any = None, *, centered: bool = True,
             equation: bool = True) -> LineFitDisplay:
        """Draw on ``ax`` (new if None): the data as red dots, the line (its equation in the
        legend when ``equation``), the true line dashed; ``centered`` puts the spines through
        the origin, as the lecture does."""
        ax = self.ax = new_axes(ax, figsize=(6, 6))
        x, y, b, t = self.x, self.y, self.beta, self.truth
        (self.points,) = ax.plot(x, y, "ro", ms=9, label="data")
        pad = 0.08 * (x.max() - x.min() + 1e-12)
        xs = np.array([x.min() - pad, x.max() + pad])
        if t is not None:
            ax.plot(xs, t[0] + t[1] * xs, "--", color="0.5", lw=1.2, label="true line")
        (self.line,) = ax.plot(xs, b[0] + b[1] * xs, "b-", lw=2,
                               label=rf"$y = {b[0]:.2f} {'+' if b[1] >= 0 else '-'} "
                                     rf"{abs(b[1]):.2f}x$")
        ends = [b[0] + b[1] * xs] + ([t[0] + t[1] * xs] if t is not None else [])
        lo = min(y.min(), *(e.min() for e in ends))  # every line drawn stays in the frame
        hi = max(y.max(), *(e.max() for e in ends))
        span = hi - lo
        ax.set_ylim(min(lo - 0.1 * span, -0.05 * span), max(hi + 0.1 * span, 0.05 * span))
        if centered:
            center_axes(ax)
        if equation:
            ax.legend(loc="upper left", fontsize=11)
        if self.n_steps > 1:
            ax.set_title(f"step {self.step}", fontsize=13)
        return self


def fitted_line(x: Any, y: Any, beta: Any, *, step: int = -1, ax: Any = None,
                centered: bool = True, equation: bool = True, truth: Any = None
                ) -> LineFitDisplay:
    r"""The data as red dots and the line y = β₀ + β₁x. ``x`` is the raw inputs or the design
    matrix [1, x]; ``beta`` is (β₀, β₁), a Result or an array of β per step, drawn at ``step``.
    ``centered`` puts the spines through the origin, as the lecture does; ``truth`` adds the
    line the data was drawn around (dashed)."""
    return LineFitDisplay.from_fit(x, y, beta, step=step, truth=truth).plot(
        ax, centered=centered, equation=equation)


# ------------------------------------------------------------------------------ classifiers

_CLASS_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple")


def predict_scores(model: Any, points: np.ndarray) -> np.ndarray:
    """``model`` on points (N, 2), under ``no_grad``: (N,) scores for a binary model (logits or
    probabilities, shape (N,) or (N, 1); ``predict_proba``'s positive column), or (N, k)
    class scores for k ≥ 2 classes."""
    from ..autodiff import no_grad
    with no_grad(), np.errstate(all="ignore"):
        fn = getattr(model, "predict_proba", None) or getattr(model, "decision_function", None)
        out = to_numpy(fn(points) if fn is not None else model(points))
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.ndim == 2 and out.shape[1] == 2 and hasattr(model, "predict_proba"):
        out = out[:, 1]
    if out.shape[0] != points.shape[0]:
        raise ValueError(f"model returned shape {out.shape} for {points.shape[0]} points")
    return out


@dataclass(repr=False, eq=False)
class BoundaryDisplay(Display):
    """A classifier over the plane, ready to draw: the grid ``.xx, .yy``, the model's
    ``.scores`` there (n, n) or (n, n, k), ``.threshold`` (None: 0.5 for outputs in [0, 1],
    else 0; the value used once drawn), the data ``.X`` (N, 2) and ``.y``, axis ``.labels``,
    ``.title``. After :meth:`plot`: ``.ax``, ``.image`` (the shaded scores), ``.boundary`` (the
    contour at the threshold, or None), ``.scatter`` (one collection per class)."""

    xx: np.ndarray
    yy: np.ndarray
    scores: np.ndarray
    X: np.ndarray
    y: np.ndarray
    threshold: float | None = None
    labels: Sequence[str] = ("$x_1$", "$x_2$")
    title: str | None = None
    image: Any = field(default=None, init=False)
    boundary: Any = field(default=None, init=False)
    scatter: list[Any] = field(default_factory=list, init=False)

    @classmethod
    def from_model(cls, model: Any, X: Any, y: Any, *, n: int = 200,
                   threshold: float | None = None, pad: float = 0.5,
                   labels: Sequence[str] = ("$x_1$", "$x_2$"),
                   title: str | None = None) -> BoundaryDisplay:
        """``model`` (an MLP, a callable on (N, 2) arrays, or an estimator with
        ``predict_proba``) on an ``n × n`` grid over the data's box widened by ``pad``."""
        X = to_numpy(X)
        y = to_numpy(y).ravel()
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"X must have shape (N, 2) for a decision boundary, got {X.shape}")
        x0, x1 = X[:, 0].min() - pad, X[:, 0].max() + pad
        y0, y1 = X[:, 1].min() - pad, X[:, 1].max() + pad
        xx, yy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
        scores = predict_scores(model, np.column_stack([xx.ravel(), yy.ravel()]))
        return cls(xx, yy, scores.reshape(xx.shape + scores.shape[1:]), X, y, threshold,
                   labels, title)

    def plot(self, ax: Any = None, *, cmap: str = "RdBu_r") -> BoundaryDisplay:
        """Draw on ``ax`` (new if None): the scores shaded (pastel, so the points stand out)
        with the boundary in black, or for k ≥ 2 outputs the regions of the predicted class;
        the data coloured and shaped by class."""
        ax = self.ax = new_axes(ax, figsize=(6, 5.5))
        self.image = self.boundary = None
        self.shade(self.scores, cmap=cmap)
        markers = ["o", "s", "^", "D", "v"]
        self.scatter = [ax.scatter(self.X[self.y == c, 0], self.X[self.y == c, 1], s=22,
                                   c=_CLASS_COLORS[i % 5], marker=markers[i % 5],
                                   edgecolors="k", linewidths=0.5, label=f"class {c:g}",
                                   zorder=3)
                        for i, c in enumerate(np.unique(self.y))]
        ax.set_xlim(self.xx[0, 0], self.xx[0, -1])
        ax.set_ylim(self.yy[0, 0], self.yy[-1, 0])
        ax.set_xlabel(self.labels[0], fontsize=13)
        ax.set_ylabel(self.labels[1], fontsize=13)
        ax.legend(loc="upper right", fontsize=9, framealpha=0.85)
        if self.title:
            ax.set_title(self.title, fontsize=14)
        return self

    def shade(self, scores: np.ndarray, *, cmap: str = "RdBu_r",
              animated: bool = False) -> None:
        """Shade ``scores`` (the grid's model output) on ``ax`` and draw the boundary
        contour, replacing those drawn before (an animation calls this per frame)."""
        if self.boundary is not None:
            self.boundary.remove()
        self.boundary = None
        if scores.ndim == 3:
            self._shade_classes(scores, animated)
            return
        prob = scores.min() >= 0 and scores.max() <= 1
        thr = self.threshold if self.threshold is not None else (0.5 if prob else 0.0)
        self.threshold = thr
        m = 0.5 if prob else max(float(np.abs(scores - thr).max()), 1e-12)
        vmin, vmax = thr - 1.6 * m, thr + 1.6 * m  # pastel extremes, so the points stand out
        if self.image is None:
            self.image = self.ax.imshow(scores, origin="lower", extent=self._extent(),
                                        cmap=cmap, vmin=vmin, vmax=vmax, alpha=0.8,
                                        aspect="auto", interpolation="bilinear",
                                        animated=animated)
        else:
            self.image.set_data(scores)
            self.image.set_clim(vmin, vmax)
        if scores.min() < thr < scores.max():
            self.boundary = self.ax.contour(self.xx, self.yy, scores, levels=[thr], colors="k",
                                            linewidths=2)
            self.boundary.set_animated(animated)

    def _shade_classes(self, scores: np.ndarray, animated: bool) -> None:
        """Multi-class: regions of the argmax in pale class colours, black lines where it
        changes."""
        from matplotlib.colors import ListedColormap, to_rgb
        k = scores.shape[-1]
        label = np.argmax(scores, axis=-1).astype(float)
        self.threshold = None
        if self.image is None:
            pale = [tuple(0.55 + 0.45 * np.array(to_rgb(_CLASS_COLORS[i % 5])))
                    for i in range(k)]
            self.image = self.ax.imshow(label, origin="lower", extent=self._extent(),
                                        cmap=ListedColormap(pale), vmin=-0.5, vmax=k - 0.5,
                                        aspect="auto", interpolation="nearest",
                                        animated=animated)
        else:
            self.image.set_data(label)
        if label.min() < label.max():
            self.boundary = self.ax.contour(self.xx, self.yy, label,
                                            levels=np.arange(k - 1) + 0.5, colors="k",
                                            linewidths=1.5)
            self.boundary.set_animated(animated)

    def _extent(self) -> tuple[float, float, float, float]:
        return (self.xx[0, 0], self.xx[0, -1], self.yy[0, 0], self.yy[-1, 0])


def decision_boundary(model: Any, X: Any, y: Any, *, ax: Any = None, n: int = 200,
                      threshold: float | None = None, pad: float = 0.5,
                      cmap: str = "RdBu_r", title: str | None = None,
                      labels: Sequence[str] = ("$x_1$", "$x_2$")) -> BoundaryDisplay:
    """A 2-D classifier's output shaded over the plane, its decision boundary (the contour at
    ``threshold``: 0.5 for outputs in [0, 1], else 0 for logits) and the data coloured by class.
    With k ≥ 2 outputs per point, the plane is coloured by the predicted class (argmax) and the
    boundaries are where it changes. ``model``: an MLP, any callable on (N, 2) arrays, or an
    estimator with ``predict_proba``."""
    return BoundaryDisplay.from_model(model, X, y, n=n, threshold=threshold, pad=pad,
                                      labels=labels, title=title).plot(ax, cmap=cmap)


# ---------------------------------------------------------------------------- network diagram

def layer_weights(model: Any) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """[(W (nout, nin), b or None), …] from an MLP (``.layers`` of Linear with ``.weight`` and
    ``.bias``), a list of Linear layers, a list of weight matrices, or a torch ``nn.Sequential``."""
    layers = getattr(model, "layers", None)
    if layers is None and hasattr(model, "children") and callable(model.children):
        layers = [m for m in model.modules() if hasattr(m, "weight") and m.weight is not None
                  and np.ndim(to_numpy(m.weight)) == 2]
    if layers is None:
        layers = list(model)
    out = []
    for i, layer in enumerate(layers):
        if hasattr(layer, "weight"):
            W = to_numpy(layer.weight)
            bias = getattr(layer, "bias", None)
            out.append((W, None if bias is None else to_numpy(bias).ravel()))
        else:
            W = to_numpy(layer)
            if W.ndim != 2:
                raise ValueError(f"layer {i}: expected a weight matrix (nout, nin), got shape "
                                 f"{W.shape}")
            out.append((W, None))
    for i in range(1, len(out)):
        if out[i][0].shape[1] != out[i - 1][0].shape[0]:
            raise ValueError(f"layer {i} takes {out[i][0].shape[1]} inputs but layer {i - 1} "
                             f"has {out[i - 1][0].shape[0]} outputs")
    if not out:
        raise ValueError("the model has no layers with weights")
    return out


@dataclass(repr=False, eq=False)
class NetworkDisplay(Display):
    """An MLP's diagram ready to draw: ``.layers`` [(W (nout, nin), b or None), …],
    ``.sizes`` (neurons per layer, input first), ``.positions`` [(k, 2) per layer],
    ``.segments`` (one (2, 2) edge per weight) and ``.weights`` (the weight of each edge, in
    drawing order). After :meth:`plot`: ``.ax``, ``.edges`` (LineCollection), ``.nodes``
    [PathCollection]."""

    layers: list[tuple[np.ndarray, np.ndarray | None]]
    sizes: list[int]
    positions: list[np.ndarray]
    segments: np.ndarray
    weights: np.ndarray
    edges: Any = field(default=None, init=False)
    nodes: list[Any] = field(default_factory=list, init=False)

    @classmethod
    def from_model(cls, model: Any) -> NetworkDisplay:
        """The layers of ``model`` (see :func:`layer_weights`), one column of neurons per
        layer, an edge per weight."""
        layers = layer_weights(model)
        sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers]
        positions = [np.column_stack([np.full(n, float(i)), (n - 1) / 2 - np.arange(n)])
                     for i, n in enumerate(sizes)]
        segs, ws = [], []
        for i, (W, _) in enumerate(layers):
            for o in range(W.shape[0]):
                for j in range(W.shape[1]):
                    segs.append([positions[i][j], positions[i + 1][o]])
                    ws.append(W[o, j])
        return cls(layers, sizes, positions, np.asarray(segs, dtype=float),
                   np.asarray(ws, dtype=float))

    def plot(self, ax: Any = None, *, input_labels: Sequence[str] | None = None,
             output_labels: Sequence[str] | None = None, max_width: float = 5.0,
             show_bias: bool = False, title: str | None = None) -> NetworkDisplay:
        """Draw on ``ax`` (new if None): each weight an edge coloured by its sign (red > 0,
        blue < 0), width ∝ |w| up to ``max_width``; ``show_bias`` writes each neuron's bias
        in it; ``input_labels``/``output_labels`` name the outer neurons."""
        from matplotlib.collections import LineCollection
        sizes, ws = self.sizes, self.weights
        # compact, with large text: readable (≥ 10 px) when shown half a page wide
        ax = self.ax = new_axes(ax, figsize=(1.5 * len(sizes) + 1.2, 0.8 * max(sizes) + 1.8))
        wmax = float(np.abs(ws).max()) or 1.0
        colors = np.where(ws[:, None] >= 0, np.array([[0.84, 0.15, 0.16, 1.0]]),
                          np.array([[0.12, 0.47, 0.71, 1.0]]))
        colors[:, 3] = 0.35 + 0.65 * np.abs(ws) / wmax
        self.edges = LineCollection(list(self.segments), colors=colors,
                                    linewidths=0.3 + max_width * np.abs(ws) / wmax, zorder=1)
        ax.add_collection(self.edges)
        self._neurons(ax, show_bias)
        names = ["input"] + [f"hidden {i}" for i in range(1, len(sizes) - 1)] + ["output"]
        for i, name in enumerate(names):
            ax.text(i, (max(sizes) - 1) / 2 + 0.9, f"{name}\n({sizes[i]})", ha="center",
                    va="bottom", fontsize=12)
        for lbls, layer, side in ((input_labels, 0, "right"), (output_labels, -1, "left")):
            for (px, py), text in zip(self.positions[layer], lbls or ()):
                ax.text(px + (-0.3 if side == "right" else 0.3), py, text, ha=side,
                        va="center", fontsize=13)
        ax.set_xlim(-0.8, len(sizes) - 0.2)
        ax.set_ylim(-(max(sizes) - 1) / 2 - 0.8, (max(sizes) - 1) / 2 + 1.9)
        ax.set_axis_off()
        from matplotlib.lines import Line2D
        ax.legend(handles=[Line2D([], [], color="tab:red", lw=3, label="w > 0"),
                           Line2D([], [], color="tab:blue", lw=3, label="w < 0")],
                  loc="lower center", ncol=2, fontsize=12, frameon=False,
                  bbox_to_anchor=(0.5, -0.02))
        if title:
            ax.set_title(title, fontsize=14)
        return self

    def _neurons(self, ax: Any, show_bias: bool) -> None:
        """One circle per neuron: inputs blue, outputs orange, hidden grey; biases inside."""
        self.nodes = []
        last = len(self.positions) - 1
        for i, P in enumerate(self.positions):
            face = "#c6dbef" if i == 0 else ("#fdd0a2" if i == last else "#e5e5e5")
            self.nodes.append(ax.scatter(P[:, 0], P[:, 1], s=900, c=face, edgecolors="k",
                                         linewidths=1.2, zorder=3))
            bias = self.layers[i - 1][1] if i > 0 else None
            if show_bias and bias is not None:
                for (px, py), bv in zip(P, bias):
                    ax.text(px, py, f"{bv:+.2f}", ha="center", va="center", fontsize=10,
                            zorder=4)


def network_diagram(model: Any, *, ax: Any = None, input_labels: Sequence[str] | None = None,
                    output_labels: Sequence[str] | None = None, max_width: float = 5.0,
                    show_bias: bool = False, title: str | None = None) -> NetworkDisplay:
    """The classic neuron-layer picture of an MLP: input layer, hidden layers, output layer, each
    weight an edge coloured by its sign (red > 0, blue < 0) with width ∝ |w|. ``model``: an MLP
    (``.layers`` of Linear with ``.weight`` (nout, nin)), a list of weight matrices, or a torch
    Sequential. ``show_bias`` writes each neuron's bias inside it."""
    return NetworkDisplay.from_model(model).plot(
        ax, input_labels=input_labels, output_labels=output_labels, max_width=max_width,
        show_bias=show_bias, title=title)
