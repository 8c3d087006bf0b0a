"""The light player: an animation embedded as its static background (one lossless WebP, or
PNG where Pillow lacks WebP) and, per frame, only what moves — as vector paths where the moving
artists draw paths, as small cropped image sprites where they draw text or images.

An :class:`~steepest.animate.Animation` already splits each frame into a background rasterized
once and the artists that ``update(key)`` returns. Embedding every frame as a full PNG repeats
the background in each one (a 3-D surface animation of 120 frames weighs 23 MB that way).
Here each returned artist is drawn into a *recording* renderer instead:

- an artist that draws only paths and markers (lines, markers, contour lines, scatter points,
  legend-free patches) is kept as those paths in pixel coordinates with their stroke and fill;
  a path that grows from frame to frame (a descent path) is stored once, and each frame names
  how much of it to draw — so 1000 iterates cost 1000 points, not 1000 × frames;
- an artist that draws text, images or meshes is rasterized alone onto a transparent canvas,
  cropped to its pixels and embedded as an image sprite; identical sprites (a legend, a star that
  is redrawn on top) are embedded once.

In the browser a ``<canvas>`` draws the background, then each frame's layers in the order the
animation drew them (its blitting order), so every frame is kept and looks as the rendered frame
does (paths differ from Agg's only in anti-aliasing and sub-pixel snapping; text is Agg's own).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._images import image_data
from ._core import svg_icon

# matplotlib path codes → one letter each for the browser: Move, Line, Quadratic, Cubic, Z
_CODE_LETTERS = {1: "M", 2: "L", 3: "Q", 4: "C", 79: "Z"}


def _recorder(width: int, height: int, dpi: float) -> Any:
    """A RendererAgg that records paths and markers instead of drawing them and notes whether
    anything else (text, images, meshes) was asked for: ``.calls`` and ``.raster``."""
    from matplotlib.backend_bases import RendererBase
    from matplotlib.backends.backend_agg import RendererAgg

    class Recorder(RendererAgg):
        def __init__(self) -> None:
            super().__init__(width, height, dpi)
            self.calls: list[tuple[Any, ...]] = []
            self.raster = False
            # RendererAgg binds these to its C++ renderer per instance: rebind them here
            self.draw_markers = self._record_markers  # type: ignore[method-assign]
            # one draw_path per member of a collection
            self.draw_path_collection = self._path_collection  # type: ignore[method-assign]
            self.draw_image = self._raster  # type: ignore[method-assign]
            self.draw_gouraud_triangles = self._raster  # type: ignore[method-assign]
            self.draw_quad_mesh = self._raster  # type: ignore[method-assign]

        def reset(self) -> None:
            self.calls, self.raster = [], False

        def _raster(self, *args: Any, **kwargs: Any) -> None:
            self.raster = True

        draw_text = draw_tex = draw_mathtext = _raster

        def _path_collection(self, *args: Any, **kwargs: Any) -> None:
            RendererBase.draw_path_collection(self, *args, **kwargs)

        def draw_path(self, gc: Any, path: Any, transform: Any, rgbFace: Any = None) -> None:
            style = _style(gc, rgbFace, self)
            if style is None:
                self.raster = True
                return
            simplify = bool(path.should_simplify and rgbFace is None)
            verts, codes = _clean(path, transform, self.height, simplify)
            if len(codes):
                self.calls.append(("path", style, verts, codes))

        def _record_markers(self, gc: Any, marker_path: Any, marker_trans: Any, path: Any,
                            trans: Any, rgbFace: Any = None) -> None:
            style = _style(gc, rgbFace, self)
            if style is None:
                self.raster = True
                return
            shape = _clean(marker_path, marker_trans, 0.0)
            at = trans.transform(np.asarray(path.vertices, float))
            at = at[np.all(np.isfinite(at), axis=1)]
            at[:, 1] = self.height - at[:, 1]
            at = np.floor(at + 0.5) + 0.5  # Agg centres each marker on a pixel
            if len(at) and len(shape[1]):
                self.calls.append(("markers", style, shape, at))

    return Recorder()


def _clean(path: Any, transform: Any, height: float, simplify: bool = False
           ) -> tuple[np.ndarray, str]:
    """The path in canvas pixels (y down from ``height``; 0 flips a marker's shape around its
    centre), NaN gaps as moves, simplified as Agg simplifies it (vertices that change it by
    less than a ninth of a pixel dropped), with one code letter per vertex."""
    p = path.cleaned(transform=transform, remove_nans=True, curves=True, simplify=simplify)
    keep = p.codes != 0  # cleaned() ends with a STOP
    verts = np.array(p.vertices[keep], float)
    verts[:, 1] = height - verts[:, 1]
    return verts, "".join(_CODE_LETTERS[int(c)] for c in p.codes[keep])


def _css(rgba: Sequence[float]) -> str:
    r, g, b, a = (float(v) for v in rgba)
    return f"rgba({round(255 * r)},{round(255 * g)},{round(255 * b)},{a:.3g})"


def _style(gc: Any, face: Any, renderer: Any) -> dict[str, Any] | None:
    """How Agg would stroke and fill a path with this graphics context, for a canvas; None
    when the browser cannot draw it the same way (hatches, clip paths, sketched lines)."""
    if (gc.get_hatch() is not None or gc.get_clip_path()[0] is not None
            or gc.get_sketch_params() is not None):
        return None
    style: dict[str, Any] = {}
    lw = renderer.points_to_pixels(gc.get_linewidth())
    rgb = gc.get_rgb()
    if lw > 0 and rgb[3] > 0:
        offset, dashes = gc.get_dashes()
        style.update(s=_css(rgb), w=round(lw, 2), cap=_CAPS[gc.get_capstyle()],
                     join=gc.get_joinstyle())
        if dashes is not None and len(dashes):
            style["d"] = [round(renderer.points_to_pixels(d), 2) for d in dashes]
            style["o"] = round(renderer.points_to_pixels(offset or 0), 2)
    if face is not None:
        alpha = gc.get_alpha() if gc.get_forced_alpha() or len(face) == 3 else face[3]
        if alpha > 0:
            style["f"] = _css((*face[:3], alpha))
    box = gc.get_clip_rectangle()
    if box is not None:  # Agg rounds the clip box to whole pixels
        h = renderer.height
        x0, x1 = (int(np.floor(v + 0.5)) for v in (box.x0, box.x1))
        y0, y1 = (int(np.floor(h - v + 0.5)) for v in (box.y1, box.y0))
        style["clip"] = [x0, y0, x1 - x0, y1 - y0]
    return style if ("s" in style or "f" in style) else None


_CAPS = {"butt": "butt", "round": "round", "projecting": "square"}


class _Tracks:
    """Vertex pools, one per drawing call of an artist (its key). A frame's path is a list of
    ranges of its pool: what it shares with the call's path in the previous frame (a descent
    path grown by some steps shares all but its tail) is referred to, only the rest is added.
    Coordinates are whole tenths of a pixel, so equal paths compare equal."""

    def __init__(self) -> None:
        self.pools: list[dict[str, Any]] = []
        self._index: dict[Any, int] = {}

    def add(self, key: Any, verts: np.ndarray, codes: str) -> list[int]:
        """[pool, start, count, start, count, …]: the ranges of the pool that hold the path."""
        new = np.round(np.asarray(verts, float) * 10).astype(np.int64)
        if key not in self._index:
            self._index[key] = len(self.pools)
            self.pools.append({"v": np.zeros((0, 2), np.int64), "c": "", "last": []})
        t = self._index[key]
        pool = self.pools[t]
        ranges, m = [], 0  # m vertices of the new path matched so far
        for s, n in pool["last"]:
            k = min(n, len(codes) - m)
            same = (pool["v"][s:s + k] == new[m:m + k]).all(axis=1)
            same &= np.frombuffer(pool["c"][s:s + k].encode(), np.uint8) == np.frombuffer(
                codes[m:m + k].encode(), np.uint8)
            k = int(np.argmin(same)) if not same.all() else k
            if k:
                ranges.append([s, k])
                m += k
            if k < n:
                break
        if m < len(codes):
            end = len(pool["c"])
            if ranges and ranges[-1][0] + ranges[-1][1] == end:
                ranges[-1][1] += len(codes) - m
            else:
                ranges.append([end, len(codes) - m])
            pool["v"] = np.concatenate([pool["v"], new[m:]])
            pool["c"] += codes[m:]
        pool["last"] = ranges
        return [t, *(i for r in ranges for i in r)]

    def payload(self) -> list[dict[str, Any]]:
        return [{"v": p["v"].ravel().tolist(), "c": p["c"]} for p in self.pools]


class _Table:
    """Distinct JSON-able values, each stored once and referred to by index."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._index: dict[str, int] = {}

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def add(self, item: Any, key: str | None = None) -> int:
        key = json.dumps(item, sort_keys=True) if key is None else key
        if key not in self._index:
            self._index[key] = len(self.items)
            self.items.append(item)
        return self._index[key]


