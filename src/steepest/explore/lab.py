"""The descent lab's computation: a problem and settings in, a run, its diagnosis and the
figures out — all of it steepest's own (``minimize``, ``diagnose``, ``critical_lr``,
``stability_map``). The functions here are pure (settings → data), so the page's callbacks are
thin and the tests call these directly.

Figures are plotly figure dicts (what ``dcc.Graph`` takes), built without plotly's Python
objects so that a redraw costs little more than the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..descent.stopping import RTOL  # the convergence test: steepest descend's and the tour's
from ..errors import SteepestError

#: grid points per axis of the contour map and the 3-D surface
GRID = 70
#: grid points per axis of the 3-D surface (software WebGL draws it on the CPU)
SURFACE_GRID = 30
#: starts per axis of the stability-map overlay
STABILITY_GRID = 21
#: the optimizers the momentum slider applies to, and the argument it sets
MOMENTUM_ARG = {"momentum": "momentum", "nesterov": "momentum", "rmsprop": "momentum"}

#: the lecture line's plotting box (β₀, β₁): its starts and its minimum ≈ (0.9, 0.5)
LECTURE_BOX = ((-10.0, 8.0), (-4.5, 4.0))

DEFAULTS: dict[str, Any] = {
    "problem": "lecture-line", "optimizer": "gd", "lr": 0.002, "momentum": 0.9, "steps": 1000,
    "start": None, "eig1": 1.0, "eig2": 10.0, "angle": 30.0, "overlay": False}


def problem_names() -> dict[str, str]:
    """Lab name → label: the lecture's line, the 2-D quadratic, every 2-D test function (the
    lecture's non-convex surface among them) and least squares / logistic regression on an
    uploaded CSV of (x, y)."""
    from ..problems import TEST_FUNCTIONS
    # the loss the lab descends, as the lecture's code does: its step η(XᵀXβ − Xᵀy) is the
    # gradient of ½‖y − Xβ‖², half the ‖y − Xβ‖² its text plots (so its η values hold)
    names = {"lecture-line": "the lecture's line: ½‖y − Xβ‖², 10 points",
             "quadratic": "quadratic ½xᵀAx (set A's eigenvalues and rotation)"}
    for cls_name, cls in TEST_FUNCTIONS.items():
        names[hyphenate(cls_name)] = cls.name
    names["csv-least-squares"] = "uploaded CSV: least squares line, ½‖y − Xβ‖²"
    names["csv-logistic"] = "uploaded CSV: logistic regression"
    return names


def hyphenate(name: str) -> str:
    """CamelCase → camel-case (the CLI's problem names)."""
    return "".join("-" + c.lower() if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


def rotated_quadratic(eig1: float, eig2: float, angle: float) -> Any:
    """½xᵀAx with A = R(θ) diag(λ₁, λ₂) R(θ)ᵀ, θ in degrees; starts at (−4, 3)."""
    from ..problems import Quadratic
    if not (eig1 > 0 and eig2 > 0):
        raise SteepestError(f"quadratic: eigenvalues must be positive, got {eig1:g}, {eig2:g}")
    t = math.radians(angle)
    R = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    A = R @ np.diag([eig1, eig2]) @ R.T
    return Quadratic((A + A.T) / 2, x0=[-4.0, 3.0], domain=((-5.0, 5.0), (-5.0, 5.0)))


def make_problem(settings: dict[str, Any], data: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> Any:
    """The problem the settings name; ``data`` (x, y) for the uploaded-CSV problems."""
    from .. import problems
    from ..datasets import lecture_line
    name = settings["problem"]
    if name == "lecture-line":
        # a box holding the lecture's starts (−8, −3.2) and (−8, −2) and the minimum
        return problems.LeastSquares(*lecture_line(), domain=LECTURE_BOX)
    if name == "quadratic":
        return rotated_quadratic(float(settings["eig1"]), float(settings["eig2"]),
                                 float(settings["angle"]))
    if name in ("csv-least-squares", "csv-logistic"):
        return _data_problem(name, data)
    by_name = {hyphenate(k): cls for k, cls in problems.TEST_FUNCTIONS.items()}
    if name not in by_name:
        raise SteepestError(f"problem: unknown problem {name!r}")
    return by_name[name]()


def _data_problem(name: str, data: tuple[np.ndarray, np.ndarray] | None) -> Any:
    from .. import problems
    from .uploads import classification_labels
    if data is None:
        raise SteepestError("upload a CSV of x, y rows first (one feature, the target last)")
    x, y = np.asarray(data[0], float), np.asarray(data[1], float)
    if x.ndim != 2 or x.shape[1] != 1:
        raise SteepestError(f"the descent lab fits 2 parameters (intercept, slope): the CSV "
                            f"needs exactly 2 columns, x then y; it has {x.shape[1] + 1}")
    X = np.column_stack([np.ones(len(x)), x[:, 0]])
    if name == "csv-least-squares":
        return problems.LeastSquares(X, y)
    return problems.LogisticRegression(X, classification_labels(y, "the CSV"))


def make_optimizer(settings: dict[str, Any]) -> Any:
    """The optimizer of the settings (a name of ``optim.OPTIMIZERS``), at rate ``lr``, with
    ``momentum`` where the rule has one."""
    from ..optim import get_optimizer
    name = str(settings["optimizer"]).lower()
    options: dict[str, Any] = {"lr": float(settings["lr"])}
    if name in MOMENTUM_ARG and float(settings["momentum"]) > 0:
        options[MOMENTUM_ARG[name]] = float(settings["momentum"])
    return get_optimizer(name, **options)


def start_of(settings: dict[str, Any], problem: Any) -> np.ndarray:
    """The clicked start, else the lecture's start for the rate (lecture line), else the
    problem's ``x0``."""
    if settings.get("start") is not None:
        return np.asarray(settings["start"], dtype=float).reshape(2)
    if settings["problem"] == "lecture-line":
        from ..datasets import lecture_start
        return np.asarray(lecture_start(float(settings["lr"])), dtype=float)
    return np.asarray(problem.x0, dtype=float)


def stability_limit(problem: Any, settings: dict[str, Any]) -> float | None:
    """The optimizer's stability limit at the problem's first known minimum (2/λ_max for GD,
    (2 + 2β)/λ_max for heavy ball …): ``critical_lr``; None for adaptive rules (their limit
    moves with their state) or where it is not defined."""
    from ..curvature import critical_lr
    opt = make_optimizer(settings)
    minima = getattr(problem, "minima", None)
    if opt.adaptive or minima is None or not len(minima):
        return None
    try:
        with np.errstate(all="ignore"):  # e.g. Ackley's kink at its minimum: no finite λ_max
            limit = float(critical_lr(problem, minima[0], opt).lr_max)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        return None
    return limit if math.isfinite(limit) and limit > 0 else None


@dataclass
class LabRun:
    """One run of the lab: the result, the diagnosis and what the figures need."""

    problem: Any
    result: Any
    diagnosis: str
    path: np.ndarray      # (n + 1, 2) iterates, non-finite rows dropped
    loss: np.ndarray      # (n + 1,) losses at those iterates
    limit: float | None


def run(settings: dict[str, Any], data: tuple[np.ndarray, np.ndarray] | None = None,
        problem: Any = None) -> LabRun:
    """``minimize`` with the settings, and ``diagnose`` of its result (the words shown)."""
    import steepest
    problem = make_problem(settings, data) if problem is None else problem
    x0 = start_of(settings, problem)
    result = steepest.minimize(problem, x0, make_optimizer(settings),
                               max_steps=int(settings["steps"]), rtol=RTOL)
    diagnosis = steepest.diagnose(result, problem).message
    h = result.history
    P = np.asarray(h.x, dtype=float)
    keep = np.all(np.isfinite(P), axis=1) & np.isfinite(h.loss)
    return LabRun(problem, result, diagnosis, P[keep], np.asarray(h.loss)[keep],
                  stability_limit(problem, settings))



# ---- figures ---------------------------------------------------------------------------------
def domain(problem: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    """The plotting box of a 2-D problem."""
    (a, b), (c, d) = problem.domain[:2]
    return (float(a), float(b)), (float(c), float(d))


def grid(problem: Any, n: int = GRID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Axes and loss values (n × n, rows along the second coordinate) over the domain."""
    (a, b), (c, d) = domain(problem)
    xs, ys = np.linspace(a, b, n), np.linspace(c, d, n)
    with np.errstate(all="ignore"):
        Z = np.asarray(problem.value(np.stack(np.meshgrid(xs, ys))), dtype=float)
    return xs, ys, Z


def _levels(Z: np.ndarray, log: bool) -> tuple[np.ndarray, str]:
    """Values to colour by: log10(L − min + ε) for problems read on a log scale."""
    if not log:
        return Z, "loss"
    lo = np.nanmin(Z)
    return np.log10(Z - lo + 1e-3 * (np.nanmax(Z) - lo) + 1e-12), "log₁₀(loss − min)"


def labels_of(problem: Any) -> tuple[str, str]:
    """Axis names: β₀, β₁ for regression, x₁, x₂ otherwise."""
    sub = "₀₁₂"
    first = int(getattr(problem, "first_index", 1))
    sym = "β" if "beta" in str(getattr(problem, "symbol", "x")) else "x"
    return f"{sym}{sub[first]}", f"{sym}{sub[first + 1]}"


def _clip(P: np.ndarray, problem: Any) -> np.ndarray:
    """Iterates clipped to the map's box (a diverging path leaves it)."""
    (a, b), (c, d) = domain(problem)
    return np.column_stack([np.clip(P[:, 0], a, b), np.clip(P[:, 1], c, d)])


#: the contour map's traces, by index (Patches address them so)
MAP, OVERLAY, LINES, MINIMA = range(4)
#: the contour map's shapes, by index: the run is drawn as layout shapes, which plotly redraws
#: alone when only they change (a trace's new x, y would redraw the map and its level curves:
#: the map's Plotly.react 50 → 15 ms in software-rendered chromium); the iterates' dots follow
PATH, START, MARKER = range(3)


def isolines(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, n: int = 18,
             log: bool = False) -> tuple[list[Any], list[Any]]:
    """The level curves of Z at ``plot``'s contour levels, as one polyline (x, y lists with
    None between pieces): drawn by the browser as a single line trace, no contouring there."""
    import contourpy

    from ..plot._base import contour_levels
    gen = contourpy.contour_generator(xs, ys, np.where(np.isfinite(Z), Z, np.nan))
    px: list[Any] = []
    py: list[Any] = []
    for level in contour_levels(Z, n + 2, log)[1:-1]:
        for piece in gen.lines(float(level)):
            seg = np.asarray(piece, dtype=float)
            seg = seg[:: max(1, len(seg) // 150)] if len(seg) > 300 else seg
            px += [*_list(seg[:, 0]), None]
            py += [*_list(seg[:, 1]), None]
    return px, py


def contour_figure(problem: Any, g: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                   ) -> dict[str, Any]:
    """The map: the loss as a heatmap (clickable) with its level curves, and traces for the
    stability overlay and the known minima (indices :data:`MAP` … :data:`MINIMA`); the run is
    added as shapes (:func:`path_shapes`). A heatmap and one polyline redraw in a few
    milliseconds; a plotly contour trace is re-contoured in the browser on every update."""
    xs, ys, Z = grid(problem) if g is None else g
    log = bool(getattr(problem, "log_levels", False))
    C, title = _levels(Z, log)
    lx, ly = labels_of(problem)
    lines = isolines(xs, ys, Z, log=log)
    minima = np.asarray(getattr(problem, "minima", np.empty((0, 2))), float).reshape(-1, 2)
    data = [
        {"type": "heatmap", "x": _list(xs), "y": _list(ys), "z": _list(C), "zsmooth": False,
         "colorscale": "Viridis", "showscale": False, "opacity": 0.75, "name": title,
         "hovertemplate": f"{lx}=%{{x:.3g}}<br>{ly}=%{{y:.3g}}<extra>click: start here</extra>"},
        {"type": "heatmap", "x": [], "y": [], "z": [], "showscale": False, "hoverinfo": "skip",
         "opacity": 0.45, "zmin": 0, "zmax": 2, "name": "stability map",
         "colorscale": [[0, "#2e86c1"], [0.5, "#f4d03f"], [1, "#c0392b"]]},
        {"type": "scatter", "x": lines[0], "y": lines[1], "mode": "lines", "hoverinfo": "skip",
         "showlegend": False, "line": {"color": "rgba(255,255,255,0.55)", "width": 1}},
        {"type": "scatter", "x": _list(minima[:, 0]), "y": _list(minima[:, 1]),
         "mode": "markers", "name": "minimum", "marker": {"symbol": "star", "size": 14,
                                                          "color": "gold",
                                                          "line": {"color": "black",
                                                                   "width": 1}}},
        legend_key("path", "#c0392b"), START_KEY, STEP_KEY]
    (a, b), (c, d) = domain(problem)
    layout = _layout("click the map to start there", lx, ly)
    layout.update({"xaxis": {"title": {"text": lx}, "range": [a, b]},
                   "yaxis": {"title": {"text": ly}, "range": [c, d]}, "clickmode": "event",
                   "uirevision": problem_key(problem), "shapes": []})
    return {"data": data, "layout": layout}


def path_shapes(x: list[float], y: list[float], k: int,
                spans: tuple[float, float] | None = None) -> list[dict[str, Any]]:
    """The run on the map as layout shapes (indices :data:`PATH`, :data:`START`,
    :data:`MARKER`): the path through the iterates ``x``, ``y`` (one SVG path in data
    coordinates, the numbers as given; with the map's ``spans``, through :func:`thin`'s
    iterates only — the first and the last among them), the start as a white circle, the
    scrubber's marker at step ``k`` as a diamond, and a dot on each iterate of a short path
    (:func:`path_mode`)."""
    pts = list(zip(x, y)) or [(0.0, 0.0)]
    shown = bool(x)
    drawn = pts if spans is None or not shown else \
        [pts[i] for i in thin([x, y], list(spans))]
    shapes = [{"type": "path", "path": _polyline(drawn),
               "xref": "x", "yref": "y", "name": "path", "showlegend": False, "visible": shown,
               "line": {"color": "#c0392b", "width": 2}},
              _dot(*pts[0], 5.5, "white", 2, "start", shown), marker_shape(*pts[k], shown)]
    if shown and path_mode(len(pts)) == "lines+markers":
        shapes += [_dot(a, b, 2, "#c0392b", 0) for a, b in pts]
    return shapes


def spans_of(problem: Any) -> tuple[float, float]:
    """The map's width and height (what :func:`thin` measures a path against)."""
    (a, b), (c, d) = domain(problem)
    return b - a, d - c


def _polyline(pts: list[tuple[Any, Any]]) -> str:
    """An SVG path through the points in data coordinates, the numbers as given."""
    return "M" + "L".join(f"{a!r},{b!r}" for a, b in pts)


def _dot(x: Any, y: Any, r: float, color: str, edge: float, name: str = "",
         visible: bool = True) -> dict[str, Any]:
    return {"type": "circle", "xref": "x", "yref": "y", "xsizemode": "pixel",
            "ysizemode": "pixel", "xanchor": x, "yanchor": y, "x0": -r, "x1": r, "y0": -r,
            "y1": r, "fillcolor": color, "visible": visible, "name": name,
            "showlegend": False, "line": {"color": "black", "width": edge}}


def marker_shape(x: Any, y: Any, visible: bool = True) -> dict[str, Any]:
    """The scrubber's marker on the map: an orange diamond 14 px across at (x, y)."""
    return {"type": "path", "xref": "x", "yref": "y", "xsizemode": "pixel",
            "ysizemode": "pixel", "xanchor": x, "yanchor": y, "path": "M0,-7L7,0L0,7L-7,0Z",
            "fillcolor": "#f39c12", "visible": visible, "name": "step", "showlegend": False,
            "line": {"color": "black", "width": 1}}


def surface_figure(problem: Any, g: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                   ) -> dict[str, Any]:
    """The 3-D surface (:func:`surface_mesh`) with empty traces for the path (1) and the
    marker (2)."""
    xs, ys, Z = grid(problem, SURFACE_GRID) if g is None else g
    lx, ly = labels_of(problem)
    # hover in the problem's names (plotly's own says x, y, z); the path is clipped to the
    # surface's box (:func:`path_traces`), so its hover names it alone (the scrubber's text
    # gives the step's numbers)
    at = f"{lx} = %{{x:.4g}}<br>{ly} = %{{y:.4g}}<br>loss = %{{z:.4g}}<extra></extra>"
    data = [
        {"type": "mesh3d", **surface_mesh(xs, ys, Z), "colorscale": "Viridis",
         "showscale": False, "opacity": 0.85, "name": "loss",
         "hovertemplate": at},
        {"type": "scatter3d", "x": [], "y": [], "z": [], "mode": "lines", "name": "path",
         "line": {"color": "#c0392b", "width": 5}, "hoverinfo": "name"},
        {"type": "scatter3d", "x": [], "y": [], "z": [], "mode": "markers", "name": "step",
         "marker": {"size": 5, "color": "#f39c12"}, "hoverinfo": "name"}]
    layout = _layout("", lx, ly)
    layout.update({"scene": {"xaxis": {"title": {"text": lx}}, "yaxis": {"title": {"text": ly}},
                             "zaxis": {"title": {"text": "loss"}}},
                   "uirevision": problem_key(problem)})
    return {"data": data, "layout": layout}


def surface_mesh(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray) -> dict[str, Any]:
    """The loss over the grid as a triangle mesh (``x``, ``y``, ``z``, the triangles ``i``,
    ``j``, ``k`` — two per grid cell, none at a non-finite value — and ``intensity`` = z for the
    colours). Plotly rebuilds a ``surface`` trace, refined to at least 120² vertices, whenever
    its figure is redrawn; a mesh as given (the 3-D figure's Plotly.react 46 → 22 ms in
    software-rendered chromium)."""
    X, Y = np.meshgrid(xs, ys)
    idx = np.arange(Z.size).reshape(Z.shape)
    a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, :-1], idx[1:, 1:]
    tri = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3),
                          np.stack([b, d, c], -1).reshape(-1, 3)])
    ok = np.isfinite(Z).ravel()
    tri = tri[ok[tri].all(axis=1)]
    # vertices no triangle uses get a finite height, so they do not stretch the scene
    z = np.where(ok, Z.ravel(), np.nanmin(np.where(ok, Z.ravel(), np.nan)) if ok.any() else 0)
    return {"x": _list(X.ravel()), "y": _list(Y.ravel()), "z": _list(z), "intensity": _list(z),
            "i": tri[:, 0].tolist(), "j": tri[:, 1].tolist(), "k": tri[:, 2].tolist()}


def problem_key(problem: Any) -> str:
    """A string that changes with the problem (keeps the user's zoom while only η changes)."""
    return f"{problem!r}"[:200]


def path_traces(lab: LabRun) -> dict[str, Any]:
    """The run's path: ``x``, ``y`` as run (the contour map's axes stay put, plotly clips),
    ``sx``, ``sy``, ``z`` for the 3-D surface (clipped to the surface's box, so a diverging
    run does not rescale the scene)."""
    P = _clip(lab.path, lab.problem)
    return {"x": _list(lab.path[:, 0]), "y": _list(lab.path[:, 1]), "sx": _short(P[:, 0]),
            "sy": _short(P[:, 1]), "z": _short(_surface_z(lab))}


def surface_path(tr: dict[str, Any], spans: tuple[float, float]) -> dict[str, list[Any]]:
    """The 3-D path's ``x``, ``y``, ``z`` through :func:`thin`'s points of a
    :func:`path_traces` (``spans``: the map's, :func:`spans_of`)."""
    z = np.asarray(tr["z"], float)
    zspan = float(np.nanmax(z) - np.nanmin(z)) if np.isfinite(z).any() else 1.0
    keep = thin([tr["sx"], tr["sy"], z], [*spans, zspan])
    return {c: [tr[k][i] for i in keep] for c, k in (("x", "sx"), ("y", "sy"), ("z", "z"))}


def path_mode(n: int) -> str:
    """Markers on the iterates of a short path; a line alone for a long one (hundreds of SVG
    markers are what makes a redraw slow)."""
    return "lines+markers" if n <= 80 else "lines"


def _surface_z(lab: LabRun) -> np.ndarray:
    _, _, Z = grid(lab.problem, 12)
    hi = float(np.nanmax(Z)) * 1.5
    with np.errstate(all="ignore"):
        return np.clip(lab.loss, None, hi)


#: the loss and parameter figures' shapes, by index: the curves, then the step's markers. Drawn
#: as shapes on axes whose ranges the server sets (:func:`log_range`, :func:`nice_range`), so
#: that a new run changes only shapes — plotly redraws those alone, where a trace's new data
#: replots the whole figure (axes, ticks and labels: 30–35 ms each in software-rendered
#: chromium, and its autorange more) — and the axes stay put unless the run outgrows them
LOSS_CURVE, LOSS_MARKER = 0, 1
PARAM_CURVES, PARAM_MARKERS = (0, 1), (2, 3)
#: the colours of the parameters' curves (plotly's first two) and of the loss curve
PARAM_COLORS = ("#1f77b4", "#ff7f0e")
LOSS_COLOR = "#2c3e50"
#: the fitted model's colour
FIT_COLOR = "#f39c12"
#: what a drawn curve may leave out: points within this share of the axes' span of the last one
#: kept (a 500 px plot: a pixel); the numbers shown stay the run's own
DRAW_TOL = 2e-3


def thin(columns: list[Any], spans: list[float], tol: float = DRAW_TOL) -> np.ndarray:
    """The indices of the points a drawing needs: the first, the last, and each point further
    than ``tol`` × span (in any column) from the last one kept — a polyline through them lies
    within ``tol`` × span of every point left out. The points themselves are not changed."""
    cols = [np.asarray(c, float).tolist() for c in columns]
    n = len(cols[0]) if cols else 0
    if n <= 2:
        return np.arange(n)
    steps = [tol * max(float(s), 1e-300) for s in spans]
    keep = [0]
    last = [c[0] for c in cols]
    for i in range(1, n - 1):  # plain floats: a numpy loop costs 20× more
        for c, v, d in zip(cols, last, steps):
            if abs(c[i] - v) > d:
                keep.append(i)
                last = [c[i] for c in cols]
                break
    keep.append(n - 1)
    return np.asarray(keep)


def nice_step(span: float, n: int = 5) -> float:
    """A round step (1, 2 or 5 × 10^k) that cuts ``span`` into about ``n``."""
    if not (span > 0 and math.isfinite(span)):
        return 1.0
    raw = span / n
    e = 10.0 ** math.floor(math.log10(raw))
    return next(m * e for m in (1, 2, 5, 10) if m * e >= raw * (1 - 1e-9))


def nice_range(lo: float, hi: float, pad: float = 0.03) -> list[float]:
    """An axis range holding [lo, hi], its ends on round values (so that a nearby run, e.g. the
    next notch of η, gets the same axes), padded by ``pad`` of its span."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0, 1.0]
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        d = abs(lo) * 0.1 or 1.0
        lo, hi = lo - d, hi + d
    step = nice_step(hi - lo)
    a, b = math.floor(lo / step) * step, math.ceil(hi / step) * step
    d = pad * (b - a)
    return [a - d, b + d]


def log_range(values: np.ndarray, pad: float = 0.03) -> list[float]:
    """A log axis's range (in decades, as plotly takes it) from the decade below the smallest
    positive value to the one above the largest, padded by ``pad`` of its span."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return [-1.0, 1.0]
    a, b = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    b = max(b, a + 1)
    d = pad * (b - a)
    return [a - d, b + d]


def steps_range(steps: int) -> list[float]:
    """The step axis: 0 to the run's step budget (``steps``), whatever step the run stopped at
    — the same axis for every η, on which an early stop shows as a short curve — padded 2 % at
    each end, so that the step marker (a diamond, clipped to the axes) is drawn whole there."""
    n = float(max(int(steps), 1))
    return [-0.02 * n, 1.02 * n]


def kept_range(prev: list[float] | None, fresh: list[float], lo: float, hi: float,
               fill: float = 1 / 3) -> list[float]:
    """The axis range a redrawn curve gets: the range it had (``prev``) while the curve's
    values [lo, hi] fit in it and fill at least ``fill`` of it, else ``fresh`` — so that the
    axes hold still as η moves (a range change costs plotly a redraw of the axes, and a
    learner comparing runs reads them on one scale)."""
    if prev is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return fresh
    a, b = prev
    return list(prev) if a <= lo and hi <= b and (hi - lo) >= fill * (b - a) else fresh


def curve_shape(x: Any, y: Any, color: str, name: str, width: float = 2) -> dict[str, Any]:
    """A curve through the points (x, y) as a path shape, in data coordinates (on a log axis
    too: plotly takes a path's numbers as data values there); its legend entry is a
    :func:`legend_key`."""
    pts = list(zip(x, y)) or [(0.0, 0.0)]
    return {"type": "path", "path": _polyline(pts), "xref": "x", "yref": "y", "name": name,
            "showlegend": False, "visible": bool(len(x)), "layer": "above",
            "line": {"color": color, "width": width}}


def step_marker(x: Any, y: Any, name: str = "step", visible: bool = True) -> dict[str, Any]:
    """The scrubber's marker on a curve: the map's diamond (:func:`marker_shape`), 12 px."""
    return {**marker_shape(x, y, visible), "path": "M0,-6L6,0L0,6L-6,0Z", "name": name}


def legend_key(name: str, color: str = "", marker: dict[str, Any] | None = None
               ) -> dict[str, Any]:
    """A trace with no points, for its legend entry alone: a line of ``color``, or the
    ``marker``. The runs are drawn as shapes, whose own legend entries plotly draws as a
    hexagon whatever their form; these traces never change, so they cost a redraw nothing."""
    key: dict[str, Any] = {"type": "scatter", "x": [None], "y": [None], "name": name,
                           "hoverinfo": "skip"}
    if marker is None:
        return {**key, "mode": "lines", "line": {"color": color, "width": 2}}
    return {**key, "mode": "markers", "marker": marker}


#: the legend entries of the start circle and of the scrubber's diamond
START_KEY = legend_key("start", marker={"symbol": "circle", "size": 11, "color": "white",
                                        "line": {"color": "black", "width": 2}})
STEP_KEY = legend_key("step", marker={"symbol": "diamond", "size": 12, "color": "#f39c12",
                                      "line": {"color": "black", "width": 1}})


def _curves_figure(title: str, xtitle: str, ytitle: str, keys: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    """A figure for curves drawn as shapes: one empty trace (the axes are cartesian) and the
    curves' legend ``keys``, nothing to hover on."""
    layout = _layout(title, xtitle, ytitle)
    layout.update({"shapes": [], "hovermode": False, "showlegend": True})
    return {"data": [{"type": "scatter", "x": [], "y": [], "mode": "lines",
                      "hoverinfo": "skip", "showlegend": False}, *keys], "layout": layout}


def loss_figure(lab: LabRun | None = None, steps: int | None = None) -> dict[str, Any]:
    """Loss against step on a log axis (:data:`LOSS_CURVE`, :data:`LOSS_MARKER` at the last
    step); without a run, the empty figure a run's :func:`loss_view` is patched into."""
    fig = _curves_figure("loss", "step", "loss", [legend_key("loss", LOSS_COLOR), STEP_KEY])
    fig["layout"]["yaxis"]["type"] = "log"
    if lab is not None:
        apply_view(fig, loss_view(lab, lab.result.nit if steps is None else steps))
    return fig


def loss_view(lab: LabRun, steps: int, yrange: list[float] | None = None) -> dict[str, Any]:
    """What a run of ``steps`` steps changes in the loss figure: title, y-axis title, axis
    ranges (the y range ``yrange`` kept if the run fits it, :func:`kept_range`) and shapes —
    the curve through :func:`thin`'s points of ``loss + loss_shift`` (the shift lifts a
    negative loss onto the log axis), the marker at the last step."""
    shift = loss_shift(lab.loss)
    shown = lab.loss + shift
    xr = steps_range(steps)
    with np.errstate(all="ignore"):
        logs = np.log10(np.where(shown > 0, shown, np.nan))
    yr = log_range(shown)
    if np.isfinite(logs).any():
        yr = kept_range(yrange, yr, float(np.nanmin(logs)), float(np.nanmax(logs)))
    k = thin([np.arange(len(shown)), np.nan_to_num(logs, nan=yr[0])],
             [xr[1] - xr[0], yr[1] - yr[0]])
    end = (len(shown) - 1, float(shown[-1])) if len(shown) else (0, 1.0)
    return {"title": f"loss: {lab.result.status} after {lab.result.nit} steps",
            "ytitle": "loss" if shift == 0 else f"loss + {shift:.3g}", "xrange": xr,
            "yrange": yr,
            "shapes": [curve_shape(_list(k), _short(shown[k]), LOSS_COLOR, "loss"),
                       step_marker(*end, visible=bool(len(shown)))]}


def loss_shift(loss: np.ndarray) -> float:
    """What the log-scale loss curve adds to the losses: 0 when all are positive, else enough
    to lift the lowest to 10⁻¹² (test functions with negative minima)."""
    lo = float(np.nanmin(loss)) if np.isfinite(loss).any() else 1.0
    return 0.0 if lo > 0 else -lo + 1e-12


def params_figure(lab: LabRun | None = None, steps: int | None = None,
                  names: tuple[str, str] | None = None) -> dict[str, Any]:
    """Each parameter against step (:data:`PARAM_CURVES`, in the legend by ``names`` — the
    run's problem's by default — :data:`PARAM_MARKERS` at the last step); without a run, the
    empty figure a run's :func:`params_view` is patched into."""
    if names is None:
        names = labels_of(lab.problem) if lab is not None else ("x", "y")
    keys = [legend_key(n, c) for n, c in zip(names, PARAM_COLORS)]
    fig = _curves_figure("parameters", "step", "value", [*keys, STEP_KEY])
    if lab is not None:
        apply_view(fig, params_view(lab, lab.result.nit if steps is None else steps))
    return fig


def params_view(lab: LabRun, steps: int, yrange: list[float] | None = None
                ) -> dict[str, Any]:
    """What a run of ``steps`` steps changes in the parameter figure: axis ranges (``yrange``
    kept if the run fits it, :func:`kept_range`) and shapes (each parameter's curve through
    :func:`thin`'s points, its marker at the last step)."""
    P = lab.path
    names = labels_of(lab.problem)
    xr = steps_range(steps)
    yr = [0.0, 1.0]
    if len(P):
        lo, hi = float(P.min()), float(P.max())
        yr = kept_range(yrange, nice_range(lo, hi), lo, hi)
    curves, markers = [], []
    for i, (name, color) in enumerate(zip(names, PARAM_COLORS)):
        k = thin([np.arange(len(P)), P[:, i]], [xr[1] - xr[0], yr[1] - yr[0]])
        curves.append(curve_shape(_list(k), _short(P[k, i]), color, name))
        markers.append(step_marker(max(len(P) - 1, 0), float(P[-1, i]) if len(P) else 0.0,
                                   "step" if i == 0 else "", bool(len(P))))
    return {"title": "parameters", "ytitle": "value", "xrange": xr, "yrange": yr,
            "shapes": curves + markers}


def apply_view(fig: Any, view: dict[str, Any]) -> None:
    """Write a :func:`loss_view` / :func:`params_view` into a figure (a dict or a Dash
    ``Patch``: only these parts travel and change)."""
    lay = fig["layout"]
    lay["title"]["text"] = view["title"]
    _set_axes(lay, view, "")
    lay["shapes"] = view["shapes"]


def _set_axes(lay: Any, view: dict[str, Any], n: str) -> None:
    """A view's y-axis title and both ranges, on axes x{n}, y{n} of the layout ``lay``."""
    lay[f"yaxis{n}"]["title"]["text"] = view["ytitle"]
    lay[f"xaxis{n}"]["range"] = view["xrange"]
    lay[f"yaxis{n}"]["range"] = view["yrange"]


def has_fit(problem: Any) -> bool:
    """Whether the problem fits a model to (x, y) data: the lab then draws the fitted model."""
    X = getattr(problem, "X", None)
    return X is not None and X.shape[1] == 2


def fit_figure(problem: Any) -> dict[str, Any] | None:
    """For a regression problem the data, on axes fixed to the data's box, and a place for the
    fitted model at the scrubbed step (shape 0, :func:`fit_shape`: a new model redraws alone,
    not the data with it); None for other problems."""
    if not has_fit(problem):
        return None
    x, y = problem.X[:, 1], problem.y
    layout = _layout("the fitted model at the marked step", "x", "y")
    layout["xaxis"]["range"] = _padded(x, 0.05)
    layout["yaxis"]["range"] = _padded(y, 0.1)
    layout["shapes"] = [fit_shape([], [])]
    return {"data": [
        {"type": "scatter", "x": _list(x), "y": _list(y), "mode": "markers", "name": "data",
         "marker": {"color": "#2c3e50"}}, {**legend_key("model", FIT_COLOR), "line":
                                           {"color": FIT_COLOR, "width": 3}}],
        "layout": layout}


def _padded(v: np.ndarray, pad: float) -> list[float]:
    lo, hi = float(np.min(v)), float(np.max(v))
    d = pad * (hi - lo) or 1.0
    return [lo - d, hi + d]


def fit_shape(x: list[Any], y: list[Any]) -> dict[str, Any]:
    """The model's curve through the points (x, y) as a path shape (points with no value left
    out; hidden when none has one)."""
    pts = [(a, b) for a, b in zip(x, y) if a is not None and b is not None] or [(0.0, 0.0)]
    return {"type": "path", "path": _polyline(pts),
            "xref": "x", "yref": "y", "name": "model", "showlegend": False,
            "visible": any(b is not None for b in y), "line": {"color": FIT_COLOR, "width": 3}}


def fit_line(lab: LabRun, beta: np.ndarray, n: int = 60) -> tuple[list[float], list[float]]:
    """The model's curve at parameters β: the line β₀ + β₁x, or σ(β₀ + β₁x) for logistic
    regression."""
    x = lab.problem.X[:, 1]
    xs = np.linspace(float(x.min()), float(x.max()), n)
    z = beta[0] + beta[1] * xs
    if type(lab.problem).__name__ == "LogisticRegression":
        with np.errstate(all="ignore"):
            z = 1 / (1 + np.exp(-z))
    return _list(xs), _list(z)


# ---- the 2-D views in one figure -------------------------------------------------------------
#: the lab's 2-D views — the map, the loss curve, the parameters, the fitted model — are
#: subplots of one plotly figure (the 3-D surface is a figure of its own, laid over the map's
#: row): for an η move the browser then pays one figure's floor (supplyDefaults, the axes,
#: the shapes' layer: 4–9 ms each in software-rendered chromium) and Dash applies one output,
#: not four. Each view keeps its own axes (x/y the map, x2/y2 the loss, x3/y3 the parameters,
#: x4/y4 the fit), title (an annotation), legend and shapes.
VIEWS = ("map", "loss", "params", "fit")
AXES = {"map": "", "loss": "2", "params": "3", "fit": "4"}
#: where each view's shapes start among the figure's shapes: the views of fixed length first,
#: the map's last (a short path adds a dot per iterate)
SHAPES = {"loss": 0, "params": 2, "fit": 6, "map": 7}
#: the map's traces come first (:data:`MAP` … are the figure's indices too): a click on one of
#: them sets the start, a click on another view's point does not
MAP_TRACES = 7
#: the rows' heights in pixels: the map (its right half is the 3-D surface's), the loss and
#: parameter curves side by side, the fitted model (regression problems only); the gap between
VIEW_ROWS = {"map": 430, "curves": 300, "fit": 320}
ROW_GAP = 10
#: a view's margins inside its cell: pixels above (the title) and below (ticks, the axis title
#: and the legend) its axes, the legend's top above the cell's foot, shares of the figure's
#: width left (ticks, the axis title) and right of them
_TOP, _BOTTOM, _LEGEND, _LEFT, _RIGHT = 40, 85, 26, 0.045, 0.012


def views_height(fit: bool) -> int:
    """The 2-D figure's height in pixels, with or without the fitted model's row."""
    rows = VIEW_ROWS["map"] + ROW_GAP + VIEW_ROWS["curves"]
    return rows + (ROW_GAP + VIEW_ROWS["fit"] if fit else 0)


def _cell(name: str) -> tuple[float, float, int, int]:
    """A view's cell: x from, to (shares of the width); top, height in pixels."""
    half = 0.5 - 0.004
    top = VIEW_ROWS["map"] + ROW_GAP
    return {"map": (0.0, half, 0, VIEW_ROWS["map"]),
            "loss": (0.0, half, top, VIEW_ROWS["curves"]),
            "params": (1 - half, 1.0, top, VIEW_ROWS["curves"]),
            "fit": (0.0, 1.0, top + VIEW_ROWS["curves"] + ROW_GAP, VIEW_ROWS["fit"])}[name]


def views_figure(problem: Any, g: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                 ) -> dict[str, Any]:
    """The problem's 2-D views before a run, as one figure (:func:`merge_views`)."""
    return merge_views({"map": contour_figure(problem, g), "loss": loss_figure(),
                        "params": params_figure(names=labels_of(problem)),
                        "fit": fit_figure(problem)})


def merge_views(figs: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """The view figures ``figs`` (:data:`VIEWS` → a :func:`contour_figure`, :func:`loss_figure`,
    :func:`params_figure`, :func:`fit_figure` or None) as subplots of one figure, each on its
    own axes (:data:`AXES`) in its cell, with its title, legend and shapes (at
    :data:`SHAPES`)."""
    fit = figs.get("fit") is not None
    height = views_height(fit)

    def paper(px: float) -> float:  # pixels from the top → paper y
        return round(1 - px / height, 6)

    base = _layout("", "", "")
    layout: dict[str, Any] = {
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "template": base["template"],
        "showlegend": True, "hovermode": "closest", "clickmode": "event", "annotations": [],
        "uirevision": (figs.get("map") or {"layout": {}})["layout"].get("uirevision")}
    data: list[dict[str, Any]] = []
    shapes: dict[str, list[dict[str, Any]]] = {}
    for name in VIEWS:
        fig = figs.get(name)
        if fig is None:
            continue
        n, lay = AXES[name], fig["layout"]
        a, b, top, h = _cell(name)
        x = [round(a + _LEFT, 6), round(b - _RIGHT, 6)]
        data += [{**t, "xaxis": f"x{n}", "yaxis": f"y{n}", "legend": f"legend{n}"}
                 for t in fig["data"]]
        layout[f"xaxis{n}"] = {**lay["xaxis"], "domain": x, "anchor": f"y{n}"}
        layout[f"yaxis{n}"] = {**lay["yaxis"], "domain": [paper(top + h - _BOTTOM),
                                                          paper(top + _TOP)],
                               "anchor": f"x{n}"}
        layout[f"legend{n}"] = {**lay["legend"], "x": x[0], "xanchor": "left",
                                "y": paper(top + h - _LEGEND), "yanchor": "top"}
        layout["annotations"].append(
            {"text": lay["title"]["text"], "font": lay["title"]["font"], "showarrow": False,
             "xref": "paper", "yref": "paper", "x": (x[0] + x[1]) / 2, "xanchor": "center",
             "y": paper(top + 10), "yanchor": "top"})
        shapes[name] = lay.get("shapes", [])
    fit_shapes = shapes.get("fit") or []
    layout["shapes"] = views_shapes(shapes.get("loss", []), shapes.get("params", []),
                                    fit_shapes[0] if fit_shapes else None,
                                    shapes.get("map", []))
    return {"data": data, "layout": layout}


#: the title annotations' indices: the views in their order (the fit's last, where drawn)
TITLES = {name: i for i, name in enumerate(VIEWS)}


def on_view(shape: dict[str, Any], name: str) -> dict[str, Any]:
    """A view's shape (drawn on axes x, y) on that view's axes in the 2-D figure."""
    n = AXES[name]
    return {**shape, **{ref: f"{shape[ref]}{n}" for ref in ("xref", "yref")
                        if shape.get(ref) in ("x", "y")}}


def views_shapes(loss: list[dict[str, Any]], params: list[dict[str, Any]],
                 fit: dict[str, Any] | None, path: list[dict[str, Any]]
                 ) -> list[dict[str, Any]]:
    """The 2-D figure's shapes (at :data:`SHAPES`): a :func:`loss_view`'s, a
    :func:`params_view`'s, the fitted model (:func:`fit_shape`; a hidden stand-in where the
    problem fits none) and the map's :func:`path_shapes`, each on its view's axes. Views not
    drawn yet (no run) keep their places with hidden stand-ins."""
    def held(shapes: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
        return shapes if len(shapes) >= n else [*shapes, *(_hidden() for _ in
                                                           range(n - len(shapes)))]
    return [*(on_view(sh, "loss") for sh in held(loss, SHAPES["params"] - SHAPES["loss"])),
            *(on_view(sh, "params") for sh in held(params, SHAPES["fit"] - SHAPES["params"])),
            on_view(fit, "fit") if fit is not None else _hidden(),
            *(on_view(sh, "map") for sh in path)]


def _hidden() -> dict[str, Any]:
    return {"type": "line", "xref": "paper", "yref": "paper", "x0": 0, "x1": 0, "y0": 0,
            "y1": 0, "visible": False}


def apply_views(fig: Any, loss: dict[str, Any], params: dict[str, Any]) -> None:
    """Write a :func:`loss_view` and a :func:`params_view` (their titles, axis titles and
    ranges; not their shapes: :func:`views_shapes` sets those with the map's) into the 2-D
    figure (a dict or a Dash ``Patch``: only these parts travel and change)."""
    lay = fig["layout"]
    for name, view in (("loss", loss), ("params", params)):
        lay["annotations"][TITLES[name]]["text"] = view["title"]
        _set_axes(lay, view, AXES[name])


def stability_overlay(problem: Any, settings: dict[str, Any], n: int = STABILITY_GRID
                      ) -> dict[str, Any]:
    """``stability_map`` at the current η from an n × n grid of starts: heatmap values 0
    converged, 1 bounded, 2 diverged; and the shares of each."""
    from ..curvature import stability_map
    (a, b), (c, d) = domain(problem)
    xs, ys = np.linspace(a, b, n), np.linspace(c, d, n)
    S = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    m = stability_map(problem, make_optimizer(settings), [float(settings["lr"])], S,
                      max_steps=int(settings["steps"]), rtol=RTOL)
    codes = m.outcome[0].reshape(n, n)
    shares = {name: float(np.mean(codes == i)) for i, name in
              enumerate(("converged", "bounded", "diverged"))}
    return {"x": _list(xs), "y": _list(ys), "z": codes.astype(int).tolist(), "shares": shares}


#: how close (in decades) a decade's label may come to the stability limit's on the η slider
MARK_GAP = 0.4


def lr_marks(limit: float | None, lo: int, hi: int) -> dict[str, Any]:
    """Slider marks in log₁₀ η: the decades, and the stability limit in red (a decade within
    :data:`MARK_GAP` of it keeps its tick but not its label: "▲ 0.0064" beside "1e-2" read as
    "0.0064e-2")."""
    at = math.log10(limit) if limit is not None and limit > 0 else math.nan
    marks: dict[str, Any] = {str(e): "" if abs(e - at) < MARK_GAP else f"1e{e}"
                             for e in range(lo, hi + 1)}
    if lo <= at <= hi:
        marks[f"{at:.6f}"] = {"label": f"▲ {limit:.3g}",
                              "style": {"color": "#c0392b", "fontWeight": "bold"}}
    return marks


def lr_range(limit: float | None) -> tuple[int, int]:
    """The slider's decades: three below the limit to one above it (10⁻⁵ … 1 without one)."""
    if limit is None:
        return -5, 0
    e = math.floor(math.log10(limit))
    return e - 3, e + 1


def _layout(title: str, xtitle: str, ytitle: str) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 14}},
            "margin": {"l": 55, "r": 15, "t": 40, "b": 45},
            "xaxis": {"title": {"text": xtitle}}, "yaxis": {"title": {"text": ytitle}},
            "legend": {"orientation": "h", "y": -0.2, "itemclick": False,
                       "itemdoubleclick": False}, "template": "plotly_white"}


def _short(a: Any, digits: int = 6) -> list[Any]:
    """JSON-ready numbers rounded to ``digits`` significant digits: for what is only drawn
    (a curve 500 px wide needs 4), a third of the bytes of full precision."""
    arr = np.asarray(a, dtype=float)
    with np.errstate(all="ignore"):
        e = np.floor(np.log10(np.abs(arr)))
        scale = 10.0 ** np.where(np.isfinite(e), digits - 1 - e, 0)
        out = (np.round(arr * scale) / scale).astype(object)
    out[~np.isfinite(arr)] = None
    return out.tolist()


def _list(a: Any) -> list[Any]:
    """JSON-ready numbers (NaN/inf → None)."""
    arr = np.asarray(a, dtype=float)
    out = np.round(arr, 12).astype(object)
    out[~np.isfinite(arr)] = None
    return out.tolist()
