"""grad, value_and_grad, hvp, hessian, jacobian against closed forms and torch.func; gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import make

rng = np.random.default_rng(7)
A = rng.normal(size=(3, 3))
B = rng.normal(size=(4, 3))


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosenbrock_hessian(x):
    a, b = x
    return np.array([[2 - 400 * (b - a * a) + 800 * a * a, -400 * a], [-400 * a, 200.0]])


def test_grad_and_value_and_grad_closed_forms():
    x = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(st.grad(lambda t: (t ** 3).sum())(x), 3 * x ** 2)
    value, g = st.value_and_grad(lambda t: (t @ A @ t) / 2)(x)
    assert value == pytest.approx(x @ A @ x / 2)
    np.testing.assert_allclose(g, (A + A.T) @ x / 2)
    assert isinstance(g, np.ndarray) and g.shape == x.shape


def test_grad_with_several_argnums_and_tensor_inputs():
    def f(w, x, b):
        return ((x @ w + b) ** 2).sum()
    w, x, b = rng.normal(size=3), rng.normal(size=(5, 3)), 0.5
    gw, gb = st.grad(f, argnums=(0, 2))(st.tensor(w), x, b)
    r = x @ w + b
    np.testing.assert_allclose(gw, 2 * x.T @ r)
    assert float(gb) == pytest.approx(2 * r.sum())
    gx = st.grad(f, argnums=1)(w, x, b)
    np.testing.assert_allclose(gx, 2 * np.outer(r, w))


def test_grad_of_a_function_that_ignores_its_input_is_zero():
    np.testing.assert_array_equal(st.grad(lambda t: st.tensor(3.0))(np.ones(2)), [0.0, 0.0])


def test_grad_refuses_non_scalar_and_non_tensor_outputs():
    with pytest.raises(ValueError, match="scalar"):
        st.grad(lambda t: t * 2)(np.ones(3))
    with pytest.raises(TypeError, match="Tensor"):
        st.grad(lambda t: 3.0)(np.ones(3))


def test_hvp_and_hessian_are_exact_on_rosenbrock():
    x = np.array([-1.2, 1.0])
    v = np.array([0.3, -2.0])
    H = rosenbrock_hessian(x)
    np.testing.assert_allclose(st.hvp(rosenbrock, x, v), H @ v, rtol=1e-13)
    np.testing.assert_allclose(st.hessian(rosenbrock)(x), H, rtol=1e-13)


def test_hessian_of_a_quadratic_and_of_a_matrix_input():
    x = rng.normal(size=3)
    np.testing.assert_allclose(st.hessian(lambda t: (t @ A @ t) / 2)(x), (A + A.T) / 2,
                               atol=1e-14)
    X = rng.normal(size=(2, 2))
    H = st.hessian(lambda t: (t * t * t).sum())(X)
    assert H.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(H.reshape(4, 4), np.diag(6 * X.ravel()))
    with pytest.raises(ValueError, match="v has shape"):
        st.hvp(rosenbrock, np.ones(2), np.ones(3))


def test_jacobian_closed_form():
    x = rng.normal(size=3)
    J = st.jacobian(lambda t: (B @ t).tanh())(x)
    np.testing.assert_allclose(J, (1 - np.tanh(B @ x) ** 2)[:, None] * B, rtol=1e-12)
    X = rng.normal(size=(2, 3))
    J = st.jacobian(lambda t: t.sum(axis=0))(X)
    assert J.shape == (3, 2, 3)
    np.testing.assert_array_equal(J[1], [[0, 1, 0], [0, 1, 0]])


def test_transforms_agree_with_torch_func():
    torch = pytest.importorskip("torch")

    def f(t):
        return st.logsumexp(B @ t) + (t.sin() * t).sum() + st.softplus(t).sum()

    def f_torch(t):
        Bt = torch.tensor(B)
        return torch.logsumexp(Bt @ t, 0) + (t.sin() * t).sum() + \
            torch.nn.functional.softplus(t).sum()

    x, v = rng.normal(size=3), rng.normal(size=3)
    xt = torch.tensor(x)
    np.testing.assert_allclose(st.grad(f)(x), torch.func.grad(f_torch)(xt).numpy(), rtol=1e-12)
    np.testing.assert_allclose(st.hessian(f)(x), torch.func.hessian(f_torch)(xt).numpy(),
                               rtol=1e-10, atol=1e-12)
    _, hv = torch.func.jvp(torch.func.grad(f_torch), (xt,), (torch.tensor(v),))
    np.testing.assert_allclose(st.hvp(f, x, v), hv.numpy(), rtol=1e-10, atol=1e-12)

    def g(t):
        return st.softmax(B @ t) * t.sum()

    def g_torch(t):
        return torch.softmax(torch.tensor(B) @ t, 0) * t.sum()
    np.testing.assert_allclose(st.jacobian(g)(x), torch.func.jacrev(g_torch)(xt).numpy(),
                               rtol=1e-10, atol=1e-12)


# ---- gradcheck and numerical_grad --------------------------------------------------------------
def test_numerical_grad_matches_closed_form():
    x, y = np.array([1.0, 2.0]), np.array([0.5, -0.5])
    gx, gy = st.numerical_grad(lambda a, b: (a * a * b).sum(), x, y)
    np.testing.assert_allclose(gx, 2 * x * y, rtol=1e-8)
    np.testing.assert_allclose(gy, x * x, rtol=1e-8)


def test_gradcheck_passes_for_correct_ops_and_names_the_failure():
    assert st.gradcheck(lambda a, b: (a @ b).tanh(), rng.normal(size=(2, 3)),
                        rng.normal(size=3))

    def wrong_square(x):  # claims d(x²)/dx = x instead of 2x
        return make(x.data ** 2, "wrong_square", (x,), (lambda g, out, x: g * x,))
    good = np.array([1.0, 2.0])
    with pytest.raises(st.GradcheckError) as info:
        st.gradcheck(lambda a, b: a * 3 + wrong_square(b), good, np.array([[0.5, -1.0]]))
    message = str(info.value)
    assert "input 1" in message and "index (0, 0)" in message
    assert "analytic 0.5 vs numerical 1" in message
    assert "2 of 2 elements" in message


def test_gradients_of_several_arguments_are_separate_arrays():
    ga, gb = st.grad(lambda a, b: (a + b).sum(), argnums=(0, 1))(np.ones(3), np.ones(3))
    ga += 1
    np.testing.assert_array_equal(gb, [1.0, 1.0, 1.0])
