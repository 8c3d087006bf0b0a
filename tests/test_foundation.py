"""The shared helpers every module uses: argument checks, the error type, atomic writes."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

import steepest as st
from steepest._io import atomic_write
from steepest._validate import (
    check_array,
    check_choice,
    check_float,
    check_float_dtype,
    check_int,
    check_range,
    check_size,
    first_nonfinite,
    format_bytes,
)
from steepest.errors import SteepestError, SteepestTypeError


def test_error_types_are_value_and_type_errors():
    assert issubclass(SteepestError, ValueError)
    assert issubclass(SteepestTypeError, SteepestError)
    assert issubclass(SteepestTypeError, TypeError)
    assert st.SteepestError is SteepestError


@pytest.mark.parametrize("value", ["a", None, 2.0, True, float("nan"), [3]])
def test_check_int_refuses_non_integers(value):
    with pytest.raises(SteepestTypeError, match=r"^f: n must be an integer, got"):
        check_int(value, "f: n")


def test_check_int_bounds():
    assert check_int(np.int64(3), "f: n") == 3
    assert type(check_int(np.int64(3), "f: n")) is int
    assert check_int(0, "f: n", low=0) == 0
    with pytest.raises(SteepestError, match="must be a positive integer, got 0"):
        check_int(0, "f: n")
    with pytest.raises(SteepestError, match=r"must be an integer in \[2, 5\], got 6"):
        check_int(6, "f: n", low=2, high=5)


def test_check_float():
    assert check_float(np.float32(0.5), "f: x") == 0.5
    assert check_float(2, "f: x", low=0, low_open=True) == 2.0
    for bad in (float("nan"), float("inf")):
        with pytest.raises(SteepestError, match="must be a finite number"):
            check_float(bad, "f: x")
    assert check_float(float("inf"), "f: x", finite=False) == float("inf")
    with pytest.raises(SteepestError, match="must be a positive number, got 0"):
        check_float(0.0, "f: x", low=0, low_open=True)
    with pytest.raises(SteepestError, match=r"must be a number ≥ 0, got -1"):
        check_float(-1, "f: x", low=0)
    with pytest.raises(SteepestError, match=r"in \[0, 1\)"):
        check_float(1.0, "f: x", low=0, high=1, high_open=True)
    with pytest.raises(SteepestTypeError, match="must be a number, got 'abc'"):
        check_float("abc", "f: x")


def test_check_range():
    assert check_range(np.array([0, 1]), "f: r") == (0.0, 1.0)
    with pytest.raises(SteepestTypeError, match="pair"):
        check_range("abc", "f: r")
    with pytest.raises(SteepestError, match="low < high"):
        check_range((2, 1), "f: r")
    with pytest.raises(SteepestError, match=r"f: r\[1\] must be a finite number"):
        check_range((0, float("nan")), "f: r")


def test_check_choice():
    assert check_choice("stop", "f: mode", ("stop", "raise")) == "stop"
    with pytest.raises(SteepestError, match="must be one of 'stop', 'raise'; got 'x'"):
        check_choice("x", "f: mode", ("stop", "raise"))
    with pytest.raises(SteepestError):
        check_choice(True, "f: flag", (1, 2))  # True == 1, but it is not the option 1


def test_check_array_locates_the_first_nan():
    X = np.ones((4, 3))
    X[2, 1] = np.nan
    X[3, 0] = np.inf
    with pytest.raises(SteepestError, match=r"X contains NaN at row 2, column 1 \(2 non-finite"):
        check_array(X, "X")
    assert first_nonfinite(np.array([1.0, -np.inf])) == "-inf at index 1"
    assert first_nonfinite(np.ones(3)) is None
    with pytest.raises(SteepestError, match=r"must be 2-D, got shape \(3,\)"):
        check_array([1, 2, 3], "X", ndim=2)
    with pytest.raises(SteepestError, match="is empty"):
        check_array([], "x0")
    with pytest.raises(SteepestTypeError, match="array of numbers"):
        check_array(["a", "b"], "X", dtype=None)
    assert check_array(st.tensor([1.0, 2.0]), "x").tolist() == [1.0, 2.0]


def test_check_float_dtype():
    assert check_float_dtype("float32", "MLP: dtype") == np.float32
    with pytest.raises(SteepestError, match=r"floating-point dtype.*got int64"):
        check_float_dtype(np.int64, "MLP: dtype")


def test_check_size_refuses_before_allocating():
    assert check_size((10, 10), 8, "a grid") == 800
    with pytest.raises(SteepestError, match=r"a grid would need 7.28 TiB of memory"):
        check_size((10**6, 10**6), 8, "a grid", limit=1 << 30)
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(12) == "12 B"


def test_check_size_limit_from_environment(monkeypatch):
    monkeypatch.setenv("STEEPEST_MAX_BYTES", "1000")
    with pytest.raises(SteepestError, match="STEEPEST_MAX_BYTES"):
        check_size((200,), 8, "weights")


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("old")
    with atomic_write(path, "w") as fh:
        fh.write("new")
    assert path.read_text() == "new"
    assert os.listdir(tmp_path) == ["report.html"]


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"good")
    for exc in (OSError(28, "No space left on device"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), atomic_write(path) as fh:
            fh.write(b"half")
            raise exc
        assert path.read_bytes() == b"good"
        assert os.listdir(tmp_path) == ["model.npz"]


def test_atomic_write_permissions(tmp_path):
    new = tmp_path / "new.txt"
    with atomic_write(new, "w") as fh:
        fh.write("x")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o640)
    with atomic_write(old, "w") as fh:
        fh.write("y")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
