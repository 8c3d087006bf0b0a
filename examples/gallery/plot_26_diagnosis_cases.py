"""
Why did it diverge? Three runs and their diagnoses
==================================================

``steepest.diagnose`` explains a finished run from its history and the curvature of the loss
(Hessian eigenvalues from exact Hessian-vector products): the lecture's line with η = 0.002
(converges), η = 0.0055 (converges while zigzagging: 1/λ_max < η < 2/λ_max) and η = 0.0065
(diverges: η > 2/λ_max).
"""

import textwrap

import matplotlib.pyplot as plt

import steepest as st

X, y = st.datasets.lecture_line()
problem = st.problems.LeastSquares(X, y)
runs = {eta: st.minimize(problem, [-8.0, -2.0], st.optim.GD(lr=eta), max_steps=3000, gtol=1e-6)
        for eta in (0.002, 0.0055, 0.0065)}

fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), sharey=True)
for ax, (eta, run) in zip(axes, runs.items()):
    d = st.diagnose(run, problem)
    print(f"η = {eta}: {d.kind}\n{textwrap.fill(d.message, 100)}\n")
    st.plot.loss_curve({f"η = {eta}": run}, ax=ax, title=f"η = {eta}: {d.kind}")
fig.tight_layout()

plt.show()
