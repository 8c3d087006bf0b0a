"""Loss surfaces: 3-D surface, contour and filled contour of a 2-parameter loss and the clean-edged
quadratic form of least squares, with descent paths (:mod:`._paths`) drawn on them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import (
    BETA_LABELS,
    LOSS_LABEL,
    Display,
    axis_labels,
    contour_levels,
    evaluate,
    frame,
    grid,
    named,
    new_axes,
    path_of,
    problem_attr,
)
from ._paths import STAR_ZORDER, TrajectoryDisplay, path_legend

Limits = tuple[float, float]


# --------------------------------------------------------------------- the quadratic form mesh

def quadratic_mesh(Q: Any, b: Any, c: float, xlim: Sequence[float], ylim: Sequence[float],
                   zlim: Sequence[float], n_theta: int = 181, n_r: int = 40
                   ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Meshes ``(X, Y, Z)`` of z = xᵀQx + bᵀx + c (Q symmetric positive definite) covering exactly
    the part of the box ``xlim × ylim`` where ``zlim[0] ≤ z ≤ zlim[1]``.

    With x* = −½Q⁻¹b, z* = c − ¼bᵀQ⁻¹b and Q = VΛVᵀ, the elliptic coordinates
    x = x* + r·VΛ^{-½}(cos θ, sin θ) give z = z* + r², so the z range is the annulus
    √(z₀ − z*) ≤ r ≤ √(z₁ − z*). Each ray θ meets the box in one interval of r (the box is
    convex), so the region is, per θ, an interval of r; the mesh runs along it. The angles of the
    box's corners and of the ellipse/box-edge crossings are mesh lines, so the edge is exact: box
    edges stay straight and the level-set edge is smooth. Angle ranges where the ray misses the
    region split the mesh into several patches.
    """
    Q = np.asarray(Q, dtype=float)
    b = np.asarray(b, dtype=float).reshape(-1)
    if Q.shape != (2, 2) or b.shape != (2,):
        raise ValueError(f"quadratic_form needs Q of shape (2, 2) and b of shape (2,), got "
                         f"{Q.shape} and {b.shape}")
    Q = 0.5 * (Q + Q.T)
    lam, V = np.linalg.eigh(Q)
    if lam[0] <= 0:
        raise ValueError(f"Q must be positive definite for a bowl with a clean level-set edge; "
                         f"its eigenvalues are {lam}")
    xstar = -0.5 * np.linalg.solve(Q, b)
    zstar = float(c + 0.5 * b @ xstar)
    z0, z1 = float(zlim[0]), float(zlim[1])
    if z1 <= zstar:
        return []
    r_lo, r_hi = np.sqrt(max(z0 - zstar, 0.0)), np.sqrt(z1 - zstar)
    A = V / np.sqrt(lam)  # x = x* + A u, |u| = r
    lo_box = np.array([xlim[0], ylim[0]], dtype=float)
    hi_box = np.array([xlim[1], ylim[1]], dtype=float)

    def interval(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = A @ np.stack([np.cos(theta), np.sin(theta)])  # (2, m) ray directions in x
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = (lo_box[:, None] - xstar[:, None]) / d
            t2 = (hi_box[:, None] - xstar[:, None]) / d
        inside = (lo_box <= xstar) & (xstar <= hi_box)
        flat = d == 0
        near = np.where(flat, np.where(inside[:, None], -np.inf, np.inf), np.minimum(t1, t2))
        far = np.where(flat, np.where(inside[:, None], np.inf, -np.inf), np.maximum(t1, t2))
        return np.maximum(near.max(axis=0), r_lo), np.minimum(far.min(axis=0), r_hi)

    def valid(theta: np.ndarray) -> np.ndarray:
        lo, hi = interval(np.atleast_1d(theta))
        return hi >= lo

    special = _corner_angles(A, xstar, xlim, ylim, (r_lo, r_hi))
    runs = _valid_runs(valid, n_theta)
    if not runs:
        return []
    meshes = []
    for a, b_ in runs:
        base = np.linspace(a, b_, max(8, int(np.ceil(n_theta * (b_ - a) / (2 * np.pi)))))
        extra = special[(np.mod(special - a, 2 * np.pi) > 0)
                        & (np.mod(special - a, 2 * np.pi) < b_ - a)]
        theta = np.union1d(base, a + np.mod(extra - a, 2 * np.pi))
        lo, hi = interval(theta)
        hi = np.maximum(hi, lo)
        s = np.linspace(0.0, 1.0, n_r)
        R = lo[None, :] + s[:, None] * (hi - lo)[None, :]
        U = np.stack([R * np.cos(theta), R * np.sin(theta)])  # (2, n_r, m)
        Xs = xstar[:, None, None] + np.einsum("ij,jkl->ikl", A, U)
        meshes.append((Xs[0], Xs[1], zstar + R ** 2))
    return meshes


def _corner_angles(A: np.ndarray, xstar: np.ndarray, xlim: Sequence[float],
                   ylim: Sequence[float], radii: tuple[float, float]) -> np.ndarray:
    """Angles θ ∈ [0, 2π) where the mesh edge has a corner (x = x* + r·A(cos θ, sin θ)): the box's
    corners, and where the circles r = r_lo, r_hi cross the box's edges."""
    special = []
    Ainv = np.linalg.inv(A)
    for cx in xlim:
        for cy in ylim:
            u = Ainv @ (np.array([cx, cy]) - xstar)
            special.append(np.arctan2(u[1], u[0]))
    for axis, values in ((0, xlim), (1, ylim)):
        a = A[axis]  # x_axis = x*_axis + a·u
        nrm = a / np.linalg.norm(a)
        for v in values:
            dist = (v - xstar[axis]) / np.linalg.norm(a)
            for r in radii:
                if r > abs(dist):
                    foot = dist * nrm
                    along = np.sqrt(r * r - dist * dist) * np.array([-nrm[1], nrm[0]])
                    special.extend(np.arctan2(u[1], u[0]) for u in (foot + along, foot - along))
    return np.mod(np.array(special), 2 * np.pi)


def _valid_runs(valid: Callable[[np.ndarray], np.ndarray], n_theta: int
                ) -> list[tuple[float, float]]:
    """The angle intervals where rays meet the region, their ends found by bisection ([] for
    none, [(0, 2π)] for all)."""
    probe = np.linspace(0, 2 * np.pi, 4 * n_theta, endpoint=False)
    ok = valid(probe)
    if not ok.any():
        return []
    if ok.all():
        return [(0.0, 2 * np.pi)]
    start = int(np.flatnonzero(~ok)[0])  # rotate to start at an invalid angle
    order = np.roll(np.arange(probe.size), -start)
    th, okr = np.unwrap(probe[order]), ok[order]
    step = probe[1] - probe[0]
    runs, i = [], 0
    while i < okr.size:
        if not okr[i]:
            i += 1
            continue
        j = i
        while j + 1 < okr.size and okr[j + 1]:
            j += 1
        runs.append((_bisect(valid, th[i] - step, th[i]), _bisect(valid, th[j] + step, th[j])))
        i = j + 1
    return runs


def _bisect(valid: Callable[[np.ndarray], np.ndarray], bad: float, good: float) -> float:
    for _ in range(50):
        mid = 0.5 * (bad + good)
        if valid(np.array([mid]))[0]:
            good = mid
        else:
            bad = mid
    return good


# --------------------------------------------------------------------------------- 3-D surfaces

@dataclass(repr=False, eq=False)
class SurfaceDisplay(Display):
    """A loss surface ready to draw: ``.meshes`` [(X, Y, Z), …] (one grid, or the patches of
    the clean-edged quadratic form), ``.fun`` the loss, the box ``.xlim``, ``.ylim``,
    ``.zlim``, ``.labels``/``.zlabel``/``.title``, ``.zmap`` (ℒ → drawn height, log₁₀ for
    ``log=True``; None for the identity), ``.minima`` (k, 3) stars, ``.trajectories`` the paths
    on it (a :class:`TrajectoryDisplay`, or None). ``edged``: thin mesh lines and colours over
    ``zlim`` (the quadratic form's look). After :meth:`plot`: ``.ax`` (3-D), ``.surfaces``
    (Poly3DCollections), ``.lines``; ``.paths`` {label: (k, 3) points}."""

    meshes: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    fun: Callable[[Any], Any]
    xlim: Limits
    ylim: Limits
    zlim: Sequence[float] | None
    labels: Sequence[str]
    zlabel: str = LOSS_LABEL
    title: str | None = None
    zmap: Callable[[np.ndarray], np.ndarray] | None = None
    minima: np.ndarray | None = None
    trajectories: TrajectoryDisplay | None = None
    edged: bool = False
    surfaces: list[Any] = field(default_factory=list, init=False)

    @classmethod
    def from_quadratic(cls, Q: Any, b: Any = (0.0, 0.0), c: float = 0.0,
                       xlim: Sequence[float] | None = None, ylim: Sequence[float] | None = None,
                       zlim: Sequence[float] | None = None, *,
                       labels: Sequence[str] | None = None, zlabel: str = LOSS_LABEL,
                       title: str | None = None, path: Any = None,
                       resolution: tuple[int, int] = (181, 40)) -> SurfaceDisplay:
        """The meshes of :func:`quadratic_form` (same arguments), nothing drawn."""
        problem = Q if hasattr(Q, "A") and hasattr(Q, "b") else None
        if problem is not None:
            if np.ndim(b) != 1 or np.any(np.asarray(b, dtype=float) != 0) or c != 0:
                raise TypeError("quadratic_form(problem, ...): the problem gives Q, b and c; "
                                "pass the box by keyword (xlim=, ylim=, zlim=)")
            Q, b, c = problem.A / 2, -problem.b, problem.c
        runs = named(path, "path") if path is not None else {}
        pts = [path_of(r, "path")[:, :2] for r in runs.values()]
        if problem is None:
            xlim = (-12.0, 12.0) if xlim is None else xlim
            ylim = (-4.0, 4.0) if ylim is None else ylim
        box = frame(problem, xlim, ylim, pts)
        names = (axis_labels(problem, labels) if problem is not None or labels is not None
                 else BETA_LABELS)
        fun = _quadratic(np.asarray(Q, float), np.asarray(b, float).reshape(-1), float(c))
        if zlim is None:
            zlim = ((-1.0, 2000.0) if problem is None
                    else _z_range(fun, problem, pts, box.shown))
        meshes = quadratic_mesh(Q, b, c, box.xlim, box.ylim, zlim, *resolution)
        traj = (TrajectoryDisplay.from_runs(runs, fun, lift=True, shown=box.shown) if runs
                else None)
        return cls(meshes, fun, box.xlim, box.ylim, zlim, names, zlabel, title,
                   trajectories=traj, edged=True)

    @classmethod
    def from_function(cls, fun: Callable[[Any], Any], xlim: Sequence[float] | None = None,
                      ylim: Sequence[float] | None = None, zlim: Sequence[float] | None = None,
                      *, paths: Any = None, n: int = 80, labels: Sequence[str] | None = None,
                      zlabel: str = LOSS_LABEL, log: bool = False,
                      title: str | None = None) -> SurfaceDisplay:
        """The grid of :func:`surface` (same arguments), nothing drawn."""
        names = axis_labels(fun, labels)
        runs = named(paths, "path") if paths is not None else {}
        box = frame(fun, xlim, ylim, [path_of(r, "paths") for r in runs.values()])
        X, Y, Z = grid(fun, box.xlim, box.ylim, n)
        shown, zmap = _zmap(Z, log)
        if zlim is not None:
            shown = np.where((shown >= zlim[0]) & (shown <= zlim[1]), shown, np.nan)
        mins = problem_attr(fun, "minima")
        stars = None
        if mins is not None and np.size(mins):
            m = np.asarray(mins, dtype=float).reshape(-1, 2)
            stars = np.column_stack([m, zmap(evaluate(fun, m))])
        traj = (TrajectoryDisplay.from_runs(runs, fun, lift=True, zmap=zmap, shown=box.shown)
                if runs else None)
        return cls([(X, Y, shown)], fun, box.xlim, box.ylim, zlim, names,
                   (r"$\log_{10}$ " + zlabel) if log else zlabel,
                   title or problem_attr(fun, "name"), zmap if log else None, stars, traj)

    @property
    def lines(self) -> list[Any]:
        """The paths' lines (after :meth:`plot`)."""
        return self.trajectories.lines if self.trajectories is not None else []

    @property
    def paths(self) -> dict[str, np.ndarray]:
        """{label: (k, 3) points of each path on the surface}."""
        return self.trajectories.paths if self.trajectories is not None else {}

    def plot(self, ax: Any = None, *, cmap: str = "viridis", alpha: float | None = None,
             view: tuple[float, float] | None = (60, 22)) -> SurfaceDisplay:
        """Draw on 3-D ``ax`` (new if None): the meshes (``alpha`` 0.5 for the quadratic
        form, else 0.6), known minima starred, the paths on top; ``view`` is (azim, elev)."""
        ax = self.ax = new_axes(ax, projection="3d", figsize=(7, 7) if self.edged else (7, 6))
        alpha = (0.5 if self.edged else 0.6) if alpha is None else alpha
        if self.edged:
            lo, hi = (None, None) if self.zlim is None else self.zlim
            style = dict(linewidth=0.2, edgecolor=(0.2, 0.2, 0.2, 0.25), rstride=2, cstride=4,
                         vmin=lo, vmax=hi)
        else:
            style = dict(linewidth=0, rstride=1, cstride=1)
        self.surfaces = [ax.plot_surface(X, Y, Z, cmap=cmap, alpha=alpha, antialiased=True,
                                         **style) for X, Y, Z in self.meshes]
        _style_3d(ax, self.labels, self.zlabel, self.xlim, self.ylim, self.zlim, view,
                  self.title)
        if self.minima is not None:
            m = self.minima
            ax.plot(m[:, 0], m[:, 1], m[:, 2], "*", ms=14, color="white", mec="k", mew=1.2,
                    zorder=STAR_ZORDER, linestyle="none", label="minimum")
        if self.trajectories is not None:
            self.trajectories.plot(ax, labels=self.labels)
        return self


def _quadratic(Q: np.ndarray, b: np.ndarray, c: float) -> Callable[[np.ndarray], np.ndarray]:
    """x ↦ xᵀQx + bᵀx + c, for one point or stacked coordinates x[i]."""
    def fun(x: np.ndarray) -> np.ndarray:
        return np.einsum("i...,ij,j...->...", x, Q, x) + np.tensordot(b, x, 1) + c
    return fun


def _style_3d(ax: Any, labels: Sequence[str], zlabel: str, xlim: Any, ylim: Any, zlim: Any,
              view: tuple[float, float] | None, title: str | None) -> None:
    ax.set_xlabel(labels[0], fontsize=13, labelpad=6)
    ax.set_ylabel(labels[1], fontsize=13, labelpad=6)
    ax.zaxis.set_rotate_label(False)
    ax.set_zlabel(zlabel, fontsize=13, labelpad=12 if len(zlabel) > 16 else 8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if zlim is not None:
        ax.set_zlim(*zlim)
    if view is not None:
        ax.view_init(azim=view[0], elev=view[1])
    if title:
        ax.set_title(title, fontsize=14)


def quadratic_form(Q: Any, b: Any = (0.0, 0.0), c: float = 0.0,
                   xlim: Sequence[float] | None = None, ylim: Sequence[float] | None = None,
                   zlim: Sequence[float] | None = None, *, ax: Any = None,
                   view: tuple[float, float] | None = (60, 22), alpha: float = 0.5,
                   cmap: str = "viridis", labels: Sequence[str] | None = None,
                   zlabel: str = LOSS_LABEL, title: str | None = None,
                   path: Any = None, resolution: tuple[int, int] = (181, 40)
                   ) -> SurfaceDisplay:
    r"""The surface z = xᵀQx + bᵀx + c drawn only where zlim[0] ≤ z ≤ zlim[1] inside the box, with a
    clean edge (see :func:`quadratic_mesh`). ``Q`` may be a 2-parameter
    :class:`~steepest.problems.Quadratic` (least squares included) instead: the surface is then
    that problem's own loss, framed on its ``.domain`` grown to hold ``path``, e.g.
    ``quadratic_form(st.datasets.lecture_problem(), path=result)`` for the lecture's
    ‖y − Xβ‖² (``quadratic_form(X.T @ X, -2 * X.T @ y, y @ y)``). ``view`` is (azim, elev);
    ``path`` (a Result, (k, 2) points, or {label: run}) is drawn on the surface at its loss
    values, until it leaves the box (an arrow says where it went). The box defaults to the
    lecture's −12…12 × −4…4 for a bare matrix; ``zlim`` to (−1, 2000) for it, else to the loss
    range of the path and the problem's start. The axes are the lecture's β₀, β₁ (the
    problem's ``.variables``) unless ``labels`` names them."""
    return SurfaceDisplay.from_quadratic(
        Q, b, c, xlim, ylim, zlim, labels=labels, zlabel=zlabel, title=title, path=path,
        resolution=resolution).plot(ax, cmap=cmap, alpha=alpha, view=view)


def _z_range(fun: Callable[[Any], Any], problem: Any, pts: Sequence[np.ndarray],
             cuts: Sequence[int]) -> tuple[float, float]:
    """(min ℒ − 2 % of the span, 1.1 × the highest loss on the shown paths and at the start)."""
    z = [evaluate(fun, np.asarray(problem.x0, float)[None, :2])]
    z += [evaluate(fun, p[:k]) for p, k in zip(pts, cuts) if k]
    lo = float(problem.min_value) if problem.min_value is not None else 0.0
    hi = float(np.max(np.concatenate(z)))
    hi = lo + 1.1 * (hi - lo) if hi > lo else lo + 1.0
    return lo - 0.02 * (hi - lo), hi


def surface(fun: Callable[[Any], Any], xlim: Sequence[float] | None = None,
            ylim: Sequence[float] | None = None, zlim: Sequence[float] | None = None, *,
            paths: Any = None, ax: Any = None, n: int = 80, cmap: str = "viridis",
            alpha: float = 0.6, view: tuple[float, float] | None = (60, 22),
            labels: Sequence[str] | None = None, zlabel: str = LOSS_LABEL,
            log: bool = False, title: str | None = None) -> SurfaceDisplay:
    """3-D surface of any 2-parameter loss ``fun`` (NumPy or Tensor function, or a problem with
    ``.domain``/``.minima``; known minima are starred) on an ``n × n`` grid. Points outside
    ``zlim`` are left out.
    ``log=True`` draws log₁₀(ℒ − min ℒ + ε) instead (it turns a narrow valley into a sharp
    crease, so it is off by default; the problem's ``.log_levels`` applies to contour maps).
    ``paths``: one run, a list, or {label: run}. The axes are named by ``labels``, else by the
    problem's ``.variables`` (x₁, x₂; β₀, β₁ for least squares)."""
    return SurfaceDisplay.from_function(
        fun, xlim, ylim, zlim, paths=paths, n=n, labels=labels, zlabel=zlabel, log=log,
        title=title).plot(ax, cmap=cmap, alpha=alpha, view=view)


def _zmap(Z: np.ndarray, log: bool) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    if not log:
        return Z, lambda z: z
    zmin = float(np.nanmin(Z))
    eps = 1e-3 * max(float(np.nanmax(Z)) - zmin, 1e-12)

    def zmap(z: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(np.asarray(z) - zmin, 0) + eps)
    return zmap(Z), zmap


# -------------------------------------------------------------------------------- contour maps

@dataclass(repr=False, eq=False)
class ContourDisplay(Display):
    """A contour map ready to draw: the grid ``.X, .Y, .Z``, ``.levels`` (log-spaced when
    ``.log``), the box ``.xlim``/``.ylim``, axis ``.labels``, ``.title``, ``.minima`` (k, 2)
    stars (or None) and ``.trajectories`` (a :class:`TrajectoryDisplay`, or None). After
    :meth:`plot`: ``.ax``, ``.contour`` (the ContourSet), ``.lines`` (one per path)."""

    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    levels: np.ndarray
    log: bool
    xlim: Limits
    ylim: Limits
    labels: Sequence[str]
    title: str | None = None
    minima: np.ndarray | None = None
    trajectories: TrajectoryDisplay | None = None
    local_minima: np.ndarray | None = None   # known minima that are not global (◆)
    contour: Any = field(default=None, init=False)

    @classmethod
    def from_function(cls, fun: Callable[[Any], Any], xlim: Sequence[float] | None = None,
                      ylim: Sequence[float] | None = None, *, paths: Any = None, n: int = 200,
                      levels: int | Sequence[float] = 30, log: bool | None = None,
                      labels: Sequence[str] | None = None, minima: Any = None,
                      title: str | None = None) -> ContourDisplay:
        """``fun`` on an ``n × n`` grid over the box :func:`~steepest.plot._base.frame`
        chooses, its levels and the paths (arguments as :func:`contour`), nothing drawn."""
        names = axis_labels(fun, labels)
        runs = named(paths, "path") if paths is not None else {}
        box = frame(fun, xlim, ylim, [path_of(r, "paths") for r in runs.values()])
        X, Y, Z = grid(fun, box.xlim, box.ylim, n)
        log = bool(problem_attr(fun, "log_levels", False)) if log is None else log
        lv = (contour_levels(Z, levels, log) if isinstance(levels, (int, np.integer))
              else np.asarray(levels, float))
        mins = problem_attr(fun, "minima") if minima is None else minima
        stars = (np.asarray(mins, dtype=float).reshape(-1, 2)
                 if mins is not None and np.size(mins) else None)
        traj = TrajectoryDisplay.from_runs(runs, fun, shown=box.shown) if runs else None
        return cls(X, Y, Z, lv, log, box.xlim, box.ylim, names,
                   title or problem_attr(fun, "name"), stars, traj,
                   _only_local(problem_attr(fun, "local_minima"), stars))

    @property
    def lines(self) -> list[Any]:
        """The paths' lines (after :meth:`plot`)."""
        return self.trajectories.lines if self.trajectories is not None else []

    def plot(self, ax: Any = None, *, filled: bool = True, cmap: str = "viridis",
             colorbar: bool = True, minima_label: str = "minimum",
             colors: Sequence[Any] | None = None) -> ContourDisplay:
        """Draw on ``ax`` (new if None): filled contours with thin level lines (or level lines
        only, ``filled=False``), the colour bar, the minima as white stars named
        ``minima_label``, and the paths (``colors``: one per path) with their legend."""
        ax = self.ax = new_axes(ax, figsize=(7, 5.5))
        self.contour = self._levels(ax, filled, cmap)
        if colorbar:
            ticks = self.levels[:: max(1, len(self.levels) // 6)] if self.log else None
            cb = ax.figure.colorbar(self.contour, ax=ax, shrink=0.9, ticks=ticks,
                                    format="%.3g" if self.log else None)
            cb.set_label(LOSS_LABEL + (" (log-spaced levels)" if self.log else ""), fontsize=12)
        ax.set_xlabel(self.labels[0], fontsize=13)
        ax.set_ylabel(self.labels[1], fontsize=13)
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        if self.title:
            ax.set_title(self.title, fontsize=14)
        if self.minima is not None:
            m = self.minima
            named = "global minimum" if self.local_minima is not None \
                and minima_label == "minimum" else minima_label
            ax.plot(m[:, 0], m[:, 1], "*", ms=13, color="white", mec="k", mew=1.2,
                    label=named, zorder=STAR_ZORDER, linestyle="none")
        if self.local_minima is not None:
            m = self.local_minima
            ax.plot(m[:, 0], m[:, 1], "D", ms=8, color="white", mec="k", mew=1.2,
                    label="local minimum", zorder=STAR_ZORDER, linestyle="none")
        traj = self.trajectories
        if traj is not None:
            traj.plot(ax, labels=self.labels, colors=colors)
        if traj is not None or self.minima is not None:
            every = (traj.mark_every or 1) if traj is not None else 1
            path_legend(ax, f"markers every {every} steps" if every > 1 else None,
                        parts=traj.legend_parts if traj is not None else None)
        return self

    def _levels(self, ax: Any, filled: bool, cmap: str) -> Any:
        """The filled contours (or level lines); log-spaced levels get one colour step each,
        so they use the whole colormap."""
        norm = None
        if self.log:
            import matplotlib as mpl
            from matplotlib.colors import BoundaryNorm
            norm = BoundaryNorm(self.levels, mpl.colormaps[cmap].N, extend="both")
        X, Y, Z, lv = self.X, self.Y, self.Z, self.levels
        if not filled:
            return ax.contour(X, Y, Z, levels=lv, cmap=cmap, norm=norm, linewidths=1)
        cs = ax.contourf(X, Y, Z, levels=lv, cmap=cmap, norm=norm, extend="both")
        ax.contour(X, Y, Z, levels=lv, colors="k", linewidths=0.3, alpha=0.4)
        return cs


def _only_local(local: Any, stars: np.ndarray | None) -> np.ndarray | None:
    """The problem's ``local_minima`` (which list the global ones too) less those starred."""
    if local is None or not np.size(local):
        return None
    m = np.asarray(local, dtype=float).reshape(-1, 2)
    if stars is not None:
        far = np.min(np.linalg.norm(m[:, None, :] - stars[None], axis=2), axis=1) > 1e-9
        m = m[far]
    return m if len(m) else None


def contour(fun: Callable[[Any], Any], xlim: Sequence[float] | None = None,
            ylim: Sequence[float] | None = None, *, paths: Any = None, ax: Any = None,
            n: int = 200, levels: int | Sequence[float] = 30, filled: bool = True,
            log: bool | None = None, cmap: str = "viridis", labels: Sequence[str] | None = None,
            minima: Any = None, minima_label: str = "minimum", colorbar: bool = True,
            title: str | None = None, colors: Sequence[Any] | None = None) -> ContourDisplay:
    """Contour (``filled=False``) or filled contour map of a 2-parameter loss, with trajectories.
    ``log=True`` (default: the problem's ``.log_levels``) spaces the levels geometrically above
    the minimum, so the valley of a peaky function (Rosenbrock) is resolved. Known minima (the
    problem's ``.minima`` or ``minima=``) are marked with white stars, named ``minima_label`` in
    the legend (e.g. "θ*" for the centre of a loss landscape, which need not be a minimum), and
    the problem's other known minima (``.local_minima``) with white diamonds. The
    axes are named by ``labels``, else by the problem's ``.variables`` (x₁, x₂; β₀, β₁ for least
    squares). ``colors``: one per path (e.g. those of a loss plot beside it)."""
    return ContourDisplay.from_function(
        fun, xlim, ylim, paths=paths, n=n, levels=levels, log=log, labels=labels,
        minima=minima, title=title).plot(ax, filled=filled, cmap=cmap, colorbar=colorbar,
                                         minima_label=minima_label, colors=colors)
