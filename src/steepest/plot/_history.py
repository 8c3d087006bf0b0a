"""Training curves: loss per iteration, the path of the parameters, gradient norm, learning rate —
for ``Result`` objects of ``steepest.minimize``, ``nn.fit`` histories, or plain arrays."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._base import (
    BETA_LABELS,
    LOSS_LABEL,
    Display,
    diverged_at,
    named,
    new_axes,
    path_of,
    series_of,
    to_numpy,
)

#: the colours of runs in curve plots, in order (pass them as ``contour(..., colors=)`` to
#: match a contour map to a loss plot beside it)
CURVE_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown",
                "tab:pink", "tab:cyan")


@dataclass(repr=False, eq=False)
class CurveDisplay(Display):
    """Per-step curves ready to draw, one per run: ``.data`` {label: values up to the
    divergence step}, ``.x`` {label: step or epoch of every recorded value}, ``.diverged``
    {label: step or None}, ``.validation`` {label: validation values}, ``.backoffs`` {label:
    [(step, [rates from the first tried to the one kept]), …]} (learning-rate plots), and the
    axis text ``.ylabel``, ``.title``, ``.xlabel``; ``.labelled``: the runs were named, so
    even one gets a legend entry. After :meth:`plot`: ``.ax``, ``.lines`` {label: Line2D}."""

    data: dict[str, np.ndarray]
    x: dict[str, np.ndarray]
    diverged: dict[str, int | None]
    ylabel: str = LOSS_LABEL
    title: str = ""
    xlabel: str = "Iteration"
    validation: dict[str, np.ndarray] = field(default_factory=dict)
    backoffs: dict[str, list[tuple[int, list[float]]]] = field(default_factory=dict)
    labelled: bool = True
    lines: dict[str, Any] = field(default_factory=dict, init=False)

    @classmethod
    def from_runs(cls, runs: Any, attr: str = "loss", *, fun: Any = None,
                  validation: bool = False, ylabel: str = LOSS_LABEL, title: str | None = None,
                  what: str = "Loss") -> CurveDisplay:
        """``history.<attr>`` of each run (or ``fun`` at its iterates) against the iteration
        (the epoch for training histories), cut at the divergence step; with ``validation``
        the run's finite ``val_<attr>``; for ``attr="lr"`` the rates each backoff halved."""
        named_runs = named(runs, attr)
        data, xs, div, val, per_epoch = {}, {}, {}, {}, False
        for label, run in named_runs.items():
            y = _series(run, attr, "runs", fun)
            x = np.arange(y.size, dtype=float)
            epochs = getattr(run, "epoch", None)
            if getattr(run, "history", None) is None and epochs is not None \
                    and np.size(epochs) == y.size:  # a training history: one row per epoch
                x, per_epoch = np.asarray(epochs, dtype=float).ravel(), True
            step = diverged_at(run, y)
            finite = np.isfinite(y)
            end = y.size if finite.all() else int(np.argmin(finite))
            data[label], xs[label], div[label] = y[:end if step is None else min(end, step + 1)], \
                x, step
            v = getattr(run, f"val_{attr}", None) if validation else None
            if v is not None and np.isfinite(to_numpy(v)).any():
                val[label] = to_numpy(v).ravel()[: x.size]
        chains = {k: c for k, c in ((k, _backoff_chains(r)) for k, r in named_runs.items()) if c} \
            if attr == "lr" else {}
        return cls(data, xs, div, ylabel, _title(title, what, named_runs, attr),
                   "Epoch" if per_epoch else "Iteration", val, chains,
                   next(iter(named_runs)) != attr)

    def plot(self, ax: Any = None, *, log: bool = True, style: str = ".-") -> CurveDisplay:
        """Draw on ``ax`` (new if None): each curve in its colour (:data:`CURVE_COLORS`), its
        divergence marked (✕ on the last finite value, a dashed line at the step), validation
        dashed, backoffs as ✕ on dotted drops; ``log`` y axis."""
        ax = self.ax = new_axes(ax, figsize=(6, 4.5))
        self.lines = {}
        for i, (label, y) in enumerate(self.data.items()):
            color = CURVE_COLORS[i % len(CURVE_COLORS)]
            x, step = self.x[label], self.diverged[label]
            (self.lines[label],) = ax.plot(x[:y.size], y, style, color=color, label=label,
                                           ms=3, lw=1.4)
            if step is not None and step < x.size:
                ax.axvline(x[min(step, x.size - 1)], color=color, ls="--", lw=1)
                if y.size > 0:
                    ax.plot(x[y.size - 1], y[-1], "X", ms=11, color=color, mec="k", zorder=5,
                            label=f"diverged at step {step}")  # its colour names the run
            if label in self.validation:
                v = self.validation[label]
                ax.plot(x[: v.size], v, "--", color=color, lw=1.4, label=f"{label} (validation)")
        if log:
            ax.set_yscale("log")
        ax.set_xlabel(self.xlabel, fontsize=13)
        ax.set_ylabel(self.ylabel, fontsize=13)
        ax.set_title(self.title, fontsize=14)
        ax.grid(True, which="major", alpha=0.3)
        if len(ax.get_legend_handles_labels()[1]) > 1 or self.labelled:
            ax.legend(fontsize=10)
        if self.backoffs:
            self._plot_backoffs(ax)
        return self

    def _plot_backoffs(self, ax: Any) -> None:
        for i, label in enumerate(self.data):
            chains = self.backoffs.get(label)
            if not chains:
                continue
            color = CURVE_COLORS[i % len(CURVE_COLORS)]
            for step, rates in chains:
                ax.plot([step] * len(rates), rates, ":", color=color, lw=1.2)
            steps = [s for s, rates in chains for _ in rates[:-1]]
            tried = [r for _, rates in chains for r in rates[:-1]]
            ax.plot(steps, tried, "X", color=color, ms=9, mec="k", mew=0.6, zorder=5,
                    ls="none", label=_backoff_text(chains))
        ax.legend(fontsize=9)


