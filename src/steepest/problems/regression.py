"""Quadratics, least squares and logistic regression, with closed-form gradients and Hessians."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from .. import autodiff as ad
from ..autodiff import Tensor
from .base import Domain, Problem


def _as_matrix(X: Any, name: str) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{name}: X must be a 2-D array (n samples, p features), got shape "
                         f"{X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: X contains NaN or infinite values")
    return X


def _as_target(y: Any, n: int, name: str) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (n,):
        raise ValueError(f"{name}: y must have shape ({n},) to match X, got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name}: y contains NaN or infinite values")
    return y


def _flat_points(x: Tensor) -> tuple[Tensor, tuple[int, ...]]:
    """x of shape (p, ...) as a matrix (p, m) of m points, and the grid shape (...)."""
    return x.reshape(x.shape[0], -1), x.shape[1:]


def _start(x0: Any, dim: int, name: str) -> np.ndarray:
    x0 = np.asarray(x0, dtype=float)
    if x0.shape != (dim,):
        raise ValueError(f"{name}: x0 must have shape ({dim},), got {x0.shape}")
    return x0


def _ellipse_domain(center: np.ndarray, H: np.ndarray, level: float) -> Domain:
    """Per-coordinate extent of {x : ½(x − c)ᵀH(x − c) ≤ level}, widened by 20%:
    half-width_i = √(2·level·(H⁻¹)ᵢᵢ)."""
    half = 1.2 * np.sqrt(2.0 * max(level, 1e-12) * np.diag(np.linalg.pinv(H)))
    half = np.maximum(half, 1e-6 * np.maximum(np.abs(center), 1.0))
    return tuple((float(c - h), float(c + h)) for c, h in zip(center, half))


class Quadratic(Problem):
    """L(x) = ½ xᵀAx − bᵀx + c with A symmetric: ∇L = Ax − b, ∇²L = A.

    For A positive definite the minimizer is A⁻¹b and gradient descent with step η converges iff
    η < 2/λ_max, fastest at η* = 2/(λ_min + λ_max) with rate (κ − 1)/(κ + 1) per step.
    """

    name = "quadratic"
    constant_hessian = True

    def __init__(self, A: Any, b: Any = None, c: float = 0.0, *, x0: Any = None,
                 domain: Domain | None = None):
        A = np.asarray(A, dtype=float)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"Quadratic: A must be a square matrix, got shape {A.shape}")
        if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * np.abs(A).max(initial=1.0)):
            raise ValueError("Quadratic: A must be symmetric")
        self.dim = A.shape[0]  # minima and domain are computed lazily: no Problem.__init__
        self.A = A
        self.b = np.zeros(self.dim) if b is None else np.asarray(b, dtype=float)
        if self.b.shape != (self.dim,):
            raise ValueError(f"Quadratic: b must have shape ({self.dim},), got {self.b.shape}")
        self.c = float(c)
        self.x0 = np.ones(self.dim) if x0 is None else _start(x0, self.dim, "Quadratic")
        if domain is not None:
            self.domain = tuple((float(lo), float(hi)) for lo, hi in domain)

    # closed forms --------------------------------------------------------------------------
    def f(self, x: Tensor) -> Tensor:
        pts, shape = _flat_points(x)
        Ax = ad.matmul(self.A, pts)
        out = 0.5 * (pts * Ax).sum(axis=0) - ad.matmul(self.b, pts) + self.c
        return out.reshape(shape)

    def value(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        pts = x.reshape(self.dim, -1)
        out = 0.5 * np.einsum("im,im->m", pts, self.A @ pts) - self.b @ pts + self.c
        return float(out[0]) if x.ndim == 1 else out.reshape(x.shape[1:])

    def value_and_grad(self, x: Any) -> tuple[float, np.ndarray]:
        """O(p²): ``(½xᵀ(Ax − 2b) + c, Ax − b)`` (ndarray.dot: the same BLAS calls as @, at a
        quarter of its dispatch cost on small p; the drivers call this every step)."""
        x = np.asarray(x, dtype=float)
        g = self.A.dot(x) - self.b
        return float(0.5 * x.dot(g - self.b) + self.c), g

    def value_and_grad_batch(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """A stack (N, dim) at once: values ½xᵢᵀAxᵢ − bᵀxᵢ + c and gradients XA − b (A
        symmetric), O(N·dim²)."""
        X = np.asarray(X, dtype=float)
        G = X @ self.A - self.b
        return 0.5 * np.einsum("ij,ij->i", X, G - self.b) + self.c, G

    def hessian(self, x: Any = None) -> np.ndarray:
        """The constant Hessian A (``x`` is ignored)."""
        return self.A.copy()

    def hvp(self, x: Any, v: Any) -> np.ndarray:
        return self.A @ np.asarray(v, dtype=float)

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of A, ascending."""
        return np.linalg.eigvalsh(self.A)

    def solve(self) -> np.ndarray:
        """The minimizer A⁻¹b (least-squares solution if A is singular)."""
        return np.linalg.lstsq(self.A, self.b, rcond=None)[0]

    @cached_property
    def minima(self) -> np.ndarray:  # type: ignore[override]
        if self.eigenvalues[0] <= 0:
            return np.empty((0, self.dim))
        return self.solve()[None, :]

    @cached_property
    def domain(self) -> Domain:  # type: ignore[override]
        """A box around the minimizer holding the level set through ``x0`` and the origin
        (give ``domain=`` or ``x0=`` at construction to frame another region)."""
        if not len(self.minima):
            return ((-5.0, 5.0),) * self.dim
        center = self.minima[0]
        level = max(self.value(self.x0), self.value(np.zeros(self.dim))) - self.value(center)
        return _ellipse_domain(center, self.A, level)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"


