"""steepest.plot: every figure rendered headless (Agg), asserting what was drawn."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import steepest as st
from steepest import plot
from steepest.plot._base import evaluate


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def lecture():
    X, y = st.datasets.lecture_line()
    return X, y, X.T @ X, -2 * X.T @ y, float(y @ y)


def lecture_gd(beta0, eta, n):
    """The lecture's gradient_descent, written independently of steepest."""
    X, y = st.datasets.lecture_line()
    b = np.array(beta0, float)
    betas, losses = [b], [np.sum((y - X @ b) ** 2)]
    for _ in range(n):
        b = b - eta * (X.T @ X @ b - X.T @ y)
        betas.append(b)
        losses.append(np.sum((y - X @ b) ** 2))
    return np.array(betas), np.array(losses)


def fake_result(path, loss, diverged_at=None, lr=None, backoffs=()):
    path, loss = np.asarray(path, float), np.asarray(loss, float)
    gn = np.abs(np.gradient(loss))
    hist = SimpleNamespace(x=path, loss=loss, grad_norm=gn,
                           lr=np.full(loss.shape, 0.1) if lr is None else lr,
                           backoffs=list(backoffs))
    return SimpleNamespace(history=hist, diverged_at=diverged_at)


# ------------------------------------------------------------------------ quadratic form mesh

def _mesh_area(meshes):
    """Area covered by the quads of (X, Y, Z) meshes, projected on the plane (shoelace)."""
    total = 0.0
    for X, Y, _ in meshes:
        x0, y0 = X[:-1, :-1], Y[:-1, :-1]
        x1, y1 = X[1:, :-1], Y[1:, :-1]
        x2, y2 = X[1:, 1:], Y[1:, 1:]
        x3, y3 = X[:-1, 1:], Y[:-1, 1:]
        total += np.abs(0.5 * ((x0 * y1 - x1 * y0) + (x1 * y2 - x2 * y1) + (x2 * y3 - x3 * y2)
                               + (x3 * y0 - x0 * y3))).sum()
    return total


def _region_area(Q, b, c, xlim, ylim, zlim, n=1500):
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    Xg, Yg = np.meshgrid(xs, ys)
    P = np.stack([Xg, Yg])
    Z = np.einsum("i...,ij,j...->...", P, Q, P) + np.tensordot(b, P, 1) + c
    inside = (zlim[0] <= Z) & (zlim[1] >= Z)
    return inside.mean() * (xlim[1] - xlim[0]) * (ylim[1] - ylim[0])


@pytest.mark.parametrize("case", [
    "lecture", "lecture_narrow", "min_outside_box", "annulus", "annulus_split"])
def test_quadratic_mesh_covers_exactly_the_region_in_range(case):
    _X, _y, Q, b, c = lecture()
    xlim, ylim, zlim = (-12, 12), (-4, 4), (-1, 2000)
    if case == "lecture_narrow":
        xlim = (-12, 2)
    elif case == "min_outside_box":
        xlim = (-12, -2)  # the minimum (β₀ ≈ 0.9) lies outside: partial patches
    elif case == "annulus":
        zlim = (300, 2000)  # a hole around the minimum
    elif case == "annulus_split":  # the hole cuts a thin box in two: two patches
        xlim, ylim, zlim = (-12, 12), (0.2, 0.8), (150, 2000)
    meshes = plot.quadratic_mesh(Q, b, c, xlim, ylim, zlim)
    assert len(meshes) == (2 if case == "annulus_split" else 1)
    for MX, MY, MZ in meshes:
        assert MX.min() >= xlim[0] - 1e-9 and MX.max() <= xlim[1] + 1e-9
        assert MY.min() >= ylim[0] - 1e-9 and MY.max() <= ylim[1] + 1e-9
        P = np.stack([MX, MY])
        direct = np.einsum("i...,ij,j...->...", P, Q, P) + np.tensordot(b, P, 1) + c
        np.testing.assert_allclose(MZ, direct, rtol=1e-9, atol=1e-6)
        assert MZ.min() >= zlim[0] - 1e-6 and MZ.max() <= zlim[1] + 1e-6
        # the outer rim is the clean edge: on a box side or on the top level set
        rim = np.column_stack([MX[-1], MY[-1], MZ[-1]])
        on_box = (np.isclose(rim[:, 0], xlim[0]) | np.isclose(rim[:, 0], xlim[1])
                  | np.isclose(rim[:, 1], ylim[0]) | np.isclose(rim[:, 1], ylim[1]))
        on_top = np.isclose(rim[:, 2], zlim[1], rtol=1e-9)
        assert np.all(on_box | on_top)
    assert _mesh_area(meshes) == pytest.approx(
        _region_area(Q, b, c, xlim, ylim, zlim), rel=0.01)