def _crop(rgba: np.ndarray) -> tuple[int, int, np.ndarray] | None:
    """The smallest box around the drawn (non-transparent) pixels: (x, y, pixels)."""
    alpha = rgba[..., 3]
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if rows.size == 0:
        return None
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    return int(x0), int(y0), rgba[y0:y1, x0:x1]


def encode(anim: Any, indices: Sequence[int], progress: bool = False) -> dict[str, Any]:
    """The player's data for frames ``indices`` of ``anim``: the background image, the distinct
    sprites, styles, marker shapes and vertex pools, and per frame its layers in drawing order:
    ``[0, sprite, x, y]``, ``[1, style, pool, start, count, …]`` (a path: those ranges of
    the pool, joined) or ``[2, style, shape, pool, start, count, …]`` (a marker at each of
    those vertices)."""
    from matplotlib.backends.backend_agg import RendererAgg

    from .._progress import progress_bar
    w, h = anim.size
    tracks, sprites, styles, shapes = _Tracks(), _Table(), _Table(), _Table()
    frames: list[list[list[Any]]] = []
    raster: set[int] = set()  # the artists drawn as sprites
    drawn: dict[tuple[Any, ...], list[list[Any]]] = {}  # a text's sprite layer by its state
    with anim._canvas() as canvas:
        background = image_data(np.asarray(canvas.buffer_rgba())[..., :3])
        rec = _recorder(w, h, anim.figure.dpi)
        paint = RendererAgg(w, h, anim.figure.dpi)
        with progress_bar(len(indices), "encoding", "frame", enabled=progress) as bar:
            for i in indices:
                layers: list[list[Any]] = []
                for artist in (x for x in anim._update(anim.frames[i]) if x):
                    if id(artist) not in raster:  # (an artist that drew text once will again)
                        rec.reset()
                        artist.draw(rec)
                        if rec.raster:
                            raster.add(id(artist))
                    if id(artist) in raster:
                        state = _text_state(artist)
                        if state is None or state not in drawn:
                            layer = _sprite_layer(artist, paint, sprites)
                            if state is not None:
                                drawn[state] = layer
                        layers.extend(layer if state is None else drawn[state])
                    else:
                        layers.extend(_vector_layer(call, (id(artist), c), tracks, styles, shapes)
                                      for c, call in enumerate(rec.calls))
                frames.append(layers)
                bar.update(1)
    return {"w": w, "h": h, "bg": background, "sprites": sprites.items,
            "styles": styles.items, "shapes": shapes.items, "pools": tracks.payload(),
            "frames": frames}


