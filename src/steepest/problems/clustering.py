"""Non-convex losses the lecture names: k-means' within-cluster sum of squares and a Gaussian
mixture's negative log-likelihood, over two parameters (two cluster centres on a line), each
with several minima (the labels can swap) beside the convex least-squares bowl."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autodiff as ad
from ..autodiff import Tensor
from .base import Problem


def two_clusters(n: int = 40, seed: int = 0) -> np.ndarray:
    """``n`` seeded points on a line: half around −2 (sd 0.7), half around 2.5 (sd 0.9)."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(-2.0, 0.7, n // 2), rng.normal(2.5, 0.9, n - n // 2)])


def _data(x: Any, name: str) -> np.ndarray:
    x = np.asarray(two_clusters() if x is None else x, dtype=float).ravel()
    if x.size < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: x must hold at least 2 finite numbers, got {x.size}")
    return x


def _centres(c: Tensor) -> tuple[Tensor, Tensor, tuple[int, ...]]:
    """The two centres of each of the m points of a grid ``(2, ...)`` as columns (m, 1)."""
    pts = c.reshape(2, -1)
    m = pts.shape[1]
    return pts[0].reshape(m, 1), pts[1].reshape(m, 1), c.shape[1:]


class KMeans(Problem):
    """k-means with k = 2 on points x₁…xₙ of a line, as a loss of the two centres:
    WCSS(c₁, c₂) = Σᵢ min((xᵢ − c₁)², (xᵢ − c₂)²). Piecewise quadratic and non-convex: its
    global minimum (the best split's two means) appears twice, once per labelling, with a ridge
    along c₁ = c₂ between them."""

    name = "k-means WCSS"

    def __init__(self, x: Any = None):
        super().__init__()
        self.x = np.sort(_data(x, "KMeans"))
        lo, hi = float(self.x.min()), float(self.x.max())
        self.domain = ((lo - 1.0, hi + 1.0), (lo - 1.0, hi + 1.0))
        best = min(range(1, self.x.size), key=self._split)
        a, b = self.x[:best].mean(), self.x[best:].mean()
        self.minima = np.array([[a, b], [b, a]])
        self.x0 = np.array([lo, lo + 0.1 * (hi - lo)])

    def _split(self, k: int) -> float:
        left, right = self.x[:k], self.x[k:]
        return float(((left - left.mean()) ** 2).sum() + ((right - right.mean()) ** 2).sum())

    def f(self, c: Tensor) -> Tensor:
        c1, c2, shape = _centres(c)
        d1, d2 = (c1 - self.x) ** 2, (c2 - self.x) ** 2
        return ad.minimum(d1, d2).sum(axis=1).reshape(shape)


class GaussianMixture(Problem):
    """A two-component Gaussian mixture with equal weights and known σ on points of a line, its
    negative log-likelihood as a loss of the two means:
    NLL(μ₁, μ₂) = −Σᵢ log(½𝒩(xᵢ; μ₁, σ²) + ½𝒩(xᵢ; μ₂, σ²)). Smooth and non-convex: two minima
    (the components swapped) and a saddle on μ₁ = μ₂ between them."""

    name = "Gaussian mixture NLL"

    def __init__(self, x: Any = None, sigma: float = 1.0):
        super().__init__()
        if not sigma > 0:
            raise ValueError(f"GaussianMixture: sigma must be positive, got {sigma}")
        self.x, self.sigma = _data(x, "GaussianMixture"), float(sigma)
        lo, hi = float(self.x.min()), float(self.x.max())
        self.domain = ((lo - 1.0, hi + 1.0), (lo - 1.0, hi + 1.0))
        mu = np.sort(KMeans(self.x).minima[0])
        for _ in range(2000):  # EM for the means: a stationary point of the likelihood
            a = -0.5 * ((self.x[:, None] - mu) / self.sigma) ** 2
            r = np.exp(a - a.max(axis=1, keepdims=True))
            r /= r.sum(axis=1, keepdims=True)
            mu = (r * self.x[:, None]).sum(axis=0) / r.sum(axis=0)
        self.minima = np.array([mu, mu[::-1]])
        self.x0 = np.array([lo, lo + 0.1 * (hi - lo)])

    def f(self, m: Tensor) -> Tensor:
        m1, m2, shape = _centres(m)
        a1 = -0.5 * ((self.x - m1) / self.sigma) ** 2
        a2 = -0.5 * ((self.x - m2) / self.sigma) ** 2
        top = ad.maximum(a1, a2)
        lse = top + ad.log(ad.exp(a1 - top) + ad.exp(a2 - top))
        const = np.log(0.5) - np.log(self.sigma * np.sqrt(2 * np.pi))
        return (-(lse + const)).sum(axis=1).reshape(shape)


__all__ = ["GaussianMixture", "KMeans", "two_clusters"]
