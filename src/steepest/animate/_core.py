"""The Animation object: frames rendered by blitting onto a background drawn once, saved by file
extension (.gif with Pillow, .mp4 with ffmpeg, .html self-contained) and shown inline in Jupyter.

Why not ``matplotlib.animation.FuncAnimation``: when saving, it redraws the whole figure for
every frame (a 3-D surface is re-sorted and re-rasterized 120 times). Here the static part is
rasterized once; each frame restores it and draws only the artists that move.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write
from .._progress import progress_bar

LECTURE_FRAMES = np.array(list(range(10)) + [2 * x for x in range(5, 25)]
                          + [5 * x for x in range(10, 100)])
"""The lecture's frame schedule (120 frames over 1000 steps): every step, then every 2nd, 5th."""


def frame_schedule(n_steps: int, frames: int = 120, dense: int = 10) -> np.ndarray:
    """Increasing step indices in [0, n_steps) — every step for the first ``dense`` frames, then
    ever sparser (geometric growth), ending at the last step; all steps if ``n_steps ≤ frames``.
    For 1000 steps this is like the lecture's ``range(10) + 2·range(5, 25) + 5·range(10, 100)``
    but reaches the end of the run."""
    if n_steps <= 0:
        raise ValueError(f"n_steps must be positive, got {n_steps}")
    if frames < 1:
        raise ValueError(f"frames must be at least 1, got {frames}")
    if n_steps <= frames:
        return np.arange(n_steps)
    if frames == 1:  # one frame: the run's end
        return np.array([n_steps - 1])
    # at least two geometric points, so that they reach the last step (geomspace of one
    # point is its start: 8 frames of 1000 steps had ended at step 7)
    dense = max(0, min(dense, frames - 2))
    rest = frames - dense
    # geometric spacing from step `dense` to n_steps - 1, with gaps of at least 1
    g = np.geomspace(1, n_steps - dense, rest) - 1 + dense
    idx = np.concatenate([np.arange(dense), np.round(g).astype(int)])
    for i in range(1, idx.size):
        idx[i] = max(idx[i], idx[i - 1] + 1)
    over = idx[-1] - (n_steps - 1)
    if over > 0:  # pushed past the end by the minimum gaps: pull the tail back
        for i in range(idx.size - 1, 0, -1):
            idx[i] = min(idx[i], n_steps - 1 - (idx.size - 1 - i))
    return idx


