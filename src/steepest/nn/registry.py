"""The registry of module classes by name, and the JSON description of a module tree.

Every :class:`~steepest.nn.Module` subclass registers itself here when it is defined, so a saved
architecture ``{"class": "Linear", "config": {...}}`` names the class to rebuild. This module
imports nothing from the rest of ``nn`` (``module.py`` and ``serialization.py`` both import it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import SteepestError

if TYPE_CHECKING:
    from .module import Module

_REGISTRY: dict[str, type[Module]] = {}


def register(cls: type[Module]) -> None:
    """Make ``cls`` rebuildable by name (``Module.__init_subclass__`` calls this)."""
    _REGISTRY[cls.__name__] = cls


def module_class(name: Any) -> type[Module]:
    """The registered class called ``name``."""
    cls = _REGISTRY.get(name) if isinstance(name, str) else None
    if cls is None:
        raise SteepestError(f"unknown module class {name!r}; import the module that defines it "
                            f"before loading")
    return cls


def module_config(module: Module) -> dict[str, Any]:
    """``{"class": name, "config": {...}}`` — what :func:`build_module` needs to rebuild it."""
    return {"class": type(module).__name__, "config": module.get_config()}


def build_module(spec: Any) -> Module:
    """A module from :func:`module_config`'s description (weights initialized anew, unless
    inside :func:`steepest.nn.init.deferred`)."""
    if not isinstance(spec, dict) or set(spec) - {"class", "config"}:
        raise SteepestError(f"a module description must be a dict with keys 'class' and "
                            f"'config', got {_short(spec)}")
    cls = module_class(spec.get("class"))
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise SteepestError(f"the config of {cls.__name__} must be a dict, got {_short(config)}")
    config = dict(config)
    if hasattr(cls, "from_config"):
        return cls.from_config(config)
    if "dtype" in config:
        try:
            config["dtype"] = np.dtype(config["dtype"])
        except TypeError:
            raise SteepestError(f"{cls.__name__}: unknown dtype {config['dtype']!r}") from None
    try:
        return cls(**config)
    except TypeError as exc:
        raise SteepestError(f"cannot rebuild {cls.__name__} from the config {_short(config)}: "
                            f"{exc}") from None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


__all__ = ["build_module", "module_class", "module_config", "register"]
