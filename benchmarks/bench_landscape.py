"""Loss-landscape grids: steepest.landscape.surface_2d against the ``loss-landscapes`` package
(``random_plane``), on the same PyTorch-defined models, data and grid, filter-normalized
directions, float32 as the models are defined.

- the lecture's 3→4→4→1 tanh classifier on 1,000 points, full 51 × 51 plane (target ≥ 10×);
- a 784→256→256→10 ReLU net on 1,000 points (MNIST-sized, random data), the first ROWS rows of the
  51 × 51 plane for both packages (the same ROWS × 51 grid points; a full plane is ~5× longer for
  both): loss-landscapes' loop is stopped by its metric after ROWS × 51 evaluations
  (target ≥ 2.5×).

Both packages build their random directions inside the timed call. Both run single-threaded
(torch intra-op threads and OpenBLAS limited to 1): on a shared 2-core machine an OpenMP pool and
an OpenBLAS pool in one process spin against each other and the timings become noise.
"""

from __future__ import annotations

import numpy as np
from harness import Group, Skip

STEPS = 51
ROWS = 10


def _torch():
    try:
        import torch
    except ImportError as exc:
        raise Skip("torch not installed") from exc
    torch.set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    return torch


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


def groups() -> list[Group]:
    return [
        Group("landscape 51×51, 3-4-4-1 tanh, 1k pts",
              {"steepest": _steepest(False, STEPS), "loss-landscapes": _ll(False, STEPS)},
              unit="51×51 grid", repeats=5, target={"loss-landscapes": 10.0}),
        Group(f"landscape {ROWS}×51 rows, 784-256-256-10",
              {"steepest": _steepest(True, ROWS), "loss-landscapes": _ll(True, ROWS)},
              unit=f"{ROWS}×{STEPS} points of a 51×51 grid", repeats=3,
              target={"loss-landscapes": 2.5},
              notes=f"first {ROWS} of {STEPS} rows for both packages"),
    ]
