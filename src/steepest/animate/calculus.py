"""The derivative as a limit, animated: the secant through x and x + h turning into the tangent
as h shrinks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..plot.calculus import _values, scalar_function, slope
from ._core import Animation


def secant(f: Callable[[Any], Any], x: float, hs: Sequence[float] | None = None, *,
           xlim: Sequence[float] | None = None, name: str = "f(x)", fps: float = 4,
           figsize: tuple[float, float] = (6, 5), dpi: float = 100,
           progress: bool = False) -> Animation:
    r"""One frame per ``h`` in ``hs``: the secant through (x, f(x)) and (x + h, f(x + h)) with
    its rise over run drawn and its slope (f(x + h) − f(x))/h written beside the tangent's slope
    f'(x) from autodiff, so the secant visibly turns into the tangent as h → 0.

    ``f`` is written with steepest ops or plain arithmetic, or is a 1-D problem
    (``Quadratic1D``: its domain is the default ``xlim``). ``hs`` defaults to 30 values from
    30 % of the ``xlim`` width down to 0.1 % of it, geometrically. The animation carries ``.hs``,
    ``.slopes`` (the secant slope of each frame), ``.slope`` (f'(x)) and ``.secant`` (the line).
    """
    problem: Any = f if getattr(f, "dim", None) == 1 else None
    g = scalar_function(f)
    if xlim is None:
        xlim = problem.domain[0] if problem is not None else (x - 5.0, x + 5.0)
    lo, hi = float(xlim[0]), float(xlim[1])
    if not lo < x < hi:
        raise ValueError(f"x = {x:g} must lie inside xlim = ({lo:g}, {hi:g})")
    width = hi - lo
    steps = (np.geomspace(0.3 * width, 1e-3 * width, 30) if hs is None
             else np.asarray(hs, dtype=float).ravel())
    if steps.size == 0 or np.any(steps == 0) or not np.all(np.isfinite(steps)):
        raise ValueError(f"hs must be nonzero finite step sizes (a secant needs two distinct "
                         f"points), got {steps}")
    fx = float(_values(g, np.array([x]))[0])
    fxh = _values(g, x + steps)
    slopes = (fxh - fx) / steps
    m = slope(g, x)

    from .descent import _figure
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    xs = _tangent_picture(ax, g, x, m, (lo, hi), name)
    (line,) = ax.plot([], [], "-", lw=1.5, color="tab:green", label="secant through x and x + h")
    (run,) = ax.plot([], [], ":", lw=1.4, color="0.25")
    (rise,) = ax.plot([], [], ":", lw=1.4, color="0.25")
    (point,) = ax.plot([], [], "o", color="tab:green", ms=7, mec="k", mew=0.6, zorder=6)
    ax.legend(fontsize=9, loc="upper center")
    legend = ax.get_legend()
    fig.tight_layout(rect=(0, 0.11, 1, 1))  # the caption goes below the axes, covering nothing
    caption = fig.text(0.03, 0.015, "", fontsize=10, va="bottom", family="monospace")

    def update(i: int) -> list[Any]:
        h, fh, s = steps[i], fxh[i], slopes[i]
        line.set_data(xs, fx + s * (xs - x))
        run.set_data([x, x + h], [fx, fx])
        rise.set_data([x + h, x + h], [fx, fh])
        point.set_data([x + h], [fh])
        caption.set_text(f"h = {h:<8.3g} secant slope (f(x+h) − f(x))/h = {s:.4g}\n"
                         f"{'':13}tangent slope f'({x:.3g}) = {m:.4g}")
        return [line, run, rise, point, caption, legend]
    return Animation(fig, update, list(range(steps.size)),
                     animated=[line, run, rise, point, caption, legend], fps=fps,
                     progress=progress,
                     data={"ax": ax, "hs": steps, "slopes": slopes, "slope": m, "secant": line})


def _tangent_picture(ax: Any, g: Callable[[Any], Any], x: float, m: float,
                     xlim: tuple[float, float], name: str) -> np.ndarray:
    """The static part: ``g`` on 400 points of ``xlim`` (returned), its tangent at ``x``
    with slope ``m`` dashed, the point, the box and the labels."""
    lo, hi = xlim
    xs = np.linspace(lo, hi, 400)
    ys = _values(g, xs)
    fx = float(_values(g, np.array([x]))[0])
    ax.plot(xs, ys, lw=2, color="tab:blue", label=f"${name}$")
    ax.plot(xs, fx + m * (xs - x), "--", lw=2.8, color="tab:red",
            label=f"tangent, slope $f'({x:.3g})$ = {m:.4g} (autodiff)")
    ax.plot([x], [fx], "o", color="tab:red", ms=8, zorder=5)
    span = float(np.max(ys) - np.min(ys))
    ax.set_ylim(float(np.min(ys)) - 0.1 * span, float(np.max(ys)) + 0.1 * span)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("$x$", fontsize=13)
    ax.set_ylabel(f"${name}$", fontsize=13)
    ax.set_title(f"The secant becomes the tangent at $x = {x:.3g}$", fontsize=13)
    ax.grid(True, alpha=0.3)
    return xs
