"""The landscape of your model: a ``model.save()`` file and data (.npz with X, y or a CSV with
the target last) in; the loss on a plane through the weights out — filter-normalized random
directions (Li et al. 2018) or the Hessian's top two eigenvectors — as a 3-D surface, a contour
map and the two 1-D slices through the model, all from ``steepest.landscape.surface_2d``; when
the file carries the training path (``model.save(path, snapshots=history)``), the path projected
on the plane (``surface_2d(..., trajectory=…)``) on the contour map and the surface."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SteepestError

LOSSES = {"bce": "bce_with_logits", "mse": "mse", "cross-entropy": "cross_entropy"}
DEFAULTS: dict[str, Any] = {"loss": "bce", "directions": "filter", "resolution": 25,
                            "span": 1.0, "seed": 0}
#: the largest grid the view computes (points per axis)
MAX_RESOLUTION = 61


def compute(model: Any, X: np.ndarray, y: np.ndarray, s: dict[str, Any],
            snapshots: np.ndarray | None = None) -> Any:
    """``surface_2d`` with the view's settings: directions "filter", "layer", "none" (random,
    seeded), "hessian" (the top two eigenvectors of the loss's Hessian at the model) or "pca"
    (the training path's two principal directions, Li et al. §7: random directions are nearly
    orthogonal to a path; there ``span`` 1 is the path's extent); with ``snapshots`` (T, n)
    the training path projected on the plane (``land.trajectory``)."""
    from .. import landscape
    n = int(s["resolution"])
    if not 3 <= n <= MAX_RESOLUTION:
        raise SteepestError(f"resolution: between 3 and {MAX_RESOLUTION} points per axis, "
                            f"got {n}")
    span = float(s["span"])
    if not span > 0:
        raise SteepestError(f"span: must be positive, got {span:g}")
    loss = LOSSES[s["loss"]]
    nout = int(getattr(model, "nouts", [1])[-1])
    if loss == "cross_entropy":
        y = y.astype(int)
    elif y.ndim == 1 and nout > 1:
        raise SteepestError(f"the model has {nout} outputs: use the cross-entropy loss")
    kw: dict[str, Any] = {"loss": loss, "resolution": n, "range": (-span, span),
                          "accuracy": loss != "mse", "progress": False, "trajectory": snapshots}
    with np.errstate(all="ignore"):
        if s["directions"] == "hessian":
            target = landscape.as_target(model, X, y, loss=loss)
            kw["directions"] = landscape.hessian_directions(target, k=2)
        elif s["directions"] == "pca":
            kw["directions"], extent = _pca(model, snapshots)
            kw["range"] = (-span * extent, span * extent)
        else:
            kw["normalization"] = None if s["directions"] == "none" else s["directions"]
            kw["seed"] = int(s["seed"])
        return landscape.surface_2d(model, X, y, **kw)


def _pca(model: Any, snapshots: np.ndarray | None) -> tuple[Any, float]:
    """The path's principal directions through the model, and 1.1 × the path's largest
    coordinate on them (the range that holds the whole path)."""
    from .. import landscape
    from ..nn import parameters_to_vector
    if snapshots is None or len(snapshots) < 2:
        raise SteepestError("directions: PCA of the training path needs a model file saved "
                            "with its path: model.save(path, snapshots=fit(..., "
                            "snapshot_every=k))")
    theta = parameters_to_vector(model)
    d = landscape.pca_directions(snapshots, centre=theta)
    coords = landscape.project(snapshots, theta, d).coords
    return d, 1.1 * float(np.max(np.abs(coords))) or 1.0


def check_data(model: Any, X: np.ndarray, filename: str) -> None:
    """The data's feature count must be the model's input size."""
    nin = getattr(model, "nin", None)
    if nin is not None and X.shape[1] != nin:
        raise SteepestError(f"{filename}: {X.shape[1]} feature column(s), but the model takes "
                            f"{nin} inputs")


def figures(land: Any, epochs: Any = None
            ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The 3-D surface, the contour map (the model at the centre) and the 1-D slices; the
    projected training path on the first two when ``land`` has one (``epochs`` label its
    points)."""
    from .lab import _list
    a, b, L = land.alphas, land.betas, land.loss
    Z = _list(L.T)  # plotly: z[row = β][column = α]
    axis = ("α (direction 1)", "β (direction 2)")
    surface = {"data": [{"type": "surface", "x": _list(a), "y": _list(b), "z": Z,
                         "colorscale": "Viridis", "showscale": False}],
               "layout": {"margin": {"l": 0, "r": 0, "t": 30, "b": 0},
                          "title": {"text": "loss on the plane", "font": {"size": 13}},
                          "scene": {"xaxis": {"title": {"text": "α"}},
                                    "yaxis": {"title": {"text": "β"}},
                                    "zaxis": {"title": {"text": "loss"}}}}}
    contour = {"data": [{"type": "contour", "x": _list(a), "y": _list(b), "z": Z,
                         "colorscale": "Viridis", "ncontours": 30},
                        {"type": "scatter", "x": [0], "y": [0], "mode": "markers",
                         "name": "the model", "marker": {"symbol": "star", "size": 14,
                                                         "color": "white",
                                                         "line": {"color": "black",
                                                                  "width": 1}}}],
               "layout": _layout("contour map (★ the model)", *axis)}
    if land.trajectory is not None:
        _add_path(surface, contour, land.trajectory, epochs)
    i0, j0 = int(np.argmin(np.abs(a))), int(np.argmin(np.abs(b)))
    slices = {"data": [{"type": "scatter", "x": _list(a), "y": _list(L[:, j0]),
                        "mode": "lines", "name": "along α (β = 0)"},
                       {"type": "scatter", "x": _list(b), "y": _list(L[i0, :]),
                        "mode": "lines", "name": "along β (α = 0)"}],
              "layout": _layout("1-D slices through the model", "coordinate", "loss")}
    return surface, contour, slices


#: the training path's trace on the contour map (on the surface it is trace 1)
PATH_TRACE = 2


def _add_path(surface: dict[str, Any], contour: dict[str, Any], traj: Any, epochs: Any) -> None:
    """The training path: its projected coordinates on the map, and on the surface at the
    loss *on the plane* (where the surface is drawn; the real loss is in the hover text)."""
    from .lab import _list
    c = traj.coords
    e = np.arange(len(c)) if epochs is None else np.asarray(epochs)
    text = [f"epoch {k}: loss {v:.4g} (on the plane {w:.4g}), {r:.0%} off the plane"
            for k, v, w, r in zip(e, traj.loss, traj.loss_on_plane, traj.relative_residual)]
    style = {"mode": "lines+markers", "name": "training path (projected)", "text": text,
             "hovertemplate": "%{text}<extra></extra>"}
    surface["data"].append({"type": "scatter3d", "x": _list(c[:, 0]), "y": _list(c[:, 1]),
                            "z": _list(traj.loss_on_plane), **style,
                            "line": {"color": "#c0392b", "width": 5},
                            "marker": {"size": 3, "color": "#c0392b"}})
    surface["layout"]["showlegend"] = False
    contour["data"].append({"type": "scatter", "x": _list(c[:, 0]), "y": _list(c[:, 1]),
                            **style, "line": {"color": "#c0392b", "width": 2},
                            "marker": {"size": 6, "color": "#c0392b"}})
    contour["layout"]["title"]["text"] = "contour map (★ the model, red: its training path)"


def summary(land: Any, model: Any, n: int) -> str:
    """The numbers under the figures: size, the loss (and accuracy) at the model, the range."""
    a, b = land.alphas, land.betas
    i0, j0 = int(np.argmin(np.abs(a))), int(np.argmin(np.abs(b)))
    text = (f"{sum(p.data.size for p in model.parameters())} parameters, {n} examples, "
            f"{len(a)} × {len(b)} grid · loss at the model {land.loss[i0, j0]:.6g}")
    if land.accuracy is not None:
        text += f" (accuracy {land.accuracy[i0, j0]:.1%})"
    ev = getattr(land.directions, "eigenvalues", None)
    if ev is not None:
        text += " · Hessian eigenvalues " + ", ".join(f"{v:.4g}" for v in np.ravel(ev))
    text += (f" · on the plane min {np.nanmin(land.loss):.6g}, max "
             f"{np.nanmax(land.loss):.6g} · {land.meta.get('elapsed_s', 0.0):.2f} s")
    if land.trajectory is not None:
        text += f" · training {land.trajectory.summary()}"
    return text


def _layout(title: str, xt: str, yt: str) -> dict[str, Any]:
    return {"title": {"text": title, "font": {"size": 13}},
            "margin": {"l": 50, "r": 10, "t": 36, "b": 40}, "plot_bgcolor": "white",
            "xaxis": {"title": {"text": xt}}, "yaxis": {"title": {"text": yt}},
            "legend": {"orientation": "h", "y": -0.25}}


# ---- the page ----------------------------------------------------------------------------------
def layout(s: dict[str, Any]) -> Any:
    from dash import dcc, html

    from .uploads import MAX_UPLOAD_BYTES

    def control(label: str, child: Any) -> Any:
        return html.Div([html.Label(label), child], className="control")

    controls = html.Div([
        html.Div([dcc.Upload(html.Div("model file (model.save(), .npz)"), id="land-model",
                             className="upload", max_size=MAX_UPLOAD_BYTES),
                  html.Div(id="land-model-msg", className="status")], className="control"),
        html.Div([dcc.Upload(html.Div("data: .npz (X, y) or .csv (target last)"),
                             id="land-data", className="upload", max_size=MAX_UPLOAD_BYTES),
                  html.Div(id="land-data-msg", className="status")], className="control"),
        control("loss", dcc.Dropdown(id="land-loss", value=s["loss"], clearable=False,
                                     options=list(LOSSES))),
        control("directions", dcc.Dropdown(
            id="land-directions", value=s["directions"], clearable=False,
            options=[{"label": "random, filter-normalized", "value": "filter"},
                     {"label": "random, layer-normalized", "value": "layer"},
                     {"label": "random, not normalized", "value": "none"},
                     {"label": "Hessian's top two eigenvectors", "value": "hessian"},
                     {"label": "PCA of the training path (span 1 = the path)",
                      "value": "pca"}])),
        control("resolution", dcc.Input(id="land-resolution", type="number", min=3,
                                        max=MAX_RESOLUTION, step=1, value=s["resolution"],
                                        style={"width": "70px"})),
        control("span", dcc.Input(id="land-span", type="number", min=0.01, step="any",
                                  value=s["span"], style={"width": "70px"})),
        control("seed", dcc.Input(id="land-seed", type="number", step=1, value=s["seed"],
                                  style={"width": "60px"})),
        html.Button("compute", id="land-compute", className="primary"),
        html.Button("export HTML", id="land-export"), dcc.Download(id="land-download"),
    ], className="controls")
    graphs = html.Div([
        html.Div(dcc.Graph(id="land-surface", style={"height": "430px"}), className="card"),
        html.Div(dcc.Graph(id="land-contour", style={"height": "430px"}), className="card"),
    ], className="grid2")
    return html.Div([
        dcc.Store(id="land-model-store"), dcc.Store(id="land-data-store"),
        dcc.Store(id="land-settings"), controls,
        dcc.Loading(html.Div(id="land-summary", className="status"), type="dot"),
        html.Div(id="land-error", className="error"),
        graphs,
        html.Div(dcc.Graph(id="land-slices", style={"height": "300px"}), className="card",
                 style={"marginTop": "10px"})], className="view")


def register(app: Any) -> None:
    """The view's callbacks: the two uploads, and compute."""
    from dash import Input, Output, State, no_update

    from ..errors import FileFormatError
    from .export import register_landscape
    from .uploads import decode, load_model_file, parse_table
    register_landscape(app)

    @app.callback(Output("land-model-store", "data"), Output("land-model-msg", "children"),
                  Input("land-model", "contents"), State("land-model", "filename"),
                  prevent_initial_call=True)
    def model_uploaded(contents: str, filename: str) -> Any:
        name = filename or "model"
        try:
            model, path = load_model_file(decode(contents, name), name)
        except FileFormatError as exc:
            return None, html_error(str(exc))
        n = sum(p.data.size for p in model.parameters())
        kept = "" if path is None else \
            f", a training path of {len(path[0])} snapshots (epochs {path[1][0]}–{path[1][-1]})"
        return contents, f"{name}: {type(model).__name__}, {n} parameters{kept}"

    @app.callback(Output("land-data-store", "data"), Output("land-data-msg", "children"),
                  Input("land-data", "contents"), State("land-data", "filename"),
                  prevent_initial_call=True)
    def data_uploaded(contents: str, filename: str) -> Any:
        name = filename or "data"
        try:
            X, y = parse_table(decode(contents, name), name)
        except FileFormatError as exc:
            return None, html_error(str(exc))
        return {"X": X.tolist(), "y": y.tolist(), "name": name}, \
            f"{name}: {len(y)} rows, {X.shape[1]} feature column(s)"

    @app.callback(
        Output("land-surface", "figure"), Output("land-contour", "figure"),
        Output("land-slices", "figure"), Output("land-summary", "children"),
        Output("land-error", "children"), Output("land-settings", "data"),
        Input("land-compute", "n_clicks"), State("land-model-store", "data"),
        State("land-model", "filename"), State("land-data-store", "data"),
        State("land-loss", "value"), State("land-directions", "value"),
        State("land-resolution", "value"), State("land-span", "value"),
        State("land-seed", "value"), State("session", "data"), prevent_initial_call=True,
        running=[(Output("land-compute", "disabled"), True, False)])
    def run(_: int, model_b64: Any, model_name: str, data: Any, loss: str, directions: str,
            resolution: Any, span: Any, seed: Any, sid: str) -> Any:
        s = {"loss": loss, "directions": directions, "resolution": int(resolution or 25),
             "span": float(span or 1.0), "seed": int(seed or 0)}
        if not model_b64 or not data:
            return (no_update,) * 4 + ("upload a model file and a data file first", s)
        try:
            model, path = load_model_file(decode(model_b64, model_name or "model"),
                                          model_name or "model")
            X, y = np.asarray(data["X"], float), np.asarray(data["y"], float)
            check_data(model, X, data["name"])
            land = compute(model, X, y, s, None if path is None else path[0])
        except ValueError as exc:
            return (no_update,) * 4 + (str(exc), s)
        epochs = None if path is None else path[1]
        # what "export" writes: the landscape on screen, not a recomputation
        app.sessions.get(sid)["landscape"] = {"land": land, "model": model, "n": len(y),
                                              "settings": s, "epochs": epochs}
        return (*figures(land, epochs), summary(land, model, len(y)), "", s)


def html_error(text: str) -> Any:
    from dash import html
    return html.Span(text, className="error")
