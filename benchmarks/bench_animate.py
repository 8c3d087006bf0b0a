"""The lecture's 120-frame descent animation on the 3-D loss surface, rendered to .mp4.

- steepest: ``steepest.animate.descent_3d`` — the surface rasterized once, one line extended
  per frame by blitting.
- lecture: the lecture's own code, written out here — ``FuncAnimation`` whose ``anim(frame)``
  adds a new ``ax.plot`` line every frame, saved with matplotlib's ffmpeg writer, which redraws
  the whole figure (surface included) per frame. ``plot_surface`` of the same clean-edged mesh
  (same strides) stands in for the course helper ``plotGeneralQF``, so both draw the same
  polygons and the difference is the animation technique alone.

Both use the same ffmpeg (imageio-ffmpeg), the lecture's frame schedule, figure size (5, 5)
and 100 dpi.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from harness import Group, Skip


def _lecture_run():
    import steepest as st
    X, y = st.datasets.lecture_line()
    b = np.array([-8.0, -3.2])
    betas, losses = [b], [np.sum((y - X @ b) ** 2)]
    for _ in range(1000):
        b = b - 0.002 * (X.T @ X @ b - X.T @ y)
        betas.append(b)
        losses.append(np.sum((y - X @ b) ** 2))
    return X, y, np.array(betas), np.array(losses)


def _ffmpeg() -> str:
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise Skip("imageio-ffmpeg not installed") from exc
    return imageio_ffmpeg.get_ffmpeg_exe()


def _steepest():
    _ffmpeg()
    from steepest import animate
    from steepest.datasets import lecture_problem
    _, _, betas, _ = _lecture_run()
    tmp = tempfile.mkdtemp()

    def run():
        anim = animate.descent_3d(betas, lecture_problem(),
                                  xlim=(-12, 12), ylim=(-4, 4), zlim=(-1, 2000),
                                  view=(60, 22), frames=animate.LECTURE_FRAMES, fps=10,
                                  figsize=(5, 5), progress=False)
        anim.save(os.path.join(tmp, "steepest.mp4"))
    return run


def _lecture():
    exe = _ffmpeg()
    import matplotlib
    from matplotlib import animation
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from steepest.animate import LECTURE_FRAMES
    from steepest.plot import quadratic_mesh
    matplotlib.rcParams["animation.ffmpeg_path"] = exe
    X, y, betas, losses = _lecture_run()
    tmp = tempfile.mkdtemp()

    def run():
        fig = Figure(figsize=(5, 5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(projection="3d")
        ax.view_init(azim=60, elev=22)
        for MX, MY, MZ in quadratic_mesh(X.T @ X, -2 * X.T @ y, y @ y, (-12, 12), (-4, 4),
                                         (-1, 2000)):  # stands in for plotGeneralQF
            ax.plot_surface(MX, MY, MZ, cmap="viridis", alpha=0.5, rstride=2, cstride=4,
                            linewidth=0.2, vmin=-1, vmax=2000)
        ax.set_xlim(-12, 12)
        ax.set_ylim(-4, 4)
        ax.set_zlim(-1, 2000)
        ax.set_zlabel(r"$\mathcal{L}$")
        ax.set_xlabel(r"$\beta_0$")
        ax.set_ylabel(r"$\beta_1$")

        def anim(frame):  # the lecture's: a new line object every frame
            ax.plot(betas[:frame, 0], betas[:frame, 1], "o-", zs=losses[:frame], c="k",
                    markersize=5)
        ani = animation.FuncAnimation(fig, anim, frames=LECTURE_FRAMES, fargs=None,
                                      interval=100, repeat=False)
        ani.save(os.path.join(tmp, "lecture.mp4"), writer=animation.FFMpegWriter(fps=10))
    return run


def groups() -> list[Group]:
    return [Group("lecture surface animation 120 frames → mp4",
                  {"steepest": _steepest, "lecture FuncAnimation": _lecture},
                  unit="animation", repeats=3, number=1,
                  target={"lecture FuncAnimation": 3.0})]
