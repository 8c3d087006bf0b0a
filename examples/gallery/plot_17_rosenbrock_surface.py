"""
Rosenbrock's surface with the three paths
=========================================

The same runs drawn on the 3-D surface.
"""

import matplotlib.pyplot as plt

import steepest as st

rosen = st.problems.Rosenbrock()
races = {"GD": st.minimize(rosen, rosen.x0, st.optim.GD(lr=1e-3), max_steps=2000),
         "Momentum": st.minimize(rosen, rosen.x0, st.optim.Momentum(lr=2e-4), max_steps=2000),
         "Adam": st.minimize(rosen, rosen.x0, st.optim.Adam(lr=0.02), max_steps=2000)}

disp = st.plot.surface(rosen, paths=races, view=(-60, 35))

plt.show()
