"""Descent paths drawn on a contour map or a 3-D surface: one style per run so that overlapping
paths stay apart, iterate markers at a common step, an arrow where a path leaves the figure, and
legend entries that show each path's outline, line and markers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import SteepestError
from ._base import Display, axis_labels, evaluate, named, new_axes, path_of, series_of

#: known minima are drawn above every path and its start and end markers; the black outlines
#: of the paths below all of the paths' coloured lines (zorder 6 to 7)
STAR_ZORDER = 12
OUTLINE_ZORDER = 5.5

#: iterate markers, one shape per run
PATH_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "h")
_DASHES = ((0, (6, 2.5)), (0, (7, 2, 1.5, 2)), (0, (2, 1.5)), (0, (10, 3)))


def mark_every(n_points: int, most: int = 25) -> int:
    """Steps between iterate markers for a path of ``n_points`` points: every point up to 60,
    else the smallest 1-2-5 step leaving at most ``most`` markers (so that markers of different
    runs count the same number of steps and a crowd of them means a slow run)."""
    if n_points <= 60:
        return 1
    for k in (int(m * 10 ** e) for e in range(12) for m in (1, 2, 5)):
        if (n_points - 1) // k <= most:
            return k
    raise ValueError(f"path too long to mark: {n_points} points")


def path_styles(n: int, colors: Sequence[Any]) -> list[dict[str, Any]]:
    """Line styles that keep ``n`` overlapping paths apart: the first run is drawn widest and
    lowest, each later one narrower and on top (so an earlier path shows as a band around a
    later one; the black outlines of all paths lie below all of them), middle runs dashed, each
    run with its own marker shape; start circles and hollow end squares shrink in the same
    order, so markers at one point nest instead of covering each other."""
    styles = []
    for i in range(n):
        t = (n - 1 - i) / (n - 1) if n > 1 else 0.0  # 1 for the first (widest) run, 0 last
        styles.append({
            "color": colors[i % len(colors)], "lw": 1.5 + 3.0 * t,
            "ls": "-" if i in (0, n - 1) else _DASHES[(i - 1) % len(_DASHES)],
            "marker": PATH_MARKERS[i % len(PATH_MARKERS)], "ms": 4.5 + 3.0 * t,
            "end_ms": 14.0 + 5.0 * t, "start_ms": 9.0 + 5.0 * t, "zorder": 6 + i / max(n, 1)})
    return styles


def path_outline(ax: Any, pts: Sequence[np.ndarray], st: dict[str, Any]) -> Any:
    """A black line under a path (so white or pale paths show on any map), drawn below every
    path's coloured line so that it never hides a wider path drawn earlier."""
    return ax.plot(*pts, color="k", lw=st["lw"] + 1.6, zorder=OUTLINE_ZORDER,
                   solid_capstyle="round")[0]


def path_legend(ax: Any, title: str | None = None,
                parts: dict[Any, tuple[Any, Any]] | None = None) -> Any:
    """The axes' legend, each path's entry drawn as its outline, line and iterate markers
    (``parts`` {line: (outline, markers)}, e.g. :attr:`TrajectoryDisplay.legend_parts`), placed
    below 2-D axes so that it covers no path."""
    from matplotlib.legend_handler import HandlerTuple
    handles, names = ax.get_legend_handles_labels()
    known = parts or {}

    def entry(h: Any) -> Any:
        if h not in known:
            return h
        below, above = known[h]
        return tuple(a for a in (below, h, above) if a is not None)
    if getattr(ax, "name", None) == "3d":
        place: dict[str, Any] = {"loc": "upper right"}
    else:  # below the axes, clear of every path, in up to two columns
        place = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.13),
                 "ncol": 1 if len(names) < 3 else 2}
    return ax.legend([entry(h) for h in handles], names, fontsize=10, framealpha=0.85,
                     title=title, title_fontsize=10, **place,
                     handler_map={tuple: HandlerTuple(ndivide=1)})


