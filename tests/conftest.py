"""Fixtures shared by several test files."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: Debian's chromium (installed by .ci/run), driven by the Playwright package: no browser download
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# flags that keep chromium quiet and offline-friendly on CI machines without a GPU or network
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module (skips where chromium or Playwright is missing)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


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
