"""Figures of gradient-based learning, in one call each (matplotlib, headless-safe).

Every function takes ``ax=None`` (``fig=None`` for multi-panel ones), draws, and returns a
Display object with ``.ax``, ``.figure`` and the data it drew; nothing calls ``plt.show()``.
Runs may be ``steepest.minimize`` Results, ``nn.fit`` histories, or plain arrays.

- calculus: :func:`tangent` (tangent and secants), :func:`directional_derivative` (the
  slope in every direction: the foggy mountain), :func:`activations`
- surfaces: :func:`surface`, :func:`contour`, :func:`quadratic_form`, :func:`trajectories`
- curves: :func:`loss_curve`, :func:`parameter_path`, :func:`grad_norm`,
  :func:`learning_rate`, :func:`dashboard`
- models: :func:`fitted_line`, :func:`decision_boundary`, :func:`network_diagram`
- autodiff: :func:`computation_graph`
- training diagnostics: :func:`sharpness` (λ_max against 2/η above the loss),
  :func:`layer_gradients` (each layer's gradient norm and block sharpness)
- notebooks (extra ``jupyter``): :func:`tangent_explorer`, :func:`descent_explorer`
"""

from ._base import Display
from ._history import CURVE_COLORS, dashboard, grad_norm, learning_rate, loss_curve, parameter_path
from .calculus import ACTIVATIONS, activations, directional_derivative, slope, tangent
from .graph import computation_graph, graph_layout
from .interactive import descent_explorer, tangent_explorer
from .layer_gradients import layer_gradients
from .models import (
    center_axes,
    decision_boundary,
    fitted_line,
    layer_weights,
    network_diagram,
    predict_scores,
)
from .sharpness import sharpness
from .surface import contour, quadratic_form, quadratic_mesh, surface, trajectories

__all__ = [
    "ACTIVATIONS", "CURVE_COLORS", "Display", "activations", "center_axes",
    "computation_graph", "contour", "dashboard", "decision_boundary", "descent_explorer",
    "directional_derivative",
    "fitted_line", "grad_norm",
    "graph_layout", "layer_gradients", "layer_weights", "learning_rate", "loss_curve",
    "network_diagram",
    "parameter_path", "predict_scores", "quadratic_form", "quadratic_mesh", "sharpness",
    "slope", "surface",
    "tangent", "tangent_explorer", "trajectories",
]
