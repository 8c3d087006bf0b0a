"""steepest.plot / steepest.animate on what the other modules return: minimize Results, problems,
MLPs and their training histories."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import steepest as st
from steepest import animate, plot


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def lecture_run(eta, start, steps):
    X, y = st.datasets.lecture_line()
    problem = st.problems.LeastSquares(X, y)
    return X, y, st.minimize(problem, np.array(start, float), st.optim.GD(lr=eta),
                             max_steps=steps, on_divergence="ignore")


def test_lecture_figures_from_minimize_results():
    X, y, res = lecture_run(0.002, [-8, -3.2], 300)
    d = plot.quadratic_form(X.T @ X, -2 * X.T @ y, y @ y, path=res)
    np.testing.assert_allclose(d.paths["path"][:, :2], res.history.x)
    # the surface is ‖y − Xβ‖², twice the problem's ½‖y − Xβ‖²: the path sits on the surface
    np.testing.assert_allclose(d.paths["path"][:, 2], 2 * res.history.loss, rtol=1e-9)
    c = plot.loss_curve(res)
    np.testing.assert_allclose(c.lines["loss"].get_ydata(), res.history.loss)
    dash = plot.dashboard(res)
    assert set(dash.panels) == {"loss", "path", "grad_norm", "lr"}


def test_overshooting_run_drawn_on_the_lecture_view():
    X, y, res = lecture_run(0.0065, [-8, -2], 100)
    assert res.history.loss[-1] > res.history.loss[0]  # the lecture's "total disaster"
    d = plot.quadratic_form(X.T @ X, -2 * X.T @ y, y @ y, xlim=(-12, 2), view=(142, 58),
                            path=res.history.x[:18])
    assert (d.ax.azim, d.ax.elev) == (142, 58)
    assert d.paths["path"].shape == (18, 3)


def test_contour_and_race_of_optimizers_on_rosenbrock():
    f = st.problems.Rosenbrock()
    runs = {"GD": st.minimize(f, f.x0, st.optim.GD(lr=1e-3), max_steps=300),
            "Adam": st.minimize(f, f.x0, st.optim.Adam(lr=0.05), max_steps=300)}
    d = plot.contour(f, paths=runs)
    assert [ln.get_label() for ln in d.lines] == ["GD", "Adam"]
    gaps = np.diff(d.levels)
    assert gaps[-1] / gaps[0] > 100  # the problem's log_levels hint
    a = animate.race(f, {"GD": st.optim.GD(lr=1e-3), "Momentum": st.optim.Momentum(lr=1e-4)},
                     steps=60, frames=5, progress=False, figsize=(3, 3), dpi=50)
    assert len(list(a.iter_frames(progress=False))) == 5
    assert [ln.get_label() for ln in a.lines] == ["GD", "Momentum"]
    with pytest.raises(TypeError, match="paths="):
        plot.contour(f, runs["GD"])


def test_network_diagram_and_boundary_animation_of_a_trained_mlp():
    Xm, ym = st.datasets.moons(n=80, noise=0.15, seed=0)
    net = st.nn.MLP(2, [4, 1], seed=0)
    hist = st.nn.fit(net, Xm, ym, loss="bce_with_logits",
                     optimizer=st.optim.Adam(net.parameters(), lr=0.05), epochs=20,
                     snapshot_every=10, seed=0, progress=False)
    d = plot.network_diagram(net)
    assert [len(p) for p in d.positions] == [2, 4, 1]
    np.testing.assert_allclose(d.weights[:8], net.layers[0].weight.data.ravel())
    before = st.nn.parameters_to_vector(net).copy()
    a = animate.decision_boundary(net, hist, Xm, ym, progress=False, figsize=(3, 3), dpi=50,
                                  n=40)
    assert len(list(a.iter_frames(progress=False))) == len(hist.snapshots)
    np.testing.assert_allclose(st.nn.parameters_to_vector(net), before)  # restored
    b = plot.decision_boundary(net, Xm, ym, n=40)
    assert b.threshold == 0.0  # logits


def test_descent_explorer_reruns_minimize():
    pytest.importorskip("ipywidgets")
    f = st.problems.Rosenbrock()
    w = plot.descent_explorer(f, steps=20)
    res = w.redraw("Adam", 0.05, 30)
    assert res.nit == 30


def test_loss_curve_of_a_training_history_per_epoch_with_validation():
    X, y = st.datasets.moons(n=120, noise=0.2, seed=0)
    Xtr, Xva, ytr, yva = st.datasets.train_test_split(X, y, test_size=0.25, seed=0)
    net = st.nn.MLP(2, [4, 1], seed=0)
    hist = st.nn.fit(net, Xtr, ytr, loss="bce_with_logits", epochs=8,
                     optimizer=st.optim.Adam(net.parameters(), lr=0.05),
                     validation_data=(Xva, yva), seed=0, progress=False)
    d = plot.loss_curve(hist)
    assert d.ax.get_xlabel() == "Epoch"
    np.testing.assert_allclose(d.lines["loss"].get_xdata(), hist.epoch)
    val = next(ln for ln in d.ax.lines if ln.get_label() == "loss (validation)")
    np.testing.assert_allclose(val.get_ydata(), hist.val_loss)


def test_tangent_of_a_one_dimensional_problem():
    f = st.problems.Quadratic1D()
    d = plot.tangent(f, -2.0, h=[0.5])
    assert d.slope == pytest.approx(-16.0)
    assert d.secant_slopes[0.5] == pytest.approx(-16.0 + 3 * 0.5)
    star = next(ln for ln in d.ax.lines if ln.get_label().startswith("minimum"))
    np.testing.assert_allclose(star.get_xydata(), [[2 / 3, 11 / 3]])
    assert d.ax.get_xlim() == (-5.0, 5.0)
