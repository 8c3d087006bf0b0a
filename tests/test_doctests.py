"""Every ``>>>`` example in the package runs and prints what its docstring says (issue 16).

Equivalent to ``python -m pytest --doctest-modules src/steepest`` but part of the ordinary suite
(``python -m pytest -q``), one test per module that has examples: the modules are found by
reading the sources, so only those are imported; figures are drawn with Agg and closed, and each
module's examples run in a fresh temporary directory (nothing is written into the checkout).
"""

import doctest
import importlib
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "steepest"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules_with_examples() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = path.relative_to(SRC).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = _modules_with_examples()


def test_the_examples_are_found():
    """The scan sees the examples (a scan that found none would pass every module vacuously)."""
    assert len(MODULES) >= 15 and "steepest.minimize" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    assert tests, f"{name} has '>>>' in its source but no example doctest can find"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    import matplotlib.pyplot as plt

    try:
        for test in tests:
            runner.run(test)
    finally:
        plt.close("all")
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
