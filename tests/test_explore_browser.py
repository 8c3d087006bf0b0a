"""``steepest explore`` in a real browser (Debian's chromium, driven by Playwright): each view
is used as a learner would — the η slider moved, a start clicked, the scrubber dragged, CSVs
uploaded (good and bad), a network trained for a few seconds, a saved model loaded — and what
the page shows is checked against the library run with the same settings. No console errors, no
request leaves localhost. Screenshots of each view go to ``test-artifacts/``."""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]
pytest.importorskip("playwright.sync_api")
pytest.importorskip("dash")

import steepest as st  # noqa: E402
from steepest.explore import lab, state  # noqa: E402
from steepest.explore import landscape_view as lv  # noqa: E402
from steepest.explore import playground as pg  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def server():
    import logging

    from werkzeug.serving import make_server
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = st.explore.create_app()
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{srv.server_port}/"
    srv.shutdown()


class Logged:
    """A page and everything it logged, threw or requested."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1300, "height": 1400})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url, timeout=TIMEOUT)

    def check_clean(self):
        assert not self.errors, self.errors
        hosts = {urlparse(u).hostname for u in self.requests if not u.startswith("data:")}
        assert hosts <= {"127.0.0.1"}, f"requests outside localhost: {hosts}"

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def wait_change(self, selector: str, old: str) -> str:
        self.page.wait_for_function(
            "([s, old]) => { const e = document.querySelector(s);"
            " return e && e.innerText.trim() && e.innerText !== old; }", arg=[selector, old],
            timeout=TIMEOUT)
        return self.text(selector)

    def wait_contains(self, selector: str, part: str) -> str:
        """The element's text once it contains ``part`` (a page under load may first show an
        earlier message, e.g. the prompt to upload, before the upload's answer)."""
        self.page.wait_for_function(
            "([s, part]) => { const e = document.querySelector(s);"
            " return e && e.innerText.includes(part); }", arg=[selector, part], timeout=TIMEOUT)
        return self.text(selector)

    def settings(self, defaults):
        return state.decode(self.page.evaluate("location.search"), defaults)[1]

    def plotted(self, graph: str) -> None:
        """Wait until plotly has drawn ``graph``: the callback's answer (text beside it) can be
        on the page before plotly, loaded lazily, has drawn the figure it came with."""
        self.page.wait_for_function(
            f"() => {{ const e = document.querySelector('#{graph} .js-plotly-plot');"
            f" return e && e.layout && e.data; }}", timeout=TIMEOUT)

    def shapes(self, graph: str):
        self.plotted(graph)
        return self.page.evaluate(
            f"() => document.querySelector('#{graph} .js-plotly-plot').layout.shapes")

    def view_shapes(self, view: str):
        """The shapes of one of the lab's 2-D views (lab.VIEWS: one figure, #lab-views), each
        checked to be drawn on that view's axes."""
        shapes = self.shapes("lab-views")
        at = lab.SHAPES[view]
        end = min([v for v in lab.SHAPES.values() if v > at], default=len(shapes))
        own = shapes[at:end]
        n = lab.AXES[view]
        assert all(sh["xref"] == f"x{n}" and sh["yref"] == f"y{n}" for sh in own
                   if sh.get("visible") is not False), (view, own)
        return own

    def trace(self, graph: str, i: int):
        self.plotted(graph)
        return self.page.evaluate(
            f"() => {{ const d = document.querySelector('#{graph} .js-plotly-plot').data[{i}];"
            f" return {{x: Array.from(d.x), y: Array.from(d.y)}}; }}")


def _lab_checks(view: Logged, data=None):
    """The page's path end, start and diagnosis against lab.run with the URL's settings."""
    s = view.settings(lab.DEFAULTS)
    ref = lab.run(s, data)
    path = _points(view.view_shapes("map")[lab.PATH])
    _drawn_through(path, ref.path)
    np.testing.assert_allclose(path[-1], ref.result.x, rtol=1e-9)
    assert view.text("#lab-diagnosis") == ref.diagnosis
    # the loss curve: the run's losses (+ the log axis's shift) to its last step
    shift = lab.loss_shift(ref.loss)
    loss = _points(view.view_shapes("loss")[lab.LOSS_CURVE])
    steps = loss[:, 0].astype(int)
    assert steps[0] == 0 and steps[-1] == len(ref.loss) - 1
    np.testing.assert_allclose(loss[:, 1], ref.loss[steps] + shift, rtol=1e-5)
    for i in lab.PARAM_CURVES:
        beta = _points(view.view_shapes("params")[i])
        np.testing.assert_allclose(beta[:, 1], ref.path[beta[:, 0].astype(int), i], rtol=1e-5,
                                   atol=1e-12)
    return s, ref


