"""The network playground's page: data, network and training controls; start / pause / step.
A running network is trained one epoch per tick, each asked for once the last was drawn."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import playground as pg
from .playground import DEFAULTS

#: the training loop in the page: after each update has been drawn, ask for the next one
#: (``set_props``, so the loop is no declared dependency cycle). A ``dcc.Interval`` cannot pace
#: it: a tick that fires while the previous update is in flight makes Dash drop that update,
#: and on a loaded machine every update would be dropped.
_NEXT_TICK = """function(summary, running, go) {
    if (running) {
        setTimeout(() => window.dash_clientside.set_props('play-go', {data: (go || 0) + 1}), 0);
    }
    return window.dash_clientside.no_update;
}"""


def _control(label: str, child: Any, cls: str = "control") -> Any:
    from dash import html
    return html.Div([html.Label(label), child], className=cls)


def _number(key: str, value: Any, width: str = "80px", **kw: Any) -> Any:
    from dash import dcc
    return dcc.Input(id=f"play-{key}", type="number", value=value, debounce=True,
                     style={"width": width}, **kw)


def layout(s: dict[str, Any]) -> Any:
    """The view, its controls set from the settings ``s`` (from the URL)."""
    from dash import dcc, html

    from ..optim import OPTIMIZERS
    dataset = s["dataset"] if s["dataset"] in pg.DATASETS else DEFAULTS["dataset"]
    controls = html.Div([
        _control("data", dcc.Dropdown(id="play-dataset", value=dataset, clearable=False,
                                      options=[{"label": "uploaded CSV" if d == "csv" else d,
                                                "value": d} for d in pg.DATASETS])),
        html.Div([dcc.Upload(html.Div("drop or click: CSV of x₁, x₂, label"),
                             id="play-upload", className="upload", max_size=_max_size()),
                  html.Div(id="play-upload-msg", className="error")],
                 id="play-data-controls",
                 style={"display": "block" if dataset == "csv" else "none"}),
        _control("points", _number("points", int(s["points"]), min=20, max=5000, step=10)),
        _control("noise", _number("noise", float(s["noise"]), min=0, max=2, step=0.05)),
        _control("hidden layers", dcc.Input(id="play-layers", value=str(s["layers"]),
                                            debounce=True, style={"width": "90px"})),
        _control("activation", dcc.Dropdown(id="play-activation", value=s["activation"],
                                            clearable=False, options=list(pg.ACTIVATIONS))),
        _control("optimizer", dcc.Dropdown(id="play-optimizer", value=s["optimizer"],
                                           clearable=False, options=list(OPTIMIZERS))),
        _control("learning rate η", _number("lr", float(s["lr"]), min=1e-6, step="any")),
        _control("batch size", _number("batch", int(s["batch"]), min=1, step=1)),
        _control("L2", _number("l2", float(s["l2"]), min=0, step="any")),
        _control("seed", _number("seed", int(s["seed"]), width="60px", step=1)),
    ], className="controls")
    buttons = html.Div([
        html.Button("start", id="play-run", className="primary"),
        html.Button("step", id="play-step"), html.Button("reset", id="play-reset"),
        html.Button("export HTML", id="play-export"), dcc.Download(id="play-download"),
        html.Div(id="play-summary", className="status"),
        dcc.Store(id="play-go", data=0), dcc.Store(id="play-running", data=False),
        dcc.Store(id="play-loop"),
    ], className="controls")
    graphs = html.Div([
        html.Div(dcc.Graph(id="play-boundary", style={"height": "400px"}), className="card"),
        html.Div(dcc.Graph(id="play-network", style={"height": "400px"}), className="card"),
        html.Div(dcc.Graph(id="play-loss", style={"height": "300px"}), className="card"),
        html.Div(dcc.Graph(id="play-grads", style={"height": "300px"}), className="card"),
    ], className="grid2")
    return html.Div([
        dcc.Store(id="play-settings"), dcc.Store(id="play-data"),
        controls, buttons,
        html.Div(id="play-error", className="error"),
        graphs,
        html.Div(dcc.Graph(id="play-sharpness", style={"height": "280px"}), className="card",
                 style={"marginTop": "10px"}),
    ], className="view")


def _max_size() -> int:
    from .uploads import MAX_UPLOAD_BYTES
    return MAX_UPLOAD_BYTES


KEYS = ("dataset", "points", "noise", "layers", "activation", "optimizer", "lr", "batch", "l2",
        "seed")


def settings_of(*values: Any) -> dict[str, Any]:
    """The settings from the controls (in :data:`KEYS` order), defaults where one is empty."""
    s = dict(DEFAULTS)
    for key, value in zip(KEYS, values):
        if value is not None and value != "":
            s[key] = type(DEFAULTS[key])(value)
    return s


def _upload_of(stored: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if not stored:
        return None
    return np.asarray(stored["X"], float), np.asarray(stored["y"], float)


def figures(t: pg.Trainer) -> tuple[Any, ...]:
    """Every figure of the view and its summary line."""
    return (pg.boundary_figure(t), pg.network_figure(t), pg.loss_figure(t),
            pg.grad_figure(t), pg.sharpness_figure(t), pg.summary(t))


def trained(t: pg.Trainer) -> tuple[Any, ...]:
    """One more epoch, and what changed on the page: every epoch the boundary's image (a
    Patch) and the summary; every :data:`~.playground.CURVES_EVERY` epochs, and when training
    diverged, the network and the loss and gradient-norm curves too; the sharpness when it
    was measured. A paused or stepped network is drawn whole (:func:`figures`)."""
    from dash import Patch, no_update
    n_sharp = len(t.sharp)
    pg.train(t)
    boundary = Patch()
    boundary["layout"]["images"][0]["source"] = pg.boundary_image(t)
    sharp = pg.sharpness_figure(t) if len(t.sharp) != n_sharp else no_update
    if t.epoch % pg.CURVES_EVERY and t.status != "diverged":
        return boundary, no_update, no_update, no_update, sharp, pg.summary(t)
    return (boundary, pg.network_figure(t), pg.loss_figure(t), pg.grad_figure(t), sharp,
            pg.summary(t))


def register(app: Any) -> None:
    """The playground's callbacks."""
    from dash import Input, Output, State, ctx, no_update

    from .export import register_play
    register_play(app)

    @app.callback(Output("play-settings", "data"), Output("play-data-controls", "style"),
                  *[Input(f"play-{k}", "value") for k in KEYS])
    def controls_changed(*values: Any) -> Any:
        s = settings_of(*values)
        return s, {"display": "block" if s["dataset"] == "csv" else "none"}

    @app.callback(
        Output("play-boundary", "figure"), Output("play-network", "figure"),
        Output("play-loss", "figure"), Output("play-grads", "figure"),
        Output("play-sharpness", "figure"), Output("play-summary", "children"),
        Output("play-error", "children"),
        Output("play-running", "data", allow_duplicate=True),
        Output("play-run", "children", allow_duplicate=True),
        Input("play-settings", "data"), Input("play-data", "data"),
        Input("play-reset", "n_clicks"), Input("play-step", "n_clicks"),
        Input("play-go", "data"), State("session", "data"), State("play-running", "data"),
        prevent_initial_call="initial_duplicate")
    def update(s: dict[str, Any], stored: Any, _r: Any, _s: Any, _g: Any, sid: str,
               running: bool) -> Any:
        sess = app.sessions.get(sid)
        trigger = ctx.triggered_id
        with sess["lock"]:
            t = sess.get("trainer")
            if t is None or trigger in ("play-settings", "play-data", "play-reset"):
                try:
                    t = sess["trainer"] = pg.new_trainer(s, _upload_of(stored))
                except ValueError as exc:
                    sess.pop("trainer", None)
                    return (*(no_update,) * 6, str(exc), False, "start")
                return (*figures(t), "", False, "start")
            if trigger == "play-go" and not running:  # paused: everything as it is now
                return (*figures(t), "", no_update, no_update)
            if trigger == "play-step":
                return (*figures(pg.train(t)), "", no_update, no_update)
            f = trained(t)
            stop = t.status == "diverged"
            return (*f, "", False if stop else no_update,
                    "start" if stop else no_update)

    app.clientside_callback(_NEXT_TICK, Output("play-loop", "data"),
                            Input("play-summary", "children"), State("play-running", "data"),
                            State("play-go", "data"), prevent_initial_call=True)

    @app.callback(Output("play-running", "data"), Output("play-run", "children"),
                  Output("play-go", "data"), Input("play-run", "n_clicks"),
                  State("play-running", "data"), State("play-go", "data"),
                  prevent_initial_call=True)
    def start_pause(_: int, running: bool, go: int) -> Any:
        # either way a tick: the first of a run, or (paused) the figures drawn whole
        return (not running, "start" if running else "pause", (go or 0) + 1)

    @app.callback(Output("play-data", "data"), Output("play-upload-msg", "children"),
                  Input("play-upload", "contents"), State("play-upload", "filename"),
                  prevent_initial_call=True)
    def uploaded(contents: str, filename: str) -> Any:
        from ..errors import FileFormatError
        from .uploads import decode, parse_table
        name = filename or "upload"
        try:
            X, y = parse_table(decode(contents, name), name)
            pg._uploaded((X, y))
        except (FileFormatError, ValueError) as exc:
            return no_update, str(exc)
        return {"X": X.tolist(), "y": y.tolist(), "name": name}, f"{name}: {len(y)} rows"
