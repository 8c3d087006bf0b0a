"""Regenerate the README's screenshot of the live explorer, ``docs/_static/explore-lab.png``:
``python docs/screenshots.py`` (needs the ``explore`` extra, Playwright and Debian's chromium).

The picture shows the app's own answer for its settings (Rosenbrock, plain GD, η = 0.0022 just
above its stability limit, the stability map on), so rerun this whenever the lab's text or
figures change: a screenshot whose diagnosis the app no longer gives tells a reader something
false. The diagnosis shown is printed, to compare with ``steepest`` on the same settings.
"""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "_static" / "explore-lab.png"
QUERY = "?view=lab&problem=rosenbrock&optimizer=gd&lr=0.0022&overlay=1"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-dev-shm-usage"]


def main() -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    import steepest as st
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = make_server("127.0.0.1", 0, st.explore.create_app().server, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 960})
            page.goto(f"http://127.0.0.1:{srv.server_port}/{QUERY}", timeout=60_000)
            # the run's text, the stability map's summary and both figures drawn
            page.wait_for_function(
                "() => ['#lab-diagnosis', '#lab-overlay-text'].every(s => {"
                " const e = document.querySelector(s); return e && e.innerText.trim(); })"
                " && ['lab-views', 'lab-surface'].every(g => {"
                " const e = document.querySelector('#' + g + ' .js-plotly-plot');"
                " return e && e.data && e.layout; })", timeout=60_000)
            page.wait_for_timeout(1500)  # the 3-D surface's WebGL frame
            page.screenshot(path=str(OUT), full_page=True)
            print(page.inner_text("#lab-diagnosis"))
            browser.close()
    finally:
        srv.shutdown()
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
