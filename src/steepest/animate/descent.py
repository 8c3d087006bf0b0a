"""Animations of learning: descent on the 3-D surface and on the contour map (one or several
optimizers racing), the fitted line turning, the decision boundary during training."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..plot._base import evaluate, frame, named, path_of, to_numpy
from ._core import Animation, frame_schedule

if TYPE_CHECKING:
    from ..plot.surface import SurfaceDisplay

_COLORS = ("k", "tab:red", "tab:orange", "tab:cyan", "tab:purple", "tab:green", "tab:brown")


def _figure(figsize: tuple[float, float], dpi: float) -> Any:
    """A figure outside pyplot (nothing shows twice in a notebook; no figure to close)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _finite_prefix(P: np.ndarray, z: np.ndarray | None = None) -> int:
    ok = np.all(np.isfinite(P), axis=1)
    if z is not None:
        ok &= np.isfinite(z)
    return P.shape[0] if ok.all() else int(np.argmin(ok))


def _schedule(frames: Any, n_steps: int) -> list[int]:
    if frames is None:
        return [int(i) for i in frame_schedule(n_steps)]
    if isinstance(frames, int):
        return [int(i) for i in frame_schedule(n_steps, frames)]
    idx = [int(i) for i in frames]
    if min(idx) < 0:
        raise ValueError("frames must be non-negative step indices")
    return idx


def _on_top(ax: Any) -> list[Any]:
    """The known-minimum stars of ``ax``, to be redrawn above the moving paths."""
    return [ln for ln in ax.lines if ln.get_label() == "minimum"]


def _caption(fig: Any, text: str) -> Any:
    """The step counter, at the bottom left (clear of the title and the legend)."""
    return fig.text(0.02, 0.02, text, fontsize=11, va="bottom", ha="left", family="monospace",
                    animated=True)


def _is_bowl(fun: Any) -> bool:
    """A 2-parameter quadratic problem with a positive-definite Hessian (least squares)."""
    A = getattr(fun, "A", None)
    return (A is not None and hasattr(fun, "b") and np.shape(A) == (2, 2)
            and bool(np.linalg.eigvalsh(np.asarray(A, float))[0] > 0))


def descent_3d(runs: Any, fun: Callable[[Any], Any], *,
               xlim: Sequence[float] | None = None, ylim: Sequence[float] | None = None,
               zlim: Sequence[float] | None = None, view: tuple[float, float] = (60, 22),
               frames: Any = None, fps: float = 10, figsize: tuple[float, float] = (5, 5),
               dpi: float = 100, title: str | None = None,
               labels: Sequence[str] | None = None, progress: bool = False) -> Animation:
    r"""The path sliding down the 3-D loss surface of ``fun`` (a problem or a function). The
    surface is drawn once, from the problem itself — the lecture's clean-edged quadratic form
    for a 2-parameter least-squares or quadratic problem (:func:`steepest.plot.quadratic_form`),
    else :func:`steepest.plot.surface` — and each frame extends one line per run. The box is the
    problem's ``.domain`` grown to hold the paths (for the lecture's problem its −12…12 × −4…4);
    a diverging path is followed until it leaves it. ``runs``: a Result, (k, 2) points, or
    {label: run} to race several. ``frames``: step indices (default: dense early, sparse later,
    120 frames), or a count. Axes: ``labels``, else ``fun``'s ``.variables``."""
    if fun is None or isinstance(fun, tuple):
        raise TypeError("descent_3d(runs, fun): pass the problem whose surface to draw (e.g. "
                        "st.datasets.lecture_problem()); a hand-made quadratic (Q, b, c) is no "
                        "longer taken, so the surface and the path cannot disagree")
    runs = named(runs, "path")
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot(projection="3d")
    pts = [path_of(r, "runs")[:, :2] for r in runs.values()]
    xlim, ylim, cuts = frame(fun, xlim, ylim, pts)
    bowl = _is_bowl(fun)
    disp = _surface_3d(ax, fun, bowl, (xlim, ylim, zlim), pts, cuts, view, labels)
    if title:
        ax.set_title(title, fontsize=12)
    fig.subplots_adjust(left=0.06, right=0.94, bottom=0.04, top=0.96)
    ax.set_box_aspect(None, zoom=0.86)
    data = {label: _lifted(full[:k], disp) for label, full, k in zip(runs, pts, cuts)}
    lines, heads, every = _moving_3d(ax, data)
    if len(runs) > 1:
        ax.legend(loc="upper right", fontsize=9, handles=lines, title_fontsize=8,
                  title=f"markers every {every} steps" if every > 1 else None)
    keys = _schedule(frames, max(1, *(len(P) for P, _ in data.values())))
    lengths = [len(P) for P in pts]
    caption = _caption(fig, "")

    def update(step: int) -> list[Any]:
        for (P, z), ln, hd in zip(data.values(), lines, heads):
            k = min(step, P.shape[0] - 1) + 1
            ln.set_data_3d(P[:k, 0], P[:k, 1], z[:k])
            hd.set_data_3d(P[k - 1: k, 0], P[k - 1: k, 1], z[k - 1: k])
        first = next(iter(data.values()))
        k = min(step, first[0].shape[0] - 1)
        loss = f"  loss={first[1][k]:.4g}" if len(runs) == 1 and bowl else ""
        gone = [f"{lb} left the box at step {c}" for lb, c, n in zip(runs, cuts, lengths)
                if c < n and step >= c]
        caption.set_text("\n".join([f"step {step}{loss}", *gone]))
        return [*lines, *heads, *stars, caption, legend]
    legend = ax.get_legend()
    stars = _on_top(ax)
    return Animation(fig, update, keys, animated=[*lines, *heads, *stars, caption, legend],
                     fps=fps,
                     progress=progress, data={"ax": ax, "lines": lines, "paths": data})


