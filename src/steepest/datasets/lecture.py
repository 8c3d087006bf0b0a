"""The reference lecture's data, reproduced exactly."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class LectureLine(NamedTuple):
    """The lecture's 10 points as a design matrix ``X`` (a column of ones, then x) and targets
    ``y``. Unpacks as ``X, y = lecture_line()``."""

    X: np.ndarray
    y: np.ndarray

    @property
    def x(self) -> np.ndarray:
        """The raw inputs (the lecture's ``xlin``)."""
        return self.X[:, 1]

    @property
    def beta_true(self) -> np.ndarray:
        """The β = (1, 0.5) the points were drawn around."""
        return np.array([1.0, 0.5])


def lecture_line(n: int = 10, seed: int = 1) -> LectureLine:
    """The lecture's line-fit data: ``np.random.seed(1)``, x = −10 + 20·U(0, 1),
    y = β₀ + β₁x + N(0, 1) with β = (1, 0.5), drawn from the same legacy stream the lecture uses
    (without touching NumPy's global random state)."""
    rng = np.random.RandomState(seed)
    beta = np.array([1.0, 0.5])
    xlin = -10.0 + 20.0 * rng.random_sample(n)
    y = beta[0] + beta[1] * xlin + rng.randn(n)
    return LectureLine(np.column_stack([np.ones(n), xlin]), y)


def lecture_gradient_descent(X: np.ndarray, y: np.ndarray, beta_hat: np.ndarray, eta: float,
                             nsteps: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's own gradient-descent loop, kept verbatim as the reference that
    ``steepest.minimize`` is tested and benchmarked against: ``(betas, losses)`` with the loss
    ‖y − Xβ‖² (twice steepest's ``LeastSquares``) recomputed, with XᵀXβ, at every step."""
    def loss(X, y, beta):
        return np.linalg.norm(y - X @ beta) ** 2

    def gradient(X, y, beta):
        return X.T @ X @ beta - X.T @ y

    losses = [loss(X, y, beta_hat)]
    betas = [beta_hat]
    for _ in range(nsteps):
        new_beta_hat = beta_hat - eta * gradient(X, y, beta_hat)
        beta_hat = new_beta_hat
        losses.append(loss(X, y, new_beta_hat))
        betas.append(new_beta_hat)
    return np.array(betas), np.array(losses)


#: the starts the lecture runs its learning rates from: η = 0.002 from (−8, −3.2); the
#: oscillating η = 0.0055 and the diverging η = 0.0065 from (−8, −2)
LECTURE_STARTS = {0.002: (-8.0, -3.2), 0.0055: (-8.0, -2.0), 0.0065: (-8.0, -2.0)}


#: the box the lecture draws its loss surface over: β₀ ∈ (−12, 12), β₁ ∈ (−4, 4)
LECTURE_BOX = ((-12.0, 12.0), (-4.0, 4.0))


def lecture_problem(reduction: str = "sum") -> Any:
    """The lecture's loss on its 10 points as a :class:`~steepest.problems.LeastSquares` framed
    on the lecture's box: by default its ℒ(β) = ‖y − Xβ‖² (``reduction="sum"``, what its
    figures show); ``reduction="half"`` is ½‖y − Xβ‖², whose gradient XᵀXβ − Xᵀy is the step its
    code takes (so its rates η = 0.002, 0.0055, 0.0065 mean the same there)."""
    from ..problems import LeastSquares
    return LeastSquares(*lecture_line(), reduction=reduction, domain=LECTURE_BOX)


def lecture_start(lr: float) -> tuple[float, float]:
    """The lecture's start for learning rate ``lr``: (−8, −3.2) for its converging rate and
    anything at or below it (η ≤ 0.002), (−8, −2) — where it shows oscillation and divergence —
    above."""
    return LECTURE_STARTS[0.002] if lr <= 0.002 else LECTURE_STARTS[0.0065]
