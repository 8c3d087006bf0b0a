"""The :class:`Landscape` result: grid arrays, directions, metadata, plots, save/load."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._io import atomic_write
from .._npz import NpzReader
from ..errors import FileFormatError
from .directions import Directions, Trajectory, project
from .params import ParamSpec, vector_hash


@dataclass
class Landscape:
    """Metric values on a 1-D line or 2-D grid through θ*.

    ``coords``: (alphas,) or (alphas, betas); ``values``: {"loss": array, ["accuracy": …]} of shape
    (len(alphas),) or (len(alphas), len(betas)) — ``values["loss"][i, j]`` is L(θ* + α_i δ + β_j η);
    ``directions``: the axes (with seed, normalization, explained variance, eigenvalues);
    ``centre``: θ*; ``meta``: seed, normalization, ``centre_hash``, target, loss, elapsed time;
    ``trajectory``: an optional projected training path."""

    coords: tuple[np.ndarray, ...]
    values: dict[str, np.ndarray]
    directions: Directions
    centre: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    trajectory: Trajectory | None = None

    @property
    def ndim(self) -> int:
        """1 for a line, 2 for a plane."""
        return len(self.coords)

    @property
    def loss(self) -> np.ndarray:
        """``values["loss"]``: L(θ* + α_i δ [+ β_j η]) on the grid."""
        return self.values["loss"]

    @property
    def accuracy(self) -> np.ndarray | None:
        """``values["accuracy"]`` on the grid, or None when the target does not classify."""
        return self.values.get("accuracy")

    @property
    def alphas(self) -> np.ndarray:
        """The coordinates α along the first direction δ."""
        return self.coords[0]

    @property
    def betas(self) -> np.ndarray | None:
        """The coordinates β along the second direction η (None on a line)."""
        return self.coords[1] if self.ndim > 1 else None

    def __repr__(self) -> str:
        shape = "×".join(str(len(c)) for c in self.coords)
        return (f"Landscape({shape} {self.directions.kind} grid, metrics={list(self.values)}, "
                f"loss ∈ [{np.nanmin(self.loss):.4g}, {np.nanmax(self.loss):.4g}], "
                f"centre {self.meta.get('centre_hash', vector_hash(self.centre))})")

    # ---- analysis ----
    def project(self, snapshots: Any) -> Trajectory:
        """Project parameter snapshots (T, n) onto this landscape's axes (see
        :class:`~steepest.landscape.directions.Trajectory` for the residual)."""
        return project(snapshots, self.centre, self.directions)

    def surface_curvature(self, metric: str = "loss") -> tuple[np.ndarray, np.ndarray]:
        """Principal curvatures (κ_min, κ_max) of the plotted 2-D surface at interior grid points:
        eigenvalues of its 2 × 2 Hessian by central differences. κ_min < 0 marks non-convexity
        *within this plane* (the plane's Hessian is the full Hessian restricted to span(δ, η))."""
        if self.ndim != 2:
            raise ValueError("surface_curvature needs a 2-D landscape")
        Z = self.values[metric]
        ha, hb = np.diff(self.coords[0])[0], np.diff(self.coords[1])[0]
        faa = (Z[2:, 1:-1] - 2 * Z[1:-1, 1:-1] + Z[:-2, 1:-1]) / ha ** 2
        fbb = (Z[1:-1, 2:] - 2 * Z[1:-1, 1:-1] + Z[1:-1, :-2]) / hb ** 2
        fab = (Z[2:, 2:] - Z[2:, :-2] - Z[:-2, 2:] + Z[:-2, :-2]) / (4 * ha * hb)
        mean, dev = (faa + fbb) / 2, np.sqrt(((faa - fbb) / 2) ** 2 + fab ** 2)
        return mean - dev, mean + dev

    # ---- figures ----
    def plot(self, kind: str = "contour", *, metric: str = "loss", log: bool | None = None,
             levels: int = 30, ax: Any = None, trajectory: bool = True, cmap: str = "viridis",
             title: str | None = None) -> Any:
        """Draw the landscape: ``kind`` "contour", "filled" (filled contour) or "surface" (3-D)
        for 2-D grids — :func:`steepest.plot.contour` / :func:`steepest.plot.surface` drawn from
        the computed grid (nothing is re-evaluated; θ* is starred) — or a curve for 1-D lines.
        ``log=True`` spaces contour levels geometrically above the minimum (log₁₀(L − min + ε)
        in 3-D), resolving a sharp minimum; by default contour maps use it (a basin is not one
        blank area) and surfaces and curves do not. The projected trajectory, if any, is
        overlaid; on the 3-D surface it is drawn at the loss *on the plane* (see
        ``trajectory.loss`` for the real one). Returns the Display of the figure
        (:class:`~steepest.plot.ContourDisplay`, :class:`~steepest.plot.SurfaceDisplay`, or
        :class:`~steepest.plot.LandscapeLineDisplay` for a line), ``.landscape`` this one."""
        from .. import plot as splot
        from ..plot.landscape import LandscapeLineDisplay, directions_title
        if log is None:
            log = self.ndim == 2 and kind in ("contour", "filled")  # curves: linear

        if metric not in self.values:
            raise ValueError(f"metric {metric!r} was not computed; have {list(self.values)}")
        title = title or directions_title(self.directions)
        disp: Any
        if self.ndim == 1:
            if kind not in ("contour", "line"):
                raise ValueError(f"a 1-D landscape is drawn as a line, got kind={kind!r}")
            disp = LandscapeLineDisplay.from_landscape(self, metric).plot(ax, log=log,
                                                                         title=title)
            disp.landscape = self
            return disp
        fun = _GridFunction(self.coords[0], self.coords[1], self.values[metric])
        n = max(len(self.coords[0]), len(self.coords[1]))
        xlim = (self.coords[0][0], self.coords[0][-1])
        ylim = (self.coords[1][0], self.coords[1][-1])
        labels = self.directions.labels[:2]
        paths = None
        if trajectory and self.trajectory is not None:
            worst = float(np.max(self.trajectory.relative_residual))
            paths = {f"projected path (≤{worst:.0%} off-plane)": self.trajectory.coords[:, :2]}
        if kind in ("contour", "filled"):
            disp = splot.contour(fun, xlim, ylim, paths=paths, ax=ax, n=n, levels=levels,
                                 filled=kind == "filled", log=log, cmap=cmap, labels=labels,
                                 minima=[(0.0, 0.0)], minima_label="θ* (centre)",
                                 title=title)
        elif kind == "surface":
            # seen from 30° above, azimuth −60° (plot.surface's view is (azimuth, elevation));
            # the near corner is (α max, β min): its two tick labels would overlap, so the
            # α axis stops a tick short of it and the β axis starts one tick after it
            disp = splot.surface(fun, xlim, ylim, paths=paths, ax=ax, n=n, cmap=cmap, alpha=0.85,
                                 view=(-60, 30), labels=labels, zlabel=metric, log=log,
                                 title=title)
            disp.ax.set_xticks(_ticks(*xlim)[:-1])
            disp.ax.set_yticks(_ticks(*ylim)[1:])
        else:
            raise ValueError(f"kind must be 'contour', 'filled' or 'surface', got {kind!r}")
        disp.landscape = self
        return disp

    # ---- persistence ----
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write everything to one compressed .npz (no pickled objects: arrays and JSON text),
        atomically: an interrupted or failed save leaves the previous file as it was. ".npz" is
        appended to a name without it, as :func:`numpy.savez` does."""
        d = self.directions
        arrays: dict[str, Any] = {
            "centre": self.centre, "directions": d.vectors,
            **{f"coord_{i}": c for i, c in enumerate(self.coords)},
            **{f"value_{k}": v for k, v in self.values.items()},
        }
        for name in ("explained_variance_ratio", "eigenvalues"):
            if getattr(d, name) is not None:
                arrays[f"dir_{name}"] = getattr(d, name)
        if self.trajectory is not None:
            for name in ("coords", "residual", "relative_residual", "loss", "loss_on_plane"):
                if getattr(self.trajectory, name) is not None:
                    arrays[f"traj_{name}"] = getattr(self.trajectory, name)
        header = {"meta": self.meta, "ndim": self.ndim, "metrics": list(self.values),
                  "directions": {"kind": d.kind, "labels": list(d.labels), "seed": d.seed,
                                 "normalization": d.normalization, "include_1d": d.include_1d,
                                 "meta": d.meta},
                  "spec": {"names": list(d.spec.names), "shapes": [list(s) for s in d.spec.shapes]}}
        arrays["header"] = np.array(json.dumps(header, default=_jsonable))
        target = os.fspath(path)
        if not target.endswith(".npz"):  # as np.savez does
            target += ".npz"
        with atomic_write(target) as fh:
            np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Landscape:
        """Read a landscape written by :meth:`save`. The file is checked before its arrays are
        read (see :class:`steepest._npz.NpzReader`); nothing is unpickled, and a file that is
        not a landscape raises :class:`~steepest.errors.FileFormatError` saying why."""
        with NpzReader(path, "landscape file") as f:
            try:
                return cls._from_file(f)
            except FileFormatError:
                raise
            except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
                raise f.error(f"its header or arrays are incomplete or inconsistent "
                              f"({type(exc).__name__}: {exc})") from None

    @classmethod
    def _from_file(cls, f: NpzReader) -> Landscape:
        def get(name: str) -> np.ndarray | None:
            return f.read(name) if name in f.members else None

        def need(name: str) -> np.ndarray:
            if name not in f.members:
                raise f.error(f"it has no {name!r} array")
            return f.read(name)

        h = json.loads(str(need("header")))
        spec = ParamSpec(tuple(h["spec"]["names"]), tuple(tuple(s) for s in h["spec"]["shapes"]))
        hd = h["directions"]
        d = Directions(need("directions"), spec, kind=hd["kind"], labels=tuple(hd["labels"]),
                       seed=hd["seed"], normalization=hd["normalization"],
                       include_1d=hd["include_1d"], meta=hd["meta"],
                       explained_variance_ratio=get("dir_explained_variance_ratio"),
                       eigenvalues=get("dir_eigenvalues"))
        traj = None
        if "traj_coords" in f.members:
            traj = Trajectory(need("traj_coords"), need("traj_residual"),
                              need("traj_relative_residual"), get("traj_loss"),
                              get("traj_loss_on_plane"))
        return cls(tuple(need(f"coord_{i}") for i in range(int(h["ndim"]))),
                   {k: need(f"value_{k}") for k in h["metrics"]}, d, need("centre"),
                   meta=h["meta"], trajectory=traj)


def _ticks(lo: float, hi: float) -> np.ndarray:
    """At most five round tick positions within [lo, hi], ends included when round."""
    from matplotlib.ticker import MaxNLocator

    t = np.asarray(MaxNLocator(4).tick_values(lo, hi))
    return t[(t >= lo - 1e-9 * (hi - lo)) & (t <= hi + 1e-9 * (hi - lo))]


class _GridFunction:
    """The computed grid as a function of (α, β) for the shared plot functions: exact at the
    grid's nodes, bilinear between them (only used when a plot samples off the nodes)."""

    def __init__(self, a: np.ndarray, b: np.ndarray, Z: np.ndarray) -> None:
        from scipy.interpolate import RegularGridInterpolator

        self._f = RegularGridInterpolator((a, b), Z, bounds_error=False, fill_value=np.nan)

    def __call__(self, x: Any) -> Any:
        x = np.asarray(getattr(x, "data", x), dtype=np.float64)
        pts = np.stack([x[0], x[1]], axis=-1)
        out = self._f(pts.reshape(-1, 2)).reshape(pts.shape[:-1])
        return out if out.ndim else np.float64(out)


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
