"""The descent lab's page: controls, linked figures, the diagnosis, the step scrubber."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import lab
from .lab import DEFAULTS

#: what the settings store holds (the URL's keys for this view)
KEYS = tuple(DEFAULTS)


def _control(label: str, child: Any, cls: str = "control", **kw: Any) -> Any:
    from dash import html
    return html.Div([html.Label(label), child], className=cls, **kw)


def layout(s: dict[str, Any]) -> Any:
    """The view, its controls set from the settings ``s`` (from the URL)."""
    from dash import dcc, html

    from ..optim import OPTIMIZERS
    names = lab.problem_names()
    problem = s["problem"] if s["problem"] in names else DEFAULTS["problem"]
    optimizer = s["optimizer"] if s["optimizer"] in OPTIMIZERS else DEFAULTS["optimizer"]
    lr = float(s["lr"]) if s["lr"] > 0 else DEFAULTS["lr"]
    quad = {"display": "flex" if problem == "quadratic" else "none", "gap": "10px"}
    data = {"display": "flex" if problem.startswith("csv") else "none", "gap": "10px"}
    controls = html.Div([
        _control("problem", dcc.Dropdown(id="lab-problem", value=problem, clearable=False,
                                         options=[{"label": v, "value": k}
                                                  for k, v in names.items()]), "control wide"),
        html.Div([_control(lbl, dcc.Input(id=f"lab-{key}", type="number", value=s[key],
                                          debounce=True, step="any", style={"width": "80px"}))
                  for key, lbl in (("eig1", "λ₁"), ("eig2", "λ₂"), ("angle", "rotation °"))],
                 id="lab-quad-controls", style=quad),
        html.Div([dcc.Upload(html.Div("drop or click: CSV of x, y"), id="lab-upload",
                             className="upload", max_size=_max_size()),
                  html.Div(id="lab-upload-msg", className="error")],
                 id="lab-data-controls", style=data),
        _control("optimizer", dcc.Dropdown(id="lab-optimizer", value=optimizer,
                                           clearable=False, options=list(OPTIMIZERS))),
        _control("momentum β", dcc.Slider(id="lab-momentum", min=0, max=0.99, step=0.01,
                                          value=float(s["momentum"]),
                                          marks={0: "0", 0.5: "0.5", 0.9: "0.9"},
                                          tooltip={"placement": "bottom"},
                                          allow_direct_input=False,
                                          disabled=optimizer not in lab.MOMENTUM_ARG)),
        _control("steps", dcc.Input(id="lab-steps", type="number", min=1, max=20000, step=1,
                                    value=int(s["steps"]), debounce=True,
                                    style={"width": "90px"})),
        dcc.Checklist(id="lab-overlay", options=[{"label": " stability map at this η",
                                                  "value": "on"}],
                      value=["on"] if s["overlay"] else []),
        html.Button("export HTML", id="lab-export"), dcc.Download(id="lab-download"),
    ], className="controls")
    rate = html.Div([
        _control("learning rate η (log scale; the red mark is this optimizer's stability limit)",
                 dcc.Slider(id="lab-lr", min=-5, max=0, step=0.01, value=math.log10(lr),
                            updatemode="drag", marks=None, allow_direct_input=False),
                 "control wide"),
        html.Div(id="lab-lr-text", className="status", style={"minWidth": "330px"})],
        className="controls")
    # the 2-D views are one figure (lab.merge_views); the 3-D surface lies over its first row's
    # right half, beside the map
    graphs = html.Div([
        html.Div(dcc.Graph(id="lab-views", style=_views_style(problem.startswith("csv"))),
                 className="card"),
        html.Div(dcc.Graph(id="lab-surface", style={"height": "100%"}),
                 className="card lab-surface",
                 style={"height": f"{lab.VIEW_ROWS['map']}px"}),
    ], className="lab-figures")
    scrub = html.Div([
        _control("step", dcc.Slider(id="lab-scrub", min=0, max=1, step=1, value=0,
                                    updatemode="drag", marks=None), "control wide"),
        html.Div(id="lab-scrub-text", className="status")], className="controls")
    return html.Div([
        dcc.Store(id="lab-settings"), dcc.Store(id="lab-start", data=s["start"]),
        dcc.Store(id="lab-data"), dcc.Store(id="lab-problem-key"),
        dcc.Store(id="lab-marker"),
        controls, rate,
        html.Div(id="lab-status", className="status"),
        html.Div(id="lab-diagnosis", className="diagnosis"),
        html.Div(id="lab-overlay-text", className="status"),
        scrub, graphs,
    ], className="view")


def _views_style(fit: bool) -> dict[str, str]:
    """The 2-D figure's size: its rows' heights (lab.views_height), with the fit's or not."""
    return {"height": f"{lab.views_height(fit)}px"}