def _surface_3d(ax: Any, fun: Any, bowl: bool, box: tuple[Any, Any, Any],
                pts: list[np.ndarray], cuts: Sequence[int], view: tuple[float, float],
                labels: Sequence[str] | None) -> SurfaceDisplay:
    """The static surface: the clean-edged quadratic form for a bowl (its z range from the
    shown paths unless given), else the grid surface."""
    from ..plot.surface import _z_range, quadratic_form, surface
    xlim, ylim, zlim = box
    if not bowl:
        return surface(fun, xlim, ylim, zlim, ax=ax, view=view, labels=labels)
    if zlim is None:
        zlim = _z_range(fun, fun, pts, cuts)
    return quadratic_form(fun, xlim=xlim, ylim=ylim, zlim=zlim, ax=ax, view=view,
                          labels=labels)


def _lifted(P: np.ndarray, disp: SurfaceDisplay) -> tuple[np.ndarray, np.ndarray]:
    """A path's points and heights on the drawn surface, up to the first non-finite one."""
    z = evaluate(disp.fun, P) if len(P) else np.zeros(0)
    if disp.zmap is not None:
        z = disp.zmap(z)
    end = _finite_prefix(P, z)
    return P[:end], z[:end]


def _moving_3d(ax: Any, data: dict[str, tuple[np.ndarray, np.ndarray]]
               ) -> tuple[list[Any], list[Any], int]:
    """An empty line (with iterate markers every k steps) and a head dot per run, to be
    extended frame by frame; and k."""
    from ..plot._paths import mark_every, path_styles
    every = mark_every(max(1, *(len(P) for P, _ in data.values())))
    lines, heads = [], []
    for label, st in zip(data, path_styles(len(data), _COLORS)):
        (ln,) = ax.plot([], [], [], color=st["color"], lw=st["lw"], ls=st["ls"],
                        marker=st["marker"], ms=0.8 * st["ms"], mec="k", mew=0.4,
                        markevery=slice(every, None, every), label=label)
        (hd,) = ax.plot([], [], [], "o", color=st["color"], ms=7, mec="white", mew=1)
        lines.append(ln)
        heads.append(hd)
    return lines, heads, every


