"""
Three learning rates on the contour map
=======================================

The same three runs on the contours of the loss: η = 0.0055 zigzags across the valley.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

start = np.array([-8.0, -2.0])
runs = {rf"$\eta = {eta}$": st.minimize(problem, start, st.optim.GD(lr=eta), max_steps=steps,
                                         on_divergence="ignore")
        for eta, steps in ((0.002, 60), (0.0055, 60), (0.0065, 12))}
disp = st.plot.contour(lambda beta: 2 * problem(beta), (-12, 6), (-4, 4), levels=25,
                       paths=runs, minima=problem.solve()[None], title="Least squares, three η",
                       labels=(r"$\beta_0$", r"$\beta_1$"))

plt.show()
