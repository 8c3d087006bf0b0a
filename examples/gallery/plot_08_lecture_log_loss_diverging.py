"""
The loss per iteration, η = 0.0065
==================================

η = 0.0065 is above 2/λ_max = 0.0064: the loss grows geometrically (``on_divergence="ignore"``
keeps the run going, as in the lecture).
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

bad = st.minimize(problem, np.array([-8.0, -2.0]), st.optim.GD(lr=0.0065), max_steps=100,
                  on_divergence="ignore")
disp = st.plot.loss_curve({r"$\eta = 0.0065$": bad})

plt.show()
