"""Sharpness against 2/η above the training loss (Cohen et al. 2021, Figure 1): the edge of
stability, from ``nn.fit(..., track_sharpness=k)`` histories."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import Display, named
from ._history import CURVE_COLORS


@dataclass(repr=False, eq=False)
class SharpnessDisplay(Display):
    """Sharpness curves ready to draw, {label: array} per run: ``.steps`` (where it was
    measured), ``.sharpness`` λ_max(H), ``.threshold`` (2/η, (2 + 2β)/η for momentum, …),
    ``.preconditioned`` λ_max(P⁻¹H) (Adam/RMSprop runs only), ``.loss`` per step and
    ``.threshold_names`` ("2/η (η = 0.1)"). After :meth:`plot`: ``.ax`` (the sharpness
    panel), ``.loss_ax``, ``.figure``."""

    steps: dict[str, np.ndarray]
    sharpness: dict[str, np.ndarray]
    threshold: dict[str, np.ndarray]
    preconditioned: dict[str, np.ndarray]
    loss: dict[str, np.ndarray]
    threshold_names: dict[str, str]
    loss_ax: Any = field(default=None, init=False)

    @classmethod
    def from_histories(cls, runs: Any) -> SharpnessDisplay:
        """The tracked series of each history (one, a list or {label: history})."""
        steps, lam, thr, pre, loss, names = {}, {}, {}, {}, {}, {}
        for label, run in named(runs, "run").items():
            steps[label], lam[label], thr[label], p = _series(run, label)
            if p is not None:
                pre[label] = p
            loss[label] = np.asarray(run.step_loss, dtype=float)
            names[label] = _threshold_name(run)
        return cls(steps, lam, thr, pre, loss, names)

    def plot(self, fig: Any = None, *, log_loss: bool = True,
             title: str = "Sharpness λ_max against the stability threshold 2/η"
             ) -> SharpnessDisplay:
        """Two panels of ``fig`` (a new pyplot figure if None) sharing the step axis: each
        run's sharpness solid with its threshold dashed in the same colour (the preconditioned
        sharpness dotted), and below the training loss per step (``log_loss``: log scale)."""
        import matplotlib.pyplot as plt
        if fig is None:
            fig = plt.figure(figsize=(7.5, 6.5))
        ax, loss_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        for i, label in enumerate(self.steps):
            color = CURVE_COLORS[i % len(CURVE_COLORS)]
            steps = self.steps[label]
            ax.plot(steps, self.sharpness[label], "-", color=color, lw=1.8,
                    label=f"{label}: λ_max(H)")
            if label in self.preconditioned:
                ax.plot(steps, self.preconditioned[label], ":", color=color, lw=1.8,
                        label=f"{label}: λ_max(P⁻¹H)")
            ax.step(steps, self.threshold[label], "--", where="post", color=color, lw=1.2,
                    alpha=0.8, label=f"{label}: {self.threshold_names[label]}")
            loss = self.loss[label]
            loss_ax.plot(np.arange(1, loss.size + 1), loss, "-", color=color, lw=1.2,
                         label=label)
        top = max(np.nanmax(np.concatenate([self.sharpness[k], self.threshold[k]]))
                  for k in self.steps)
        ax.set_ylim(0, 1.15 * top)
        ax.set_ylabel("sharpness", fontsize=12)
        ax.set_title(title, fontsize=13)
        ax.legend(fontsize=9)
        ax.grid(True, alpha=0.3)
        if log_loss:
            loss_ax.set_yscale("log")
        loss_ax.set_xlabel("step", fontsize=12)
        loss_ax.set_ylabel("training loss", fontsize=12)
        loss_ax.grid(True, alpha=0.3)
        self.ax, self.loss_ax = ax, loss_ax
        return self


def _series(run: Any, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    steps = getattr(run, "sharpness_steps", None)
    if steps is None:
        raise ValueError(f"plot.sharpness: run {label!r} has no sharpness; train it with "
                         f"nn.fit(..., track_sharpness=k)")
    pre = getattr(run, "preconditioned_sharpness", None)
    return (np.asarray(steps, dtype=float), np.asarray(run.sharpness, dtype=float),
            np.asarray(run.sharpness_threshold, dtype=float),
            None if pre is None else np.asarray(pre, dtype=float))


def sharpness(runs: Any, *, fig: Any = None, log_loss: bool = True,
              title: str = "Sharpness λ_max against the stability threshold 2/η"
              ) -> SharpnessDisplay:
    """Two panels sharing the step axis: on top the sharpness λ_max of each run (solid) with
    its stability threshold dashed in the same colour — 2/η for GD, (2 + 2β)/η for momentum,
    stepping with a schedule; for Adam/RMSprop the threshold applies to the preconditioned
    sharpness λ_max(P⁻¹H), drawn too (dotted) — and below the training loss per step.
    ``runs``: a history from ``nn.fit(..., track_sharpness=k)``, a list of them or
    {label: history}; one colour per run (e.g. per learning rate)."""
    return SharpnessDisplay.from_histories(runs).plot(fig, log_loss=log_loss, title=title)


def _threshold_name(run: Any) -> str:
    lr = np.asarray(getattr(run, "sharpness_lr", [np.nan]), dtype=float)
    thr = np.asarray(run.sharpness_threshold, dtype=float)
    scheduled = lr.size > 1 and not np.allclose(lr, lr[0])
    ratio = thr[np.isfinite(thr)] * lr[np.isfinite(thr)]
    c = float(np.median(ratio)) if ratio.size else 2.0
    eta = "η(t)" if scheduled else f"η (η = {lr[0]:.3g})"
    return f"{c:.3g}/{eta}"


__all__ = ["SharpnessDisplay", "sharpness"]