def test_quadratic_mesh_box_corners_are_mesh_vertices():
    # a wide z range: the whole box is inside, so the edge is the box and its corners are kept
    Q = np.array([[2.0, 0.5], [0.5, 1.0]])
    meshes = plot.quadratic_mesh(Q, [1.0, -1.0], 0.0, (-1, 2), (-1, 1), (-10, 1e6))
    assert len(meshes) == 1
    X, Y, _ = meshes[0]
    rim = np.column_stack([X[-1], Y[-1]])
    for corner in [(-1, -1), (-1, 1), (2, -1), (2, 1)]:
        assert np.min(np.linalg.norm(rim - corner, axis=1)) < 1e-9
    assert _mesh_area(meshes) == pytest.approx(6.0, rel=1e-9)


def test_quadratic_mesh_errors_and_empty():
    with pytest.raises(ValueError, match="positive definite"):
        plot.quadratic_mesh([[1, 0], [0, -1]], [0, 0], 0, (-1, 1), (-1, 1), (0, 1))
    with pytest.raises(ValueError, match="shape"):
        plot.quadratic_mesh(np.eye(3), [0, 0, 0], 0, (-1, 1), (-1, 1), (0, 1))
    assert plot.quadratic_mesh(np.eye(2), [0, 0], 5.0, (-1, 1), (-1, 1), (0, 4)) == []


def test_quadratic_form_lecture_figure_with_path_on_surface():
    _X, _y, Q, b, c = lecture()
    betas, losses = lecture_gd([-8, -3.2], 0.002, 200)
    d = plot.quadratic_form(Q, b, c, (-12, 12), (-4, 4), (-1, 2000), path=betas)
    assert d.ax.name == "3d" and len(d.surfaces) == 1
    assert (d.ax.azim, d.ax.elev) == (60, 22)
    assert d.ax.get_xlabel() == r"$\beta_0$" and d.ax.get_zlabel() == r"$\mathcal{L}$"
    drawn = d.paths["path"]
    np.testing.assert_allclose(drawn[:, :2], betas)
    np.testing.assert_allclose(drawn[:, 2], losses, rtol=1e-10)  # on the surface
    d.figure.canvas.draw()


# ---------------------------------------------------------------------- evaluation, contours

def test_evaluate_vectorizes_elementwise_and_not_reductions():
    X, y = st.datasets.lecture_line()
    pts = np.random.default_rng(0).normal(size=(50, 2))
    ls = lambda beta: ((y - X @ beta) ** 2).sum()
    np.testing.assert_allclose(evaluate(ls, pts), [np.sum((y - X @ p) ** 2) for p in pts])
    calls = []

    def rosen(x):
        calls.append(np.shape(x))
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    vals = evaluate(rosen, pts)
    np.testing.assert_allclose(vals, (1 - pts[:, 0]) ** 2 + 100 * (pts[:, 1] - pts[:, 0] ** 2)
                               ** 2)
    assert (2, 50) in calls and len(calls) < 10  # one vectorized call plus a few checks
    # a function of Tensors only (st.tanh) works too
    np.testing.assert_allclose(evaluate(lambda x: st.tanh(x[0]) * x[1], pts),
                               np.tanh(pts[:, 0]) * pts[:, 1])


