"""
Three optimizers in Rosenbrock's valley
=======================================

GD, momentum and Adam from the same start, 2000 steps each.
"""

import matplotlib.pyplot as plt

import steepest as st

rosen = st.problems.Rosenbrock()
races = {"GD": st.minimize(rosen, rosen.x0, st.optim.GD(lr=1e-3), max_steps=2000),
         "Momentum": st.minimize(rosen, rosen.x0, st.optim.Momentum(lr=2e-4), max_steps=2000),
         "Adam": st.minimize(rosen, rosen.x0, st.optim.Adam(lr=0.02), max_steps=2000)}
for name, run in races.items():
    print(f"{name:9s} {run.status:10s} loss {run.fun:.3g}")
disp = st.plot.contour(rosen, paths=races)

plt.show()
