"""A self-contained HTML report: sections of text, numbers, figures, animations and interactive
3-D surfaces in one file that opens offline and can be shared as is.

Figures are embedded as base64 PNG; steepest's animations as their light player (the background
once, then per frame only what moves: see :mod:`steepest.animate._player`), matplotlib's own as
its JavaScript player (``jshtml``; the CDN icon font it links to is replaced by inline icons so
the controls work offline); 3-D surfaces as plotly plots when the ``plotly`` package is
installed (its bundled ``plotly.min.js`` is embedded once, as text that runs when the first
surface scrolls near, so the page paints at once), always with a static PNG beside them for
browsers without WebGL.

>>> import matplotlib.pyplot as plt
>>> report = Report("Demo")
>>> sec = report.section("A parabola", "f(x) = x².")
>>> fig, ax = plt.subplots(); _ = ax.plot([0, 1, 2], [0, 1, 4])
>>> sec.figure(fig, "y = x² at three points")
>>> "data:image/png;base64," in report.to_html()
True
"""

from __future__ import annotations

import base64
import html
import inspect
import io
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .._interrupt import checkpoint
from .._io import atomic_write
from ..animate._core import PLAYER_ICONS, svg_icon

__all__ = ["Report", "Section", "plotly_available"]


def plotly_available() -> bool:
    """Whether the optional ``plotly`` package (``pip install "steepest[report]"``) is installed;
    only its bundled JavaScript is used."""
    try:
        import plotly.offline  # noqa: F401
    except ImportError:
        return False
    return True


def _slug(text: str, limit: int = 40) -> str:
    """A file/anchor-safe name: lower case, hyphens, at most ``limit`` characters, whole words."""
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).split()
    out = ""
    for w in words:
        if out and len(out) + 1 + len(w) > limit:
            break
        out = f"{out}-{w}" if out else w[:limit]
    return out or "item"


def _format_number(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if not np.isfinite(v):
            return str(v)
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.4g}"
        return f"{v:.6g}" if abs(v) >= 1 else f"{v:.5f}".rstrip("0").rstrip(".")
    if isinstance(value, np.ndarray):
        return "(" + ", ".join(_format_number(v) for v in value.ravel()) + ")"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_format_number(v) for v in value) + ")"
    return str(value)


def _paragraphs(text: str) -> str:
    """Plain text → HTML paragraphs (blank lines separate them); ``code`` spans are kept."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        escaped = html.escape(" ".join(para.split()), quote=False)
        out.append("<p>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped) + "</p>")
    return "\n".join(out)


# matplotlib's player links an icon font from a CDN; offline that is a console error and blank
# buttons, so the icons become the inline SVG icons of steepest's own player (no font needed).
def offline_jshtml(markup: str) -> str:
    """Make matplotlib ``to_jshtml()`` output work without a network: drop the CDN stylesheet
    link and draw its icon-font glyphs as inline SVG."""
    markup = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "",
                    markup)

    def icon(m: re.Match[str]) -> str:
        name = m.group(1).replace("fa ", "", 1).strip()
        return svg_icon(name) if name in PLAYER_ICONS else m.group(0)

    return re.sub(r'<i class="(fa [^"]+)"></i>', icon, markup)


def _json_grid(a: np.ndarray, digits: int = 6) -> list[Any]:
    """Nested lists for JSON, non-finite values as null (JSON has no NaN), rounded to ``digits``
    significant digits of the largest magnitude (17 digits a number would triple the page's
    surfaces; a millionth of the range is far below a pixel or a hover label)."""
    a = np.asarray(a, float)
    finite = np.isfinite(a)
    top = float(np.abs(a[finite]).max()) if finite.any() else 0.0
    if top > 0:
        a = np.round(a, digits - 1 - int(np.floor(np.log10(top))))
    return np.where(finite, a, None).tolist()  # type: ignore[call-overload]  # None: JSON null


def _figure_of(obj: Any) -> Any:
    """A matplotlib Figure from a Figure, an Axes, or a Display-like object (``.figure``)."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(obj, Figure):
        return obj
    if isinstance(obj, Axes):
        return obj.figure
    fig = getattr(obj, "figure", None) or getattr(obj, "figure_", None)
    if isinstance(fig, Figure):
        return fig
    raise TypeError(f"figure: expected a matplotlib Figure, Axes or an object with .figure, "
                    f"got {type(obj).__name__}")


