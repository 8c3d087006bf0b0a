"""Training steps per second of two MLPs: steepest against hand-written NumPy (the floor),
PyTorch eager and ``torch.compile``, JAX ``jit``, HIPS autograd and micrograd.

* small: the lecture's 3→4→4→1 tanh net, full batch of 1,000 points, float64, MSE loss. Per-op
  overhead dominates here (arrays of 1,000×4): the issue-17 targets are ≥ 3× PyTorch eager,
  ≥ 1.0× JAX jit and within 1.15× of the hand-written NumPy step.
* large: 784→256→256→10 ReLU net, one batch of 256, float32, cross-entropy. BLAS-bound: the
  target is ≥ 0.95× the hand-written NumPy step on the same BLAS (no needless copies or
  temporaries); the ratio to JAX jit is reported as it is.

Every way does the same work per call: forward, loss, backward, a plain gradient-descent update,
and returns the loss as a Python float (which waits for JAX's asynchronous dispatch).
``steepest`` writes the net with Tensor ops (``st.linear`` per layer, as ``nn.Linear`` does) and
measures the engine; ``steepest nn.MLP`` is what a user writes (``nn.MLP``, ``nn.mse`` or
``cross_entropy``, ``optim.GD``). ``torch.compile`` compiles the model and loss (forward and, by
AOTAutograd, backward; compilation is untimed setup), the SGD update stays eager; JAX jits the
whole step. All ways get the run's thread count (one by default; harness.limit_threads).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable

import harness
import numpy as np
from harness import Group, Skip

import steepest as st

LR = 0.05

def _torch():
    return harness.torch()


# ---- the data and the initial weights, shared by every way ------------------------------------
def small_problem() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 3))
    y = (X[:, :1] * X[:, 1:2] > 0).astype(np.float64) * 2 - 1  # (1000, 1) targets ±1
    sizes = [3, 4, 4, 1]
    params = []
    for nin, nout in itertools.pairwise(sizes):
        params += [rng.uniform(-1, 1, (nin, nout)) / np.sqrt(nin), np.zeros(nout)]
    return X, y, params


def large_problem() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=256)
    sizes = [784, 256, 256, 10]
    params = []
    for nin, nout in itertools.pairwise(sizes):
        bound = 1 / np.sqrt(nin)
        params += [rng.uniform(-bound, bound, (nin, nout)).astype(np.float32),
                   np.zeros(nout, np.float32)]
    return X, labels, params


# ---- steepest ----------------------------------------------------------------------------------
def _steepest_params(init: list[np.ndarray]) -> list[st.Tensor]:
    """Weights stored (out, in) as in PyTorch, for ``st.linear`` (x Wᵀ + b in one node, as
    PyTorch's nn.Linear is one addmm)."""
    return [st.tensor(p.T.copy() if p.ndim == 2 else p, requires_grad=True) for p in init]


def steepest_small() -> Callable[[], float]:
    X, y, init = small_problem()
    W1, b1, W2, b2, W3, b3 = params = _steepest_params(init)

    def step() -> float:
        h = st.linear(X, W1, b1).tanh()
        h = st.linear(h, W2, b2).tanh()
        loss = ((st.linear(h, W3, b3) - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data
        return loss.item()
    return step


def steepest_large() -> Callable[[], float]:
    X, labels, init = large_problem()
    W1, b1, W2, b2, W3, b3 = params = _steepest_params(init)
    rows = np.arange(len(labels))

    def step() -> float:
        h = st.linear(X, W1, b1).relu()
        h = st.linear(h, W2, b2).relu()
        logp = st.linear(h, W3, b3).log_softmax(axis=-1)
        loss = -logp[rows, labels].mean()
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= np.float32(LR) * p.grad.data
        return loss.item()
    return step


# ---- PyTorch: idiomatic nn.Sequential + optim.SGD ----------------------------------------------
def _torch_net(torch, init: list[np.ndarray], activation):
    layers = []
    for i in range(0, len(init), 2):
        W, b = init[i], init[i + 1]
        lin = torch.nn.Linear(*W.shape, dtype=torch.float32 if W.dtype == np.float32
                              else torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, activation()]
    return torch.nn.Sequential(*layers[:-1])


def _torch_way(problem: Callable, activation: str, loss: str) -> Callable[[], float]:
    """One idiomatic PyTorch training step (nn.Sequential + SGD) on ``problem``'s data."""
    torch = _torch()
    X, y, init = problem()
    net = _torch_net(torch, init, getattr(torch.nn, activation))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = getattr(torch.nn.functional, loss)

    def step() -> float:
        value = loss_fn(net(Xt), yt)
        opt.zero_grad()
        value.backward()
        opt.step()
        return value.item()
    return step


def torch_small() -> Callable[[], float]:
    return _torch_way(small_problem, "Tanh", "mse_loss")


def torch_large() -> Callable[[], float]:
    return _torch_way(large_problem, "ReLU", "cross_entropy")


# ---- HIPS autograd -----------------------------------------------------------------------------
def _autograd():
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        raise Skip("autograd not installed") from None
    return autograd, anp


def autograd_small() -> Callable[[], float]:
    autograd, anp = _autograd()
    X, y, init = small_problem()
    params = [p.copy() for p in init]

    def loss(ps):
        W1, b1, W2, b2, W3, b3 = ps
        h = anp.tanh(X @ W1 + b1)
        h = anp.tanh(h @ W2 + b2)
        return anp.mean((h @ W3 + b3 - y) ** 2)
    value_and_grad = autograd.value_and_grad(loss)

    def step() -> float:
        value, grads = value_and_grad(params)
        for p, g in zip(params, grads):
            np.subtract(p, LR * g, out=p)
        return float(value)
    return step


def autograd_large() -> Callable[[], float]:
    autograd, anp = _autograd()
    from autograd.scipy.special import logsumexp

    X, labels, init = large_problem()
    params = [p.copy() for p in init]
    rows = np.arange(len(labels))

    def loss(ps):
        W1, b1, W2, b2, W3, b3 = ps
        h = anp.maximum(X @ W1 + b1, 0)
        h = anp.maximum(h @ W2 + b2, 0)
        z = h @ W3 + b3
        logp = z - logsumexp(z, axis=-1, keepdims=True)
        return -anp.mean(logp[rows, labels])
    value_and_grad = autograd.value_and_grad(loss)

    def step() -> float:
        value, grads = value_and_grad(params)
        for p, g in zip(params, grads):
            np.subtract(p, np.float32(LR) * g, out=p)
        return float(value)
    return step


# ---- micrograd (scalar autodiff: one Python object per number) ---------------------------------
def micrograd_small() -> Callable[[], float]:
    try:
        from micrograd.engine import Value
    except ImportError:
        raise Skip("micrograd not installed") from None
    import math

    def tanh(v: Value) -> Value:  # micrograd has no tanh; the lecture's version
        t = math.tanh(v.data)
        out = Value(t, (v,), "tanh")

        def _backward():
            v.grad += (1 - t * t) * out.grad
        out._backward = _backward
        return out

    X, y, init = small_problem()
    W = [[[Value(float(w)) for w in row] for row in p] for p in init[0::2]]
    B = [[Value(float(b)) for b in p] for p in init[1::2]]
    params = [v for M in W for row in M for v in row] + [v for b in B for v in b]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 100_000))  # its backward recurses

    def layer(x, M, b, act):
        out = [sum((x[i] * M[i][j] for i in range(len(x))), b[j]) for j in range(len(b))]
        return [tanh(o) for o in out] if act else out

    def step() -> float:
        total = Value(0.0)
        for xi, yi in zip(X.tolist(), y[:, 0].tolist()):
            h = layer(layer(xi, W[0], B[0], True), W[1], B[1], True)
            d = layer(h, W[2], B[2], False)[0] - yi
            total = total + d * d
        loss = total * (1 / len(X))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= LR * p.grad
        return loss.data
    return step


# ---- hand-written NumPy: the same arithmetic with the chain rule written out -------------------
def numpy_small() -> Callable[[], float]:
    X, y, init = small_problem()
    W1, b1, W2, b2, W3, b3 = params = [p.copy() for p in init]
    n = len(X)

    def step() -> float:
        h1 = np.tanh(X @ W1 + b1)
        h2 = np.tanh(h1 @ W2 + b2)
        d = h2 @ W3 + b3 - y
        g3 = (2.0 / n) * d                      # ∂L/∂out for L = mean(d²)
        g2 = (g3 @ W3.T) * (1 - h2 * h2)        # through tanh: 1 − tanh²
        g1 = (g2 @ W2.T) * (1 - h1 * h1)
        grads = [X.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ g3, g3.sum(0)]
        for p, g in zip(params, grads):
            np.subtract(p, LR * g, out=p)
        return float(np.mean(d * d))
    return step


def numpy_large() -> Callable[[], float]:
    X, labels, init = large_problem()
    W1, b1, W2, b2, W3, b3 = params = [p.copy() for p in init]
    rows, n, lr = np.arange(len(labels)), len(labels), np.float32(LR)

    def step() -> float:
        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        z = h2 @ W3 + b3
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, labels]))
        g3 = e / s                               # softmax − one-hot, over the batch
        g3[rows, labels] -= 1
        g3 /= n
        g2 = (g3 @ W3.T) * (z2 > 0)
        g1 = (g2 @ W2.T) * (z1 > 0)
        grads = [X.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ g3, g3.sum(0)]
        for p, g in zip(params, grads):
            np.subtract(p, lr * g, out=p)
        return loss
    return step


