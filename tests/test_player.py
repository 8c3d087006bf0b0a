"""The light animation player (steepest.animate._player): what it embeds — a background once,
per frame vector paths and cropped sprites — redraws every frame as the animation renders it.

The frames are recomposed here in Python (Agg draws the recorded paths, sprites are alpha-
composited) and compared with :meth:`Animation.iter_frames`; the player's JavaScript is run in
node against a stub canvas; tests/test_browser.py compares chromium's canvas with the frames."""

import base64
import io
import json
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from PIL import Image

import steepest as st
from steepest import animate
from steepest.animate._player import _Tracks, encode


def lecture_gd(beta0, eta, n):
    X, y = st.datasets.lecture_line()
    b = np.array(beta0, float)
    betas = [b]
    for _ in range(n):
        b = b - eta * (X.T @ X @ b - X.T @ y)
        betas.append(b)
    return np.array(betas)


def _image(uri):
    im = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    return np.asarray(im.convert("RGBA"), float) / 255


def _gather(data, layer, start):
    """The path of a layer: its pool's ranges joined, in pixels (as the player's gather)."""
    pool = data["pools"][layer[start]]
    v = np.array(pool["v"], float).reshape(-1, 2) / 10
    idx = [i for s, n in zip(layer[start + 1::2], layer[start + 2::2]) for i in range(s, s + n)]
    return v[idx], "".join(pool["c"][i] for i in idx)


_CODES = {"M": 1, "L": 2, "Q": 3, "C": 4, "Z": 79}


def _draw_vector(data, layer, dpi):
    """One vector layer drawn by Agg on a transparent canvas, as RGBA floats."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.colors import to_rgba
    from matplotlib.path import Path
    from matplotlib.transforms import Affine2D, Bbox
    w, h = data["w"], data["h"]
    r = RendererAgg(w, h, dpi)
    style = data["styles"][layer[1]]
    gc = r.new_gc()

    def css(c):
        r, g, b, a = (float(x) for x in re.findall(r"[\d.]+", c))
        return to_rgba((r / 255, g / 255, b / 255, a))
    flip = Affine2D().scale(1, -1).translate(0, h)
    if "clip" in style:
        x, y, cw, ch = style["clip"]
        gc.set_clip_rectangle(Bbox.from_extents(x, h - y - ch, x + cw, h - y))
    if "s" in style:
        gc.set_foreground(css(style["s"]), isRGBA=True)
        gc.set_linewidth(style["w"] * 72 / dpi)
        gc.set_capstyle({"square": "projecting"}.get(style["cap"], style["cap"]))
        gc.set_joinstyle(style["join"])
        if "d" in style:
            gc.set_dashes(style["o"] * 72 / dpi, [d * 72 / dpi for d in style["d"]])
    else:
        gc.set_linewidth(0)
    face = css(style["f"]) if "f" in style else None
    if layer[0] == 1:
        v, c = _gather(data, layer, 2)
        r.draw_path(gc, Path(v, [_CODES[k] for k in c]), flip, face)
    else:
        shape = data["shapes"][layer[2]]
        sv = np.array(shape["v"]).reshape(-1, 2)
        marker = Path(sv * [1, -1], [_CODES[k] for k in shape["c"]])
        at, _ = _gather(data, layer, 3)  # pixel centres, where Agg rounds the positions to
        r.draw_markers(gc, marker, Affine2D(), Path(at - 0.5), flip, face)
    return np.asarray(r.buffer_rgba(), float) / 255


def recompose(data, k, dpi):
    """Frame ``k`` of the player's data as RGB uint8, drawn as the player draws it."""
    out = _image(data["bg"])[..., :3]
    sprites = {}
    for layer in data["frames"][k]:
        if layer[0] == 0:
            if layer[1] not in sprites:
                sprites[layer[1]] = _image(data["sprites"][layer[1]])
            src = np.zeros((data["h"], data["w"], 4))
            s = sprites[layer[1]]
            x, y = layer[2], layer[3]
            src[y:y + s.shape[0], x:x + s.shape[1]] = s
        else:
            src = _draw_vector(data, layer, dpi)
        a = src[..., 3:]
        out = src[..., :3] * a + out * (1 - a)
    return np.round(out * 255).astype(np.uint8)


