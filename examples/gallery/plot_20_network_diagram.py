"""
The 3 → 4 → 4 → 1 classifier
============================

The lecture's network after training on its data: each edge a weight, its width growing
with the weight's size (red positive, blue negative).
"""

import matplotlib.pyplot as plt

import steepest as st

net = st.nn.MLP(3, [4, 4, 1], seed=0)
X, y = st.datasets.lecture_classifier(n=300, seed=0)
st.nn.fit(net, X, y, loss="bce_with_logits", optimizer=st.optim.Adam(net.parameters(), lr=0.03),
          epochs=100, progress=False, seed=0)
disp = st.plot.network_diagram(net, input_labels=["$x_1$", "$x_2$", "$x_3$"],
                               output_labels=[r"$\hat y$"],
                               title="3 → 4 → 4 → 1 classifier after training")

plt.show()
