"""Save and load a model as one ``.npz``: the architecture as JSON, the weights as arrays.

:func:`save` writes atomically (a temporary file beside the target, fsynced, then renamed over
it): a full disk or a killed process leaves the previous file as it was. :func:`load` trusts
nothing in the file. It reads the JSON header and every array's declared shape and dtype first,
bounds the total size the file declares (the machine's memory, or ``STEEPEST_MAX_BYTES``),
builds the architecture without initializing or allocating any weight, checks that the file
holds exactly the weights that architecture needs, and only then reads them. A file that is
not a steepest model raises :class:`~steepest.errors.FileFormatError` saying what is wrong;
nothing is ever unpickled (an object array raises :class:`UnsafeFileError`).

A file may also carry the training path (``save(model, path, snapshots=history)``, the flat
parameter vectors ``fit(..., snapshot_every=k)`` kept): :func:`load_snapshots` reads it, and
landscape views (``steepest explore``) draw it projected on their plane.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .._io import atomic_write
from .._npz import NpzReader, UnsafeFileError
from ..errors import SteepestError
from .init import deferred
from .module import Module, Parameter
from .registry import build_module, module_config

FORMAT = "steepest.nn/1"
_ARCH_KEY = "__architecture__"
_SNAPSHOTS_KEY, _EPOCHS_KEY = "__snapshots__", "__snapshot_epochs__"
_RESERVED = (_ARCH_KEY, _SNAPSHOTS_KEY, _EPOCHS_KEY)
_MAX_HEADER_BYTES = 1 << 20  # 1 MiB of JSON describes any architecture
_MAX_DEPTH = 64              # nesting of the JSON header
_JSON_KINDS = {list: "array", int: "number", float: "number", str: "string", bool: "boolean",
               type(None): "null"}


def save(model: Module, path: str | os.PathLike[str], *, snapshots: Any = None) -> None:
    """Write ``model`` to ``path`` (exactly that name): its architecture (JSON) and every
    parameter array, atomically. ``snapshots``: the training path kept with it — a ``fit``
    history (its ``snapshots`` and ``snapshot_epochs``) or an array (T, n) of flat parameter
    vectors in ``parameters_to_vector`` order."""
    arch = json.dumps({"format": FORMAT, "model": module_config(model)})
    arrays = model.state_dict()
    for key in _RESERVED:
        if key in arrays:
            raise SteepestError(f"save: a parameter may not be called {key!r}")
    if snapshots is not None:
        arrays.update(_snapshot_arrays(model, snapshots))
    with atomic_write(path) as fh:
        np.savez(fh, **{_ARCH_KEY: np.array(arch)}, **arrays)  # type: ignore[arg-type]


def _snapshot_arrays(model: Module, snapshots: Any) -> dict[str, np.ndarray]:
    """The snapshots (T, n) float64 and their epochs (T,) (0, 1, … when not given)."""
    epochs = getattr(snapshots, "snapshot_epochs", None)
    rows = getattr(snapshots, "snapshots", snapshots)
    S = np.asarray([np.ravel(r) for r in rows] if isinstance(rows, list) else rows, float)
    n = sum(p.data.size for p in model.parameters())
    if S.ndim != 2 or S.shape[1] != n or not len(S):
        raise SteepestError(f"save: snapshots must be (T, {n}) flat parameter vectors, got "
                            f"shape {S.shape}")
    E = np.arange(len(S)) if epochs is None or len(epochs) != len(S) else np.asarray(epochs)
    return {_SNAPSHOTS_KEY: S, _EPOCHS_KEY: E.astype(np.int64)}


def load_snapshots(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """The training path saved with the model at ``path``: snapshots (T, n), one flat
    parameter vector per row, and their epochs (T,); None when the file has none."""
    with NpzReader(path, "steepest model file") as f:
        _header(f)
        if _SNAPSHOTS_KEY not in f.members:
            return None
        S, E = f.members[_SNAPSHOTS_KEY], f.members.get(_EPOCHS_KEY)
        n = sum(m.nbytes // m.dtype.itemsize for k, m in f.members.items()
                if k not in _RESERVED)
        if S.dtype.kind != "f" or len(S.shape) != 2 or S.shape[1] != n or \
                E is None or E.dtype.kind not in "iu" or E.shape != (S.shape[0],):
            raise f.error(f"its snapshots must be (T, {n}) floats with (T,) integer epochs, "
                          f"got {S.shape} {S.dtype} and "
                          f"{'none' if E is None else f'{E.shape} {E.dtype}'}")
        return np.asarray(f.read(_SNAPSHOTS_KEY), float), f.read(_EPOCHS_KEY).astype(int)


def load(path: str | os.PathLike[str]) -> Module:
    """The model saved at ``path`` by :func:`save`, holding the saved weights."""
    with NpzReader(path, "steepest model file") as f:
        spec = _header(f)
        try:
            with deferred():  # the architecture with placeholder weights: nothing allocated
                model = build_module(spec)
        except (SteepestError, TypeError, ValueError) as exc:
            raise f.error(f"its architecture cannot be built ({exc})") from None
        params = dict(model.named_parameters())
        _check_weights(f, params)
        for name, p in params.items():
            p.data = np.ascontiguousarray(f.read(name))
    return model


def _header(f: NpzReader) -> Any:
    """The architecture description from the file's JSON header, checked for shape."""
    entry = f.members.get(_ARCH_KEY)
    if entry is None:
        raise f.error(f"it is not a steepest model file (no {_ARCH_KEY} entry)")
    if entry.dtype.kind != "U" or entry.shape != () or entry.nbytes > 4 * _MAX_HEADER_BYTES:
        raise f.error(f"its {_ARCH_KEY} entry must be one text of at most "
                      f"{_MAX_HEADER_BYTES} characters, got shape {entry.shape} {entry.dtype}")
    try:
        header = json.loads(str(f.read(_ARCH_KEY)))
    except RecursionError:
        raise f.error("its header nests too deeply") from None
    except ValueError as exc:
        raise f.error(f"its header is not JSON ({exc})") from None
    if not isinstance(header, dict) or set(header) != {"format", "model"}:
        got = (f"keys {sorted(header)}" if isinstance(header, dict) else
               f"a JSON {_JSON_KINDS.get(type(header), type(header).__name__)}")
        raise f.error(f"its header must be a JSON object with keys 'format' and 'model', got "
                      f"{got}")
    if header["format"] != FORMAT:
        raise f.error(f"unsupported format {header['format']!r} (expected {FORMAT!r})")
    if _depth(header) > _MAX_DEPTH:
        raise f.error(f"its header nests deeper than {_MAX_DEPTH} levels")
    return header["model"]


def _depth(obj: Any) -> int:
    """How deeply lists and dicts nest in ``obj`` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(obj, 1)]
    while stack:
        item, d = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, d)
            stack.extend((v, d + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _check_weights(f: NpzReader, params: dict[str, Parameter]) -> None:
    """The file's arrays are exactly the architecture's parameters, shape and dtype alike."""
    stored = {k: m for k, m in f.members.items() if k not in _RESERVED}
    missing = [k for k in params if k not in stored]
    unexpected = [k for k in stored if k not in params]
    if missing or unexpected:
        parts = [f"{what} {names[:5]}" + (f" and {len(names) - 5} more" if len(names) > 5 else "")
                 for what, names in (("missing", missing), ("unexpected", unexpected)) if names]
        raise f.error(f"its weights do not match its architecture: {', '.join(parts)}")
    for name, p in params.items():
        m = stored[name]
        if m.shape != p.shape or m.dtype != p.dtype:
            raise f.error(f"weight {name!r} is {m.shape} {m.dtype} in the file, but the "
                          f"architecture needs {p.shape} {p.dtype}")


__all__ = ["FORMAT", "UnsafeFileError", "build_module", "load", "load_snapshots",
           "module_config", "save"]
