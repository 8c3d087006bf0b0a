"""Ctrl-C that is never lost.

Python delivers SIGINT as a ``KeyboardInterrupt`` raised wherever the main thread happens to be.
When that is inside a weakref callback, a ``__del__`` or a garbage-collector pass (matplotlib
closes figures through weakref callbacks), Python prints "Exception ignored in …" and carries
on: the interrupt is swallowed and a long run finishes as if nothing happened. Inside
:func:`interruptible`, SIGINT still raises ``KeyboardInterrupt`` at once, and is also
remembered, so :func:`checkpoint` — called at safe points, e.g. after each block of a report —
raises it again if it was swallowed, and so does leaving the block.

>>> with interruptible():
...     checkpoint()   # nothing pending: returns
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class _State:
    depth = 0          # nesting of interruptible() blocks (handler installed at depth 1)
    pending = False    # a SIGINT arrived since the outermost block began


def _handler(signum: int, frame: FrameType | None) -> None:
    _State.pending = True
    raise KeyboardInterrupt


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """While active (in the main thread), every Ctrl-C raises ``KeyboardInterrupt`` and is
    remembered until the outermost block ends; a swallowed one is raised again by
    :func:`checkpoint` and on leaving the block. Elsewhere than the main thread it does
    nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    outermost = _State.depth == 0
    previous = signal.getsignal(signal.SIGINT)
    if outermost:
        _State.pending = False
        signal.signal(signal.SIGINT, _handler)
    _State.depth += 1
    try:
        yield
        checkpoint()
    finally:
        _State.depth -= 1
        if outermost:
            signal.signal(signal.SIGINT, previous)


def checkpoint() -> None:
    """Raise ``KeyboardInterrupt`` if Ctrl-C was pressed inside :func:`interruptible` (a
    no-op outside one, or when none was)."""
    if _State.depth and _State.pending:
        raise KeyboardInterrupt


__all__ = ["checkpoint", "interruptible"]