# ---- steepest.nn: what a user writes -------------------------------------------------------------
def _nn_way(problem: Callable, activation: str, loss: str) -> Callable[[], float]:
    X, y, init = problem()
    sizes = [init[0].shape[0]] + [p.shape[1] for p in init[0::2]]
    net = st.nn.MLP(sizes[0], sizes[1:], activation=activation, dtype=init[0].dtype)
    for layer, W, b in zip(net.layers, init[0::2], init[1::2]):
        layer.weight.data[...] = W.T
        layer.bias.data[...] = b
    opt = st.optim.GD(net.parameters(), lr=LR)
    loss_fn = getattr(st.nn, loss)

    def step() -> float:
        value = loss_fn(net(X), y)
        opt.zero_grad()
        value.backward()
        opt.step()
        return value.item()
    return step


def nn_small() -> Callable[[], float]:
    return _nn_way(small_problem, "tanh", "mse")


def nn_large() -> Callable[[], float]:
    return _nn_way(large_problem, "relu", "cross_entropy")


# ---- torch.compile ------------------------------------------------------------------------------
def _compiled_way(problem: Callable, activation: str, loss: str) -> Callable[[], float]:
    torch = _torch()
    try:
        import torch._dynamo
    except ImportError:
        raise Skip("this torch has no torch.compile") from None
    X, y, init = problem()
    net = _torch_net(torch, init, getattr(torch.nn, activation))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    loss_fn = getattr(torch.nn.functional, loss)
    forward = torch.compile(lambda: loss_fn(net(Xt), yt))

    def step() -> float:
        value = forward()
        opt.zero_grad()
        value.backward()
        opt.step()
        return value.item()
    try:  # compile forward and backward now (setup, untimed), leaving the weights as they are
        forward().backward()
        opt.zero_grad()
    except Exception as exc:  # no C++ compiler, unsupported platform: say so, do not fail
        raise Skip(f"torch.compile failed: {type(exc).__name__}: {str(exc)[:80]}") from None
    return step


