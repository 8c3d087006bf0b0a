"""Random expression graphs against PyTorch: forward values, gradients and Hessian-vector
products (double backward) of every input, in float64, to ~1e-10.

Each graph is drawn from a seed: two or three inputs of broadcastable shapes, then 3–9 ops
picked at random (elementwise, broadcasting binary ops, reductions over random axes, softmax
family, indexing, reshapes, joins, matmul), each applied to earlier results, ending in
``Σ w · out``. The program is recorded while steepest runs it and replayed op by op in PyTorch.
A quarter of the graphs also run in float32, which must stay float32 in the value, every
gradient and every HVP, and agree with float64 to float32 precision.

``STEEPEST_FUZZ_GRAPHS=20000 pytest tests/test_autodiff_fuzz.py`` runs more graphs than CI's 300.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import steepest as st

torch = pytest.importorskip("torch")

GRAPHS = int(os.environ.get("STEEPEST_FUZZ_GRAPHS", "300"))
BLOCK = 50
SHAPES = [(3, 4), (4,), (3, 1), (1, 4), (), (2, 3, 4), (2, 1, 4)]


# ---- the ops: (steepest, torch) implementations of each, taking the operands and static args ----
def _t_axis(x, axis):
    """PyTorch's dim for a NumPy-style axis (None: every axis)."""
    return tuple(range(x.ndim)) if axis is None else axis


def _t_reduce(name):
    def f(x, axis, keepdims):
        dim = _t_axis(x, axis)
        if name == "var":
            return x.var(dim=dim, correction=0, keepdim=keepdims)
        fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "min": torch.amin,
              "logsumexp": torch.logsumexp}[name]
        return fn(x, dim=dim, keepdim=keepdims)
    return f