def _series(run: Any, attr: str, name: str, fun: Any) -> np.ndarray:
    """``history.<attr>`` of a run, or ``fun`` at each of its iterates when ``fun`` is given."""
    if fun is None:
        return series_of(run, attr, name)
    from ._base import evaluate
    P = path_of(run, name)
    return evaluate(fun, P) if len(P) else np.zeros(0)


def _title(title: str | None, what: str, runs: dict[str, Any], attr: str) -> str:
    """``title``, else e.g. "Loss per iteration: GD η=0.002" naming a single labelled run."""
    if title is not None:
        return title
    only = next(iter(runs)) if len(runs) == 1 else None
    return f"{what} per iteration" + (f": {only}" if only and only != attr else "")


_GRAD_LABEL = r"$\Vert\nabla\mathcal{L}\Vert$"
_LR_LABEL = r"learning rate $\eta$"


def loss_curve(runs: Any, *, ax: Any = None, log: bool = True, style: str = ".-",
               title: str | None = None, ylabel: str = LOSS_LABEL,
               fun: Any = None) -> CurveDisplay:
    """ℒ per iteration, on a log scale (the lecture's log ℒ plot, with readable values). The
    title names a single labelled run ({"GD η=0.002": result}) unless ``title`` is given.
    ``fun`` (a problem) re-evaluates the loss at each iterate, e.g. the lecture's ‖y − Xβ‖²
    (``datasets.lecture_problem()``) for runs that step on ½‖y − Xβ‖². A
    diverging run is drawn up to its last finite loss and its divergence step is marked (✕ and a
    dashed line; ``Result.diverged_at`` or the first non-finite loss). For an ``nn.fit``
    history the x axis is the epoch and a finite ``val_loss`` is drawn dashed. ``runs``: a
    Result, a history, an array, a list of them or {label: run}."""
    return CurveDisplay.from_runs(runs, "loss", fun=fun, validation=fun is None,
                                  ylabel=ylabel, title=title).plot(ax, log=log, style=style)


def grad_norm(runs: Any, *, ax: Any = None, log: bool = True, style: str = "-",
              title: str | None = None) -> CurveDisplay:
    r"""‖∇ℒ‖ per iteration (``history.grad_norm``), log scale."""
    return CurveDisplay.from_runs(runs, "grad_norm", ylabel=_GRAD_LABEL, title=title,
                                  what="Gradient norm").plot(ax, log=log, style=style)


