"""Each layer's gradient norm per step (and its block sharpness, when tracked): vanishing and
exploding gradients at a glance, from an ``nn.fit`` history."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Display, new_axes
from .sharpness import _threshold_name


class LayerGradientsDisplay(Display):
    """``.ax`` (gradient norms), ``.sharpness_ax`` (block sharpness or None), ``.figure``,
    ``.norms`` (steps, layers) and ``.names`` as drawn."""


def _layer_colors(n: int) -> list[Any]:
    import matplotlib.pyplot as plt
    cmap = plt.get_cmap("viridis")
    return [cmap(0.1 + 0.8 * i / max(n - 1, 1)) for i in range(n)]


def layer_gradients(history: Any, *, ax: Any = None, log: bool = True,
                    title: str = "Gradient norm of each layer") -> LayerGradientsDisplay:
    """‖∂L/∂θ_l‖ of every layer l per step (``history.layer_grad_norms``), log scale, coloured
    from the input layer (dark) to the output layer (light): curves that fall apart by orders of
    magnitude toward the input mean vanishing gradients, toward the output exploding ones. When
    the history holds per-layer sharpness (``fit(..., track_sharpness=k,
    layer_sharpness=True)``) a second panel below shows each layer's block λ_max beside the
    whole network's, with 2/η dashed."""
    norms = getattr(history, "layer_grad_norms", None)
    if norms is None or np.size(norms) == 0:
        raise ValueError("plot.layer_gradients: the history has no per-layer gradient norms "
                         "(an nn.fit history of at least one step is needed)")
    norms = np.asarray(norms, dtype=float)
    names = list(history.layer_names)
    block = getattr(history, "layer_sharpness", None)
    sharp_ax = None
    if ax is None and block is not None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(7.5, 6.5))
        ax, sharp_ax = fig.subplots(2, 1, sharex=True)
    ax = new_axes(ax, figsize=(7, 4.5))
    colors = _layer_colors(len(names))
    steps = np.arange(1, norms.shape[0] + 1)
    for i, name in enumerate(names):
        ax.plot(steps, norms[:, i], color=colors[i], lw=1.5, label=name or "parameters")
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(r"$\Vert\partial\mathcal{L}/\partial\theta_l\Vert$", fontsize=12)
    ax.set_title(title, fontsize=13)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, title="input → output", title_fontsize=9)
    if sharp_ax is not None:
        _block_panel(sharp_ax, history, names, colors)
    else:
        ax.set_xlabel("step", fontsize=12)
    return LayerGradientsDisplay(ax, sharpness_ax=sharp_ax, norms=norms, names=names)


def _block_panel(ax: Any, history: Any, names: list[str], colors: list[Any]) -> None:
    steps = np.asarray(history.sharpness_steps, dtype=float)
    block = np.asarray(history.layer_sharpness, dtype=float)
    ax.plot(steps, history.sharpness, "k-", lw=2, label="whole network λ_max(H)")
    for i, name in enumerate(names):
        ax.plot(steps, block[:, i], "-", color=colors[i], lw=1.5, label=f"{name}: λ_max(H_ll)")
    ax.step(steps, history.sharpness_threshold, "k--", where="post", lw=1,
            label=_threshold_name(history))
    ax.set_ylim(0, 1.15 * float(np.nanmax(np.r_[history.sharpness,
                                                history.sharpness_threshold])))
    ax.set_xlabel("step", fontsize=12)
    ax.set_ylabel("sharpness", fontsize=12)
    ax.set_title("Each layer's own curvature (diagonal Hessian block)", fontsize=12)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)


__all__ = ["LayerGradientsDisplay", "layer_gradients"]
