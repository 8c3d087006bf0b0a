"""Skip connections make the loss landscape smoother — Li et al. (NeurIPS 2018), Fig. 5 and 7, at
laptop scale.

The same deep MLP (2 → WIDTH → DEPTH hidden blocks of WIDTH → 1) is built twice from the same
initial weights, once plain (h ← act(W h + b)) and once with identity skip connections
(h ← h + act(W h + b)), and both are trained the same way on the two-spirals data. Around each
trained net we draw the loss on a plane of filter-normalized random directions (biases left out),
and measure how convex it is, in three ways:

- basin: the share of the disc ‖(α, β)‖ ≤ 1 where the loss *rises going outward* from θ*
  (radial derivative > 0), averaged over PLANES random planes — 100 % for a bowl, about 50 % for
  a surface that is bumpy beyond a small basin;
- |λ_min / λ_max| of the full Hessian (exact Hessian-vector products, Lanczos) on a coarse grid
  of the plane, the paper's Fig. 7 measure: near 0 the surface is locally convex;
- the share of grid points where the plotted surface has negative curvature (a principal
  curvature of its 2 × 2 Hessian < 0).

Run:  python examples/landscape_skip_connections.py     (a few minutes on 2 cores)
Writes examples/output/landscape_skip_connections.png and .json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from steepest import curvature, datasets, landscape, nn, optim

DEPTH, WIDTH, ACT = 20, 32, "tanh"
EPOCHS, LR, SEED = 600, 3e-3, 0
GRID, HESS_GRID, PLANES = 41, 7, 3
OUT = Path(__file__).resolve().parent / "output"


class DeepMLP(nn.Module):
    """An input layer, DEPTH square hidden layers (optionally residual) and a linear output."""

    def __init__(self, skip: bool, seed: int = SEED) -> None:
        super().__init__()
        rng = np.random.default_rng(seed)
        self.skip = skip
        self.inp = nn.Linear(2, WIDTH, ACT, seed=rng)
        self.blocks = [nn.Linear(WIDTH, WIDTH, ACT, seed=rng) for _ in range(DEPTH)]
        self.out = nn.Linear(WIDTH, 1, seed=rng)

    def forward(self, x):
        h = self.inp(x)
        for block in self.blocks:
            h = h + block(h) if self.skip else block(h)
        return self.out(h)

    def target(self, X, y) -> landscape.MLPTarget:
        """The same network for the batched NumPy landscape engine."""
        theta, spec = landscape.model_params(self)
        i = {name: k for k, name in enumerate(spec.names)}
        layers = [(i["inp.weight"], i["inp.bias"], ACT, False)]
        layers += [(i[f"blocks.{b}.weight"], i[f"blocks.{b}.bias"], ACT, self.skip)
                   for b in range(DEPTH)]
        layers.append((i["out.weight"], i["out.bias"], None, False))
        return landscape.MLPTarget(theta, spec, layers, X, y, loss="bce_logits", accuracy=True)


def hessian_ratio_map(target: landscape.MLPTarget, land: landscape.Landscape) -> np.ndarray:
    """|λ_min/λ_max| of the full Hessian at a HESS_GRID × HESS_GRID subgrid of the plane."""
    d1, d2 = land.directions.vectors
    coords = np.linspace(land.alphas[0], land.alphas[-1], HESS_GRID)
    ratio = np.empty((HESS_GRID, HESS_GRID))
    for i, a in enumerate(coords):
        for j, b in enumerate(coords):
            theta = target.theta + a * d1 + b * d2
            top = curvature.hessian_eigs(target.tensor_loss, theta, k=1, which="LA", tol=1e-3)
            low = curvature.hessian_eigs(target.tensor_loss, theta, k=1, which="SA", tol=1e-3)
            ratio[i, j] = abs(min(low.values[0], 0.0) / top.values[0])
    return ratio


def rising_share(land: landscape.Landscape) -> float:
    """Share of the disc r ≤ 1 (r > 0) where ∂L/∂r > 0: the loss rises going away from θ*."""
    ga, gb = np.gradient(land.loss, land.alphas, land.betas)
    A, B = np.meshgrid(land.alphas, land.betas, indexing="ij")
    r = np.hypot(A, B)
    disc = (r > 0) & (r <= 1)
    return float(np.mean((ga * A + gb * B)[disc] > 0))


def main() -> dict:
    X, y = datasets.spirals(300, noise=0.05, seed=SEED)
    results, lands, ratios = {}, {}, {}
    for skip in (False, True):
        name = "with skip connections" if skip else "no skip connections"
        t0 = time.perf_counter()
        model = DeepMLP(skip)
        hist = nn.fit(model, X, y, loss="bce_with_logits",
                      optimizer=optim.Adam(model.parameters(), lr=LR), epochs=EPOCHS, seed=SEED,
                      progress=False)
        t_train = time.perf_counter() - t0
        target = model.target(X, y)
        # the fast engine is checked against the model's own forward pass on one line
        general = landscape.line_1d(model, X, y, loss="bce_with_logits", resolution=5,
                                    progress=False)
        fast = landscape.line_1d(target, resolution=5, progress=False)
        assert np.allclose(general.loss, fast.loss, rtol=1e-9), (general.loss, fast.loss)
        t0 = time.perf_counter()
        land = landscape.surface_2d(target, resolution=GRID, seed=SEED, progress=False)
        t_land = time.perf_counter() - t0
        t0 = time.perf_counter()
        ratio = hessian_ratio_map(target, land)
        t_hess = time.perf_counter() - t0
        kmin, _ = land.surface_curvature()
        basin = [rising_share(land)] + [
            rising_share(landscape.surface_2d(target, resolution=GRID, seed=s, progress=False))
            for s in range(SEED + 1, SEED + PLANES)]
        Z = land.loss
        results[name] = {
            "train_loss": float(hist.loss[-1]),
            "train_accuracy": float(land.accuracy[GRID // 2, GRID // 2]),
            "share_disc_rising_outward": [round(b, 3) for b in basin],
            "share_disc_rising_outward_mean": float(np.mean(basin)),
            "hessian_ratio_mean": float(ratio.mean()),
            "hessian_ratio_median": float(np.median(ratio)),
            "share_points_negative_plane_curvature": float(np.mean(kmin < 0)),
            "loss_range": [float(Z.min()), float(Z.max())],
            "seconds": {"train": round(t_train, 1), "landscape": round(t_land, 2),
                        "hessian_map": round(t_hess, 1)},
        }
        lands[name], ratios[name] = land, ratio
        print(name, json.dumps(results[name], indent=1))

    fig = plt.figure(figsize=(15, 9.5))
    vmax = max(float(np.percentile(land.loss, 95)) for land in lands.values())
    levels = np.linspace(0, vmax, 31)
    for col, (name, land) in enumerate(lands.items()):
        r = results[name]
        ax = fig.add_subplot(2, 3, 1 + 3 * col)
        A, B = np.meshgrid(land.alphas, land.betas, indexing="ij")
        cs = ax.contourf(A, B, np.minimum(land.loss, vmax), levels=levels, cmap="viridis")
        ax.contour(A, B, land.loss, levels=levels, colors="k", linewidths=0.3, alpha=0.5)
        fig.colorbar(cs, ax=ax, shrink=0.85, label="training loss")
        ax.plot(0, 0, "*", ms=12, color="white", mec="k")
        ax.set_aspect("equal")
        ax.set_title(f"{name}: loss contours\nloss rises outward on "
                     f"{r['share_disc_rising_outward_mean']:.0%} of the disc", fontsize=10)
        ax.set_xlabel("δ (filter-normalized)")
        ax.set_ylabel("η")
        ax3 = fig.add_subplot(2, 3, 2 + 3 * col, projection="3d")
        ax3.plot_surface(A, B, np.minimum(land.loss, vmax), cmap="viridis", linewidth=0,
                         rstride=1, cstride=1, vmin=0, vmax=vmax)
        ax3.set_zlim(0, vmax)
        ax3.view_init(35, -60)
        ax3.set_title(f"{name}: surface\n{r['share_points_negative_plane_curvature']:.0%} of "
                      "points with negative in-plane curvature", fontsize=10)
        axr = fig.add_subplot(2, 3, 3 + 3 * col)
        coords = np.linspace(land.alphas[0], land.alphas[-1], HESS_GRID)
        im = axr.imshow(ratios[name].T, origin="lower", cmap="magma", vmin=0, vmax=2,
                        extent=(coords[0], coords[-1], coords[0], coords[-1]))
        fig.colorbar(im, ax=axr, shrink=0.85, extend="max", label="|λ_min / λ_max|")
        axr.set_title(f"{name}: |λ_min/λ_max| of the Hessian\nmean {r['hessian_ratio_mean']:.2f}, "
                      f"median {r['hessian_ratio_median']:.2f}", fontsize=10)
        axr.set_xlabel("δ")
        axr.set_ylabel("η")
    fig.suptitle(f"The same {DEPTH + 2}-layer {ACT} MLP, same init, same training (Adam, "
                 f"{EPOCHS} epochs, two spirals) — without and with skip connections", fontsize=13)
    fig.tight_layout()
    OUT.mkdir(exist_ok=True)
    fig.savefig(OUT / "landscape_skip_connections.png", dpi=72)
    (OUT / "landscape_skip_connections.json").write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
