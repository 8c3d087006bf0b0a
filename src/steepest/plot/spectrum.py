"""The Hessian's eigenvalue density (stochastic Lanczos quadrature) against the eigenvalue, from
a :class:`~steepest.curvature.SpectralDensity` (``curvature.spectral_density``);
``density.plot(...)`` is ``SpectralDensityDisplay.from_density(density).plot(...)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._base import Display, new_axes


@dataclass(repr=False, eq=False)
class SpectralDensityDisplay(Display):
    """The density ready to draw: ``density`` on ``grid``, the Gaussian width ``sigma``, the
    ``n_exact`` eigenvalues found exactly, ``lam_max``, the dimension ``n``, the trace by the
    quadrature (``slq_trace`` = n·E[λ]) and by Hutchinson's method (``trace`` ± ``stderr``).
    After :meth:`plot`: ``ax``, ``figure``."""

    grid: np.ndarray
    density: np.ndarray
    sigma: float
    n_exact: int
    lam_max: float
    n: int
    slq_trace: float
    trace: float
    stderr: float

    @classmethod
    def from_density(cls, sd: Any) -> SpectralDensityDisplay:
        """The curve, λ_max and both trace estimates of a ``spectral_density`` result."""
        return cls(sd.grid, sd.density, sd.sigma, sd.n_exact, sd.lam_max, sd.n,
                   sd.n * sd.moment(1), sd.trace.trace, sd.trace.stderr)

    def plot(self, ax: Any = None, *, log: bool = True,
             title: str = "Hessian eigenvalue density") -> SpectralDensityDisplay:
        """The density against the eigenvalue on ``ax`` (new axes if None; ``log``: a log
        scale, as the papers draw it, so the bulk near zero and the few outliers both show),
        with λ_max marked and the trace in the legend."""
        ax = self.ax = new_axes(ax, figsize=(7, 4.5))
        top = float(self.density.max())
        floor = 1e-8 * top
        ax.plot(self.grid, np.maximum(self.density, floor), color="tab:blue", lw=1.5,
                label=f"density (stochastic Lanczos quadrature, σ = {self.sigma:.2g}; "
                      f"{self.n_exact} eigenvalues exact)")
        ax.axvline(self.lam_max, color="tab:red", ls="--", lw=1.2,
                   label=f"λ_max ≈ {self.lam_max:.4g}")
        ax.plot([], [], " ", label=f"tr H ≈ {self.slq_trace:.4g} (SLQ), {self.trace:.4g} ± "
                                   f"{self.stderr:.2g} (Hutchinson); n = {self.n}")
        if log:
            ax.set_yscale("log")
            ax.set_ylim(max(floor, 1e-6 * top), 2 * top)
        ax.set_xlabel("eigenvalue λ", fontsize=12)
        ax.set_ylabel("density", fontsize=12)
        ax.set_title(title, fontsize=13)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9)
        return self


__all__ = ["SpectralDensityDisplay"]
