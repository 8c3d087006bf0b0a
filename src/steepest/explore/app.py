"""The explorer's Dash application: the page (three views in tabs) and its callbacks.

Callbacks only move values between the page and the pure functions of :mod:`.lab`,
:mod:`.playground` and :mod:`.landscape_view`; every number on the page comes from steepest.
State lives in the page (``dcc.Store`` per tab, the URL) and, for a network being trained, in
the app's :class:`~.state.Sessions` under the id each page load gets — never in a global, so
two tabs never see each other's runs.
"""

from __future__ import annotations

from typing import Any

from ._dash import require_dash
from .state import Sessions

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1c2833; background: #f7f9fa; }
header { background: #1c2833; color: white; padding: 10px 20px; }
header h1 { font-size: 20px; margin: 0; display: inline; }
header span { margin-left: 16px; opacity: .8; font-size: 14px; }
.view { padding: 10px 16px; }
.controls { display: flex; flex-wrap: wrap; gap: 14px 22px; align-items: flex-end;
            background: white; padding: 10px 14px; border-radius: 6px;
            box-shadow: 0 1px 3px rgba(0,0,0,.12); margin-bottom: 10px; }
.control { display: flex; flex-direction: column; min-width: 150px; font-size: 13px; }
.control label { font-weight: 600; margin-bottom: 3px; }
.wide { min-width: 340px; flex: 1; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.grid3 { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 10px; }
.card { background: white; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.12);
        padding: 4px; min-width: 0; contain: layout paint; }
.lab-figures { position: relative; }
.lab-surface { position: absolute; top: 0; right: 0; width: calc(50% - 5px);
               box-sizing: border-box; }
#lab-views .modebar-container { right: calc(50% + 5px) !important; }
.diagnosis { background: #fdfefe; border-left: 4px solid #2e86c1; padding: 8px 12px;
             margin: 8px 0; font-size: 14px; line-height: 1.45; white-space: pre-wrap; }
.status { font-family: ui-monospace, monospace; font-size: 13px; margin: 4px 0; }
.error { color: #a93226; font-weight: 600; font-size: 13px; }
.upload { border: 1px dashed #7f8c8d; border-radius: 5px; padding: 6px 10px;
          cursor: pointer; font-size: 13px; text-align: center; }
button { font-size: 13px; padding: 5px 12px; border-radius: 4px; border: 1px solid #566573;
         background: white; cursor: pointer; }
button.primary { background: #2e86c1; color: white; border-color: #2e86c1; }
"""

_INDEX = """<!DOCTYPE html>
<html lang="en"><head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}
<style>""" + _CSS + """</style></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body></html>"""


def create_app(*, sessions: Sessions | None = None) -> Any:
    """A new explorer app (``dash.Dash``), its assets served by itself (nothing from a CDN)."""
    dash = require_dash()
    _import_engine()
    from . import lab_view, landscape_view, play_view

    app = dash.Dash(__name__, title="steepest explore", serve_locally=True,
                    suppress_callback_exceptions=True, update_title=None,
                    assets_ignore=".*", index_string=_INDEX)
    app.server.config["MAX_CONTENT_LENGTH"] = _request_limit()
    app.sessions = sessions or Sessions()
    app.layout = lambda: _layout(app)
    _register_page(app)
    lab_view.register(app)
    play_view.register(app)
    landscape_view.register(app)
    return app


#: the packages the callbacks import lazily (and, through them, everything else they use)
ENGINE = ("autodiff", "nn", "optim", "problems", "descent", "curvature", "landscape",
          "datasets", "plot", "report")


def _import_engine() -> None:
    """Import :data:`ENGINE` now, in this one thread. The server runs callbacks in parallel
    threads (a page load fires several at once), and two threads importing steepest's
    packages at the same time could each see the other's half-initialized module (seen:
    "cannot import name 'LOSS_INFO' from partially initialized module 'steepest.nn.losses'"
    on a first page load)."""
    import importlib
    for name in ENGINE:
        importlib.import_module(f"steepest.{name}")


def _request_limit() -> int:
    """The largest request the server reads: an upload (base64, 4/3 of the file) plus room."""
    from .uploads import MAX_UPLOAD_BYTES
    return MAX_UPLOAD_BYTES * 4 // 3 + 1024 * 1024


def _layout(app: Any) -> Any:
    from dash import dcc, html
    return html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="session", data=app.sessions.new_id()),
        dcc.Store(id="page-built", data=False),
        html.Header([html.H1("steepest explore"),
                     html.Span("gradient descent, networks and landscapes — computed live by "
                               "steepest on your machine")]),
        html.Div(id="page")])


def _register_page(app: Any) -> None:
    """The page is built once per load from the URL's query (later URL changes are the page's
    own, written as the controls move). A flag, not the page itself, says it is built: as a
    State the page's children would travel to the server on every URL change (430 kB per η
    move in the lab)."""
    from dash import Input, Output, State, dcc, no_update

    from . import lab_view, landscape_view, play_view, state

    @app.callback(Output("page", "children"), Output("page-built", "data"),
                  Input("url", "search"), State("page-built", "data"))
    def build_page(search: str | None, built: bool) -> Any:
        if built:
            return no_update, no_update
        view, lab_settings = state.decode(search, lab_view.DEFAULTS)
        play_settings = state.decode(search, play_view.DEFAULTS)[1] if view == "play" \
            else dict(play_view.DEFAULTS)
        land_settings = state.decode(search, landscape_view.DEFAULTS)[1] if view == "land" \
            else dict(landscape_view.DEFAULTS)
        if view != "lab":
            lab_settings = dict(lab_view.DEFAULTS)
        tabs = [dcc.Tab(label="Descent lab", value="lab",
                        children=lab_view.layout(lab_settings)),
                dcc.Tab(label="Network playground", value="play",
                        children=play_view.layout(play_settings)),
                dcc.Tab(label="Landscape of your model", value="land",
                        children=landscape_view.layout(land_settings))]
        return dcc.Tabs(id="view", value=view, children=tabs), True

    @app.callback(Output("url", "search"), Input("view", "value"),
                  Input("lab-settings", "data"), Input("play-settings", "data"),
                  Input("land-settings", "data"), State("url", "search"),
                  prevent_initial_call=True)
    def write_url(view: str, lab_settings: dict[str, Any] | None,
                  play_settings: dict[str, Any] | None,
                  land_settings: dict[str, Any] | None, search: str | None) -> Any:
        """The URL for the view on screen and its settings. A view that has not run yet keeps
        the URL the page was built from (rewriting it as "?view=lab" would drop the settings
        it asked for: a reload, or a test reading it, would get the defaults)."""
        settings = {"lab": lab_settings, "play": play_settings, "land": land_settings}.get(view)
        if settings is not None:
            return state.encode(view, settings)
        return no_update if state.decode(search, {})[0] == view else state.encode(view, {})