def learning_rate(runs: Any, *, ax: Any = None, log: bool = False, style: str = "-",
                  title: str | None = None) -> CurveDisplay:
    """The learning rate η per iteration (``history.lr``): schedules, and the halvings of
    ``on_divergence="backoff"`` (``history.backoffs``). The history keeps only the rate each
    step finally used, so the rates that diverged are rebuilt (each halving doubles back): at a
    step halved m times with kept rate η they were 2ᵐη, …, 2η. Each is drawn as ✕ on a dotted
    drop to the kept rate, and the legend reads e.g. "η 0.02 → 0.01 → 0.005 at step 0".
    ``.backoffs`` {label: [(step, [rates from the first tried to the one kept]), …]}."""
    return CurveDisplay.from_runs(runs, "lr", ylabel=_LR_LABEL, title=title,
                                  what="Learning rate").plot(ax, log=log, style=style)


def _backoff_text(chains: list[tuple[int, list[float]]]) -> str:
    """"η 0.02 → 0.01 → 0.005 at step 0" (long chains and many steps shortened)."""
    def chain(rates: list[float]) -> str:
        shown = [f"{r:.3g}" for r in rates]
        if len(shown) > 5:
            shown = [*shown[:2], f"… ({len(rates) - 1} halvings)", *shown[-1:]]
        return " → ".join(shown)
    if len(chains) <= 2:
        return "; ".join(f"η {chain(rates)} at step {s}" for s, rates in chains)
    n = sum(len(rates) - 1 for _, rates in chains)
    return (f"η halved {n}× at steps {', '.join(str(s) for s, _ in chains)}: "
            f"{chains[0][1][0]:.3g} → {chains[-1][1][-1]:.3g}")


def _backoff_chains(run: Any) -> list[tuple[int, list[float]]]:
    """[(step, [η tried first, …, η kept]), …] for each step where a backoff halved η:
    with m halvings at a step whose recorded rate is η, the rates tried were 2ᵐη, …, 2η."""
    backoffs = getattr(getattr(run, "history", run), "backoffs", None)
    if not backoffs:
        return []
    lr = series_of(run, "lr", "runs")
    steps, counts = np.unique(np.asarray(backoffs, dtype=int), return_counts=True)
    return [(int(k), [float(lr[k]) * 2.0 ** j for j in range(m, -1, -1)])
            for k, m in zip(steps, counts) if k < lr.size]


@dataclass(repr=False, eq=False)
class ParameterPathDisplay(Display):
    """Two parameters against each other, per run: ``.data`` {label: (k, 2) finite points},
    ``.solution`` (2,) or None, ``.labels`` and ``.title``. After :meth:`plot`: ``.ax``,
    ``.lines`` {label: Line2D}; ``.diverged`` is {} (paths are cut at their first non-finite
    point)."""

    data: dict[str, np.ndarray]
    solution: np.ndarray | None = None
    labels: Sequence[str] = BETA_LABELS
    title: str = r"Evolution of $\beta$"
    lines: dict[str, Any] = field(default_factory=dict, init=False)
    diverged: dict[str, int | None] = field(default_factory=dict, init=False)

    @classmethod
    def from_runs(cls, runs: Any, *, dims: tuple[int, int] = (0, 1),
                  labels: Sequence[str] = BETA_LABELS, title: str = r"Evolution of $\beta$",
                  solution: Any = None) -> ParameterPathDisplay:
        """Parameters ``dims`` of each run's iterates, up to the first non-finite one."""
        data = {}
        for label, run in named(runs, "path").items():
            P = path_of(run, "runs")[:, list(dims)]
            finite = np.all(np.isfinite(P), axis=1)
            data[label] = P[: P.shape[0] if finite.all() else int(np.argmin(finite))]
        s = (None if solution is None
             else np.asarray(solution, dtype=float).ravel()[list(dims)])
        return cls(data, s, labels, title)

    def plot(self, ax: Any = None, *, style: str = ".-") -> ParameterPathDisplay:
        """Draw on ``ax`` (new if None), styled as :func:`~steepest.plot.trajectories` keeps
        runs apart; start ○, end □, the solution ★."""
        from ._paths import STAR_ZORDER, path_styles
        ax = self.ax = new_axes(ax, figsize=(6, 4.5))
        self.lines = {}
        for (label, P), st in zip(self.data.items(), path_styles(len(self.data), CURVE_COLORS)):
            color, zo = st["color"], st["zorder"]
            lw = 1.2 if len(self.data) == 1 else st["lw"]
            (self.lines[label],) = ax.plot(P[:, 0], P[:, 1], style, color=color, label=label,
                                           ms=4 + lw - 1.2, lw=lw, zorder=zo)
            if len(P):
                ax.plot(P[0, 0], P[0, 1], "o", ms=st["start_ms"], mfc="white", mec=color,
                        mew=2, zorder=zo + 3)
                ax.plot(P[-1, 0], P[-1, 1], "s", ms=st["end_ms"], mfc="none", mec=color,
                        mew=2.2, zorder=zo + 4)
        if self.solution is not None:
            ax.plot(self.solution[0], self.solution[1], "*", ms=14, color="gold", mec="k",
                    zorder=STAR_ZORDER, label="minimum")
        ax.set_xlabel(self.labels[0], fontsize=13)
        ax.set_ylabel(self.labels[1], fontsize=13)
        ax.set_title(self.title, fontsize=14)
        ax.grid(True, alpha=0.3)
        if len(self.data) > 1 or self.solution is not None:
            ax.legend(fontsize=10)
        return self


