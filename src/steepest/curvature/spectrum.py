"""The whole Hessian spectrum at once, by stochastic Lanczos quadrature (Ghorbani, Krishnan & Xiao
2019; the method of PyHessian).

The eigenvalue density of H (n × n) is φ(t) = (1/n) Σᵢ δ(t − λᵢ). For a unit vector v,
vᵀ g(H) v = Σᵢ (vᵀuᵢ)² g(λᵢ), and m Lanczos steps from v give the Gauss quadrature of that sum:
nodes θⱼ (the eigenvalues of the m × m tridiagonal T) and weights τⱼ = (first component of T's
j-th eigenvector)², exact for polynomials g of degree ≤ 2m − 1. With random v, E[(vᵀuᵢ)²] =
1/n, so averaging over a few vectors estimates φ as the weighted nodes; each node is widened into
a Gaussian of width σ to draw a density. Cost: m HVPs per vector.

A network's Hessian is dominated by a few outlying eigenvalues (one per class, roughly) above a
bulk near zero, and the random weights (vᵀuᵢ)² make plain SLQ's moments noisy exactly there
(with one outlier, ±√(2/k) relative with k vectors). So a first Lanczos run finds the eigenpairs
it has converged to (the outliers converge first), they enter the density exactly with weight
1/n each, and the random vectors then sample only the rest, on the deflated operator
(I − UUᵀ)H(I − UUᵀ). The trace, tr H = n·E[λ], is estimated beside it by Hutchinson's method
(:func:`~steepest.curvature.hutchinson_trace`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .hessian import TraceEstimate, hutchinson_trace, hvp_function, lanczos, ritz
from .torch_loss import as_loss

if TYPE_CHECKING:
    from ..plot.spectrum import SpectralDensityDisplay


@dataclass
class SpectralDensity:
    """The smoothed eigenvalue density of a Hessian: ``density`` on ``grid`` (integrating to 1
    over it), the quadrature ``nodes`` and ``weights`` (summing to 1: the estimated spectral
    measure, of which the first ``n_exact`` nodes are eigenvalues found exactly and deflated),
    the Gaussian width ``sigma``, the dimension ``n`` and Hutchinson's ``trace`` estimate."""

    grid: np.ndarray
    density: np.ndarray
    nodes: np.ndarray
    weights: np.ndarray
    sigma: float
    n: int
    trace: TraceEstimate
    n_exact: int = 0

    def moment(self, k: int) -> float:
        """E[λᵏ] under the quadrature: tr(Hᵏ)/n, exact in expectation for k ≤ 2m − 1."""
        return float(np.sum(self.weights * self.nodes ** k))

    @property
    def lam_max(self) -> float:
        """The largest node: Lanczos's estimate of λ_max (accurate: extremes converge first)."""
        return float(self.nodes.max())

    @property
    def lam_min(self) -> float:
        """The smallest node (λ_min)."""
        return float(self.nodes.min())

    def cdf(self, t: Any) -> np.ndarray:
        """The smoothed spectral distribution function at ``t``."""
        from scipy.special import ndtr
        t = np.asarray(t, dtype=float)
        return np.asarray(ndtr((t[..., None] - self.nodes) / self.sigma) @ self.weights)

    def plot(self, ax: Any = None, *, log: bool = True,
             title: str = "Hessian eigenvalue density") -> SpectralDensityDisplay:
        """The density against the eigenvalue (log scale by default, as the papers draw it: the
        bulk near zero and the few outliers both show), with λ_max marked and the trace in the
        legend. Returns the :class:`~steepest.plot.SpectralDensityDisplay` (``.grid``,
        ``.density``, …)."""
        from ..plot.spectrum import SpectralDensityDisplay
        return SpectralDensityDisplay.from_density(self).plot(ax, log=log, title=title)


