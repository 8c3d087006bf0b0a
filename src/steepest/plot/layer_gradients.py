"""Each layer's gradient norm per step (and its block sharpness, when tracked): vanishing and
exploding gradients at a glance, from an ``nn.fit`` history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import Display, new_axes
from .sharpness import _threshold_name


@dataclass(repr=False, eq=False)
class LayerGradientsDisplay(Display):
    """Per-layer gradient norms ready to draw: ``.norms`` (steps, layers), ``.names``; with
    per-layer sharpness tracked, ``.sharpness_steps``, ``.layer_sharpness`` (measurements,
    layers), the whole network's ``.sharpness``, ``.threshold`` and ``.threshold_name``
    (else None). After :meth:`plot`: ``.ax`` (gradient norms), ``.sharpness_ax`` (the block
    sharpness panel, or None), ``.figure``."""

    norms: np.ndarray
    names: list[str]
    sharpness_steps: np.ndarray | None = None
    layer_sharpness: np.ndarray | None = None
    sharpness: np.ndarray | None = None
    threshold: np.ndarray | None = None
    threshold_name: str = ""
    sharpness_ax: Any = field(default=None, init=False)

    @classmethod
    def from_history(cls, history: Any) -> LayerGradientsDisplay:
        """``history.layer_grad_norms`` of an ``nn.fit`` history, and its block sharpness
        when it was tracked (``fit(..., track_sharpness=k, layer_sharpness=True)``)."""
        norms = getattr(history, "layer_grad_norms", None)
        if norms is None or np.size(norms) == 0:
            raise ValueError("plot.layer_gradients: the history has no per-layer gradient "
                             "norms (an nn.fit history of at least one step is needed)")
        disp = cls(np.asarray(norms, dtype=float), list(history.layer_names))
        if getattr(history, "layer_sharpness", None) is not None:
            disp.sharpness_steps = np.asarray(history.sharpness_steps, dtype=float)
            disp.layer_sharpness = np.asarray(history.layer_sharpness, dtype=float)
            disp.sharpness = np.asarray(history.sharpness, dtype=float)
            disp.threshold = np.asarray(history.sharpness_threshold, dtype=float)
            disp.threshold_name = _threshold_name(history)
        return disp

    def plot(self, ax: Any = None, *, log: bool = True,
             title: str = "Gradient norm of each layer") -> LayerGradientsDisplay:
        """Draw the norms on ``ax``; with ``ax=None`` and block sharpness, a new figure with a
        second panel below for it (``log``: log-scale norms)."""
        sharp_ax = None
        if ax is None and self.layer_sharpness is not None:
            import matplotlib.pyplot as plt
            fig = plt.figure(figsize=(7.5, 6.5))
            ax, sharp_ax = fig.subplots(2, 1, sharex=True)
        ax = self.ax = new_axes(ax, figsize=(7, 4.5))
        colors = _layer_colors(len(self.names))
        steps = np.arange(1, self.norms.shape[0] + 1)
        for i, name in enumerate(self.names):
            ax.plot(steps, self.norms[:, i], color=colors[i], lw=1.5, label=name or "parameters")
        if log:
            ax.set_yscale("log")
        ax.set_ylabel(r"$\Vert\partial\mathcal{L}/\partial\theta_l\Vert$", fontsize=12)
        ax.set_title(title, fontsize=13)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=9, title="input → output", title_fontsize=9)
        if sharp_ax is not None:
            self._block_panel(sharp_ax, colors)
        else:
            ax.set_xlabel("step", fontsize=12)
        self.sharpness_ax = sharp_ax
        return self

    def _block_panel(self, ax: Any, colors: list[Any]) -> None:
        assert self.sharpness_steps is not None and self.layer_sharpness is not None
        assert self.sharpness is not None and self.threshold is not None
        steps, block = self.sharpness_steps, self.layer_sharpness
        ax.plot(steps, self.sharpness, "k-", lw=2, label="whole network λ_max(H)")
        for i, name in enumerate(self.names):
            ax.plot(steps, block[:, i], "-", color=colors[i], lw=1.5,
                    label=f"{name}: λ_max(H_ll)")
        ax.step(steps, self.threshold, "k--", where="post", lw=1, label=self.threshold_name)
        ax.set_ylim(0, 1.15 * float(np.nanmax(np.r_[self.sharpness, self.threshold])))
        ax.set_xlabel("step", fontsize=12)
        ax.set_ylabel("sharpness", fontsize=12)
        ax.set_title("Each layer's own curvature (diagonal Hessian block)", fontsize=12)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)


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
    return LayerGradientsDisplay.from_history(history).plot(ax, log=log, title=title)


__all__ = ["LayerGradientsDisplay", "layer_gradients"]
