"""
Learning-rate schedules
=======================

Step decay, exponential decay and warm-up + cosine, each driving GD on Rosenbrock's function.
"""

import matplotlib.pyplot as plt

import steepest as st

rosen = st.problems.Rosenbrock()
sched = st.optim.schedules
runs = {name: st.minimize(rosen, rosen.x0, st.optim.GD(lr=lr), max_steps=400)
        for name, lr in (("step decay", sched.StepDecay(2e-3, 100, 0.5)),
                         ("exponential", sched.ExponentialDecay(2e-3, 0.995)),
                         ("warm-up + cosine", sched.WarmupCosine(2e-3, 400, 50)))}
disp = st.plot.learning_rate(runs, title="Learning-rate schedules")

plt.show()
