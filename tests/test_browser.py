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
playwright_api = pytest.importorskip("playwright.sync_api")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# flags that keep chromium quiet and offline-friendly on CI machines without a GPU or network
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser_page(quick_report):
    """The loaded page, with everything it logged, failed to fetch or threw."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        log = {"console": [], "errors": [], "failed": [], "requests": []}
        page.on("console", lambda m: log["console"].append((m.type, m.text)))
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.on("requestfailed", lambda r: log["failed"].append(r.url))
        page.on("request", lambda r: log["requests"].append(r.url))
        page.goto(quick_report.as_uri(), wait_until="load", timeout=120_000)
        page.wait_for_timeout(1500)  # the players start on a timeout, plotly draws after load
        yield page, log
        browser.close()


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


def test_animations_load_and_their_controls_step_and_play(browser_page):
    page, _ = browser_page
    players = page.locator("figure.anim")
    n = players.count()
    assert n >= 3, f"expected the tour's animations, found {n}"
    for i in range(n):
        player = players.nth(i)
        player.scroll_into_view_if_needed()
        img = player.locator("img").first
        slider = player.locator("input[type=range]").first
        assert img.evaluate("im => im.complete && im.naturalWidth > 0"), f"animation {i} blank"
        first = img.get_attribute("src")
        _button(player, "next", "Next frame").click()
        assert slider.input_value() == "1", f"animation {i}: next did not advance the slider"
        assert img.get_attribute("src") != first, f"animation {i}: next frame looks the same"
        _button(player, "first", "First frame").click()
        assert slider.input_value() == "0" and img.get_attribute("src") == first
        # play, then pause as soon as the player reaches frame 2 — inside the page, so that a
        # slow machine cannot let a short animation run to its end between the two clicks
        paused = page.evaluate(_PLAY_THEN_PAUSE, [
            _button(player, "play", "play/pause").element_handle(),
            _button(player, "pause", "play/pause").element_handle(),
            slider.element_handle()])
        assert paused >= 2, f"animation {i}: play did not advance within 10 s"
        page.wait_for_timeout(400)
        assert slider.input_value() == str(paused), f"animation {i} kept playing after pause"
        assert img.get_attribute("src") != first


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
    page, _ = browser_page
    figures = page.locator("figure.surface3d")
    if figures.count() == 0:
        pytest.skip("the report has no interactive surfaces (plotly is not installed)")
    webgl = page.evaluate("() => !!document.createElement('canvas').getContext('webgl')")
    for i in range(figures.count()):
        fig = figures.nth(i)
        if webgl:
            assert fig.locator(".plotly3d canvas").count() >= 1, f"surface {i}: no WebGL canvas"
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
