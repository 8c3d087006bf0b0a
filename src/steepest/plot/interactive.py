"""Notebook explorers (extra ``jupyter``): sliders for the tangent/secant picture and for the
learning rate and optimizer of a descent drawn on its contour map."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def _widgets() -> Any:
    try:
        import ipywidgets
    except ImportError as exc:  # pragma: no cover — depends on the environment
        raise ImportError("the interactive explorers need ipywidgets: "
                          "pip install 'steepest[jupyter]'") from exc
    return ipywidgets


def _show(out: Any, fig: Any) -> None:
    from IPython.display import display
    with out:
        out.clear_output(wait=True)
        display(fig)


def tangent_explorer(f: Callable[[Any], Any], *, x: float = -2.0, h: float = 1.0,
                     xlim: Sequence[float] = (-5, 5), name: str = "f(x)") -> Any:
    """Sliders for x and h: ``f``, its tangent at x (autodiff slope) and the secant through
    x + h, redrawn as they move. Returns the widget (``.children``: the sliders and the output);
    ``.redraw(x, h)`` redraws programmatically and returns the TangentDisplay."""
    w = _widgets()
    from matplotlib.figure import Figure

    from .calculus import tangent
    fig = Figure(figsize=(7, 4.5))
    xs = w.FloatSlider(value=x, min=xlim[0], max=xlim[1], step=0.05, description="x")
    hs = w.FloatLogSlider(value=h, base=10, min=-3, max=0.5, step=0.05, description="h")
    out = w.Output()

    def redraw(xv: float, hv: float) -> Any:
        fig.clear()
        disp = tangent(f, xv, h=[hv], xlim=xlim, ax=fig.add_subplot(), name=name)
        _show(out, fig)
        return disp
    xs.observe(lambda _: redraw(xs.value, hs.value), names="value")
    hs.observe(lambda _: redraw(xs.value, hs.value), names="value")
    box = w.VBox([w.HBox([xs, hs]), out])
    box.redraw = redraw
    redraw(x, h)
    return box


def descent_explorer(fun: Any, x0: Any = None, *, optimizers: Sequence[str] | None = None,
                     lr: float = 1e-3, lr_range: tuple[float, float] = (1e-5, 1.0),
                     steps: int = 200, xlim: Sequence[float] | None = None,
                     ylim: Sequence[float] | None = None) -> Any:
    """Learning-rate (log slider), optimizer (dropdown) and step-count controls; each change
    reruns ``steepest.minimize`` from ``x0`` and redraws the path on the contour map of ``fun``
    (drawn once), with the run's status in the title. ``.redraw(name, lr, steps)`` does the same
    programmatically and returns the Result."""
    w = _widgets()
    from matplotlib.figure import Figure

    import steepest as st

    from .surface import contour
    names = list(optimizers or ["GD", "Momentum", "Nesterov", "RMSprop", "Adam"])
    x0 = np.asarray(x0 if x0 is not None else fun.x0, dtype=float)
    fig = Figure(figsize=(7, 5.5))
    ax = fig.add_subplot()
    disp = contour(fun, xlim, ylim, ax=ax, paths={"start": x0[None, :]})
    (line,) = ax.plot([], [], "o-", color="tab:red", ms=3, lw=1.5, zorder=8)
    opt = w.Dropdown(options=names, value=names[0], description="optimizer")
    lrs = w.FloatLogSlider(value=lr, base=10, min=np.log10(lr_range[0]),
                           max=np.log10(lr_range[1]), step=0.05, description="η")
    ns = w.IntSlider(value=steps, min=1, max=max(steps * 5, 10), description="steps")
    out = w.Output()
    xl, yl = disp.ax.get_xlim(), disp.ax.get_ylim()

    def redraw(name: str, lrv: float, n: int) -> Any:
        res = st.minimize(fun, x0, getattr(st.optim, name)(lr=lrv), max_steps=n)
        P = np.asarray(res.history.x)[:, :2]
        P = P[np.all(np.isfinite(P), axis=1)]
        line.set_data(P[:, 0], P[:, 1])
        ax.set_xlim(xl)
        ax.set_ylim(yl)
        ax.set_title(f"{name}, η = {lrv:.3g}: {res.status} after {res.nit} steps, "
                     f"ℒ = {res.fun:.4g}", fontsize=11)
        _show(out, fig)
        return res
    for widget in (opt, lrs, ns):
        widget.observe(lambda _: redraw(opt.value, lrs.value, ns.value), names="value")
    box = w.VBox([w.HBox([opt, lrs, ns]), out])
    box.redraw = redraw
    redraw(opt.value, lr, steps)
    return box