class Animation:
    """Frames of a figure. ``update(i)`` is called with each entry of ``frames`` and returns the
    artists to draw on top of the static background (those artists are excluded from the
    background). ``.save(path)`` writes .gif/.mp4/.html; in Jupyter it shows as an interactive
    player (``_repr_html_``). ``.frames`` holds the frame keys, ``.figure`` the figure."""

    def __init__(self, figure: Any, update: Callable[[Any], Sequence[Any]],
                 frames: Sequence[Any], *, animated: Sequence[Any] = (), fps: float = 10,
                 progress: bool = False, data: dict[str, Any] | None = None):
        if len(frames) == 0:
            raise ValueError("an animation needs at least one frame")
        self.figure = figure
        self.frames = list(frames)
        self.fps = float(fps)
        self.progress = progress
        self._update = update
        self._animated = [a for a in animated if a is not None]
        for key, value in (data or {}).items():
            setattr(self, key, value)

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        w, h = self.size
        return f"<Animation {len(self)} frames, {w}×{h} px, {self.fps:g} fps>"

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        w, h = self.figure.get_size_inches() * self.figure.dpi
        return round(w), round(h)

    # ------------------------------------------------------------------------- rendering
    @contextmanager
    def _canvas(self) -> Iterator[Any]:
        """The figure on an Agg canvas, drawn once without its moving artists: the background
        (the figure's own canvas is put back afterwards)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        fig = self.figure
        own = not isinstance(fig.canvas, FigureCanvasAgg)
        previous = fig.canvas
        canvas = FigureCanvasAgg(fig) if own else fig.canvas
        for a in self._animated:
            a.set_animated(True)
        try:
            canvas.draw()
            yield canvas
        finally:
            for a in self._animated:
                a.set_animated(False)
            if own:
                fig.set_canvas(previous)

    def iter_frames(self, progress: bool | None = None) -> Iterator[np.ndarray]:
        """Each frame as an RGB uint8 array (height, width, 3)."""
        with self._canvas() as canvas:
            background = canvas.copy_from_bbox(self.figure.bbox)
            renderer = canvas.get_renderer()
            enabled = self.progress if progress is None else progress
            with progress_bar(len(self.frames), "rendering", "frame", enabled=enabled) as bar:
                for key in self.frames:
                    canvas.restore_region(background)
                    for artist in self._update(key):
                        if artist is not None:
                            artist.draw(renderer)
                    yield np.asarray(canvas.buffer_rgba())[..., :3].copy()
                    bar.update(1)

    def frame(self, i: int) -> np.ndarray:
        """Frame ``i`` alone (renders frames 0..i)."""
        for k, f in enumerate(self.iter_frames(progress=False)):
            if k == i:
                return f
        raise IndexError(f"frame {i} out of range for {len(self)} frames")

    # ---------------------------------------------------------------------------- output
    def save(self, path: str | Path, *, fps: float | None = None,
             progress: bool | None = None) -> Path:
        """Write the animation; the format follows the extension: ``.gif`` (Pillow, loops),
        ``.mp4`` (H.264 via ffmpeg from imageio-ffmpeg or the system), ``.html``
        (self-contained player page) or ``.png`` (the last frame)."""
        path = Path(path)
        fps = self.fps if fps is None else float(fps)
        ext = path.suffix.lower()
        if ext not in (".gif", ".mp4", ".html", ".htm", ".png"):
            raise ValueError(f"unsupported animation format {ext!r} for {str(path)!r}: use "
                             ".gif, .mp4, .html or .png")
        if ext == ".mp4":
            ffmpeg_executable()  # the missing extra is named before any file is made
        # every format through a temporary file renamed into place: never a half-written file
        with atomic_write(path, "w" if ext in (".html", ".htm") else "wb") as fh:
            if ext == ".gif":
                self._save_gif(fh, fps, progress)
            elif ext == ".mp4":
                self._save_mp4(fh, fps, progress, path)
            elif ext == ".png":
                from PIL import Image
                *_, last = self.iter_frames(progress)
                Image.fromarray(last).save(fh, format="PNG")
            else:
                fh.write(f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>"
                         f"{path.stem}</title></head><body>\n"
                         f"{self.to_jshtml(fps=fps, embed_limit=None, progress=progress)}"
                         f"\n</body></html>\n")
        return path

    def _save_gif(self, fh: Any, fps: float, progress: bool | None) -> None:
        from PIL import Image
        frames = list(self.iter_frames(progress))
        # one palette for all frames (from the first and last), no dithering: the static
        # background is pixel-identical from frame to frame, so nothing shimmers
        ref = Image.fromarray(np.concatenate([frames[0], frames[-1]])).quantize(
            colors=255, method=Image.Quantize.MEDIANCUT)
        images = [Image.fromarray(f).quantize(palette=ref, dither=Image.Dither.NONE)
                  for f in frames]
        duration = max(round(1000 / fps), 20)  # ms; browsers clamp below 20
        images[0].save(fh, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, optimize=False, disposal=1)

    def _save_mp4(self, fh: Any, fps: float, progress: bool | None, path: Path) -> None:
        """ffmpeg writes into a scratch folder (an mp4 is seeked while written), then the
        bytes go to ``fh``."""
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            out = str(Path(tmp) / "anim.mp4")
            self._ffmpeg(out, fps, progress, path)
            fh.write(Path(out).read_bytes())

    def _ffmpeg(self, out: str, fps: float, progress: bool | None, path: Path) -> None:
        exe = ffmpeg_executable()
        w, h = self.size
        W, H = w + w % 2, h + h % 2  # yuv420p needs even sizes: pad, never rescale
        cmd = [exe, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{W}x{H}", "-r", f"{fps:g}", "-i", "-", "-an", "-vcodec", "libx264",
               "-pix_fmt", "yuv420p", "-crf", "20", out]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        stdin, stderr = proc.stdin, proc.stderr
        assert stdin is not None and stderr is not None  # both are pipes
        try:
            for frame in self.iter_frames(progress):
                padded = np.pad(frame, ((0, H - h), (0, W - w), (0, 0)), constant_values=255)
                stdin.write(padded.tobytes())
        finally:
            stdin.close()
            err = stderr.read().decode(errors="replace")
            stderr.close()
            code = proc.wait()
        if code != 0:
            raise RuntimeError(f"ffmpeg failed writing {path} (exit {code}): {err.strip()}")

    def encoded_frames(self, fmt: str = "png", progress: bool | None = None) -> list[bytes]:
        """Every frame encoded as PNG (or JPEG) bytes."""
        from PIL import Image
        out = []
        for f in self.iter_frames(progress):
            buf = io.BytesIO()
            Image.fromarray(f).save(buf, format=fmt.upper(), optimize=False)
            out.append(buf.getvalue())
        return out

    def to_jshtml(self, *, fps: float | None = None, embed_limit: float | None = -1,
                  progress: bool | None = None) -> str:
        """An HTML snippet that plays every frame (play/pause, step, slider), drawn on a canvas
        from the background embedded once and each frame's moving artists — paths as vectors,
        text and images as small PNG sprites (see :mod:`steepest.animate._player`).
        ``embed_limit`` in MB (default: ``rcParams['animation.embed_limit']``; None = no
        limit): past it every k-th frame is kept (the last always) and a warning says how many
        were kept — frames are never dropped silently."""
        import matplotlib as mpl

        from ._player import encode, player_html
        fps = self.fps if fps is None else float(fps)
        if embed_limit == -1:
            embed_limit = float(mpl.rcParams["animation.embed_limit"])
        enabled = self.progress if progress is None else progress
        keys = list(range(len(self.frames)))
        data = encode(self, keys, enabled)
        total = len(json.dumps(data, separators=(",", ":")))
        if embed_limit is not None and total > embed_limit * 1024 ** 2:
            k = int(np.ceil(total / (embed_limit * 1024 ** 2)))
            keys = list(range(0, len(self.frames), k))
            if keys[-1] != len(self.frames) - 1:
                keys.append(len(self.frames) - 1)
            warnings.warn(f"animation is {total / 1024 ** 2:.1f} MB, over the embed limit of "
                          f"{embed_limit:g} MB (rcParams['animation.embed_limit']): showing "
                          f"{len(keys)} of {len(self.frames)} frames (every {k}th). Raise the "
                          f"limit or save to .mp4/.gif for all frames.", stacklevel=2)
            fps = fps / k
            data = encode(self, keys, enabled)
        return player_html(data, fps)

    def _repr_html_(self) -> str:
        return self.to_jshtml(progress=False)

    def to_html5_video(self, fps: float | None = None) -> str:
        """A ``<video>`` tag with the mp4 embedded (needs ffmpeg)."""
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = self.save(Path(tmp) / "anim.mp4", fps=fps, progress=False)
            data = base64.b64encode(path.read_bytes()).decode("ascii")
        w, h = self.size
        return (f'<video width="{w}" height="{h}" controls autoplay loop>'
                f'<source type="video/mp4" src="data:video/mp4;base64,{data}"></video>')


def ffmpeg_executable() -> str:
    """ffmpeg from imageio-ffmpeg, else the system's; a clear error naming the extra if none."""
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        exe = shutil.which("ffmpeg")
        if exe:
            return exe
    raise RuntimeError("saving .mp4 needs ffmpeg: pip install 'steepest[video]' (imageio-ffmpeg) "
                       "or install ffmpeg on the system; .gif and .html work without it")


