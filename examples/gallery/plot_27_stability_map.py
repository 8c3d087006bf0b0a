"""
One learning rate, many starts: the stability map
=================================================

"A step size may diverge from one starting point but not another." On Rosenbrock's function
the curvature, and so the stable limit 2/λ_max, depends on where you are. ``stability_map``
runs gradient descent from every start of a grid at several rates at once (one stacked array
per step) and colours each start by its outcome: converged, bounded, or diverged. In 1000
steps plain GD brings no start to ‖∇L‖ ≤ 10⁻⁶‖∇L(x₀)‖ in the curved valley: the bounded runs
are still crawling along it, and above about η = 0.001 more and more starts diverge.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

rosen = st.problems.Rosenbrock()
(x_lo, x_hi), (y_lo, y_hi) = rosen.domain
grid = np.stack(np.meshgrid(np.linspace(x_lo, x_hi, 16), np.linspace(y_lo, y_hi, 16)),
                -1).reshape(-1, 2)
lrs = np.unique(np.r_[np.geomspace(5e-4, 4e-3, 6), 0.0022])
m = st.stability_map(rosen, st.optim.GD(), lrs, grid, max_steps=1000)
print(f"2/λ_max at the minimum: {m.limit:.5f}")
for lr in m.lrs:
    print(f"η = {lr:.2e}: {m.counts(lr)}")

disp = m.plot("map", lr=0.0022)

# %%
# The share of each outcome against η, with 2/λ_max at the minimum marked:

disp = m.plot("fractions")

plt.show()
