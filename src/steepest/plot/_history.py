"""Training curves: loss per iteration, the path of the parameters, gradient norm, learning rate —
for ``Result`` objects of ``steepest.minimize``, ``nn.fit`` histories, or plain arrays."""

from __future__ import annotations

from collections.abc import Sequence
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
CURVE_COLORS = ["tab:blue", "tab:red", "tab:green", "tab:orange", "tab:purple", "tab:brown",
                "tab:pink", "tab:cyan"]


class CurveDisplay(Display):
    """Drawn curves: ``.ax``, ``.figure``, ``.lines`` {label: Line2D}, ``.data`` {label: values
    drawn}, ``.diverged`` {label: step or None}."""


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


def _curves(runs: Any, attr: str, name: str, *, ax: Any, log: bool, ylabel: str,
            title: str | None, style: str, validation: bool = False, fun: Any = None,
            what: str = "Loss") -> CurveDisplay:
    """One curve per run of ``history.<attr>`` (or of ``fun`` along its path) against the
    iteration (the epoch for training histories), cut at the divergence step, which is
    marked."""
    runs = named(runs, attr)
    ax = new_axes(ax, figsize=(6, 4.5))
    lines, data, div = {}, {}, {}
    per_epoch = False
    for i, (label, run) in enumerate(runs.items()):
        y = _series(run, attr, name, fun)
        x = np.arange(y.size, dtype=float)
        epochs = getattr(run, "epoch", None)
        if getattr(run, "history", None) is None and epochs is not None \
                and np.size(epochs) == y.size:  # a training history: one row per epoch
            x, per_epoch = np.asarray(epochs, dtype=float).ravel(), True
        color = CURVE_COLORS[i % len(CURVE_COLORS)]
        step = diverged_at(run, y)
        finite = np.isfinite(y)
        end = y.size if finite.all() else int(np.argmin(finite))
        if step is not None:
            end = min(end, step + 1)
        (ln,) = ax.plot(x[:end], y[:end], style, color=color, label=label, ms=3, lw=1.4)
        if step is not None and step < y.size:
            ax.axvline(x[min(step, x.size - 1)], color=color, ls="--", lw=1)
            if end > 0:
                ax.plot(x[end - 1], y[end - 1], "X", ms=11, color=color, mec="k", zorder=5,
                        label=f"diverged at step {step}")  # its colour names the run
        val = getattr(run, f"val_{attr}", None) if validation else None
        if val is not None and np.isfinite(to_numpy(val)).any():
            v = to_numpy(val).ravel()[: x.size]
            ax.plot(x[: v.size], v, "--", color=color, lw=1.4, label=f"{label} (validation)")
        lines[label], data[label], div[label] = ln, y[:end], step
    xlabel = "Epoch" if per_epoch else "Iteration"
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel, fontsize=13)
    ax.set_ylabel(ylabel, fontsize=13)
    ax.set_title(_title(title, what, runs, attr), fontsize=14)
    ax.grid(True, which="major", alpha=0.3)
    if len(ax.get_legend_handles_labels()[1]) > 1 or next(iter(runs)) != attr:
        ax.legend(fontsize=10)
    return CurveDisplay(ax, lines=lines, data=data, diverged=div)


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
    return _curves(runs, "loss", "runs", ax=ax, log=log, ylabel=ylabel, title=title,
                   style=style, validation=fun is None, fun=fun)


def grad_norm(runs: Any, *, ax: Any = None, log: bool = True, style: str = "-",
              title: str | None = None) -> CurveDisplay:
    r"""‖∇ℒ‖ per iteration (``history.grad_norm``), log scale."""
    return _curves(runs, "grad_norm", "runs", ax=ax, log=log, style=style, title=title,
                   ylabel=r"$\Vert\nabla\mathcal{L}\Vert$", what="Gradient norm")


def learning_rate(runs: Any, *, ax: Any = None, log: bool = False, style: str = "-",
                  title: str | None = None) -> CurveDisplay:
    """The learning rate η per iteration (``history.lr``): schedules, and the halvings of
    ``on_divergence="backoff"`` (``history.backoffs``). The history keeps only the rate each
    step finally used, so the rates that diverged are rebuilt (each halving doubles back): at a
    step halved m times with kept rate η they were 2ᵐη, …, 2η. Each is drawn as ✕ on a dotted
    drop to the kept rate, and the legend reads e.g. "η 0.02 → 0.01 → 0.005 at step 0".
    ``.backoffs`` {label: [(step, [rates from the first tried to the one kept]), …]}."""
    disp = _curves(runs, "lr", "runs", ax=ax, log=log, style=style, title=title,
                   ylabel=r"learning rate $\eta$", what="Learning rate")
    disp.backoffs = {}
    for i, (label, run) in enumerate(named(runs, "lr").items()):
        chains = _backoff_chains(run)
        if not chains:
            continue
        disp.backoffs[label] = chains
        color = CURVE_COLORS[i % len(CURVE_COLORS)]
        for step, rates in chains:
            disp.ax.plot([step] * len(rates), rates, ":", color=color, lw=1.2)
        steps = [s for s, rates in chains for _ in rates[:-1]]
        tried = [r for _, rates in chains for r in rates[:-1]]
        disp.ax.plot(steps, tried, "X", color=color, ms=9, mec="k", mew=0.6, zorder=5,
                     ls="none", label=_backoff_text(chains))
    if disp.backoffs:
        disp.ax.legend(fontsize=9)
    return disp


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


