"""Loss landscapes of neural networks (Li et al., NeurIPS 2018): directions, 1-D and 2-D surfaces,
projected trajectories, for steepest models, PyTorch modules and any function of a parameter
vector — batched in NumPy, resumable from a checkpoint, optionally spread over a Dask cluster.

>>> land = surface_2d(model, X, y, loss="bce_with_logits")   # 51 × 51, filter-normalized
>>> land.plot("filled"); land.save("landscape.npz")

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
