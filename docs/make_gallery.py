"""Regenerate the README's gallery (docs/gallery/*.png) from the tour's own figures.

    python docs/make_gallery.py

Runs ``steepest tour --figures`` in a temporary folder and copies the chosen figures here, so the
README shows exactly what the library draws.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "gallery"
CHOSEN = {  # tour figure → README name
    "01-tangent-and-secants.png": "tangent.png",
    "03-gd-on-the-surface.png": "loss-surface.png",
    "04-three-learning-rates.png": "learning-rates.png",
    "04-oscillation.png": "oscillation.png",
    "05-optimizer-paths.png": "optimizers.png",
    "06-network-diagram.png": "network.png",
    "06-computation-graph.png": "computation-graph.png",
    "07-landscape-path.png": "landscape.png",
    "07-landscape-surface.png": "landscape-surface.png",
}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "steepest.cli", "tour", "--quiet", "--figures",
                        "--out", tmp], check=True)
        HERE.mkdir(parents=True, exist_ok=True)
        for src, dst in CHOSEN.items():
            shutil.copyfile(Path(tmp) / "figures" / src, HERE / dst)
            print(f"docs/gallery/{dst}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