def _max_size() -> int:
    from .uploads import MAX_UPLOAD_BYTES
    return MAX_UPLOAD_BYTES


def settings_of(problem: str, eig1: Any, eig2: Any, angle: Any, optimizer: str, lr_log: float,
                momentum: float, steps: Any, start: Any, overlay: Any) -> dict[str, Any]:
    """The settings dict from the controls' values (η from its log₁₀ slider, rounded to the
    slider's resolution so that the URL is short and reproduces the same run)."""
    return {"problem": problem, "optimizer": optimizer,
            "lr": float(f"{10 ** float(lr_log):.4g}"), "momentum": float(momentum or 0.0),
            "steps": int(steps or DEFAULTS["steps"]), "start": start,
            "eig1": float(eig1 if eig1 is not None else DEFAULTS["eig1"]),
            "eig2": float(eig2 if eig2 is not None else DEFAULTS["eig2"]),
            "angle": float(angle if angle is not None else DEFAULTS["angle"]),
            "overlay": bool(overlay)}


def _data(stored: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if not stored:
        return None
    return np.asarray(stored["x"], float).reshape(-1, 1), np.asarray(stored["y"], float)


def register(app: Any) -> None:
    """The lab's callbacks."""
    _register_problem(app)
    _register_run(app)
    _register_scrub(app)
    _register_inputs(app)
    from .export import register_lab
    register_lab(app)


def _register_problem(app: Any) -> None:
    from dash import Input, Output, State

    @app.callback(
        Output("lab-views", "figure"), Output("lab-surface", "figure"),
        Output("lab-lr", "min"), Output("lab-lr", "max"), Output("lab-problem-key", "data"),
        Output("lab-quad-controls", "style"), Output("lab-data-controls", "style"),
        Output("lab-upload-msg", "children", allow_duplicate=True),
        Output("lab-start", "data", allow_duplicate=True), Output("lab-views", "style"),
        Input("lab-problem", "value"), Input("lab-eig1", "value"), Input("lab-eig2", "value"),
        Input("lab-angle", "value"), Input("lab-data", "data"),
        State("lab-quad-controls", "style"), State("lab-data-controls", "style"),
        prevent_initial_call="initial_duplicate")
    def problem_changed(name: str, eig1: Any, eig2: Any, angle: Any, stored: Any,
                        quad: dict[str, Any], data: dict[str, Any]) -> Any:
        from dash import ctx, no_update
        start = None if ctx.triggered_id in ("lab-problem", "lab-data") else no_update
        quad = {**quad, "display": "flex" if name == "quadratic" else "none"}
        data = {**data, "display": "flex" if name.startswith("csv") else "none"}
        s = settings_of(name, eig1, eig2, angle, "gd", -3, 0, 1, None, False)
        try:
            problem = lab.make_problem(s, _data(stored))
        except ValueError as exc:
            empty = {"data": [], "layout": {"title": {"text": str(exc)}}}
            return (empty, empty, -5, 0, None, quad, data, str(exc), start,
                    _views_style(False))
        g = lab.grid(problem)
        lo, hi = lab.lr_range(lab.stability_limit(problem, s))
        return (lab.views_figure(problem, g), lab.surface_figure(problem), lo, hi,
                lab.problem_key(problem), quad, data, "", start,
                _views_style(lab.has_fit(problem)))


def _register_run(app: Any) -> None:
    from dash import Input, Output, Patch, State

    @app.callback(
        Output("lab-views", "figure", allow_duplicate=True),
        Output("lab-surface", "figure", allow_duplicate=True),
        Output("lab-diagnosis", "children"), Output("lab-status", "children"),
        Output("lab-overlay-text", "children"), Output("lab-lr", "marks"),
        Output("lab-lr-text", "children"), Output("lab-scrub", "max"),
        Output("lab-scrub", "value"), Output("lab-settings", "data"),
        Output("lab-marker", "data"),
        Input("lab-problem-key", "data"), Input("lab-optimizer", "value"),
        Input("lab-lr", "value"), Input("lab-momentum", "value"), Input("lab-steps", "value"),
        Input("lab-start", "data"), Input("lab-overlay", "value"),
        State("lab-problem", "value"), State("lab-eig1", "value"), State("lab-eig2", "value"),
        State("lab-angle", "value"), State("lab-data", "data"), State("lab-lr", "min"),
        State("lab-lr", "max"), State("session", "data"), State("lab-lr", "marks"),
        State("lab-scrub", "max"), State("lab-overlay-text", "children"),
        prevent_initial_call=True)
    def rerun(key: Any, optimizer: str, lr_log: float, momentum: float, steps: Any,
              start: Any, overlay: Any, name: str, eig1: Any, eig2: Any, angle: Any,
              stored: Any, lo: int, hi: int, sid: str, marks: Any, scrub_max: Any,
              shown_overlay: Any) -> Any:
        from dash import ctx, no_update
        if key is None:
            return (no_update,) * 11
        s = settings_of(name, eig1, eig2, angle, optimizer, lr_log, momentum, steps, start,
                        overlay)
        run = lab.run(s, _data(stored))
        sess = app.sessions.get(sid)
        path = sess["lab"] = path_data(run, s)
        views, surface = Patch(), Patch()
        # the path drawn through the iterates a pixel apart (the numbers shown are all the run's)
        spans = lab.spans_of(run.problem)
        surface["data"][1].update(lab.surface_path(path, spans))
        last = len(run.path) - 1
        overlay_text = _overlay(views, run, s, "lab-overlay.value" in ctx.triggered_prop_ids)
        # the curves: shapes, titles and axis ranges patched in, the views' traces untouched;
        # the y ranges of this tab's previous run on the problem kept while the run fits them
        axes = sess.get("lab-axes") or {}
        axes = axes if axes.get("key") == key else {}
        loss = lab.loss_view(run, s["steps"], axes.get("loss"))
        params = lab.params_view(run, s["steps"], axes.get("params"))
        lab.apply_views(views, loss, params)
        sess["lab-axes"] = {"key": key, "loss": loss["yrange"], "params": params["yrange"]}
        fit = lab.fit_shape(*lab.fit_line(run, run.path[last])) if path["fit"] else None
        views["layout"]["shapes"] = lab.views_shapes(
            loss["shapes"], params["shapes"], fit,
            lab.path_shapes(path["x"], path["y"], max(last, 0), spans))
        _marker(None, surface, path, last)
        return (views, surface, run.diagnosis,
                status_text(run), _changed(overlay_text, shown_overlay or ""),
                _changed(lab.lr_marks(run.limit, lo, hi), marks), lr_text(s["lr"], run.limit),
                _changed(last, scrub_max), last, s, last)


def _changed(new: Any, shown: Any) -> Any:
    """``new``, or no_update where the page shows it already: an output left alone is one
    component fewer for Dash to re-render while the figures wait to be drawn."""
    from dash import no_update
    return no_update if new == shown else new


def path_data(run: Any, s: dict[str, Any]) -> dict[str, Any]:
    """What the scrubber and the 3-D path need of a run, kept in the tab's server session
    (in a ``dcc.Store`` it would travel to the server with every scrub): the path in full
    precision, the surface's clipped copy, the losses, the fitted curve's x and the settings
    it belongs to."""
    tr = lab.path_traces(run)
    fit = lab.has_fit(run.problem)
    fit_x = lab.fit_line(run, run.path[-1])[0] if fit else []
    return {**tr, "loss": lab._list(run.loss), "shift": lab.loss_shift(run.loss),
            "beta": lab._list(run.path), "fit": fit, "fit_x": fit_x, "settings": s}


def _path_of(app: Any, sid: str, s: dict[str, Any], stored: Any) -> dict[str, Any]:
    """The session's run for the settings ``s``, rerun if the session no longer has it (the
    server keeps the 64 most recent tabs)."""
    path = app.sessions.get(sid).get("lab")
    if path is None or path["settings"] != s:
        path = app.sessions.get(sid)["lab"] = path_data(lab.run(s, _data(stored)), s)
    return path


def _overlay(contour: Any, run: Any, s: dict[str, Any], toggled: bool) -> str:
    """The stability overlay at this η, or (``toggled`` off) none; a run with the overlay off
    leaves the map's traces alone, so that plotly redraws only the path's shapes."""
    if not s["overlay"]:
        if toggled:
            contour["data"][lab.MAP]["colorscale"] = "Viridis"
            contour["data"][lab.OVERLAY].update({"x": [], "y": [], "z": []})
        return ""
    # under the overlay's blue/yellow/red the map turns grey, so the outcomes read clearly
    contour["data"][lab.MAP]["colorscale"] = "Greys"
    o = lab.stability_overlay(run.problem, s)
    contour["data"][lab.OVERLAY].update({"x": o["x"], "y": o["y"], "z": o["z"]})
    sh = o["shares"]
    return (f"stability map ({lab.STABILITY_GRID}² starts, {s['steps']} steps at η = "
            f"{s['lr']:g}): {sh['converged']:.0%} converge (blue), {sh['bounded']:.0%} stay "
            f"bounded (yellow), {sh['diverged']:.0%} diverge (red)")


def status_text(run: Any) -> str:
    """The run's end in one line: status, steps, the final point and loss."""
    r = run.result
    x = ", ".join(f"{v:.6g}" for v in np.asarray(r.x, float).ravel())
    return (f"{r.status} after {r.nit} steps · x = ({x}) · loss = {float(r.fun):.6g}")


def lr_text(lr: float, limit: float | None) -> str:
    """η and where it stands against the optimizer's stability limit."""
    if limit is None:
        return f"η = {lr:g} (this optimizer's limit moves with its state: none marked)"
    return f"η = {lr:g} · stability limit {limit:.4g} · η/limit = {lr / limit:.3g}"


def _marker(views: Any, surface: Any, tr: dict[str, Any], k: int) -> None:
    """Put the scrubber's marker at step k in each figure given (Patches or dicts): the 2-D
    figure's map, loss and parameter views, the 3-D surface."""
    k = max(0, min(k, len(tr["x"]) - 1))
    x, y = tr["x"][k], tr["y"][k]
    if surface is not None:
        surface["data"][2].update({"x": [tr["sx"][k]], "y": [tr["sy"][k]], "z": [tr["z"][k]]})
    if views is None:
        return
    shapes, at = views["layout"]["shapes"], lab.SHAPES
    shapes[at["map"] + lab.MARKER] = lab.on_view(lab.marker_shape(x, y), "map")
    v = tr["loss"][k]
    shapes[at["loss"] + lab.LOSS_MARKER] = lab.on_view(lab.step_marker(
        k, 1.0 if v is None else v + tr["shift"], visible=v is not None), "loss")
    for i, v in enumerate((x, y)):
        shapes[at["params"] + lab.PARAM_MARKERS[i]] = lab.on_view(
            lab.step_marker(k, v, "step" if i == 0 else ""), "params")


def _register_scrub(app: Any) -> None:
    from dash import Input, Output, Patch, State

    @app.callback(
        Output("lab-views", "figure", allow_duplicate=True),
        Output("lab-surface", "figure", allow_duplicate=True),
        Output("lab-scrub-text", "children"),
        Output("lab-marker", "data", allow_duplicate=True),
        Input("lab-scrub", "value"), State("lab-settings", "data"), State("lab-data", "data"),
        State("session", "data"), State("lab-marker", "data"), prevent_initial_call=True)
    def scrub(k: int, s: dict[str, Any] | None, stored: Any, sid: str,
              marker: int | None) -> Any:
        from dash import no_update
        if not s or k is None:
            return (no_update,) * 4
        path = _path_of(app, sid, s, stored)
        k = max(0, min(int(k), len(path["x"]) - 1))
        text = _scrub_text(path, k)
        if k == marker:  # a new run put the markers there already
            return no_update, no_update, text, no_update
        views, surface = Patch(), Patch()
        _marker(views, surface, path, k)
        if path["fit"]:
            views["layout"]["shapes"][lab.SHAPES["fit"]] = lab.on_view(
                lab.fit_shape(path["fit_x"], _fit_values(path, k, s["problem"])), "fit")
        return views, surface, text, k


def _scrub_text(path: dict[str, Any], k: int) -> str:
    beta, loss = path["beta"][k], path["loss"][k]
    return (f"step {k}: x = ({beta[0]:.6g}, {beta[1]:.6g}), loss = "
            f"{loss if loss is None else f'{loss:.6g}'}")


def _fit_values(path: dict[str, Any], k: int, name: str) -> list[float]:
    xs = np.asarray(path["fit_x"], float)
    b0, b1 = path["beta"][k]
    z = b0 + b1 * xs
    if name == "csv-logistic":
        with np.errstate(all="ignore"):
            z = 1 / (1 + np.exp(-z))
    return lab._list(z)


#: the 3-D surface's WebGL resolution: the screen's (plotly's default, 2 canvas pixels per CSS
#: pixel, is 4× the pixels to draw on a 1× screen: in software WebGL its frame cost
#: 35 → 28 ms per redraw); set in the page, the one thing the server cannot know
_GL_PIXELS = """function (id) {
    const r = Math.min(2, Math.max(1, Math.round(window.devicePixelRatio || 1)));
    return {plotGlPixelRatio: r};
}"""


def _register_inputs(app: Any) -> None:
    from dash import Input, Output, State

    app.clientside_callback(_GL_PIXELS, Output("lab-surface", "config"),
                            Input("lab-surface", "id"))

    @app.callback(Output("lab-momentum", "disabled"), Input("lab-optimizer", "value"))
    def momentum_applies(optimizer: str) -> bool:
        return optimizer not in lab.MOMENTUM_ARG

    @app.callback(Output("lab-start", "data"), Input("lab-views", "clickData"),
                  prevent_initial_call=True)
    def clicked(click: Any) -> Any:
        from dash import no_update
        return no_update if (at := clicked_start(click)) is None else at

    @app.callback(Output("lab-data", "data"),
                  Output("lab-upload-msg", "children", allow_duplicate=True),
                  Input("lab-upload", "contents"), State("lab-upload", "filename"),
                  prevent_initial_call=True)
    def uploaded(contents: str, filename: str) -> Any:
        from dash import no_update

        from ..errors import FileFormatError
        from .uploads import decode, parse_table
        try:
            X, y = parse_table(decode(contents, filename or "upload"), filename or "upload")
        except FileFormatError as exc:
            return no_update, str(exc)
        if X.shape[1] != 1:
            return no_update, (f"{filename}: the descent lab fits a line: the CSV needs 2 "
                               f"columns (x, y), it has {X.shape[1] + 1}")
        return {"x": X[:, 0].tolist(), "y": y.tolist(), "name": filename}, ""


def clicked_start(click: Any) -> list[float] | None:
    """The start a click on the 2-D figure sets: the map's point clicked (its coordinates),
    else None (a click on another view: the fitted model's data points hover and click too)."""
    points = (click or {}).get("points") or []
    if not points or points[0].get("x") is None or \
            int(points[0].get("curveNumber", -1)) not in range(lab.MAP_TRACES):
        return None
    return [float(points[0]["x"]), float(points[0]["y"])]
