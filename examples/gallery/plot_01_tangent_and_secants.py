"""
The tangent and its secants
===========================

The derivative of f(x) = 3x² − 4x + 5 at x = −2 is the slope of the tangent, −16 (from
autodiff). The secants through x and x + h, for h = 3, 1 and 0.3, approach it as h shrinks.
"""

import matplotlib.pyplot as plt

import steepest as st

disp = st.plot.tangent(st.problems.Quadratic1D(), -2.0, h=[3.0, 1.0, 0.3],
                       name="f(x) = 3x^2 - 4x + 5")
print("slope at x = -2:", st.plot.slope(st.problems.Quadratic1D(), -2.0))

plt.show()
