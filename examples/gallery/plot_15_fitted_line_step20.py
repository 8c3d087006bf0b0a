"""
The fitted line after 20 steps
==============================

The line of the 20th iterate of gradient descent against the data and the true line.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

data = st.datasets.lecture_line()
X, y = data
problem = st.problems.LeastSquares(X, y)
good = st.minimize(problem, np.array([-8.0, -3.2]), st.optim.GD(lr=0.002), max_steps=1000)
disp = st.plot.fitted_line(X, y, good, step=20, truth=data.beta_true)

plt.show()
