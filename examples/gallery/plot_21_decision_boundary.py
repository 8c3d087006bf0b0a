"""
A decision boundary
===================

A 2 → 8 → 8 → 1 network trained on the two moons, its predicted probability shaded.
"""

import matplotlib.pyplot as plt

import steepest as st

X, y = st.datasets.moons(n=200, noise=0.15, seed=0)
net = st.nn.MLP(2, [8, 8, 1], seed=1)
history = st.nn.fit(net, X, y, loss="bce_with_logits",
                    optimizer=st.optim.Adam(net.parameters(), lr=0.03), epochs=150, seed=0,
                    progress=False)

disp = st.plot.decision_boundary(net, X, y, title="2 → 8 → 8 → 1 on the moons")

plt.show()
