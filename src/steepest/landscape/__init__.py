"""Loss landscapes of neural networks (Li et al., NeurIPS 2018): directions, 1-D and 2-D surfaces,
projected trajectories, for steepest models, PyTorch modules and any function of a parameter
vector — batched in NumPy, resumable from a checkpoint, optionally spread over a Dask cluster.

>>> import os, tempfile, steepest as st
>>> X, y = st.datasets.lecture_classifier(200, seed=0)
>>> net = st.nn.MLP(3, [4, 4, 1], seed=0)
>>> land = surface_2d(net, X, y, loss="bce_with_logits", resolution=11, progress=False)
>>> land.values["loss"].shape        # 11 × 11 points of a filter-normalized random plane
(11, 11)
>>> type(land.plot("filled")).__name__
'ContourDisplay'
>>> path = os.path.join(tempfile.mkdtemp(), "landscape.npz")
>>> land.save(path); Landscape.load(path).values["loss"].shape
(11, 11)

- directions: :func:`random_directions` (seeded, "filter"/"layer"/None normalization, biases
  zeroed by default, orthogonal), :func:`pca_directions` (from training snapshots, with explained
  variance and the projected path's residual), :func:`hessian_directions` (top eigenvectors)
- surfaces: :func:`surface_2d`, :func:`line_1d` (a random line), :func:`interpolate`
  (θ(α) = (1 − α)θ + αθ′) → :class:`Landscape` (``.plot()``, ``.save()``, ``Landscape.load()``)
- targets: :class:`MLPTarget` (fast NumPy dense nets), :class:`TorchTarget`,
  :class:`ModuleTarget`, :class:`FunctionTarget`, chosen by :func:`as_target`
"""

from .directions import (
    Directions,
    Trajectory,
    hessian_directions,
    pca_directions,
    project,
    random_directions,
)
from .params import ParamSpec, model_params, vector_hash
from .result import Landscape
from .surface import interpolate, line_1d, run_points, surface_2d
from .targets import (
    FunctionTarget,
    MLPTarget,
    ModuleTarget,
    NotSupported,
    Target,
    TorchTarget,
    as_target,
)

__all__ = [
    "Directions", "FunctionTarget", "Landscape", "MLPTarget", "ModuleTarget",
    "NotSupported", "ParamSpec", "Target", "TorchTarget", "Trajectory", "as_target",
    "hessian_directions", "interpolate", "line_1d", "model_params", "pca_directions", "project",
    "random_directions", "run_points", "surface_2d", "vector_hash",
]