def descent_contour(runs: Any, fun: Callable[[Any], Any], *,
                    xlim: Sequence[float] | None = None, ylim: Sequence[float] | None = None,
                    frames: Any = None, fps: float = 10, figsize: tuple[float, float] = (6, 5),
                    dpi: float = 100, log: bool | None = None, title: str | None = None,
                    labels: Sequence[str] | None = None, progress: bool = False) -> Animation:
    """The path(s) growing on the filled contour map of ``fun`` (drawn once); several runs
    ({label: Result}) race, styled as :func:`steepest.plot.trajectories` draws them (the first
    run widest and lowest, each with its own marker shape), so overlapping paths stay apart.
    Axes: ``labels``, else ``fun``'s ``.variables``."""
    from ..plot._paths import mark_every, path_legend
    from ..plot.surface import contour
    runs = named(runs, "path")
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    pts = [path_of(r, "runs")[:, :2] for r in runs.values()]
    xlim, ylim, cuts = frame(fun, xlim, ylim, pts)
    contour(fun, xlim, ylim, ax=ax, log=log, labels=labels, title=title)
    paths = [P[:min(_finite_prefix(P), k)] for P, k in zip(pts, cuts)]
    every = mark_every(max(1, *(len(P) for P in paths)))
    data = dict(zip(runs, paths))
    outlines, lines, dots, heads, exits = _moving_2d(ax, data, pts)
    if len(runs) > 1 or not next(iter(runs)).startswith("path"):
        path_legend(ax, f"markers every {every} steps" if every > 1 else None,
                    parts={ln: (ol, dt) for ln, ol, dt in zip(lines, outlines, dots)})
    stars = _on_top(ax)
    fig.tight_layout()
    keys = _schedule(frames, max(1, *(len(P) for P in paths)))
    marks = [a for _, arts in exits for a in arts]
    for a in marks:
        a.set_animated(True)
    caption = ax.text(0.02, 0.97, "", transform=ax.transAxes, fontsize=11, va="top",
                      family="monospace", animated=True,
                      bbox={"fc": "white", "ec": "none", "alpha": 0.7})

    def update(step: int) -> list[Any]:
        for P, ol, ln, dt, hd in zip(data.values(), outlines, lines, dots, heads):
            k = min(step, P.shape[0] - 1) + 1
            ol.set_data(P[:k, 0], P[:k, 1])
            ln.set_data(P[:k, 0], P[:k, 1])
            dt.set_data(P[every:k:every, 0], P[every:k:every, 1])
            hd.set_data(P[k - 1: k, 0], P[k - 1: k, 1])
        for k, arts in exits:  # the arrow to where a path went, once it has gone
            for a in arts:
                a.set_visible(step >= k - 1)
        caption.set_text(f"step {step}")
        return [*outlines, *lines, *dots, *heads, *marks, *stars, caption, legend]
    legend = ax.get_legend()
    return Animation(fig, update, keys,
                     animated=[*outlines, *lines, *dots, *heads, *marks, *stars, caption,
                               legend],
                     fps=fps, progress=progress,
                     data={"ax": ax, "lines": lines, "paths": data, "mark_every": every})


def _moving_2d(ax: Any, data: dict[str, np.ndarray], full: list[np.ndarray]
               ) -> tuple[list[Any], list[Any], list[Any], list[Any], list[tuple[int, Any]]]:
    """Per run, empty artists to extend frame by frame (outline, line, iterate markers, head
    dot), the start circle, and the arrow where a cut path went (with the step it shows
    from), styled as :func:`steepest.plot.trajectories` draws paths."""
    from ..plot._paths import exit_marker, path_outline, path_styles
    colors = ["tab:red", "white", "tab:orange", "tab:cyan", "tab:pink", "k", "tab:olive"]
    outlines, lines, dots, heads, exits = [], [], [], [], []
    for (label, P), whole, st in zip(data.items(), full, path_styles(len(data), colors)):
        color, zo = st["color"], st["zorder"]
        outlines.append(path_outline(ax, [np.zeros(0), np.zeros(0)], st))
        (ln,) = ax.plot([], [], color=color, lw=st["lw"], ls=st["ls"], label=label, zorder=zo)
        (dt,) = ax.plot([], [], st["marker"], color=color, ms=st["ms"], mec="k", mew=0.6,
                        zorder=zo + 1)
        (hd,) = ax.plot([], [], "o", color=color, ms=st["ms"] + 3, mec="k", mew=1,
                        zorder=zo + 2)
        lines.append(ln)
        dots.append(dt)
        heads.append(hd)
        if len(P):
            ax.plot(P[0, 0], P[0, 1], "o", ms=st["start_ms"], mfc="white", mec=color, mew=2,
                    zorder=zo + 3)
        if 0 < len(P) < len(whole):
            exits.append((len(P), exit_marker(ax, len(P), whole[len(P) - 1:len(P) + 1],
                                              color=color)))
    return outlines, lines, dots, heads, exits


def descent(fun: Any, runs: Any, *, surface: bool = False, **kwargs: Any) -> Animation:
    """The descent of ``runs`` (a Result, points, or {label: run}) on the loss ``fun``: on its
    contour map, or on its 3-D surface with ``surface=True`` (:func:`descent_contour`,
    :func:`descent_3d`; keyword arguments go through)."""
    if surface:
        return descent_3d(runs, fun, **kwargs)
    return descent_contour(runs, fun, **kwargs)


def race(fun: Any, optimizers: dict[str, Any], x0: Any = None, *, steps: int = 200,
         surface: bool = False, **kwargs: Any) -> Animation:
    """Several optimizers from the same start on one loss: runs ``steepest.minimize(fun, x0,
    opt, max_steps=steps)`` for each ``{label: optimizer}`` (or takes ``{label: Result}`` as they
    are) and animates them together on the contour map, or on the 3-D surface."""
    import steepest as st
    runs = {}
    for label, opt in optimizers.items():
        if hasattr(opt, "history") or isinstance(opt, np.ndarray):
            runs[label] = opt
        else:
            start = x0 if x0 is not None else fun.x0
            runs[label] = st.minimize(fun, np.asarray(start, dtype=float), opt,
                                      max_steps=steps)
    return descent(fun, runs, surface=surface, **kwargs)


