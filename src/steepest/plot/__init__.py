"""Figures of gradient-based learning, in one call each (matplotlib, headless-safe).

Every function takes ``ax=None`` (``fig=None`` for multi-panel ones), draws, and returns a
Display with ``.ax``, ``.figure`` and the data it drew; nothing calls ``plt.show()``.
Runs may be ``steepest.minimize`` Results, ``nn.fit`` histories, or plain arrays.

Displays follow scikit-learn's pattern: each is a dataclass of the computed data, built by a
``from_*`` constructor without drawing; its ``plot(ax=None, **style)`` draws that data (again,
on other axes, without recomputing) and keeps the artists; ``contour(...)`` is
``ContourDisplay.from_function(...).plot(...)``. Compute once, draw twice:

>>> import matplotlib.pyplot as plt
>>> import steepest as st
>>> problem = st.datasets.lecture_problem()
>>> gd = st.minimize(problem, problem.x0, st.optim.GD(lr=0.002), max_steps=100)
>>> d = st.plot.ContourDisplay.from_function(problem, paths={"GD η=0.002": gd})
>>> d.Z.shape, d.ax is None            # the grid is computed, nothing drawn
((200, 200), True)
>>> fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
>>> d.plot(left).ax is left            # filled, with a colour bar
True
>>> d.plot(right, filled=False, colorbar=False).ax is right   # level lines
True
>>> [line.get_label() for line in d.lines]
['GD η=0.002']

- calculus: :func:`tangent` (tangent and secants), :func:`directional_derivative` (the
  slope in every direction: the foggy mountain), :func:`activations`
- surfaces: :func:`surface`, :func:`contour`, :func:`quadratic_form`, :func:`trajectories`
- curves: :func:`loss_curve`, :func:`parameter_path`, :func:`grad_norm`,
  :func:`learning_rate`, :func:`dashboard`
- models: :func:`fitted_line`, :func:`decision_boundary`, :func:`network_diagram`
- autodiff: :func:`computation_graph`
- training diagnostics: :func:`sharpness` (λ_max against 2/η above the loss),
  :func:`layer_gradients` (each layer's gradient norm and block sharpness)
- the figures of result objects, drawn by their ``.plot()``: :class:`LRFinderDisplay`
  (``nn.lr_find``), :class:`SpectralDensityDisplay` (``curvature.spectral_density``),
  :class:`TrainabilityMapDisplay` (``curvature.trainability_map``),
  :class:`LandscapeLineDisplay` (a 1-D ``landscape``)
- notebooks (extra ``jupyter``): :func:`tangent_explorer`, :func:`descent_explorer`
"""

from ._base import Display
from ._history import (
    CURVE_COLORS,
    CurveDisplay,
    DashboardDisplay,
    ParameterPathDisplay,
    dashboard,
    grad_norm,
    learning_rate,
    loss_curve,
    parameter_path,
)
from ._paths import TrajectoryDisplay, trajectories
from .calculus import (
    ACTIVATIONS,
    ActivationDisplay,
    FogDisplay,
    TangentDisplay,
    activations,
    directional_derivative,
    slope,
    tangent,
)
from .graph import GraphDisplay, computation_graph, graph_layout
from .interactive import descent_explorer, tangent_explorer
from .landscape import LandscapeLineDisplay
from .layer_gradients import LayerGradientsDisplay, layer_gradients
from .lr_find import LRFinderDisplay
from .models import (
    BoundaryDisplay,
    LineFitDisplay,
    NetworkDisplay,
    center_axes,
    decision_boundary,
    fitted_line,
    layer_weights,
    network_diagram,
    predict_scores,
)
from .sharpness import SharpnessDisplay, sharpness
from .spectrum import SpectralDensityDisplay
from .surface import (
    ContourDisplay,
    SurfaceDisplay,
    contour,
    quadratic_form,
    quadratic_mesh,
    surface,
)
from .trainability import TrainabilityMapDisplay

__all__ = [
    "ACTIVATIONS", "CURVE_COLORS", "ActivationDisplay", "BoundaryDisplay", "ContourDisplay",
    "CurveDisplay", "DashboardDisplay", "Display", "FogDisplay", "GraphDisplay",
    "LRFinderDisplay", "LandscapeLineDisplay", "LayerGradientsDisplay", "LineFitDisplay",
    "NetworkDisplay", "ParameterPathDisplay", "SharpnessDisplay", "SpectralDensityDisplay",
    "SurfaceDisplay", "TangentDisplay", "TrainabilityMapDisplay", "TrajectoryDisplay",
    "activations", "center_axes", "computation_graph", "contour", "dashboard",
    "decision_boundary", "descent_explorer", "directional_derivative", "fitted_line",
    "grad_norm", "graph_layout", "layer_gradients", "layer_weights", "learning_rate",
    "loss_curve", "network_diagram", "parameter_path", "predict_scores", "quadratic_form",
    "quadratic_mesh", "sharpness", "slope", "surface", "tangent", "tangent_explorer",
    "trajectories",
]
