"""Hessian spectra from exact Hessian-vector products, and the critical learning rate.

Near a minimum a loss is locally the quadratic ½ eᵀHe (e = x − x*), and one gradient-descent step
multiplies the error component along the eigenvector of eigenvalue λ by (1 − ηλ). So the run is
stable iff |1 − ηλ_max| < 1, i.e. η < 2/λ_max; it oscillates when ηλ_max > 1; and it is slow
when κ = λ_max/λ_min is large, since the smallest eigenvalue shrinks its error by only
1 − ηλ_min per step. The best fixed step on a quadratic is η* = 2/(λ_min + λ_max), giving the
rate (κ − 1)/(κ + 1) per step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..autodiff import hvp as _autodiff_hvp

#: dimension up to which the Hessian is formed densely (one HVP per column) and fully
#: diagonalised; above it Lanczos (scipy's eigsh) runs on HVPs
DENSE_MAX_DIM = 64


def hvp_function(fun: Any, x: Any, jac: Callable[[np.ndarray], np.ndarray] | None = None
                 ) -> Callable[[np.ndarray], np.ndarray]:
    """``v ↦ ∇²L(x)·v``: the problem's closed form if it has one, else exact double
    backpropagation; with only a gradient ``jac``, central differences of it."""
    x = np.asarray(x, dtype=float)
    if jac is not None:
        if jac is True:
            raise ValueError("curvature: with jac=True pass a separate gradient function")
        scale = max(1.0, float(np.linalg.norm(x)))

        def fd(v: np.ndarray) -> np.ndarray:
            nv = float(np.linalg.norm(v))
            if nv == 0:
                return np.zeros_like(x)
            h = 1e-5 * scale / nv
            return (np.asarray(jac(x + h * v)) - np.asarray(jac(x - h * v))) / (2 * h)
        return fd
    if hasattr(fun, "hvp"):
        return lambda v: np.asarray(fun.hvp(x, v), dtype=float)
    if not callable(fun):
        raise TypeError(f"curvature: fun must be a steepest-ops function or a problem, got "
                        f"{type(fun).__name__}")
    return lambda v: _autodiff_hvp(fun, x, v)


class HessianEigs(NamedTuple):
    """Eigenvalues (``values``, shape (k,)) and unit eigenvectors (``vectors``, (n, k))."""

    values: np.ndarray
    vectors: np.ndarray


def hessian_eigs(fun: Any, x: Any, k: int = 1, which: str = "LA", *,
                 jac: Callable[[np.ndarray], np.ndarray] | None = None, tol: float = 0.0,
                 seed: int | None = 0) -> HessianEigs:
    """The top-``k`` eigenpairs of ∇²L(x) from Hessian-vector products.

    ``which``: "LA" largest algebraic (sharpest directions, default), "SA" smallest algebraic
    (flattest or negative-curvature directions), "LM" largest magnitude. Eigenvalues are sorted
    from the most extreme in the requested sense. Exact (to rounding) for dim ≤
    ``DENSE_MAX_DIM`` and for quadratics; otherwise Lanczos (``scipy.sparse.linalg.eigsh``) on a
    LinearOperator, accurate to ``tol`` (0 = machine precision).
    """
    if which not in ("LA", "SA", "LM"):
        raise ValueError(f"hessian_eigs: which must be 'LA', 'SA' or 'LM', got {which!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"hessian_eigs: x must be a vector, got shape {x.shape}")
    n = x.size
    if not 1 <= k <= n:
        raise ValueError(f"hessian_eigs: k must be between 1 and dim={n}, got {k}")
    Hv = hvp_function(fun, x, jac)
    if n <= DENSE_MAX_DIM or k >= n - 1:
        H = np.column_stack([Hv(e) for e in np.eye(n)])
        H = 0.5 * (H + H.T)
        w, V = np.linalg.eigh(H)
        order = {"LA": np.argsort(-w), "SA": np.argsort(w), "LM": np.argsort(-np.abs(w))}[which]
    else:
        from scipy.sparse.linalg import LinearOperator, eigsh
        op = LinearOperator((n, n), matvec=lambda v: Hv(np.ravel(v)), dtype=float)
        v0 = np.random.default_rng(seed).standard_normal(n)
        w, V = eigsh(op, k=k, which=which, tol=tol, v0=v0)
        order = {"LA": np.argsort(-w), "SA": np.argsort(w), "LM": np.argsort(-np.abs(w))}[which]
    order = order[:k]
    vectors = V[:, order]
    # a deterministic sign: the largest component positive
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(len(order))])
    return HessianEigs(w[order], vectors * np.where(signs == 0, 1.0, signs))


class TraceEstimate(NamedTuple):
    """Hutchinson's estimate of tr ∇²L and its standard error."""

    trace: float
    stderr: float


