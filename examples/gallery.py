"""Run every example of the gallery (``examples/gallery/plot_*.py``) and save its figures.

    python examples/gallery.py [OUT] [-k TEXT]

OUT defaults to ``gallery/``; each script's figures are written as ``OUT/<script>.png`` (then
``-2``, ``-3`` … when a script draws several). The scripts are the ones the documentation's
gallery renders, so there is one copy of each figure's code. The animations play in the tour
(``steepest tour``), and ``steepest descend`` writes its run as a GIF.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

SCRIPTS = Path(__file__).resolve().parent / "gallery"


def run_script(script: Path, out: Path) -> list[Path]:
    """Run one gallery script and save the figures it left open (then close them)."""
    plt.close("all")
    runpy.run_path(str(script), run_name="__main__")
    written = []
    for k, num in enumerate(plt.get_fignums()):
        path = out / f"{script.stem}{'' if k == 0 else f'-{k + 1}'}.png"
        plt.figure(num).savefig(path, dpi=110, bbox_inches="tight", facecolor="white")
        written.append(path)
    plt.close("all")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="gallery", type=Path)
    parser.add_argument("-k", default="", help="only scripts whose name contains this text")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for script in sorted(SCRIPTS.glob("plot_*.py")):
        if args.k in script.name:
            for path in run_script(script, args.out):
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
