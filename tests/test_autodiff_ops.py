"""Every op's gradient against central differences, on random shapes (with broadcasting) drawn by
hypothesis. Each check contracts the output with a random cotangent w, so the whole
vector-Jacobian product is tested, not only its sum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import steepest as st

SETTINGS = settings(max_examples=25, deadline=None)
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
SEEDS = hst.integers(0, 2**32 - 1)


def values(seed: int, shape: tuple[int, ...], positive: bool = False) -> np.ndarray:
    """Magnitudes in [0.3, 2] (away from the kinks of abs/relu and the pole of 1/x)."""
    rng = np.random.default_rng(seed)
    mag = rng.uniform(0.3, 2.0, shape)
    return mag if positive else mag * rng.choice([-1.0, 1.0], shape)


def check(f, *arrays: np.ndarray, seed: int = 0) -> None:
    """gradcheck of ⟨w, f(inputs)⟩ for a random cotangent w of f's output shape."""
    out = f(*[st.tensor(a) for a in arrays])
    w = np.random.default_rng(seed + 1).normal(size=out.shape)
    assert st.gradcheck(lambda *xs: f(*xs) * w, *arrays)


UNARY = {
    "neg": (lambda x: -x, False),
    "abs": (st.abs, False),
    "exp": (st.exp, False),
    "log": (st.log, True),
    "sqrt": (st.sqrt, True),
    "sin": (st.sin, False),
    "cos": (st.cos, False),
    "tanh": (st.tanh, False),
    "sigmoid": (st.sigmoid, False),
    "relu": (st.relu, False),
    "leaky_relu": (lambda x: st.leaky_relu(x, 0.1), False),
    "softplus": (st.softplus, False),
    "erf": (st.erf, False),
    "square": (lambda x: x ** 2, False),
    "cube": (lambda x: x ** 3, False),
    "pow_half": (lambda x: x ** 0.5, True),
    "pow_neg": (lambda x: x ** -1.5, True),
    "pow_zero": (lambda x: x ** 0, False),
    "clip": (lambda x: st.clip(x, -1.0, 1.0), False),
    "clip_low": (lambda x: x.clip(min=0.0), False),
    "rsub": (lambda x: 3.0 - x, False),
    "rdiv": (lambda x: 10.0 / x, False),
    "rpow": (lambda x: 2.0 ** x, False),
    "radd_array": (lambda x: np.full(x.shape, 2.0) + x, False),
    "rmul_numpy_scalar": (lambda x: np.float64(3.0) * x, False),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=SHAPES, seed=SEEDS)
def test_unary_gradients(name, shape, seed):
    f, positive = UNARY[name]
    check(f, values(seed, shape, positive), seed=seed)


