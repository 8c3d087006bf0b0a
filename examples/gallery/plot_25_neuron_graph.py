"""
A neuron's graph
================

o = tanh(w · x + 0.3) for x = (1, 2): the graph that backward() differentiates.
"""

import matplotlib.pyplot as plt
import numpy as np

import steepest as st

w = st.tensor(np.array([0.5, -1.0]), requires_grad=True)
x = st.tensor(np.array([1.0, 2.0]))
o = st.tanh((w * x).sum() + 0.3)
o.backward(retain_grads=True)
print("∂o/∂w =", w.grad)
disp = st.plot.computation_graph(o, names={w: "w", o: "o"})

plt.show()
