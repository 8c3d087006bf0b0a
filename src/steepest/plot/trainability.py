"""The trainability map (Sohl-Dickstein 2024) as an image on log axes, from a
:class:`~steepest.curvature.TrainabilityMap` (``curvature.trainability_map``);
``m.plot(...)`` is ``TrainabilityMapDisplay.from_map(m).plot(...)``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Display, new_axes


@dataclass(repr=False, eq=False)
class TrainabilityMapDisplay(Display):
    """The map ready to draw: ``image`` (R, R, 3) RGB per grid point (rows: y) — trained runs
    blue, darker the faster the loss fell; diverged ones red, brighter the sooner —, its
    ``extent`` (x₀, x₁, y₀, y₁) in log₁₀ of the hyperparameters, ``labels`` the two axes' names,
    ``share`` the fraction that trains, ``size`` the number of networks and ``steps`` each
    was trained. After :meth:`plot`: ``ax``, ``figure``."""

    image: np.ndarray
    extent: tuple[float, float, float, float]
    labels: tuple[str, str]
    share: float
    size: int
    steps: int

    @classmethod
    def from_map(cls, m: Any) -> TrainabilityMapDisplay:
        """The colours, log extent and axis names of a ``trainability_map`` result."""
        from ..curvature.trainability import AXES
        x0, x1 = np.log10(m.x[[0, -1]])
        y0, y1 = np.log10(m.y[[0, -1]])
        return cls(_colours(m), (float(x0), float(x1), float(y0), float(y1)), AXES[m.axes],
                   float(np.mean(m.trainable)), int(m.outcome.size), int(m.steps))

    def plot(self, ax: Any = None, *, title: str | None = None) -> TrainabilityMapDisplay:
        """The image on ``ax`` (new axes if None), log₁₀ of each hyperparameter along the
        axes, with a legend of the two colours; ``title`` by default the share that trains."""
        from matplotlib.patches import Patch
        ax = self.ax = new_axes(ax, figsize=(6.5, 6))
        ax.imshow(self.image, origin="lower", aspect="auto", interpolation="nearest",
                  extent=self.extent)
        ax.set_xlabel(f"log₁₀ {self.labels[0]}", fontsize=12)
        ax.set_ylabel(f"log₁₀ {self.labels[1]}", fontsize=12)
        ax.set_title(title or f"Trainability: {self.share:.0%} of {self.size} networks train "
                              f"({self.steps} steps)", fontsize=12)
        ax.legend(handles=[Patch(color=(0.15, 0.3, 0.75), label="trains (darker: faster)"),
                           Patch(color=(0.9, 0.2, 0.1), label="diverges (brighter: sooner)")],
                  fontsize=9, loc="upper right", framealpha=0.9)
        return self


def _colours(m: Any) -> np.ndarray:
    """RGB per point: blues by log mean loss for trained runs, reds by how soon diverged ones
    blew up."""
    rgb = np.zeros((*m.outcome.shape, 3))
    ok = m.trainable
    speed = np.log10(np.clip(m.mean_loss, 1e-6, 1.0))
    lo = float(speed[ok].min()) if ok.any() else -1.0
    t = np.clip(speed / lo, 0, 1) if lo < 0 else np.zeros_like(speed)  # 1 = fastest
    blue = np.array([0.75, 0.85, 1.0])[None, None] * (1 - t[..., None]) + \
        np.array([0.05, 0.15, 0.55])[None, None] * t[..., None]
    soon = 1 - np.log1p(np.maximum(m.diverged_at, 0)) / math.log1p(m.steps)  # 1 = at once
    red = np.array([0.55, 0.1, 0.05])[None, None] * (1 - soon[..., None]) + \
        np.array([1.0, 0.45, 0.2])[None, None] * soon[..., None]
    rgb[ok], rgb[~ok] = blue[ok], red[~ok]
    return rgb


__all__ = ["TrainabilityMapDisplay"]