def _text_state(artist: Any) -> tuple[Any, ...] | None:
    """Everything a plain Text's pixels depend on, so a text unchanged since an earlier frame
    (a node's value shown for 40 frames) reuses its sprite instead of being drawn again; None
    for any other artist (drawn every frame)."""
    from matplotlib.text import Text
    clipped = artist.get_clip_on()
    if type(artist) is not Text or artist.get_path_effects() or (
            clipped and artist.get_clip_path() is not None):
        return None
    clip = artist.get_clip_box() if clipped else None
    patch = artist.get_bbox_patch()
    box = None if patch is None else (
        type(patch.get_boxstyle()).__name__, tuple(sorted(vars(patch.get_boxstyle()).items())),
        tuple(patch.get_facecolor()), tuple(patch.get_edgecolor()), patch.get_linewidth(),
        patch.get_linestyle())
    xy = artist.get_transform().transform(artist.get_unitless_position())
    return (id(artist), artist.get_text(), tuple(np.round(xy, 3)), artist.get_rotation(),
            str(artist.get_color()), hash(artist.get_fontproperties()),
            artist.get_math_fontfamily(), artist.get_horizontalalignment(),
            artist.get_verticalalignment(), getattr(artist, "_multialignment", None),
            artist.get_alpha(), artist.get_visible(), artist.get_linespacing(),
            artist.get_usetex(), artist.get_wrap(), box,
            None if clip is None else tuple(np.round(clip.bounds, 3)))


