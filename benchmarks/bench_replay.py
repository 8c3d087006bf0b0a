"""The replayed training step (steepest.autodiff.replay.Replay) against the eager engine, the
hand-written NumPy step (the floor), PyTorch eager and JAX jit.

* the lecture's 3→4→4→1 tanh net, 1,000 points, float64, MSE, plain GD: issue 17's targets are
  ≥ 1.0× JAX jit, ≥ 3× PyTorch eager and within 1.15× of the hand-written NumPy step. Two
  steepest ways: the engine's Tensor ops in a Replay, and ``nn.MLP`` + ``nn.mse`` +
  ``optim.GD`` in a Replay (what a user writes).
* the scaling grid: points 100 … 100,000 × hidden width 4 … 512 (3 → w → w → 1), replay against
  the NumPy step and eager, to show where the replay's saving matters (small steps) and that it
  costs nothing where BLAS dominates. The 100,000 × 512 corner (≈ 10 s a step on one thread) is
  left out.

Every way's first two losses are checked against the NumPy step's before timing.

The hand-written step calls ``np.tanh``, as a NumPy user would; steepest's float64 tanh
(``autodiff.ops._np_tanh``) takes ``np.tanh`` or a route through one ``exp``, whichever it timed
faster on this CPU (the exp route was 1.3–1.9× faster on one machine, 1.7× slower on another).
On the lecture net the two tanh calls are still about a third of the step; JAX's fused step does
all of its arithmetic in less time than NumPy's calls take to dispatch (see the note of issue 17).

Where the lecture net's replayed step goes (Dec 2026, isolated timings of each call, one thread,
quiet machine). On an AMD EPYC with AVX2 and OpenBLAS's Haswell kernel: the generated ``run``
149 µs — two ``np.tanh`` of 4,000 numbers 31 µs each, the three forward matmuls + bias adds 25,
the backward's matmuls, row sums and tanh derivatives ~75, of which the (1000, 1) @ (1, 4) outer
product took 8.5 µs through ``np.matmul`` (on the machine below: 8.6 µs, and 1.5 through
``np.dot``, which every product of matrices now takes: ``autodiff.ops._mm``) — then the Replay
call's guards and gradient hand-out 13 µs and ``optim.GD.step`` 11–17 µs: 172 µs in all, against
PyTorch eager's 450 µs (2.6×) before the ``np.dot`` change. On an AMD EPYC with AVX-512
(OpenBLAS SkylakeX): the generated ``run`` 68 µs (the two forward linears with 3- and 4-wide
inputs 12 µs each — an NT product of tiny matrices is half as fast as an NN one in OpenBLAS —
the tanh 8 µs each, the backward ~33), the Replay call 5.5 µs, the update 6 µs: 79 µs against
PyTorch's 347–365 µs (4.4×, three runs) and JAX jit's 156–185 µs (2.0–2.2×).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import bench_autodiff as base
import numpy as np
from harness import Group

import steepest as st
from steepest.autodiff.replay import Replay

LR = base.LR


def _problem(n: int, width: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, :1] * X[:, 1:2] > 0).astype(np.float64) * 2 - 1
    sizes = [3, width, width, 1]
    init = []
    for nin, nout in itertools.pairwise(sizes):
        init += [rng.uniform(-1, 1, (nin, nout)) / np.sqrt(nin), np.zeros(nout)]
    return X, y, init


def _engine_loss(params):
    W1, b1, W2, b2, W3, b3 = params

    def loss(X, y):
        h = st.linear(X, W1, b1).tanh()
        h = st.linear(h, W2, b2).tanh()
        return ((st.linear(h, W3, b3) - y) ** 2).mean()
    return loss


def replay_way(problem: Callable) -> Callable[[], Callable[[], float]]:
    def factory() -> Callable[[], float]:
        X, y, init = problem()
        params = base._steepest_params(init)
        step_fn = Replay(_engine_loss(params))

        def step() -> float:
            for p in params:
                p.grad = None
            loss = step_fn(X, y)
            for p in params:
                p.data -= LR * p.grad.data
            return loss.item()
        return step
    return factory


def eager_way(problem: Callable) -> Callable[[], Callable[[], float]]:
    def factory() -> Callable[[], float]:
        X, y, init = problem()
        params = base._steepest_params(init)
        loss_fn = _engine_loss(params)

        def step() -> float:
            loss = loss_fn(X, y)
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                p.data -= LR * p.grad.data
            return loss.item()
        return step
    return factory


def _nn_model(problem: Callable, activation: str = "tanh"):
    """``nn.MLP`` with the problem's initial weights, its data and a GD optimizer."""
    X, y, init = problem()
    sizes = [init[0].shape[0]] + [p.shape[1] for p in init[0::2]]
    net = st.nn.MLP(sizes[0], sizes[1:], activation=activation, dtype=init[0].dtype)
    for layer, W, b in zip(net.layers, init[0::2], init[1::2]):
        layer.weight.data[...] = W.T
        layer.bias.data[...] = b
    return net, X, y, st.optim.GD(net.parameters(), lr=LR)


def nn_replay_way(problem: Callable, activation: str = "tanh", loss: str = "mse"
                  ) -> Callable[[], Callable[[], float]]:
    def factory() -> Callable[[], float]:
        net, X, y, opt = _nn_model(problem, activation)
        loss_fn = getattr(st.nn, loss)
        step_fn = Replay(lambda X, y: loss_fn(net(X), y))

        def step() -> float:
            opt.zero_grad()
            loss = step_fn(X, y)
            opt.step()
            return loss.item()
        return step
    return factory


