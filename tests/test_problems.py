"""Problems: values, autodiff gradients against closed forms, scipy and scikit-learn, minima."""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

import steepest as st
from steepest import optim
from steepest.datasets import lecture_line
from steepest.problems import (
    TEST_FUNCTIONS,
    Ackley,
    Beale,
    Booth,
    ConvexBowl,
    GoldsteinPrice,
    Himmelblau,
    LeastSquares,
    LogisticRegression,
    Matyas,
    NonConvexSurface,
    Quadratic,
    Quadratic1D,
    Rastrigin,
    Rosenbrock,
    SixHumpCamel,
    StyblinskiTang,
)

rng = np.random.default_rng(42)


@pytest.mark.parametrize("dim", [2, 5])
def test_rosenbrock_matches_scipy(dim):
    p = Rosenbrock(dim)
    for x in rng.uniform(-2, 2, size=(5, dim)):
        assert p.value(x) == pytest.approx(rosen(x), rel=1e-14)
        np.testing.assert_allclose(p.grad(x), rosen_der(x), rtol=1e-12)
        np.testing.assert_allclose(p.hessian(x), rosen_hess(x), rtol=1e-12, atol=1e-12)


CLOSED_FORM_GRADS = {
    Himmelblau: lambda x, y: [4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
                              2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)],
    Booth: lambda x, y: [2 * (x + 2 * y - 7) + 4 * (2 * x + y - 5),
                         4 * (x + 2 * y - 7) + 2 * (2 * x + y - 5)],
    Matyas: lambda x, y: [0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x],
    ConvexBowl: lambda x, y: [6 * x, 14 * y],
    Beale: lambda x, y: [
        2 * (1.5 - x + x * y) * (y - 1) + 2 * (2.25 - x + x * y ** 2) * (y ** 2 - 1)
        + 2 * (2.625 - x + x * y ** 3) * (y ** 3 - 1),
        2 * (1.5 - x + x * y) * x + 2 * (2.25 - x + x * y ** 2) * 2 * x * y
        + 2 * (2.625 - x + x * y ** 3) * 3 * x * y ** 2],
    SixHumpCamel: lambda x, y: [8 * x - 8.4 * x ** 3 + 2 * x ** 5 + y, x - 8 * y + 16 * y ** 3],
    Rastrigin: lambda x, y: [2 * x + 20 * np.pi * np.sin(2 * np.pi * x),
                             2 * y + 20 * np.pi * np.sin(2 * np.pi * y)],
    StyblinskiTang: lambda x, y: [0.5 * (4 * x ** 3 - 32 * x + 5), 0.5 * (4 * y ** 3 - 32 * y + 5)],
}


@pytest.mark.parametrize("cls", list(CLOSED_FORM_GRADS), ids=lambda c: c.__name__)
def test_autodiff_gradient_equals_closed_form(cls):
    p = cls()
    for x in rng.uniform(-2, 2, size=(5, 2)):
        np.testing.assert_allclose(p.grad(x), CLOSED_FORM_GRADS[cls](*x), rtol=1e-11,
                                   atol=1e-11)


@pytest.mark.parametrize("name", sorted(TEST_FUNCTIONS))
def test_every_function_gradcheck_minima_and_grid(name):
    p = TEST_FUNCTIONS[name]()
    assert p.dim == 2 and len(p.domain) == 2 and p.x0.shape == (2,) and len(p.minima) >= 1
    (xlo, xhi), (ylo, yhi) = p.domain
    x = np.array([rng.uniform(xlo, xhi), rng.uniform(ylo, yhi)])
    assert st.gradcheck(p, x)
    # every listed minimum has the same (global) value, the gradient vanishes there
    values = [p.value(m) for m in p.minima]
    np.testing.assert_allclose(values, values[0], atol=1e-12)
    if name != "Ackley":  # not differentiable at its minimum
        for m in p.minima:
            assert np.linalg.norm(p.grad(m)) < 1e-9
            assert np.all(np.linalg.eigvalsh(p.hessian(m)) > 0)
    # no sampled point of the domain is lower than the minimum
    xs, ys = np.linspace(xlo, xhi, 41), np.linspace(ylo, yhi, 37)
    grid = np.stack(np.meshgrid(xs, ys))
    Z = p.value(grid)
    assert Z.shape == (37, 41)
    assert Z.min() >= values[0] - 1e-9
    assert Z[5, 7] == pytest.approx(p.value(grid[:, 5, 7]), rel=1e-14)
    assert p.min_value == pytest.approx(values[0])


