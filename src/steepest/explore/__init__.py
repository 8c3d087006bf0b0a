"""``steepest explore``: a live explorer in the browser, served by Dash on 127.0.0.1.

Three views — the **descent lab** (a problem, an optimizer, η on a log slider with the
optimizer's stability limit marked, the path live on the contour map and the 3-D surface, the
diagnosis in words, a step scrubber linking every view), the **network playground** (toy data or
your CSV, a network trained step by step, its decision boundary, losses, weights and gradient
norms) and the **landscape** of a model saved with ``model.save()``. Every number is computed by
steepest in Python; the browser only draws. Assets are served by the app itself (no CDN), so it
works offline; each tab has its own state, and the URL holds the view's settings.

In a notebook ``steepest.explore()`` shows the app inline below the cell; in a script (or
``steepest explore`` in a shell) it serves on http://127.0.0.1:8050 and opens the browser.

Needs the ``explore`` extra: ``pip install 'steepest[explore]'``.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .uploads import MAX_UPLOAD_BYTES

#: the port `steepest explore` serves on unless told otherwise (--port)
DEFAULT_PORT = 8050


def create_app() -> Any:
    """A new explorer app (a ``dash.Dash``; ``app.server`` is its Flask server)."""
    from .app import create_app as _create
    return _create()


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None else None
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def explore(port: int = DEFAULT_PORT, *, host: str = "127.0.0.1", open_browser: bool = True,
            jupyter: bool | None = None, height: int = 900) -> Any:
    """Start the explorer. In a Jupyter notebook (``jupyter=None`` detects it) the app runs
    inline below the cell and the call returns the app; elsewhere it serves on
    ``http://host:port`` until Ctrl-C, opening the browser unless ``open_browser=False``.
    ``host`` stays 127.0.0.1 (this machine only) unless you choose otherwise."""
    from ._dash import require_dash
    require_dash()
    app = create_app()
    if jupyter if jupyter is not None else _in_notebook():
        app.run(jupyter_mode="inline", host=host, port=port, jupyter_height=height)
        return app
    url = f"http://{host}:{port}/"
    if open_browser:
        import threading
        import webbrowser
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    print(f"steepest explore: serving on {url} (Ctrl-C to stop)")
    app.run(host=host, port=port, debug=False)
    return app


class _CallableModule(types.ModuleType):
    """``steepest.explore()`` calls :func:`explore` whether ``steepest.explore`` is reached as
    this package (after ``import steepest.explore``) or as the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return explore(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["DEFAULT_PORT", "MAX_UPLOAD_BYTES", "create_app", "explore"]