#: ``LeastSquares(reduction=…)``: the factor s in L(β) = s·‖y − Xβ‖²
REDUCTIONS = {"half": 0.5, "sum": 1.0, "mean": None}


class LeastSquares(Quadratic):
    """Linear least squares L(β) = s·‖y − Xβ‖², by default ``reduction="half"`` (s = ½, gradient
    XᵀXβ − Xᵀy); ``"sum"`` is the lecture's ℒ(β) = ‖y − Xβ‖² with gradient 2XᵀXβ − 2Xᵀy, and
    ``"mean"`` the mean squared error (s = 1/n).

    The lecture's *code* steps with η(XᵀXβ − Xᵀy) while plotting ‖y − Xβ‖²: that is gradient
    descent with rate η on ``reduction="half"`` (or η/2 on ``"sum"``), with the losses shown
    on the ``"sum"`` scale. The Gram matrix G = XᵀX, Xᵀy and yᵀy are computed once, so a value
    and gradient cost O(p²) instead of O(np): L = s(βᵀGβ − 2βᵀXᵀy + yᵀy) (absolute rounding
    ≈ ε‖y‖²). The Hessian is 2sG; :meth:`solve` uses ``lstsq`` on X (no squared condition
    number).
    """

    name = "least squares"
    symbol, first_index = "\\beta", 0  # the lecture's β₀ (intercept), β₁, …

    def __init__(self, X: Any, y: Any, *, reduction: str = "half", x0: Any = None,
                 domain: Domain | None = None):
        from .._validate import check_choice
        X = _as_matrix(X, "LeastSquares")
        y = _as_target(y, X.shape[0], "LeastSquares")
        check_choice(reduction, "LeastSquares: reduction", REDUCTIONS)
        self.X, self.y, self.reduction = X, y, reduction
        scale = REDUCTIONS[reduction] or 1.0 / X.shape[0]
        self.scale = scale
        super().__init__(2 * scale * (X.T @ X), 2 * scale * (X.T @ y), scale * float(y @ y),
                         domain=domain)
        self.x0 = np.zeros(self.dim) if x0 is None else _start(x0, self.dim, "LeastSquares")

    def f(self, x: Tensor) -> Tensor:
        """s·‖y − Xβ‖² from the residuals (the autodiff path; grids ``(p, ...)`` too)."""
        pts, shape = _flat_points(x)
        r = self.y[:, None] - ad.matmul(self.X, pts)
        return (self.scale * (r * r).sum(axis=0)).reshape(shape)

    def solve(self) -> np.ndarray:
        """The least-squares solution β* = argmin ‖y − Xβ‖ (``numpy.linalg.lstsq``)."""
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    @property
    def formula(self) -> str:
        """The loss as written on figures: ``½‖y − Xβ‖²``, ``‖y − Xβ‖²`` or ``(1/n)‖y − Xβ‖²``."""
        return {"half": "½", "sum": "", "mean": "(1/n)"}[self.reduction] + "‖y − Xβ‖²"

    def __repr__(self) -> str:
        red = "" if self.reduction == "half" else f", reduction={self.reduction!r}"
        return f"LeastSquares(n={self.X.shape[0]}, p={self.dim}{red})"