def exit_marker(ax: Any, step: int, seg: np.ndarray, z: float | None = None, *,
                color: Any = "k") -> list[Any]:
    """Mark where a path leaves the figure (returns the artists): ``seg`` holds its last shown
    point and the next point (non-finite when it diverged to overflow). On 2-D axes an arrow
    runs from the last point toward the next, stopped inside the axes, labelled with the step
    it leaves at."""
    last, nxt = seg[0], seg[-1]
    where = (f"step {step} → ({nxt[0]:.3g}, {nxt[1]:.3g})" if np.all(np.isfinite(nxt))
             else f"step {step}: overflow")
    box = dict(fc="white", ec=color, alpha=0.85, boxstyle="round,pad=0.2")
    if getattr(ax, "name", None) == "3d":
        return [ax.text(last[0], last[1], z if z is not None else 0.0, f" {where}",
                        fontsize=10, color="k", bbox=box, zorder=STAR_ZORDER)]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    d = nxt - last if np.all(np.isfinite(nxt)) else np.array([0.0, 0.0])
    span = np.array([x1 - x0, y1 - y0])
    lo, hi = np.array([x0, y0]) + 0.03 * span, np.array([x1, y1]) - 0.03 * span
    with np.errstate(divide="ignore", invalid="ignore"):  # largest t keeping last + t·d inside
        t = np.where(d > 0, (hi - last) / d, np.where(d < 0, (lo - last) / d, np.inf))
    t_max = float(np.clip(np.min(t), 0.0, 1.0)) if np.any(d) else 0.0
    frac = d / span  # the step in axes fractions
    if np.linalg.norm(t_max * frac) < 0.06 and np.any(d):  # too short to see: 6 % of the axes
        t_max = 0.06 / float(np.linalg.norm(frac))
    head = np.clip(last + t_max * d, lo, hi)
    arrow = ax.annotate("", xy=head, xytext=last, zorder=STAR_ZORDER,
                        arrowprops=dict(arrowstyle="-|>", color=color, lw=2.2,
                                        mutation_scale=18, path_effects=_stroke()))
    right = head[0] > x0 + 0.6 * span[0]
    top = head[1] > y0 + 0.85 * span[1]
    text = ax.annotate(where, xy=head, xytext=(-6 if right else 6, -14 if top else 8),
                       textcoords="offset points", ha="right" if right else "left",
                       va="top" if top else "bottom", fontsize=10, bbox=box,
                       zorder=STAR_ZORDER)
    return [arrow, text]


def _stroke(width: float = 4.0) -> list[Any]:
    from matplotlib import patheffects
    return [patheffects.Stroke(linewidth=width, foreground="k"), patheffects.Normal()]


# ------------------------------------------------------------------------- paths on a figure

