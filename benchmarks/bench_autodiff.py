"""Training steps per second of two MLPs: steepest vs PyTorch (CPU), HIPS autograd and micrograd.

* small: the lecture's 3→4→4→1 tanh net, full batch of 1,000 points, float64, MSE loss. Per-op
  overhead dominates here (arrays of 1,000×4), so the target is ≥ 2× PyTorch's steps/s.
* large: 784→256→256→10 ReLU net, one batch of 256, float32, cross-entropy. BLAS-bound: the
  target is ≥ 0.9× PyTorch's steps/s (no needless copies or temporaries).

Every way does the same work per call: forward, loss, backward, a plain gradient-descent update.
PyTorch gets the same number of threads as NumPy's BLAS (threadpoolctl); set
``STEEPEST_BENCH_THREADS=N`` to limit both to N (on a busy machine PyTorch's OpenMP threads can
spin-wait against other processes, so 1 thread is the stabler comparison). The steepest MLPs are
written with Tensor ops directly (``st.linear`` for each layer, as ``nn.Linear`` does), so
this measures the engine, not ``steepest.nn``.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable

import numpy as np
from harness import Group, Skip

import steepest as st

LR = 0.05

if os.environ.get("STEEPEST_BENCH_THREADS"):
    from threadpoolctl import threadpool_limits

    threadpool_limits(int(os.environ["STEEPEST_BENCH_THREADS"]))  # BLAS and OpenMP, for good


def blas_threads() -> int:
    """Threads of NumPy's BLAS (what PyTorch is given too, for a fair comparison)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return 1
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return blas[0]["num_threads"] if blas else 1


def blas_description() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    return ", ".join(f"{p['internal_api']} {p.get('version')} kernel={p.get('architecture')} "
                     f"threads={p['num_threads']}" for p in blas)


def _torch():
    try:
        import torch
    except ImportError:
        raise Skip("torch not installed") from None
    torch.set_num_threads(blas_threads())
    return torch


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
            p -= LR * g
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
            p -= np.float32(LR) * g
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


def groups() -> list[Group]:
    notes = f"BLAS: {blas_description()}; PyTorch given as many threads"
    return [
        Group("autodiff: MLP 3-4-4-1 tanh, 1000 pts, f64",
              {"steepest": steepest_small, "pytorch": torch_small, "autograd": autograd_small,
               "micrograd": micrograd_small},
              unit="training step", target={"pytorch": 2.0}, way_repeats={"micrograd": 3},
              notes=notes),
        Group("autodiff: MLP 784-256-256-10 relu, batch 256, f32",
              {"steepest": steepest_large, "pytorch": torch_large, "autograd": autograd_large},
              unit="training step", target={"pytorch": 0.9},
              notes=notes + "; micrograd omitted (one Python object per number: ~10⁸ nodes)"),
    ]
