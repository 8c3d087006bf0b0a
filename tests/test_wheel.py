"""The wheel installs clean: built from this checkout, installed with the ``report`` extra into a
fresh virtual environment (no system site-packages, nothing of this checkout on its path), it
runs ``steepest --version``, ``steepest tour --quick`` and the README's quickstart. This catches
files missing from the package and dependencies missing from its metadata."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import steepest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run(*cmd: object, cwd: Path, timeout: float = 600) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, check=False,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def build_flags() -> list[str]:
    """Build with this interpreter's setuptools when it is recent enough (no download of a build
    environment), else in pip's isolated build environment."""
    try:
        major = int(importlib.metadata.version("setuptools").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return []
    return ["--no-build-isolation"] if major >= 77 else []


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel (and its report extra) installed; returns its bin folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", *build_flags(), "-w", tmp / "dist",
        ROOT, cwd=tmp)
    wheels = list((tmp / "dist").glob("steepest-*.whl"))
    assert len(wheels) == 1, wheels
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(tmp / "venv")
    bin_dir = tmp / "venv" / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "-q", f"{wheels[0]}[report]", cwd=tmp)
    return bin_dir


def test_the_wheel_carries_the_version_and_the_command(installed, tmp_path):
    out = run(installed / "steepest", "--version", cwd=tmp_path)
    assert out.strip() == f"steepest {steepest.__version__}"
    where = run(installed / "python", "-c", "import steepest; print(steepest.__file__)",
                cwd=tmp_path)
    assert str(ROOT) not in where and "site-packages" in where


def test_the_tour_runs_from_the_wheel(installed, tmp_path):
    run(installed / "steepest", "tour", "--quick", "--quiet", "--out", tmp_path / "tour",
        cwd=tmp_path)
    page = (tmp_path / "tour" / "index.html").read_text()
    assert "plotly" in page.lower()  # the report extra's interactive surfaces made it in
    assert len(page) > 100_000


def test_the_readme_quickstart_runs_from_the_wheel(installed, tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert blocks
    script = tmp_path / "quickstart.py"
    script.write_text("\n".join(blocks) + "\nassert bad.status == 'diverged'\n")
    run(installed / "python", script, cwd=tmp_path)
    assert (tmp_path / "descent.gif").stat().st_size > 0