@dataclass(repr=False, eq=False)
class TrajectoryDisplay(Display):
    """Descent paths ready to draw: ``.points`` {label: (k, 2) iterates shown}, ``.heights``
    {label: (k,) heights on a 3-D surface} (empty for a contour map), ``.exits`` {label: (step,
    [last, next] point, height)} for each path cut where it leaves the figure, ``.fun`` (names
    empty axes). ``.paths`` {label: (k, 2 or 3) points}. After :meth:`plot`: ``.lines`` (one
    per run), ``.markers`` (iterate markers), ``.starts``, ``.ends``, ``.mark_every`` (steps
    between iterate markers; None without markers) and ``.legend_parts`` {line: (outline,
    markers)}, which ``path_legend`` draws as one entry."""

    points: dict[str, np.ndarray]
    heights: dict[str, np.ndarray] = field(default_factory=dict)
    exits: dict[str, tuple[int, np.ndarray, float | None]] = field(default_factory=dict)
    fun: Any = None
    lines: list[Any] = field(default_factory=list, init=False)
    markers: list[Any] = field(default_factory=list, init=False)
    starts: list[Any] = field(default_factory=list, init=False)
    ends: list[Any] = field(default_factory=list, init=False)
    mark_every: int | None = field(default=None, init=False)
    legend_parts: dict[Any, tuple[Any, Any]] = field(default_factory=dict, init=False)

    @classmethod
    def from_runs(cls, paths: Any, fun: Callable[[Any], Any] | None = None, *,
                  lift: bool = False, zmap: Callable[[np.ndarray], np.ndarray] | None = None,
                  shown: Sequence[int] | None = None) -> TrajectoryDisplay:
        """The points of each run (a Result, (k, 2) points, a list, or {label: run}) up to its
        first non-finite point and at most ``shown[i]`` points; ``lift`` adds heights for a
        3-D surface: ``fun`` at each point, else the run's ``history.loss``, through
        ``zmap``."""
        cut, exits = _cut(named(paths, "path"), fun, lift, zmap, shown)
        heights = {k: z for k, (_, z) in cut.items() if z is not None}
        return cls({k: P for k, (P, _) in cut.items()}, heights, exits, fun)

    @property
    def paths(self) -> dict[str, np.ndarray]:
        """{label: points drawn}: (k, 3) with their heights on a surface, else (k, 2)."""
        if self.heights:
            return {k: np.column_stack([P, self.heights[k]]) for k, P in self.points.items()}
        return dict(self.points)

    def plot(self, ax: Any = None, *, markers: bool = True, colors: Sequence[Any] | None = None,
             labels: Sequence[str] | None = None) -> TrajectoryDisplay:
        """Draw the paths on ``ax`` (2-D, or 3-D when lifted): styles from
        ``path_styles``, iterate markers every ``mark_every`` steps, an arrow where a
        path was cut, one legend entry per run."""
        ax = self.ax = new_axes(ax)
        is3d = getattr(ax, "name", None) == "3d"
        if is3d and self.points and not self.heights:
            raise SteepestError("TrajectoryDisplay.plot: these paths have no heights for 3-D "
                                "axes; compute them with TrajectoryDisplay.from_runs(..., "
                                "lift=True)")
        if colors is None:
            colors = _COLORS_3D if is3d else _COLORS_2D
        every = mark_every(max(max((len(P) for P in self.points.values()), default=0), 1))
        self.lines, self.markers, self.starts, self.ends, self.legend_parts = [], [], [], [], {}
        for (label, P), st in zip(self.points.items(), path_styles(len(self.points), colors)):
            pts = [P[:, 0], P[:, 1]] + ([self.heights[label]] if is3d else [])
            self._draw_path(ax, label, pts, st, every if markers else 0)
        if not is3d and not ax.get_xlabel():
            names = axis_labels(self.fun, labels)
            ax.set_xlabel(names[0], fontsize=13)
            ax.set_ylabel(names[1], fontsize=13)
        self.mark_every = every if markers else None
        first = next(iter(self.points), "path")
        if len(self.points) > 1 or (len(self.points) == 1 and not first.startswith("path")):
            path_legend(ax, f"markers every {every} steps" if markers and every > 1 else None,
                        parts=self.legend_parts)
        return self

    def _draw_path(self, ax: Any, label: str, pts: list[np.ndarray], st: dict[str, Any],
                   every: int) -> None:
        """One run: black outline (2-D), line, iterate markers every ``every`` steps (none for
        0), start circle, end square, and the exit arrow if it was cut."""
        color, zo = st["color"], st["zorder"]
        start = {"marker": "o", "ms": st["start_ms"], "mfc": "white", "mec": color, "mew": 2,
                 "ls": "none", "zorder": zo + 3}
        end: dict[str, Any] = {"marker": "s", "ms": st["end_ms"], "mfc": "none", "mec": color,
                               "mew": 2.2, "ls": "none", "zorder": zo + 4}
        outline = None
        if len(pts) == 2:
            outline = path_outline(ax, pts, st)
            end["path_effects"] = _stroke(3.6)
        (ln,) = ax.plot(*pts, label=label, color=color, lw=st["lw"], ls=st["ls"], zorder=zo)
        dots = None
        if every:
            dots = ax.plot(*(c[every::every] for c in pts), marker=st["marker"], ms=st["ms"],
                           mfc=color, mec="k", mew=0.6, ls="none", zorder=zo + 1)[0]
            self.markers.append(dots)  # above every path's line
        self.legend_parts[ln] = (outline, dots)
        if len(pts[0]):
            self.starts.append(ax.plot(*(c[:1] for c in pts), **start)[0])
            self.ends.append(ax.plot(*(c[-1:] for c in pts), **end)[0])
        self.lines.append(ln)
        if label in self.exits:
            exit_marker(ax, *self.exits[label], color=color)


