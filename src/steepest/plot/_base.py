"""Shared plumbing for figures: axes creation, Display objects, and turning the objects other
modules return (``Result``, training histories, problems, Tensors) into plain NumPy arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from ..errors import SteepestError

BETA_LABELS = (r"$\beta_0$", r"$\beta_1$")
X_LABELS = ("$x_1$", "$x_2$")
LOSS_LABEL = r"$\mathcal{L}$"


@dataclass(init=False, repr=False, eq=False)
class Display:
    """What a figure shows, as scikit-learn's Displays hold it: each plot kind is a dataclass of
    the data it draws (computed once by a ``from_*`` constructor, e.g.
    ``ContourDisplay.from_function``), a ``plot(ax=None, **style)`` method that draws that data
    on ``ax`` (new axes if None) and keeps the artists as attributes, and returns the Display;
    ``plot`` may be called again on other axes without recomputing anything. The one-call
    functions (:func:`steepest.plot.contour`, …) are ``from_*(…).plot(…)``.

    ``.ax`` and ``.figure`` (also ``ax_``/``figure_``) are where it was drawn last (None
    before ``plot``). Nothing is shown; in a notebook a pyplot figure appears by itself.

    ``Display(ax, **data)`` itself records a figure drawn by hand: ``ax`` and each item of
    ``data`` become attributes.
    """

    ax: Any = field(default=None, kw_only=True)

    def __init__(self, ax: Any = None, /, **data: Any) -> None:
        self.ax = ax
        for key, value in data.items():
            setattr(self, key, value)

    @property
    def figure(self) -> Any:
        """The figure (or subfigure) of ``ax``; None before ``plot``."""
        return None if self.ax is None else self.ax.figure

    @property
    def ax_(self) -> Any:
        """scikit-learn's name for ``ax``."""
        return self.ax

    @property
    def figure_(self) -> Any:
        """scikit-learn's name for ``figure``."""
        return self.figure

    def savefig(self, path: str, **kwargs: Any) -> None:
        """``figure.savefig`` with ``bbox_inches="tight"`` by default."""
        if self.figure is None:
            raise SteepestError(f"{type(self).__name__}.savefig: nothing drawn yet; call "
                                ".plot() first")
        kwargs.setdefault("bbox_inches", "tight")
        self.figure.savefig(path, **kwargs)

    def __repr__(self) -> str:
        names = [f.name for f in fields(self)] if type(self) is not Display else list(vars(self))
        return f"{type(self).__name__}({', '.join(n for n in names if n != 'ax')})"


def new_axes(ax: Any = None, *, projection: str | None = None,
             figsize: tuple[float, float] = (6, 5)) -> Any:
    """``ax`` itself, or fresh axes on a new pyplot figure (so it shows inline in Jupyter)."""
    if ax is not None:
        if projection == "3d" and getattr(ax, "name", None) != "3d":
            raise ValueError("ax must be a 3-D Axes (fig.add_subplot(projection='3d')) for this "
                             f"plot, got a {getattr(ax, 'name', type(ax).__name__)!r} Axes")
        return ax
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=figsize)
    return fig.add_subplot(projection=projection)