def _assert_frames_match(anim):
    data = encode(anim, list(range(len(anim))))
    assert len(data["frames"]) == len(anim)
    for k, frame in enumerate(anim.iter_frames(progress=False)):
        got = recompose(data, k, anim.figure.dpi).astype(int)
        diff = np.abs(got - frame.astype(int)).max(axis=2)
        assert diff.mean() < 0.5, f"frame {k}: mean difference {diff.mean():.2f}"
        assert (diff > 64).mean() < 0.002, f"frame {k}: {(diff > 64).mean():.2%} pixels differ"
    return data


def test_descent_3d_frames_are_recomposed_from_a_background_and_a_growing_path():
    betas = lecture_gd([-8, -3.2], 0.002, 200)
    a = animate.descent_3d(betas, st.datasets.lecture_problem(), frames=12, progress=False,
                           figsize=(3, 3), dpi=60)
    data = _assert_frames_match(a)
    # the path is one pool that grows: while every step is a frame, frame k draws the first
    # k + 1 vertices of it; later frames share its head and add only their own tails
    paths = [layer for f in data["frames"] for layer in f if layer[0] == 1]
    assert len({layer[2] for layer in paths}) == 1
    assert [layer[3:] for layer in paths[:10]] == [[0, k + 1] for k in range(10)]
    lengths = [len(_gather(data, layer, 2)[0]) for layer in paths]
    pool = data["pools"][paths[-1][2]]
    assert len(pool["c"]) <= 10 + lengths[-1] < sum(lengths) / 3


def test_race_on_the_contour_map_recomposes_every_frame():
    f = st.problems.Rosenbrock() if hasattr(st.problems, "Rosenbrock") else None
    fun = f if f is not None else (lambda x: (1 - x[0]) ** 2 + 5 * (x[1] - x[0] ** 2) ** 2)
    start = np.array([-1.2, 1.0])
    runs = {"GD": st.minimize(fun, start, st.optim.GD(lr=1e-3), max_steps=150),
            "Adam": st.minimize(fun, start, st.optim.Adam(lr=0.05), max_steps=150)}
    a = animate.descent_contour(runs, fun, frames=8, progress=False, figsize=(3.2, 2.6),
                                dpi=60)
    _assert_frames_match(a)


def test_text_and_images_become_sprites_and_identical_sprites_are_stored_once():
    X, y = st.datasets.lecture_line()
    a = animate.line_fit(X, y, lecture_gd([-8, -3.2], 0.002, 30), frames=[0, 10, 30],
                         progress=False, figsize=(2.5, 2.5), dpi=50)
    data = _assert_frames_match(a)
    assert len(data["sprites"]) == 3  # the three different captions
    Xm, ym = st.datasets.moons(n=60, noise=0.15, seed=0)
    net = st.nn.MLP(2, [6, 1], seed=1)
    hist = st.nn.fit(net, Xm, ym, loss="bce_with_logits",
                     optimizer=st.optim.Adam(net.parameters(), lr=0.05), epochs=20,
                     snapshot_every=10, seed=0, progress=False)
    b = animate.decision_boundary(net, hist, Xm, ym, n=40, figsize=(3, 2.8), dpi=50,
                                  progress=False)
    data = _assert_frames_match(b)
    kinds = {layer[0] for f in data["frames"] for layer in f}
    assert 0 in kinds  # the shaded scores are an image: a sprite
    uris = data["sprites"]
    assert len(set(uris)) == len(uris)


def test_secant_frames_recompose():
    a = animate.secant(lambda x: x ** 3 - 2 * x, 0.5, np.geomspace(2, 0.05, 5), xlim=(-2, 3),
                       progress=False, figsize=(3, 2.5), dpi=50)
    _assert_frames_match(a)


def test_tracks_store_a_growing_path_once_and_a_changed_one_afresh():
    t = _Tracks()
    p = np.array([[0, 0], [1, 1], [2, 0], [3, 1], [4, 0]], float)
    assert t.add("a", p[:2], "ML") == [0, 0, 2]
    assert t.add("a", p[:4], "MLLL") == [0, 0, 4]       # grown: only two vertices added
    assert t.add("a", p[:3], "MLL") == [0, 0, 3]        # shrunk: nothing added
    assert len(t.pools[0]["c"]) == 4
    q = p.copy()
    q[2:] += 5                                          # the tail changed
    assert t.add("a", q, "MLLLL") == [0, 0, 2, 4, 3]    # shared head, new tail at the end
    assert t.add("b", p, "MLLLL") == [1, 0, 5]          # another call, its own pool
    payload = t.payload()
    assert payload[0]["c"] == "MLLLLLL" and len(payload[0]["v"]) == 14


