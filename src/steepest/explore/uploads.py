"""Uploaded files, parsed without pickle: a CSV of numbers (target last) or a ``.npz`` with
arrays ``X`` and ``y``, and model files written by ``model.save()``.

Every upload is limited to :data:`MAX_UPLOAD_BYTES` (Dash delivers it base64-encoded in the
browser's request); anything else — text where numbers belong, NaN or ±inf, ragged rows, too
few rows or columns, a pickled array — raises :class:`~steepest.errors.FileFormatError` whose
message the page shows in place of the figure, while the server keeps running.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import tempfile
from typing import Any

import numpy as np

from .._validate import format_bytes
from ..errors import FileFormatError

#: the largest file the explorer accepts (after decoding): 5 MiB — 100 000 rows of a few columns
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: the most rows a data upload may have (the views train and redraw live)
MAX_ROWS = 100_000


def decode(contents: str, filename: str) -> bytes:
    """The bytes of a ``dcc.Upload`` value (``data:<type>;base64,<payload>``), size-checked."""
    if not isinstance(contents, str) or "," not in contents:
        raise FileFormatError(f"{filename}: not a file upload")
    payload = contents.split(",", 1)[1]
    if len(payload) * 3 // 4 > MAX_UPLOAD_BYTES:
        raise FileFormatError(f"{filename}: larger than the explorer's limit of "
                              f"{format_bytes(MAX_UPLOAD_BYTES)}")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise FileFormatError(f"{filename}: the upload is not valid base64") from None


def parse_table(data: bytes, filename: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from a CSV (numbers only, comma-separated, an optional header line, target in
    the last column) or an ``.npz`` holding ``X`` and ``y``."""
    if filename.lower().endswith(".npz"):
        X, y = _npz_table(data, filename)
    else:
        X, y = _csv_table(data, filename)
    if len(y) < 2:
        raise FileFormatError(f"{filename}: needs at least 2 rows, has {len(y)}")
    if len(y) > MAX_ROWS:
        raise FileFormatError(f"{filename}: {len(y)} rows, more than the explorer's "
                              f"{MAX_ROWS}")
    bad = ~np.isfinite(X).all(axis=1) | ~np.isfinite(y)
    if bad.any():
        raise FileFormatError(f"{filename}: row {int(np.argmax(bad)) + 1} holds NaN or "
                              f"infinity; every value must be a finite number")
    return X, y


def _csv_table(data: bytes, filename: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileFormatError(f"{filename}: not a text file (expected CSV)") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if lines and not _numeric(lines[0].split(",")[0]):
        lines = lines[1:]  # a header line
    try:
        table = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", ndmin=2)
    except ValueError as exc:
        raise FileFormatError(f"{filename}: expected comma-separated numbers with the "
                              f"target in the last column ({exc})") from None
    if table.shape[1] < 2:
        raise FileFormatError(f"{filename}: needs at least 2 columns (features, then the "
                              f"target), has {table.shape[1]}")
    return table[:, :-1], table[:, -1]


def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _npz_table(data: bytes, filename: str) -> tuple[np.ndarray, np.ndarray]:
    if not data.startswith(b"PK"):
        raise FileFormatError(f"{filename}: not an .npz file (an .npz is a zip archive of "
                              f"arrays, as np.savez writes)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            missing = {"X", "y"} - set(f.files)
            if missing:
                raise FileFormatError(f"{filename}: must hold arrays 'X' and 'y' (has "
                                      f"{sorted(f.files)})")
            X, y = f["X"], f["y"]
    except FileFormatError:
        raise
    except Exception as exc:  # a zip that is not an npz, a pickled array …
        raise FileFormatError(f"{filename}: not a readable .npz without pickled objects "
                              f"({exc})") from None
    try:
        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise FileFormatError(f"{filename}: X and y must be numeric arrays") from None
    X = X.reshape(len(X), -1) if X.ndim != 2 else X
    if len(X) != len(y):
        raise FileFormatError(f"{filename}: X has {len(X)} rows but y has {len(y)}")
    return X, y


def classification_labels(y: np.ndarray, filename: str) -> np.ndarray:
    """``y`` as 0/1 labels: two distinct values, the larger one is class 1."""
    values = np.unique(y)
    if len(values) != 2:
        raise FileFormatError(f"{filename}: a binary classifier needs exactly 2 distinct "
                              f"target values in the last column, found {len(values)}")
    return (y == values[1]).astype(float)


def load_model(data: bytes, filename: str) -> Any:
    """A model from the bytes of a ``model.save()`` file (``steepest.nn.load``: no pickle)."""
    return load_model_file(data, filename)[0]


def load_model_file(data: bytes, filename: str) -> tuple[Any, tuple[np.ndarray, np.ndarray] | None]:
    """The model of a ``model.save()`` file and the training path saved with it (snapshots
    (T, n) and their epochs, ``steepest.nn.load_snapshots``), None when it has none."""
    from .. import nn

    fd, tmp = tempfile.mkstemp(suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return nn.load(tmp), nn.load_snapshots(tmp)
    except Exception as exc:
        raise FileFormatError(f"{filename}: not a steepest model file ({exc})") from None
    finally:
        os.unlink(tmp)