def parameter_path(runs: Any, *, ax: Any = None, dims: tuple[int, int] = (0, 1),
                   labels: Sequence[str] = BETA_LABELS, style: str = ".-",
                   title: str = r"Evolution of $\beta$", solution: Any = None) -> CurveDisplay:
    """Two parameters against each other (the lecture's β₀ vs β₁ plot), start ○ and end □ marked,
    ``solution`` (e.g. the least-squares β̂) as a star on top. Non-finite points are cut off.
    Several runs are kept apart as :func:`steepest.plot.trajectories` keeps them: the first
    drawn widest and lowest, each later one narrower on top, end squares nested."""
    from .surface import STAR_ZORDER, path_styles
    runs = named(runs, "path")
    ax = new_axes(ax, figsize=(6, 4.5))
    lines, data = {}, {}
    styles = path_styles(len(runs), CURVE_COLORS)
    for (label, run), st in zip(runs.items(), styles):
        P = path_of(run, "runs")[:, list(dims)]
        finite = np.all(np.isfinite(P), axis=1)
        P = P[: P.shape[0] if finite.all() else int(np.argmin(finite))]
        color, zo = st["color"], st["zorder"]
        lw = 1.2 if len(runs) == 1 else st["lw"]
        (ln,) = ax.plot(P[:, 0], P[:, 1], style, color=color, label=label, ms=4 + lw - 1.2,
                        lw=lw, zorder=zo)
        if len(P):
            ax.plot(P[0, 0], P[0, 1], "o", ms=st["start_ms"], mfc="white", mec=color, mew=2,
                    zorder=zo + 3)
            ax.plot(P[-1, 0], P[-1, 1], "s", ms=st["end_ms"], mfc="none", mec=color, mew=2.2,
                    zorder=zo + 4)
        lines[label], data[label] = ln, P
    if solution is not None:
        s = np.asarray(solution, dtype=float).ravel()[list(dims)]
        ax.plot(s[0], s[1], "*", ms=14, color="gold", mec="k", zorder=STAR_ZORDER,
                label="minimum")
    ax.set_xlabel(labels[0], fontsize=13)
    ax.set_ylabel(labels[1], fontsize=13)
    ax.set_title(title, fontsize=14)
    ax.grid(True, alpha=0.3)
    if len(runs) > 1 or solution is not None:
        ax.legend(fontsize=10)
    return CurveDisplay(ax, lines=lines, data=data, diverged={})


class DashboardDisplay(Display):
    """The four training panels: ``.axes`` {name: Axes}, ``.figure``, ``.panels``
    {name: Display}."""

    def __init__(self, figure: Any, panels: dict[str, Display]):
        self.figure = figure
        self.panels = panels
        self.axes = {k: p.ax for k, p in panels.items()}
        self.ax = next(iter(self.axes.values()))
        self._fields = ("axes", "panels")


def dashboard(runs: Any, *, fig: Any = None, labels: Sequence[str] = BETA_LABELS
              ) -> DashboardDisplay:
    """Loss, parameter path, gradient norm and learning rate of one or several runs in a 2×2
    figure; panels whose series a run does not record are left out."""
    if fig is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(11, 8.5), layout="constrained")
    axs = fig.subplots(2, 2).ravel()
    panels: dict[str, Display] = {"loss": loss_curve(runs, ax=axs[0], title="Loss")}
    first = next(iter(named(runs, "run").values()))
    if path_of(first).shape[1] >= 2 and getattr(first, "history", None) is not None:
        panels["path"] = parameter_path(runs, ax=axs[1], labels=labels,
                                        title="Parameter path")
    for name, fn, ax in (("grad_norm", grad_norm, axs[2]), ("lr", learning_rate, axs[3])):
        try:
            panels[name] = fn(runs, ax=ax)
        except (ValueError, AttributeError):
            ax.set_axis_off()
    if "path" not in panels:
        axs[1].set_axis_off()
    return DashboardDisplay(fig, panels)
