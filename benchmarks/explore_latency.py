"""``steepest explore``'s responsiveness, measured through the browser (Debian's chromium driven
by Playwright): ``python benchmarks/explore_latency.py [--moves 40] [--seconds 8]``.

1. Descent lab, the lecture's line (1,000 steps): the η slider is moved one notch (10^±0.01) by
   a key press inside the page; the latency is from that key press to the moment every linked
   figure has been redrawn (plotly's ``plotly_afterplot`` on each of ``LAB_GRAPHS``: the 2-D
   views — contour map, loss curve, parameters, fitted line — which are subplots of one figure,
   and the 3-D surface) — the request, ``minimize`` + ``diagnose`` on the server, the transfer
   and the drawing. Beside it, the time to the end of that frame (a task queued from the next
   animation frame: the frame's commit waits for the GPU process to run the 3-D surface's WebGL,
   which ``plotly_afterplot`` does not wait for). Moves alternate right/left around η = 0.002 and
   wait for the page to settle between moves. Target: p95 ≤ 150 ms (to ``plotly_afterplot``).
2. Network playground, 2→8→8→1 (tanh, Adam, batch 32) on 500 moons points: training runs for
   ``--seconds``; updates are counted as the redraws of the decision boundary (every epoch; the
   network, loss and gradient-norm figures follow every ``playground.CURVES_EVERY`` epochs).
   Target: ≥ 10/s.

The server's own time per update is printed beside it (what the machine's other load cannot
hide from the page). Quote the load average with the numbers: these machines are shared.

Where the time goes (measured Dec 2026 on 2 cores shared with another process, plotly.js
4.1): a ``Plotly.react`` whose data changed replots the whole figure — 20–30 ms in headless
chromium with software rendering even for a 10-point line (axes and tick labels are most of
it), and a change of an axis range costs as much; a ``surface`` trace is refined to ≥ 120²
vertices and rebuilt on every redraw of its figure (45–70 ms) — while a change to layout shapes
or annotations alone redraws only them (a figure's floor is then ``supplyDefaults`` of
everything: 4–10 ms per figure). So the lab draws its path, start, marker and fitted model as
shapes, and its loss and parameter curves too, on axes the server sets (x: the step budget; y:
round ranges kept while the next run fits and fills a third of them, so an η move does not
change them); every path is drawn through the iterates a pixel apart (``lab.thin``: 799 → ~170
vertices on the map, the numbers shown are the run's own); its 3-D surface is a mesh3d of the
grid (69 → 30 ms) drawn at the screen's pixel ratio (plotly's gl3d default is 2×: 4× the
pixels for software WebGL; the frame's commit 34–39 → 22–29 ms); its four 2-D views are one
figure (``lab.merge_views``: one floor and one Dash output instead of four: their Plotly.react
9 + 8 + 9 + 4.5 = ~31 → 22–25 ms); the playground draws its boundary as an image (50–60 → 10
ms). An η move is then (medians, load 1.1–1.4): key press → request sent 5 ms, → response
parsed 24 (server 14: ``minimize`` + ``diagnose`` ~6, drawing data ~4, Dash and JSON ~3; a
30 kB answer), Dash applying the outputs 7, the 2-D views 22, the 3-D surface 15 (its scene is
rebuilt whole by plotly whatever changed: patching only the path's trace, as the lab does,
saves ~5 ms against sending the figure, the mesh's own update ~6; an opaque mesh changes
nothing; both figures' reacts already run in one task, so they land in one frame): all drawn
at ~67, the frame painted at ~113. Runs of this script, alternated with the code before the
views were merged (``git archive 4e34cd5``) at load 2–4: to ``plotly_afterplot`` p50 78–85 /
p95 108–110 ms (before: 88–96 / 129–137), to the frame painted p50 120–131 / p95 160–169
(before: 157–169 / 210–234). At load ~0.3–1.5 alone: p50 72–87, p95 90–140. What is left is
mostly plotly's floors (supplyDefaults of the 2-D figure, the gl3d scene's full replot) and the
software-WebGL frame; the server's part is ~15 ms. The playground's tick is ~58 ms with the
boundary alone and ~190 ms with the other three figures, hence those every fifth epoch:
4.5 → 12 updates/s.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-dev-shm-usage"]
#: the lab's figures: its four 2-D views (map, loss, parameters, fitted line) in one, and the 3-D
#: surface
LAB_GRAPHS = ["lab-views", "lab-surface"]

_MOVE = """async ([graphs, key]) => {
    const gds = graphs.map(id => document.querySelector('#' + id + ' .js-plotly-plot'));
    const handle = document.querySelector('#lab-lr [role=slider]');
    const drawn = new Set();
    const t0 = performance.now();
    const done = new Promise(resolve => gds.forEach((gd, i) => {
        const f = () => { drawn.add(i); if (drawn.size === gds.length) resolve(); };
        gd.__bench = f; gd.on('plotly_afterplot', f);
    }));
    handle.focus();
    handle.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, bubbles: true}));
    await Promise.race([done, new Promise(r => setTimeout(r, 20000))]);
    const dt = performance.now() - t0;
    // the frame those redraws are in: a task queued from the next animation frame runs after
    // it is committed (the commit waits for the GPU process's WebGL work on the 3-D surface)
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    const frame = performance.now() - t0;
    gds.forEach(gd => gd.removeListener('plotly_afterplot', gd.__bench));
    return drawn.size === gds.length ? [dt, frame] : [-1, -1];
}"""

_COUNT = """([id, ms]) => new Promise(resolve => {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot');
    let n = 0; const f = () => n++; gd.on('plotly_afterplot', f);
    document.getElementById('play-run').click();
    setTimeout(() => { document.getElementById('play-run').click();
                       gd.removeListener('plotly_afterplot', f); resolve(n); }, ms);
})"""


def _serve() -> tuple[object, str, dict[str, list[float]]]:
    from werkzeug.serving import make_server

    from steepest.explore import create_app
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app()
    times: dict[str, list[float]] = {}

    @app.server.before_request
    def _t0() -> None:
        from flask import g
        g.t0 = time.perf_counter()

    @app.server.after_request
    def _t1(resp):  # type: ignore[no-untyped-def]
        from flask import g, request
        if request.path.startswith("/_dash-update-component"):
            body = request.get_json(silent=True) or {}
            key = "lab" if "lab-diagnosis" in str(body.get("output")) else \
                "play" if "play-boundary" in str(body.get("output")) else "other"
            times.setdefault(key, []).append(1e3 * (time.perf_counter() - g.t0))
        return resp

    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}/", times


def _settle(page, ms: int = 400) -> None:
    page.wait_for_timeout(ms)


def lab_latency(page, url: str, moves: int, graphs: list[str] = LAB_GRAPHS) -> np.ndarray:
    """Per move: ms to every figure's ``plotly_afterplot``, ms to the frame painted (n × 2)."""
    page.goto(url + "?view=lab&lr=0.002")
    page.wait_for_selector("#lab-diagnosis:not(:empty)", timeout=120_000)
    page.wait_for_function("ids => ids.every(id => document.querySelector("
                           "'#' + id + ' .js-plotly-plot'))", arg=graphs, timeout=120_000)
    _settle(page, 2000)
    out = []
    for i in range(moves):
        out.append(page.evaluate(_MOVE, [graphs, "ArrowRight" if i % 2 == 0 else
                                         "ArrowLeft"]))
        _settle(page)
    return np.asarray(out)