def _drawn_through(drawn: np.ndarray, path: np.ndarray) -> None:
    """The drawn path goes through iterates of the run, in order, from its first to its last;
    the iterates left out are within a pixel of one drawn (lab.thin)."""
    np.testing.assert_allclose(drawn[[0, -1]], path[[0, -1]], rtol=1e-9, atol=1e-12)
    near = [np.flatnonzero(np.all(np.abs(path - v) <= 1e-9 * (1 + np.abs(v)), axis=1))
            for v in drawn]
    assert all(len(k) for k in near)
    at = [int(k[0]) for k in near]
    assert at == sorted(at) and len(drawn) <= len(path)


def _points(shape) -> np.ndarray:
    """The vertices of a plotly path shape "Mx,yLx,y…" (the lab draws its path so)."""
    return np.array([[float(v) for v in p.split(",")] for p in shape["path"][1:].split("L")])


def _exported(browser, view: Logged, button: str, folder: Path, images: int,
              surfaces: int = 0):
    """Click a view's "export HTML", open the file it downloads with the network cut off, and
    check it shows its figures (PNG images that decoded, interactive 3-D surfaces drawn) and
    asked for nothing but itself. Returns the page's text."""
    with view.page.expect_download(timeout=TIMEOUT) as info:
        view.page.click(button)
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    page = browser.new_page()  # a context of its own, cut off from the network
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.context.set_offline(True)
    try:
        page.goto(path.as_uri(), timeout=TIMEOUT)
        shown = page.evaluate("() => Array.from(document.querySelectorAll('figure img'))"
                              ".filter(i => i.complete && i.naturalWidth > 0).length")
        assert shown >= images, (path.name, shown)
        for k in range(1, surfaces + 1):
            page.locator(f"#plot3d-{k}").scroll_into_view_if_needed()
            page.locator(f"#plot3d-{k} .main-svg").first.wait_for(timeout=TIMEOUT)
        text = page.inner_text("body")
    finally:
        page.close()
    assert {u.split(":")[0] for u in asked} <= {"file", "data"}, asked
    return text


def _shot(view: Logged, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / f"explore-{name}.png"), full_page=True)


def test_descent_lab(server, browser, tmp_path):
    _, url = server
    view = Logged(browser, url + "?view=lab&lr=0.0055")
    diag = view.wait_change("#lab-diagnosis", "")
    s, ref = _lab_checks(view)
    assert s["lr"] == 0.0055 and ref.result.status == "converged" and "oscillat" in diag
    # the 3-D surface drawn at the screen's resolution (plotly's default is 2 canvas pixels per
    # CSS pixel: 4× the software WebGL work on this 1× screen)
    view.page.wait_for_function(
        "() => { const c = document.querySelector('#lab-surface canvas');"
        " return c && c.width === Math.round(c.clientWidth * window.devicePixelRatio); }",
        timeout=TIMEOUT)
    # the lecture's start for this rate
    assert view.view_shapes("map")[lab.START]["xanchor"] == -8.0
    # the η slider: one notch right (10^0.01 × η, snapped to the slider's grid), then its end
    slider = view.page.locator("#lab-lr [role=slider]")
    slider.focus()
    view.page.keyboard.press("ArrowRight")
    view.page.wait_for_function("() => !location.search.includes('lr=0.0055&')", timeout=TIMEOUT)
    diag = view.wait_change("#lab-diagnosis", diag)
    time.sleep(0.5)
    s, ref = _lab_checks(view)
    assert 0.0055 < s["lr"] < 0.0055 * 10 ** 0.02
    view.page.keyboard.press("End")  # the slider's top: 10⁻² for the lecture's line
    view.page.wait_for_function("() => location.search.includes('lr=0.01&')", timeout=TIMEOUT)
    diag = view.wait_change("#lab-diagnosis", diag)
    time.sleep(0.5)
    s, ref = _lab_checks(view)
    assert s["lr"] == 0.01 and ref.result.status == "diverged" and diag.startswith("Diverged")
    # click a start on the contour map (the map's drag layer: the figure's subplot xy)
    box = view.page.locator("#lab-views .nsewdrag[data-subplot='xy']").bounding_box()
    view.page.mouse.click(box["x"] + 0.7 * box["width"], box["y"] + 0.3 * box["height"])
    view.page.wait_for_function("() => location.search.includes('start=')", timeout=TIMEOUT)
    view.wait_change("#lab-status", "")
    time.sleep(0.5)
    s, ref = _lab_checks(view)
    assert s["start"][0] > 0 and s["start"][1] > 0  # upper right of the map
    np.testing.assert_allclose(ref.path[0], s["start"])
    # scrub to the start: one marker moves in every linked view
    view.page.locator("#lab-scrub [role=slider]").focus()
    view.page.keyboard.press("Home")
    view.page.wait_for_function("() => document.querySelector('#lab-scrub-text').innerText"
                                ".startsWith('step 0:')", timeout=TIMEOUT)
    time.sleep(0.5)
    marker = view.view_shapes("map")[lab.MARKER]
    np.testing.assert_allclose([marker["xanchor"], marker["yanchor"]], s["start"])
    loss_at = view.view_shapes("loss")[lab.LOSS_MARKER]
    assert loss_at["xanchor"] == 0
    assert loss_at["yanchor"] == pytest.approx(ref.loss[0] + lab.loss_shift(ref.loss))
    for i, at in zip(lab.PARAM_MARKERS, s["start"]):
        marker = view.view_shapes("params")[i]
        assert marker["xanchor"] == 0 and marker["yanchor"] == pytest.approx(at)
    _shot(view, "lab")
    # the URL reproduces the view in a new tab
    again = Logged(browser, view.page.url)
    again.wait_change("#lab-diagnosis", "")
    assert again.text("#lab-diagnosis") == view.text("#lab-diagnosis") or \
        again.text("#lab-status") == lab_view_status(ref)
    text = _exported(browser, view, "#lab-export", tmp_path, images=2, surfaces=1)
    assert ref.diagnosis.split(":")[0] in text
    view.check_clean()
    again.check_clean()


