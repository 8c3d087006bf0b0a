"""
Activations and their derivatives
=================================

Each activation σ(z) of steepest.nn, with σ′(z) from autodiff dashed.
"""

import matplotlib.pyplot as plt

import steepest as st

disp = st.plot.activations()

plt.show()