#: Player icons as inline SVG shapes in a 16×16 box, named after the Font Awesome icons that
#: matplotlib's player uses: drawn with no font, so they show offline and in browsers whose fonts
#: lack the media-control glyphs (⏮ ⏭ are empty boxes in Debian's chromium).
PLAYER_ICONS = {
    "fa-minus": '<rect x="2" y="7" width="12" height="2"/>',
    "fa-plus": '<rect x="2" y="7" width="12" height="2"/><rect x="7" y="2" width="2" height="12"/>',
    "fa-play": '<path d="M4 2L14 8L4 14Z"/>',
    "fa-play fa-flip-horizontal": '<path d="M12 2L2 8L12 14Z"/>',
    "fa-pause": '<rect x="3" y="2" width="3.5" height="12"/><rect x="9.5" y="2" width="3.5" '
                'height="12"/>',
    "fa-step-forward": '<path d="M3 2L11 8L3 14Z"/><rect x="11.5" y="2" width="2.5" height="12"/>',
    "fa-step-backward": '<rect x="2" y="2" width="2.5" height="12"/><path d="M13 2L5 8L13 14Z"/>',
    "fa-fast-forward": '<path d="M1 2L7.5 8L1 14Z"/><path d="M7 2L13.5 8L7 14Z"/>'
                       '<rect x="13.5" y="2" width="2" height="12"/>',
    "fa-fast-backward": '<rect x="0.5" y="2" width="2" height="12"/><path d="M9 2L2.5 8L9 14Z"/>'
                        '<path d="M15 2L8.5 8L15 14Z"/>',
}


def svg_icon(name: str, size: int = 14) -> str:
    """The player icon ``name`` (a key of :data:`PLAYER_ICONS`) as an inline ``<svg>``."""
    return (f'<svg class="anim-icon" viewBox="0 0 16 16" width="{size}" height="{size}" '
            f'fill="currentColor" aria-hidden="true">{PLAYER_ICONS[name]}</svg>')
