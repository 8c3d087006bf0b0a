"""Animations of gradient-based learning that play inline in Jupyter and save by extension.

Each function returns an :class:`Animation`: ``.save("path.gif" | ".mp4" | ".html" | ".png")``,
``_repr_html_`` (an embedded player), ``len()`` frames. The static picture (the surface, the
contour map, the data) is rasterized once; each frame redraws only what moves — one line per
run, extended frame by frame — so rendering is several times faster than FuncAnimation code
that adds a line per frame and redraws the whole figure.

- :func:`secant` — the secant through x and x + h turning into the tangent as h → 0
- :func:`descent` — either of the next two, ``fun`` first
- :func:`descent_3d` — the path on the 3-D loss surface (the lecture's animation)
- :func:`descent_contour` — the path on the contour map; :func:`race` — several optimizers
- :func:`line_fit` — the fitted line turning toward the data
- :func:`decision_boundary` — a classifier's boundary over training snapshots
- :func:`backprop` — a scalar expression's forward and backward pass, edge by edge;
  :func:`backprop_network` — the same through a network's neurons on one sample
"""

from ._core import LECTURE_FRAMES, Animation, ffmpeg_executable, frame_schedule
from .backprop import backprop, backprop_network
from .calculus import secant
from .descent import (
    decision_boundary,
    descent,
    descent_3d,
    descent_contour,
    line_fit,
    race,
)

__all__ = ["LECTURE_FRAMES", "Animation", "backprop", "backprop_network", "decision_boundary",
           "descent", "descent_3d", "descent_contour", "ffmpeg_executable", "frame_schedule",
           "line_fit", "race", "secant"]