def repeated(factory: Callable, times: int) -> Callable[[], Callable[[], float]]:
    """``factory``'s step run ``times`` times per call (to set beside ``fit`` for as many
    epochs); the last loss."""
    def make() -> Callable[[], float]:
        step = factory()

        def steps() -> float:
            for _ in range(times):
                value = step()
            return value
        return steps
    make.__name__ = getattr(factory, "__name__", "way")
    return make


def fit_way(epochs: int) -> Callable[[], Callable[[], float]]:
    """``nn.fit`` for ``epochs`` full-batch epochs (one step each) of the lecture's net: the
    whole driver (checks, history, divergence detector, layer-gradient norms, R² per epoch)."""
    def factory() -> Callable[[], float]:
        net, X, y, opt = _nn_model(base.small_problem)
        first = st.nn.fit(net, X, y, loss="mse", optimizer=opt, epochs=1, progress=False)
        if not np.isclose(first.step_loss[0], base.numpy_small()(), rtol=1e-12, atol=0):
            raise AssertionError("fit's first loss differs from the NumPy step's")

        def run() -> float:
            h = st.nn.fit(net, X, y, loss="mse", optimizer=opt, epochs=epochs, progress=False)
            return float(h.step_loss[-1])
        return run
    return factory


def numpy_way(problem: Callable) -> Callable[[], Callable[[], float]]:
    def factory() -> Callable[[], float]:
        X, y, init = problem()
        W1, b1, W2, b2, W3, b3 = params = [p.copy() for p in init]
        n = len(X)

        def step() -> float:
            h1 = np.tanh(X @ W1 + b1)
            h2 = np.tanh(h1 @ W2 + b2)
            d = h2 @ W3 + b3 - y
            g3 = (2.0 / n) * d
            g2 = (g3 @ W3.T) * (1 - h2 * h2)
            g1 = (g2 @ W2.T) * (1 - h1 * h1)
            grads = [X.T @ g1, g1.sum(0), h1.T @ g2, g2.sum(0), h2.T @ g3, g3.sum(0)]
            for p, g in zip(params, grads):
                np.subtract(p, LR * g, out=p)
            return float(np.mean(d * d))
        return step
    return factory


def _checked(factory: Callable, problem: Callable, rtol: float = 1e-10) -> Callable:
    return base._checked(factory, numpy_way(problem), rtol)


def groups() -> list[Group]:
    small = base.small_problem
    out = [Group(
        "replay: MLP 3-4-4-1 tanh, 1000 pts, f64",
        {"steepest replay": _checked(replay_way(small), small),
         "steepest nn.MLP replay": _checked(nn_replay_way(small), small),
         "steepest eager": _checked(eager_way(small), small),
         "numpy (hand-written)": numpy_way(small),
         "pytorch": _checked(base.torch_small, small),
         "jax jit": _checked(base.jax_small, small)},
        baseline="steepest replay", unit="training step",
        target={"jax jit": 1.0, "pytorch": 3.0, "numpy (hand-written)": 1 / 1.15},
        notes="steepest replay: the engine's ops in a Replay (one recording, then replays)")]
    large = base.large_problem
    out.append(Group(
        "replay: MLP 784-256-256-10 relu, batch 256, f32",
        {"steepest nn.MLP replay": base._checked(nn_replay_way(large, "relu", "cross_entropy"),
                                                 base.numpy_large, 1e-4),
         "numpy (hand-written)": base.numpy_large, "steepest nn.MLP eager": base.LARGE[
             "steepest nn.MLP"], "pytorch": base.LARGE["pytorch"],
         "jax jit": base.LARGE["jax jit"]},
        baseline="steepest nn.MLP replay", unit="training step",
        target={"numpy (hand-written)": 0.95},
        notes="nn.MLP + nn.cross_entropy + optim.GD in a Replay (softmax and label pick "
              "replayed)"))
    k = 20
    out.append(Group(
        f"replay: nn.fit 3-4-4-1 tanh, 1000 pts, {k} full-batch epochs",
        {"steepest nn.fit": fit_way(k),
         "steepest nn.MLP replay": repeated(_checked(nn_replay_way(small), small), k),
         "numpy (hand-written)": repeated(numpy_way(small), k),
         "pytorch": repeated(_checked(base.torch_small, small), k),
         "jax jit": repeated(_checked(base.jax_small, small), k)},
        baseline="steepest nn.fit", unit=f"{k} steps", repeats=5,
        target={"jax jit": 1.0, "pytorch": 3.0, "numpy (hand-written)": 1 / 1.15},
        notes="fit: one call of 20 epochs (its setup and one recording included); others: "
              "20 steps"))
    for n in (100, 1_000, 10_000, 100_000):
        for width in (4, 32, 512):
            if n * width > 10_000_000:
                continue
            def problem(n: int = n, w: int = width):
                return _problem(n, w)
            out.append(Group(
                f"replay scaling: {n:,} pts × width {width}",
                {"steepest replay": _checked(replay_way(problem), problem, 1e-8),
                 "numpy (hand-written)": numpy_way(problem),
                 "steepest eager": _checked(eager_way(problem), problem, 1e-8)},
                baseline="steepest replay", unit="training step", repeats=3,
                target={"numpy (hand-written)": 1 / 1.15}))
    return out
