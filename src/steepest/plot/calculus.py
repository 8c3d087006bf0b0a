"""Derivatives made visible: a function with its tangent at x and secants through x + h closing
in on it, and the activation functions of neural networks with their derivatives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._base import Display, evaluate, new_axes


def scalar_function(f: Any) -> Callable[[Any], Any]:
    """``f`` as a function of a scalar: a 1-D problem (``dim == 1``, called on x of shape
    (1, …)) is wrapped; any other callable is returned as it is."""
    if getattr(f, "dim", None) != 1:
        return f
    from ..autodiff import as_tensor, reshape

    def of_scalar(x: Any) -> Any:
        t = as_tensor(x)
        return f(reshape(t, (1, *t.shape)))
    return of_scalar


def slope(f: Callable[[Any], Any], x: float) -> float:
    """f'(x) by reverse-mode autodiff (``steepest.grad``); ``f`` is written with steepest ops or
    plain arithmetic on its argument, or is a 1-D problem."""
    from ..autodiff import grad
    return float(np.asarray(grad(scalar_function(f))(np.array(float(x)))))


class TangentDisplay(Display):
    """``.ax``, ``.figure``, ``.x``, ``.slope`` (f'(x) by autodiff), ``.curve``, ``.tangent``,
    ``.secants`` {h: Line2D} and ``.secant_slopes`` {h: (f(x+h) − f(x))/h}."""


def tangent(f: Callable[[Any], Any], x: float, *, h: float | Sequence[float] = (),
            xlim: Sequence[float] | None = None, ax: Any = None,
            name: str = "f(x)", title: str | None = None) -> TangentDisplay:
    r"""``f`` on ``xlim``, its tangent at ``x`` with the slope from autodiff, and for each ``h`` the
    secant through (x, f(x)) and (x + h, f(x + h)), whose slope (f(x+h) − f(x))/h approaches
    f'(x) as h → 0 (colours darken from the largest h to the smallest). ``f`` may be a 1-D
    problem (``Quadratic1D``): its domain is the default ``xlim`` and its minimum is starred."""
    problem = f if getattr(f, "dim", None) == 1 else None
    f = scalar_function(f)
    if xlim is None:
        xlim = problem.domain[0] if problem is not None else (-5.0, 5.0)
    xs = np.linspace(xlim[0], xlim[1], 400)
    ys = _values(f, xs)
    fx = float(_values(f, np.array([x]))[0])
    m = slope(f, x)
    ax = new_axes(ax, figsize=(7, 4.5))
    (curve,) = ax.plot(xs, ys, lw=2, color="tab:blue", label=f"${name}$")
    lo, hi = float(np.min(ys)), float(np.max(ys))
    ylim = (lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
    xt = _line_in_box(x, fx, m, xlim, ylim)
    (tan,) = ax.plot(xt, fx + m * (xt - x), "--", lw=2, color="tab:red",
                     label=f"tangent: slope $f'({x:.3g})$ = {m:.4g}")
    hs = [h] if np.isscalar(h) else list(h)
    hs = sorted(hs, key=abs, reverse=True)
    secants, slopes = {}, {}
    import matplotlib as mpl
    cmap = mpl.colormaps["Greens"]
    for k, hk in enumerate(hs):
        if hk == 0:
            raise ValueError("h must be nonzero (a secant needs two distinct points)")
        fh = float(_values(f, np.array([x + hk]))[0])
        s = (fh - fx) / hk
        color = cmap(0.45 + 0.5 * k / max(len(hs) - 1, 1))
        xs_k = _line_in_box(x, fx, s, xlim, ylim)
        (ln,) = ax.plot(xs_k, fx + s * (xs_k - x), "-", lw=1.3, color=color,
                        label=f"secant h = {hk:g}: slope {s:.4g}")
        ax.plot([x + hk], [fh], "o", color=color, ms=5)
        secants[hk], slopes[hk] = ln, s
    ax.plot([x], [fx], "o", color="tab:red", ms=8, zorder=5)
    mins = getattr(problem, "minima", None)
    if mins is not None and np.size(mins):
        xm = np.asarray(mins, dtype=float).ravel()
        ax.plot(xm, _values(f, xm), "*", ms=15, color="gold", mec="k", zorder=6,
                label=f"minimum at $x = {xm[0]:.3g}$")
    ax.set_xlabel("$x$", fontsize=13)
    ax.set_ylabel(f"${name}$", fontsize=13)
    ax.set_title(title or f"${name}$ and its tangent at $x = {x:.3g}$", fontsize=14)
    ax.grid(True, alpha=0.3)
    ax.set_ylim(*ylim)
    ax.set_xlim(*xlim)
    ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return TangentDisplay(ax, x=x, slope=m, curve=curve, tangent=tan, secants=secants,
                          secant_slopes=slopes)


def _line_in_box(x: float, fx: float, s: float, xlim: Sequence[float],
                 ylim: Sequence[float]) -> np.ndarray:
    """The two ends of the line through (x, fx) with slope s, clipped to the box: it runs across
    the whole plot (not a stub around x), and no point of it lies outside the axes."""
    lo, hi = float(xlim[0]), float(xlim[1])
    if s != 0:
        a, b = sorted(((ylim[0] - fx) / s + x, (ylim[1] - fx) / s + x))
        lo, hi = max(lo, a), min(hi, b)
    return np.array([lo, hi])


def _values(f: Callable[[Any], Any], xs: np.ndarray) -> np.ndarray:
    """f elementwise over xs (vectorized when f allows, else point by point)."""
    return evaluate(lambda p: f(p[0]), np.asarray(xs, dtype=float).reshape(-1, 1))


#: the activations :func:`activations` draws by default, by name
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "softplus", "gelu")


def _activation(name: str) -> Callable[[Any], Any]:
    import steepest as st
    if name == "gelu":
        return lambda z: 0.5 * z * (1 + st.erf(z / np.sqrt(2.0)))
    if name == "leaky_relu":
        return lambda z: st.leaky_relu(z, 0.1)
    fn = getattr(st, name, None)
    if fn is None or name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {ACTIVATIONS} or pass a "
                         "callable")
    return fn


class ActivationDisplay(Display):
    """``.axes`` (one per activation), ``.figure``, ``.values`` {name: σ(z)},
    ``.derivatives`` {name: σ'(z) by autodiff}, ``.z``."""


def activations(names: Sequence[str | tuple[str, Callable[[Any], Any]]] = ACTIVATIONS, *,
                fig: Any = None, zlim: Sequence[float] = (-4, 4),
                derivative: bool = True) -> ActivationDisplay:
    """Each activation σ(z) (steepest's own ops) in its own panel, with σ'(z) from autodiff
    dashed. ``names``: activation names and/or ``(label, callable)`` pairs."""
    from ..autodiff import tensor
    z = np.linspace(zlim[0], zlim[1], 401)
    items = [(n, _activation(n)) if isinstance(n, str) else tuple(n) for n in names]
    if fig is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(3.3 * min(len(items), 3), 3.0 * int(np.ceil(len(items) / 3))),
                         layout="constrained")
    cols = min(len(items), 3)
    axs = np.atleast_1d(fig.subplots(int(np.ceil(len(items) / cols)), cols)).ravel()
    values, derivs = {}, {}
    for ax, (label, fn) in zip(axs, items):
        t = tensor(z, requires_grad=True)
        out = fn(t)
        out.sum().backward()
        values[label], derivs[label] = out.data.copy(), t.grad.data.copy()
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.plot(z, values[label], lw=2, color="tab:blue", label=r"$\sigma(z)$")
        if derivative:
            ax.plot(z, derivs[label], "--", lw=1.6, color="tab:orange",
                    label=r"$\sigma'(z)$")
        ax.set_title(label, fontsize=12)
        ax.set_xlabel("$z$", fontsize=11)
        ax.grid(True, alpha=0.3)
    axs[0].legend(fontsize=9, loc="upper left")
    for ax in axs[len(items):]:
        ax.set_axis_off()
    disp = ActivationDisplay(axs[0], axes=list(axs[: len(items)]), values=values,
                             derivatives=derivs, z=z)
    disp.figure = fig
    return disp
