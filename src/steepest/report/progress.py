"""Terminal progress for long runs: one line per step with its timing, updated in place on a
terminal and printed plainly (one line each) when the output is a file or a CI log."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Announce ``total`` numbered steps on ``stream`` (stderr by default).

    >>> import io
    >>> out = io.StringIO()
    >>> p = Progress(2, stream=out)
    >>> with p.step("first"):
    ...     pass
    >>> out.getvalue().startswith("[1/2] first")
    True
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.done = 0
        self.start = time.perf_counter()
        self.timings: list[tuple[str, float]] = []
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """Time one step; prints ``[k/total] label … 1.2 s`` (``failed`` if it raises)."""
        k = self.done + 1
        head = f"[{k}/{self.total}] {label}"
        if self.enabled and self._tty:
            self.stream.write(f"{head} …")
            self.stream.flush()
        t0 = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            dt = time.perf_counter() - t0
            self.done = k
            self.timings.append((label, dt))
            if self.enabled:
                status = f"{dt:5.1f} s" if ok else "failed"
                line = f"{head} {'.' * max(2, 52 - len(head))} {status}"
                self.stream.write(("\r" if self._tty else "") + line + "\n")
                self.stream.flush()

    @property
    def elapsed(self) -> float:
        """Seconds since the progress display was created."""
        return time.perf_counter() - self.start
