"""Acceptance: the lecture's gradient-descent runs, reproduced."""

import numpy as np
import pytest

import steepest as st
from steepest.datasets import lecture_gradient_descent, lecture_line
from steepest.optim import GD
from steepest.problems import LeastSquares


@pytest.fixture(scope="module")
def data():
    return lecture_line()


def test_eta_0002_reproduces_the_lecture(data):
    X, y = data
    betas, losses = lecture_gradient_descent(X, y, np.array([-8, -3.2]), 0.002)
    problem = LeastSquares(X, y)
    result = st.minimize(problem, [-8, -3.2], GD(lr=0.002), max_steps=1000)
    assert result.status == "max_steps" and result.nit == 1000
    assert result.history.x.shape == (1001, 2)
    np.testing.assert_allclose(result.history.x, betas, rtol=0, atol=1e-12)
    np.testing.assert_allclose(2 * result.history.loss, losses, rtol=1e-12)
    assert np.all(result.history.lr == 0.002)
    # after 1000 steps the lecture's run is still 1.6e-4 from β* (slowest factor
    # 1 − ηλ_min ≈ 0.989 per step); continuing it reaches the normal-equations solution
    assert 1e-4 < np.abs(result.x - problem.solve()).max() < 1e-3
    longer = st.minimize(problem, [-8, -3.2], GD(lr=0.002), max_steps=3000, gtol=1e-9)
    assert longer.status == "converged"
    np.testing.assert_allclose(longer.x, problem.solve(), atol=1e-6)


def test_eta_0065_diverges(data):
    """1 − ηλ_max = −1.031. The problem knows its Hessian is constant, so the error along the
    top eigenvector is multiplied by exactly −1.031 every step: after 12 such steps divergence is
    certain (step 12; the lecture's figure of the disaster shows 18). The same loss written as a
    plain function is judged by its losses alone: at the first step it is 10³× its start above
    its best, growing geometrically ×1.063 per step (step 123)."""
    X, y = data
    problem = LeastSquares(X, y)
    w, V = np.linalg.eigh(X.T @ X)
    result = st.minimize(problem, [-8, -2], GD(lr=0.0065), max_steps=1000)
    assert result.status == "diverged" and not result.success
    assert result.nit == result.diverged_at == 12 and result.verdict.rule == "certain"
    # the evidence, recomputed: the gradient's component along the top eigenvector
    p = (result.history.x @ (X.T @ X) - X.T @ y) @ V[:, -1]
    np.testing.assert_allclose(p[1:] / p[:-1], 1 - 0.0065 * w[-1], rtol=1e-9)
    assert result.verdict.growth == pytest.approx(abs(1 - 0.0065 * w[-1]), rel=1e-12)
    assert "diverged at step 12" in result.message and "2/λ_max = 0.006401" in result.message

    plain = st.minimize(problem.f, [-8, -2], GD(lr=0.0065), max_steps=1000)  # a function
    assert plain.nit == plain.diverged_at and plain.verdict.rule == "growth"
    L = plain.history.loss
    excess = (L - L.min()) / max(L[0] - L.min(), L[0])
    assert plain.diverged_at == int(np.argmax(excess > 1e3)) == 123
    assert plain.verdict.growth == pytest.approx((1 - 0.0065 * w[-1]) ** 2, rel=0.01)


def test_eta_0065_without_divergence_handling_gives_the_lectures_growing_losses(data):
    X, y = data
    betas, losses = lecture_gradient_descent(X, y, np.array([-8, -2]), 0.0065, nsteps=100)
    result = st.minimize(LeastSquares(X, y), [-8, -2], GD(lr=0.0065), max_steps=100,
                         on_divergence="ignore")
    assert result.status == "max_steps"
    np.testing.assert_allclose(result.history.x, betas, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(2 * result.history.loss, losses, rtol=1e-11)
    assert losses[-1] > 200 * losses[0]


def test_eta_0055_converges_while_oscillating(data):
    X, y = data
    problem = LeastSquares(X, y)
    result = st.minimize(problem, [-8, -3.2], GD(lr=0.0055), max_steps=2000, gtol=1e-8)
    assert result.status == "converged" and result.success
    np.testing.assert_allclose(result.x, problem.solve(), atol=1e-8)
    # the error along the top eigenvector flips sign every step
    _, V = np.linalg.eigh(problem.hessian())
    e = (result.history.x[:20] - problem.solve()) @ V[:, -1]
    assert np.all(np.sign(e[1:]) == -np.sign(e[:-1]))


def test_backoff_at_0065_converges(data):
    X, y = data
    problem = LeastSquares(X, y)
    result = st.minimize(problem, [-8, -2], GD(lr=0.0065), max_steps=2000, gtol=1e-6,
                         on_divergence="backoff")
    assert result.status == "converged"
    assert result.history.backoffs == [0]
    assert result.history.lr[0] == pytest.approx(0.00325)
    assert result.lr < 2 / problem.eigenvalues[-1]
    np.testing.assert_allclose(result.x, problem.solve(), atol=1e-6)
