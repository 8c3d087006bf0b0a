"""Loss-landscape grids: steepest.landscape.surface_2d against the ``loss-landscapes`` package
(``random_plane``), on the same PyTorch-defined models, data and grid, filter-normalized
directions, float32 as the models are defined.

- the lecture's 3→4→4→1 tanh classifier on 1,000 points, full 51 × 51 plane (target ≥ 10×);
- a 784→256→256→10 ReLU net on 1,000 points (MNIST-sized, random data), the first ROWS rows of the
  51 × 51 plane for both packages (the same ROWS × 51 grid points; a full plane is ~5× longer for
  both): loss-landscapes' loop is stopped by its metric after ROWS × 51 evaluations
  (target ≥ 2.5×).

Also timed: the same grid as one batched evaluation, ``torch.func.vmap`` over
``functional_call`` and JAX ``vmap`` under ``jit`` (the model written in jax.numpy), both
checked equal to steepest's grid before timing.

steepest and loss-landscapes build their random directions inside the timed call. Every way runs
with the run's thread count (``run.py --threads``, default 1, set once for every group: this
module used to call ``threadpool_limits(1)`` itself, which stayed in force for every group run
after it).
"""

from __future__ import annotations

import harness
import numpy as np
from harness import Group, Skip

STEPS = 51
ROWS = 10


def _torch():
    return harness.torch()  # the run's thread count (run.py sets one for every group)


def _models(big: bool):
    torch = _torch()
    torch.manual_seed(0)
    nn = torch.nn
    if big:
        net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                            nn.Linear(256, 10))
        X = torch.randn(1000, 784)
        y = torch.randint(0, 10, (1000,))
        loss = nn.CrossEntropyLoss()
    else:
        net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(),
                            nn.Linear(4, 1))
        X = torch.randn(1000, 3)
        y = (torch.rand(1000, 1) > 0.5).float()
        loss = nn.BCEWithLogitsLoss()
    return net, X, y, loss


class _Enough(Exception):
    pass


def _ll(big: bool, rows: int):
    def factory():
        try:
            import loss_landscapes
            from loss_landscapes.metrics import Metric
        except ImportError as exc:
            raise Skip("loss-landscapes not installed") from exc
        net, X, y, loss = _models(big)
        limit = rows * STEPS

        class Loss(Metric):  # loss_landscapes.metrics.Loss, stopping after `limit` points
            def __init__(self):
                super().__init__()
                self.count = 0

            def __call__(self, model_wrapper):
                if self.count == limit:
                    raise _Enough
                self.count += 1
                return loss(model_wrapper.forward(X), y).item()

        def run():
            metric = Loss()
            try:
                return loss_landscapes.random_plane(net, metric, distance=1, steps=STEPS,
                                                    normalization="filter", deepcopy_model=True)
            except _Enough:
                assert metric.count == limit
        return run
    return factory


def _steepest(big: bool, rows: int):
    def factory():
        from steepest.landscape import surface_2d

        net, X, y, loss = _models(big)
        grid = np.linspace(-1, 1, STEPS)
        rng = ((grid[0], grid[rows - 1]), (-1.0, 1.0)) if rows < STEPS else (-1.0, 1.0)
        res = (rows, STEPS)

        def run():
            land = surface_2d(net, X, y, loss=loss, resolution=res, range=rng, progress=False)
            assert land.loss.shape == res and np.all(np.isfinite(land.loss))
            return land
        return run
    return factory


# ---- batched peers: every grid point's weights at once, vmap over them -------------------------
def _plane(big: bool, rows: int):
    """The model, its data, θ* and the two filter-normalized directions steepest draws (seed 0,
    as surface_2d does), and the grid coefficients: what the vmap peers are given (their
    directions are precomputed, untimed — steepest builds its own inside the timed call)."""
    from steepest.landscape import random_directions

    net, X, y, loss = _models(big)
    dirs = random_directions(net, 2, seed=0)
    theta = np.concatenate([p.detach().numpy().ravel() for p in net.parameters()])
    grid = np.linspace(-1, 1, STEPS)
    A, B = np.meshgrid(np.linspace(grid[0], grid[rows - 1], rows), grid, indexing="ij")
    shapes = [tuple(p.shape) for p in net.parameters()]
    return net, X, y, loss, theta, dirs.vectors, A.ravel(), B.ravel(), shapes


