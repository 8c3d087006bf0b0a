"""nn.fit with optimizers stepped PyTorch's way, ``step(closure)``: LBFGS (and GD with a line
search) re-evaluate the minibatch through a closure; Newton, which needs exact HVPs, is refused."""

import numpy as np
import pytest

import steepest as st


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 1))
    return X, np.sin(1.5 * X[:, 0])


def _fit(optimizer, epochs, replay=True, **kw):
    X, y = _data()
    net = st.nn.MLP(1, [8, 1], activation="tanh", seed=0)
    h = st.nn.fit(net, X, y, loss="mse", optimizer=optimizer, epochs=epochs, progress=False,
                  replay=replay, **kw)
    return h, net


def _first_below(history, level):
    hits = np.flatnonzero(history.step_loss < level)
    return int(hits[0]) if hits.size else None


def test_lbfgs_reaches_a_loss_in_far_fewer_iterations_than_gd():
    level = 0.01
    lbfgs, _ = _fit(st.optim.LBFGS(), epochs=60)
    gd, _ = _fit(st.optim.GD(lr=0.1), epochs=600)
    k_lbfgs, k_gd = _first_below(lbfgs, level), _first_below(gd, level)
    assert lbfgs.status == "completed" and k_lbfgs is not None
    assert k_gd is None or k_lbfgs * 5 < k_gd   # GD needs > 5× the iterations, or never gets there
    assert lbfgs.step_loss[-1] < 1e-3 < gd.step_loss[-1]
    assert lbfgs.layer_grad_norms.shape == (60, 2)  # the step's own gradient, per layer


def test_lbfgs_in_fit_is_the_same_replayed_or_eager_and_each_step_decreases():
    (h1, n1), (h0, n0) = _fit(st.optim.LBFGS(), 15), _fit(st.optim.LBFGS(), 15, replay=False)
    np.testing.assert_array_equal(h1.step_loss, h0.step_loss)
    np.testing.assert_array_equal(st.nn.parameters_to_vector(n1), st.nn.parameters_to_vector(n0))
    assert np.all(np.diff(h1.step_loss) <= 0)  # strong Wolfe: every accepted step decreases


def test_lbfgs_on_minibatches_and_gd_with_a_line_search():
    h, _ = _fit(st.optim.LBFGS(history_size=5), epochs=10, batch_size=40, seed=1)
    assert h.status == "completed" and h.n_steps == 30 and h.loss[-1] < h.loss[0]
    h, _ = _fit(st.optim.GD(lr=1.0, line_search=True), epochs=20)
    assert h.status == "completed" and h.step_loss[-1] < h.step_loss[0]


def test_newton_is_refused_with_the_reason():
    with pytest.raises(ValueError, match=r"Hessian-vector products.*LBFGS"):
        _fit(st.optim.Newton(), epochs=1)
