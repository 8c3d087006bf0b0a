"""Watching a network train (issue 12): what sharpness tracking costs, and the trainability map
against a Python loop of ``nn.fit`` calls.

- Overhead: ``nn.fit(..., track_sharpness=10)`` against the same run untracked — a 2 → 16 → 16 →
  1 tanh net (337 parameters) on 200 moons points, full batch (the edge-of-stability setting)
  and minibatches of 32 with the Hessian on all 200 points. The ratio of the tracked way is its
  slowdown (target: at most ~2×).
- Trainability map: a 256 × 256 grid of a tanh 2 → 4 → 4 → 1 net on 24 points, 500 full-batch
  GD steps each, η of layer 1 × η of layers 2–3 from 10⁻² to 10². ``trainability_map`` (one
  thread, ``n_jobs=1``) against ``nn.fit`` once per grid point with per-layer parameter groups;
  the loop times a fixed random sample of 16 points and is extrapolated ×65,536/16 (diverging
  runs end early in both).
"""

from __future__ import annotations

import numpy as np
from harness import Group

import steepest as st

SIDE, STEPS, SAMPLE = 256, 500, 16


def _overhead(batch_size: int | None, epochs: int) -> Group:
    X, y = st.datasets.moons(200, noise=0.2, seed=0)

    def way(track: int | None):
        def make():
            def run():
                net = st.nn.MLP(2, [16, 16, 1], seed=0)
                st.nn.fit(net, X, y, loss="bce_with_logits", optimizer=st.optim.GD(lr=0.5),
                          epochs=epochs, batch_size=batch_size, seed=0, progress=False,
                          track_sharpness=track)
            return run
        return make

    steps = epochs * (1 if batch_size is None else -(-200 // batch_size))
    what = "full batch" if batch_size is None else f"batches of {batch_size}"
    return Group(name=f"fit 2→16→16→1 moons, {what}, {steps} steps: track_sharpness=10",
                 unit="run", repeats=5, number=1, baseline="untracked",
                 ways={"untracked": way(None), "track_sharpness=10": way(10)},
                 notes="ratio of the tracked way = its slowdown (target ≤ ~2)")


def _map_group() -> Group:
    X, y = st.datasets.moons(24, noise=0.1, seed=0)
    y = y.astype(float)
    rates = np.geomspace(1e-2, 1e2, SIDE)
    rng = np.random.default_rng(0)
    points = [(float(rates[i]), float(rates[j])) for i, j in rng.integers(0, SIDE, (SAMPLE, 2))]

    def batched():
        return lambda: st.curvature.trainability_map(X, y, resolution=SIDE, steps=STEPS,
                                                     n_jobs=1, progress=False)

    def loop():
        def run():
            for lr1, lr2 in points:
                net = st.nn.MLP(2, [4, 4, 1], seed=0)
                ps = net.parameters()
                opt = st.optim.GD([{"params": ps[:2], "lr": lr1}, {"params": ps[2:], "lr": lr2}],
                                  lr=lr1)
                st.nn.fit(net, X, y, loss="mse", optimizer=opt, epochs=STEPS, progress=False)
        return run

    return Group(name=f"trainability map {SIDE}×{SIDE} nets × {STEPS} steps", unit="map",
                 repeats=1, number=1, ways={"steepest": batched, "nn.fit loop": loop},
                 scale={"nn.fit loop": SIDE * SIDE / SAMPLE},
                 notes=f"the loop times {SAMPLE} random grid points, extrapolated "
                       f"×{SIDE * SIDE / SAMPLE:,.0f}; the map runs on one thread here "
                       f"(n_jobs=1)")


def groups() -> list[Group]:
    return [_overhead(None, 300), _overhead(32, 40), _map_group()]