def hutchinson_trace(fun: Any, x: Any, n_samples: int = 100, *, seed: int | None = 0,
                     jac: Callable[[np.ndarray], np.ndarray] | None = None) -> TraceEstimate:
    """tr H ≈ (1/m) Σ vᵢᵀHvᵢ with Rademacher vᵢ (Hutchinson 1989): unbiased, variance
    2(‖H‖_F² − Σ Hᵢᵢ²)/m, one HVP per sample."""
    if n_samples < 2:
        raise ValueError(f"hutchinson_trace: n_samples must be >= 2, got {n_samples}")
    x = np.asarray(x, dtype=float)
    Hv = hvp_function(fun, x, jac)
    rng = np.random.default_rng(seed)
    samples = np.empty(n_samples)
    for i in range(n_samples):
        v = rng.choice([-1.0, 1.0], size=x.size)
        samples[i] = v @ Hv(v)
    return TraceEstimate(float(samples.mean()), float(samples.std(ddof=1) / math.sqrt(n_samples)))


# ---- stability of the optimizers on a quadratic ----------------------------------------------

def stability_constant(optimizer: Any = None) -> float:
    """c such that the optimizer is stable on a quadratic iff η λ_max < c: 2 for GD,
    2 + 2β for heavy-ball momentum, (2 + 2β)/(1 + 2β) for Nesterov (PyTorch's form)."""
    from ..optim import GD, Momentum, Nesterov
    if optimizer is None or isinstance(optimizer, GD):
        return 2.0
    if isinstance(optimizer, Nesterov):
        b = optimizer.defaults["momentum"]
        return (2 + 2 * b) / (1 + 2 * b)
    if isinstance(optimizer, Momentum):
        return 2 + 2 * optimizer.defaults["momentum"]
    raise ValueError(f"the critical learning rate is defined for GD, Momentum and Nesterov; "
                     f"{type(optimizer).__name__} rescales each coordinate by its gradient "
                     f"history, so no single η threshold applies")


def contraction(optimizer: Any, lr: float, lam: float) -> complex:
    """The dominant per-step multiplier of the error along an eigenvector of eigenvalue λ
    (an eigenvalue of the optimizer's linear recursion on ½λe²; its modulus is the rate, a
    negative or complex value means oscillation)."""
    from ..optim import Momentum, Nesterov
    h = lr * lam
    if isinstance(optimizer, Nesterov):
        b = optimizer.defaults["momentum"]
        # state (e, buf/λ): buf ← b·buf + λe; e ← e − η(λe + b·buf)
        M = np.array([[1 - h - h * b, -h * b * b], [1.0, b]])
    elif isinstance(optimizer, Momentum):
        b = optimizer.defaults["momentum"]
        M = np.array([[1 + b - h, -b], [1.0, 0.0]])  # e_{k+1} = (1+β−ηλ)e_k − βe_{k−1}
    else:
        return complex(1 - h)
    w = np.linalg.eigvals(M)
    return complex(w[np.argmax(np.abs(w))])


