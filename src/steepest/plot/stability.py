"""Figures of a :class:`steepest.curvature.StabilityMap`: which starts converge, stay bounded or
diverge at one learning rate (on the contour map), and how the shares change with η.

``StabilityMapDisplay.from_map(m, lr)`` computes what is drawn (plain arrays) and ``plot(ax)``
draws it — scikit-learn's Display pattern; ``m.plot(...)`` is the one-call wrapper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SteepestError
from ._base import Display

#: one colour per outcome: converged, bounded (not converged), diverged
OUTCOME_COLORS = ("#1e8449", "#e67e22", "#c0392b")
#: darker shades for the paths drawn over the regions
PATH_COLORS = ("#0b4f27", "#8a4a06", "#6e1010")
OUTCOME_LABELS = ("converges", "bounded, does not converge", "diverges")


def _eta(lr: float) -> str:
    return f"η = {lr:.3g}"



@dataclass(repr=False, eq=False)
class StabilityMapDisplay(Display):
    """The starts of one rate coloured by outcome over the loss's contour map.

    ``lr`` the rate drawn, ``starts`` (N, 2), ``outcome`` (N,), ``counts`` per outcome,
    ``paths`` {start index: iterates} of the recorded runs, ``fun`` the loss (for the contour),
    ``limit`` the stability limit at the minimum. After :meth:`plot`: ``ax``, ``figure``.
    """

    lr: float
    starts: np.ndarray
    outcome: np.ndarray
    counts: dict[str, int]
    paths: dict[int, np.ndarray]
    fun: Any
    optimizer: str
    limit: float | None

    @classmethod
    def from_map(cls, m: Any, lr: float | None = None) -> StabilityMapDisplay:
        """The starts, outcomes and recorded paths of the map's rate nearest ``lr`` (default:
        the first rate above the stability limit, else the middle one)."""
        if m.starts.shape[1] != 2:
            raise SteepestError(f"StabilityMap.plot: the map of starts needs 2-D starts, got "
                                f"{m.starts.shape[1]}-D (plot kind='fractions' instead)")
        if lr is None:
            above = np.flatnonzero(m.lrs > m.limit) if m.limit is not None else np.array([], int)
            lr = float(m.lrs[above[0]] if len(above) else m.lrs[len(m.lrs) // 2])
        r = m.index(lr)
        paths = {i: p for (k, i), p in m.paths.items() if k == r}
        return cls(float(m.lrs[r]), m.starts, m.outcome[r], m.counts(m.lrs[r]), paths, m.fun,
                   m.optimizer, m.limit)

    def plot(self, ax: Any = None, *, title: str | None = None, max_path_steps: int = 400,
             **contour_kwargs: Any) -> StabilityMapDisplay:
        """Draw on ``ax`` (new axes if None): the contour map, every start as a square coloured
        by its outcome, and the recorded paths (their first ``max_path_steps`` steps, a ring at
        the start, a diamond where the run ended)."""
        from .surface import contour
        lo, hi = self.starts.min(axis=0), self.starts.max(axis=0)
        pad = 0.04 * np.maximum(hi - lo, 1e-9)
        xlim, ylim = (lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1])
        if self.fun is not None:  # grey level lines under the outcome colours
            contour_kwargs.setdefault("colorbar", False)
            contour_kwargs.setdefault("filled", False)
            contour_kwargs.setdefault("cmap", "Greys_r")
            ax = contour(self.fun, xlim, ylim, ax=ax, title="", **contour_kwargs).ax
        else:
            from ._base import new_axes
            ax = new_axes(ax, figsize=(7, 5.5))
        from matplotlib.colors import ListedColormap
        ax.imshow(self.painted(xlim, ylim), origin="lower", extent=(*xlim, *ylim),
                  cmap=ListedColormap(OUTCOME_COLORS), vmin=-0.5, vmax=2.5, alpha=0.45,
                  aspect="auto", interpolation="nearest", zorder=2)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        self._paths(ax, max_path_steps)
        limit = "" if self.limit is None else f"; limit at the minimum {self.limit:.4g}"
        ax.set_title(title or f"{self.optimizer}, {_eta(self.lr)}{limit}", fontsize=13)
        ax.tick_params(labelsize=11)
        ax.legend(handles=self._legend(), loc="upper center", bbox_to_anchor=(0.5, -0.13),
                  ncol=2, fontsize=11, frameon=False)
        self.ax = ax
        return self

    def plot_zoom(self, ax: Any, zoom: tuple[tuple[float, float], tuple[float, float]],
                  steps: int = 100) -> Any:
        """The box ``zoom`` = ((x0, x1), (y0, y1)) on ``ax``: the last ``steps`` steps of every
        recorded bounded run and its last two iterates (◇) — where it hovers."""
        inner = ax
        inner.set_gid("zoom")  # a close-up: paths and minima run past its edges
        if self.fun is not None:
            from .surface import contour
            contour(self.fun, *zoom, ax=inner, filled=False, cmap="Greys_r", colorbar=False,
                    title="", levels=15, n=80)
            if inner.get_legend() is not None:
                inner.get_legend().remove()
        for i, p in self.paths.items():
            if int(self.outcome[i]) != 1:
                continue
            q = p[np.all(np.isfinite(p), axis=1)][-steps:]
            inner.plot(q[:, 0], q[:, 1], "-", color=PATH_COLORS[1], lw=0.8)
            inner.plot(q[-2:, 0], q[-2:, 1], "D", ms=6, mfc="white", mec=PATH_COLORS[1], mew=1.5)
        inner.set_xlim(*zoom[0])
        inner.set_ylim(*zoom[1])
        inner.set_title(f"zoom: the last {steps} steps", fontsize=13)
        inner.tick_params(labelsize=11)
        if self.ax is not None:
            self.ax.indicate_inset_zoom(inner, edgecolor="k")
        return inner

    def painted(self, xlim: tuple[float, float], ylim: tuple[float, float],
                pixels: int = 160) -> np.ndarray:
        """(pixels, pixels) outcome codes: each pixel gets the outcome of the start nearest
        its centre (so a grid of starts shows as regions)."""
        from scipy.spatial import cKDTree
        xs = np.linspace(*xlim, pixels)
        ys = np.linspace(*ylim, pixels)
        scale = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]])
        P = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2) / scale
        _, nearest = cKDTree(self.starts / scale).query(P)
        return self.outcome[nearest].reshape(pixels, pixels)

    def _legend(self) -> list[Any]:
        from matplotlib.lines import Line2D
        handles = [Line2D([], [], marker="s", ls="none", ms=10, mfc=c, mec="none", alpha=0.7,
                          label=f"{label} ({n} starts)")
                   for c, label, n in zip(OUTCOME_COLORS, OUTCOME_LABELS, self.counts.values())]
        if self.paths:
            handles += [Line2D([], [], marker="o", ls="-", ms=8, mfc="none", mec="k", color="k",
                               label="a start and its path"),
                        Line2D([], [], marker="D", ls="none", ms=7, mfc="white", mec="k",
                               label="where it ended")]
        return handles

    def _paths(self, ax: Any, most: int) -> None:
        """Each followed path up to ``most`` steps, until it leaves the map (a diverging run
        then gets an arrow to where it went); ◇ where a path that stays ended."""
        from ._base import _inside
        from ._paths import exit_marker
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        box = np.array([min(x0, x1), min(y0, y1)]), np.array([max(x0, x1), max(y0, y1)])
        for i, p in self.paths.items():
            color = PATH_COLORS[int(self.outcome[i])]
            k = min(_inside(p, *box), most + 1)
            q = p[:k]
            ax.plot(q[:, 0], q[:, 1], "-", color="white", lw=3.4, alpha=0.85, zorder=4)
            ax.plot(q[:, 0], q[:, 1], "-", color=color, lw=1.7, zorder=5)
            ax.plot(p[0, 0], p[0, 1], "o", ms=9, mfc="none", mec="k", mew=1.8, zorder=6)
            if k < len(p) and k <= most:  # it left the map
                exit_marker(ax, k, p[k - 1:k + 1], color=color)
            elif k:
                ax.plot(q[-1, 0], q[-1, 1], "D", ms=7, mfc="white", mec=color, mew=2,
                        zorder=7)


@dataclass(repr=False, eq=False)
class StabilityFractionsDisplay(Display):
    """The share of starts that converge / stay bounded / diverge against η (log axis), with the
    optimizer's stability limit at the minimum marked. ``lrs`` (R,), ``fractions`` (R, 3)."""

    lrs: np.ndarray
    fractions: np.ndarray
    optimizer: str
    limit: float | None
    lam_max: float | None
    max_steps: int

    @classmethod
    def from_map(cls, m: Any) -> StabilityFractionsDisplay:
        """The share of each outcome at every rate of the map."""
        return cls(m.lrs, m.fractions(), m.optimizer, m.limit, m.lam_max, m.max_steps)

    def plot(self, ax: Any = None, *, title: str | None = None) -> StabilityFractionsDisplay:
        """Draw on ``ax`` (new if None): the shares stacked against η on a log axis (ticks
        1, 2, 5 per decade), the stability limit dashed with what "bounded" means either
        side of it."""
        from ._base import new_axes
        ax = new_axes(ax, figsize=(7, 4.5))
        ax.stackplot(self.lrs, self.fractions.T, colors=OUTCOME_COLORS, alpha=0.85,
                     labels=OUTCOME_LABELS)
        ax.set_xscale("log")
        ax.set_xlim(self.lrs[0], self.lrs[-1])
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator
        ticks = [m * 10.0 ** e for e in range(-12, 13) for m in (1, 2, 5)  # 1, 2, 5 per decade
                 if self.lrs[0] <= m * 10.0 ** e <= self.lrs[-1]]
        if len(ticks) >= 2:
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.3g}"))
            ax.xaxis.set_minor_locator(NullLocator())
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_ylim(0, 1)
        ax.set_xlabel("learning rate η", fontsize=13)
        ax.set_ylabel(f"share of starts (after ≤ {self.max_steps} steps)", fontsize=12)
        ax.tick_params(labelsize=11)
        if self.limit is not None and self.lrs[0] <= self.limit <= self.lrs[-1]:
            ax.axvline(self.limit, color="k", ls="--", lw=1.3)
            lam = "" if self.lam_max is None else f" = 2/λ_max, λ_max = {self.lam_max:.4g}"
            ax.annotate(f"stability limit at the minimum\n{self.limit:.4g}{lam}",
                        (self.limit, 0.97), xytext=(-6, 0), textcoords="offset points",
                        ha="right", va="top", fontsize=11,
                        bbox={"fc": "white", "ec": "none", "alpha": 0.85})
            for x, text, ha in ((self.limit, "bounded here: can never\nconverge (η above the "
                                 "limit)", "left"),
                                (self.limit, "bounded here: not yet\nconverged", "right")):
                ax.annotate(text, (x, 0.5), xytext=(8 if ha == "left" else -8, 0),
                            textcoords="offset points", ha=ha, va="center", fontsize=11,
                            bbox={"fc": "white", "ec": "none", "alpha": 0.7})
        ax.set_title(title or f"{self.optimizer}: outcome against η", fontsize=13)
        ax.legend(loc="lower left", fontsize=11, framealpha=0.9)
        self.ax = ax
        return self


def plot_stability_map(m: Any, kind: str = "map", *, lr: float | None = None, ax: Any = None,
                       **kwargs: Any) -> Any:
    """``m.plot``: ``kind="map"`` (:class:`StabilityMapDisplay`) or ``"fractions"``
    (:class:`StabilityFractionsDisplay`)."""
    if kind == "map":
        return StabilityMapDisplay.from_map(m, lr).plot(ax, **kwargs)
    if kind == "fractions":
        return StabilityFractionsDisplay.from_map(m).plot(ax, **kwargs)
    raise SteepestError(f"StabilityMap.plot: kind must be 'map' or 'fractions', got {kind!r}")


__all__ = ["OUTCOME_COLORS", "OUTCOME_LABELS", "PATH_COLORS", "StabilityFractionsDisplay",
           "StabilityMapDisplay", "plot_stability_map"]
