"""Problems to descend on: least squares, logistic regression, quadratics and classic test
functions, each with known minima, a default start and a plotting domain.

A problem is callable on a Tensor (autodiff works through it), evaluates grids with ``.value``,
and gives ``.value_and_grad`` in closed form where one is cheap (least squares costs O(p²) per
step from its precomputed Gram matrix).
"""

from __future__ import annotations

from .base import Domain, Problem
from .clustering import GaussianMixture, KMeans
from .functions import (
    Ackley,
    Beale,
    Booth,
    ConvexBowl,
    GoldsteinPrice,
    Himmelblau,
    Matyas,
    NonConvexSurface,
    Quadratic1D,
    Rastrigin,
    Rosenbrock,
    SixHumpCamel,
    StyblinskiTang,
)
from .regression import LeastSquares, LogisticRegression, Quadratic

#: the classic 2-D test functions, by name (for galleries and the command line)
TEST_FUNCTIONS = {cls.__name__: cls for cls in (
    Rosenbrock, Himmelblau, Beale, Booth, Rastrigin, Ackley, StyblinskiTang, GoldsteinPrice,
    Matyas, SixHumpCamel, ConvexBowl, NonConvexSurface)}

__all__ = [
    "TEST_FUNCTIONS",
    "Ackley",
    "Beale",
    "Booth",
    "ConvexBowl",
    "Domain",
    "GaussianMixture",
    "GoldsteinPrice",
    "Himmelblau",
    "KMeans",
    "LeastSquares",
    "LogisticRegression",
    "Matyas",
    "NonConvexSurface",
    "Problem",
    "Quadratic",
    "Quadratic1D",
    "Rastrigin",
    "Rosenbrock",
    "SixHumpCamel",
    "StyblinskiTang",
]
