"""
A run's dashboard
=================

Loss, gradient norm, learning rate and path of two runs side by side: η = 0.002, and
η = 0.02 rescued by backoff (η halved at each divergence, resumed from the best point).
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

good = st.minimize(problem, np.array([-8.0, -3.2]), st.optim.GD(lr=0.002), max_steps=1000)
backoff = st.minimize(problem, np.array([-8.0, -2.0]), st.optim.GD(lr=0.02), max_steps=300,
                      on_divergence="backoff")
print("backoff resumed at steps", backoff.history.backoffs, "→", backoff.status)
disp = st.plot.dashboard({"η = 0.002": good, "backoff from 0.02": backoff})

plt.show()
