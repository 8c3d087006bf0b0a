"""
Himmelblau's function: four minima, four starts
===============================================

Gradient descent ends in a different minimum from each start: on a non-convex loss the
start decides the answer.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

himmel = st.problems.Himmelblau()
starts = {f"start {s}": st.minimize(himmel, np.array(s, float), st.optim.GD(lr=0.01),
                                    max_steps=200)
          for s in ([-1.0, 0.0], [0.0, -1.0], [1.0, 1.0], [-1.0, -1.0])}
for name, run in starts.items():
    print(name, "→", np.round(run.x, 3))
disp = st.plot.contour(himmel, paths=starts)

plt.show()