class Rosen:
    name = "Rosenbrock"
    dim = 2
    minima = np.array([[1.0, 1.0]])
    domain = ((-2.0, 2.0), (-1.0, 3.0))
    log_levels = True
    x0 = np.array([-1.5, 2.0])

    def __call__(self, x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def test_contour_log_levels_minima_and_trajectories():
    f = Rosen()
    p1 = np.array([[-1.5, 2.0], [-1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])
    p2 = np.array([[-1.5, 2.0], [np.nan, np.nan]])
    d = plot.contour(f, paths={"GD": p1, "Adam": p2}, levels=20)
    lv = d.levels
    ratios = np.diff(lv[1:] - lv[0])  # geometric above the minimum
    gaps = np.diff(lv)
    assert np.allclose(gaps[1:] / gaps[:-1], gaps[1] / gaps[0])
    assert lv[0] >= d.Z.min() and lv[-1] == pytest.approx(d.Z.max())
    assert ratios.size == 18
    assert d.ax.get_xlim() == (-2.0, 2.0) and d.ax.get_ylim() == (-1.0, 3.0)
    labels = [t.get_text() for t in d.ax.get_legend().get_texts()]
    assert labels == ["minimum", "GD", "Adam"]
    np.testing.assert_allclose(d.lines[0].get_xydata(), p1)
    assert len(d.lines[1].get_xdata()) == 1  # cut at the first non-finite point
    star = next(ln for ln in d.ax.lines if ln.get_label() == "minimum")
    np.testing.assert_allclose(star.get_xydata(), [[1.0, 1.0]])
    lin = plot.contour(f, log=False, levels=10, filled=False)
    assert np.allclose(np.diff(lin.levels), np.diff(lin.levels)[0])


def test_surface_of_problem_object_with_paths_and_zlim():
    f = Rosen()
    path = np.array([[-1.5, 2.0], [0.0, 0.0], [1.0, 1.0]])
    d = plot.surface(f, paths=path, n=30, log=False, zlim=(0, 500))
    Z = d.meshes[0][2]
    assert np.nanmax(Z) <= 500 and np.isnan(Z).any()
    np.testing.assert_allclose(d.paths["path"][:, 2], [f(p) for p in path])
    star = next(ln for ln in d.ax.lines if ln.get_label() == "minimum")
    np.testing.assert_allclose(np.ravel(star.get_data_3d()), [1.0, 1.0, 0.0])
    dl = plot.surface(f, n=30, log=True)  # log10 of the shifted loss
    assert dl.ax.get_zlabel().startswith(r"$\log_{10}$")
    assert np.nanmax(dl.meshes[0][2]) < 5
    dl.figure.canvas.draw()


def test_surface_requires_limits_without_domain():
    with pytest.raises(ValueError, match="xlim"):
        plot.surface(lambda x: x[0] ** 2 + x[1] ** 2)
    d = plot.surface(lambda x: x[0] ** 2 + x[1] ** 2, paths=np.array([[1.0, 1.0], [0, 0]]),
                     n=10)
    lo, hi = d.ax.get_xlim()
    assert lo < 0 and hi > 1


# ------------------------------------------------------------------------------ curves

def test_loss_curve_lecture_and_diverging_run():
    _, losses = lecture_gd([-8, -3.2], 0.002, 1000)
    d = plot.loss_curve(losses)
    assert d.ax.get_yscale() == "log" and d.ax.get_xlabel() == "Iteration"
    np.testing.assert_allclose(d.lines["loss"].get_ydata(), losses)
    # a run whose loss overflows at step 7: drawn up to step 6, divergence marked
    bad = np.concatenate([np.geomspace(1, 1e30, 7), [np.inf, np.nan, np.nan]])
    d = plot.loss_curve({"η=0.0065": bad})
    assert len(d.lines["η=0.0065"].get_ydata()) == 7
    assert d.diverged["η=0.0065"] == 7
    assert any("diverged at step 7" in t.get_text() for t in d.ax.get_legend().get_texts())
    vlines = [ln for ln in d.ax.lines
              if len(ln.get_xdata()) == 2 and np.allclose(ln.get_xdata(), [7, 7])]
    assert vlines
    # Result.diverged_at wins over the first non-finite value
    r = fake_result(np.zeros((10, 2)), bad, diverged_at=5)
    assert plot.loss_curve(r).diverged["loss"] == 5


def test_parameter_path_grad_norm_lr_and_dashboard():
    betas, losses = lecture_gd([-8, -3.2], 0.002, 300)
    X, y = st.datasets.lecture_line()
    lr = np.full(301, 0.002)
    lr[100:] = 0.001
    r = fake_result(betas, losses, lr=lr, backoffs=[100])
    d = plot.parameter_path(r, solution=np.linalg.lstsq(X, y, rcond=None)[0])
    np.testing.assert_allclose(d.lines["path"].get_xydata(), betas)
    assert d.ax.get_title() == r"Evolution of $\beta$"
    g = plot.grad_norm(r)
    np.testing.assert_allclose(g.data["grad_norm"], r.history.grad_norm)
    lrd = plot.learning_rate(r)
    tried = next(ln for ln in lrd.ax.lines if ln.get_marker() == "X")
    np.testing.assert_allclose(tried.get_xydata(), [[100, 0.002]])  # the rate that diverged
    assert tried.get_label() == "η 0.002 → 0.001 at step 100"
    dash = plot.dashboard({"η=0.002": r, "copy": r})
    assert set(dash.panels) == {"loss", "path", "grad_norm", "lr"}
    assert len(dash.figure.axes) == 4
    dash.figure.canvas.draw()


def test_learning_rate_shows_every_halving_and_the_rates_that_diverged():
    """Backoff halves η twice at step 0: the history keeps only 0.005, the panel shows 0.02 and
    0.01 too (✕, on a dotted drop) and says "η 0.02 → 0.01 → 0.005 at step 0"."""
    X, y = st.datasets.lecture_line()
    r = st.minimize(st.problems.LeastSquares(X, y), np.array([-8.0, -2.0]),
                    st.optim.GD(lr=0.02), max_steps=40, on_divergence="backoff")
    assert r.history.backoffs == [0, 0] and r.history.lr[0] == pytest.approx(0.005)
    for d in (plot.learning_rate(r), plot.dashboard({"backoff": r}).panels["lr"]):
        (step, rates), = next(iter(d.backoffs.values()))
        assert step == 0 and rates == pytest.approx([0.02, 0.01, 0.005])
        tried = next(ln for ln in d.ax.lines if ln.get_marker() == "X")
        np.testing.assert_allclose(tried.get_xydata(), [[0, 0.02], [0, 0.01]])
        texts = [t.get_text() for t in d.ax.get_legend().get_texts()]
        assert "η 0.02 → 0.01 → 0.005 at step 0" in texts
        assert d.ax.get_ylim()[1] >= 0.02  # the rate that diverged is on the axes
    # halvings at several steps, and a long chain, stay one short legend line each
    lr = np.full(50, 0.01)
    lr[10:], lr[30:] = 0.005, 0.0003125
    many = fake_result(np.zeros((50, 2)), np.ones(50), lr=lr, backoffs=[10] + [30] * 4)
    d = plot.learning_rate({"a": many})
    assert d.backoffs["a"][1][1] == pytest.approx([0.005, 0.0025, 0.00125, 0.000625, 0.0003125])
    texts = [t.get_text() for t in d.ax.get_legend().get_texts()]
    assert "η 0.01 → 0.005 at step 10; η 0.005 → 0.0025 → 0.00125 → 0.000625 → 0.000313 " \
           "at step 30" in texts


def test_series_errors_name_the_argument():
    with pytest.raises(ValueError, match="1-D"):
        plot.loss_curve(np.zeros((3, 3)))


# ------------------------------------------------------------------------------ calculus

def test_tangent_slope_by_autodiff_and_secants():
    f = lambda x: 3 * x ** 2 - 4 * x + 5
    d = plot.tangent(f, -2.0, h=[1.0, 0.1, 0.01])
    assert d.slope == pytest.approx(-16.0)
    for h, s in d.secant_slopes.items():
        assert s == pytest.approx(-16.0 + 3 * h)  # (f(x+h) − f(x))/h = f'(x) + 3h
    xt, yt = d.tangent.get_data()
    np.testing.assert_allclose(yt, f(-2.0) - 16.0 * (xt + 2.0))
    assert len(d.secants) == 3
    with pytest.raises(ValueError, match="nonzero"):
        plot.tangent(f, 0.0, h=0)
    # a function only steepest ops can evaluate
    d = plot.tangent(st.tanh, 0.5, xlim=(-3, 3))
    assert d.slope == pytest.approx(1 - np.tanh(0.5) ** 2)


def test_activations_values_and_derivatives():
    d = plot.activations()
    z = d.z
    np.testing.assert_allclose(d.values["tanh"], np.tanh(z))
    np.testing.assert_allclose(d.derivatives["tanh"], 1 - np.tanh(z) ** 2, atol=1e-12)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(d.derivatives["sigmoid"], s * (1 - s), atol=1e-12)
    np.testing.assert_allclose(d.values["relu"], np.maximum(z, 0))
    assert len(d.axes) == len(plot.ACTIVATIONS)
    with pytest.raises(ValueError, match="unknown activation"):
        plot.activations(["swishy"])
    custom = plot.activations([("square", lambda t: t * t)])
    np.testing.assert_allclose(custom.derivatives["square"], 2 * custom.z)


# ------------------------------------------------------------------------------- models

def test_fitted_line_at_step():
    X, y = st.datasets.lecture_line()
    betas, _ = lecture_gd([-8, -3.2], 0.002, 50)
    d = plot.fitted_line(X, y, betas, step=10)
    xs, ys = d.line.get_data()
    np.testing.assert_allclose(ys, betas[10, 0] + betas[10, 1] * xs)
    np.testing.assert_allclose(d.points.get_xydata(), np.column_stack([X[:, 1], y]))
    assert d.ax.spines["left"].get_position() == "zero"
    with pytest.raises(ValueError, match="out of range"):
        plot.fitted_line(X, y, betas, step=100)
    with pytest.raises(ValueError, match="same length"):
        plot.fitted_line(X[:5], y, [1.0, 0.5])


def test_decision_boundary_of_a_circle_classifier():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    y = (np.sum(X ** 2, axis=1) < 1).astype(float)

    def model(P):
        return 1 / (1 + np.exp(-(4 - 4 * np.sum(P ** 2, axis=1))))
    d = plot.decision_boundary(model, X, y, n=120)
    assert d.threshold == 0.5 and d.scores.shape == (120, 120)
    verts = np.concatenate([p.vertices for p in d.boundary.get_paths()])
    np.testing.assert_allclose(np.linalg.norm(verts, axis=1), 1.0, atol=0.02)  # the unit circle
    assert len(d.scatter) == 2
    # logits (unbounded) → threshold 0
    d = plot.decision_boundary(lambda P: 4 - 4 * np.sum(P ** 2, axis=1, keepdims=True), X, y)
    assert d.threshold == 0.0
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot.decision_boundary(model, np.zeros((3, 3)), np.zeros(3))


def test_decision_boundary_of_three_classes():
    centers = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
    rng = np.random.default_rng(2)
    y = np.repeat([0, 1, 2], 30)
    X = centers[y] + 0.4 * rng.normal(size=(90, 2))

    def nearest_center(P):  # scores: minus squared distance to each center
        return -np.sum((P[:, None, :] - centers[None]) ** 2, axis=2)
    d = plot.decision_boundary(nearest_center, X, y, n=150)
    assert d.scores.shape == (150, 150, 3) and d.threshold is None
    region = np.asarray(d.image.get_array())
    np.testing.assert_array_equal(region, np.argmax(d.scores, axis=-1))
    # the boundary of nearest-center regions: points equidistant from two centers
    verts = np.concatenate([p.vertices for p in d.boundary.get_paths() if len(p.vertices)])
    dist = np.sort(np.linalg.norm(verts[:, None, :] - centers[None], axis=2), axis=1)
    np.testing.assert_allclose(dist[:, 0], dist[:, 1], atol=0.1)
    assert len(d.scatter) == 3


def test_network_diagram_edges_by_sign_and_magnitude():
    rng = np.random.default_rng(1)
    Ws = [rng.normal(size=(4, 3)), rng.normal(size=(4, 4)), rng.normal(size=(1, 4))]
    d = plot.network_diagram(Ws)
    assert [len(p) for p in d.positions] == [3, 4, 4, 1]
    assert len(d.edges.get_segments()) == 12 + 16 + 4
    flat = np.concatenate([W.ravel() for W in Ws])  # edge order: per output, per input
    np.testing.assert_allclose(d.weights, flat)
    widths = np.asarray(d.edges.get_linewidths())
    big = np.argmax(np.abs(d.weights))
    assert widths[big] == pytest.approx(widths.max())
    colors = d.edges.get_colors()
    assert np.all((colors[:, 0] > colors[:, 2]) == (d.weights >= 0))  # red positive, blue neg.
    with pytest.raises(ValueError, match="takes 5 inputs"):
        plot.network_diagram([np.ones((4, 3)), np.ones((1, 5))])


def test_network_diagram_of_an_mlp_with_layers():
    class Lin:
        def __init__(self, nin, nout):
            self.weight = st.tensor(np.arange(nin * nout, dtype=float).reshape(nout, nin) - 3)
            self.bias = st.tensor(np.zeros(nout))
    model = SimpleNamespace(layers=[Lin(3, 4), Lin(4, 4), Lin(4, 1)])
    d = plot.network_diagram(model, show_bias=True)
    assert len(d.weights) == 32


def test_computation_graph_nodes_edges_and_backward_order():
    a = st.tensor(2.0, requires_grad=True)
    b = st.tensor(-3.0, requires_grad=True)
    c = st.tensor(10.0, requires_grad=True)
    e = a * b
    dd = e + c
    f = st.tensor(-2.0, requires_grad=True)
    L = dd * f
    L.backward(retain_grads=True)
    g = plot.computation_graph(L, order="backward", names={a: "a", L: "L"})
    assert len(g.texts) == 7 and len(g.edges) == 6
    text = {t.get_text().split("\n")[0]: t.get_text() for t in g.texts}
    assert "[1] L = mul" in text and "grad 1" in text["[1] L = mul"]
    a_text = next(t for k, t in text.items() if k.endswith("] a"))
    assert "value 2" in a_text and "grad 6" in a_text  # ∂L/∂a = b·f = 6
    # layered: every edge goes from a lower depth to a higher one
    pos = g.positions
    for i, n in enumerate(g.nodes):
        for p in n.parents:
            assert pos[p, 0] < pos[i, 0]
    with pytest.raises(ValueError, match="order"):
        plot.computation_graph(L, order="sideways")


def test_plots_draw_on_given_axes():
    _fig, axs = plt.subplots(1, 2)
    _, losses = lecture_gd([-8, -3.2], 0.002, 10)
    assert plot.loss_curve(losses, ax=axs[1]).ax is axs[1]
    with pytest.raises(ValueError, match="3-D"):
        plot.quadratic_form(np.eye(2), ax=axs[0])


def test_tangent_explorer_redraws():
    pytest.importorskip("ipywidgets")
    w = plot.tangent_explorer(lambda x: 3 * x ** 2 - 4 * x + 5)
    d = w.redraw(1.0, 0.5)
    assert d.slope == pytest.approx(2.0)
    assert d.secant_slopes[0.5] == pytest.approx(2.0 + 1.5)


def test_network_diagram_of_a_torch_sequential():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    d = plot.network_diagram(net)
    assert [len(p) for p in d.positions] == [3, 4, 1]
    np.testing.assert_allclose(d.weights[:12], net[0].weight.detach().numpy().ravel(),
                               rtol=1e-6)


# ------------------------------------------------------------ axis names, overlapping paths

def test_axes_are_named_by_the_problem_variables():
    X, y, Q, b, c = lecture()
    rosen, himmel = st.problems.Rosenbrock(), st.problems.Himmelblau()
    for f in (rosen, himmel, st.problems.ConvexBowl(), st.problems.NonConvexSurface()):
        for d in (plot.contour(f, n=20), plot.surface(f, n=10)):
            assert (d.ax.get_xlabel(), d.ax.get_ylabel()) == ("$x_1$", "$x_2$"), f.name
    lsq = st.problems.LeastSquares(X, y)
    assert plot.contour(lsq, n=20).ax.get_xlabel() == r"$\beta_0$"
    assert plot.quadratic_form(Q, b, c).ax.get_xlabel() == r"$\beta_0$"  # the lecture's form
    assert plot.contour(rosen, n=20, labels=("a", "b")).ax.get_ylabel() == "b"
    rosen.variables = ("w_1", "w_2")
    assert plot.contour(rosen, n=20).ax.get_xlabel() == "$w_1$"
    t = plot.trajectories({"GD": np.array([[0.0, 0.0], [1.0, 1.0]])}, himmel)
    assert t.ax.get_ylabel() == "$x_2$"
    a = st.animate.descent_contour(np.zeros((3, 2)), himmel, frames=[0], progress=False)
    assert a.ax.get_xlabel() == "$x_1$"


def test_overlapping_paths_stay_apart_and_stars_stay_on_top():
    """Three runs along one path to the minimum: the first widest and lowest, each later one
    narrower on top, each with its own marker shape above every line, end markers hollow and
    shrinking (nested, not covering), the minimum's star above all of them."""
    f = st.problems.Rosenbrock()
    P = np.column_stack([np.linspace(-1.2, 1.0, 300), np.ones(300)])  # ends at the minimum
    d = plot.contour(f, n=30, paths={"GD": P, "Momentum": P, "Adam": P})
    t = d.trajectories
    widths = [ln.get_linewidth() for ln in t.lines]
    zs = [ln.get_zorder() for ln in t.lines]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 3
    assert zs == sorted(zs) and len(set(zs)) == 3
    assert len({m.get_marker() for m in t.markers}) == 3
    assert min(m.get_zorder() for m in t.markers) > max(zs)
    assert t.mark_every == 20  # 299 steps: the smallest 1-2-5 step leaving ≤ 25 markers
    np.testing.assert_allclose(t.markers[0].get_xdata(), P[20::20, 0])
    assert d.ax.get_legend().get_title().get_text() == "markers every 20 steps"
    sizes = [e.get_markersize() for e in t.ends]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 3
    assert all(e.get_markerfacecolor() == "none" for e in t.ends)
    assert [e.get_zorder() for e in t.ends] == sorted(e.get_zorder() for e in t.ends)
    star = next(ln for ln in d.ax.lines if ln.get_label() == "minimum")
    assert star.get_zorder() > max(a.get_zorder() for a in t.ends + t.starts + t.markers)


def test_identical_paths_all_show_in_the_pixels():
    """The first of three identical paths (pure red) must still be visible under the others
    (drawn all alike, the last one hides the others but for a few dozen pixels)."""
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.set_xlim(-0.1, 1.1)
    ax.set_ylim(-0.1, 1.1)
    P = np.column_stack([np.linspace(0, 1, 300), np.linspace(0, 1, 300) ** 2])
    plot.trajectories({"a": P, "b": P, "c": P}, ax=ax, colors=["#ff0000", "#00c000", "#0000ff"])
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)
    red = (rgb[..., 0] > 200) & (rgb[..., 1] < 60) & (rgb[..., 2] < 60)
    green = (rgb[..., 1] > 150) & (rgb[..., 0] < 60) & (rgb[..., 2] < 60)
    assert red.sum() > 300 and green.sum() > 300


def test_centered_axes_label_the_origin_once():
    data = st.datasets.lecture_line()
    d = plot.fitted_line(data.x, data.y, [1.0, 0.5])
    d.figure.canvas.draw()
    xt = {t.get_position()[0]: t.get_text() for t in d.ax.get_xticklabels()}
    yt = {t.get_position()[1]: t.get_text() for t in d.ax.get_yticklabels()}
    assert xt[0.0] == "" and yt[0.0] == "0"  # one "0" at the origin, not two side by side
    assert xt[-5.0] == "\N{MINUS SIGN}5"


def test_parameter_path_keeps_overlapping_runs_apart():
    betas, _ = lecture_gd([-8, -3.2], 0.002, 100)
    X, y = st.datasets.lecture_line()
    d = plot.parameter_path({"a": betas, "b": betas},
                            solution=np.linalg.lstsq(X, y, rcond=None)[0])
    a, b = d.lines["a"], d.lines["b"]
    assert a.get_linewidth() > b.get_linewidth() and a.get_zorder() < b.get_zorder()
    star = next(ln for ln in d.ax.lines if ln.get_label() == "minimum")
    assert star.get_zorder() > max(ln.get_zorder() for ln in d.ax.lines if ln is not star)


def test_contour_paths_take_the_loss_plot_colours():
    P = np.array([[-1.5, 2.0], [0.0, 0.0], [1.0, 1.0]])
    runs = {"GD": P, "Adam": P[::-1]}
    c = plot.contour(st.problems.Rosenbrock(), n=20, paths=runs, colors=plot.CURVE_COLORS)
    loss = plot.loss_curve({k: np.arange(3.0, 0, -1) for k in runs})
    assert [ln.get_color() for ln in c.lines] == [loss.lines[k].get_color() for k in runs]


def test_contour_marks_a_local_minimum_apart_from_the_global_one():
    """A learner must tell the basin GD fell into from the best one: the non-convex surface's
    global minimum is a star, its other known minimum a diamond, each named in the legend;
    a problem with only global minima (Himmelblau's four) gets no diamond."""
    p = st.problems.NonConvexSurface()
    d = st.plot.contour(p, n=40)
    np.testing.assert_allclose(d.minima, p.local_minima[:1])
    np.testing.assert_allclose(d.local_minima, p.local_minima[1:])
    names = [t.get_text() for t in d.ax.get_legend().get_texts()]
    assert names == ["global minimum", "local minimum"]
    diamonds = [ln for ln in d.ax.lines if ln.get_marker() == "D"]
    assert len(diamonds) == 1
    np.testing.assert_allclose(np.c_[diamonds[0].get_data()], p.local_minima[1:])
    h = st.plot.contour(st.problems.Himmelblau(), n=40)
    assert h.local_minima is None and len(h.minima) == 4
    assert [t.get_text() for t in h.ax.get_legend().get_texts()] == ["minimum"]