def parameter_path(runs: Any, *, ax: Any = None, dims: tuple[int, int] = (0, 1),
                   labels: Sequence[str] = BETA_LABELS, style: str = ".-",
                   title: str = r"Evolution of $\beta$", solution: Any = None
                   ) -> ParameterPathDisplay:
    """Two parameters against each other (the lecture's β₀ vs β₁ plot), start ○ and end □ marked,
    ``solution`` (e.g. the least-squares β̂) as a star on top. Non-finite points are cut off.
    Several runs are kept apart as :func:`steepest.plot.trajectories` keeps them: the first
    drawn widest and lowest, each later one narrower on top, end squares nested."""
    return ParameterPathDisplay.from_runs(runs, dims=dims, labels=labels, title=title,
                                          solution=solution).plot(ax, style=style)


@dataclass(repr=False, eq=False)
class DashboardDisplay(Display):
    """The training panels of one or several runs: ``.panels`` {"loss", "path", "grad_norm",
    "lr": Display}, only those the runs record. After :meth:`plot`: ``.axes`` {name: Axes},
    ``.ax`` (the loss panel), ``.figure``."""

    panels: dict[str, Display]

    @classmethod
    def from_runs(cls, runs: Any, *, labels: Sequence[str] = BETA_LABELS) -> DashboardDisplay:
        """Each panel's data; a series a run does not record leaves its panel out."""
        panels: dict[str, Display] = {"loss": CurveDisplay.from_runs(
            runs, "loss", validation=True, title="Loss")}
        first = next(iter(named(runs, "run").values()))
        if path_of(first).shape[1] >= 2 and getattr(first, "history", None) is not None:
            panels["path"] = ParameterPathDisplay.from_runs(runs, labels=labels,
                                                            title="Parameter path")
        for name, what, ylabel in (("grad_norm", "Gradient norm", _GRAD_LABEL),
                                   ("lr", "Learning rate", _LR_LABEL)):
            with suppress(ValueError, AttributeError):  # the runs do not record it
                panels[name] = CurveDisplay.from_runs(runs, name, ylabel=ylabel, what=what)
        return cls(panels)

    @property
    def axes(self) -> dict[str, Any]:
        """{panel name: Axes} (after :meth:`plot`)."""
        return {k: p.ax for k, p in self.panels.items()}

    def plot(self, fig: Any = None) -> DashboardDisplay:
        """Draw the panels in a 2×2 grid on ``fig`` (a new pyplot figure if None): loss and
        parameter path above, gradient norm and learning rate below."""
        if fig is None:
            import matplotlib.pyplot as plt
            fig = plt.figure(figsize=(11, 8.5), layout="constrained")
        axs = dict(zip(("loss", "path", "grad_norm", "lr"), fig.subplots(2, 2).ravel()))
        for name, ax in axs.items():
            panel = self.panels.get(name)
            if isinstance(panel, CurveDisplay):
                panel.plot(ax, log=name != "lr", style=".-" if name == "loss" else "-")
            elif isinstance(panel, ParameterPathDisplay):
                panel.plot(ax)
            else:
                ax.set_axis_off()
        self.ax = axs["loss"]
        return self


def dashboard(runs: Any, *, fig: Any = None, labels: Sequence[str] = BETA_LABELS
              ) -> DashboardDisplay:
    """Loss, parameter path, gradient norm and learning rate of one or several runs in a 2×2
    figure; panels whose series a run does not record are left out."""
    return DashboardDisplay.from_runs(runs, labels=labels).plot(fig)
