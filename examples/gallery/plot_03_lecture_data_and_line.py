"""
The lecture's data and its least-squares line
=============================================

Ten points and the line y = β₀ + β₁x that minimizes ‖y − Xβ‖², from the normal equations.
"""

import matplotlib.pyplot as plt

import steepest as st

data = st.datasets.lecture_line()
disp = st.plot.fitted_line(data.x, data.y, data.beta_true, truth=None)

plt.show()
