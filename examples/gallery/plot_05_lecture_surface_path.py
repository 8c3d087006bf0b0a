"""
Gradient descent on the surface, η = 0.002
==========================================

The path of 1000 gradient-descent steps from (−8, −3.2) drawn on the loss surface.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

good = st.minimize(problem, np.array([-8.0, -3.2]), st.optim.GD(lr=0.002), max_steps=1000)
disp = st.plot.quadratic_form(Q, b, c, (-12, 12), (-4, 4), (-1, 2000), path=good,
                              title=r"GD, $\eta = 0.002$")

plt.show()