def spectral_density(fun: Any, x: Any = None, y: Any = None, *, loss: Any = None,
                     n_vectors: int = 10, n_lanczos: int = 80, sigma: float | None = None,
                     grid_size: int = 1000, trace_samples: int = 100, seed: int | None = 0,
                     jac: Callable[[np.ndarray], np.ndarray] | None = None) -> SpectralDensity:
    """The Hessian's eigenvalue density by stochastic Lanczos quadrature (module docstring).

    ``fun`` and ``x``: a steepest-ops function (or a problem) and the point, as for
    :func:`~steepest.curvature.hessian_eigs`; or ``fun`` a steepest ``Module`` with data
    ``x``, ``y`` and ``loss`` (the Hessian of the loss in the model's parameters), or a
    PyTorch ``nn.Module`` with a loss function (HVPs by ``torch.func``, on the model's device;
    see :class:`~steepest.curvature.torch_loss.TorchLoss`). ``n_vectors``
    Rademacher start vectors, ``n_lanczos`` steps each (capped at the dimension); ``sigma``: the
    Gaussian width (default 1 % of the spectrum's span); the grid runs ``grid_size`` points
    from 5σ below the smallest node to 5σ above the largest.
    """
    from .._validate import check_int
    n_vectors = check_int(n_vectors, "spectral_density: n_vectors")
    n_lanczos = check_int(n_lanczos, "spectral_density: n_lanczos", low=2)
    fun, x = as_loss(fun, x, y, loss, "spectral_density")
    Hv = hvp_function(fun, x, jac)
    n = x.size
    rng = np.random.default_rng(seed)
    m = min(n_lanczos, n)
    U, lam = _converged(Hv, rng.choice([-1.0, 1.0], size=n), m)

    def deflated(v: np.ndarray) -> np.ndarray:  # (I − UUᵀ) H (I − UUᵀ) v
        v = v - U @ (U.T @ v)
        w = Hv(v)
        return w - U @ (U.T @ w)

    rest = n - lam.size
    nodes, weights = [lam], [np.full(lam.size, 1.0 / n)]
    for _ in range(n_vectors if rest else 0):
        z = rng.choice([-1.0, 1.0], size=n)
        theta, S = ritz(lanczos(deflated, z - U @ (U.T @ z), min(m, rest)))
        nodes.append(theta)
        weights.append(S[0] ** 2 * rest / (n * n_vectors))
    t, w = np.concatenate(nodes), np.concatenate(weights)
    span = float(t.max() - t.min()) or max(abs(float(t.max())), 1.0)
    sigma = 0.01 * span if sigma is None else float(sigma)
    grid = np.linspace(t.min() - 5 * sigma, t.max() + 5 * sigma, grid_size)
    density = _smoothed(grid, t, w, sigma)
    trace = hutchinson_trace(fun, x, trace_samples, seed=seed, jac=jac)
    return SpectralDensity(grid, density, t, w, sigma, n, trace, lam.size)


#: a Ritz pair whose residual ‖Hu − θu‖ is below this fraction of the spectral radius counts as
#: an eigenpair and is deflated exactly
CONVERGED = 1e-8


def _converged(Hv: Callable[[np.ndarray], np.ndarray], v: np.ndarray, m: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """The eigenpairs one Lanczos run from ``v`` has converged to (the outliers first): their
    vectors U (n, r) and values."""
    res = lanczos(Hv, v, m)
    theta, S = ritz(res)
    radius = max(float(np.max(np.abs(theta))), 1e-300)
    if res.n_hvp == v.size or res.beta_last <= 1e-12 * radius:  # an invariant subspace
        ok = np.ones(theta.size, dtype=bool)
    else:
        ok = res.beta_last * np.abs(S[-1]) <= CONVERGED * radius
    U = res.Q @ S[:, ok]
    U, _ = np.linalg.qr(U) if U.shape[1] else (U, None)
    return U, theta[ok]


def _smoothed(grid: np.ndarray, nodes: np.ndarray, weights: np.ndarray,
              sigma: float) -> np.ndarray:
    """Σⱼ wⱼ N(t; θⱼ, σ²) on the grid, renormalised to integrate to 1 there."""
    z = (grid[:, None] - nodes[None, :]) / sigma
    density = np.exp(-0.5 * z * z) @ weights / (sigma * math.sqrt(2 * math.pi))
    return density / np.trapezoid(density, grid)


__all__ = ["SpectralDensity", "spectral_density"]
