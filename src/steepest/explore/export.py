"""“Export”: the current view as one self-contained HTML page, written by the report module
(:class:`steepest.report.builder.Report`: figures inline as PNG, the 3-D surface interactive
when plotly is installed) — the same numbers the page shows, recomputed from the settings."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import lab


def lab_report(settings: dict[str, Any], data: tuple[np.ndarray, np.ndarray] | None = None,
               link: str = "") -> str:
    """The descent lab's view as HTML: the settings, the diagnosis, the path on the contour
    map, the loss curve and the 3-D surface."""
    import matplotlib

    matplotlib.use("Agg")
    from .. import plot
    from ..report.builder import Report
    run = lab.run(settings, data)
    r = run.result
    report = Report("steepest explore — descent lab", f"{lab.problem_names()[settings['problem']]}"
                    f", {settings['optimizer']} with η = {settings['lr']:g}")
    sec = report.section("The run", run.diagnosis)
    sec.numbers({"status": r.status, "steps": r.nit, "final loss": float(r.fun),
                 "final x": ", ".join(f"{v:.6g}" for v in np.ravel(r.x)),
                 "η": settings["lr"], "stability limit": run.limit if run.limit else "none",
                 "start": ", ".join(f"{v:.6g}" for v in run.path[0])})
    if link:
        sec.text(f"Open this view live: run `steepest explore`, then open `{link}`.")
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
