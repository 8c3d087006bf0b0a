"""
Overshooting on the surface, η = 0.0065
=======================================

The first 18 steps of the diverging run on the surface, seen as in the lecture (azim 142,
elev 58, β₀ ∈ [−12, 2]).
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

bad = st.minimize(problem, np.array([-8.0, -2.0]), st.optim.GD(lr=0.0065), max_steps=100,
                  on_divergence="ignore")
disp = st.plot.quadratic_form(Q, b, c, (-12, 2), (-4, 4), (-1, 2000), view=(142, 58),
                              path=bad.history.x[:18], title=r"$\eta = 0.0065$ overshoots")

plt.show()
