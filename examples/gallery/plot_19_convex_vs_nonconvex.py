"""
Convex and non-convex surfaces
==============================

On the left every local minimum is global; on the right it is not.
"""

import matplotlib.pyplot as plt

import steepest as st

fig = plt.figure(figsize=(12, 5.5))
st.plot.surface(st.problems.ConvexBowl(), ax=fig.add_subplot(1, 2, 1, projection="3d"),
                n=60, alpha=0.8, title="convex")
disp = st.plot.surface(st.problems.NonConvexSurface(),
                       ax=fig.add_subplot(1, 2, 2, projection="3d"), n=60, alpha=0.8,
                       title="non-convex")

plt.show()
