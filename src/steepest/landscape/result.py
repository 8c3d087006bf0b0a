"""The :class:`Landscape` result: grid arrays, directions, metadata, plots, save/load."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
        return len(self.coords)

    @property
    def loss(self) -> np.ndarray:
        return self.values["loss"]

    @property
    def accuracy(self) -> np.ndarray | None:
        return self.values.get("accuracy")

    @property
    def alphas(self) -> np.ndarray:
        return self.coords[0]

    @property
    def betas(self) -> np.ndarray | None:
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
    def plot(self, kind: str = "contour", *, metric: str = "loss", log: bool = False,
             levels: int = 30, ax: Any = None, trajectory: bool = True, cmap: str = "viridis",
             title: str | None = None) -> LandscapeDisplay:
        """Draw the landscape: ``kind`` "contour", "filled" (filled contour) or "surface" (3-D)
        for 2-D grids, a curve for 1-D lines. ``log=True`` spaces contour levels geometrically
        above the minimum (and draws log₁₀(L − min + ε) in 3-D), resolving a sharp minimum.
        The projected trajectory, if any, is overlaid (on contours)."""
        import matplotlib.pyplot as plt

        if metric not in self.values:
            raise ValueError(f"metric {metric!r} was not computed; have {list(self.values)}")
        Z = self.values[metric]
        label = metric if not log else f"{metric} (log levels)"
        if self.ndim == 1:
            if kind not in ("contour", "line"):
                raise ValueError(f"a 1-D landscape is drawn as a line, got kind={kind!r}")
            if ax is None:
                ax = plt.figure(figsize=(6, 4)).add_subplot()
            (line,) = ax.plot(self.alphas, Z, color="tab:blue", lw=2)
            if log:
                ax.set_yscale("log")
            ax.set_xlabel(self.directions.labels[0])
            ax.set_ylabel(metric)
            ax.set_title(title or f"{self.directions.kind} line")
            return LandscapeDisplay(ax, landscape=self, artist=line)
        A, B = np.meshgrid(self.coords[0], self.coords[1], indexing="ij")
        xl, yl = self.directions.labels[:2]
        if kind == "surface":
            if ax is None:
                ax = plt.figure(figsize=(7, 6)).add_subplot(projection="3d")
            shown = _log_map(Z) if log else Z
            art = ax.plot_surface(A, B, shown, cmap=cmap, linewidth=0, antialiased=True,
                                  rstride=1, cstride=1)
            ax.set_zlabel(r"$\log_{10}$ " + metric if log else metric)
            ax.view_init(35, -60)
        elif kind in ("contour", "filled"):
            if ax is None:
                ax = plt.figure(figsize=(6.5, 5.2)).add_subplot()
            lv = _levels(Z, levels, log)
            if kind == "filled":
                art = ax.contourf(A, B, Z, levels=lv, cmap=cmap, extend="max")
                ax.contour(A, B, Z, levels=lv, colors="k", linewidths=0.3, alpha=0.4)
            else:
                art = ax.contour(A, B, Z, levels=lv, cmap=cmap, linewidths=1)
            cb = ax.figure.colorbar(art, ax=ax, shrink=0.9, format="%.3g")
            cb.set_label(label)
            ax.plot(0, 0, "*", ms=12, color="white", mec="k", zorder=5)
            ax.set_aspect("equal", adjustable="box")
            if trajectory and self.trajectory is not None:
                P = self.trajectory.coords[:, :2]
                ax.plot(P[:, 0], P[:, 1], "-o", color="tab:red", ms=3, lw=1.5,
                        label=f"projected path (≤{np.max(self.trajectory.relative_residual):.0%} "
                              "off-plane)")
                ax.legend(loc="upper right", fontsize=8, framealpha=0.85)
        else:
            raise ValueError(f"kind must be 'contour', 'filled' or 'surface', got {kind!r}")
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.set_title(title or f"{self.directions.kind} directions"
                     + (f", {self.directions.normalization}-normalized"
                        if self.directions.normalization else ""))
        return LandscapeDisplay(ax, landscape=self, artist=art)

    # ---- persistence ----
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write everything to one compressed .npz (no pickled objects: arrays and JSON text)."""
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
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Landscape:
        """Read a landscape written by :meth:`save` (``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as f:
            h = json.loads(str(f["header"]))
            spec = ParamSpec(tuple(h["spec"]["names"]),
                             tuple(tuple(s) for s in h["spec"]["shapes"]))
            hd = h["directions"]
            d = Directions(f["directions"], spec, kind=hd["kind"], labels=tuple(hd["labels"]),
                           seed=hd["seed"], normalization=hd["normalization"],
                           include_1d=hd["include_1d"], meta=hd["meta"],
                           explained_variance_ratio=f.get("dir_explained_variance_ratio"),
                           eigenvalues=f.get("dir_eigenvalues"))
            traj = None
            if "traj_coords" in f.files:
                traj = Trajectory(f["traj_coords"], f["traj_residual"],
                                  f["traj_relative_residual"], f.get("traj_loss"),
                                  f.get("traj_loss_on_plane"))
            return cls(tuple(f[f"coord_{i}"] for i in range(h["ndim"])),
                       {k: f[f"value_{k}"] for k in h["metrics"]}, d, f["centre"],
                       meta=h["meta"], trajectory=traj)


class LandscapeDisplay:
    """What :meth:`Landscape.plot` drew: ``.ax``, ``.figure``, ``.landscape``, ``.artist``."""

    def __init__(self, ax: Any, landscape: Landscape, artist: Any) -> None:
        self.ax, self.figure, self.landscape, self.artist = ax, ax.figure, landscape, artist

    def savefig(self, path: str, **kwargs: Any) -> None:
        kwargs.setdefault("bbox_inches", "tight")
        self.figure.savefig(path, **kwargs)


def _levels(Z: np.ndarray, n: int, log: bool) -> np.ndarray:
    finite = Z[np.isfinite(Z)]
    lo, hi = float(finite.min()), float(finite.max())
    hi = hi if hi > lo else lo + 1.0
    if not log:
        return np.linspace(lo, hi, n)
    return lo + np.geomspace((hi - lo) * 1e-4, hi - lo, n)


def _log_map(Z: np.ndarray) -> np.ndarray:
    lo = float(np.nanmin(Z))
    eps = 1e-3 * max(float(np.nanmax(Z)) - lo, 1e-12)
    return np.log10(np.maximum(Z - lo, 0) + eps)


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
