"""The network playground's computation (TensorFlow Playground's class, on steepest's engine):
a data set, a network trained by ``nn.fit`` one epoch per update on the session's model and
optimizer, and the figures — decision boundary, train/test losses, the network with its weights,
per-layer gradient norms and the sharpness against the optimizer's limit c/η.

A :class:`Trainer` belongs to one browser tab (see :class:`~.state.Sessions`); the functions
that draw take it and return plotly figure dicts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SteepestError

DATASETS = ("moons", "circles", "xor", "spirals", "blobs", "csv")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "leaky_relu", "gelu")
#: grid points per axis of the decision-boundary heatmap
BOUNDARY_GRID = 50
#: the sharpness λ_max is measured every this many epochs (exact HVPs; ~0.1–0.3 s each)
SHARPNESS_EVERY = 10
#: while training, the decision boundary is redrawn every epoch and the network and the loss
#: and gradient-norm curves every this many (a divisor of SHARPNESS_EVERY): in software-rendered
#: chromium those three cost ~130 ms to redraw, the boundary's image ~10 ms
CURVES_EVERY = 5

DEFAULTS: dict[str, Any] = {
    "dataset": "moons", "points": 500, "noise": 0.15, "layers": "8,8", "activation": "tanh",
    "optimizer": "adam", "lr": 0.03, "batch": 32, "l2": 0.0, "seed": 0, "test": 0.3}


def hidden_layers(text: Any) -> list[int]:
    """``"8,8"`` → [8, 8] (0 to 6 hidden layers of 1 to 64 units)."""
    try:
        sizes = [int(t) for t in str(text).replace(" ", "").split(",") if t]
    except ValueError:
        raise SteepestError(f"layers: expected widths like 8,8, got {text!r}") from None
    if len(sizes) > 6 or any(not 1 <= n <= 64 for n in sizes):
        raise SteepestError(f"layers: up to 6 hidden layers of 1–64 units, got {text!r}")
    return sizes


def make_data(s: dict[str, Any], upload: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: a toy set of ``points`` points with ``noise``, or the uploaded table (two
    feature columns, standardized; two label values → 0/1)."""
    from .. import datasets
    n, noise, seed = int(s["points"]), float(s["noise"]), int(s["seed"])
    name = s["dataset"]
    if name == "csv":
        return _uploaded(upload)
    makers = {"moons": lambda: datasets.moons(n, noise=noise, seed=seed),
              "circles": lambda: datasets.circles(n, noise=noise / 2, seed=seed),
              "xor": lambda: datasets.xor(n, noise=noise / 2, seed=seed),
              "spirals": lambda: datasets.spirals(n, noise=noise / 3, seed=seed),
              "blobs": lambda: datasets.blobs(n, centers=[(-1, -1), (1, 1)],
                                              cluster_std=0.4 + 2 * noise, seed=seed)}
    if name not in makers:
        raise SteepestError(f"dataset: expected one of {', '.join(DATASETS)}, got {name!r}")
    X, y = makers[name]()
    return np.asarray(X, float), np.asarray(y, float).reshape(-1)


