"""steepest.autodiff.replay: a replayed step equals the eager step to the bit, step after step
and on many random graphs, and any change a replay could not follow (shapes, dtypes, a branch
on a value, an op without a kernel, an array made inside the step) runs eagerly instead."""

import numpy as np
import pytest

import steepest as st
from steepest.autodiff.replay import Replay


def _params(seed, shapes, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [st.tensor(rng.normal(size=s).astype(dtype), requires_grad=True) for s in shapes]


def _twins(seed, shapes, dtype=np.float64):
    """Two identical parameter sets: one trained eagerly, one by the replay."""
    return _params(seed, shapes, dtype), _params(seed, shapes, dtype)


def _sgd(params, lr=0.05):
    for p in params:
        p.data -= lr * p.grad.data
        p.grad = None


def _lecture_net(params):
    W1, b1, W2, b2, W3, b3 = params

    def loss(X, y):
        h = st.linear(X, W1, b1).tanh()
        h = st.linear(h, W2, b2).tanh()
        return ((st.linear(h, W3, b3) - y) ** 2).mean()
    return loss


SHAPES = [(4, 3), (4,), (4, 4), (4,), (1, 4), (1,)]


def _lecture_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X[:, :1] * X[:, 1:2] > 0) * 2.0 - 1


def test_the_lecture_step_replays_to_the_bit_for_fifty_steps():
    eager_p, replay_p = _twins(0, SHAPES)
    eager, step = _lecture_net(eager_p), Replay(_lecture_net(replay_p))
    X, y = _lecture_data()
    for k in range(50):
        loss = eager(X, y)
        loss.backward()
        got = step(X, y)
        assert got.data.tobytes() == loss.data.tobytes(), f"step {k}"
        for p, q in zip(eager_p, replay_p):
            assert p.grad.data.tobytes() == q.grad.data.tobytes(), f"step {k}"
        _sgd(eager_p)
        _sgd(replay_p)
    assert step.status == "replaying" and step.recordings == 1 and step.replays == 49


def test_nn_mlp_with_mse_and_its_optimizer_replay():
    X, y = _lecture_data()
    nets = [st.nn.MLP(3, [4, 4, 1], seed=3) for _ in range(2)]
    opts = [st.optim.GD(net.parameters(), lr=0.1) for net in nets]
    step = Replay(lambda X, y: st.nn.mse(nets[1](X), y))
    for _ in range(20):
        losses = []
        for i, net in enumerate(nets):
            opts[i].zero_grad()
            if i == 0:
                loss = st.nn.mse(net(X), y)
                loss.backward()
            else:
                loss = step(X, y)
            opts[i].step()
            losses.append(loss.item())
        assert losses[0] == losses[1]
    assert step.status == "replaying"
    for p, q in zip(nets[0].parameters(), nets[1].parameters()):
        np.testing.assert_array_equal(p.data, q.data)


# ---- random graphs ----------------------------------------------------------------------------
_UNARY = ["tanh", "sigmoid", "sin", "cos", "abs", "relu", "softplus", "neg", "square", "cube",
          "exp_small", "log_pos", "sqrt_pos"]
_BINARY = ["add", "sub", "mul", "div_pos"]


