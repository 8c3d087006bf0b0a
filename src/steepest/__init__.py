"""steepest: see and trust gradient-based learning.

The autodiff engine is imported eagerly (it is small and NumPy-only); everything else — optimizers,
the descent driver, problems, curvature, networks, landscapes, plots — loads on first use, so
``import steepest`` stays fast and never pulls in matplotlib or torch by itself.
"""

from __future__ import annotations

import importlib
from typing import Any

from .autodiff import *
from .autodiff import __all__ as _autodiff_all

# Imported eagerly so the *function* ``steepest.minimize`` is bound after the submodule of the
# same name (a lazy lookup would be shadowed by the module once anything imports it).
from .errors import FileFormatError, SteepestError, SteepestTypeError
from .minimize import DivergenceError, Result, minimize

__version__ = "0.1.0"

_SUBMODULES = {
    "autodiff", "nn", "optim", "problems", "curvature", "landscape", "plot", "animate",
    "datasets", "estimators", "cli", "report", "explore",
}
_LAZY = {  # public name → module that defines it
    "diagnose": "steepest.curvature",
    "stability_map": "steepest.curvature",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"steepest.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'steepest' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SUBMODULES | set(_LAZY))


__all__ = [*_autodiff_all, "DivergenceError", "FileFormatError", "Result", "SteepestError",
           "SteepestTypeError", "minimize", *sorted(_LAZY), "__version__"]
