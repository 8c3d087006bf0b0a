"""
Backpropagation's computation graph
===================================

L = (a·b + c)·f, each node with its value and ∂L/∂node, in the order backward() visits them.
"""

import matplotlib.pyplot as plt

import steepest as st

a = st.tensor(2.0, requires_grad=True)
b = st.tensor(-3.0, requires_grad=True)
c = st.tensor(10.0, requires_grad=True)
f = st.tensor(-2.0, requires_grad=True)
e = a * b
d = e + c
L = d * f
L.backward(retain_grads=True)
print("∂L/∂a =", a.grad.item(), " ∂L/∂b =", b.grad.item())
disp = st.plot.computation_graph(L, order="backward",
                                 names={a: "a", b: "b", c: "c", e: "e", d: "d", f: "f", L: "L"})

plt.show()
