"""The stability map, batched, against a Python loop of ``minimize`` calls.

Workload (issue 11): GD on Rosenbrock from 10⁴ starts (a 100 × 100 grid over its domain) at 20
learning rates from 5·10⁻⁴ to 4·10⁻³ (straddling the limit 2/λ_max(x*) = 0.001997), 1,000 steps
each — 2·10⁵ runs. ``steepest.stability_map`` runs each rate as one stacked (10⁴, 2) array per
step. The loop runs ``minimize`` once per (η, start) pair; running all 2·10⁵ would take hours, so
it times a fixed random sample of 50 pairs, drawn uniformly from the same 2·10⁵ (diverging runs
end early in both), and is extrapolated linearly (``scale`` = 2·10⁵/50). Before timing, the
sample's outcomes are checked equal to the map's.
"""

from __future__ import annotations

import numpy as np
from harness import Group

import steepest as st
from steepest.descent.batch import OUTCOMES

SIDE, RATES, STEPS, SAMPLE = 100, 20, 1000, 50


def _workload() -> tuple[st.problems.Problem, np.ndarray, np.ndarray]:
    problem = st.problems.Rosenbrock()
    (x0, x1), (y0, y1) = problem.domain
    starts = np.stack(np.meshgrid(np.linspace(x0, x1, SIDE), np.linspace(y0, y1, SIDE)),
                      -1).reshape(-1, 2)
    return problem, starts, np.geomspace(5e-4, 4e-3, RATES)


def _sample(n_rates: int, n_starts: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(0)
    return [(int(r), int(s)) for r, s in zip(rng.integers(0, n_rates, SAMPLE),
                                             rng.integers(0, n_starts, SAMPLE))]


def _outcome(result: st.Result) -> str:
    if result.status == "diverged":
        return "diverged"
    return "converged" if result.status == "converged" else "bounded"


def _group() -> Group:
    problem, starts, lrs = _workload()
    pairs = _sample(len(lrs), len(starts))

    def batched():
        m = st.stability_map(problem, st.optim.GD(), lrs, starts, max_steps=STEPS)
        for r, s in pairs[:10]:  # the loop's answers are the map's
            one = st.minimize(problem, starts[s], st.optim.GD(lr=lrs[r]), max_steps=STEPS,
                              rtol=1e-6)
            assert _outcome(one) == OUTCOMES[m.outcome[r, s]], (r, s)
        return lambda: st.stability_map(problem, st.optim.GD(), lrs, starts, max_steps=STEPS)

    def loop():
        def run():
            for r, s in pairs:
                st.minimize(problem, starts[s], st.optim.GD(lr=lrs[r]), max_steps=STEPS,
                            rtol=1e-6)
        return run

    return Group(name=f"stability map Rosenbrock {SIDE * SIDE:,} starts × {RATES} rates × "
                      f"{STEPS} steps", unit="map", repeats=3, number=1,
                 ways={"steepest": batched, "minimize loop": loop},
                 scale={"minimize loop": len(lrs) * len(starts) / SAMPLE},
                 target={"minimize loop": 100.0},
                 notes=f"the loop times {SAMPLE} random (η, start) pairs and is extrapolated "
                       f"×{len(lrs) * len(starts) / SAMPLE:,.0f}; outcomes checked equal first")


def groups() -> list[Group]:
    return [_group()]