def _uploaded(upload: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    from .uploads import classification_labels
    if upload is None:
        raise SteepestError("upload a CSV first: two feature columns, then the class label")
    X, y = np.asarray(upload[0], float), np.asarray(upload[1], float)
    if X.shape[1] != 2:
        raise SteepestError(f"the playground draws its decision boundary in the plane: the "
                            f"CSV needs 2 feature columns and the label, it has "
                            f"{X.shape[1]} feature column(s)")
    sd = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return X, classification_labels(y, "the CSV")


@dataclass
class Trainer:
    """One tab's network: the model, its optimizer, the split data and what training saw."""

    settings: dict[str, Any]
    model: Any
    optimizer: Any
    X: np.ndarray
    y: np.ndarray
    Xt: np.ndarray
    yt: np.ndarray
    epoch: int = 0
    rows: dict[str, list[float]] = field(default_factory=lambda: {
        k: [] for k in ("epoch", "loss", "test_loss", "accuracy", "test_accuracy")})
    grad_norms: list[list[float]] = field(default_factory=list)
    #: (epoch, λ_max, threshold) every SHARPNESS_EVERY epochs: λ_max(H) against c/η for GD and
    #: momentum, the preconditioned λ_max(P⁻¹H) against Adam's (2 + 2β₁)/((1 − β₁)η) for the
    #: adaptive rules (Cohen et al. 2021, 2022), measured by the ``SharpnessTracker`` ``fit``
    #: uses (warm-started Lanczos on exact HVPs)
    sharp: list[tuple[int, float, float]] = field(default_factory=list)
    tracker: Any = None
    #: every minibatch loss so far, judged across ticks by the one divergence detector with
    #: ``fit``'s levels (each ``fit`` call alone would measure from its own, later, start)
    step_loss: list[float] = field(default_factory=list)
    detector: Any = None
    status: str = "ready"
    message: str = ""

    @property
    def sharpness_name(self) -> str:
        """What the sharpness curve shows: λ_max(P⁻¹H) for adaptive rules, else λ_max."""
        return "λ_max(P⁻¹H)" if self.optimizer.adaptive else "λ_max"


def new_trainer(s: dict[str, Any], upload: tuple[np.ndarray, np.ndarray] | None = None
                ) -> Trainer:
    """A fresh network (seeded) on freshly split data, evaluated before any step."""
    from .. import nn
    from ..curvature import SharpnessTracker
    from ..datasets import train_test_split
    from ..optim import get_optimizer
    X, y = make_data(s, upload)
    X, Xt, y, yt = train_test_split(X, y, test_size=float(s["test"]), seed=int(s["seed"]))
    model = nn.MLP(2, [*hidden_layers(s["layers"]), 1], activation=s["activation"],
                   seed=int(s["seed"]))
    opt = get_optimizer(s["optimizer"], lr=float(s["lr"]))
    t = Trainer(dict(s), model, opt, X, y, Xt, yt)
    t.tracker = SharpnessTracker(model, X, y, "bce_with_logits", opt, SHARPNESS_EVERY,
                                 l2=float(s["l2"]))
    _record(t, [float("nan")] * len(model.layers))
    return t


def evaluate(t: Trainer, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The model's loss (binary cross-entropy on logits) and accuracy on ``(X, y)`` now."""
    from ..autodiff import no_grad
    from ..nn import binary_cross_entropy_with_logits
    from ..nn.training import accuracy_from
    with no_grad(), np.errstate(all="ignore"):
        out = t.model(X)
        loss = float(binary_cross_entropy_with_logits(out, y).data)
    acc = accuracy_from(binary_cross_entropy_with_logits)
    assert acc is not None
    return loss, acc(out.data, y)


def _record(t: Trainer, norms: list[float]) -> None:
    loss, acc = evaluate(t, t.X, t.y)
    test_loss, test_acc = evaluate(t, t.Xt, t.yt)
    for key, v in zip(t.rows, (t.epoch, loss, test_loss, acc, test_acc)):
        t.rows[key].append(float(v))
    t.grad_norms.append(norms)


def train(t: Trainer, epochs: int = 1) -> Trainer:
    """``epochs`` more epochs of ``nn.fit`` on the same model and optimizer (its state — Adam's
    moments, momentum — carries on), then the losses, accuracies and gradient norms."""
    from .. import nn
    if t.status == "diverged":
        return t
    s = t.settings
    last: list[float] = []

    def norms(state: Any) -> None:
        last[:] = [layer_grad_norm(layer) for layer in t.model.layers]
        t.step_loss.append(float(state.loss))

    batch = int(s["batch"]) if int(s["batch"]) < len(t.y) else None
    h = nn.fit(t.model, t.X, t.y, loss="bce_with_logits", optimizer=t.optimizer,
               epochs=epochs, batch_size=batch, l2=float(s["l2"]), observers=[norms],
               seed=int(s["seed"]) * 100_003 + t.epoch, progress=False)
    t.epoch += len(h.epoch)
    t.status, t.message = ("diverged", h.message) if h.status == "diverged" else \
        _judge(t, len(t.step_loss) - h.n_steps)
    _record(t, last or [float("nan")] * len(t.model.layers))
    if t.epoch % SHARPNESS_EVERY == 0:
        _measure_sharpness(t)
    return t


def _measure_sharpness(t: Trainer) -> None:
    """One tracker measurement at the current weights, kept as (epoch, λ, threshold)."""
    with np.errstate(all="ignore"):
        t.tracker.measure(t.optimizer.step_count)
    rows = t.tracker.rows
    lam = rows["preconditioned" if t.optimizer.adaptive else "sharpness"][-1]
    t.sharp.append((t.epoch, float(lam), float(rows["threshold"][-1])))


def _judge(t: Trainer, first: int) -> tuple[str, str]:
    """The detector's verdict on the minibatch losses from index ``first`` on."""
    from ..descent.divergence import FIT_FACTOR, FIT_GROWTH_LEVEL, MEMORY, Detector
    if t.detector is None and t.step_loss:
        t.detector = Detector(t.step_loss[0], FIT_FACTOR, FIT_GROWTH_LEVEL)
    for k in range(max(first, 0), len(t.step_loss)):
        loss = t.step_loss[k]
        verdict = t.detector.nonfinite(k, loss) if not np.isfinite(loss) else \
            t.detector.update(k, loss, lambda k=k: t.step_loss[max(0, k + 1 - MEMORY):k + 1])
        if verdict is not None:
            return "diverged", f"at step {k + 1}: {verdict.reason}"
    return "training", ""


def layer_grad_norm(layer: Any) -> float:
    """‖∇‖ over a layer's parameters (weights and bias together)."""
    total = 0.0
    for p in layer.parameters():
        g = np.asarray(getattr(p.grad, "data", p.grad), dtype=float)
        total += float(np.sum(g * g))
    return float(np.sqrt(total))


def summary(t: Trainer) -> str:
    """The line the page shows: epoch, losses and accuracies now."""
    r = t.rows
    text = (f"epoch {t.epoch} · train loss {r['loss'][-1]:.4f} · test loss "
            f"{r['test_loss'][-1]:.4f} · train accuracy {r['accuracy'][-1]:.1%} · test "
            f"accuracy {r['test_accuracy'][-1]:.1%}")
    return text + (f" · diverged: {t.message}" if t.status == "diverged" else "")


# ---- figures ---------------------------------------------------------------------------------
def _box(t: Trainer) -> tuple[np.ndarray, np.ndarray]:
    A = np.vstack([t.X, t.Xt])
    lo, hi = A.min(axis=0), A.max(axis=0)
    pad = 0.1 * (hi - lo) + 1e-9
    return (np.linspace(lo[0] - pad[0], hi[0] + pad[0], BOUNDARY_GRID),
            np.linspace(lo[1] - pad[1], hi[1] + pad[1], BOUNDARY_GRID))


def boundary_probability(t: Trainer) -> list[Any]:
    """P(class 1) = σ(logit) on the boundary's grid (rows along x₂), as the heatmap's z."""
    from ..autodiff import no_grad
    xs, ys = _box(t)
    G = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    with no_grad(), np.errstate(all="ignore"):
        z = t.model(G).data.reshape(BOUNDARY_GRID, BOUNDARY_GRID)
    return _r(1 / (1 + np.exp(-np.clip(z, -50, 50))))


#: P(class 1) → colour, lighter than the points (TensorFlow Playground's convention): orange is
#: class 0, blue class 1 — at P = 0, ½ and 1, linear in RGB between
BOUNDARY_COLORS = np.array([[0xf5, 0xb8, 0x7a], [0xfb, 0xfc, 0xfc], [0x8f, 0xc1, 0xe3]], float)


def boundary_image(t: Trainer) -> str:
    """P(class 1) on the boundary's grid as a lossless image data URI (WebP, else PNG: the
    player's encoder), one pixel per grid point (top row the largest x₂). The page draws it as
    the plot's background image: a new image is the cheapest change plotly redraws (the points
    are not drawn again, as they are for a new heatmap)."""
    P = np.asarray(boundary_probability(t), float)[::-1]
    lo, hi = BOUNDARY_COLORS[:2], BOUNDARY_COLORS[1:]
    u = np.clip(2 * P - np.where(P < 0.5, 0, 1), 0, 1)[..., None]
    rgb = np.where((P < 0.5)[..., None], lo[0] + u * (lo[1] - lo[0]), hi[0] + u * (hi[1] - hi[0]))
    from .._images import image_data
    return "data:" + image_data(np.round(rgb).astype(np.uint8))


def boundary_figure(t: Trainer) -> dict[str, Any]:
    """P(class 1) over the plane as the background image (:func:`boundary_image`, each pixel
    centred on its grid point), train points (circles) and test points (crosses)."""
    xs, ys = _box(t)
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    x, y = [xs[0] - dx, xs[-1] + dx], [ys[0] - dy, ys[-1] + dy]
    colors = [[0, "#ca6f1e"], [1, "#1f618d"]]
    data: list[dict[str, Any]] = []
    for X, lab, sym, name in ((t.X, t.y, "circle", "train"), (t.Xt, t.yt, "x", "test")):
        data.append({"type": "scattergl", "x": _r(X[:, 0]), "y": _r(X[:, 1]), "mode": "markers",
                     "name": name, "marker": {"symbol": sym, "size": 7, "color": _r(lab),
                                              "colorscale": colors, "cmin": 0, "cmax": 1,
                                              "line": {"width": 1, "color": "white"}}})
    image = {"source": boundary_image(t), "xref": "x", "yref": "y", "x": x[0], "y": y[1],
             "sizex": x[1] - x[0], "sizey": y[1] - y[0], "sizing": "stretch", "layer": "below"}
    axis = {"showgrid": False, "zeroline": False}
    return {"data": data, "layout": _layout(
        "decision boundary: P(class 1)", "x₁", "x₂",
        {"uirevision": "boundary", "images": [image],
         "xaxis": {**axis, "range": _r(x), "title": {"text": "x₁"}},
         "yaxis": {**axis, "range": _r(y), "title": {"text": "x₂"}}})}


def loss_figure(t: Trainer) -> dict[str, Any]:
    r = t.rows
    data = [{"type": "scatter", "x": list(r["epoch"]), "y": _r(r[k]), "mode": "lines", "name": name}
            for k, name in (("loss", "train loss"), ("test_loss", "test loss"))]
    return {"data": data, "layout": _layout("loss", "epoch", "binary cross-entropy")}


def grad_figure(t: Trainer) -> dict[str, Any]:
    """‖∇‖ of each layer's parameters at the last step of each epoch (log scale)."""
    G = np.asarray(t.grad_norms, float)
    data = [{"type": "scatter", "x": list(t.rows["epoch"]), "y": _r(G[:, i]), "mode": "lines",
             "name": f"layer {i + 1}"} for i in range(G.shape[1])]
    layout = _layout("gradient norm per layer", "epoch", "‖∇‖")
    layout["yaxis"].update(type="log", **log_ticks(G))
    return {"data": data, "layout": layout}


def sharpness_figure(t: Trainer) -> dict[str, Any]:
    """The sharpness over training against the optimizer's threshold (2/η for GD; for Adam the
    preconditioned λ_max(P⁻¹H) against (2 + 2β₁)/((1 − β₁)η)·(1 − β₁ᵗ), → 38/η at β₁ = 0.9)."""
    e = [k for k, _, _ in t.sharp]
    limits = [c for _, _, c in t.sharp]
    limit_name = f"{limits[-1] * float(t.settings['lr']):.3g}/η" if limits else "limit"
    data = [{"type": "scatter", "x": e, "y": _r([v for _, v, _ in t.sharp]),
             "mode": "lines+markers", "name": t.sharpness_name},
            {"type": "scatter", "x": [0, *e], "y": _r(limits[:1] + limits), "mode": "lines",
             "name": limit_name,
             "line": {"dash": "dash", "color": "#c0392b"}}]
    layout = _layout(f"sharpness (every {SHARPNESS_EVERY} epochs) against the limit", "epoch",
                     t.sharpness_name)
    if not t.sharp:  # nothing measured yet: say when it will be, not empty axes
        layout["annotations"] = [{
            "text": f"λ_max is measured every {SHARPNESS_EVERY} epochs: the first at epoch "
                    f"{(t.epoch // SHARPNESS_EVERY + 1) * SHARPNESS_EVERY}",
            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
            "font": {"size": 13, "color": "#555"}}]
        layout["xaxis"]["visible"] = layout["yaxis"]["visible"] = False
    elif all(v > 0 for _, v, _ in t.sharp):  # far below the limit, or at its edge
        layout["yaxis"].update(type="log", **log_ticks([*(v for _, v, _ in t.sharp), *limits]))
    return {"data": data, "layout": layout}


def log_ticks(values: Any) -> dict[str, Any]:
    """Ticks at 1, 2, 5 × 10ᵏ (decades only over more than three) spanning the positive finite
    ``values``, labelled as numbers: plotly's own log ticks label 0.09 as a bare "9" where
    the range spans under three decades. Empty where there is no such value."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return {}
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    marks = (1, 2, 5) if hi - lo <= 3 else (1,)
    ticks = [m * 10.0 ** k for k in range(lo, hi + 1) for m in marks]
    below = max([x for x in ticks if x <= v.min()], default=ticks[0])
    above = min([x for x in ticks if x >= v.max()], default=ticks[-1])
    ticks = [x for x in ticks if below <= x <= above]
    return {"tickvals": ticks, "ticktext": [f"{x:g}" for x in ticks]}


def network_figure(t: Trainer) -> dict[str, Any]:
    """The network: nodes in layers, edges as lines whose width grows with |w| and whose colour
    is its sign (blue +, orange −); edges are binned into a few traces to draw fast."""
    sizes = [t.model.nin, *t.model.nouts]
    pos = [np.column_stack([np.full(n, i), np.linspace(-(n - 1) / 2, (n - 1) / 2, n)])
           for i, n in enumerate(sizes)]
    weights = [np.asarray(layer.weight.data) for layer in t.model.layers]
    wmax = max(float(np.abs(W).max()) for W in weights) or 1.0
    bins: dict[tuple[int, int], list[float | None]] = {}
    for i, W in enumerate(weights):  # W: (out, in)
        for o in range(W.shape[0]):
            for j in range(W.shape[1]):
                w = float(W[o, j])
                key = (int(w >= 0), min(3, int(4 * abs(w) / wmax)))
                seg = bins.setdefault(key, [])
                seg += [pos[i][j, 0], pos[i + 1][o, 0], None, pos[i][j, 1], pos[i + 1][o, 1],
                        None]
    data: list[dict[str, Any]] = []
    for (sign, width), seg in sorted(bins.items()):
        data.append({"type": "scatter", "x": seg[0::6] and _flat(seg, 0),
                     "y": _flat(seg, 3), "mode": "lines", "hoverinfo": "skip",
                     "showlegend": False,
                     "line": {"width": 0.5 + 1.8 * width,
                              "color": "#2e86c1" if sign else "#e67e22"}})
    P = np.vstack(pos)
    data.append({"type": "scatter", "x": _r(P[:, 0]), "y": _r(P[:, 1]), "mode": "markers",
                 "showlegend": False, "hoverinfo": "skip",
                 "marker": {"size": 14, "color": "white", "line": {"width": 2,
                                                                   "color": "#1c2833"}}})
    layout = _layout(f"network {'→'.join(map(str, sizes))} (width |w|, blue +, orange −)",
                     "", "", {"xaxis": {"visible": False}, "yaxis": {"visible": False}})
    return {"data": data, "layout": layout}


def _flat(seg: list[Any], offset: int) -> list[Any]:
    """x (offset 0) or y (offset 3) of the segments stored as [x0, x1, None, y0, y1, None]."""
    out: list[Any] = []
    for k in range(0, len(seg), 6):
        out += seg[k + offset:k + offset + 3]
    return out


def _layout(title: str, xt: str, yt: str, extra: dict[str, Any] | None = None
            ) -> dict[str, Any]:
    layout = {"title": {"text": title, "font": {"size": 13}},
              "margin": {"l": 50, "r": 10, "t": 36, "b": 40},
              "xaxis": {"title": {"text": xt}}, "yaxis": {"title": {"text": yt}},
              "legend": {"orientation": "h", "y": -0.25}, "plot_bgcolor": "white"}
    layout.update(extra or {})
    return layout


def _r(a: Any) -> list[Any]:
    from .lab import _list
    return _list(np.round(np.asarray(a, dtype=float), 5))
