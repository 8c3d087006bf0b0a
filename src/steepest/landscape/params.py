"""A model's parameters as one flat vector θ, with the names and shapes that give it structure.

Everything in :mod:`steepest.landscape` works on flat vectors (θ, directions δ and η, trajectory
snapshots); a :class:`ParamSpec` remembers how the vector splits back into named arrays, which is
what filter normalization and the fast NumPy forward need.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ParamSpec:
    """Names and shapes of the arrays packed, in order, into a flat parameter vector."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if len(self.names) != len(self.shapes):
            raise ValueError(f"ParamSpec: {len(self.names)} names for {len(self.shapes)} shapes")
        if not self.names:
            raise ValueError("ParamSpec: a model with no parameters has no landscape")
        sizes = tuple(math.prod(s) for s in self.shapes)
        object.__setattr__(self, "_sizes", sizes)
        object.__setattr__(self, "_offsets", (0, *itertools.accumulate(sizes)))

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of elements of each array, in order."""
        return self._sizes  # type: ignore[attr-defined]

    @property
    def size(self) -> int:
        """Total number of parameters n."""
        return self._offsets[-1]  # type: ignore[attr-defined]

    @property
    def offsets(self) -> tuple[int, ...]:
        """Start of each array in the flat vector, and n at the end."""
        return self._offsets  # type: ignore[attr-defined]

    def split(self, vec: np.ndarray) -> list[np.ndarray]:
        """Views of a flat vector (n,) — or of the last axis of (..., n) — as the named arrays."""
        vec = np.asarray(vec)
        self.check(vec, "vector")
        off = self.offsets
        lead = vec.shape[:-1]
        return [vec[..., off[i]:off[i + 1]].reshape(*lead, *s) for i, s in enumerate(self.shapes)]

    def join(self, arrays: Sequence[Any]) -> np.ndarray:
        """The flat vector of a list of arrays with this spec's shapes."""
        if len(arrays) != len(self.shapes):
            raise ValueError(f"expected {len(self.shapes)} arrays, got {len(arrays)}")
        out = []
        for name, shape, given in zip(self.names, self.shapes, arrays, strict=True):
            a = np.asarray(given)
            if a.shape != shape:
                raise ValueError(f"parameter {name!r}: expected shape {shape}, got {a.shape}")
            out.append(a.reshape(-1))
        return np.concatenate(out)

    def check(self, vec: np.ndarray, what: str) -> None:
        """Raise ValueError, naming ``what`` and every array, unless ``vec``'s last axis is
        :attr:`size` long."""
        if vec.ndim == 0 or vec.shape[-1] != self.size:
            raise ValueError(f"{what} has shape {vec.shape}; the model has {self.size} parameters "
                             f"({', '.join(f'{n}{s}' for n, s in zip(self.names, self.shapes))})")

    @classmethod
    def of(cls, arrays: Sequence[Any], names: Iterable[str] | None = None) -> ParamSpec:
        """The spec of these arrays (names default to p0, p1, …)."""
        arrays = [np.asarray(a) for a in arrays]
        names = tuple(names) if names is not None else tuple(f"p{i}" for i in range(len(arrays)))
        return cls(names, tuple(a.shape for a in arrays))

    @classmethod
    def flat(cls, n: int) -> ParamSpec:
        """An unstructured vector of n numbers (a function of θ with no layers)."""
        return cls(("theta",), ((int(n),),))


def vector_hash(vec: np.ndarray) -> str:
    """SHA-256 (first 16 hex digits) of a vector's float64 bytes: identifies the centre weights."""
    data = np.ascontiguousarray(np.asarray(vec, dtype=np.float64))
    return hashlib.sha256(data.tobytes()).hexdigest()[:16]


def model_params(model: Any) -> tuple[np.ndarray, ParamSpec]:
    """θ (float64, flat) and its spec from a PyTorch module, a steepest module, a list of arrays
    or a target (anything with ``.theta`` and ``.spec``)."""
    if hasattr(model, "theta") and hasattr(model, "spec"):
        return np.asarray(model.theta, dtype=np.float64), model.spec
    if _is_torch_module(model):
        named = [(n, p.detach().cpu().double().numpy()) for n, p in model.named_parameters()]
    elif hasattr(model, "named_parameters"):
        named = [(n, np.asarray(_data(p), dtype=np.float64)) for n, p in model.named_parameters()]
    elif hasattr(model, "parameters"):
        named = [(f"p{i}", np.asarray(_data(p), dtype=np.float64))
                 for i, p in enumerate(model.parameters())]
    elif isinstance(model, (list, tuple)):
        named = [(f"p{i}", np.asarray(a, dtype=np.float64)) for i, a in enumerate(model)]
    else:
        raise TypeError(f"cannot read parameters from {type(model).__name__}: pass a steepest or "
                        "PyTorch module, a list of arrays, or a target")
    if not named:
        raise ValueError("the model has no parameters")
    spec = ParamSpec(tuple(n for n, _ in named), tuple(a.shape for _, a in named))
    return spec.join([a for _, a in named]).astype(np.float64), spec


def _data(p: Any) -> Any:
    return getattr(p, "data", p)


def _is_torch_module(obj: Any) -> bool:
    return _is_torch_module_type(type(obj))  # type: ignore[arg-type]


@functools.lru_cache(maxsize=256)
def _is_torch_module_type(cls: type) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in cls.__mro__)
