"""Gradient descent on least squares: steepest vs the lecture's own loop, and the driver's
per-step overhead.

* lecture loop, n = 100,000, p = 10: one call is a 100-step run from β = 0 with η = 1/λ_max.
  The lecture's ``gradient_descent`` recomputes ``X.T @ X @ beta`` (O(np²)) and the residual norm
  (O(np)) every step; ``minimize(LeastSquares(X, y), …)`` forms XᵀX and Xᵀy once and then
  spends O(p²) per step. The timed steepest call includes building the problem. Target: ≥ 20×.
  The iterates are checked equal (1e-10) before timing.
* driver overhead: 10,000 GD steps on a 2-D quadratic, where a step is nearly free, against a
  hand-written NumPy loop that records the same history in preallocated arrays; the ratio shows
  what minimize's bookkeeping (stopping rules, divergence checks, history) costs per step.
  Target: ratio ≥ 0.8 (a minimize step costs at most 1.25× a bare recorded step).
"""

from __future__ import annotations

import numpy as np
from harness import Group

import steepest as st
from steepest.datasets import lecture_gradient_descent
from steepest.optim import GD
from steepest.problems import LeastSquares, Quadratic

N, P, STEPS = 100_000, 10, 100


def _data() -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(N), rng.normal(size=(N, P - 1))])
    y = X @ rng.normal(size=P) + rng.normal(size=N)
    eta = 1.0 / np.linalg.eigvalsh(X.T @ X)[-1]
    return X, y, eta


def _lecture_group() -> Group:
    X, y, eta = _data()
    beta0 = np.zeros(P)

    def steepest_way():
        def run():
            return st.minimize(LeastSquares(X, y), beta0, GD(lr=eta), max_steps=STEPS)
        betas, losses = lecture_gradient_descent(X, y, beta0, eta, STEPS)
        result = run()
        np.testing.assert_allclose(result.history.x, betas, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(2 * result.history.loss, losses, rtol=1e-8)
        return run

    def lecture_way():
        return lambda: lecture_gradient_descent(X, y, beta0, eta, STEPS)

    return Group(name=f"least squares GD n={N:,} p={P}", unit=f"{STEPS}-step run",
                 ways={"steepest": steepest_way, "lecture loop": lecture_way},
                 target={"lecture loop": 20.0}, repeats=5, way_repeats={"lecture loop": 3},
                 notes="same iterates checked to 1e-10 before timing")


def _overhead_group() -> Group:
    steps = 10_000
    A = np.diag([1.0, 10.0])
    problem = Quadratic(A)
    x0 = np.array([1.0, 1.0])

    def steepest_way():
        return lambda: st.minimize(problem, x0, GD(lr=0.01), max_steps=steps)

    def bare_way():
        def run():
            xs = np.empty((steps + 1, 2))
            losses = np.empty(steps + 1)
            norms = np.empty(steps + 1)
            x = x0
            for k in range(steps + 1):
                f, g = problem.value_and_grad(x)
                xs[k], losses[k], norms[k] = x, f, np.sqrt(g @ g)
                x = x - 0.01 * g
            return xs, losses, norms
        return run

    return Group(name="minimize overhead, 2-D quadratic", unit=f"{steps:,}-step run",
                 ways={"steepest": steepest_way, "bare NumPy loop": bare_way}, repeats=5,
                 target={"bare NumPy loop": 0.8},
                 notes="ratio < 1: the bare loop is faster; 1/ratio = minimize's cost per step "
                       "relative to a minimal recorded loop")


def groups() -> list[Group]:
    return [_lecture_group(), _overhead_group()]
