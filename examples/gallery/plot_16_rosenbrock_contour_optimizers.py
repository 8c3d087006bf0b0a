"""
Three optimizers in Rosenbrock's valley
=======================================

GD, momentum and Adam from the same start, 2000 steps each.
"""

import matplotlib.pyplot as plt

import steepest as st

rosen = st.problems.Rosenbrock()
rules = {"GD, η = 0.001": st.optim.GD(lr=1e-3), "Momentum, η = 0.0002": st.optim.Momentum(lr=2e-4),
         "Adam, η = 0.02": st.optim.Adam(lr=0.02)}
races = {name: st.minimize(rosen, rosen.x0, rule, max_steps=2000) for name, rule in rules.items()}
for name, run in races.items():
    print(f"{name:20s} {run.status:10s} loss {run.fun:.3g}")
disp = st.plot.contour(rosen, paths=races)

plt.show()