def _sprite_layer(artist: Any, paint: Any, sprites: _Table) -> list[list[Any]]:
    """The artist drawn alone on a transparent canvas, cropped: [[0, sprite, x, y]] (none if
    it drew nothing)."""
    paint.clear()
    artist.draw(paint)
    crop = _crop(np.asarray(paint.buffer_rgba()))
    if crop is None:
        return []
    x, y, px = crop
    key = hashlib.sha1(px.tobytes() + str(px.shape).encode()).hexdigest()
    return [[0, sprites.add(None if key in sprites else image_data(px), key), x, y]]


def _vector_layer(call: tuple[Any, ...], key: Any, tracks: _Tracks, styles: _Table,
                  shapes: _Table) -> list[Any]:
    kind, style = call[0], styles.add(call[1])
    if kind == "path":
        return [1, style, *tracks.add(key, call[2], call[3])]
    verts, codes = call[2]
    shape = shapes.add({"v": np.round(verts, 2).ravel().tolist(), "c": codes})
    at = call[3]
    return [2, style, shape, *tracks.add(key, at, "M" * len(at))]


def player_html(data: dict[str, Any], fps: float) -> str:
    """The player snippet: a canvas, the controls (first, previous, play/pause, next, last, a
    slider, the frame number), ``data`` as JSON and the script that draws frame k from it."""
    uid = "st" + uuid.uuid4().hex[:10]
    n, w, h = len(data["frames"]), data["w"], data["h"]
    interval = max(round(1000 / max(fps, 1e-3)), 10)
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    play, pause = (json.dumps(svg_icon(k)).replace("</", "<\\/") for k in ("fa-play", "fa-pause"))
    return f"""<div id="{uid}" class="steepest-player"
 style="display:inline-block;font-family:sans-serif">
<canvas id="{uid}_canvas" width="{w}" height="{h}" role="img" aria-label="animation, {n} frames"
 style="max-width:100%;width:{w}px;display:block"></canvas>
<div style="display:flex;align-items:center;gap:4px;max-width:{w}px">
<button onclick="{uid}.go(0)" title="first">{svg_icon("fa-fast-backward")}</button>
<button onclick="{uid}.go({uid}.i-1)" title="previous">{svg_icon("fa-step-backward")}</button>
<button id="{uid}_play" onclick="{uid}.toggle()" title="play/pause">{svg_icon("fa-play")}</button>
<button onclick="{uid}.go({uid}.i+1)" title="next">{svg_icon("fa-step-forward")}</button>
<button onclick="{uid}.go({n - 1})" title="last">{svg_icon("fa-fast-forward")}</button>
<input id="{uid}_slider" type="range" min="0" max="{n - 1}" value="0" style="flex:1"
 oninput="{uid}.go(parseInt(this.value))">
<span id="{uid}_label" style="min-width:5em;text-align:right">1/{n}</span></div>
<script type="application/json" id="{uid}_data">{payload}</script>
<script>{_PLAYER_JS}
var {uid} = window.steepestPlayer("{uid}", {interval}, {play}, {pause});
</script></div>"""


