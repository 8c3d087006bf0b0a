"""A 1-D loss landscape (a random line, or the segment between two weight sets) as a curve, from
a :class:`~steepest.landscape.Landscape` of ``landscape.line_1d`` / ``landscape.interpolate``;
``land.plot()`` draws it as ``LandscapeLineDisplay.from_landscape(land).plot(...)`` (a 2-D
landscape is drawn by :class:`~steepest.plot.ContourDisplay` or
:class:`~steepest.plot.SurfaceDisplay`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import Display, new_axes


@dataclass(repr=False, eq=False)
class LandscapeLineDisplay(Display):
    """The line ready to draw: ``values`` of ``metric`` at the coordinates ``alphas`` along the
    direction named ``xlabel``; ``title`` the directions' kind (and normalization). After
    :meth:`plot`: ``line`` (the curve), ``ax``, ``figure``."""

    alphas: np.ndarray
    values: np.ndarray
    metric: str
    xlabel: str
    title: str
    line: Any = field(default=None, init=False)

    @classmethod
    def from_landscape(cls, land: Any, metric: str = "loss") -> LandscapeLineDisplay:
        """``metric`` along a 1-D landscape, labelled by its direction."""
        if land.ndim != 1:
            raise ValueError(f"LandscapeLineDisplay draws a 1-D landscape, got {land.ndim}-D "
                             "(draw a plane with Landscape.plot)")
        if metric not in land.values:
            raise ValueError(f"metric {metric!r} was not computed; have {list(land.values)}")
        return cls(land.alphas, land.values[metric], metric, land.directions.labels[0],
                   directions_title(land.directions))

    def plot(self, ax: Any = None, *, log: bool = False, title: str | None = None
             ) -> LandscapeLineDisplay:
        """The curve on ``ax`` (new axes if None), on a log scale when ``log``; ``title`` by
        default the display's own ``title`` field."""
        ax = self.ax = new_axes(ax, figsize=(6, 4))
        (self.line,) = ax.plot(self.alphas, self.values, color="tab:blue", lw=2)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(self.xlabel)
        ax.set_ylabel(self.metric)
        ax.set_title(title or self.title)
        return self


def directions_title(directions: Any) -> str:
    """A landscape figure's default title: its directions' kind, and normalization if any
    ("random directions, filter-normalized")."""
    norm = directions.normalization
    return f"{directions.kind} directions" + (f", {norm}-normalized" if norm else "")


__all__ = ["LandscapeLineDisplay", "directions_title"]
