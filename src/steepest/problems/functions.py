"""Classic test functions with known minima and default plotting domains.

Each is written once with steepest ops on ``x`` of shape ``(dim, ...)`` (``x[0]``, ``x[1]`` are
the coordinates), so the same code gives autodiff gradients at a point and values on a grid.
Formulas and minima as in Surjanovic & Bingham's Virtual Library of Simulation Experiments.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import autodiff as ad
from ..autodiff import Tensor
from .base import Problem


def _box(lo: float, hi: float, dim: int) -> tuple[tuple[float, float], ...]:
    return ((lo, hi),) * dim


class Quadratic1D(Problem):
    """The lecture's f(x) = a x² + b x + c, by default 3x² − 4x + 5: f′(x) = 6x − 4, minimum
    at x = −b/(2a) = 2/3, f(2/3) = 11/3."""

    name = "3x² − 4x + 5"
    constant_hessian = True
    dim = 1

    def __init__(self, a: float = 3.0, b: float = -4.0, c: float = 5.0):
        if a <= 0:
            raise ValueError(f"Quadratic1D: a must be positive (a minimum must exist), got {a}")
        super().__init__()
        self.a, self.b, self.c = float(a), float(b), float(c)
        if (a, b, c) != (3.0, -4.0, 5.0):
            self.name = f"{a:g}x² + {b:g}x + {c:g}"
        self.x0 = np.array([-2.0])
        self.minima = np.array([[-self.b / (2 * self.a)]])
        self.domain = ((-5.0, 5.0),)

    def f(self, x: Tensor) -> Tensor:
        x = x[0]
        return self.a * x * x + self.b * x + self.c

    def value_and_grad(self, x):
        x = float(np.asarray(x, dtype=float).reshape(-1)[0])
        return self.a * x * x + self.b * x + self.c, np.array([2 * self.a * x + self.b])

    def __repr__(self) -> str:
        return f"Quadratic1D(a={self.a:g}, b={self.b:g}, c={self.c:g})"


class ConvexBowl(Problem):
    """The lecture's strictly convex surface z = 3x₁² + 7x₂² (one global minimum at 0)."""

    name = "convex bowl 3x₁² + 7x₂²"
    constant_hessian = True

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([-4.0, 3.0])
        self.minima = np.zeros((1, 2))
        self.domain = ((-5.0, 5.0), (-5.0, 5.0))

    def f(self, x: Tensor) -> Tensor:
        return 3 * x[0] ** 2 + 7 * x[1] ** 2


class NonConvexSurface(Problem):
    """A non-convex surface with a local minimum that is not global: a shallow bowl with two
    Gaussian dips of different depth,

        f = 0.1(x² + y²) − 2 exp(−½((x − 1.5)² + (y − 1)²)) − 1.2 exp(−((x + 1.5)² + (y + 1.2)²)).

    ``minima`` holds the global minimizer, ``local_minima`` both (global first).
    """

    name = "non-convex surface"

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([-3.0, -3.5])
        self.local_minima = np.array([[1.3619091166788848, 0.907938690998664],
                                      [-1.3780507240877768, -1.1027144043020547]])
        self.minima = self.local_minima[:1]
        self.domain = ((-4.0, 4.0), (-4.0, 4.0))

    def f(self, x: Tensor) -> Tensor:
        a, b = x[0], x[1]
        bowl = 0.1 * (a * a + b * b)
        dip1 = 2.0 * ad.exp(-0.5 * ((a - 1.5) ** 2 + (b - 1.0) ** 2))
        dip2 = 1.2 * ad.exp(-((a + 1.5) ** 2 + (b + 1.2) ** 2))
        return bowl - dip1 - dip2