def to_numpy(x: Any) -> np.ndarray:
    """A float ndarray from a Tensor, torch tensor, list or array."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch
        x = x.detach().cpu().numpy()
    data = getattr(x, "data", x)
    if isinstance(data, memoryview):  # ndarray.data
        data = x
    return np.asarray(data, dtype=float)


def path_of(obj: Any, name: str = "path") -> np.ndarray:
    """Parameter trajectory (k, n) from a ``Result`` (``history.x``), an object with ``.x``
    history, or an array-like of points."""
    history = getattr(obj, "history", None)
    if history is not None and getattr(history, "x", None) is not None:
        obj = history.x
    arr = to_numpy(obj)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a Result or an array of points of shape (k, n), got "
                         f"shape {arr.shape}")
    return arr


def series_of(obj: Any, attr: str, name: str) -> np.ndarray:
    """A per-step series (loss, grad_norm, lr) from a ``Result`` (``history.<attr>``), a training
    history (``.<attr>``) or an array."""
    history = getattr(obj, "history", None)
    for source in (history, obj):
        if source is not None and not isinstance(source, (np.ndarray, list, tuple)) \
                and hasattr(source, attr):
            value = getattr(source, attr)
            if value is None:
                raise ValueError(f"{name}: this object records no {attr!r}")
            return to_numpy(value).ravel()
    arr = to_numpy(obj)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a Result, a history or a 1-D array, got shape "
                         f"{arr.shape}")
    return arr


def diverged_at(obj: Any, series: np.ndarray) -> int | None:
    """The step a run diverged at: ``Result.diverged_at`` when known, else the first non-finite
    value of ``series``."""
    step = getattr(obj, "diverged_at", None)
    if step is not None:
        return int(step)
    bad = np.flatnonzero(~np.isfinite(series))
    return int(bad[0]) if bad.size else None


def named(objs: Any, default: str) -> dict[str, Any]:
    """``{label: obj}`` from a mapping, a sequence of runs, or one run."""
    if isinstance(objs, Mapping):
        return dict(objs)
    if isinstance(objs, (list, tuple)) and objs and not np.isscalar(objs[0]) \
            and (hasattr(objs[0], "history") or np.ndim(to_numpy(objs[0])) == 2
                 or hasattr(objs[0], "loss")):
        return {_label(o, f"{default} {i + 1}"): o for i, o in enumerate(objs)}
    return {_label(objs, default): objs}


def _label(obj: Any, fallback: str) -> str:
    label = getattr(obj, "label", None)
    return label if isinstance(label, str) else fallback


# ---------------------------------------------------------------------------------- functions

def problem_attr(fun: Any, attr: str, default: Any = None) -> Any:
    return getattr(fun, attr, default)


def axis_labels(fun: Any, labels: Sequence[str] | None,
                default: Sequence[str] = X_LABELS) -> tuple[str, ...]:
    """Axis labels for the first two coordinates: ``labels`` when the caller gives them, else the
    problem's ``.variables`` (x₁, x₂ for test functions, β₀, β₁ for least squares) as TeX, else
    ``default``."""
    if labels is not None:
        labels = tuple(labels)
        if len(labels) < 2:
            raise ValueError(f"labels must name two axes, got {labels!r}")
        return labels
    names = getattr(fun, "variables", None)
    if names is not None and len(names) >= 2:
        return tuple(f"${v}$" for v in names[:2])
    return tuple(default)


def evaluate(fun: Callable[[Any], Any], points: np.ndarray) -> np.ndarray:
    """``fun`` at each row of ``points`` (k, n), vectorized when ``fun`` allows it.

    Vectorized means one call with the coordinates stacked as ``x[i]`` of shape (k,); that works
    for elementwise formulas (Rosenbrock, Himmelblau, ``x[0]**2 + …``). It is trusted only if it
    returns k values that agree with per-point calls at a few rows; otherwise (e.g. ``X @ β``
    summed) every point is evaluated on its own, under ``no_grad``.
    """
    from ..autodiff import no_grad
    points = np.asarray(points, dtype=float)
    k = points.shape[0]
    with no_grad(), np.errstate(all="ignore"):
        single = _call(fun, points[0])
        if np.size(single) != 1:
            raise ValueError(f"fun must return a scalar for a point of shape {points[0].shape}, "
                             f"got shape {np.shape(single)}")
        if k > 4:
            try:
                many = np.asarray(_call(fun, points.T), dtype=float).reshape(-1)
            except Exception:
                many = None
            if many is not None and many.shape == (k,):
                probe = np.unique(np.linspace(0, k - 1, 5).astype(int))
                expect = np.array([float(_call(fun, points[i])) for i in probe])
                if np.allclose(many[probe], expect, rtol=1e-9, atol=1e-12, equal_nan=True):
                    return many
        return np.array([float(_call(fun, p)) for p in points])


def _call(fun: Callable[[Any], Any], x: np.ndarray) -> Any:
    """``fun(x)`` for a NumPy function, or ``fun(Tensor(x))`` for one written with steepest ops."""
    from ..autodiff import Tensor
    try:
        out = fun(x)
    except Exception:
        out = fun(Tensor(x))
    return to_numpy(out) if isinstance(out, Tensor) or hasattr(out, "detach") else out


def grid(fun: Callable[[Any], Any], xlim: Sequence[float], ylim: Sequence[float],
         n: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, Y, Z)`` meshes of ``fun`` over the box, ``n`` points a side."""
    xs = np.linspace(float(xlim[0]), float(xlim[1]), n)
    ys = np.linspace(float(ylim[0]), float(ylim[1]), n)
    X, Y = np.meshgrid(xs, ys)
    Z = evaluate(fun, np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    return X, Y, Z


def domain_of(fun: Any, xlim: Any, ylim: Any, paths: Sequence[np.ndarray] = ()
              ) -> tuple[tuple[float, float], tuple[float, float]]:
    """The plotting box (:func:`frame`'s limits): explicit limits, else the problem's
    ``.domain`` grown to hold the paths and the minima, else their extent padded."""
    fr = frame(fun, xlim, ylim, paths)
    return fr.xlim, fr.ylim


class Frame(NamedTuple):
    """A plotting box and how much of each path it shows: ``shown[i]`` leading points of path
    ``i`` lie in the box (the rest is non-finite or has left the sensible box)."""

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    shown: tuple[int, ...]


def _check_limits(xlim: Any, ylim: Any) -> None:
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if lim is not None and (np.ndim(lim) != 1 or len(lim) != 2
                                or not all(np.isscalar(v) for v in lim)):
            raise TypeError(f"{name} must be a pair (lo, hi), got {type(lim).__name__}; pass "
                            "runs to draw as paths=")


def _inside(P: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> int:
    """How many leading points of ``P`` are finite and inside the box [lo, hi]."""
    ok = np.all(np.isfinite(P), axis=1)
    with np.errstate(invalid="ignore"):
        ok &= np.all(np.greater_equal(P, lo) & np.less_equal(P, hi), axis=1)
    return int(P.shape[0] if ok.all() else np.argmin(ok))


def _base_box(dom: Any, must: list[np.ndarray], has_paths: bool, free: bool) -> np.ndarray:
    """The box before paths grow it: the domain, else the extent of the points that must show
    (padded), holding those points either way; ``[[x0, x1], [y0, y1]]``."""
    if dom is not None:
        base = np.array([dom[0], dom[1]], dtype=float)
    elif must:
        m = np.concatenate(must)
        base = np.column_stack([m.min(axis=0), m.max(axis=0)])
        base += np.maximum(0.2 * (base[:, 1] - base[:, 0]), 1.0)[:, None] * [-1.0, 1.0]
    elif has_paths or not free:
        base = np.array([[-1.0, 1.0], [-1.0, 1.0]])
    else:
        raise ValueError("give xlim and ylim (fun has no .domain and there is no path to "
                         "frame)")
    if must:
        m = np.concatenate(must)
        base = np.column_stack([np.minimum(base[:, 0], m.min(axis=0)),
                                np.maximum(base[:, 1], m.max(axis=0))])
    return base


def _margins(box: np.ndarray, pts: list[np.ndarray], fixed: list[Any]) -> None:
    """Widen ``box`` in place by 4 % on each free side that one of ``pts`` touches."""
    if not pts:
        return
    allp = np.concatenate(pts)
    span = box[:, 1] - box[:, 0]
    for i in range(2):
        if fixed[i] is None:
            if allp[:, i].min() < box[i, 0] + 0.02 * span[i]:
                box[i, 0] -= 0.04 * span[i]
            if allp[:, i].max() > box[i, 1] - 0.02 * span[i]:
                box[i, 1] += 0.04 * span[i]


def frame(fun: Any, xlim: Any, ylim: Any, paths: Sequence[np.ndarray] = (), *,
          grow: float = 0.5) -> Frame:
    """The box a 2-D figure shows: it holds the known minima and every path's start, and each
    path up to where it leaves a sensible box (the base box widened by ``grow`` of its size on
    each side; the base is the problem's ``.domain``, else the extent of the minima and starts).
    A path that stays there is shown whole; a diverging one until it leaves (figures mark where
    it went). An explicit ``xlim``/``ylim`` is kept as given, and paths are cut at its edge."""
    _check_limits(xlim, ylim)
    P2 = [np.asarray(p, dtype=float)[:, :2] for p in paths]
    must = [p[:1] for p in P2 if len(p) and np.all(np.isfinite(p[0]))]
    mins = problem_attr(fun, "minima")
    if mins is not None and np.size(mins):
        must.append(np.asarray(mins, dtype=float).reshape(-1, 2)[:, :2])
    base = _base_box(problem_attr(fun, "domain"), must, bool(P2), xlim is None or ylim is None)
    width = base[:, 1] - base[:, 0]
    sensible = base + grow * width[:, None] * [-1.0, 1.0]
    fixed = [xlim, ylim]
    for i, lim in enumerate(fixed):
        if lim is not None:
            base[i] = sensible[i] = (float(lim[0]), float(lim[1]))
    shown = tuple(_inside(p, sensible[:, 0], sensible[:, 1]) for p in P2)
    box = base.copy()
    for p, k in zip(P2, shown):
        if k:
            box[:, 0] = np.minimum(box[:, 0], p[:k].min(axis=0))
            box[:, 1] = np.maximum(box[:, 1], p[:k].max(axis=0))
    _margins(box, [p[:k] for p, k in zip(P2, shown) if k] + must, fixed)
    return Frame((float(box[0, 0]), float(box[0, 1])), (float(box[1, 0]), float(box[1, 1])),
                 shown)


def contour_levels(Z: np.ndarray, n: int, log: bool) -> np.ndarray:
    """``n`` contour levels over the finite range of ``Z``: evenly spaced, or log-spaced above
    the minimum (for peaky functions like Rosenbrock)."""
    finite = Z[np.isfinite(Z)]
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:
        hi = lo + 1.0
    if not log:
        return np.linspace(lo, hi, n)
    span = hi - lo
    return lo + np.geomspace(span * 1e-4, span, n)
