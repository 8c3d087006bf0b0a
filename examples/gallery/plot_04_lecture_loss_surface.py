"""
The lecture's loss surface
==========================

‖y − Xβ‖² over (β₀, β₁): a quadratic form, drawn where 0 ≤ L ≤ 2000 as in the lecture.
"""

import matplotlib.pyplot as plt

import steepest as st

X, y = st.datasets.lecture_line()                 # the lecture's 10 points, X = [1, x]
problem = st.problems.LeastSquares(X, y)          # L(β) = ½‖y − Xβ‖²
Q, b, c = X.T @ X, -2 * X.T @ y, float(y @ y)     # ‖y − Xβ‖² = βᵀQβ + bᵀβ + c

disp = st.plot.quadratic_form(Q, b, c, (-12, 12), (-4, 4), (-1, 2000),
                              title=r"$\Vert \mathbf{y}-X\mathbf{\beta}\Vert^2$")

plt.show()
