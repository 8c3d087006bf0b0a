"""The ``--quick`` tour report in a real browser (Debian's chromium, driven by Playwright):
every image and animation loads, the animation controls work, interactive 3-D plots render,
nothing logs an error or reaches for the network. A full-page screenshot goes to
``test-artifacts/``."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]
pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser_page(browser, quick_report):
    """The loaded page, with everything it logged, failed to fetch or threw."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    log = {"console": [], "errors": [], "failed": [], "requests": []}
    page.on("console", lambda m: log["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("requestfailed", lambda r: log["failed"].append(r.url))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.goto(quick_report.as_uri(), wait_until="load", timeout=120_000)
    page.wait_for_timeout(1500)  # the players start on a timeout, plotly draws after load
    yield page, log
    page.close()


_PLAY_THEN_PAUSE = """async ([play, pause, slider]) => {
    play.click();
    const t0 = performance.now();
    while (Number(slider.value) < 2) {
        if (performance.now() - t0 > 10000) return -1;
        await new Promise(r => setTimeout(r, 5));
    }
    pause.click();
    return Number(slider.value);
}"""


def _button(player, *titles):
    """The player's button with one of these titles (steepest's player or matplotlib's)."""
    return player.locator(", ".join(f'button[title="{t}" i]' for t in titles)).first


def test_every_image_loads(browser_page):
    page, _ = browser_page
    images = page.evaluate("""() => Array.from(document.images)
        .filter(im => !im.closest('figure.anim'))
        .map(im => ({ok: im.complete && im.naturalWidth > 0, alt: im.alt}))""")
    assert len(images) >= 10, f"expected the tour's figures, found {len(images)} images"
    broken = [im["alt"] for im in images if not im["ok"]]
    assert not broken, f"images that did not load: {broken}"


# what a player shows now: its canvas's pixels (steepest's player) or its image (matplotlib's)
_PICTURE = """p => { const c = p.querySelector('canvas');
    return c ? c.toDataURL() : p.querySelector('img').src; }"""
_PAINTED = """p => { const c = p.querySelector('canvas');
    if (!c) { const im = p.querySelector('img'); return im.complete && im.naturalWidth > 0; }
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 600) dark++;
    return dark > 0.01 * c.width * c.height; }"""


def test_animations_load_and_their_controls_step_and_play(browser_page):
    page, _ = browser_page
    players = page.locator("figure.anim")
    n = players.count()
    assert n >= 3, f"expected the tour's animations, found {n}"
    for i in range(n):
        player = players.nth(i)
        player.scroll_into_view_if_needed()
        slider = player.locator("input[type=range]").first
        assert player.evaluate(_PAINTED), f"animation {i} blank"
        first = player.evaluate(_PICTURE)
        _button(player, "next", "Next frame").click()
        assert slider.input_value() == "1", f"animation {i}: next did not advance the slider"
        assert player.evaluate(_PICTURE) != first, f"animation {i}: next frame looks the same"
        _button(player, "first", "First frame").click()
        assert slider.input_value() == "0" and player.evaluate(_PICTURE) == first
        # play, then pause as soon as the player reaches frame 2 — inside the page, so that a
        # slow machine cannot let a short animation run to its end between the two clicks
        paused = page.evaluate(_PLAY_THEN_PAUSE, [
            _button(player, "play", "play/pause").element_handle(),
            _button(player, "pause", "play/pause").element_handle(),
            slider.element_handle()])
        assert paused >= 2, f"animation {i}: play did not advance within 10 s"
        page.wait_for_timeout(400)
        assert slider.input_value() == str(paused), f"animation {i} kept playing after pause"
        assert player.evaluate(_PICTURE) != first


_EVERY_FRAME = """p => { const id = p.querySelector('.steepest-player').id, pl = window[id];
    const data = JSON.parse(document.getElementById(id + '_data').textContent);
    const label = document.getElementById(id + '_label'), seen = new Set();
    const out = {n: pl.n, frames: data.frames.length, max: Number(p.querySelector(
        'input[type=range]').max), drawn: [], labels: []};
    for (let k = 0; k < pl.n; k++) {
        pl.go(k); out.drawn.push(pl.drawn); out.labels.push(label.textContent);
        seen.add(p.querySelector('canvas').toDataURL());
    }
    out.distinct = seen.size; pl.go(0); return out; }"""


def test_every_frame_of_every_player_is_there_and_drawn(browser_page):
    """Each player holds every frame the tour rendered (nothing subsampled: the slider's
    range, the label and the embedded frames agree), draws each one when asked, and its
    frames differ (the path moves)."""
    page, _ = browser_page
    players = page.locator("figure.anim")
    for i in range(players.count()):
        got = players.nth(i).evaluate(_EVERY_FRAME)
        n = got["n"]
        assert n == got["frames"] == got["max"] + 1 >= 5, got
        assert got["drawn"] == list(range(n)), f"animation {i}: frames not drawn: {got}"
        assert got["labels"] == [f"{k + 1}/{n}" for k in range(n)]
        assert got["distinct"] >= n - 1, f"animation {i}: only {got['distinct']}/{n} differ"


_BUTTON_ICONS = """() => Array.from(document.querySelectorAll('figure.anim button')).map(b => {
    const svg = b.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {title: b.title, text: b.textContent.trim(), svg: !!svg,
            shapes: svg ? svg.querySelectorAll('path, rect, polygon, circle').length : 0,
            width: box.width, height: box.height};
})"""


def test_every_player_button_shows_an_icon(browser_page):
    """Every control of every player is an inline SVG icon of visible size with shapes in it, and
    no button relies on a font glyph (Debian's chromium has no font with ⏮ ⏭: empty boxes). The
    icon's pixels are checked too: a screenshot of it has dark (icon) pixels on the light
    button."""
    import io

    from PIL import Image
    page, _ = browser_page
    buttons = page.evaluate(_BUTTON_ICONS)
    assert len(buttons) >= 15, f"expected the players' buttons, found {len(buttons)}"
    bad = [b for b in buttons if not (b["svg"] and b["shapes"] > 0 and b["width"] >= 8
                                      and b["height"] >= 8 and b["text"] == "")]
    assert not bad, f"buttons without a visible SVG icon: {bad}"
    player = page.locator("figure.anim").first
    player.scroll_into_view_if_needed()
    icons = player.locator("button svg")
    for i in range(icons.count()):
        gray = np.asarray(Image.open(io.BytesIO(icons.nth(i).screenshot())).convert("L"))
        assert (gray < 110).mean() > 0.15, f"icon {i} of the first player looks empty"


def test_interactive_surfaces_render(browser_page):
    """Each surface is drawn by plotly once it is scrolled near (plotly's code runs then, not
    before the first paint), and the static figure stands in until then or without WebGL."""
    page, _ = browser_page
    figures = page.locator("figure.surface3d")
    if figures.count() == 0:
        pytest.skip("the report has no interactive surfaces (plotly is not installed)")
    webgl = page.evaluate("() => !!document.createElement('canvas').getContext('webgl')")
    for i in range(figures.count()):
        fig = figures.nth(i)
        fig.scroll_into_view_if_needed()
        if webgl:
            fig.locator(".plotly3d canvas").first.wait_for(timeout=60_000)
            assert fig.locator(".plotly3d .main-svg").count() >= 1
            box = fig.locator(".plotly3d").bounding_box()
            assert box["width"] > 300 and box["height"] > 300
            assert not fig.locator("img.static3d").is_visible()
        else:  # without WebGL the static figure stands in
            assert fig.locator("img.static3d").is_visible()


def test_no_console_errors_and_nothing_from_the_network(browser_page):
    _, log = browser_page
    errors = [text for kind, text in log["console"] if kind == "error"]
    assert not errors, errors
    assert not log["errors"], log["errors"]
    assert not log["failed"], log["failed"]
    remote = [u for u in log["requests"] if not u.startswith(("file:", "data:", "blob:"))]
    assert not remote, f"the page fetched from the network: {remote}"


def test_screenshot(browser_page):
    page, _ = browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    shot = ARTIFACTS / "tour-quick.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.screenshot(path=str(ARTIFACTS / "tour-quick-top.png"))


def _canvas_pixels(page, uid):
    import base64
    import io

    from PIL import Image
    url = page.evaluate(f"() => document.getElementById('{uid}_canvas').toDataURL()")
    png = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_the_player_draws_each_frame_as_matplotlib_renders_it(browser, tmp_path):
    """Chromium's canvas, frame by frame, against the frames Agg renders: a 3-D descent, a race
    of two optimizers on a contour map and the fitted line (paths, markers, text sprites)."""
    import matplotlib

    matplotlib.use("Agg")
    import steepest as st

    X, y = st.datasets.lecture_line()
    problem = st.problems.LeastSquares(X, y)
    x0 = np.array([-8.0, -3.2])
    gd = st.minimize(problem, x0, st.optim.GD(lr=0.002), max_steps=300)
    fast = st.minimize(problem, x0, st.optim.GD(lr=0.0055), max_steps=300)
    anims = [
        st.animate.descent_3d(gd, problem,
                              zlim=(0, 1400), frames=12, progress=False, figsize=(3.5, 3.5),
                              dpi=70),
        st.animate.descent_contour({"η = 0.002": gd, "η = 0.0055": fast}, problem, frames=12,
                                   progress=False, figsize=(4, 3.2), dpi=70),
        st.animate.line_fit(X, y, gd, frames=12, progress=False, figsize=(3, 3), dpi=70)]
    page = browser.new_page()
    for j, anim in enumerate(anims):
        path = anim.save(tmp_path / f"a{j}.html")
        page.goto(path.as_uri(), wait_until="load")
        uid = page.evaluate("() => document.querySelector('.steepest-player').id")
        page.wait_for_function(f"() => window['{uid}'].drawn === 0")
        for k, frame in enumerate(anim.iter_frames(progress=False)):
            page.evaluate(f"() => window['{uid}'].go({k})")
            diff = np.abs(_canvas_pixels(page, uid) - frame.astype(int)).max(axis=2)
            assert diff.mean() < 1.0, f"animation {j} frame {k}: mean difference {diff.mean()}"
            assert (diff > 64).mean() < 0.002, f"animation {j} frame {k}: pixels differ"
    page.close()


def test_first_paint_comes_before_plotly_runs(browser, quick_report):
    """No large script runs before the page paints: plotly's 4.8 MB are kept as text at the end
    and run when a surface nears the screen. First contentful paint is measured (the goal is
    under 1 s; the bound allows for a loaded machine)."""
    import re

    page_html = quick_report.read_text(encoding="utf-8")
    head = page_html.split("</head>")[0]
    assert max((len(s) for s in re.findall(r"<script>(.*?)</script>", head, re.DOTALL)),
               default=0) < 50_000
    paints = []
    for _ in range(3):
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(quick_report.as_uri(), wait_until="load", timeout=120_000)
        paints.append(page.evaluate("""() => performance.getEntriesByType('paint')
            .filter(e => e.name === 'first-contentful-paint')[0].startTime"""))
        assert page.evaluate("() => !window.Plotly")  # nothing 3-D on the first screen
        page.close()
    assert sorted(paints)[1] < 1500, f"first contentful paint {paints} ms"
