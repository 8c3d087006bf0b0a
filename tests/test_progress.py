"""Progress bars: shown only when asked for, and every one from :mod:`steepest._progress`."""

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import steepest as st
from steepest._progress import progress_bar

SRC = Path(st.__file__).parent


def test_tqdm_is_imported_only_by_the_shared_helper():
    importers = sorted(p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")
                       if re.search(r"^\s*(from|import) tqdm\b", p.read_text(encoding="utf-8"),
                                    flags=re.MULTILINE))
    assert importers == ["_progress.py"]


def _functions():
    """Every function and method defined in steepest, with its qualified name."""
    for info in pkgutil.walk_packages(st.__path__, "steepest."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield obj
            elif inspect.isclass(obj):
                yield from (f for f in vars(obj).values() if inspect.isfunction(f))


def test_no_function_shows_progress_by_default():
    """``progress`` defaults to False, or None where it defers to an object's own (an
    Animation's, itself False by default) — never True."""
    defaults = {f.__qualname__: inspect.signature(f).parameters["progress"].default
                for f in _functions() if "progress" in inspect.signature(f).parameters}
    assert "surface_2d" in defaults and "fit" in defaults  # the walk found the library
    assert not [name for name, d in defaults.items() if d is True]


def _quadratic(theta):
    return float(theta @ theta)


def _fit():
    X, y = st.datasets.xor(32, seed=0)
    net = st.nn.MLP(2, [4, 1], seed=0)
    st.nn.fit(net, X, y, loss="bce_with_logits", optimizer=st.optim.Adam(net.parameters()),
              epochs=3)


def _animation():
    anim = st.animate.secant(st.problems.Quadratic1D(), -2.0, [1.0, 0.5], figsize=(2, 2),
                             dpi=30)
    list(anim.iter_frames())


@pytest.mark.parametrize("call", [
    lambda: st.landscape.surface_2d(_quadratic, theta=np.ones(4), resolution=(3, 4)),
    _fit,
    lambda: st.curvature.trainability_map(*st.datasets.moons(20, noise=0.1, seed=0),
                                          resolution=3, steps=5),
    _animation,
    lambda: st.minimize(st.problems.Quadratic1D(), [1.0], st.optim.GD(lr=0.1), max_steps=20),
], ids=["surface_2d", "fit", "trainability_map", "animation", "minimize"])
def test_library_calls_write_nothing_to_stderr_by_default(call, capfd):
    call()
    assert capfd.readouterr().err == ""


def test_without_tqdm_a_requested_bar_is_silent(monkeypatch, capfd):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # `from tqdm.auto import …` fails
    with progress_bar(3, "demo", "step", enabled=True) as bar:
        bar.update(3)
    assert bar.n == 3 and capfd.readouterr().err == ""