def test_known_minimum_values():
    assert Himmelblau().min_value == pytest.approx(0.0, abs=1e-20)
    assert GoldsteinPrice().min_value == pytest.approx(3.0)
    assert SixHumpCamel().min_value == pytest.approx(-1.0316284534898774, rel=1e-12)
    assert StyblinskiTang().min_value == pytest.approx(-39.16616570377142 * 2, rel=1e-12)
    assert Ackley().min_value == pytest.approx(0.0, abs=1e-14)
    assert len(Himmelblau().minima) == 4


def test_gd_finds_each_himmelblau_minimum_from_its_basin():
    p = Himmelblau()
    for m in p.minima:
        r = st.minimize(p, m + 0.3, optim.GD(lr=0.005), gtol=1e-8, max_steps=5000)
        assert r.status == "converged"
        np.testing.assert_allclose(r.x, m, atol=1e-7)


def test_non_convex_surface_has_a_non_global_local_minimum():
    p = NonConvexSurface()
    assert p.value(p.local_minima[1]) > p.value(p.local_minima[0])
    found = [st.minimize(p, x0, optim.GD(lr=0.2), gtol=1e-9, max_steps=10_000).x
             for x0 in ([2.5, 2.0], [-2.5, -2.0])]
    np.testing.assert_allclose(found, p.local_minima, atol=1e-7)
    # the convex bowl has a positive definite Hessian everywhere, the non-convex one does not
    assert np.linalg.eigvalsh(ConvexBowl().hessian([0.3, 0.1])).min() > 0
    assert np.linalg.eigvalsh(p.hessian([0.0, 0.0])).min() < 0


def test_quadratic1d_is_the_lecture_function():
    p = Quadratic1D()
    assert p.value([2.0]) == 3 * 4 - 8 + 5
    np.testing.assert_allclose(p.grad([-2.0]), [6 * -2 - 4])
    assert st.grad(p)(np.array([0.5]))[0] == pytest.approx(6 * 0.5 - 4)
    r = st.minimize(p, optimizer=optim.GD(lr=0.1), gtol=1e-10)
    assert r.x[0] == pytest.approx(2 / 3) and r.fun == pytest.approx(11 / 3)
    np.testing.assert_allclose(p.value(np.linspace(-5, 5, 7)[None]), 3 * np.linspace(-5, 5, 7) ** 2
                               - 4 * np.linspace(-5, 5, 7) + 5)
    with pytest.raises(ValueError, match="a must be positive"):
        Quadratic1D(a=-1)


def test_least_squares_closed_forms_equal_autodiff_and_lecture():
    X, y = lecture_line()
    p = LeastSquares(X, y)
    for beta in rng.normal(size=(4, 2)) * 5:
        value, g = p.value_and_grad(beta)
        assert 2 * value == pytest.approx(np.linalg.norm(y - X @ beta) ** 2, rel=1e-12)
        np.testing.assert_allclose(g, X.T @ X @ beta - X.T @ y, rtol=1e-12)
        ad_value, ad_g = st.value_and_grad(p)(beta)
        assert ad_value == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(ad_g, g, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(p.hessian(), X.T @ X)
    np.testing.assert_allclose(Quadratic.hessian(p), st.hessian(p)(np.zeros(2)), rtol=1e-12)
    np.testing.assert_allclose(p.solve(), np.linalg.solve(X.T @ X, X.T @ y), rtol=1e-10)
    assert 2 / p.eigenvalues[-1] == pytest.approx(0.00640, abs=5e-6)
    (b0lo, b0hi), (b1lo, b1hi) = p.domain
    assert b0lo < p.solve()[0] < b0hi and b1lo < p.solve()[1] < b1hi
    grid = np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-1, 1, 3)))
    np.testing.assert_allclose(p.value(grid), p(grid).data, rtol=1e-10)


