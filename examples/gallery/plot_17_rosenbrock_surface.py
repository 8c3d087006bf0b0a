"""
Rosenbrock's surface with the three paths
=========================================

The same runs drawn on the 3-D surface.
"""

import matplotlib.pyplot as plt

import steepest as st

rosen = st.problems.Rosenbrock()
rules = {"GD, η = 0.001": st.optim.GD(lr=1e-3), "Momentum, η = 0.0002": st.optim.Momentum(lr=2e-4),
         "Adam, η = 0.02": st.optim.Adam(lr=0.02)}
races = {name: st.minimize(rosen, rosen.x0, rule, max_steps=2000) for name, rule in rules.items()}

disp = st.plot.surface(rosen, paths=races, view=(-60, 35))

plt.show()
