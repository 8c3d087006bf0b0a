"""
A training loss curve
=====================

The binary cross-entropy of the same network, epoch by epoch.
"""

import matplotlib.pyplot as plt

import steepest as st

X, y = st.datasets.moons(n=200, noise=0.15, seed=0)
net = st.nn.MLP(2, [8, 8, 1], seed=1)
history = st.nn.fit(net, X, y, loss="bce_with_logits",
                    optimizer=st.optim.Adam(net.parameters(), lr=0.03), epochs=150, seed=0,
                    progress=False)

disp = st.plot.loss_curve(history, title="Training loss (BCE)", style="-")

plt.show()
