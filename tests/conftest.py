"""Fixtures shared by several test files."""

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory) -> Path:
    """``steepest tour --quick --figures`` run once per test session, as a user runs it (shared
    by test_browser.py and test_tour.py); its stdout and stderr are kept beside the page."""
    out = tmp_path_factory.mktemp("quick-tour")
    proc = subprocess.run([sys.executable, "-m", "steepest.cli", "tour", "--quick", "--figures",
                           "--out", str(out)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    (out / "stdout.txt").write_text(proc.stdout, encoding="utf-8")
    (out / "stderr.txt").write_text(proc.stderr, encoding="utf-8")
    return out / "index.html"