class Rosenbrock(Problem):
    """Σᵢ b(xᵢ₊₁ − xᵢ²)² + (a − xᵢ)², a curved narrow valley; minimum (a, a², …) = (1, …, 1)
    for a = 1. With a = 1, b = 100 this is ``scipy.optimize.rosen``."""

    name = "Rosenbrock"
    log_levels = True

    def __init__(self, dim: int = 2, a: float = 1.0, b: float = 100.0):
        if dim < 2:
            raise ValueError(f"Rosenbrock: dim must be >= 2, got {dim}")
        self.dim = int(dim)
        super().__init__()
        self.a, self.b = float(a), float(b)
        self.x0 = np.array([-1.2] + [1.0] * (self.dim - 1))
        if self.a == 1.0:
            self.minima = np.ones((1, self.dim))
        elif self.dim == 2:
            self.minima = np.array([[self.a, self.a ** 2]])
        self.domain = ((-2.0, 2.0), (-1.0, 3.0), *_box(-2.0, 2.0, self.dim - 2))

    def f(self, x: Tensor) -> Tensor:
        head, tail = x[:-1], x[1:]
        return (self.b * (tail - head * head) ** 2 + (self.a - head) ** 2).sum(axis=0)

    # closed forms (no graph): t = x_{i+1} − x_i², u = a − x_i,
    # ∂/∂x_i = −4b x_i t − 2u, ∂/∂x_{i+1} = 2b t
    def value_and_grad(self, x: Any) -> tuple[float, np.ndarray]:
        v, g = self.value_and_grad_batch(np.asarray(x, dtype=float).reshape(1, self.dim))
        return float(v[0]), g[0]

    def value_and_grad_batch(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """A stack (N, dim) at once, from the closed-form gradient."""
        X = np.asarray(X, dtype=float)
        head, tail = X[:, :-1], X[:, 1:]
        t, u = tail - head * head, self.a - head
        G = np.zeros_like(X)
        G[:, :-1] = -4 * self.b * head * t - 2 * u
        G[:, 1:] += 2 * self.b * t
        return (self.b * t * t + u * u).sum(axis=1), G

    def __repr__(self) -> str:
        return f"Rosenbrock(dim={self.dim}, a={self.a:g}, b={self.b:g})"


class Himmelblau(Problem):
    """(x² + y − 11)² + (x + y² − 7)²: four global minima, all with value 0."""

    name = "Himmelblau"
    log_levels = True

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([0.0, 0.0])
        self.minima = np.array([[3.0, 2.0],
                                [-2.805118086952745, 3.131312518250573],
                                [-3.779310253377747, -3.283185991286170],
                                [3.584428340330492, -1.848126526964404]])
        self.domain = ((-5.0, 5.0), (-5.0, 5.0))

    def f(self, x: Tensor) -> Tensor:
        a, b = x[0], x[1]
        return (a * a + b - 11) ** 2 + (a + b * b - 7) ** 2


class Beale(Problem):
    """(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²; minimum (3, 0.5), value 0."""

    name = "Beale"
    log_levels = True

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([1.0, 1.5])
        self.minima = np.array([[3.0, 0.5]])
        self.domain = ((-4.5, 4.5), (-4.5, 4.5))

    def f(self, x: Tensor) -> Tensor:
        a, b = x[0], x[1]
        return ((1.5 - a + a * b) ** 2 + (2.25 - a + a * b * b) ** 2
                + (2.625 - a + a * b * b * b) ** 2)


class Booth(Problem):
    """(x + 2y − 7)² + (2x + y − 5)², a convex quadratic; minimum (1, 3), value 0."""

    name = "Booth"
    constant_hessian = True

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([-8.0, -8.0])
        self.minima = np.array([[1.0, 3.0]])
        self.domain = ((-10.0, 10.0), (-10.0, 10.0))

    def f(self, x: Tensor) -> Tensor:
        a, b = x[0], x[1]
        return (a + 2 * b - 7) ** 2 + (2 * a + b - 5) ** 2


class Matyas(Problem):
    """0.26(x² + y²) − 0.48xy, a flat convex quadratic (condition number 25); minimum 0."""

    name = "Matyas"
    constant_hessian = True

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([-8.0, 6.0])
        self.minima = np.zeros((1, 2))
        self.domain = ((-10.0, 10.0), (-10.0, 10.0))

    def f(self, x: Tensor) -> Tensor:
        a, b = x[0], x[1]
        return 0.26 * (a * a + b * b) - 0.48 * a * b


class Rastrigin(Problem):
    """A·n + Σ (xᵢ² − A cos 2πxᵢ), A = 10: a regular grid of local minima; global minimum 0."""

    name = "Rastrigin"

    def __init__(self, dim: int = 2, A: float = 10.0):
        self.dim = int(dim)
        super().__init__()
        self.A = float(A)
        self.x0 = np.full(self.dim, 3.2)
        self.minima = np.zeros((1, self.dim))
        self.domain = _box(-5.12, 5.12, self.dim)

    def f(self, x: Tensor) -> Tensor:
        return self.A * self.dim + (x * x - self.A * ad.cos(2 * math.pi * x)).sum(axis=0)

    def __repr__(self) -> str:
        return f"Rastrigin(dim={self.dim})"


class Ackley(Problem):
    """−20 exp(−0.2 √(mean xᵢ²)) − exp(mean cos 2πxᵢ) + 20 + e: a nearly flat outer region, many
    local minima, a sharp global minimum 0 at the origin (where the gradient is undefined)."""

    name = "Ackley"

    def __init__(self, dim: int = 2):
        self.dim = int(dim)
        super().__init__()
        self.x0 = np.full(self.dim, 3.5)
        self.minima = np.zeros((1, self.dim))
        self.domain = _box(-5.0, 5.0, self.dim)

    def f(self, x: Tensor) -> Tensor:
        r = ad.sqrt((x * x).mean(axis=0))
        c = ad.cos(2 * math.pi * x).mean(axis=0)
        return -20.0 * ad.exp(-0.2 * r) - ad.exp(c) + 20.0 + math.e

    def __repr__(self) -> str:
        return f"Ackley(dim={self.dim})"


class StyblinskiTang(Problem):
    """½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ): 2ⁿ local minima; global minimum at xᵢ = −2.903534,
    value −39.16617·n."""

    name = "Styblinski–Tang"
    X_STAR = -2.903534027771178

    def __init__(self, dim: int = 2):
        self.dim = int(dim)
        super().__init__()
        self.x0 = np.full(self.dim, 0.5)
        self.minima = np.full((1, self.dim), self.X_STAR)
        self.domain = _box(-5.0, 5.0, self.dim)

    def f(self, x: Tensor) -> Tensor:
        return 0.5 * (x ** 4 - 16 * x * x + 5 * x).sum(axis=0)

    def __repr__(self) -> str:
        return f"StyblinskiTang(dim={self.dim})"


class GoldsteinPrice(Problem):
    """Goldstein–Price: a product of two quartic factors with wide range; minimum (0, −1),
    value 3, and several local minima."""

    name = "Goldstein–Price"
    log_levels = True

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([-1.0, 1.0])
        self.minima = np.array([[0.0, -1.0]])
        self.domain = ((-2.0, 2.0), (-2.0, 2.0))

    def f(self, x: Tensor) -> Tensor:
        a, b = x[0], x[1]
        f1 = 1 + (a + b + 1) ** 2 * (19 - 14 * a + 3 * a * a - 14 * b + 6 * a * b + 3 * b * b)
        f2 = 30 + (2 * a - 3 * b) ** 2 * (18 - 32 * a + 12 * a * a + 48 * b - 36 * a * b
                                          + 27 * b * b)
        return f1 * f2


class SixHumpCamel(Problem):
    """(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²: six local minima, two global ones at
    ±(0.0898, −0.7127), value −1.0316."""

    name = "six-hump camel"

    def __init__(self) -> None:
        super().__init__()
        self.x0 = np.array([-1.5, -1.0])
        self.minima = np.array([[0.08984201310031807, -0.7126564030207396],
                                [-0.08984201310031807, 0.7126564030207396]])
        self.domain = ((-3.0, 3.0), (-2.0, 2.0))

    def f(self, x: Tensor) -> Tensor:
        a, b = x[0], x[1]
        a2, b2 = a * a, b * b
        return (4 - 2.1 * a2 + a2 * a2 / 3) * a2 + a * b + (-4 + 4 * b2) * b2


__all__ = ["Ackley", "Beale", "Booth", "ConvexBowl", "GoldsteinPrice", "Himmelblau", "Matyas",
           "NonConvexSurface", "Quadratic1D", "Rastrigin", "Rosenbrock", "SixHumpCamel",
           "StyblinskiTang"]