def _program(seed, n_ops=12):
    """A random program over values of shape (n, 4) and (4,): unary and binary ops (with
    broadcasting), linear layers, matmuls, reductions, reshapes, transposes and slices."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(n_ops):
        kind = rng.choice(["unary", "binary", "binary", "linear", "matmul", "view"])
        steps.append((kind, rng.choice(_UNARY), rng.choice(_BINARY), int(rng.integers(1 << 30)),
                      rng.choice(["reshape", "transpose2", "slice"])))
    final = rng.choice(["mean", "sum", "mean_axis"])
    return steps, final


def _run(program, X, params):
    """Apply ``program`` to X with parameters (W (4, 4), b (4,), v (4,), c ()) — the same code
    for the eager and the replayed step (each op's result squashed by tanh, so that values stay
    finite over the steps)."""
    W, b, v, c = params
    steps, final = program
    vals = [X, st.linear(X, W, b)]
    for kind, un, bi, pick, view in steps:
        x = vals[pick % len(vals)]
        x = x if isinstance(x, st.Tensor) else st.linear(x, W, b)
        if kind == "unary":
            x = {"tanh": st.tanh, "sigmoid": st.sigmoid, "sin": st.sin, "cos": st.cos,
                 "abs": st.abs, "relu": st.relu, "softplus": st.autodiff.ops.softplus,
                 "neg": lambda t: -t, "square": lambda t: t ** 2, "cube": lambda t: t ** 3,
                 "exp_small": lambda t: st.exp(st.tanh(t)),
                 "log_pos": lambda t: st.log(t * t + 1.0),
                 "sqrt_pos": lambda t: st.sqrt(t * t + 0.5)}[un](x)
        elif kind == "binary":
            other = [v, c, vals[(pick // 7) % len(vals)]][pick % 3]
            other = other if isinstance(other, st.Tensor) else st.linear(other, W, b)
            if other.shape not in (x.shape, x.shape[-1:], ()):
                other = v if x.shape[-1:] == v.shape else c
            x = {"add": lambda a, o: a + o, "sub": lambda a, o: o - a,
                 "mul": lambda a, o: a * o,
                 "div_pos": lambda a, o: a / (o * o + 1.0)}[bi](x, other)
        elif kind == "linear" and x.ndim == 2 and x.shape[1] == 4:
            x = st.linear(x, W, b).tanh()
        elif kind == "matmul" and x.ndim == 2 and x.shape[1] == 4:
            x = x @ W
        elif kind == "view" and x.ndim == 2:
            x = {"reshape": lambda t: t.reshape(-1, 2).reshape(t.shape),
                 "transpose2": lambda t: t.T.T,
                 "slice": lambda t: t[1:] * 0.5}[view](x)
        vals.append(st.tanh(x) if kind != "view" else x)  # bounded: nothing overflows
    out = vals[-1] if isinstance(vals[-1], st.Tensor) else vals[1]
    if final == "mean_axis" and out.ndim >= 1:
        return (out.mean(axis=0) ** 2).sum()
    return out.sum() * 0.01 if final == "sum" else out.mean()


@pytest.mark.parametrize("block", range(4))
def test_random_graphs_replay_to_the_bit_over_several_steps(block):
    """200 random graphs (50 per block), five steps each with the parameters and the input
    changing between steps: loss and every gradient identical to the eager engine's."""
    shapes = [(4, 4), (4,), (4,), ()]
    replayed = 0
    for seed in range(block * 50, block * 50 + 50):
        program = _program(seed)
        eager_p, replay_p = _twins(seed, shapes)
        step = Replay(lambda X, p=replay_p, prog=program: _run(prog, X, p))
        rng = np.random.default_rng(seed)
        for k in range(5):
            X = rng.normal(size=(6, 4))
            loss = _run(program, X, eager_p)
            loss.backward()
            got = step(X)
            assert got.data.tobytes() == loss.data.tobytes(), (seed, k, step.status)
            for p, q in zip(eager_p, replay_p):
                gp = None if p.grad is None else p.grad.data.tobytes()
                gq = None if q.grad is None else q.grad.data.tobytes()
                assert gp == gq, (seed, k, step.status)
            for ps in (eager_p, replay_p):
                for t in ps:
                    if t.grad is not None:
                        t.data = t.data - 0.01 * t.grad.data  # rebound, not in place
                        t.grad = None
        replayed += step.status == "replaying"
    assert replayed == 50  # every random graph was replayed, none fell back


# ---- what is detected -------------------------------------------------------------------------
def test_a_new_shape_or_dtype_records_again_and_the_old_one_is_kept():
    eager_p, replay_p = _twins(1, SHAPES)
    step = Replay(_lecture_net(replay_p))
    eager = _lecture_net(eager_p)
    for n in (200, 200, 50, 200, 50, 50):
        X, y = _lecture_data(n)
        loss = eager(X, y)
        loss.backward()
        assert step(X, y).item() == loss.item()
        for p, q in zip(eager_p, replay_p):
            np.testing.assert_array_equal(p.grad.data, q.grad.data)
            p.grad = q.grad = None
    assert step.recordings == 2 and step.replays == 4
    X, y = _lecture_data(50)
    step(X.astype(np.float32), y)  # a float32 input: a third recording
    assert step.recordings == 3


def test_a_changed_parameter_shape_records_again():
    w = st.tensor(np.ones((2, 3)), requires_grad=True)
    step = Replay(lambda x: (x @ w).sum())
    x = np.ones((4, 2))
    step(x)
    step(x)
    w.data = np.ones((2, 5))
    w.grad = None
    loss = step(x)
    assert loss.item() == 40 and w.grad.shape == (2, 5) and step.recordings == 2


def test_a_branch_on_a_value_runs_eagerly_and_stays_correct():
    w = st.tensor([[1.0], [-1.0]], requires_grad=True)

    def fn(x):
        h = x @ w
        if h.sum().item() > 0:  # the branch a replay would freeze
            return (h * h).mean()
        return (h * 3.0).mean()

    step = Replay(fn)
    for x, expect in ((np.array([[2.0, 1.0]]), 1.0), (np.array([[1.0, 2.0]]), -3.0)) * 2:
        w.grad = None
        assert step(x).item() == expect
    assert step.status.startswith("eager: the step reads a Tensor's values")
    assert step.replays == 0