def lab_view_status(ref):
    from steepest.explore.lab_view import status_text
    return status_text(ref)


def test_descent_lab_csv_uploads(server, browser, tmp_path):
    _, url = server
    view = Logged(browser, url + "?view=lab&problem=csv-least-squares&lr=0.01&steps=2000")
    view.wait_contains("#lab-upload-msg", "upload a CSV")  # built, waiting: nothing ran
    time.sleep(1.0)
    assert view.settings(lab.DEFAULTS)["problem"] == "csv-least-squares"  # the URL kept it
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    view.page.set_input_files("#lab-upload input[type=file]", str(bad))
    msg = view.wait_contains("#lab-upload-msg", "bad.csv")
    assert "comma-separated numbers" in msg
    rng = np.random.default_rng(3)
    x = rng.uniform(-3, 3, 30)
    y = 2.0 - 0.7 * x + 0.1 * rng.standard_normal(30)
    good = tmp_path / "line.csv"
    np.savetxt(good, np.column_stack([x, y]), delimiter=",", header="x,y", comments="")
    view.page.set_input_files("#lab-upload input[type=file]", str(good))
    view.page.wait_for_function("() => !document.querySelector('#lab-upload-msg').innerText",
                                timeout=TIMEOUT)
    view.wait_change("#lab-diagnosis", "")
    time.sleep(0.5)
    _, ref = _lab_checks(view, (x.reshape(-1, 1), y))
    np.testing.assert_allclose(ref.result.x, ref.problem.solve(), atol=1e-3)
    fit = _points(view.view_shapes("fit")[0])  # the model at the run's last step
    np.testing.assert_allclose(fit[:, 1], ref.result.x[0] + ref.result.x[1] * fit[:, 0])
    view.check_clean()


def _trainer_of(app, before):
    new = [s["trainer"] for sid, s in app.sessions.items() if sid not in before and
           "trainer" in s]
    assert len(new) == 1
    return new[0]