@dataclass
class CriticalLR:
    """The learning-rate thresholds at a point (see :func:`critical_lr`)."""

    lr_max: float            #: stability limit c/λ_max (2/λ_max for GD)
    lam_max: float
    lam_min: float
    optimizer: str
    quadratic: bool          #: exact globally (a quadratic loss) or a local statement
    best_lr: float | None    #: GD: 2/(λ_min + λ_max) when λ_min > 0
    rate: float | None       #: GD at best_lr: (κ − 1)/(κ + 1) per step
    kappa: float | None      #: λ_max/λ_min when λ_min > 0
    best_momentum: float | None = None  #: heavy ball: β* = ((√κ − 1)/(√κ + 1))²

    def __float__(self) -> float:
        return self.lr_max

    def __repr__(self) -> str:
        parts = [f"lr_max={self.lr_max:.4g}", f"lam_max={self.lam_max:.4g}",
                 f"lam_min={self.lam_min:.4g}"]
        if self.kappa is not None:
            parts += [f"kappa={self.kappa:.4g}", f"best_lr={self.best_lr:.4g}",
                      f"rate={self.rate:.4g}"]
        return f"CriticalLR({self.optimizer}: " + ", ".join(parts) + ")"


def critical_lr(fun: Any, x: Any = None, optimizer: Any = None, *,
                jac: Callable[[np.ndarray], np.ndarray] | None = None) -> CriticalLR:
    """The largest stable learning rate at ``x`` (default: the problem's minimum or ``x0``).

    GD: 2/λ_max; heavy-ball ``Momentum(momentum=β)``: (2 + 2β)/λ_max; ``Nesterov``:
    (2 + 2β)/((1 + 2β) λ_max). With λ_min > 0 also the best fixed GD step 2/(λ_min + λ_max),
    its rate (κ − 1)/(κ + 1) and, for momentum, Polyak's β* = ((√κ − 1)/(√κ + 1))² with step
    4/(√λ_max + √λ_min)² and rate (√κ − 1)/(√κ + 1). Exact everywhere for a quadratic; a local
    statement (valid near ``x``) otherwise.
    """
    from ..optim import Momentum, Nesterov
    from ..problems import Quadratic
    if x is None:
        minima = getattr(fun, "minima", None)
        if minima is not None and len(minima):
            x = minima[0]
        elif hasattr(fun, "x0"):
            x = fun.x0
        else:
            raise TypeError("critical_lr: x is required for a plain function")
    c = stability_constant(optimizer)
    x = np.asarray(x, dtype=float)
    if isinstance(fun, Quadratic) and jac is None:
        w = fun.eigenvalues
        lam_max, lam_min = float(w[-1]), float(w[0])
    else:
        lam_max = float(hessian_eigs(fun, x, 1, "LA", jac=jac).values[0])
        lam_min = float(hessian_eigs(fun, x, 1, "SA", jac=jac).values[0])
    if lam_max <= 0:
        raise ValueError(f"critical_lr: the Hessian at x has no positive curvature "
                         f"(λ_max = {lam_max:.3g}); any step size moves away along it")
    name = type(optimizer).__name__ if optimizer is not None else "GD"
    out = CriticalLR(lr_max=c / lam_max, lam_max=lam_max, lam_min=lam_min, optimizer=name,
                     quadratic=isinstance(fun, Quadratic), best_lr=None, rate=None, kappa=None)
    if lam_min > 0:
        kappa = lam_max / lam_min
        out.kappa = kappa
        if isinstance(optimizer, Momentum) and not isinstance(optimizer, Nesterov):
            sk = math.sqrt(kappa)
            out.best_momentum = ((sk - 1) / (sk + 1)) ** 2
            out.best_lr = 4 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2
            out.rate = (sk - 1) / (sk + 1)
        else:
            out.best_lr = 2 / (lam_min + lam_max)
            out.rate = (kappa - 1) / (kappa + 1)
    return out


__all__ = [
    "DENSE_MAX_DIM",
    "CriticalLR",
    "HessianEigs",
    "TraceEstimate",
    "contraction",
    "critical_lr",
    "hessian_eigs",
    "hutchinson_trace",
    "hvp_function",
    "stability_constant",
]
