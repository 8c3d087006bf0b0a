"""The README's Python quickstart runs as written (so it cannot rot)."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python code block"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    assert namespace["bad"].status == "diverged"
    assert namespace["bad"].diverged_at == 12  # the step the quickstart's comment states
    assert namespace["rescued"].success
    assert (tmp_path / "descent.gif").stat().st_size > 0
    import matplotlib.pyplot as plt

    plt.close("all")
