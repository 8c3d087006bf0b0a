"""Save and load a model as one ``.npz``: the architecture as JSON, the weights as arrays.

Loading never unpickles (``allow_pickle=False``), so a file is data, not code: an ``.npz`` that
carries a pickled object array is refused with :class:`UnsafeFileError`.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .module import _REGISTRY, Module

FORMAT = "steepest.nn/1"
_ARCH_KEY = "__architecture__"


class UnsafeFileError(ValueError):
    """The file holds a pickled (object) array; steepest refuses to unpickle it."""


def module_config(module: Module) -> dict[str, Any]:
    """``{"class": name, "config": {...}}`` — what :func:`build_module` needs to rebuild it."""
    return {"class": type(module).__name__, "config": module.get_config()}


def build_module(spec: dict[str, Any]) -> Module:
    """A fresh module from :func:`module_config`'s description (weights are initialized anew)."""
    name = spec.get("class")
    cls = _REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"load: unknown module class {name!r}; import the module that defines "
                         f"it before loading")
    config = dict(spec.get("config", {}))
    if hasattr(cls, "from_config"):
        return cls.from_config(config)
    if "dtype" in config:
        config["dtype"] = np.dtype(config["dtype"])
    try:
        return cls(**config)
    except TypeError as exc:
        raise ValueError(f"load: cannot rebuild {name} from its saved config {config}: {exc}"
                         ) from None


def save(model: Module, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` (.npz): its architecture (JSON) and every parameter array."""
    arch = json.dumps({"format": FORMAT, "model": module_config(model)})
    arrays = model.state_dict()
    if _ARCH_KEY in arrays:
        raise ValueError(f"save: a parameter may not be called {_ARCH_KEY!r}")
    with open(path, "wb") as fh:  # exact path: np.savez would append ".npz" to other names
        np.savez(fh, **{_ARCH_KEY: np.array(arch)}, **arrays)  # type: ignore[arg-type]


def load(path: str | os.PathLike) -> Module:
    """The model saved at ``path``, rebuilt and holding the saved weights."""
    with np.load(path, allow_pickle=False) as data:
        if _ARCH_KEY not in data.files:
            raise ValueError(f"load: {os.fspath(path)!r} is not a steepest model file "
                             f"(no {_ARCH_KEY} entry)")
        arrays = {}
        for key in data.files:
            try:
                arrays[key] = data[key]
            except ValueError as exc:
                if "allow_pickle" not in str(exc):
                    raise
                raise UnsafeFileError(
                    f"load: entry {key!r} of {os.fspath(path)!r} is a pickled object array; "
                    f"steepest never unpickles (it could run arbitrary code)") from None
    header = json.loads(str(arrays.pop(_ARCH_KEY)))
    if header.get("format") != FORMAT:
        raise ValueError(f"load: unsupported file format {header.get('format')!r} "
                         f"(expected {FORMAT!r})")
    model = build_module(header["model"])
    model.load_state_dict(arrays)
    return model