class LogisticRegression(Problem):
    """Logistic regression, L(β) = Σᵢ [log(1 + e^{zᵢ}) − yᵢzᵢ] + ½α‖β‖², z = Xβ, y ∈ {0, 1}.

    Convex; ∇L = Xᵀ(σ(Xβ) − y) + αβ, ∇²L = XᵀDX + αI with D = diag(σ(1 − σ)). Include a column
    of ones in X for an intercept. Without regularisation (α = 0) separable data have no
    minimizer (the loss decreases towards 0 as ‖β‖ → ∞).
    """

    name = "logistic regression"
    symbol, first_index = "\\beta", 0

    def __init__(self, X: Any, y: Any, alpha: float = 0.0):
        X = _as_matrix(X, "LogisticRegression")
        y = _as_target(y, X.shape[0], "LogisticRegression")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("LogisticRegression: y must contain only 0 and 1")
        if alpha < 0:
            raise ValueError(f"LogisticRegression: alpha must be non-negative, got {alpha}")
        self.dim = X.shape[1]  # minima and domain are computed lazily: no Problem.__init__
        self.X, self.y, self.alpha = X, y, float(alpha)
        self.x0 = np.zeros(self.dim)

    def f(self, x: Tensor) -> Tensor:
        pts, shape = _flat_points(x)
        z = ad.matmul(self.X, pts)
        out = (ad.softplus(z) - self.y[:, None] * z).sum(axis=0)
        if self.alpha:
            out = out + 0.5 * self.alpha * (pts * pts).sum(axis=0)
        return out.reshape(shape)

    def value_and_grad(self, x: Any) -> tuple[float, np.ndarray]:
        x = np.asarray(x, dtype=float)
        z = self.X @ x
        value = float(np.sum(np.logaddexp(0.0, z) - self.y * z)) + 0.5 * self.alpha * (x @ x)
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # σ(z) without overflow
        return value, self.X.T @ (p - self.y) + self.alpha * x

    def value_and_grad_batch(self, B: Any) -> tuple[np.ndarray, np.ndarray]:
        """A stack of N coefficient vectors B (N, p) at once: Z = B Xᵀ (N, n), values
        Σⱼ log(1 + e^{Z}) − Z y + ½α‖β‖², gradients (σ(Z) − y) X + αB; O(N·n·p)."""
        B = np.asarray(B, dtype=float)
        Z = B @ self.X.T
        values = np.logaddexp(0.0, Z).sum(axis=1) - Z @ self.y
        P = 0.5 * (1.0 + np.tanh(0.5 * Z))
        G = (P - self.y) @ self.X
        if self.alpha:
            values = values + 0.5 * self.alpha * np.einsum("ij,ij->i", B, B)
            G = G + self.alpha * B
        return values, G

    def hessian(self, x: Any) -> np.ndarray:
        z = self.X @ np.asarray(x, dtype=float)
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        return (self.X.T * (p * (1 - p))) @ self.X + self.alpha * np.eye(self.dim)

    def solve(self, tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
        """The minimizer by Newton's method with backtracking; raises ``ValueError`` when none
        exists (separable data without regularisation)."""
        beta = np.zeros(self.dim)
        value, g = self.value_and_grad(beta)
        for _ in range(max_iter):
            if np.linalg.norm(g) <= tol * max(1.0, len(self.y)):
                if self.alpha == 0 and np.all((self.X @ beta > 0) == (self.y == 1)):
                    break  # a separating β: the loss only vanishes as ‖β‖ → ∞
                return beta
            H = self.hessian(beta)
            step = np.linalg.lstsq(H, g, rcond=None)[0]
            t = 1.0
            while True:
                new_value, new_g = self.value_and_grad(beta - t * step)
                if new_value <= value - 1e-4 * t * (g @ step) or t < 1e-12:
                    break
                t *= 0.5
            beta, value, g = beta - t * step, new_value, new_g
            if np.linalg.norm(beta) > 1e6:
                break
        raise ValueError("LogisticRegression.solve: Newton's method did not converge; the data "
                         "may be linearly separable (no minimizer without regularisation: set "
                         "alpha > 0)")

    @cached_property
    def minima(self) -> np.ndarray:  # type: ignore[override]
        try:
            return self.solve()[None, :]
        except ValueError:
            return np.empty((0, self.dim))

    @cached_property
    def domain(self) -> Domain:  # type: ignore[override]
        if not len(self.minima):
            return ((-5.0, 5.0),) * self.dim
        return tuple((float(c - max(2.0, 2 * abs(c))), float(c + max(2.0, 2 * abs(c))))
                     for c in self.minima[0])

    def __repr__(self) -> str:
        return f"LogisticRegression(n={self.X.shape[0]}, p={self.dim}, alpha={self.alpha:g})"


__all__ = ["LeastSquares", "LogisticRegression", "Quadratic"]
