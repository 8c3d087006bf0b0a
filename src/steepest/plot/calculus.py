"""Derivatives made visible: a function with its tangent at x and secants through x + h closing
in on it, and the activation functions of neural networks with their derivatives."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import Display, evaluate, new_axes, to_numpy
from .surface import ContourDisplay


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


@dataclass(repr=False, eq=False)
class TangentDisplay(Display):
    """A function with its tangent and secants, ready to draw: ``.x``, ``.fx`` = f(x),
    ``.slope`` f'(x) by autodiff, the curve ``.xs``/``.ys`` over ``.xlim``, ``.ylim``,
    ``.secant_slopes`` {h: (f(x+h) − f(x))/h} and ``.secant_values`` {h: f(x + h)} (largest
    |h| first), ``.minima`` (k, 2) starred (or None), ``.name`` and ``.title``. After
    :meth:`plot`: ``.ax``, ``.curve``, ``.tangent``, ``.secants`` {h: Line2D}."""

    x: float
    fx: float
    slope: float
    xs: np.ndarray
    ys: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    secant_slopes: dict[float, float]
    secant_values: dict[float, float]
    minima: np.ndarray | None = None
    name: str = "f(x)"
    title: str | None = None
    curve: Any = field(default=None, init=False)
    tangent: Any = field(default=None, init=False)
    secants: dict[float, Any] = field(default_factory=dict, init=False)

    @classmethod
    def from_function(cls, f: Callable[[Any], Any], x: float, *,
                      h: float | Sequence[float] = (), xlim: Sequence[float] | None = None,
                      name: str = "f(x)", title: str | None = None) -> TangentDisplay:
        """``f`` on ``xlim`` (400 points), f(x), f'(x) and each secant (arguments as
        :func:`tangent`)."""
        problem: Any = f if getattr(f, "dim", None) == 1 else None
        g = scalar_function(f)
        lim = (problem.domain[0] if problem is not None else (-5.0, 5.0)) if xlim is None \
            else xlim
        lo, hi = float(lim[0]), float(lim[1])
        xs = np.linspace(lo, hi, 400)
        ys = _values(g, xs)
        fx = float(_values(g, np.array([x]))[0])
        span = float(np.max(ys) - np.min(ys))
        ylim = (float(np.min(ys)) - 0.1 * span, float(np.max(ys)) + 0.1 * span)
        hs = sorted(np.atleast_1d(np.asarray(h, dtype=float)).tolist(), key=abs, reverse=True)
        if any(hk == 0 for hk in hs):
            raise ValueError("h must be nonzero (a secant needs two distinct points)")
        values = {hk: float(_values(g, np.array([x + hk]))[0]) for hk in hs}
        mins = getattr(problem, "minima", None)
        stars = None
        if mins is not None and np.size(mins):
            xm = np.asarray(mins, dtype=float).ravel()
            stars = np.column_stack([xm, _values(g, xm)])
        return cls(float(x), fx, slope(g, x), xs, ys, (lo, hi), ylim,
                   {hk: (v - fx) / hk for hk, v in values.items()}, values, stars, name, title)

    def plot(self, ax: Any = None) -> TangentDisplay:
        """Draw on ``ax`` (new if None): the curve, the tangent dashed, the secants in greens
        darkening from the largest h to the smallest, each across the whole box."""
        import matplotlib as mpl
        ax = self.ax = new_axes(ax, figsize=(7, 4.5))
        x, fx, m = self.x, self.fx, self.slope
        (self.curve,) = ax.plot(self.xs, self.ys, lw=2, color="tab:blue", label=f"${self.name}$")
        xt = _line_in_box(x, fx, m, self.xlim, self.ylim)
        (self.tangent,) = ax.plot(xt, fx + m * (xt - x), "--", lw=2, color="tab:red",
                                  label=f"tangent: slope $f'({x:.3g})$ = {m:.4g}")
        cmap = mpl.colormaps["Greens"]
        self.secants = {}
        n = len(self.secant_slopes)
        for k, (hk, s) in enumerate(self.secant_slopes.items()):
            color = cmap(0.45 + 0.5 * k / max(n - 1, 1))
            xs_k = _line_in_box(x, fx, s, self.xlim, self.ylim)
            (self.secants[hk],) = ax.plot(xs_k, fx + s * (xs_k - x), "-", lw=1.3, color=color,
                                          label=f"secant h = {hk:g}: slope {s:.4g}")
            ax.plot([x + hk], [self.secant_values[hk]], "o", color=color, ms=5)
        ax.plot([x], [fx], "o", color="tab:red", ms=8, zorder=5)
        if self.minima is not None:
            xm, ym = self.minima[:, 0], self.minima[:, 1]
            ax.plot(xm, ym, "*", ms=15, color="gold", mec="k", zorder=6,
                    label=f"minimum at $x = {xm[0]:.3g}$")
        ax.set_xlabel("$x$", fontsize=13)
        ax.set_ylabel(f"${self.name}$", fontsize=13)
        ax.set_title(self.title or f"${self.name}$ and its tangent at $x = {x:.3g}$",
                     fontsize=14)
        ax.grid(True, alpha=0.3)
        ax.set_ylim(*self.ylim)
        ax.set_xlim(*self.xlim)
        ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
        return self


def tangent(f: Callable[[Any], Any], x: float, *, h: float | Sequence[float] = (),
            xlim: Sequence[float] | None = None, ax: Any = None,
            name: str = "f(x)", title: str | None = None) -> TangentDisplay:
    r"""``f`` on ``xlim``, its tangent at ``x`` with the slope from autodiff, and for each ``h`` the
    secant through (x, f(x)) and (x + h, f(x + h)), whose slope (f(x+h) − f(x))/h approaches
    f'(x) as h → 0 (colours darken from the largest h to the smallest). ``f`` may be a 1-D
    problem (``Quadratic1D``): its domain is the default ``xlim`` and its minimum is starred."""
    return TangentDisplay.from_function(f, x, h=h, xlim=xlim, name=name, title=title).plot(ax)


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


@dataclass(repr=False, eq=False)
class ActivationDisplay(Display):
    """Activations ready to draw: ``.z``, ``.values`` {name: σ(z)} and ``.derivatives``
    {name: σ'(z) by autodiff}. After :meth:`plot`: ``.axes`` (one per activation), ``.ax``
    (the first), ``.figure``."""

    z: np.ndarray
    values: dict[str, np.ndarray]
    derivatives: dict[str, np.ndarray]
    axes: list[Any] = field(default_factory=list, init=False)

    @classmethod
    def from_activations(cls, names: Sequence[str | tuple[str, Callable[[Any], Any]]]
                         = ACTIVATIONS, *, zlim: Sequence[float] = (-4, 4)) -> ActivationDisplay:
        """σ(z) and σ'(z) (by backpropagation through steepest's own ops) on 401 points of
        ``zlim`` for each name or ``(label, callable)``."""
        from ..autodiff import tensor
        z = np.linspace(float(zlim[0]), float(zlim[1]), 401)
        values, derivs = {}, {}
        for item in names:
            label, fn = (item, _activation(item)) if isinstance(item, str) else item
            t = tensor(z, requires_grad=True)
            out = fn(t)
            out.sum().backward()
            values[label] = np.array(out.data, dtype=float)
            derivs[label] = np.array(to_numpy(t.grad), dtype=float)
        return cls(z, values, derivs)

    def plot(self, fig: Any = None, *, derivative: bool = True) -> ActivationDisplay:
        """Each activation in its own panel (three a row) of ``fig`` (a new pyplot figure if
        None), σ'(z) dashed when ``derivative``."""
        n = len(self.values)
        cols = min(n, 3)
        rows = int(np.ceil(n / 3))
        if fig is None:
            import matplotlib.pyplot as plt
            fig = plt.figure(figsize=(3.3 * cols, 3.0 * rows), layout="constrained")
        axs = np.atleast_1d(fig.subplots(int(np.ceil(n / cols)), cols)).ravel()
        for ax, label in zip(axs, self.values):
            ax.axhline(0, color="0.6", lw=0.8)
            ax.axvline(0, color="0.6", lw=0.8)
            ax.plot(self.z, self.values[label], lw=2, color="tab:blue", label=r"$\sigma(z)$")
            if derivative:
                ax.plot(self.z, self.derivatives[label], "--", lw=1.6, color="tab:orange",
                        label=r"$\sigma'(z)$")
            ax.set_title(label, fontsize=12)
            ax.set_xlabel("$z$", fontsize=11)
            ax.grid(True, alpha=0.3)
        axs[0].legend(fontsize=9, loc="upper left")
        for ax in axs[n:]:
            ax.set_axis_off()
        self.axes = list(axs[:n])
        self.ax = axs[0]
        return self