def test_the_page_weighs_a_fraction_of_its_png_frames():
    betas = lecture_gd([-8, -3.2], 0.002, 1000)
    a = animate.descent_3d(betas, st.datasets.lecture_problem(), frames=40,
                           progress=False, figsize=(4, 4), dpi=60)
    html = a.to_jshtml()
    pngs = 0
    for frame in a.iter_frames(progress=False):
        buf = io.BytesIO()
        Image.fromarray(frame).save(buf, format="PNG")
        pngs += len(base64.b64encode(buf.getvalue()))
    assert len(html) < pngs / 8, (len(html), pngs)


def test_player_script_draws_frame_k_in_node(tmp_path):
    """The player's JavaScript against a stub DOM and canvas: go(k) clamps, labels and draws
    the background and then exactly frame k's path (the pool's ranges joined)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    a = animate.descent_contour(lecture_gd([-8, -3.2], 0.002, 40),
                                lambda b: (b[0] - 1) ** 2 + (b[1] - 0.5) ** 2,
                                xlim=(-10, 3), ylim=(-4, 2), frames=[0, 5, 40], progress=False,
                                figsize=(2.5, 2), dpi=40)
    html = a.to_jshtml()
    uid = re.search(r'<div id="(st[0-9a-f]+)"', html).group(1)
    payload = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html,
                        re.DOTALL).group(1)
    script = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)[-1]
    data = json.loads(payload)
    k = 2
    first_path = next(layer for layer in data["frames"][k] if layer[0] == 1)
    verts, codes = _gather(data, first_path, 2)
    stub = """
var calls = [], els = {}, window = {};
function Path2D() { this.ops = []; }
["moveTo", "lineTo", "bezierCurveTo", "quadraticCurveTo", "closePath"].forEach(function (m) {
  Path2D.prototype[m] = function () { this.ops.push([m].concat([].slice.call(arguments))); };
});
var ctx = {setTransform: function () {}, save: function () {}, restore: function () {},
  beginPath: function () {}, rect: function () {}, clip: function () {},
  setLineDash: function () {}, fill: function () {},
  drawImage: function (im) { calls.push(["image", im.src.slice(0, 20)]); },
  stroke: function (p) { calls.push(["stroke", p.ops]); }};
var made = [];
function Image() { made.push(this); }
function loadAll() { made.forEach(function (im) { im.onload(); }); }
var document = {getElementById: function (id) {
  if (!els[id]) els[id] = {value: 0, textContent: "", innerHTML: "",
    getContext: function () { return ctx; }};
  return els[id]; }};
var timers = [];
function setInterval(fn, ms) { timers.push(fn); return timers.length; }
function clearInterval(id) {}
"""
    stub += f"document.getElementById({json.dumps(uid + '_data')}).textContent = " \
            f"{json.dumps(payload)};\n"
    check = f"""
{uid}.go(1);
if ({uid}.drawn !== -1) throw new Error("drew before its images had loaded");
loadAll();  // the last image to load draws the current frame
if ({uid}.drawn !== 1) throw new Error("not drawn once loaded");
calls.length = 0;
{uid}.go({k});
if ({uid}.i !== {k} || {uid}.drawn !== {k}) throw new Error("go({k}) -> " + {uid}.i);
if (els["{uid}_label"].textContent !== "3/3") throw new Error(els["{uid}_label"].textContent);
if (calls[0][0] !== "image" || calls[0][1].indexOf("data:image/") !== 0)
  throw new Error("the background first: " + JSON.stringify(calls[0]));
var stroke = calls.filter(function (c) {{ return c[0] === "stroke"; }})[0][1];
console.log(JSON.stringify(stroke));
{uid}.go(99); if ({uid}.i !== 2) throw new Error("not clamped");
{uid}.go(0); {uid}.toggle(); timers[0](); if ({uid}.i !== 1) throw new Error("play");
"""
    path = tmp_path / "player.js"
    path.write_text(stub + script + check)
    out = subprocess.run([node, str(path)], capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stderr
    ops = json.loads(out.stdout.strip().splitlines()[0])
    assert [o[0] for o in ops] == [{"M": "moveTo", "L": "lineTo"}[c] for c in codes]
    np.testing.assert_allclose([o[1:3] for o in ops], verts)
