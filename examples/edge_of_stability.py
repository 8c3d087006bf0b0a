"""Gradient descent at the edge of stability — Cohen et al. (ICLR 2021), Figure 1, on a laptop.

The lecture's rule: gradient descent on a quadratic is stable iff η < 2/λ_max. A neural network's
loss is not a quadratic, and its sharpness λ_max (the top eigenvalue of the training loss's
Hessian) changes as it trains. Under full-batch GD it first *rises* ("progressive sharpening")
until it reaches 2/η — and then, instead of diverging, GD keeps it hovering there while the loss
goes on falling, no longer monotonically. Here a tanh MLP (2 → 16 → 16 → 1) is trained on the
two-spirals data with the mean squared error at three learning rates, and ``nn.fit`` measures
λ_max every 10 steps (``track_sharpness=10``: exact Hessian-vector products, Lanczos warm-started
from the previous top eigenvector).

Run:  python examples/edge_of_stability.py     (about a minute on 2 cores)
Writes examples/output/edge_of_stability.png and prints, per η, λ_max at the start and its
range over the last third of training against 2/η. Measured (2 cores): λ_max starts at 0.21,
0.43 and 0.86 × 2/η; over the last third it stays within [0.92, 1.07] × 2/η at η = 0.1 and
[0.90, 1.12] × 2/η at η = 0.2, while at η = 0.05 it is still rising (0.65 → 0.84 × 2/η).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np

from steepest import datasets, nn, optim, plot

LRS, STEPS, EVERY, SEED = (0.05, 0.1, 0.2), 2000, 10, 0
OUT = Path(__file__).resolve().parent / "output"


def train(lr: float) -> nn.TrainingHistory:
    X, y = datasets.spirals(100, n_arms=2, noise=0.05, seed=SEED)
    X = (X - X.mean(0)) / X.std(0)
    net = nn.MLP(2, [16, 16, 1], activation="tanh", seed=SEED)
    return nn.fit(net, X, y.astype(float), loss="mse", optimizer=optim.GD(lr=lr),
                  epochs=STEPS, track_sharpness=EVERY, progress=False)


def main() -> None:
    runs = {f"η = {lr:g}": train(lr) for lr in LRS}
    for label, h in runs.items():
        lr = float(h.sharpness_lr[0])
        ratio = h.sharpness / (2 / lr)
        last = ratio[h.sharpness_steps >= 2 * STEPS // 3]
        print(f"{label}: λ_max starts at {ratio[0]:.2f}·(2/η), ends in "
              f"[{last.min():.2f}, {last.max():.2f}]·(2/η) over the last third; "
              f"loss {h.step_loss[0]:.3f} → {h.step_loss[-1]:.3f}")
    d = plot.sharpness(runs, title="Full-batch GD on two spirals: λ_max rises until it "
                                   "reaches 2/η, then hovers")
    d.loss_ax.set_ylim(0.08, 0.5)
    OUT.mkdir(exist_ok=True)
    d.savefig(OUT / "edge_of_stability.png", dpi=110)
    print(f"wrote {OUT / 'edge_of_stability.png'}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