def playground_rate(page, url: str, seconds: float) -> tuple[int, float]:
    page.goto(url + "?view=play")
    page.wait_for_selector("#play-summary:not(:empty)", timeout=120_000)
    _settle(page, 1500)
    n = page.evaluate(_COUNT, ["play-boundary", int(1000 * seconds)])
    return int(n), seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--moves", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--shots", type=Path, default=None,
                    help="also save a screenshot of each view into this folder")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright
    srv, url, server_ms = _serve()
    load = os.getloadavg()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        both = lab_latency(page, url, a.moves)
        flat = lab_latency(page, url, a.moves // 2, [g for g in LAB_GRAPHS if g != "lab-surface"])
        lat, painted = both[:, 0], both[:, 1]
        if a.shots:
            a.shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(a.shots / "bench-lab.png"), full_page=True)
        lab_server = list(server_ms.get("lab", []))
        n, secs = playground_rate(page, url, a.seconds)
        if a.shots:
            page.screenshot(path=str(a.shots / "bench-playground.png"), full_page=True)
        browser.close()
    srv.shutdown()
    ok = lat[lat >= 0]
    play = np.asarray(server_ms.get("play", [np.nan]))
    print(f"load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on "
          f"{os.cpu_count()} CPUs; wall clock, headless chromium (software WebGL)")
    print(f"{'measure':52s} {'p50':>8s} {'p95':>8s} {'max':>8s}  target")
    print(f"{'lab: η slider → all its figures redrawn (ms)':52s} {np.median(ok):8.0f} "
          f"{np.percentile(ok, 95):8.0f} {ok.max():8.0f}  p95 ≤ 150"
          + ("" if len(ok) == len(lat) else f"  ({len(lat) - len(ok)} timed out)"))
    pt = painted[painted >= 0]
    print(f"{'lab: … and that frame painted (ms)':52s} {np.median(pt):8.0f} "
          f"{np.percentile(pt, 95):8.0f} {pt.max():8.0f}")
    flat = flat[flat[:, 0] >= 0, 0]
    print(f"{'lab: … the 2-D views (one figure) redrawn (ms)':52s} {np.median(flat):8.0f} "
          f"{np.percentile(flat, 95):8.0f} {flat.max():8.0f}")
    ls = np.asarray(lab_server or [np.nan])
    print(f"{'lab: server time of that update (ms)':52s} {np.median(ls):8.0f} "
          f"{np.percentile(ls, 95):8.0f} {ls.max():8.0f}")
    print(f"{'playground: updates per second (2→8→8→1, 500 points)':52s} {n / secs:8.1f} "
          f"{'':8s} {'':8s}  ≥ 10")
    print(f"{'playground: server time per update (ms)':52s} {np.nanmedian(play):8.0f} "
          f"{np.nanpercentile(play, 95):8.0f} {np.nanmax(play):8.0f}")


if __name__ == "__main__":
    main()