def _png_bytes(fig: Any, dpi: int) -> bytes:
    """The figure as a PNG on white, without the alpha channel it does not need and deflated
    harder than matplotlib does (lossless: the same pixels, about 12 % fewer bytes)."""
    from PIL import Image
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    buf.seek(0)
    with Image.open(buf) as im:
        rgb = im.convert("RGB")
    out = io.BytesIO()
    rgb.save(out, format="PNG", optimize=True)
    return out.getvalue()


#: a path on a surface is drawn this fraction of the surface's height above it, so the surface
#: (drawn at 0.75 opacity) never hides it; its hover shows the true loss
PATH_LIFT = 0.012


def _hover(labels: tuple[str, str, str], z: str = "z") -> str:
    """A 3-D hover in the axes' names ("β₀ = …, β₁ = …<br>loss …"; plotly's own says x, y, z)."""
    return (f"{labels[0]} = %{{x:.4g}}, {labels[1]} = %{{y:.4g}}<br>{labels[2]} = "
            f"%{{{z}:.6g}}")


def _path_trace(label: str, path: Any, z: np.ndarray,
                labels: tuple[str, str, str] = ("x", "y", "loss")) -> dict[str, Any]:
    """A path on a 3-D surface: a thick line with a marker per iterate (larger at the start,
    a square at the end), lifted by :data:`PATH_LIFT` of the surface's height; its hover gives
    the true loss, in the axes' ``labels``."""
    p = np.asarray(path, float)
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError(f"surface: path {label!r} must have shape (k, 3), got {p.shape}")
    finite = z[np.isfinite(z)]
    lift = PATH_LIFT * float(np.ptp(finite)) if finite.size else 0.0
    n = len(p)
    sizes = [2.5] * n
    symbols = ["circle"] * n
    sizes[0], sizes[-1], symbols[-1] = 8.0, 8.0, "square"
    return {"type": "scatter3d", "mode": "lines+markers", "name": label,
            "x": _json_grid(p[:, 0]), "y": _json_grid(p[:, 1]),
            "z": _json_grid(p[:, 2] + lift), "customdata": _json_grid(p[:, 2]),
            "hovertemplate": _hover(labels, "customdata"),
            "line": {"width": 7, "color": "#d62728"},
            "marker": {"size": sizes, "symbol": symbols, "color": "#8b0000"}}


def _surface_layout(x: np.ndarray, y: np.ndarray, labels: tuple[str, str, str],
                    legend: bool) -> dict[str, Any]:
    """A scene that fills its box: the base stretched toward the box's shape (wide boxes
    leave no blank side bands), the camera close — higher with a path, to look into the
    valley it runs along rather than at the wall in front of it — and the legend at the top
    left, clear of the surface and of plotly's buttons at the top right."""
    spans = [float(np.ptp(v[np.isfinite(v)])) or 1.0 for v in (x, y)]
    ratio = float(np.clip(spans[0] / spans[1], 1.0, 1.6))  # the lecture's 24 × 8 box: 1.6
    return {"margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": 560, "showlegend": legend,
            "legend": {"x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top",
                       "bgcolor": "rgba(255,255,255,0.8)"},
            "scene": {"aspectmode": "manual",
                      "aspectratio": {"x": ratio, "y": 1.0, "z": 0.65},
                      "xaxis": {"title": {"text": labels[0]}},
                      "yaxis": {"title": {"text": labels[1]}},
                      "zaxis": {"title": {"text": labels[2]}},
                      "camera": {"eye": {"x": -1.1, "y": -1.1, "z": 1.3} if legend else
                                 {"x": -1.3, "y": -1.3, "z": 0.8},
                                 "center": {"x": 0, "y": 0, "z": -0.1}}}}


