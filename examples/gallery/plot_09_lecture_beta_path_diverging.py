"""
The parameters' path, η = 0.0065
================================

Each step overshoots the valley further than the last.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

bad = st.minimize(problem, np.array([-8.0, -2.0]), st.optim.GD(lr=0.0065), max_steps=100,
                  on_divergence="ignore")
disp = st.plot.parameter_path(bad)

plt.show()