UNARY = {
    "neg": (lambda x: -x, lambda x: -x),
    "abs": (abs, abs),
    "exp_tanh": (lambda x: x.tanh().exp(), lambda x: x.tanh().exp()),
    "log_pos": (lambda x: (x * x + 0.5).log(), lambda x: (x * x + 0.5).log()),
    "sqrt_pos": (lambda x: (x * x + 0.5).sqrt(), lambda x: (x * x + 0.5).sqrt()),
    "sin": (st.sin, torch.sin), "cos": (st.cos, torch.cos), "tanh": (st.tanh, torch.tanh),
    "sigmoid": (st.sigmoid, torch.sigmoid), "relu": (st.relu, torch.relu),
    "leaky_relu": (lambda x: st.leaky_relu(x, 0.1),
                   lambda x: torch.nn.functional.leaky_relu(x, 0.1)),
    "softplus": (st.softplus, torch.nn.functional.softplus), "erf": (st.erf, torch.erf),
    "square": (lambda x: x ** 2, lambda x: x ** 2), "cube": (lambda x: x ** 3, lambda x: x ** 3),
    "pow_frac": (lambda x: (x * x + 0.5) ** 1.5, lambda x: (x * x + 0.5) ** 1.5),
    "rpow": (lambda x: 2.0 ** x.tanh(), lambda x: 2.0 ** x.tanh()),
    "recip": (lambda x: 1.0 / (x * x + 0.5), lambda x: 1.0 / (x * x + 0.5)),
    "rsub": (lambda x: 1.5 - x, lambda x: 1.5 - x),
    "clip": (lambda x: x.clip(-1.0, 1.5), lambda x: x.clamp(-1.0, 1.5)),
    "flatten": (lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    "transpose": (lambda x: x.transpose(), lambda x: x.permute(*reversed(range(x.ndim)))),
    "broadcast": (lambda x: x.broadcast_to((2, *x.shape)), lambda x: x.expand(2, *x.shape)),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div_pos": (lambda a, b: a / (b * b + 0.5), lambda a, b: a / (b * b + 0.5)),
    "pow_pos": (lambda a, b: (a * a + 0.5) ** b.tanh(), lambda a, b: (a * a + 0.5) ** b.tanh()),
    "maximum": (st.maximum, torch.maximum), "minimum": (st.minimum, torch.minimum),
}
REDUCE = {name: (lambda x, axis, keepdims, n=name: getattr(st, n)(x, axis, keepdims),
                 _t_reduce(name)) for name in ("sum", "mean", "var", "max", "min", "logsumexp")}
SOFTMAX = {"softmax": (st.softmax, torch.softmax),
           "log_softmax": (st.log_softmax, torch.log_softmax)}


# ---- drawing a program while steepest runs it ------------------------------------------------
def _pick_axis(rng, ndim):
    """None, one axis (maybe negative) or a tuple of distinct axes."""
    choice = rng.integers(3) if ndim else 0
    if choice == 0:
        return None
    if choice == 1 or ndim == 1:
        return int(rng.integers(-ndim, ndim))
    k = int(rng.integers(1, ndim + 1))
    return tuple(int(a) for a in rng.choice(ndim, size=k, replace=False))


def _partner(rng, vals, shape):
    """An earlier result whose shape broadcasts with ``shape`` to a small result (there is
    always one: a leaf of shape () is among the inputs)."""
    ok = [i for i, v in enumerate(vals) if _broadcasts(v.shape, shape)]
    return int(rng.choice(ok))


def _broadcasts(a, b):
    try:
        shape = np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return shape == b or (len(shape) <= 3 and np.prod(shape) <= 64)


def _draw_step(rng, vals):
    """One step: (kind, name, operand positions, static args)."""
    i = int(rng.integers(len(vals)))
    x = vals[i]
    kind = rng.choice(["unary"] * 5 + ["binary"] * 4 + ["reduce"] * 2 + ["softmax", "index",
                                                                         "join", "matmul"])
    if kind == "unary":
        names = [n for n in UNARY if x.ndim or n not in ("flatten", "transpose")]
        names = [n for n in names if n != "broadcast" or (x.ndim < 3 and x.size <= 32)]
        return "unary", str(rng.choice(names)), (i,), {}
    if kind == "binary":
        return "binary", str(rng.choice(list(BINARY))), (i, _partner(rng, vals, x.shape)), {}
    if kind == "reduce":
        return ("reduce", str(rng.choice(list(REDUCE))), (i,),
                {"axis": _pick_axis(rng, x.ndim), "keepdims": bool(rng.integers(2))})
    if kind == "softmax" and x.ndim:
        return "softmax", str(rng.choice(list(SOFTMAX))), (i,), {
            "axis": int(rng.integers(-x.ndim, x.ndim))}
    if kind == "index" and x.ndim:
        n = x.shape[0]
        index = (slice(1, None) if n > 1 and rng.integers(2)
                 else rng.integers(0, n, size=int(rng.integers(1, 5))))
        return "index", "getitem", (i,), {"index": index}
    if kind == "join" and 0 < x.ndim < 3 and x.size <= 32:
        same = [j for j, v in enumerate(vals) if v.shape == x.shape]
        axis = int(rng.integers(-x.ndim, x.ndim))
        return "join", str(rng.choice(["concatenate", "stack"])), (i, int(rng.choice(same))), {
            "axis": axis}
    if kind == "matmul" and x.ndim:
        m = rng.normal(size=(x.shape[-1], int(rng.integers(1, 4))))
        return "matmul", "matmul", (i,), {"m": m if rng.integers(3) else m[:, 0]}
    return "unary", "tanh", (i,), {}


def _apply(lib, kind, name, operands, static):
    """Run one step with steepest (lib=0) or PyTorch (lib=1)."""
    if kind == "unary":
        return UNARY[name][lib](*operands)
    if kind == "binary":
        return BINARY[name][lib](*operands)
    if kind == "reduce":
        return REDUCE[name][lib](*operands, static["axis"], static["keepdims"])
    if kind == "softmax":
        return SOFTMAX[name][lib](*operands, static["axis"])
    if kind == "index":
        index = static["index"]
        return operands[0][index if lib == 0 or isinstance(index, slice)
                           else torch.tensor(index)]
    if kind == "join":
        if lib == 0:
            return getattr(st, name)(list(operands), axis=static["axis"])
        fn = torch.cat if name == "concatenate" else torch.stack
        return fn(list(operands), dim=static["axis"])
    m = static["m"]
    return operands[0] @ (m if lib == 0 else torch.tensor(m))


def draw(seed, dtype=np.float64):
    """A random graph: (input arrays, program, output cotangent w, HVP directions)."""
    rng = np.random.default_rng(seed)
    picks = [SHAPES[int(k)] for k in rng.choice(len(SHAPES), size=int(rng.integers(1, 3)))]
    shapes = [*picks, ()]  # a scalar input: something broadcasts with every result
    arrays = [rng.uniform(0.3, 2.0, s) * rng.choice([-1.0, 1.0], s) for s in shapes]
    vals = [st.tensor(a) for a in arrays]
    program = []
    for _ in range(int(rng.integers(3, 10))):
        step = _draw_step(rng, vals)
        out = _apply(0, step[0], step[1], [vals[j] for j in step[2]], step[3])
        if np.abs(out.data).max(initial=0) > 20:  # keep values in range: squash
            step = ("unary", "tanh", (len(vals) - 1,), {})
            out = st.tanh(vals[-1])
        program.append(step)
        vals.append(out)
    w = rng.normal(size=vals[-1].shape)
    v = [rng.normal(size=s) for s in shapes]
    return [a.astype(dtype) for a in arrays], program, w.astype(dtype), [x.astype(dtype)
                                                                         for x in v]


def _run(lib, leaves, program, w):
    vals = list(leaves)
    for kind, name, positions, static in program:
        vals.append(_apply(lib, kind, name, [vals[j] for j in positions], static))
    return vals[-1], (vals[-1] * (w if lib == 0 else torch.tensor(w))).sum()


def steepest_derivatives(arrays, program, w, v):
    xs = [st.tensor(a, requires_grad=True) for a in arrays]
    out, loss = _run(0, xs, program, w)
    if not loss.requires_grad:
        return out.data, [np.zeros_like(a) for a in arrays], [np.zeros_like(a) for a in arrays]
    loss.backward(create_graph=True)
    grads = [x.grad if x.grad is not None else st.tensor(np.zeros_like(a))
             for x, a in zip(xs, arrays)]
    for x in xs:
        x.grad = None
    s = sum(((g * vi).sum() for g, vi in zip(grads, v)), st.tensor(np.zeros((), w.dtype)))
    if s.requires_grad:
        s.backward()
    second = [np.zeros_like(a) if x.grad is None else x.grad.data for x, a in zip(xs, arrays)]
    return out.data, [g.data for g in grads], second


def torch_derivatives(arrays, program, w, v):
    xs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, loss = _run(1, xs, program, w)
    grads = torch.autograd.grad(loss, xs, create_graph=True, allow_unused=True)
    grads = [torch.zeros_like(x) if g is None else g for g, x in zip(grads, xs)]
    s = sum((g * torch.tensor(vi)).sum() for g, vi in zip(grads, v))
    second = (torch.autograd.grad(s, xs, allow_unused=True) if s.requires_grad
              else [None] * len(xs))
    second = [np.zeros_like(a) if g is None else g.detach().numpy(force=True)
              for g, a in zip(second, arrays)]
    return (out.detach().numpy(), [g.detach().numpy(force=True) for g in grads], second)


def _close(actual, desired, what, rtol=1e-9, atol=1e-10):
    scale = max(1.0, float(np.abs(desired).max(initial=0)))
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol * scale, err_msg=what)


