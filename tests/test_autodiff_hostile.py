"""The engine under hostile input (issue 13): float indices refused, bad axes named, the softmax
family exact where the answer is exact, and float32 kept through every op to second order."""

from __future__ import annotations

import numpy as np
import pytest

import steepest as st
from steepest.errors import SteepestError, SteepestTypeError


# ---- indices ------------------------------------------------------------------------------------
@pytest.mark.parametrize("index", [st.tensor([1.9]), np.array([0.0, 1.0]), [0.5], 1.0,
                                   np.float64(1), (0, st.tensor([1.0]))],
                         ids=["tensor", "array", "list", "float", "numpy float", "in a tuple"])
def test_float_indices_are_refused_not_truncated(index):
    x = st.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    with pytest.raises(SteepestTypeError, match=r"getitem: .*(integer|index)"):
        x[index]


def test_integer_and_boolean_indices_still_work():
    x = st.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    picked = x[st.tensor([2, 0, 2], dtype=np.int64)]
    np.testing.assert_array_equal(picked.data, [[4, 5], [0, 1], [4, 5]])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [0, 0], [2, 2]])
    np.testing.assert_array_equal(x[x > 3].data, [4, 5])
    np.testing.assert_array_equal(x[[0, 2], [1, 0]].data, [1, 4])
    np.testing.assert_array_equal(x[np.array([True, False, True])].data, [[0, 1], [4, 5]])
    with pytest.raises(IndexError):  # out of bounds stays an IndexError (iteration relies on it)
        x[3]
    assert [row.data.tolist() for row in x] == [[0, 1], [2, 3], [4, 5]]


# ---- axes ---------------------------------------------------------------------------------------
SCALAR = st.tensor(2.0)
MATRIX = st.tensor(np.ones((3, 4)))
BAD_AXES = {
    "sum on 0-d": (lambda: SCALAR.sum(axis=0), "sum: axis 0 .* 0-D tensor"),
    "mean on 0-d": (lambda: st.mean(SCALAR, axis=-1), "mean: axis -1 .* 0-D tensor"),
    "log_softmax on 0-d": (lambda: st.log_softmax(SCALAR), "log_softmax: axis -1 .* 0-D"),
    "softmax on 0-d": (lambda: st.softmax(SCALAR, 0), "softmax: axis 0 .* 0-D"),
    "sum": (lambda: MATRIX.sum(axis=2), r"sum: axis 2 is out of range for a 2-D tensor "
                                        r"\(axes are -2 … 1\)"),
    "mean": (lambda: MATRIX.mean(axis=-3), "mean: axis -3 is out of range"),
    "max": (lambda: MATRIX.max(axis=(0, 5)), "max: axis 5 is out of range"),
    "min": (lambda: MATRIX.min(axis=7), "min: axis 7"),
    "var": (lambda: MATRIX.var(axis=2), "var: axis 2"),
    "logsumexp": (lambda: st.logsumexp(MATRIX, axis=2), "logsumexp: axis 2"),
    "log_softmax": (lambda: st.log_softmax(MATRIX, axis=-3), "log_softmax: axis -3"),
    "repeated": (lambda: MATRIX.sum(axis=(1, -1)), r"sum: axis \(1, -1\) names an axis twice"),
    "swapaxes": (lambda: MATRIX.swapaxes(0, 2), "swapaxes: axis 2"),
    "transpose": (lambda: MATRIX.transpose(0, 3), "transpose: axis 3"),
    "transpose too few": (lambda: MATRIX.transpose(1), "transpose: axes .* each of the 2 axes"),
    "concatenate": (lambda: st.concatenate([MATRIX, MATRIX], axis=2), "concatenate: axis 2"),
    "stack": (lambda: st.stack([MATRIX, MATRIX], axis=3), "stack: axis 3 .* 3-D result"),
}


@pytest.mark.parametrize("case", sorted(BAD_AXES))
def test_bad_axes_are_named(case):
    fn, message = BAD_AXES[case]
    with pytest.raises(SteepestError, match=message):
        fn()


@pytest.mark.parametrize("axis", [1.0, "0", True, [1], (0, 0.5)])
def test_an_axis_that_is_not_an_integer_is_a_type_error(axis):
    with pytest.raises(SteepestTypeError, match="sum: axis must be an int or a tuple of ints"):
        MATRIX.sum(axis=axis)


def test_every_valid_axis_form_still_works():
    x = st.tensor(np.arange(24.0).reshape(2, 3, 4))
    for axis in [0, -1, (0, 2), (-1, 0), np.int64(1), ()]:
        np.testing.assert_array_equal(x.sum(axis=axis).data,
                                      x.data.sum(axis=tuple(np.atleast_1d(axis).tolist())))
    assert st.stack([x, x], axis=-1).shape == (2, 3, 4, 2)
    assert st.concatenate([x, x], axis=-2).shape == (2, 6, 4)


# ---- exact where the answer is exact ------------------------------------------------------------
def _upstream(x):
    """A nonlinear function feeding the op, so that the gradient and HVP are not trivially 0."""
    return (x * x).tanh() * 3.0 + x.sin()