def line_fit(x: Any, y: Any, betas: Any, *, frames: Any = None, fps: float = 10,
             figsize: tuple[float, float] = (5, 5), dpi: float = 100, centered: bool = True,
             progress: bool = False) -> Animation:
    """The fitted line y = β₀ + β₁x turning toward the data as descent proceeds (the lecture's
    second animation). ``betas``: a Result or an array of β per step; ``x`` raw inputs or the
    design matrix [1, x]."""
    from ..plot.models import fitted_line
    B = path_of(betas, "betas")
    B = B[:_finite_prefix(B)]
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    disp = fitted_line(x, y, B, step=0, ax=ax, centered=centered, equation=False)
    disp.line.set_animated(True)
    xs = disp.line.get_xdata()
    xr = to_numpy(x)
    xr = xr[:, 1] if xr.ndim == 2 else xr
    yr = to_numpy(y)
    span = yr.max() - yr.min()
    ax.set_ylim(min(yr.min(), 0) - 0.3 * span, max(yr.max(), 0) + 0.3 * span)
    ax.set_title("")
    keys = _schedule(frames, B.shape[0])
    caption = ax.text(0.02, 0.98, "", transform=ax.transAxes, fontsize=11, va="top",
                      animated=True)

    def update(step: int) -> list[Any]:
        b = B[min(step, B.shape[0] - 1)]
        disp.line.set_data(xs, b[0] + b[1] * xs)
        caption.set_text(rf"step {step}:  $y = {b[0]:.2f} {'+' if b[1] >= 0 else '-'} "
                         rf"{abs(b[1]):.2f}x$")
        return [disp.line, caption]
    return Animation(fig, update, keys, animated=[disp.line, caption], fps=fps,
                     progress=progress, data={"ax": ax, "line": disp.line, "betas": B})


def decision_boundary(model: Any, history: Any, X: Any, y: Any, *,
                      set_params: Callable[[Any, np.ndarray], None] | None = None,
                      fps: float = 5, figsize: tuple[float, float] = (5.5, 5), dpi: float = 100,
                      n: int = 120, progress: bool = False) -> Animation:
    """The decision boundary of a 2-D classifier moving during training, one frame per snapshot
    of ``history`` (``nn.fit(..., snapshot_every=k)``: ``.snapshots`` flat parameter vectors,
    ``.snapshot_epochs``; or a list of vectors). Each snapshot is loaded into ``model`` with
    ``set_params(model, vector)`` (default ``steepest.nn.vector_to_parameters``); the model's own
    parameters are restored afterwards."""
    from ..plot.models import decision_boundary as draw
    from ..plot.models import predict_scores
    snaps = getattr(history, "snapshots", history)
    snaps = [to_numpy(s).ravel() for s in snaps]
    if not snaps:
        raise ValueError("history has no snapshots: fit with snapshot_every=k")
    epochs = list(getattr(history, "snapshot_epochs", range(len(snaps))))
    if set_params is None:
        from ..nn import parameters_to_vector, vector_to_parameters

        def set_params(m: Any, v: Any) -> None:
            vector_to_parameters(v, m)
        original = to_numpy(parameters_to_vector(model)).copy()
    else:
        original = None
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    set_params(model, snaps[0])
    disp = draw(model, X, y, ax=ax, n=n)
    grid_pts = np.column_stack([disp.xx.ravel(), disp.yy.ravel()])
    disp.image.set_animated(True)
    if disp.boundary is not None:
        disp.boundary.remove()
        disp.boundary = None
    for s in disp.scatter:
        s.set_animated(True)
    fig.tight_layout()
    caption = ax.text(0.02, 0.97, "", transform=ax.transAxes, fontsize=11, va="top",
                      animated=True, bbox={"fc": "white", "ec": "none", "alpha": 0.7})
    prob_scale = None

    def update(i: int) -> list[Any]:
        nonlocal prob_scale
        set_params(model, snaps[i])
        scores = predict_scores(model, grid_pts)
        scores = scores.reshape(disp.xx.shape + scores.shape[1:])
        disp.shade(scores, animated=True)
        caption.set_text(f"epoch {epochs[i]}")
        if original is not None and i == len(snaps) - 1:
            set_params(model, original)
        return [disp.image, disp.boundary, *disp.scatter, caption, legend]
    legend = ax.get_legend()
    anim = Animation(fig, update, list(range(len(snaps))),
                     animated=[disp.image, *disp.scatter, caption, legend], fps=fps,
                     progress=progress,
                     data={"ax": ax, "display": disp, "epochs": epochs})
    if original is not None:
        set_params(model, original)
    return anim
