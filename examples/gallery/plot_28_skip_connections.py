"""
Skip connections smooth the loss landscape
==========================================

Li et al. (NeurIPS 2018) found that identity skip connections make a deep network's loss
landscape far more convex. The same deep tanh MLP is built twice from the same initial weights,
once plain (h ← tanh(W h + b)) and once residual (h ← h + tanh(W h + b)), trained the same way
on two spirals, and its loss drawn on a plane of filter-normalized random directions around the
trained weights θ*.

The measure printed is the share of the unit disc where the loss *rises going outward* from θ*:
100 % for a bowl, about half for a surface that is bumpy beyond a small basin. This is the
gallery-sized version (20 hidden layers of 32, 300 epochs, one 25 × 25 plane);
``examples/landscape_skip_connections.py`` runs the full study (600 epochs, the measure averaged
over three planes, and Hessian eigenvalue maps).
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

DEPTH, WIDTH, EPOCHS = 20, 32, 300


class DeepMLP(st.nn.Module):
    """2 → WIDTH, DEPTH square tanh layers (residual when ``skip``), → 1."""

    def __init__(self, skip: bool, seed: int = 0) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.skip = skip
        self.inp = st.nn.Linear(2, WIDTH, "tanh", seed=rng)
        self.blocks = st.nn.ModuleList(st.nn.Linear(WIDTH, WIDTH, "tanh", seed=rng)
                                       for _ in range(DEPTH))
        self.out = st.nn.Linear(WIDTH, 1, seed=rng)

    def forward(self, x):
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h) if self.skip else block(h)
        return self.out(h)


def rising_share(land):
    """Share of the disc r ≤ 1 where the loss rises going outward from θ* (100 % for a bowl)."""
    ga, gb = np.gradient(land.loss, land.alphas, land.betas)
    A, B = np.meshgrid(land.alphas, land.betas, indexing="ij")
    r = np.hypot(A, B)
    disc = (r > 0) & (r <= 1)
    return float(np.mean((ga * A + gb * B)[disc] > 0))


X, y = st.datasets.spirals(300, noise=0.05, seed=0)
fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
for ax, skip in zip(axes, (False, True)):
    model = DeepMLP(skip)
    hist = st.nn.fit(model, X, y, loss="bce_with_logits", epochs=EPOCHS, seed=0, progress=False,
                     optimizer=st.optim.Adam(model.parameters(), lr=3e-3))
    land = st.landscape.surface_2d(model, X, y, loss="bce_with_logits", resolution=25, seed=0,
                                   progress=False)
    name = "with skip connections" if skip else "no skip connections"
    share = rising_share(land)
    print(f"{name}: training loss {hist.loss[-1]:.3f}, loss rises outward on {share:.0%} "
          f"of the disc, loss range {land.loss.min():.3g} … {land.loss.max():.3g}")
    land.plot("contour", ax=ax)
    ax.set_title(f"{name}\nloss rises outward on {share:.0%} of the disc", fontsize=10)
fig.tight_layout()

plt.show()