def compiled_small() -> Callable[[], float]:
    return _compiled_way(small_problem, "Tanh", "mse_loss")


def compiled_large() -> Callable[[], float]:
    return _compiled_way(large_problem, "ReLU", "cross_entropy")


# ---- JAX: the whole step under jit --------------------------------------------------------------
def _jax_way(problem: Callable, loss_of: Callable) -> Callable[[], float]:
    jax = harness.jax()
    jnp = jax.numpy
    X, y, init = problem()
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    lr = np.asarray(LR, init[0].dtype)

    @jax.jit
    def update(params):
        value, grads = jax.value_and_grad(lambda ps: loss_of(jnp, ps, Xj, yj))(params)
        return value, [p - lr * g for p, g in zip(params, grads)]

    state = {"params": [jnp.asarray(p) for p in init]}

    def step() -> float:
        value, state["params"] = update(state["params"])
        return float(value)
    update(state["params"])  # compile (setup, untimed); the weights stay as they are
    return step


def _jax_small_loss(jnp, ps, X, y):
    W1, b1, W2, b2, W3, b3 = ps
    h = jnp.tanh(X @ W1 + b1)
    h = jnp.tanh(h @ W2 + b2)
    return jnp.mean((h @ W3 + b3 - y) ** 2)


def _jax_large_loss(jnp, ps, X, labels):
    W1, b1, W2, b2, W3, b3 = ps
    h = jnp.maximum(X @ W1 + b1, 0)
    h = jnp.maximum(h @ W2 + b2, 0)
    z = h @ W3 + b3
    logp = z - jnp.max(z, axis=1, keepdims=True)
    logp = logp - jnp.log(jnp.sum(jnp.exp(logp), axis=1, keepdims=True))
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))


