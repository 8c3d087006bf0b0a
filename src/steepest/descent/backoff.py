"""Backoff: when a run diverges, halve the learning rate and resume from its best point.

``minimize(..., on_divergence="backoff")`` asks :meth:`Backoff.rewind` where to resume — the row
of the lowest loss recorded so far (before the rise that diverged), discarding the rows after it
— and multiplies every later learning rate by ``scale``, halved at each backoff, at most
:data:`MAX_BACKOFFS` times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: at most this many halvings of the learning rate
MAX_BACKOFFS = 60


@dataclass
class Backoff:
    """The halvings so far: ``scale`` = 2^−(number of backoffs); ``steps`` the rows resumed
    from."""

    scale: float = 1.0
    steps: list[int] = field(default_factory=list)
    limit: int = MAX_BACKOFFS

    @property
    def exhausted(self) -> bool:
        """True once ``limit`` halvings have been spent."""
        return len(self.steps) >= self.limit

    def rewind(self, losses: np.ndarray, upto: int) -> int:
        """Halve the rate and return the row to resume from: the lowest finite loss among rows
        0 … ``upto``."""
        seen = np.where(np.isfinite(losses[:upto + 1]), losses[:upto + 1], np.inf)
        row = int(np.argmin(seen))
        self.scale *= 0.5
        self.steps.append(row)
        return row


__all__ = ["MAX_BACKOFFS", "Backoff"]
