"""
Three classes: spirals
======================

A 2 → 32 → 32 → 3 network with a softmax cross-entropy loss on three spiral arms.
"""

import matplotlib.pyplot as plt

import steepest as st

X, y = st.datasets.spirals(n=300, n_arms=3, noise=0.05, seed=0)
net = st.nn.MLP(2, [32, 32, 3], seed=0)
st.nn.fit(net, X, y, loss="cross_entropy", optimizer=st.optim.Adam(net.parameters(), lr=0.02),
          epochs=300, progress=False, seed=0)
disp = st.plot.decision_boundary(net, X, y, pad=0.3, title="2 → 32 → 32 → 3 on spirals")

plt.show()