def jax_small() -> Callable[[], float]:
    return _jax_way(small_problem, _jax_small_loss)


def jax_large() -> Callable[[], float]:
    return _jax_way(large_problem, _jax_large_loss)


def _checked(factory: Callable, reference: Callable, rtol: float) -> Callable:
    """``factory``, whose first two steps (untimed setup) must give the losses of the
    hand-written NumPy step: the same forward pass, and the same update after one step."""
    def make() -> Callable[[], float]:
        step = factory()
        ref, again = reference(), [step(), step()]
        expect = [ref(), ref()]
        if not np.allclose(again, expect, rtol=rtol, atol=0):
            raise AssertionError(f"{factory.__name__}: losses {again}, expected {expect}")
        return step
    return make


SMALL = {name: _checked(f, numpy_small, 1e-10) for name, f in {
    "steepest": steepest_small, "numpy (hand-written)": numpy_small, "steepest nn.MLP": nn_small,
    "pytorch": torch_small, "torch.compile": compiled_small, "jax jit": jax_small,
    "autograd": autograd_small}.items()} | {"micrograd": micrograd_small}
LARGE = {name: _checked(f, numpy_large, 1e-4) for name, f in {
    "steepest": steepest_large, "numpy (hand-written)": numpy_large, "steepest nn.MLP": nn_large,
    "pytorch": torch_large, "torch.compile": compiled_large, "jax jit": jax_large,
    "autograd": autograd_large}.items()}


def groups() -> list[Group]:
    return [
        Group("autodiff: MLP 3-4-4-1 tanh, 1000 pts, f64", SMALL, unit="training step",
              target={"pytorch": 3.0, "jax jit": 1.0, "numpy (hand-written)": 1 / 1.15},
              way_repeats={"micrograd": 3},
              notes="numpy: the chain rule written out by hand, the floor of this arithmetic"),
        Group("autodiff: MLP 784-256-256-10 relu, batch 256, f32", LARGE, unit="training step",
              target={"numpy (hand-written)": 0.95},
              notes="micrograd omitted (one Python object per number: ~10⁸ nodes)"),
    ]
