"""The learning-rate range test's figure (Smith 2017): the loss against η on a log axis, from an
:class:`~steepest.nn.lr_find.LRFinder` (``nn.lr_find``); ``finder.plot(...)`` is
``LRFinderDisplay.from_finder(finder).plot(...)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Display, new_axes


@dataclass(repr=False, eq=False)
class LRFinderDisplay(Display):
    """The sweep ready to draw: ``lrs``, raw ``losses`` and ``smoothed`` losses per step, the
    rates marked — ``suggested_lr``, ``blowup_lr`` (None: it never blew up) and ``lr_limit``
    (the stability limit at the start, None when not measured, named ``limit_formula``).
    After :meth:`plot`: ``ax``, ``figure``."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggested_lr: float
    blowup_lr: float | None
    lr_limit: float | None
    limit_formula: str

    @classmethod
    def from_finder(cls, finder: Any) -> LRFinderDisplay:
        """The series and marked rates of an ``nn.lr_find`` result."""
        return cls(finder.lrs, finder.losses, finder.smoothed, finder.suggested_lr,
                   finder.blowup_lr, finder.lr_limit, finder.limit_formula)

    def plot(self, ax: Any = None, *, title: str = "Learning-rate range test"
             ) -> LRFinderDisplay:
        """Loss against η (log axis) on ``ax`` (new axes if None): raw steps faint, smoothed
        solid; the suggestion, the blow-up point and the stability limit at the start marked."""
        ax = self.ax = new_axes(ax, figsize=(7, 4.5))
        ok = np.isfinite(self.losses)
        ax.plot(self.lrs[ok], self.losses[ok], ".", color="tab:blue", alpha=0.25, ms=3,
                label="loss per step")
        ax.plot(self.lrs, self.smoothed, "-", color="tab:blue", lw=2, label="smoothed")
        self._mark_rates(ax)
        ax.set_xscale("log")
        finite = self.smoothed[np.isfinite(self.smoothed)]
        if finite.size:
            lo, hi = float(finite.min()), float(self.smoothed[0])
            ax.set_ylim(lo - 0.1 * (hi - lo + 1e-12), max(hi, lo) + 0.6 * (hi - lo + 1e-12))
        ax.set_xlabel("learning rate η", fontsize=12)
        ax.set_ylabel("training loss", fontsize=12)
        ax.set_title(title, fontsize=13)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
        return self

    def _mark_rates(self, ax: Any) -> None:
        """Vertical lines at the suggestion, the blow-up point and the stability limit."""
        ax.axvline(self.suggested_lr, color="tab:green", lw=1.8,
                   label=f"suggested η = {self.suggested_lr:.3g} (minimum ÷ 10)")
        if self.blowup_lr is not None:
            ax.axvline(self.blowup_lr, color="tab:red", lw=1.5,
                       label=f"blows up at η = {self.blowup_lr:.3g}")
        if self.lr_limit is not None:
            ax.axvline(self.lr_limit, color="0.3", ls="--", lw=1.5,
                       label=f"{self.limit_formula} at the start = {self.lr_limit:.3g}")


__all__ = ["LRFinderDisplay"]
