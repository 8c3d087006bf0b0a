"""The evidence behind the divergence detector's thresholds (``steepest.descent.divergence``).

``python benchmarks/divergence_evidence.py [--quick] [--fit]`` runs many descents whose outcome is
known —
quadratics with chosen spectra (exact: unstable iff η is above the optimizer's limit), and test
functions from random starts judged by a long reference run without any detector (unbounded iff
it overflows within ``REFERENCE_STEPS``) — and counts, for several settings of the two loss-level
thresholds, the false alarms (a bounded run called diverged) and the misses (an unbounded run not
caught within the horizon). It prints one table; the detector's docstring quotes it. ``--fit``
instead trains small networks on the toy data sets, healthy and absurd learning rates, and prints
each run's peak excess r of the minibatch losses over their start (no loss-level rule active).
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

import steepest as st
from steepest.descent import divergence as dv
from steepest.descent.batch import DIVERGED, run_batch
from steepest.problems import (
    Beale,
    Booth,
    ConvexBowl,
    GoldsteinPrice,
    Himmelblau,
    Matyas,
    NonConvexSurface,
    Quadratic,
    Rastrigin,
    Rosenbrock,
    SixHumpCamel,
    StyblinskiTang,
)

HORIZON = 1000           # steps the detector gets
REFERENCE_STEPS = 5000   # steps of the detector-free reference run


def reference(vg, starts, opt, lr, steps):
    """(the step each start overflowed at, or −1; final excess ratio), with no detector."""
    rule = opt.vector_rule()
    X = np.array(starts, dtype=float)
    with np.errstate(all="ignore"):
        f, G = vg(X)
        start, best = f.copy(), f.copy()
        dead = np.zeros(len(X), bool)
        died = np.full(len(X), -1)
        state = opt.init(X)
        for k in range(1, steps + 1):
            X, state = rule(G, state, X, lr)
            f, G = vg(X)
            bad = ~(np.isfinite(f) & np.isfinite(G).all(1) & np.isfinite(X).all(1))
            died[bad & ~dead] = k
            dead |= bad
            best = np.where(dead, best, np.minimum(best, f))
            X[dead], G[dead] = 0.0, 0.0  # park them
        ratio = np.where(dead, np.inf, (f - best) / dv.scale_of(start, best))
    return died, ratio


def cases(quick: bool):
    rng = np.random.default_rng(0)
    n = 300 if quick else 1500
    # test functions: rates around each one's limit 2/λ_max at its (global) minimum
    for P in (Rosenbrock(), Himmelblau(), Beale(), SixHumpCamel(), GoldsteinPrice(),
              StyblinskiTang(), NonConvexSurface(), ConvexBowl(), Booth(), Matyas(),
              Rastrigin()):
        lam = np.linalg.eigvalsh(P.hessian(P.minima[0]))[-1]
        lo, hi = np.array(P.domain).T
        starts = lo + (hi - lo) * rng.random((n, 2))
        for m in (0.3, 0.7, 0.95, 1.05, 1.3, 2.0, 4.0):
            yield f"{type(P).__name__} GD {m}×", P, starts, st.optim.GD(lr=m * 2 / lam), None
    # quadratics: exact answers
    for dim, kappa, (name, make) in itertools.product(
            (2, 10), (10, 100, 1000),
            (("GD", lambda lr: st.optim.GD(lr=lr)),
             ("Momentum", lambda lr: st.optim.Momentum(lr=lr, momentum=0.9)),
             ("Nesterov", lambda lr: st.optim.Nesterov(lr=lr, momentum=0.9)))):
        Q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        w = np.geomspace(1.0, kappa, dim)
        P = Quadratic((Q * w) @ Q.T, Q @ rng.normal(size=dim))
        starts = P.solve() + rng.normal(size=(n // 3, dim)) * 3
        limit = make(1.0).lr_limit(kappa)
        for m in (0.3, 0.9, 0.99, 1.02, 1.1, 3.0, 30.0):
            yield f"quadratic {dim}-D κ={kappa} {name} {m}×", P, starts, make(m * limit), m > 1


def fit_evidence() -> None:
    """Peak excess of the minibatch losses of healthy and absurd training runs."""
    from steepest import datasets as ds
    from steepest import nn
    tasks = {"moons": (lambda: ds.moons(500, noise=0.1, seed=0), 2, [16, 16, 1], "bce_with_logits"),
             "spirals": (lambda: ds.spirals(400, n_arms=2, noise=0.05, seed=0), 2, [32, 32, 1],
                         "bce_with_logits"),
             "xor": (lambda: ds.xor(200, seed=0), 2, [8, 1], "bce_with_logits"),
             "reg-sine": (lambda: ds.regression(200, seed=0), 1, [16, 1], "mse"),
             "reg-lin": (lambda: ds.regression(100, kind="linear", seed=0), 1, [8, 1], "mse"),
             "blobs": (lambda: ds.blobs(300, centers=3, seed=0), 2, [16, 3], "cross_entropy")}
    rates = [("gd", 0.1), ("gd", 0.5), ("momentum", 0.05), ("adam", 0.01), ("adam", 0.05),
             ("rmsprop", 0.01), ("adagrad", 0.1), ("gd", 1e3), ("adam", 1e3), ("momentum", 10.0),
             ("gd", 5.0)]
    saved = dv.FIT_FACTOR
    nn.training.FIT_FACTOR = nn.training.FIT_GROWTH_LEVEL = 1e300  # measure, do not stop
    try:
        for (name, (data, nin, hidden, loss)), (opt, lr) in itertools.product(tasks.items(),
                                                                              rates):
            X, y = data()
            for bs in (None, 16):
                net = nn.MLP(nin, hidden, seed=0)
                h = nn.fit(net, X, y, loss=loss, optimizer=st.optim.get_optimizer(opt, lr=lr),
                           epochs=30, batch_size=bs, seed=0, progress=False)
                sl = h.step_loss[np.isfinite(h.step_loss)]
                best = np.minimum.accumulate(sl)
                r = (sl - best) / dv.scale_of(sl[0], best)
                print(f"{name:9s} {opt:8s} lr={lr:<6g} batch={bs}: {h.status:9s} peak r = "
                      f"{r.max():9.3g} at step {int(r.argmax())}")
    finally:
        nn.training.FIT_FACTOR = nn.training.FIT_GROWTH_LEVEL = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--fit", action="store_true")
    args = parser.parse_args()
    if args.fit:
        fit_evidence()
        return
    settings = [(1e3, 1e3), (1e4, 1e2), (1e4, 1e1), (1e4, 1e3), (1e5, 1e3), (1e8, 1e8)]
    keys = ("false", "false_settled", "miss", "bounded", "settled", "unbounded", "late",
            "late_caught")
    tally = {s: dict.fromkeys(keys, 0) for s in settings}
    peaks, t0 = [], time.perf_counter()
    for label, P, starts, opt, exact in cases(args.quick):
        lr = opt.lr_at(0)
        vg = P.value_and_grad_batch
        if exact is None:
            died, ratio = reference(vg, starts, opt, lr, REFERENCE_STEPS)
        else:  # a quadratic: unstable means unbounded, caught within the horizon
            died, ratio = np.full(len(starts), 1 if exact else -1), np.zeros(len(starts))
        bounded, settled = died < 0, (died < 0) & (ratio <= 1)
        must = (died > 0) & (died <= HORIZON)
        late = died > HORIZON
        peaks.append((label, float(np.max(ratio[bounded], initial=0.0))))
        for s in settings:
            dv.FACTOR, dv.GROWTH_LEVEL = s
            fired = run_batch(vg, starts, opt, lr, max_steps=HORIZON).outcome == DIVERGED
            t = tally[s]
            for key, n in (("false", fired & bounded), ("false_settled", fired & settled),
                           ("miss", ~fired & must), ("bounded", bounded),
                           ("settled", settled), ("unbounded", must), ("late", late),
                           ("late_caught", fired & late)):
                t[key] += int(n.sum())
            if (fired & bounded).any():
                print(f"  FACTOR={s[0]:g}, GROWTH_LEVEL={s[1]:g}: {label}: "
                      f"{int((fired & bounded).sum())} false alarms of {int(bounded.sum())} "
                      f"bounded ({int((fired & settled).sum())} of them settled)")
    dv.FACTOR, dv.GROWTH_LEVEL = 1e4, 1e3
    print(f"\n{'FACTOR':>8} {'GROWTH_LEVEL':>12} {'false alarms (bounded)':>24} "
          f"{'(settled)':>18} {'misses':>16} {'later overflow caught':>22}")
    for s, t in tally.items():
        print(f"{s[0]:>8g} {s[1]:>12g} {t['false']:>10} of {t['bounded']:<10} "
              f"{t['false_settled']:>6} of {t['settled']:<8} {t['miss']:>6} of "
              f"{t['unbounded']:<7} {t['late_caught']:>8} of {t['late']:<8}")
    print("\nlargest final excess ratio of a bounded reference run, per case (top 8):")
    for label, peak in sorted(peaks, key=lambda p: -p[1])[:8]:
        print(f"  {peak:10.3g}  {label}")
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