BINARY = {
    "add": (lambda a, b: a + b, False),
    "sub": (lambda a, b: a - b, False),
    "mul": (lambda a, b: a * b, False),
    "div": (lambda a, b: a / b, False),
    "pow": (lambda a, b: a ** b, True),
    "maximum": (st.maximum, False),
    "minimum": (st.minimum, False),
    "where": (lambda a, b: st.where((a * b).data > 0, a, b), False),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(shapes=PAIRS, seed=SEEDS)
def test_binary_gradients_with_broadcasting(name, shapes, seed):
    f, positive = BINARY[name]
    a = values(seed, shapes.input_shapes[0], positive)
    b = values(seed + 7, shapes.input_shapes[1])
    check(f, a, b, seed=seed)


@hst.composite
def reductions(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    axes = draw(hst.lists(hst.integers(-len(shape), len(shape) - 1), max_size=len(shape),
                          unique_by=lambda a: a % len(shape)))
    axis = draw(hst.sampled_from([None, tuple(axes)] + ([axes[0]] if axes else [])))
    return shape, axis, draw(hst.booleans())


@pytest.mark.parametrize("op", ["sum", "mean", "var", "max", "min", "logsumexp"])
@SETTINGS
@given(spec=reductions(), seed=SEEDS)
def test_reductions_over_any_axes(op, spec, seed):
    shape, axis, keepdims = spec
    check(lambda x: getattr(st, op)(x, axis=axis, keepdims=keepdims), values(seed, shape),
          seed=seed)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=hst.data())
def test_softmax_family(op, shape, seed, data):
    axis = data.draw(hst.integers(-len(shape), len(shape) - 1))
    check(lambda x: getattr(st, op)(x, axis=axis), values(seed, shape), seed=seed)


def test_var_ddof_matches_numpy():
    x = values(0, (4, 3))
    np.testing.assert_allclose(st.var(st.tensor(x), axis=0, ddof=1).data, x.var(axis=0, ddof=1))
    check(lambda t: st.var(t, axis=0, ddof=1), x)


@hst.composite
def matmul_shapes(draw):
    n, k, m = (draw(hst.integers(1, 3)) for _ in range(3))
    batch = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    a_vec, b_vec = draw(hst.booleans()), draw(hst.booleans())
    sa = (k,) if a_vec else batch.input_shapes[0] + (n, k)
    sb = (k,) if b_vec else batch.input_shapes[1] + (k, m)
    return sa, sb


@SETTINGS
@given(shapes=matmul_shapes(), seed=SEEDS)
def test_matmul_1d_2d_batched(shapes, seed):
    sa, sb = shapes
    a, b = values(seed, sa), values(seed + 1, sb)
    out = st.tensor(a) @ st.tensor(b)
    np.testing.assert_allclose(out.data, a @ b)
    check(lambda x, y: x @ y, a, b, seed=seed)


@SETTINGS
@given(batch=array_shapes(min_dims=0, max_dims=2, max_side=3), nin=hst.integers(1, 4),
       nout=hst.integers(1, 4), bias=hst.booleans(), seed=SEEDS)
def test_linear_is_the_fused_affine_map(batch, nin, nout, bias, seed):
    x, w, b = values(seed, (*batch, nin)), values(seed + 1, (nout, nin)), values(seed + 2, (nout,))
    args = (x, w, b) if bias else (x, w)
    out = st.linear(*[st.tensor(a) for a in args])
    np.testing.assert_allclose(out.data, x @ w.T + (b if bias else 0))
    check(st.linear, *args, seed=seed)


def test_linear_names_the_mismatched_shapes():
    with pytest.raises(ValueError, match=r"linear: x of shape \(5, 3\).*got \(4, 2\)"):
        st.linear(np.ones((5, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\), got \(3,\)"):
        st.linear(np.ones((5, 3)), np.ones((4, 3)), np.ones(3))


@SETTINGS
@given(shape=SHAPES, seed=SEEDS, data=hst.data())
def test_reshape_transpose_broadcast(shape, seed, data):
    x = values(seed, shape)
    perm = tuple(data.draw(hst.permutations(range(len(shape)))))
    check(lambda t: t.reshape(-1), x, seed=seed)
    check(lambda t: t.reshape(tuple(reversed(shape))), x, seed=seed)
    check(lambda t: t.transpose(perm), x, seed=seed)
    check(lambda t: t.T, x, seed=seed)
    check(lambda t: t.broadcast_to((2, *shape)), x, seed=seed)
    check(lambda t: t.expand(3, *shape), x, seed=seed)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=4), seed=SEEDS, data=hst.data())
def test_integer_array_indexing_accumulates_repeats(shape, seed, data):
    x = values(seed, shape)
    idx = np.array(data.draw(hst.lists(hst.integers(-shape[0], shape[0] - 1), min_size=1,
                                       max_size=6)))
    check(lambda t: t[idx], x, seed=seed)
    # the gradient counts how often each row was taken
    t = st.tensor(x, requires_grad=True)
    t[idx].sum().backward()
    counts = np.bincount(idx % shape[0], minlength=shape[0]).reshape((-1,) + (1,) * (x.ndim - 1))
    np.testing.assert_allclose(t.grad.data, np.broadcast_to(counts, shape))


@SETTINGS
@given(shape=array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=4), seed=SEEDS)
def test_slicing_and_mixed_indexing(shape, seed):
    x = values(seed, shape)
    check(lambda t: t[1:, ::2], x, seed=seed)
    check(lambda t: t[-1], x, seed=seed)
    check(lambda t: t[..., None, 0], x, seed=seed)
    check(lambda t: t[[0, 1, 0], [1, 1, 0]], x, seed=seed)
    check(lambda t: t[t.data > 0] if (x > 0).any() else t.sum(), x, seed=seed)


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, max_side=3), seed=SEEDS,
       count=hst.integers(1, 3), data=hst.data())
def test_concatenate_and_stack(shape, seed, count, data):
    axis = data.draw(hst.integers(-len(shape), len(shape) - 1))
    xs = [values(seed + i, shape) for i in range(count)]
    check(lambda *ts: st.concatenate(ts, axis=axis), *xs, seed=seed)
    stack_axis = data.draw(hst.integers(-len(shape) - 1, len(shape)))
    check(lambda *ts: st.stack(ts, axis=stack_axis), *xs, seed=seed)
    np.testing.assert_allclose(st.stack(xs, axis=stack_axis).data, np.stack(xs, axis=stack_axis))


