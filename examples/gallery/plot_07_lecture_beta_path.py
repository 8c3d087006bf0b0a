"""
The parameters' path, η = 0.002
===============================

β₀ against β₁ along the run, start and end marked, with the least-squares solution.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

good = st.minimize(problem, np.array([-8.0, -3.2]), st.optim.GD(lr=0.002), max_steps=1000)
disp = st.plot.parameter_path(good, solution=problem.solve())

plt.show()