@pytest.mark.parametrize("reader", [
    lambda h: float(h.sum()), lambda h: bool((h.sum() > 0).data), lambda h: h.numpy().max(),
    lambda h: np.asarray(h).sum(), lambda h: h.data.max()])
def test_every_way_of_reading_values_is_seen(reader):
    w = st.tensor([[1.0], [-1.0]], requires_grad=True)

    def fn(x):
        h = x @ w
        reader(h)
        return (h * h).mean()

    step = Replay(fn)
    step(np.ones((3, 2)))
    assert step.status.startswith("eager: the step reads a Tensor's values"), step.status


def test_shapes_and_dtypes_may_be_read():
    w = st.tensor(np.ones((2, 3)), requires_grad=True)

    def fn(x):
        h = x @ w
        assert h.shape == (len(x), 3) and h.dtype == np.float64 and h.ndim == 2 and h.size
        return (h * (1.0 / h.shape[0])).sum()

    step = Replay(fn)
    step(np.ones((4, 2)))
    step(np.ones((4, 2)))
    assert step.status == "replaying"


def test_an_op_without_a_kernel_or_an_array_made_inside_runs_eagerly():
    w = st.tensor(np.ones((2, 2)), requires_grad=True)
    x = np.arange(4.0).reshape(2, 2)
    step = Replay(lambda x: st.maximum(x @ w, 1.0).sum())
    step(x)
    step(x)
    assert step.status.startswith("eager:") and "kernel" in step.status and step.replays == 0
    rng = np.random.default_rng(0)
    step = Replay(lambda x: ((x @ w) * rng.random((2, 2))).sum())  # a fresh mask each call
    a, b = step(x).item(), step(x).item()
    assert a != b and step.status.startswith("eager: an operand of shape (2, 2)")


def test_opt_out_no_grad_and_accumulation_match_backward():
    w = st.tensor([[2.0], [1.0]], requires_grad=True)
    x = np.array([[1.0, 1.0]])
    off = Replay(lambda x: (x @ w).sum() ** 2, enabled=False)
    off(x)
    off(x)
    assert off.recordings == 0 and off.status.startswith("eager: replay disabled")
    np.testing.assert_array_equal(w.grad.data, [[12.0], [12.0]])  # accumulated, 6 + 6
    on = Replay(lambda x: (x @ w).sum() ** 2)
    w.grad = None
    for _ in range(3):
        on(x)
    np.testing.assert_array_equal(w.grad.data, [[18.0], [18.0]])  # 3 × 6, as backward adds
    with st.no_grad(), pytest.raises(RuntimeError, match="does not require grad"):
        on(x)