def _check_plane(values, big: bool, rows: int) -> None:
    """The peer's grid equals steepest's (float32 rounding)."""
    land = _steepest(big, rows)()()
    np.testing.assert_allclose(np.asarray(values, float).reshape(land.loss.shape), land.loss,
                               rtol=2e-4, atol=1e-5)


def _torch_vmap(big: bool, rows: int):
    def factory():
        torch = _torch()
        from torch.func import functional_call, vmap

        net, X, y, loss, theta, d, A, B, shapes = _plane(big, rows)
        names = [n for n, _ in net.named_parameters()]
        sizes = [int(np.prod(sh)) for sh in shapes]
        th, dt = torch.from_numpy(theta), torch.from_numpy(d.astype(np.float32))
        At, Bt = torch.from_numpy(A.astype(np.float32)), torch.from_numpy(B.astype(np.float32))

        def point(flat):
            parts = torch.split(flat, sizes)
            params = {n: p.reshape(sh) for n, p, sh in zip(names, parts, shapes)}
            return loss(functional_call(net, params, (X,)), y)
        batched = vmap(point, chunk_size=STEPS if big else None)

        def run():
            with torch.no_grad():
                return batched(th + At[:, None] * dt[0] + Bt[:, None] * dt[1])
        _check_plane(run().numpy(), big, rows)
        return run
    return factory


def _jax_vmap(big: bool, rows: int):
    def factory():
        jax = harness.jax()
        jnp = jax.numpy
        _, X, y, _, theta, d, A, B, shapes = _plane(big, rows)
        f32 = jnp.float32
        Xj = jnp.asarray(X.numpy(), f32)
        yj = jnp.asarray(y.numpy())
        bounds = np.cumsum([0] + [int(np.prod(sh)) for sh in shapes])

        def point(flat):
            h = Xj
            for i in range(0, len(shapes), 2):
                W = flat[bounds[i]:bounds[i + 1]].reshape(shapes[i])      # (out, in)
                b = flat[bounds[i + 1]:bounds[i + 2]]
                h = h @ W.T + b
                if i + 2 < len(shapes):
                    h = jnp.maximum(h, 0) if big else jnp.tanh(h)
            if big:  # cross-entropy
                z = h - jnp.max(h, axis=1, keepdims=True)
                lse = jnp.log(jnp.sum(jnp.exp(z), axis=1))
                return jnp.mean(lse - jnp.take_along_axis(z, yj[:, None], axis=1)[:, 0])
            return jnp.mean(jnp.maximum(h, 0) - h * yj + jnp.log1p(jnp.exp(-jnp.abs(h))))

        th, dj = jnp.asarray(theta, f32), jnp.asarray(d, f32)
        coef = jnp.asarray(np.stack([A, B], 1), f32).reshape(rows, STEPS, 2)

        @jax.jit
        def plane(coef):
            def row(c):
                return jax.vmap(lambda ab: point(th + ab[0] * dj[0] + ab[1] * dj[1]))(c)
            return jax.lax.map(row, coef) if big else jax.vmap(row)(coef)

        def run():
            return np.asarray(plane(coef))  # waits for the result
        _check_plane(run(), big, rows)
        return run
    return factory


def groups() -> list[Group]:
    return [
        Group("landscape 51×51, 3-4-4-1 tanh, 1k pts",
              {"steepest": _steepest(False, STEPS), "loss-landscapes": _ll(False, STEPS),
               "torch.func.vmap": _torch_vmap(False, STEPS),
               "jax vmap+jit": _jax_vmap(False, STEPS)},
              unit="51×51 grid", repeats=5, target={"loss-landscapes": 10.0},
              notes="vmap peers: all 2,601 weight vectors in one batch; directions given"),
        Group(f"landscape {ROWS}×51 rows, 784-256-256-10",
              {"steepest": _steepest(True, ROWS), "loss-landscapes": _ll(True, ROWS),
               "torch.func.vmap": _torch_vmap(True, ROWS), "jax vmap+jit": _jax_vmap(True, ROWS)},
              unit=f"{ROWS}×{STEPS} points of a 51×51 grid", repeats=3,
              target={"loss-landscapes": 2.5},
              notes=f"first {ROWS} of {STEPS} rows for every way; vmap peers batch one row "
                    f"(51 weight vectors) at a time; directions given"),
    ]
