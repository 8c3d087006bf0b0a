import numpy as np

import steepest as st


def test_backward_of_sum_of_squares():
    x = st.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, -4.0, 6.0])