def test_log_softmax_over_a_single_element_is_exactly_zero_to_second_order():
    rng = np.random.default_rng(3)
    x0, v, w = rng.normal(size=(3, 5, 1)), rng.normal(size=(3, 5, 1)), rng.normal(size=(3, 5, 1))

    def f(x):
        return (st.log_softmax(_upstream(x), axis=-1) * w).sum()

    x = st.tensor(x0, requires_grad=True)
    out = st.log_softmax(_upstream(x), axis=2)
    assert not out.data.any()  # exactly 0 (ln 1), not a rounding of x − logsumexp(x)
    assert not st.grad(f)(x0).any()
    hv = st.hvp(f, x0, v)
    assert hv.shape == x0.shape and not hv.any()  # exactly 0 (PyTorch's exact answer)
    assert not st.hvp(lambda x: (st.softmax(_upstream(x), axis=-1) * w).sum(), x0, v).any()


def test_logsumexp_over_a_single_element_is_the_element_to_second_order():
    rng = np.random.default_rng(4)
    x0, v, w = rng.normal(size=(4, 1)), rng.normal(size=(4, 1)), rng.normal(size=4)

    def f(x):
        return (st.logsumexp(x * 2.0, axis=1) * w).sum()

    np.testing.assert_array_equal(st.logsumexp(st.tensor(x0), axis=1).data, x0[:, 0])
    np.testing.assert_array_equal(st.grad(f)(x0), 2.0 * w[:, None])
    assert not st.hvp(f, x0, v).any()  # f is linear in x: its Hessian is exactly 0


def test_softmax_family_keeps_its_values_at_extreme_logits():
    x = st.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    np.testing.assert_array_equal(st.softmax(x).data, [[1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(st.log_softmax(x).data, [[0.0, -2000.0, -1000.0]])
    assert st.logsumexp(x).item() == 1000.0
    st.logsumexp(x).backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 0.0, 0.0]])


# ---- float32 through every op, to second order --------------------------------------------------
def _x32(shape=(2, 3)):
    return np.random.default_rng(0).uniform(0.3, 1.5, shape).astype(np.float32)


F32 = {
    "add": lambda x: x + x.T.T, "sub": lambda x: 1 - x, "mul": lambda x: x * 2 * x,
    "div": lambda x: 1.5 / (x + 1), "neg": lambda x: -x * x, "pow": lambda x: x ** 3,
    "pow tensors": lambda x: x ** (x * 0.5), "rpow": lambda x: 2 ** x,
    "matmul": lambda x: x @ x.T, "linear": lambda x: st.linear(x, x.T @ x * 0.5),
    "linear bias": lambda x: st.linear(x, x * x, x[:, 0]),
    "abs": lambda x: abs(x * x - 1), "exp": lambda x: (x * x).exp(), "log": lambda x: (x * x).log(),
    "sqrt": lambda x: (x * x).sqrt(), "sin": lambda x: (x * x).sin(),
    "cos": lambda x: (x * x).cos(), "tanh": lambda x: (x * x).tanh(),
    "sigmoid": lambda x: (x * x).sigmoid(), "relu": lambda x: (x * x - 1).relu() * x,
    "leaky_relu": lambda x: (x * x - 1).leaky_relu(0.2) * x,
    "softplus": lambda x: (x * x).softplus(), "erf": lambda x: (x * x).erf(),
    "maximum": lambda x: st.maximum(x * x, 0.8), "minimum": lambda x: st.minimum(x * x, 0.8),
    "clip": lambda x: (x * x).clip(0.5, 1.0) * x, "where": lambda x: st.where(x.data > 1, x * x, x),
    "sum": lambda x: (x * x).sum(axis=1), "mean": lambda x: (x * x).mean(axis=0),
    "var": lambda x: (x * x).var(axis=1), "max": lambda x: (x * x).max(axis=1),
    "min": lambda x: (x * x).min(), "logsumexp": lambda x: st.logsumexp(x * x, axis=1),
    "softmax": lambda x: st.softmax(x * x), "log_softmax": lambda x: st.log_softmax(x * x, 0),
    "reshape": lambda x: (x * x).reshape(3, 2), "transpose": lambda x: (x * x).transpose(),
    "swapaxes": lambda x: (x * x).swapaxes(0, 1), "broadcast_to": lambda x: x.broadcast_to(
        (2, 2, 3)) * x, "sum_to": lambda x: (x * x).sum_to((1, 3)),
    "getitem": lambda x: (x * x)[[0, 1, 1], 1:], "concatenate": lambda x: st.concatenate(
        [x * x, x], axis=1), "stack": lambda x: st.stack([x * x, x]),
    "float64 constants": lambda x: x * np.float64(2.0) + np.ones(3) * x,
}


@pytest.mark.parametrize("name", sorted(F32))
def test_float32_stays_float32_in_value_gradient_and_hvp(name):
    fn = F32[name]
    x0, v = _x32(), _x32()[::-1].copy()
    out = fn(st.tensor(x0))
    assert out.dtype == np.float32, name
    g = st.grad(lambda x: fn(x).sum())(x0)
    hv = st.hvp(lambda x: fn(x).sum(), x0, v)
    assert g.dtype == np.float32 and hv.dtype == np.float32, name
    # and the numbers are float64's to float32 precision
    g64 = st.grad(lambda x: fn(x).sum())(x0.astype(np.float64))
    hv64 = st.hvp(lambda x: fn(x).sum(), x0.astype(np.float64), v.astype(np.float64))
    np.testing.assert_allclose(g, g64, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(hv, hv64, rtol=2e-4, atol=2e-4)