def _describe(program):
    return " → ".join(f"{name}{positions}" for _, name, positions, _ in program)


@pytest.mark.parametrize("block", range(max(1, -(-GRAPHS // BLOCK))))
def test_random_graphs_equal_torch_values_gradients_and_hvps(block):
    for seed in range(block * BLOCK, min(GRAPHS, (block + 1) * BLOCK)):
        arrays, program, w, v = draw(seed)
        where = f"seed {seed}: {_describe(program)}"
        ours = steepest_derivatives(arrays, program, w, v)
        theirs = torch_derivatives(arrays, program, w, v)
        _close(ours[0], theirs[0], f"{where}: value")
        for k in range(len(arrays)):
            _close(ours[1][k], theirs[1][k], f"{where}: gradient of input {k}")
            _close(ours[2][k], theirs[2][k], f"{where}: HVP, input {k}")
        if seed % 4 == 0:
            _check_float32(seed, ours)


def _check_float32(seed, ours64):
    """The same graph in float32: float32 throughout, and float64's answer to float32 precision
    (the tolerance allows for a few ulps of error per op, compounded over the graph)."""
    arrays, program, w, v = draw(seed, np.float32)
    out, grads, second = steepest_derivatives(arrays, program, w, v)
    assert {a.dtype for a in (out, *grads, *second)} == {np.dtype(np.float32)}, seed
    _close(out, ours64[0], f"seed {seed}: float32 value", rtol=1e-3, atol=1e-4)
    for k in range(len(arrays)):
        _close(grads[k], ours64[1][k], f"seed {seed}: float32 gradient {k}", 1e-3, 1e-4)
        _close(second[k], ours64[2][k], f"seed {seed}: float32 HVP {k}", 1e-3, 1e-4)


def test_the_generator_covers_every_op():
    """The CI run draws every op at least once (so a new op added to the tables is tested)."""
    seen = set()
    for seed in range(min(GRAPHS, 300)):
        seen |= {name for _, name, _, _ in draw(seed)[1]}
    every = {*UNARY, *BINARY, *REDUCE, *SOFTMAX, "getitem", "concatenate", "stack", "matmul"}
    assert every <= seen, every - seen
