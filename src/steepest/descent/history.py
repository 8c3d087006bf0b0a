"""The history recorder: arrays that grow by doubling, so recording costs O(1) amortised per step.

A driver writes row k of every column directly (``rec.loss[k] = f``, no method call per step)
and calls :meth:`Recorder.grow` when the arrays are full; :meth:`Recorder.take` returns the rows
written as right-sized copies. :class:`History` is what ``minimize`` returns them as.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class Recorder:
    """Columns ``names`` of floats, each ``(capacity,)`` or ``(capacity, width)``.

    ``Recorder({"x": n, "loss": None}, capacity)``: ``rec.x`` is (capacity, n), ``rec.loss``
    (capacity,). ``size`` is the number of rows written (the driver keeps it up to date).
    """

    def __init__(self, columns: dict[str, int | None], capacity: int):
        self.columns = dict(columns)
        self.capacity = max(2, int(capacity))
        self.size = 0
        self.arrays = {name: np.empty(self._shape(name)) for name in self.columns}

    def _shape(self, name: str) -> tuple[int, ...]:
        width = self.columns[name]
        return (self.capacity,) if width is None else (self.capacity, width)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["arrays"][name]
        except KeyError:
            raise AttributeError(name) from None

    def grow(self) -> int:
        """Double the capacity, keeping the rows written; returns the new capacity."""
        self.capacity *= 2
        self.arrays = {name: np.resize(a, self._shape(name)) for name, a in self.arrays.items()}
        return self.capacity

    def take(self, name: str) -> np.ndarray:
        """A copy of the ``size`` rows of column ``name``."""
        return self.arrays[name][:self.size].copy()


@dataclass
class History:
    """Everything ``minimize`` recorded; row k is iterate k (row 0 is x0).

    ``x`` (nit+1, n), ``loss``, ``grad_norm`` and ``lr`` (nit+1,): ``lr[k]`` is the rate used
    for the step from x_k to x_{k+1} (for the last row, the rate the next step would use; with a
    line search, the accepted step size). ``backoffs`` lists the steps k at which the learning
    rate was halved (on_divergence="backoff").
    """

    x: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    lr: np.ndarray
    backoffs: list[int] = field(default_factory=list)

    @classmethod
    def from_recorder(cls, rec: Recorder, backoffs: list[int]) -> History:
        """The arrays a :class:`Recorder` collected, trimmed to the rows written."""
        return cls(rec.take("x"), rec.take("loss"), rec.take("grad_norm"), rec.take("lr"),
                   list(backoffs))

    def __len__(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        return (f"History({len(self)} rows, x: {self.x.shape}, loss {self.loss[0]:.4g} → "
                f"{self.loss[-1]:.4g}, backoffs={self.backoffs})")


__all__ = ["History", "Recorder"]
