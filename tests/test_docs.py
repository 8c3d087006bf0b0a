"""The API reference's check (docs/_ext/steepest_api.py) finds every undocumented public name,
and steepest has none — the same check the docs build runs, without building the docs."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
import steepest_api

FAKE = '''
"""A module with documented and undocumented public names."""

__all__ = ["LIMIT", "BARE", "Thing", "good", "bad"]

#: the largest value
LIMIT = 10
BARE = 3


class _Base:
    def inherited(self):
        return 1


class Thing(_Base):
    """A thing."""

    def documented(self):
        """Does it."""

    def undocumented(self):
        return 2

    @property
    def size(self):
        return 3

    def _private(self):
        return 4


def good():
    """Documented."""


def bad():
    return None
'''


def test_the_check_names_each_undocumented_public_name(tmp_path, monkeypatch):
    (tmp_path / "fake_api_module.py").write_text(textwrap.dedent(FAKE))
    monkeypatch.syspath_prepend(str(tmp_path))
    section = steepest_api.collect("fake_api_module")
    assert [e.kind for e in section.entries] == ["Constants", "Constants", "Classes",
                                                 "Functions", "Functions"]
    steepest_api.assign_homes([section])
    assert sorted(steepest_api.undocumented([section])) == [
        "fake_api_module.BARE: a public constant without a '#:' comment",
        "fake_api_module.Thing.inherited: a public method without a docstring",
        "fake_api_module.Thing.size: a public method without a docstring",
        "fake_api_module.Thing.undocumented: a public method without a docstring",
        "fake_api_module.bad: a public function without a docstring",
    ]


def test_a_name_exported_twice_is_documented_once_where_it_is_defined():
    sections = [steepest_api.collect(m) for m in ("steepest", "steepest.autodiff")]
    steepest_api.assign_homes(sections)
    top = {e.name: e for e in sections[0].entries}
    assert top["tanh"].home == "steepest.autodiff.tanh"
    assert top["minimize"].home == "steepest.minimize"  # steepest's own page; no deeper listing


def test_steepest_has_no_undocumented_public_name():
    sections = [steepest_api.collect(m) for m in steepest_api.PUBLIC_MODULES]
    steepest_api.add_returned(sections)
    steepest_api.assign_homes(sections)
    assert steepest_api.problems(sections) == []
