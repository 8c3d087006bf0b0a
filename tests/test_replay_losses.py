"""The softmax cross-entropy replayed: log_softmax and the label pick (``ops.pick``) as replay
kernels — each batch's labels read as the step's argument, never baked — equal to the eager
step to the bit; ``pick``'s gradient checked by finite differences and against PyTorch."""

import numpy as np
import pytest

import steepest as st
from steepest.autodiff import ops
from steepest.autodiff.replay import Replay


def _eager(net, X, y):
    for q in net.parameters():
        q.grad = None
    loss = st.nn.cross_entropy(net(X), y)
    loss.backward()
    return loss.data.copy(), [q.grad.data.copy() for q in net.parameters()]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_replays_to_the_bit_with_each_batchs_labels(dtype):
    rng = np.random.default_rng(0)
    net = st.nn.MLP(5, [7, 3], activation="relu", seed=0, dtype=dtype)
    step = Replay(lambda X, y: st.nn.cross_entropy(net(X), y))
    for n in (9, 9, 9, 4, 9, 4):   # two batch shapes, fresh labels every call
        X, y = rng.normal(size=(n, 5)).astype(dtype), rng.integers(0, 3, n)
        loss, grads = _eager(net, X, y)
        for q in net.parameters():
            q.grad = None
        got = step(X, y)
        assert got.data.tobytes() == loss.tobytes()
        for q, g in zip(net.parameters(), grads):
            assert q.grad.data.tobytes() == g.tobytes()
    assert (step.status, step.recordings, step.replays) == ("replaying", 2, 4)
    assert "SCATTER" in step.source  # the labels' gradient placed by the eager scatter


def test_labels_made_inside_the_step_run_eagerly():
    net = st.nn.MLP(2, [3], seed=0)
    X, y = np.ones((4, 2)), np.array([0, 1, 2, 1])
    step = Replay(lambda X, y: st.nn.cross_entropy(net(X), y.astype(np.int32)))
    step(X, y)
    assert step.status.startswith("eager: an operand of shape (4,)")
    first = step(X, y).item()
    assert step(X, np.array([2, 2, 2, 2])).item() != first  # never a stale batch's labels


def test_fit_with_cross_entropy_replays_and_equals_eager():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y = rng.integers(0, 3, 60)
    runs = []
    for replay in (True, False):
        net = st.nn.MLP(4, [8, 3], activation="relu", seed=3)
        h = st.nn.fit(net, X, y, loss="cross_entropy", optimizer=st.optim.Adam(lr=0.05),
                      epochs=4, batch_size=16, seed=0, progress=False, replay=replay)
        runs.append((h.step_loss, st.nn.parameters_to_vector(net)))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_pick_forward_and_gradient():
    rng = np.random.default_rng(2)
    x = st.tensor(rng.normal(size=(5, 4)), requires_grad=True)
    labels = np.array([3, 0, 0, 2, 1])
    out = ops.pick(x, labels)
    np.testing.assert_array_equal(out.data, x.data[np.arange(5), labels])
    w = rng.normal(size=5)
    (out * w).sum().backward()
    expect = np.zeros((5, 4))
    expect[np.arange(5), labels] = w
    np.testing.assert_array_equal(x.grad.data, expect)
    assert st.autodiff.gradcheck(lambda t: (ops.pick(t, labels) ** 2 * w).sum(), x.data)


def test_pick_matches_torch_to_second_order():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    z = rng.normal(size=(6, 3))
    labels = rng.integers(0, 3, 6)
    v = rng.normal(size=(6, 3))
    f = lambda t: (ops.pick(t.log_softmax(axis=1), labels) ** 2).sum()
    hv = st.autodiff.hvp(f, z, v)
    zt = torch.tensor(z, requires_grad=True)

    def ft(t):
        return (torch.log_softmax(t, 1)[torch.arange(6), torch.from_numpy(labels)] ** 2).sum()
    _, hvt = torch.autograd.functional.hvp(ft, zt, torch.from_numpy(v))
    np.testing.assert_allclose(hv, hvt.numpy(), rtol=1e-10, atol=1e-12)


def test_under_a_profiler_the_step_runs_eagerly_then_records_when_it_stops():
    import cProfile
    w = st.tensor([[0.5], [-1.0]], requires_grad=True)
    step = Replay(lambda x: ((x @ w).tanh() ** 2).mean())
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        first = step(x).item()
    finally:
        profiler.disable()
    assert step.status.startswith("eager: a profiler") and step.recordings == 0
    w.grad = None
    assert step(x).item() == first and step.recordings == 1
    step(x)
    assert step.status == "replaying"


def test_gradients_handed_out_never_alias_even_where_the_graph_shares_them():
    a = st.tensor(np.ones(3), requires_grad=True)
    b = st.tensor(np.ones(3), requires_grad=True)
    w = st.tensor(np.ones((2, 3)), requires_grad=True)
    shared = Replay(lambda x: ((a + b) * x).sum())      # a and b get the same array
    fresh = Replay(lambda x: (st.linear(x, w) ** 2).sum())  # a matmul: a new array each time
    x = np.arange(3.0)
    for _ in range(3):
        a.grad = b.grad = w.grad = None
        shared(x)
        fresh(x[None, :])
    assert shared.status == fresh.status == "replaying"
    plans = [next(iter(r._plans.values())) for r in (shared, fresh)]
    assert [p.fresh for p in plans] == [False, True]
    a.grad.data[0] = 99.0
    assert b.grad.data[0] == 0.0   # copied apart, as backward gives them
    kept = w.grad
    w.grad = None
    fresh(x[None, :])
    assert w.grad.data is not kept.data
    np.testing.assert_array_equal(kept.data, w.grad.data)
