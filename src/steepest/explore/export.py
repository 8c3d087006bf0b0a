"""“Export”: the current view as one self-contained HTML page, written by the report module
(:class:`steepest.report.builder.Report`: figures inline as PNG, the 3-D surface interactive
when plotly is installed, nothing fetched from the network) — the same numbers the page shows:
the lab's run recomputed from its settings, the playground's network and the landscape as the
tab holds them."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import lab


def lab_report(settings: dict[str, Any], data: tuple[np.ndarray, np.ndarray] | None = None,
               link: str = "") -> str:
    """The descent lab's view as HTML: the settings, the diagnosis, the path on the contour
    map, the loss curve and the 3-D surface."""
    from .. import plot
    from ..report.builder import Report
    _agg()
    run = lab.run(settings, data)
    r = run.result
    report = Report("steepest explore — descent lab", f"{lab.problem_names()[settings['problem']]}"
                    f", {settings['optimizer']} with η = {settings['lr']:g}")
    sec = report.section("The run", run.diagnosis)
    sec.numbers({"status": r.status, "steps": r.nit, "final loss": float(r.fun),
                 "final x": ", ".join(f"{v:.6g}" for v in np.ravel(r.x)),
                 "η": settings["lr"], "stability limit": run.limit if run.limit else "none",
                 "start": ", ".join(f"{v:.6g}" for v in run.path[0])})
    _link(sec, link)
    (a, b), (c, d) = lab.domain(run.problem)
    label = f"{settings['optimizer']} η={settings['lr']:g}"
    with sec.row():
        sec.figure(plot.contour(run.problem, (a, b), (c, d), paths={label: run.path}),
                   "the path on the contour map", name="contour")
        sec.figure(plot.loss_curve({label: r}), "loss against step", name="loss")
    xs, ys, Z = lab.grid(run.problem, 45)
    fallback = plot.contour(run.problem, (a, b), (c, d), paths={label: run.path})
    sec.surface(xs, ys, Z, fallback, "the loss surface and the path",
                labels=(*lab.labels_of(run.problem), "loss"),
                paths=[(label, np.column_stack([run.path, run.loss]))])
    return report.to_html()


def register_lab(app: Any) -> None:
    from dash import Input, Output, State, dcc

    @app.callback(Output("lab-download", "data"), Input("lab-export", "n_clicks"),
                  State("lab-settings", "data"), State("lab-data", "data"),
                  State("url", "href"), prevent_initial_call=True)
    def export(_: int, settings: dict[str, Any], stored: Any, href: str) -> Any:
        from .lab_view import _data
        html = lab_report(settings, _data(stored), link=href or "")
        return dcc.send_string(html, f"steepest-lab-{settings['problem']}.html")


def play_report(t: Any, link: str = "") -> str:
    """The network playground's view as HTML: the settings and the numbers now, the decision
    boundary with the points, the network with its weights, the train and test losses, the
    gradient norm of each layer and (GD, momentum) λ_max against c/η — drawn from the tab's
    own trainer, so the page is what was on screen."""
    from .. import plot
    from ..report.builder import Report
    from . import playground as pg
    _agg()
    s = t.settings
    sizes = "→".join(map(str, [t.model.nin, *t.model.nouts]))
    report = Report("steepest explore — network playground",
                    f"{sizes} {s['activation']} on {s['dataset']}, {s['optimizer']} with "
                    f"η = {s['lr']:g}")
    sec = report.section("The network now", pg.summary(t))
    r = t.rows
    sec.numbers({"epoch": t.epoch, "status": t.status, "train loss": r["loss"][-1],
                 "test loss": r["test_loss"][-1], "train accuracy": r["accuracy"][-1],
                 "test accuracy": r["test_accuracy"][-1], "points (train / test)":
                 f"{len(t.y)} / {len(t.yt)}", "batch size": s["batch"], "L2": s["l2"],
                 "seed": s["seed"]})
    _link(sec, link)
    X, y = np.vstack([t.X, t.Xt]), np.concatenate([t.y, t.yt])
    with sec.row():
        sec.figure(plot.decision_boundary(t.model, X, y, threshold=0.0),
                   "decision boundary (logit 0), train and test points", name="boundary")
        sec.figure(plot.network_diagram(t.model), "the network: edge width |w|, colour its "
                   "sign", name="network")
    with sec.row():
        sec.figure(_curves(r["epoch"], {"train loss": r["loss"], "test loss": r["test_loss"]},
                           "binary cross-entropy"), "loss per epoch", name="loss")
        G = np.asarray(t.grad_norms, float)
        sec.figure(_curves(r["epoch"], {f"layer {i + 1}": G[:, i] for i in range(G.shape[1])},
                           "‖∇‖", log=True), "gradient norm of each layer", name="grads")
    if t.sharp:
        e, lam, limits = zip(*t.sharp)
        c = limits[-1] * float(s["lr"])
        sec.figure(_curves(list(e), {t.sharpness_name: list(lam)}, t.sharpness_name,
                           limit=limits[-1]),
                   f"sharpness against the limit {c:.3g}/η = {limits[-1]:.4g}", name="sharpness")
    return report.to_html()


def landscape_report(land: Any, model: Any, n: int, settings: dict[str, Any],
                     epochs: Any = None, link: str = "") -> str:
    """The landscape view as HTML: the numbers, the contour map (with the projected training
    path when the model file has one), the 3-D surface (interactive with plotly) and the 1-D
    slices — from the Landscape the page computed."""
    from ..report.builder import Report
    from . import landscape_view as lv
    _agg()
    report = Report("steepest explore — landscape of your model",
                    f"{land.directions.kind} directions, {len(land.alphas)} × "
                    f"{len(land.betas)} grid")
    sec = report.section("The loss on a plane through the model", lv.summary(land, model, n))
    sec.numbers({k: settings[k] for k in ("loss", "directions", "resolution", "span", "seed")})
    _link(sec, link)
    paths = []
    if land.trajectory is not None:
        tr = land.trajectory
        paths = [("training path", np.column_stack([tr.coords[:, :2], tr.loss_on_plane]))]
        if epochs is not None:
            sec.text(f"The training path's snapshots are at epochs {_epochs(epochs)}.")
    with sec.row():
        sec.figure(land.plot("contour"), "contour map (θ* starred)", name="contour")
        sec.figure(_slices(land), "1-D slices through the model", name="slices")
    sec.surface(land.alphas, land.betas, land.loss.T, land.plot("surface"),
                "the loss on the plane", labels=(*land.directions.labels[:2], "loss"),
                paths=paths)
    return report.to_html()


def _agg() -> None:
    import matplotlib
    matplotlib.use("Agg")


def _link(sec: Any, link: str) -> None:
    if link:
        sec.text(f"Open this view live: run `steepest explore`, then open `{link}`.")


def _epochs(epochs: Any) -> str:
    e = [int(v) for v in epochs]
    return ", ".join(map(str, e)) if len(e) <= 12 else f"{e[0]}, {e[1]}, … {e[-1]} ({len(e)})"


def _curves(x: Any, ys: dict[str, Any], ylabel: str, *, log: bool = False,
            limit: float | None = None) -> Any:
    """A small matplotlib figure of named curves against epoch (and a limit as a red dash)."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    for name, v in ys.items():
        ax.plot(x, v, label=name, marker="." if len(x) < 30 else None)
    if limit is not None:
        ax.axhline(limit, color="#c0392b", ls="--", label="limit")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _slices(land: Any) -> Any:
    """The loss along each axis through the model (the page's 1-D slices)."""
    import matplotlib.pyplot as plt
    a, b, L = land.alphas, land.betas, land.loss
    i0, j0 = int(np.argmin(np.abs(a))), int(np.argmin(np.abs(b)))
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    ax.plot(a, L[:, j0], label="along α (β = 0)")
    ax.plot(b, L[i0, :], label="along β (α = 0)")
    ax.set_xlabel("coordinate")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def register_play(app: Any) -> None:
    """The playground's export button: the tab's trainer as it is now."""
    from dash import Input, Output, State, dcc, no_update

    @app.callback(Output("play-download", "data"), Output("play-error", "children",
                                                          allow_duplicate=True),
                  Input("play-export", "n_clicks"), State("session", "data"),
                  State("url", "href"), prevent_initial_call=True)
    def export(_: int, sid: str, href: str) -> Any:
        sess = app.sessions.get(sid)
        with sess["lock"]:
            t = sess.get("trainer")
            if t is None:
                return no_update, "nothing to export yet: set up a network first"
            html = play_report(t, link=href or "")
        return dcc.send_string(html, f"steepest-playground-{t.settings['dataset']}-"
                                     f"epoch{t.epoch}.html"), ""


def register_landscape(app: Any) -> None:
    """The landscape's export button: the Landscape last computed in this tab."""
    from dash import Input, Output, State, dcc, no_update

    @app.callback(Output("land-download", "data"),
                  Output("land-error", "children", allow_duplicate=True),
                  Input("land-export", "n_clicks"), State("session", "data"),
                  State("url", "href"), prevent_initial_call=True)
    def export(_: int, sid: str, href: str) -> Any:
        shown = app.sessions.get(sid).get("landscape")
        if shown is None:
            return no_update, "nothing to export yet: compute a landscape first"
        return dcc.send_string(landscape_report(**shown, link=href or ""),
                               "steepest-landscape.html"), ""