def test_forward_values_match_numpy():
    x = values(3, (3, 4))
    y = values(4, (4,), positive=True)
    t, u = st.tensor(x), st.tensor(y)
    pairs = [
        (t + u, x + y), (t - u, x - y), (t * u, x * y), (t / u, x / y), (u ** t, y ** x),
        (abs(t), np.abs(x)), (t.exp(), np.exp(x)), (u.log(), np.log(y)), (u.sqrt(), np.sqrt(y)),
        (t.sin(), np.sin(x)), (t.cos(), np.cos(x)), (t.tanh(), np.tanh(x)),
        (t.sigmoid(), 1 / (1 + np.exp(-x))), (t.relu(), np.maximum(x, 0)),
        (t.leaky_relu(0.2), np.where(x > 0, x, 0.2 * x)), (t.softplus(), np.log1p(np.exp(x))),
        (t.sum(0), x.sum(0)), (t.mean(1, keepdims=True), x.mean(1, keepdims=True)),
        (t.var(), x.var()), (t.max(1), x.max(1)), (t.min(), x.min()),
        (st.logsumexp(t, axis=1), np.log(np.exp(x).sum(1))),
        (st.softmax(t), np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
        (st.log_softmax(t, axis=0), x - np.log(np.exp(x).sum(0, keepdims=True))),
        (st.maximum(t, u), np.maximum(x, y)), (st.minimum(t, 0.5), np.minimum(x, 0.5)),
        (t.clip(-0.5, 0.5), np.clip(x, -0.5, 0.5)), (st.where(x > 0, t, u), np.where(x > 0, x, y)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)


def test_broadcast_gradients_reduced_from_strided_arrays():
    # the upstream gradient of ``a + b`` arrives transposed (not C-contiguous): both ways of
    # summing over the broadcast axes must agree with finite differences
    a, b = values(1, (2, 3, 1)), values(2, (4,))
    check(lambda x, y: (x + y).transpose(2, 0, 1), a, b)
    check(lambda x, y: (x * y)[:, ::2], values(3, (5, 4)), values(4, (1, 4)))


def _ulps(got: np.ndarray, x: np.ndarray) -> np.ndarray:
    """|got − tanh x| in units of the last place of tanh x, tanh taken in long double."""
    exact = np.tanh(x.astype(np.longdouble))
    ulp = np.spacing(np.abs(exact).astype(np.float64)).astype(np.longdouble)
    return np.asarray(np.abs((got - exact) / ulp), dtype=np.float64)


@pytest.mark.parametrize("scale", [1e-12, 1e-6, 0.01, 0.2, 0.5, 1.0, 3.0, 10.0, 400.0])
def test_tanh_is_within_three_ulp_of_exact(scale):
    """The float64 route (one exp, expm1 near 0) against long double, at every magnitude."""
    from steepest.autodiff.ops import TANH_MIN_SIZE, _exp_tanh
    x = np.random.default_rng(7).normal(size=max(TANH_MIN_SIZE, 100_000)) * scale
    assert _ulps(_exp_tanh(x), x).max() <= 3.0
    assert _ulps(st.tensor(x).tanh().data, x).max() <= 3.0


def test_tanh_keeps_special_values_signs_and_layout(monkeypatch):
    from steepest.autodiff import ops
    from steepest.autodiff.ops import TANH_MIN_SIZE, _np_tanh
    monkeypatch.setattr(ops, "_exp_tanh_wins", lambda: True)  # the exp route, on any CPU
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-320, -1e-320, 19.0, 20.0,
                        710.0, -710.0, 0.25, -0.25, np.nextafter(0.25, 0)])
    x = np.resize(special, TANH_MIN_SIZE)
    got, want = _np_tanh(x), np.tanh(x)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    grid = np.random.default_rng(3).normal(size=(64, 96))
    for view in (grid.T, grid[:, ::2], np.asfortranarray(grid)):  # not C-contiguous: the
        np.testing.assert_array_equal(_np_tanh(view),            # near-0 fix lands in place
                                      _np_tanh(np.ascontiguousarray(view)))
    small32 = grid.astype(np.float32)
    np.testing.assert_array_equal(_np_tanh(small32), np.tanh(small32))  # other dtypes: np.tanh
    np.testing.assert_array_equal(_np_tanh(grid[:3]), np.tanh(grid[:3]))  # small arrays too


def test_tanh_takes_the_route_measured_faster_here(monkeypatch):
    """The exp route is taken only where it was timed faster than np.tanh on this CPU (it is
    1.7× slower on some: taking it there made the lecture net's step 1.6× slower)."""
    from steepest.autodiff import ops
    assert isinstance(ops._exp_tanh_wins.__wrapped__(), bool)  # measured afresh
    x = np.random.default_rng(5).normal(size=(1000, 4))
    for wins, want in ((True, ops._exp_tanh(x)), (False, np.tanh(x))):
        monkeypatch.setattr(ops, "_exp_tanh_wins", lambda wins=wins: wins)
        np.testing.assert_array_equal(ops._np_tanh(x), want)
        np.testing.assert_array_equal(st.tensor(x).tanh().data, want)
        out = np.empty_like(x)  # into a buffer, as a replay calls it: the same numbers
        assert ops._np_tanh(x, out=out) is out
        np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("shape", [(1000, 4), (1001, 4), (3000, 1), (2, 700, 3), (600, 7),
                                   (10, 4), (5000, 300), (0, 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bias_added_as_wide_rows_equals_the_broadcast_add_to_the_bit(shape, dtype):
    """The linear op adds a narrow bias m rows at a time (with a tail when m does not divide
    the rows): every number must be the broadcast sum's, in place."""
    from steepest.autodiff.ops import _np_add_rows
    rng = np.random.default_rng(sum(shape))
    out = rng.normal(size=shape).astype(dtype)
    b = rng.normal(size=shape[-1]).astype(dtype)
    want = out + b
    assert _np_add_rows(out, b) is out
    np.testing.assert_array_equal(out, want)