def test_a_leaf_argument_gets_its_gradient_like_minimize_on_a_tensor_function():
    def rosenbrock(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    step = Replay(rosenbrock)
    z = np.array([-1.2, 1.0])
    for _ in range(30):
        x = st.tensor(z, requires_grad=True)
        loss = step(x)
        xe = st.tensor(z, requires_grad=True)
        ref = rosenbrock(xe)
        ref.backward()
        assert loss.item() == ref.item()
        np.testing.assert_array_equal(x.grad.data, xe.grad.data)
        z = z - 1e-3 * x.grad.data
    assert step.status == "replaying" and step.replays == 29


def test_the_returned_loss_and_gradients_are_not_overwritten_by_the_next_step():
    w = st.tensor(np.ones((2, 1)), requires_grad=True)
    step = Replay(lambda x: ((x @ w) ** 2).sum())
    keep = []
    for k in range(4):
        w.grad = None
        loss = step(np.full((3, 2), float(k)))
        keep.append((loss, w.grad))
    assert [lo.item() for lo, _ in keep] == [12.0 * k * k for k in range(4)]
    assert [g.data[0, 0] for _, g in keep] == [12.0 * k * k for k in range(4)]


# ---- wired into the drivers ------------------------------------------------------------------
def test_has_aux_returns_the_outputs_copied():
    params = _params(3, [(2, 3), (2,)])
    W, b = params

    def step(X):
        out = st.linear(X, W, b).tanh()
        return (out ** 2).mean(), out
    rep = Replay(step, has_aux=True)
    X = np.random.default_rng(0).normal(size=(5, 3))
    outs = []
    for _ in range(3):
        loss, out = rep(X)
        ref = np.tanh(X @ W.data.T + b.data)
        np.testing.assert_array_equal(out.data, ref)
        assert loss.item() == (ref ** 2).mean()
        outs.append(out)
        _sgd(params)
    assert rep.status == "replaying" and not np.array_equal(outs[0].data, outs[2].data)
    with pytest.raises(TypeError, match="has_aux"):
        Replay(lambda X: (W * X).sum(), has_aux=True)(np.ones(3))


def _rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _flip(x):
    """A branch on the value of x: the graph changes whenever x[0] changes sign."""
    if x[0].item() > 0:
        return (x * x).sum()
    return (3 * x * x).sum() + x[1]


@pytest.mark.parametrize("fun", [_rosenbrock, _flip])
@pytest.mark.parametrize("make", [lambda: st.optim.GD(lr=1e-3), lambda: st.optim.Adam(lr=0.05),
                                  st.optim.LBFGS])
def test_minimize_replays_to_the_bit_and_never_replays_a_stale_branch(fun, make):
    runs = [st.minimize(fun, [-1.2, 1.0], make(), max_steps=300, replay=r) for r in (True, False)]
    for key in ("x", "loss", "grad_norm", "lr"):
        np.testing.assert_array_equal(getattr(runs[0].history, key),
                                      getattr(runs[1].history, key))
    assert runs[0].nfev == runs[1].nfev and runs[0].status == runs[1].status


def test_minimize_replays_a_tensor_function():
    from steepest.autodiff.replay import replayed_value_and_grad
    vg = replayed_value_and_grad(_flip)
    for z in ([1.0, 2.0], [1.5, 2.0], [-1.0, 2.0], [2.0, 0.0]):
        value, g = vg(np.array(z))
        ref = st.autodiff.value_and_grad(_flip)(np.array(z))
        assert value == ref[0]
        np.testing.assert_array_equal(g, ref[1])
    assert vg.replay.status.startswith("eager: the step reads a Tensor's values")
    vg = replayed_value_and_grad(_rosenbrock)
    for _ in range(3):
        vg(np.array([0.5, 0.5]))
    assert vg.replay.status == "replaying" and vg.replay.replays == 1


@pytest.mark.parametrize("options", [
    {"loss": "mse", "batch_size": 48},                 # 3 × 48 + 24: two batch shapes
    {"loss": "bce_with_logits", "l2": 1e-3},
    {"loss": "mse", "dropout": 0.25, "batch_size": 50},   # dropout: runs eagerly by itself
    {"loss": "hinge"},                                 # reads values: runs eagerly by itself
])
def test_fit_replays_to_the_bit(options, monkeypatch):
    import steepest.nn.training as training
    made = []

    class Spy(Replay):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            made.append(self)
    monkeypatch.setattr(training, "Replay", Spy)
    options = dict(options)
    dropout = options.pop("dropout", 0.0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(168, 3))
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    runs = []
    for replay in (True, False):
        model = st.nn.MLP(3, [4, 4, 1], dropout=dropout, seed=1)
        h = st.nn.fit(model, X, y, optimizer=st.optim.Adam(lr=0.01), epochs=5, seed=2,
                      progress=False, replay=replay, **options)
        runs.append((h, st.nn.parameters_to_vector(model)))
    (h1, w1), (h0, w0) = runs
    np.testing.assert_array_equal(w1, w0)
    np.testing.assert_array_equal(h1.loss, h0.loss)
    np.testing.assert_array_equal(h1.step_loss, h0.step_loss)
    np.testing.assert_array_equal(h1.metric, h0.metric)
    (replay,) = made
    if options.get("batch_size") == 48:  # 4 steps an epoch: 2 recordings, then replays
        assert (replay.recordings, replay.replays, replay.status) == (2, 18, "replaying")
    elif dropout or options["loss"] == "hinge":
        assert replay.status.startswith("eager:") and replay.replays == 0
    else:
        assert replay.replays == 4


@pytest.mark.parametrize("reduce", ["mean", "sum"])
def test_the_seed_only_vjp_of_the_loss_is_computed_once(reduce):
    """A full mean or sum's vjp reads only the seed: the generated step holds it as a constant
    (no broadcast per replay), read-only, and the gradients stay the eager ones to the bit,
    also where that constant is the gradient handed out (loss = w.sum())."""
    eager_p, replay_p = _twins(3, [(5, 2)])
    fn = (lambda w: lambda X: getattr(st.linear(X, w), reduce)())
    X = np.random.default_rng(1).normal(size=(7, 2))
    step = Replay(fn(replay_p[0]))
    for _ in range(3):
        loss = fn(eager_p[0])(X)
        loss.backward()
        assert step(X).data.tobytes() == loss.data.tobytes()
        assert replay_p[0].grad.data.tobytes() == eager_p[0].grad.data.tobytes()
        _sgd(eager_p), _sgd(replay_p)
    assert step.replays == 2 and "BCAST" not in step.source
    plan = next(iter(step._plans.values()))
    const = [v for k, v in plan.run.__globals__.items() if k.startswith("C")]
    assert len(const) == 1 and not const[0].flags.writeable
    w = st.tensor(np.ones(3), requires_grad=True)
    summed = Replay(w.sum)
    for _ in range(3):
        w.grad = None
        summed()
        np.testing.assert_array_equal(w.grad.data, np.ones(3))
        w.grad.data[0] = 5.0  # the handed-out gradient is the caller's to write into
    assert summed.replays == 2