class Section:
    """One numbered part of a :class:`Report`. Each method appends a block, in order."""

    def __init__(self, report: Report, number: int, title: str) -> None:
        self.report = report
        self.number = number
        self.title = title
        self.id = f"s{number}-{_slug(title)}"
        self._blocks: list[str] = []
        self._row: list[str] | None = None

    def _add(self, block: str) -> None:
        (self._row if self._row is not None else self._blocks).append(block)
        checkpoint()  # a Ctrl-C swallowed while the block was made (figure cleanup) stops here

    def text(self, text: str) -> None:
        """Paragraphs of plain text (blank lines separate paragraphs; `backticks` → code)."""
        self._add(f'<div class="text">{_paragraphs(text)}</div>')

    def note(self, text: str) -> None:
        """A visible call-out (a warning, a caveat, a missing piece)."""
        self._add(f'<div class="note">{_paragraphs(text)}</div>')

    def code(self, source: str) -> None:
        """A block of code, verbatim."""
        self._add(f'<pre class="code"><code>{html.escape(source.strip())}</code></pre>')

    def numbers(self, values: Mapping[str, Any], caption: str = "") -> None:
        """A two-column table of named numbers (formatted to a sensible precision)."""
        rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(_format_number(v))}</td>"
                       f"</tr>" for k, v in values.items())
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self._add(f'<table class="numbers">{cap}{rows}</table>')

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]],
              caption: str = "") -> None:
        """A table with a header row; cells are formatted like :meth:`numbers`."""
        head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_format_number(c))}</td>" for c in r)
                       + "</tr>" for r in rows)
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        self._add(f'<table class="grid">{cap}<thead><tr>{head}</tr></thead>'
                  f"<tbody>{body}</tbody></table>")

    def figure(self, fig: Any, caption: str = "", *, dpi: int | None = None,
               name: str | None = None, close: bool = True) -> None:
        """Embed a matplotlib figure (or Axes / Display object) as a base64 PNG.

        ``name`` (default: from the caption) is the file stem used by :meth:`Report.save_figures`.
        The figure is closed afterwards unless ``close=False``.
        """
        figure = _figure_of(fig)
        png = _png_bytes(figure, dpi or self.report.dpi)
        if close:
            import matplotlib.pyplot as plt
            plt.close(figure)
        stem = f"{self.number:02d}-{_slug(name or caption or self.title)}"
        self.report._pngs.append((stem, png))
        alt = html.escape(caption or self.title)
        self._add(f'<figure class="image"><img src="{self.report._data_uri(png)}" alt="{alt}">'
                  f"{self._caption(caption)}</figure>")

    def animation(self, anim: Any, caption: str = "") -> None:
        """Embed an animation with its player controls (play, pause, step, slider).

        ``anim`` is a matplotlib ``Animation``, an object wrapping one (``.animation`` /
        ``.anim``), or anything with ``to_jshtml()`` or ``_repr_html_()``. The figure behind a
        matplotlib animation is closed afterwards.
        """
        import matplotlib
        import matplotlib.pyplot as plt
        from matplotlib.animation import Animation

        inner = anim
        for attr in ("animation", "anim"):
            if not isinstance(inner, Animation) and isinstance(getattr(inner, attr, None),
                                                              Animation):
                inner = getattr(inner, attr)
        with matplotlib.rc_context({"animation.embed_limit": 200.0,
                                    "savefig.dpi": self.report.animation_dpi}):
            if isinstance(inner, Animation):
                markup = inner.to_jshtml(default_mode="once")
                plt.close(inner._fig)  # type: ignore[attr-defined]  # matplotlib keeps it private
            elif hasattr(anim, "to_jshtml"):
                accepts_progress = "progress" in inspect.signature(anim.to_jshtml).parameters
                markup = anim.to_jshtml(progress=False) if accepts_progress else anim.to_jshtml()
            elif hasattr(anim, "_repr_html_"):
                markup = anim._repr_html_()
            else:
                raise TypeError(f"animation: expected a matplotlib Animation or an object with "
                                f"to_jshtml()/_repr_html_(), got {type(anim).__name__}")
        self._add(f'<figure class="anim">{offline_jshtml(markup)}{self._caption(caption)}'
                  f"</figure>")

    def surface(self, x: np.ndarray, y: np.ndarray, z: np.ndarray, fallback: Any,
                caption: str = "", *, labels: tuple[str, str, str] = ("x", "y", "z"),
                paths: Sequence[tuple[str, np.ndarray]] = (), name: str | None = None) -> None:
        """A 3-D surface z = f(x, y): interactive (rotate, zoom, hover) when plotly is
        installed and the browser has WebGL, with the static figure ``fallback`` shown otherwise.

        ``x`` (nx,) and ``y`` (ny,) are the grid axes with ``z`` of shape (ny, nx), or ``x``, ``y``
        and ``z`` are 2-D arrays of one shape (a parametric mesh, e.g. from
        ``steepest.plot.quadratic_mesh``); non-finite values are holes. ``paths`` are named curves
        drawn on the surface: arrays of shape (k, 3) with columns x, y, z.
        """
        x, y, z = np.asarray(x, float), np.asarray(y, float), np.asarray(z, float)
        if x.ndim == 2 or y.ndim == 2:
            if not x.shape == y.shape == z.shape:
                raise ValueError(f"surface: a 2-D mesh needs x, y and z of one shape, got "
                                 f"{x.shape}, {y.shape} and {z.shape}")
        elif z.shape != (y.size, x.size):
            raise ValueError(f"surface: z must have shape (len(y), len(x)) = ({y.size}, {x.size}), "
                             f"got {z.shape}")
        if not plotly_available():
            self.figure(fallback, caption, name=name)
            self.note('Install the report extra (pip install "steepest[report]") for an '
                      "interactive 3-D view of this surface.")
            return
        self.report._needs_plotly = True
        self.report._count += 1
        div = f"plot3d-{self.report._count}"
        trace: dict[str, Any] = {
            "type": "surface", "x": _json_grid(x), "y": _json_grid(y), "z": _json_grid(z),
            "colorscale": "Viridis", "opacity": 0.75 if paths else 0.92, "showscale": False,
            "name": labels[2], "hovertemplate": _hover(labels) + "<extra></extra>"}
        if np.isfinite(z).all():  # contour lines around holes take plotly tens of seconds
            trace["contours"] = {"z": {"show": True, "usecolormap": True, "project": {"z": True}}}
        data = [trace, *(_path_trace(label, path, z, labels) for label, path in paths)]
        layout = _surface_layout(x, y, labels, bool(paths))
        spec = json.dumps({"data": data, "layout": layout}, separators=(",", ":"))
        figure = _figure_of(fallback)
        png = _png_bytes(figure, self.report.dpi)
        import matplotlib.pyplot as plt
        plt.close(figure)
        self.report._pngs.append((f"{self.number:02d}-{_slug(name or caption or self.title)}",
                                  png))
        uri = self.report._data_uri(png)
        self._add(
            f'<figure class="surface3d" data-fallback="{div}-static">'
            f'<div id="{div}" class="plotly3d"></div>'
            f'<img id="{div}-static" class="static3d" alt="{html.escape(caption or self.title)}" '
            f'src="{uri}">'
            f'<script type="application/json" id="{div}-spec">{spec}</script>'
            f"{self._caption(caption + ' (Drag to rotate, scroll to zoom.)')}</figure>")

    @contextmanager
    def row(self) -> Iterator[None]:
        """Blocks added inside ``with section.row():`` sit side by side (stacking on narrow
        screens)."""
        if self._row is not None:
            raise RuntimeError("row: rows do not nest")
        self._row = []
        try:
            yield
        finally:
            items = "".join(f'<div class="cell">{b}</div>' for b in self._row)
            self._row = None
            self._add(f'<div class="row">{items}</div>')

    @staticmethod
    def _caption(caption: str) -> str:
        return f"<figcaption>{html.escape(caption.strip())}</figcaption>" if caption.strip() else ""

    def to_html(self) -> str:
        """The section as one ``<section>`` element: numbered heading, then its blocks."""
        return (f'<section id="{self.id}"><h2><span class="num">{self.number}</span> '
                f"{html.escape(self.title)}</h2>\n" + "\n".join(self._blocks) + "</section>")


