"""
Three learning rates
====================

η = 0.002 converges, η = 0.0055 oscillates while converging, η = 0.0065 diverges; the
divergence detector marks the step it fired (``on_divergence="stop"``).
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

start = np.array([-8.0, -2.0])
runs = {rf"$\eta = {eta}$": st.minimize(problem, start, st.optim.GD(lr=eta), max_steps=60)
        for eta in (0.002, 0.0055)}
runs[r"$\eta = 0.0065$"] = st.minimize(problem, start, st.optim.GD(lr=0.0065), max_steps=200)
print("η = 0.0065:", runs[r"$\eta = 0.0065$"].status, "at step",
      runs[r"$\eta = 0.0065$"].diverged_at)
disp = st.plot.loss_curve(runs, title="Three learning rates")

plt.show()