def test_playground_trains_and_shows_the_models_accuracy(server, browser, tmp_path):
    app, url = server
    before = {sid for sid, _ in app.sessions.items()}
    view = Logged(browser, url + "?view=play&points=300")
    first = view.wait_change("#play-summary", "")
    other = Logged(browser, url + "?view=play&points=300")  # a second tab, left alone
    other.wait_change("#play-summary", "")
    assert first.startswith("epoch 0")
    view.page.click("#play-run")
    view.page.wait_for_function("() => /epoch ([5-9]|\\d\\d)/.test(document.querySelector("
                                "'#play-summary').innerText)", timeout=TIMEOUT)
    view.page.click("#play-run")
    time.sleep(1.0)
    t = _trainer_of(app, before | {sid for sid, s in app.sessions.items()
                                   if s.get("trainer") is not None and s["trainer"].epoch == 0})
    # paused, every figure is drawn whole: the curves have every epoch, also those drawn
    # between their redraws while training
    view.page.wait_for_function("n => document.querySelector('#play-loss .js-plotly-plot')"
                                "?.data?.[0].x.length === n", arg=len(t.rows["epoch"]),
                                timeout=TIMEOUT)
    assert view.trace("play-loss", 0)["x"] == t.rows["epoch"]
    shown = view.text("#play-summary")
    _, acc = pg.evaluate(t, t.X, t.y)
    _, test_acc = pg.evaluate(t, t.Xt, t.yt)
    assert f"epoch {t.epoch} " in shown
    assert f"train accuracy {acc:.1%}" in shown and f"test accuracy {test_acc:.1%}" in shown
    # the boundary drawn is the trained network's (the image the library makes of it now)
    view.plotted("play-boundary")
    assert view.page.evaluate("() => document.querySelector('#play-boundary .js-plotly-plot')"
                              ".layout.images[0].source") == pg.boundary_image(t)
    assert other.text("#play-summary").startswith("epoch 0")  # the other tab did not train
    # one step more
    view.page.click("#play-step")
    shown = view.wait_change("#play-summary", shown)
    assert f"epoch {t.epoch} " in shown
    _shot(view, "playground")
    text = _exported(browser, view, "#play-export", tmp_path, images=4)
    assert shown in text
    # uploads: a bad CSV is reported in the page, a good one is trained on
    view.page.goto(url + "?view=play&dataset=csv")
    view.wait_change("#play-error", "")
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,0\n3,4,nan\n5,6,1\n")
    view.page.set_input_files("#play-upload input[type=file]", str(bad))
    assert "NaN" in view.wait_change("#play-upload-msg", "")
    X, y = st.datasets.circles(120, noise=0.05, seed=2)
    good = tmp_path / "circles.csv"
    np.savetxt(good, np.column_stack([X, y]), delimiter=",")
    view.page.set_input_files("#play-upload input[type=file]", str(good))
    view.page.wait_for_function("() => document.querySelector('#play-upload-msg').innerText"
                                ".includes('120 rows')", timeout=TIMEOUT)
    view.page.wait_for_function("() => !document.querySelector('#play-error').innerText",
                                timeout=TIMEOUT)
    view.page.click("#play-step")
    view.page.wait_for_function("() => document.querySelector('#play-summary').innerText"
                                ".startsWith('epoch 1 ')", timeout=TIMEOUT)
    view.check_clean()
    other.check_clean()


def test_landscape_of_a_saved_model(server, browser, tmp_path):
    _, url = server
    X, y = st.datasets.moons(150, noise=0.1, seed=0)
    net = st.nn.MLP(2, [6, 1], seed=0)
    hist = st.nn.fit(net, X, y, loss="bce_with_logits", optimizer=st.optim.Adam(lr=0.05),
                     epochs=40, batch_size=32, progress=False, seed=0, snapshot_every=5)
    net.save(tmp_path / "model.npz", snapshots=hist)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    view = Logged(browser, url + "?view=land")
    view.page.set_input_files("#land-model input[type=file]", str(tmp_path / "model.npz"))
    assert "25 parameters, a training path of 9 snapshots (epochs 0–40)" in \
        view.wait_change("#land-model-msg", "")
    (tmp_path / "text.npz").write_text("not a zip")
    view.page.set_input_files("#land-data input[type=file]", str(tmp_path / "text.npz"))
    assert "not an .npz file" in view.wait_change("#land-data-msg", "")
    view.page.set_input_files("#land-data input[type=file]", str(tmp_path / "data.npz"))
    view.page.wait_for_function("() => document.querySelector('#land-data-msg').innerText"
                                ".includes('150 rows')", timeout=TIMEOUT)
    view.page.click("#land-compute")
    shown = view.wait_change("#land-summary", "")
    loss = float(st.nn.binary_cross_entropy_with_logits(net(X), y).data)
    m = re.search(r"loss at the model ([0-9.e+-]+) \(accuracy ([0-9.]+)%\)", shown)
    assert m, shown
    assert float(m.group(1)) == pytest.approx(loss, rel=1e-5)
    acc = float(np.mean((net(X).data.ravel() > 0) == (y > 0.5)))
    assert m.group(2) == f"{100 * acc:.1f}"
    view.page.locator("#land-surface .main-svg").first.wait_for(timeout=TIMEOUT)
    # the training path, projected on the plane as the library projects it
    land = lv.compute(net, X, y, dict(lv.DEFAULTS), np.stack(hist.snapshots))
    path = view.trace("land-contour", lv.PATH_TRACE)
    np.testing.assert_allclose(np.column_stack([path["x"], path["y"]]),
                               land.trajectory.coords, rtol=1e-9, atol=1e-12)
    assert "training path of 9 points" in shown
    _shot(view, "landscape")
    text = _exported(browser, view, "#land-export", tmp_path, images=3, surfaces=1)
    assert "snapshots are at epochs 0, 5, 10" in text and shown.split(" · ")[1] in text
    view.check_clean()
