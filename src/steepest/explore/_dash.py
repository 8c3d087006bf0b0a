"""Dash, imported on demand with a clear error naming the extra that carries it."""

from __future__ import annotations

from typing import Any


def require_dash() -> Any:
    """The ``dash`` module, or an ImportError saying ``pip install 'steepest[explore]'``."""
    try:
        import dash
    except ImportError as exc:
        raise ImportError("steepest explore needs Dash: pip install 'steepest[explore]'") \
            from exc
    return dash
