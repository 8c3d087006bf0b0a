"""Argument checks, written once: every public function validates its inputs with these.

Each check returns the cleaned value or raises :class:`~steepest.errors.SteepestError` (or
:class:`~steepest.errors.SteepestTypeError` for a wrong type) with a message that starts with
``name`` — the caller and the argument, e.g. ``"surface_2d: resolution"`` — and shows the value::

    >>> check_int(5, "fit: epochs")
    5
    >>> check_float("0.1", "GD: lr", low=0)
    Traceback (most recent call last):
    ...
    steepest.errors.SteepestTypeError: GD: lr must be a number, got '0.1' (str)
    >>> check_range((-1, 2), "surface_2d: alpha_range")
    (-1.0, 2.0)
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import numpy as np

from .errors import SteepestError, SteepestTypeError

T = TypeVar("T")


def _show(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def check_int(value: Any, name: str, *, low: int | None = 1, high: int | None = None) -> int:
    """An integer in [low, high] (``low=1``: a positive integer; None: no bound). Booleans and
    floats are refused, NumPy integers accepted."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SteepestTypeError(f"{name} must be an integer, got {_show(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise SteepestError(f"{name} must be {_interval(low, high, 'an integer')}, got {value}")
    return value


def check_float(value: Any, name: str, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """A real number (NumPy scalars and ints accepted, strings and booleans refused), finite
    unless ``finite=False``, within [low, high] (open ends with ``low_open``/``high_open``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SteepestTypeError(f"{name} must be a number, got {_show(value)}")
    value = float(value)
    if math.isnan(value) or (finite and math.isinf(value)):
        raise SteepestError(f"{name} must be a finite number, got {value}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        what = _interval(low, high, "a number", low_open, high_open)
        raise SteepestError(f"{name} must be {what}, got {value:g}")
    return value


def _interval(low: float | None, high: float | None, what: str, low_open: bool = False,
              high_open: bool = False) -> str:
    if low is not None and high is not None:
        return f"{what} in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        if low == 0 and not low_open:
            return f"{what} ≥ 0"
        if low == 0 or (low == 1 and what == "an integer"):
            return f"a positive {what.split()[-1]}"
        return f"{what} {'>' if low_open else '≥'} {low:g}"
    if high is not None:
        return f"{what} {'<' if high_open else '≤'} {high:g}"
    return what


def check_range(value: Any, name: str) -> tuple[float, float]:
    """A pair ``(lo, hi)`` of finite numbers with lo < hi."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)) \
            or len(value) != 2:
        raise SteepestTypeError(f"{name} must be a pair (low, high) of numbers, got "
                                f"{_show(value)}")
    lo = check_float(value[0], f"{name}[0]")
    hi = check_float(value[1], f"{name}[1]")
    if not lo < hi:
        raise SteepestError(f"{name} must have low < high, got ({lo:g}, {hi:g})")
    return lo, hi


def check_choice(value: Any, name: str, options: Iterable[T]) -> T:
    """One of ``options`` (compared with ==); the message lists them."""
    options = tuple(options)
    for option in options:
        if type(value) is type(option) and value == option:
            return option
    shown = ", ".join(repr(o) for o in options)
    raise SteepestError(f"{name} must be one of {shown}; got {_show(value)}")


def first_nonfinite(a: np.ndarray) -> str | None:
    """Where the first NaN or inf of ``a`` is, in words ("NaN at row 3, column 1"), or None."""
    bad = ~np.isfinite(a)
    if not bad.any():
        return None
    index = np.unravel_index(int(np.argmax(bad)), a.shape)
    kind = "NaN" if np.isnan(a[index]) else ("inf" if a[index] > 0 else "-inf")
    if a.ndim == 1:
        where = f"index {index[0]}"
    elif a.ndim == 2:
        where = f"row {index[0]}, column {index[1]}"
    else:
        where = f"index {tuple(int(i) for i in index)}"
    count = int(bad.sum())
    return f"{kind} at {where}" + (f" ({count} non-finite values in all)" if count > 1 else "")


def check_array(value: Any, name: str, *, ndim: int | Sequence[int] | None = None,
                dtype: Any = np.float64, finite: bool = True, nonempty: bool = True
                ) -> np.ndarray:
    """``value`` as a NumPy array of ``dtype`` (None keeps a numeric dtype as it is), with the
    given number of dimensions, not empty, and finite (the first NaN/inf is located)."""
    data = getattr(value, "data", value) if type(value).__name__ == "Tensor" else value
    try:
        a = np.asarray(data) if dtype is None else np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise SteepestTypeError(f"{name} must be an array of numbers ({exc})") from None
    if a.dtype.kind not in "biuf":
        raise SteepestTypeError(f"{name} must be an array of numbers, got dtype {a.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if a.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise SteepestError(f"{name} must be {want}, got shape {a.shape}")
    if nonempty and a.size == 0:
        raise SteepestError(f"{name} is empty (shape {a.shape})")
    if finite and a.dtype.kind == "f":
        where = first_nonfinite(a)
        if where is not None:
            raise SteepestError(f"{name} contains {where}; impute or drop them first")
    return a


def check_float_dtype(dtype: Any, name: str) -> np.dtype:
    """A floating-point NumPy dtype (parameters and losses need one)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise SteepestTypeError(f"{name} must be a NumPy dtype, got {_show(dtype)}") from None
    if dt.kind != "f":
        raise SteepestError(f"{name} must be a floating-point dtype such as float64 or float32, "
                            f"got {dt} (integer parameters cannot be trained)")
    return dt


def format_bytes(n: float) -> str:
    """1536 → '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def memory_limit() -> int:
    """The most bytes one request may ask for: the machine's physical memory, unless the
    environment variable ``STEEPEST_MAX_BYTES`` says otherwise."""
    env = os.environ.get("STEEPEST_MAX_BYTES")
    if env:
        return int(float(env))
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 1 << 40


def check_size(shape: Sequence[int], itemsize: int, what: str, *, limit: int | None = None
               ) -> int:
    """Refuse, before allocating it, an array of ``shape`` × ``itemsize`` bytes larger than
    ``limit`` (default :func:`memory_limit`); returns the byte count. ``what`` names it."""
    nbytes = itemsize * math.prod(int(s) for s in shape)
    cap = memory_limit() if limit is None else limit
    if nbytes > cap:
        raise SteepestError(f"{what} would need {format_bytes(nbytes)} of memory (shape "
                            f"{tuple(int(s) for s in shape)}), more than the "
                            f"{format_bytes(cap)} allowed (set STEEPEST_MAX_BYTES to change it)")
    return nbytes


__all__ = ["check_array", "check_choice", "check_float", "check_float_dtype", "check_int",
           "check_range", "check_size", "first_nonfinite", "format_bytes", "memory_limit"]