def activations(names: Sequence[str | tuple[str, Callable[[Any], Any]]] = ACTIVATIONS, *,
                fig: Any = None, zlim: Sequence[float] = (-4, 4),
                derivative: bool = True) -> ActivationDisplay:
    """Each activation σ(z) (steepest's own ops) in its own panel, with σ'(z) from autodiff
    dashed. ``names``: activation names and/or ``(label, callable)`` pairs."""
    return ActivationDisplay.from_activations(names, zlim=zlim).plot(fig, derivative=derivative)


@dataclass(repr=False, eq=False)
class FogDisplay(Display):
    """The foggy-mountain figure's data: ``.point``, ``.grad`` ∇ℒ there, ``.angles`` θ and
    ``.slopes`` ∇ℒ·u(θ), ``.steepest`` the unit direction of steepest descent −∇ℒ/‖∇ℒ‖,
    ``.contour`` (the :class:`~steepest.plot.ContourDisplay` of the map), and the
    field of descent directions ``.arrows`` (m, 2) at ``.arrow_points`` (m, 2). After
    :meth:`plot`: ``.figure``, ``.ax`` (the contour map), ``.polar_ax`` (the slope against
    θ)."""

    point: np.ndarray
    grad: np.ndarray
    angles: np.ndarray
    slopes: np.ndarray
    steepest: np.ndarray
    contour: ContourDisplay
    arrow_points: np.ndarray
    arrows: np.ndarray
    n_arrows: int = 15
    polar_ax: Any = field(default=None, init=False)

    @classmethod
    def from_function(cls, fun: Callable[[Any], Any], point: Any, *,
                      xlim: Sequence[float] | None = None, ylim: Sequence[float] | None = None,
                      n_arrows: int = 15, title: str | None = None) -> FogDisplay:
        """The gradient at ``point`` (the problem's closed form, else autodiff), the slope
        in 361 directions, the contour map and an ``n_arrows`` × ``n_arrows`` field of −∇ℒ/‖∇ℒ‖."""
        from ..autodiff import grad as autodiff_grad
        x = np.asarray(point, dtype=float).ravel()
        gradient = getattr(fun, "grad", None) or autodiff_grad(fun)
        g = np.asarray(gradient(x), dtype=float)
        norm = float(np.linalg.norm(g))
        if norm == 0:
            raise ValueError(f"the gradient vanishes at {tuple(x)}: every direction is flat")
        theta = np.linspace(0.0, 2 * np.pi, 361)
        c = ContourDisplay.from_function(fun, xlim, ylim,
                                         title=title or "the descent directions")
        (x0, x1), (y0, y1) = c.xlim, c.ylim
        gx, gy = np.meshgrid(np.linspace(x0, x1, n_arrows + 2)[1:-1],
                             np.linspace(y0, y1, n_arrows + 2)[1:-1])
        at = np.column_stack([gx.ravel(), gy.ravel()])
        field_ = np.array([gradient(p) for p in at])
        field_ = -field_ / np.maximum(np.linalg.norm(field_, axis=1, keepdims=True), 1e-300)
        return cls(x, g, theta, g[0] * np.cos(theta) + g[1] * np.sin(theta), -g / norm, c,
                   at, field_, n_arrows)

    def plot(self, fig: Any = None) -> FogDisplay:
        """Draw on ``fig`` (a new pyplot figure if None): left the contour map with the
        descent directions and the steepest one at the point, right the slope against θ."""
        if fig is None:
            import matplotlib.pyplot as plt
            fig = plt.figure(figsize=(11, 4.8))
        ax = self.ax = self.contour.plot(fig.add_subplot(1, 2, 1), colorbar=False).ax
        self._directions(ax)
        pax = self.polar_ax = fig.add_subplot(1, 2, 2)
        norm = float(np.linalg.norm(self.grad))
        down, theta, slopes = self.steepest, self.angles, self.slopes
        pax.plot(np.degrees(theta), slopes, lw=2, color="tab:blue",
                 label=r"slope $\nabla L\cdot u$")
        k = int(np.argmin(slopes))
        pax.plot(np.degrees(theta[k]), slopes[k], "v", ms=12, color="tab:red", mec="k",
                 zorder=5, label=f"steepest descent: θ = "
                 f"{np.degrees(np.arctan2(down[1], down[0])) % 360:.0f}°, slope −‖∇L‖ = "
                 f"{-norm:.3g}")
        pax.axhline(0, color="0.4", lw=1)
        pax.set_xlim(0, 360)
        pax.set_xticks(range(0, 361, 90))
        pax.set_xlabel("direction θ of the step (degrees), u = (cos θ, sin θ)", fontsize=12)
        pax.set_ylabel("slope along u", fontsize=12)
        pax.set_title("the slope in every direction", fontsize=13)
        pax.grid(True, alpha=0.3)
        pax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=11)
        fig.tight_layout()
        return self

    def _directions(self, ax: Any) -> None:
        """The arrows of −∇ℒ over the map, the steepest one at the point, the point."""
        x, P, A = self.point, self.arrow_points, self.arrows
        ax.quiver(P[:, 0], P[:, 1], A[:, 0], A[:, 1], color="white", alpha=0.8, width=0.004,
                  scale=self.n_arrows * 1.4, zorder=4)
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        span = 0.18 * min(x1 - x0, y1 - y0)
        ax.annotate("", xy=x + span * self.steepest, xytext=x, zorder=8,
                    arrowprops={"arrowstyle": "-|>", "color": "tab:red", "lw": 3,
                                "mutation_scale": 22})
        ax.plot(*x, "o", ms=10, mfc="white", mec="tab:red", mew=2.5, zorder=9,
                label=f"you, at ({x[0]:.3g}, {x[1]:.3g})")
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=11)


def directional_derivative(fun: Callable[[Any], Any], point: Any, *, fig: Any = None,
                           xlim: Sequence[float] | None = None,
                           ylim: Sequence[float] | None = None, n_arrows: int = 15,
                           title: str | None = None) -> FogDisplay:
    """"Lost in the fog, look around 360° and step the steepest way down": at ``point`` the
    slope of ``fun`` along each unit direction u = (cos θ, sin θ) is the directional derivative
    ∇ℒ·u = ‖∇ℒ‖ cos(angle between them), lowest (−‖∇ℒ‖) at u = −∇ℒ/‖∇ℒ‖. Right: that slope
    against θ, its minimum marked; left: the contour map with the field of descent directions
    −∇ℒ (arrows, normalized) and the steepest direction at the point. ``fun`` is a 2-parameter
    problem or function (its gradient by autodiff unless the problem has a closed form)."""
    return FogDisplay.from_function(fun, point, xlim=xlim, ylim=ylim, n_arrows=n_arrows,
                                    title=title).plot(fig)
