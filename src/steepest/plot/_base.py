"""Shared plumbing for figures: axes creation, Display objects, and turning the objects other
modules return (``Result``, training histories, problems, Tensors) into plain NumPy arrays."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

BETA_LABELS = (r"$\beta_0$", r"$\beta_1$")
X_LABELS = ("$x_1$", "$x_2$")
LOSS_LABEL = r"$\mathcal{L}$"


class Display:
    """What a plot function drew: ``.ax``, ``.figure`` and the data, as attributes (scikit-learn's
    Display style). Nothing is shown; in a notebook the pyplot figure appears by itself."""

    def __init__(self, ax: Any, **data: Any):
        self.ax = ax
        self.figure = ax.figure
        self._fields = tuple(data)
        for key, value in data.items():
            setattr(self, key, value)

    def savefig(self, path: str, **kwargs: Any) -> None:
        """``figure.savefig`` with ``bbox_inches="tight"`` by default."""
        kwargs.setdefault("bbox_inches", "tight")
        self.figure.savefig(path, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._fields)})"


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
            except Exception:  # noqa: BLE001 — not vectorizable; fall back to point by point
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
    except Exception:  # noqa: BLE001 — try it as a Tensor function
        out = fun(Tensor(x))
    return to_numpy(out) if isinstance(out, Tensor) or hasattr(out, "detach") else out


def grid(fun: Callable[[Any], Any], xlim: Sequence[float], ylim: Sequence[float],
         n: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, Y, Z)`` meshes of ``fun`` over the box, ``n`` points a side."""
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    Z = evaluate(fun, np.column_stack([X.ravel(), Y.ravel()])).reshape(X.shape)
    return X, Y, Z


def domain_of(fun: Any, xlim: Any, ylim: Any, paths: Sequence[np.ndarray] = ()
              ) -> tuple[tuple[float, float], tuple[float, float]]:
    """The plotting box: explicit limits, else the problem's ``.domain``, else the paths' extent
    padded by 20 %."""
    for name, lim in (("xlim", xlim), ("ylim", ylim)):
        if lim is not None and (np.ndim(lim) != 1 or len(lim) != 2
                                or not all(np.isscalar(v) for v in lim)):
            raise TypeError(f"{name} must be a pair (lo, hi), got {type(lim).__name__}; pass "
                            "runs to draw as paths=")
    dom = problem_attr(fun, "domain")
    if xlim is None and dom is not None:
        xlim = dom[0]
    if ylim is None and dom is not None:
        ylim = dom[1]
    if xlim is None or ylim is None:
        pts = [p[:, :2] for p in paths if len(p)]
        mins = problem_attr(fun, "minima")
        if mins is not None and np.size(mins):
            pts.append(np.asarray(mins, dtype=float).reshape(-1, 2))
        if not pts:
            raise ValueError("give xlim and ylim (fun has no .domain and there is no path to "
                             "frame)")
        allp = np.concatenate(pts)
        allp = allp[np.all(np.isfinite(allp), axis=1)]
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        pad = np.maximum(0.2 * (hi - lo), 1.0)
        if xlim is None:
            xlim = (lo[0] - pad[0], hi[0] + pad[0])
        if ylim is None:
            ylim = (lo[1] - pad[1], hi[1] + pad[1])
    return (float(xlim[0]), float(xlim[1])), (float(ylim[0]), float(ylim[1]))


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
