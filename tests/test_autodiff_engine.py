"""The engine itself: backward's bookkeeping, grad modes, dtypes, stability, errors, the graph."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import backward_nodes, format_backward


# ---- backward ----------------------------------------------------------------------------------
def test_chain_of_100000_ops_backpropagates_without_recursion():
    x = st.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(math.exp(100_000 * math.log(1.00001)), rel=1e-9)


def test_gradients_accumulate_across_backward_calls_until_reset():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 3)
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    x.zero_grad()
    assert x.grad is None


def test_node_reused_many_times_gets_the_sum_of_its_paths():
    x = st.tensor([0.5, -1.0], requires_grad=True)
    h = x.tanh()  # one intermediate node feeding 200 consumers
    total = st.tensor(0.0)
    for k in range(1, 201):
        total = total + (h * k).sum()
    total.backward()
    np.testing.assert_allclose(x.grad.data, (1 - np.tanh(x.data) ** 2) * sum(range(1, 201)))


def test_diamond_and_self_products():
    x = st.tensor(3.0, requires_grad=True)
    a = x * x  # x²
    b = a * x  # x³
    y = a + b + x * a  # x² + 2x³
    y.backward()
    assert x.grad.item() == pytest.approx(2 * 3 + 6 * 9)


def test_backward_with_explicit_gradient_and_retain_grads():
    x = st.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    z = y.exp()
    v = np.array([[1.0, 0.0], [0.5, -1.0]])
    z.backward(gradient=v, retain_grads=True)
    np.testing.assert_allclose(y.grad.data, v * np.exp(y.data))
    np.testing.assert_allclose(x.grad.data, 2 * v * np.exp(y.data))
    np.testing.assert_allclose(z.grad.data, v)


def test_gradients_never_alias_each_other_or_the_seed():
    a = st.tensor([1.0, 2.0], requires_grad=True)
    b = st.tensor([3.0, 4.0], requires_grad=True)
    seed = np.array([1.0, 1.0])
    (a + b.reshape(2)).backward(gradient=seed)
    a.grad.data += 10  # an optimizer might update gradients in place
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(seed, [1.0, 1.0])
    s = st.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s.sum().backward()
    s.grad.data[0] = 5.0  # not a read-only broadcast view
    assert s.grad.data.flags.writeable


def test_create_graph_gives_gradients_that_are_differentiable():
    x = st.tensor([0.3, -0.7], requires_grad=True)
    y = (x ** 3).sum() + (x[0] * x[1]).sin()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    (g * np.array([1.0, 2.0])).sum().backward()  # H @ [1, 2]
    p, q = x.data
    c, s = math.cos(p * q), math.sin(p * q)
    H = np.array([[6 * p - q * q * s, c - p * q * s], [c - p * q * s, 6 * q - p * p * s]])
    np.testing.assert_allclose(x.grad.data, H @ [1.0, 2.0], rtol=1e-12)


# ---- grad modes --------------------------------------------------------------------------------
def test_no_grad_records_nothing_and_enable_grad_turns_it_back_on():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    assert st.is_grad_enabled()
    with st.no_grad():
        assert not st.is_grad_enabled()
        y = x * 2
        with st.enable_grad():
            z = x * 3
        w = x * 4
    assert st.is_grad_enabled()
    assert not y.requires_grad and y.op == "" and y.is_leaf
    assert not w.requires_grad
    assert z.requires_grad and z.op == "mul"
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(KeyError), st.no_grad():
        raise KeyError("inside no_grad")
    assert st.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = st.tensor(2.0, requires_grad=True)
    y = x * x.detach()
    y.backward()
    assert x.grad.item() == 2.0


# ---- dtypes and constructors -------------------------------------------------------------------
def test_tensor_dtypes():
    assert st.tensor(1).dtype == np.float64
    assert st.tensor(2.5).dtype == np.float64
    assert st.tensor([1, 2, 3]).dtype == np.float64
    assert st.tensor(np.arange(3)).dtype == np.float64
    assert st.tensor(np.ones(2, np.float32)).dtype == np.float32
    assert st.tensor([1, 2], dtype=np.float32).dtype == np.float32
    data = np.ones(3)
    t = st.tensor(data)
    t.data[0] = 5  # tensor() copies
    assert data[0] == 1


FLOAT32_OPS = {
    "2*x": lambda x: 2 * x, "x+1": lambda x: x + 1, "1-x": lambda x: 1 - x,
    "10/x": lambda x: 10.0 / x, "x**2": lambda x: x ** 2, "2**x": lambda x: 2 ** x,
    "x+f64 array": lambda x: x + np.ones(3), "x*list": lambda x: x * [1, 2, 3],
    "matmul": lambda x: x @ x, "abs": abs, "exp": st.exp, "log": lambda x: abs(x).log(),
    "sqrt": lambda x: abs(x).sqrt(), "sin": st.sin, "cos": st.cos, "tanh": st.tanh,
    "sigmoid": st.sigmoid, "relu": st.relu, "leaky_relu": st.leaky_relu,
    "softplus": st.softplus, "erf": st.erf, "maximum": lambda x: st.maximum(x, 0.5),
    "minimum": lambda x: st.minimum(x, 0.5), "clip": lambda x: x.clip(0, 1),
    "where": lambda x: st.where(x.data > 0, x, 0.0), "sum": st.sum, "mean": st.mean,
    "var": st.var, "max": st.max, "min": st.min, "logsumexp": st.logsumexp,
    "softmax": st.softmax, "log_softmax": st.log_softmax, "index": lambda x: x[[0, 0, 2]],
    "stack": lambda x: st.stack([x, x]), "reshape": lambda x: x.reshape(3, 1),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_OPS))
def test_float32_stays_float32_forward_and_backward(name):
    x = st.tensor(np.array([0.5, -2.0, 3.0], np.float32), requires_grad=True)
    y = FLOAT32_OPS[name](x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


# ---- reflected operators -----------------------------------------------------------------------
def test_reflected_forms_with_numbers_and_arrays():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 5.0])
    M = np.array([[1.0, 2.0], [3.0, 4.0]])
    cases = [
        (2 * x, [2, 2]), (2 + x, [1, 1]), (2 - x, [-1, -1]), (8.0 / x, -8.0 / x.data ** 2),
        (2 ** x, 2 ** x.data * np.log(2)), (a * x, a), (a + x, [1, 1]), (a - x, [-1, -1]),
        (a / x, -a / x.data ** 2), (np.float64(3) * x, [3, 3]), (M @ x, M.sum(0)), (+x, [1, 1]),
    ]
    for y, want in cases:
        assert isinstance(y, st.Tensor)
        x.grad = None
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, want)


def test_methods_and_functions_agree():
    x = st.tensor([[0.5, -1.0], [2.0, 0.1]])
    for name in ["exp", "tanh", "sigmoid", "relu", "softplus", "abs", "sum", "mean", "max"]:
        np.testing.assert_array_equal(getattr(x, name)().data, getattr(st, name)(x).data)
    np.testing.assert_array_equal(x.mul(2).data, (x * 2).data)
    np.testing.assert_array_equal(x.T.data, x.data.T)
    np.testing.assert_array_equal(x.flatten().data, x.data.ravel())


# ---- numerically stable ops at |x| = 1000 ------------------------------------------------------
def test_stable_ops_give_finite_values_and_gradients_at_1000():
    big = np.array([1000.0, -1000.0, 0.0])
    w = np.array([1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        expected = {
            "sigmoid": ([1.0, 0.0, 0.5], w * [0.0, 0.0, 0.25]),
            "softplus": ([1000.0, 0.0, math.log(2)], w * [1.0, 0.0, 0.5]),
            "log_softmax": ([0.0, -2000.0, -1000.0], w - w.sum() * np.array([1.0, 0, 0])),
            "softmax": ([1.0, 0.0, 0.0], [0.0, 0.0, 0.0]),
        }
        for name, (value, grad) in expected.items():
            x = st.tensor(big, requires_grad=True)
            y = getattr(st, name)(x)
            (y * w).sum().backward()
            np.testing.assert_allclose(y.data, value, atol=1e-12)
            np.testing.assert_allclose(x.grad.data, grad, atol=1e-12)
        x = st.tensor(big, requires_grad=True)
        y = st.logsumexp(x)
        y.backward()
        assert y.item() == 1000.0
        np.testing.assert_allclose(x.grad.data, [1.0, 0.0, 0.0])
        x = st.tensor(np.full((2, 3), -1000.0, np.float32), requires_grad=True)
        y = st.logsumexp(x, axis=1)
        y.sum().backward()
        np.testing.assert_allclose(y.data, -1000.0 + math.log(3), rtol=1e-6)
        np.testing.assert_allclose(x.grad.data, 1 / 3, rtol=1e-6)


# ---- clear errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [["a", "b"], np.array([object()]), {"a": 1}, None])
def test_non_numeric_data_is_refused(bad):
    with pytest.raises(TypeError, match="numeric"):
        st.tensor(bad)


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        st.tensor([1, 2], dtype=np.int64, requires_grad=True)


@pytest.mark.parametrize("sa, sb, message", [
    ((2, 3), (2, 3), r"\(2, 3\) and \(2, 3\) are not aligned: 3 .* != 2"),
    ((3,), (4,), r"\(3,\) and \(4,\) are not aligned"),
    ((2, 3, 4), (5, 4, 2), "batch dimensions"),
    ((), (3,), "at least 1-D"),
])
def test_matmul_with_mismatched_shapes_names_them(sa, sb, message):
    with pytest.raises(ValueError, match=f"matmul: .*{message}"):
        st.tensor(np.ones(sa)) @ st.tensor(np.ones(sb))


def test_backward_from_non_scalar_needs_a_gradient():
    y = st.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*gradient="):
        y.backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\)"):
        y.backward(gradient=np.ones(3))


def test_backward_through_a_tensor_that_does_not_require_grad():
    x = st.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * x).sum().backward()


# ---- the graph, for teaching -------------------------------------------------------------------
def test_backward_nodes_lists_op_shape_value_and_gradient_output_first():
    a = st.tensor(2.0, requires_grad=True)
    b = st.tensor([1.0, -1.0], requires_grad=True)
    y = ((a * b).tanh()).sum()
    y.backward(retain_grads=True)
    nodes = backward_nodes(y)
    assert [n.op for n in nodes][:3] == ["sum", "tanh", "mul"]
    assert {n.op for n in nodes[3:]} == {""}  # the two inputs come last
    by_op = {n.op: n for n in nodes}
    assert by_op["tanh"].shape == (2,)
    np.testing.assert_allclose(by_op["tanh"].value, np.tanh([2.0, -2.0]))
    np.testing.assert_allclose(by_op["tanh"].grad, [1.0, 1.0])
    np.testing.assert_allclose(by_op["mul"].grad, 1 - np.tanh([2.0, -2.0]) ** 2)
    assert nodes[0].parents == (1,) and nodes[1].parents == (2,)
    leaves = [n for n in nodes if n.tensor is a]
    assert leaves[0].grad == pytest.approx(np.sum((1 - np.tanh([2.0, -2.0]) ** 2) * [1, -1]))
    forward = backward_nodes(y, order="forward")
    assert forward[-1].tensor is y
    table = format_backward(y)
    assert table.splitlines()[0].split()[:2] == ["0", "sum"]
    with pytest.raises(ValueError, match="order"):
        backward_nodes(y, order="sideways")


def test_every_result_knows_its_op_and_parents():
    x = st.tensor([1.0, 2.0], requires_grad=True)
    w = st.tensor(3.0, requires_grad=True)
    y = x * w
    assert y.op == "mul" and y.parents == (x, w) and not y.is_leaf
    assert "op=mul" in repr(y)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert "dtype=float32" in repr(st.tensor([1.0], dtype=np.float32))


def test_documented_examples_run():
    import doctest
    import sys

    for name in ("steepest.autodiff", "steepest.autodiff.graph", "steepest.autodiff.tensor"):
        result = doctest.testmod(sys.modules[name], extraglobs={"np": np})
        assert result.failed == 0 and result.attempted > 0, name


def test_zero_dimensional_results_are_arrays_and_convert_like_numbers():
    x = st.tensor(2.5, requires_grad=True)
    y = x * 2 + 1
    (y * y).backward()
    (y * y).backward()
    for t in (y, x.grad, st.tensor(1.0) * 3):
        assert type(t.data) is np.ndarray and t.shape == ()
    assert x.grad.item() == 2 * (2 * 2 * 6.0)
    assert float(y) == 6.0 and int(y) == 6 and f"{y:.2f}" == "6.00"
    np.testing.assert_array_equal(np.array([y, y]), [6.0, 6.0])