class Report:
    """An ordered list of :class:`Section`\\ s rendered into one self-contained HTML page.
    ``image_format="webp"`` embeds figures as lossless WebP (the tour does: half the weight)."""

    def __init__(self, title: str, subtitle: str = "", *, dpi: int = 100,
                 animation_dpi: int = 80, image_format: str = "png") -> None:
        from .._validate import check_choice
        self.title = title
        self.subtitle = subtitle
        self.dpi = dpi
        #: how figures are embedded in the page: "png", or "webp" (lossless, the same pixels in
        #: about half the bytes; PNG where Pillow cannot write WebP). Saved figures are PNG.
        self.image_format = check_choice(image_format, "Report: image_format", ("png", "webp"))
        self.animation_dpi = animation_dpi
        self.sections: list[Section] = []
        self.footer = ""
        self._pngs: list[tuple[str, bytes]] = []
        self._needs_plotly = False
        self._count = 0

    def _data_uri(self, png: bytes) -> str:
        """The figure's ``data:`` URI in :attr:`image_format`."""
        from PIL import features
        if self.image_format == "webp" and features.check("webp"):
            from PIL import Image
            out = io.BytesIO()
            with Image.open(io.BytesIO(png)) as im:
                im.save(out, format="WEBP", lossless=True, method=1, quality=50)
            return "data:image/webp;base64," + base64.b64encode(out.getvalue()).decode("ascii")
        return "data:image/png;base64," + base64.b64encode(png).decode("ascii")

    def section(self, title: str, intro: str = "") -> Section:
        """Start a new numbered section; ``intro`` is its first paragraph(s)."""
        sec = Section(self, len(self.sections) + 1, title)
        if intro:
            sec.text(intro)
        self.sections.append(sec)
        return sec

    def to_html(self) -> str:
        """The whole page as one string (scripts, styles and images inline)."""
        toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>'
                      for s in self.sections)
        body = "\n".join(s.to_html() for s in self.sections)
        plotly_js = ""
        if self._needs_plotly:
            from plotly.offline import get_plotlyjs
            # kept as text, run when the first surface nears the screen (_SURFACE_JS): 4.8 MB
            # of JavaScript parsed up front would delay the page's first paint by seconds
            plotly_js = (f'<script type="text/plain" id="plotly-source">'
                         f"{get_plotlyjs()}</script>")
        sub = f'<p class="subtitle">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        foot = f"<footer>{_paragraphs(self.footer)}</footer>" if self.footer else ""
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>\n"
                f"<body><main><header><h1>{html.escape(self.title)}</h1>{sub}"
                f'<nav><ol>{toc}</ol></nav></header>\n{body}\n{foot}</main>'
                f"{plotly_js}<script>{_SURFACE_JS}</script></body></html>\n")

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (a file; parent folders are created) and return it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "w", encoding="utf-8") as fh:  # never a half-written page
            fh.write(self.to_html())
        return path

    def save_figures(self, folder: str | Path) -> list[Path]:
        """Write every embedded static figure as ``NN-name.png`` into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for stem, png in self._pngs:
            p = folder / f"{stem}.png"
            with atomic_write(p) as fh:
                fh.write(png)
            written.append(p)
        return written


# Draw each interactive surface when plotly and WebGL are there, as it comes near the screen
# (plotly's code runs once, for the first); otherwise keep the static image.
_SURFACE_JS = """
(function () {
  var gl = false;
  try { var c = document.createElement('canvas');
        gl = !!(c.getContext('webgl') || c.getContext('experimental-webgl')); } catch (e) {}
  var source = document.getElementById('plotly-source');
  function plotly() {
    if (!window.Plotly && source) {
      var s = document.createElement('script');
      s.text = source.textContent;
      document.head.appendChild(s);
    }
    return window.Plotly;
  }
  function draw(fig) {
    var div = fig.querySelector('.plotly3d');
    if (!div || div.dataset.drawn) return;
    div.dataset.drawn = '1';
    var spec = JSON.parse(document.getElementById(div.id + '-spec').textContent);
    fig.querySelector('.static3d').classList.add('behind');
    Plotly.newPlot(div, spec.data, spec.layout, {responsive: true, displaylogo: false});
  }
  var figures = document.querySelectorAll('figure.surface3d');
  if (!(gl && source)) {
    figures.forEach(function (fig) { var d = fig.querySelector('.plotly3d'); if (d) d.remove(); });
    return;
  }
  if (!('IntersectionObserver' in window)) {
    plotly(); figures.forEach(draw); return;
  }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (e.isIntersecting && plotly()) { seen.unobserve(e.target); draw(e.target); }
    });
  }, {rootMargin: '400px 0px'});
  figures.forEach(function (fig) { seen.observe(fig); });
})();
"""

_CSS = """
:root { --ink: #1f2430; --muted: #5b6475; --accent: #2c5fa8; --line: #dfe3ea; --bg: #fbfcfd; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 16px/1.6 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
header h1 { font-size: 2.1rem; margin: 0 0 .25rem; letter-spacing: -.01em; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
nav ol { columns: 2; padding-left: 1.4rem; color: var(--muted); }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 1.25rem 1.5rem 1.5rem; margin: 1.5rem 0; }
h2 { font-size: 1.45rem; margin: 0 0 .75rem; }
h2 .num { display: inline-block; min-width: 2rem; height: 2rem; line-height: 2rem;
  text-align: center; border-radius: 50%; background: var(--accent); color: #fff;
  font-size: 1.05rem; margin-right: .4rem; }
.text p { margin: .5rem 0; max-width: 48rem; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em;
  background: #f1f3f7; padding: .05em .3em; border-radius: 4px; }
pre.code { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px;
  padding: .75rem 1rem; overflow-x: auto; font-size: .88rem; line-height: 1.45; }
pre.code code { background: none; padding: 0; }
figure { margin: 1rem 0; text-align: center; }
figure img { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .35rem; }
.note { border-left: 4px solid #d9822b; background: #fff7ec; padding: .4rem 1rem; margin: 1rem 0;
  border-radius: 0 6px 6px 0; }
table { border-collapse: collapse; margin: .75rem auto; font-variant-numeric: tabular-nums; }
caption { caption-side: top; color: var(--muted); font-size: .92rem; padding-bottom: .3rem; }
th, td { padding: .3rem .8rem; border-bottom: 1px solid var(--line); text-align: right; }
table.numbers th { text-align: left; font-weight: 500; color: var(--muted); }
table.grid thead th { border-bottom: 2px solid var(--ink); font-weight: 600; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
.row > .cell { flex: 1 1 300px; min-width: 0; }
.plotly3d { width: 100%; height: 560px; }
.static3d.behind { display: none; }
.animation { display: inline-block; }
.animation img { max-width: 100%; }
.anim-controls { margin-top: .3rem; }
.anim-icon { vertical-align: middle; }
.anim-buttons button { min-width: 2.2rem; height: 2rem; margin: 0 1px;
  border: 1px solid var(--line); background: #f6f8fa; border-radius: 5px; cursor: pointer;
  font-size: .95rem; color: var(--ink); }
.anim-buttons button:hover { background: #e9eef6; }
.anim-slider { width: 100%; }
.anim-state { font-size: .9rem; color: var(--muted); }
footer { color: var(--muted); font-size: .9rem; margin-top: 2rem; }
"""