# Defined once per page (every snippet carries it, so each works alone, as in a notebook).
# draw(k): the background, then frame k's layers — sprites, paths, markers — in drawing order.
_PLAYER_JS = """
window.steepestPlayer = window.steepestPlayer || function (uid, interval, play, pause) {
  var $ = function (s) { return document.getElementById(uid + s); };
  var P = JSON.parse($("_data").textContent), ctx = $("_canvas").getContext("2d");
  var waiting = 0, self;
  function image(src) {
    var im = new Image(); waiting++;
    im.onload = im.onerror = function () { if (--waiting === 0) self.go(self.i); };
    im.src = "data:" + src; return im;
  }
  function gather(L, from) {  // the pool's ranges L[from + 1 ...] as one path, in pixels
    var t = P.pools[L[from]], v = [], c = "";
    for (var r = from + 1; r < L.length; r += 2) {
      for (var i = L[r]; i < L[r] + L[r + 1]; i++) v.push(t.v[2 * i] / 10, t.v[2 * i + 1] / 10);
      c += t.c.substr(L[r], L[r + 1]);
    }
    return {v: v, c: c};
  }
  function trace(p, t) {
    var v = t.v, c = t.c;
    for (var i = 0; i < c.length; i++) {
      var x = v[2 * i], y = v[2 * i + 1];
      switch (c[i]) {
        case "M": p.moveTo(x, y); break;
        case "L": p.lineTo(x, y); break;
        case "Q": p.quadraticCurveTo(x, y, v[2 * i + 2], v[2 * i + 3]); i += 1; break;
        case "C": p.bezierCurveTo(x, y, v[2 * i + 2], v[2 * i + 3], v[2 * i + 4], v[2 * i + 5]);
          i += 2; break;
        case "Z": p.closePath();
      }
    }
    return p;
  }
  function paint(path, st) {
    if (st.f) { ctx.fillStyle = st.f; ctx.fill(path); }
    if (st.s) {
      ctx.strokeStyle = st.s; ctx.lineWidth = st.w; ctx.lineCap = st.cap;
      ctx.lineJoin = st.join; ctx.setLineDash(st.d || []); ctx.lineDashOffset = st.o || 0;
      ctx.stroke(path);
    }
  }
  var bg = image(P.bg), sprites = P.sprites.map(image);
  var shapes = P.shapes.map(function (s) { return trace(new Path2D(), s); });
  function draw(k) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(bg, 0, 0);
    P.frames[k].forEach(function (L) {
      if (L[0] === 0) { ctx.drawImage(sprites[L[1]], L[2], L[3]); return; }
      var st = P.styles[L[1]];
      ctx.save();
      if (st.clip) { ctx.beginPath(); ctx.rect.apply(ctx, st.clip); ctx.clip(); }
      if (L[0] === 1) paint(trace(new Path2D(), gather(L, 2)), st);
      else for (var v = gather(L, 3).v, i = 0; i < v.length; i += 2) {
        ctx.setTransform(1, 0, 0, 1, v[i], v[i + 1]); paint(shapes[L[2]], st);
      }
      ctx.restore();
    });
  }
  self = {i: 0, n: P.frames.length, timer: null, drawn: -1,
    go: function (k) {
      k = Math.max(0, Math.min(this.n - 1, k)); this.i = k;
      $("_slider").value = k; $("_label").textContent = (k + 1) + "/" + this.n;
      if (!waiting) { draw(k); this.drawn = k; }
    },
    toggle: function () {
      var s = this;
      if (s.timer) { clearInterval(s.timer); s.timer = null; $("_play").innerHTML = play; return; }
      if (s.i >= s.n - 1) s.go(0);
      $("_play").innerHTML = pause;
      s.timer = setInterval(function () {
        if (s.i >= s.n - 1) { s.toggle(); return; }
        s.go(s.i + 1);
      }, interval);
    }};
  return self;
};
"""