_COLORS_2D = ("tab:red", "white", "tab:orange", "tab:cyan", "magenta", "k")
_COLORS_3D = ("k", "tab:red", "tab:orange", "tab:cyan", "tab:purple", "tab:green")


def trajectories(paths: Any, fun: Callable[[Any], Any] | None = None, *, ax: Any = None,
                 markers: bool = True, zmap: Callable[[np.ndarray], np.ndarray] | None = None,
                 colors: Sequence[Any] | None = None, labels: Sequence[str] | None = None,
                 shown: Sequence[int] | None = None) -> TrajectoryDisplay:
    """Draw one or several descent paths (a Result, (k, 2) points, a list, or {label: run}) with
    the start (circle) and end (hollow square) marked, one legend entry per run. Overlapping
    paths stay apart (``path_styles``): the first run is widest and lowest, later ones
    narrower on top, each with its own marker shape; when ``markers``, every iterate is marked
    on paths of at most 60 points, else every k-th (the same k for all runs, given in the
    legend title). On 3-D axes the path is lifted onto the surface: ``fun`` at each point,
    else the run's ``history.loss``. Non-finite points (a diverged run) are cut off, and so is
    everything after the first ``shown[i]`` points of run ``i`` (what
    :func:`~steepest.plot._base.frame` keeps in the box); an arrow then marks where the path
    went. Empty axes are labelled with ``labels``, else ``fun``'s ``.variables``."""
    ax = new_axes(ax)
    lift = getattr(ax, "name", None) == "3d"
    return TrajectoryDisplay.from_runs(paths, fun, lift=lift, zmap=zmap, shown=shown).plot(
        ax, markers=markers, colors=colors, labels=labels)


def _cut(runs: dict[str, Any], fun: Callable[[Any], Any] | None, lift: bool,
         zmap: Callable[[np.ndarray], np.ndarray] | None, shown: Sequence[int] | None
         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each run's points to draw ({label: (P, z)}: up to its first non-finite point and at most
    ``shown[i]``), and where the cut ones went ({label: (step, [last, next], z)})."""
    cut, exits = {}, {}
    for i, (label, run) in enumerate(runs.items()):
        P = path_of(run, "paths")[:, :2]
        z = _heights(run, label, P, fun, zmap) if lift else None
        keep = np.all(np.isfinite(P), axis=1) & (np.isfinite(z) if z is not None else True)
        stop = int(np.argmin(keep)) if not keep.all() else P.shape[0]
        if shown is not None:
            stop = min(stop, int(shown[i]))
        if 0 < stop < P.shape[0]:
            exits[label] = (stop, P[stop - 1:stop + 1], None if z is None else z[stop - 1])
        cut[label] = (P[:stop], None if z is None else z[:stop])
    return cut, exits


def _heights(run: Any, label: str, P: np.ndarray, fun: Callable[[Any], Any] | None,
             zmap: Callable[[np.ndarray], np.ndarray] | None) -> np.ndarray:
    """A path's heights on a 3-D surface: ``fun`` at its points (on the drawn surface, whatever
    loss the run recorded), else its ``history.loss``; through ``zmap``."""
    if fun is not None:
        z = evaluate(fun, P)
    else:
        z = series_of(run, "loss", "paths")
        if z.shape[0] != P.shape[0]:
            raise ValueError(f"run {label!r} has {P.shape[0]} points but {z.shape[0]} "
                             "losses; pass fun to lift the path onto the surface")
    return zmap(z) if zmap is not None else z