def test_least_squares_start_and_domain():
    X, y = lecture_line()
    framed = LeastSquares(X, y, x0=[-8, -3.2])
    (b0lo, b0hi), (b1lo, b1hi) = framed.domain
    assert b0lo < -8 < b0hi and b1lo < -3.2 < b1hi
    np.testing.assert_array_equal(framed.x0, [-8, -3.2])
    fixed = LeastSquares(X, y, domain=((-12, 12), (-4, 4)))
    assert fixed.domain == ((-12.0, 12.0), (-4.0, 4.0))
    with pytest.raises(ValueError, match=r"x0 must have shape \(2,\)"):
        LeastSquares(X, y, x0=[1.0])


def test_least_squares_bad_input():
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        LeastSquares(np.ones(5), np.ones(5))
    with pytest.raises(ValueError, match=r"y must have shape \(5,\)"):
        LeastSquares(np.ones((5, 2)), np.ones(4))
    with pytest.raises(ValueError, match="NaN"):
        LeastSquares(np.full((5, 2), np.nan), np.ones(5))
    with pytest.raises(ValueError, match="A must be symmetric"):
        Quadratic([[1.0, 2.0], [0.0, 1.0]])


def test_logistic_regression_matches_autodiff_and_sklearn():
    sklearn = pytest.importorskip("sklearn.linear_model")
    n = 200
    Z = rng.normal(size=(n, 2))
    X = np.column_stack([np.ones(n), Z])
    y = (Z @ [1.5, -1.0] + 0.3 + rng.normal(size=n) > 0).astype(float)
    p = LogisticRegression(X, y, alpha=0.5)
    beta = rng.normal(size=3)
    value, g = p.value_and_grad(beta)
    ad_value, ad_g = st.value_and_grad(p)(beta)
    assert value == pytest.approx(ad_value, rel=1e-12)
    np.testing.assert_allclose(g, ad_g, rtol=1e-10)
    np.testing.assert_allclose(p.hessian(beta), st.hessian(p)(beta), rtol=1e-10)
    # sklearn minimizes ½‖w‖² + C Σ loss: the same as ours with alpha = 1/C (w incl. intercept)
    clf = sklearn.LogisticRegression(C=2.0, fit_intercept=False, tol=1e-12, max_iter=10_000)
    clf.fit(X, y)
    np.testing.assert_allclose(p.solve(), clf.coef_[0], rtol=1e-5, atol=1e-6)
    smoothness = 0.25 * np.linalg.eigvalsh(X.T @ X)[-1] + 0.5  # ∇²L ≤ ¼XᵀX + αI
    r = st.minimize(p, np.zeros(3), optim.GD(lr=1 / smoothness), gtol=1e-8, max_steps=5000)
    assert r.status == "converged"
    np.testing.assert_allclose(r.x, p.solve(), atol=1e-6)


def test_logistic_regression_separable_has_no_minimizer():
    X = np.column_stack([np.ones(6), np.arange(6.0)])
    y = np.array([0, 0, 0, 1, 1, 1.0])
    p = LogisticRegression(X, y)
    with pytest.raises(ValueError, match="separable"):
        p.solve()
    assert p.minima.shape == (0, 2)
    with pytest.raises(ValueError, match="only 0 and 1"):
        LogisticRegression(X, y * 2)


def test_variables_name_the_coordinates():
    X, y = st.datasets.lecture_line()
    assert st.problems.LeastSquares(X, y).variables == (r"\beta_0", r"\beta_1")
    assert st.problems.LogisticRegression(X, (y > y.mean()).astype(float)).variables == (
        r"\beta_0", r"\beta_1")
    for cls in st.problems.TEST_FUNCTIONS.values():
        assert cls().variables == ("x_1", "x_2"), cls.__name__
    assert st.problems.Quadratic1D().variables == ("x",)
    assert st.problems.Rosenbrock(dim=11).variables[-2:] == ("x_{10}", "x_{11}")
    r = st.problems.Rosenbrock()
    r.variables = ("w_1", "w_2")
    assert r.variables == ("w_1", "w_2") and st.problems.Rosenbrock().variables[0] == "x_1"
    with pytest.raises(ValueError, match="2 names"):
        r.variables = ("a",)
