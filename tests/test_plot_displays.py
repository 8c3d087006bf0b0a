"""The Display pattern of steepest.plot: typed dataclasses of computed data, ``from_*``
constructors that draw nothing, ``plot(ax)`` that draws (again, elsewhere) without
recomputing, and no state kept between calls."""

import dataclasses
import sys
import weakref

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import steepest as st
import steepest.animate  # its modules are scanned for state
from steepest import plot
from steepest.errors import SteepestError
from steepest.plot import stability


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def runs():
    lec = st.datasets.lecture_problem()
    return lec, {f"GD η={e:g}": st.minimize(lec, lec.x0, st.optim.GD(lr=e), max_steps=60)
                 for e in (0.002, 0.0065)}


class Counted:
    """A 2-parameter loss that counts the points it was evaluated at."""

    domain = ((-2.0, 2.0), (-1.0, 3.0))

    def __init__(self):
        self.points = 0

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        self.points += x[0].size
        return (1 - x[0]) ** 2 + 10 * (x[1] - x[0] ** 2) ** 2


DISPLAYS = [getattr(plot, n) for n in plot.__all__ if n.endswith("Display") and n != "Display"]
DISPLAYS += [stability.StabilityMapDisplay, stability.StabilityFractionsDisplay]


def test_every_display_is_a_typed_dataclass_with_ax_and_figure():
    assert len(DISPLAYS) == 21
    for cls in DISPLAYS:
        assert dataclasses.is_dataclass(cls) and issubclass(cls, plot.Display), cls
        fields = {f.name: f for f in dataclasses.fields(cls)}
        assert "ax" in fields and fields["ax"].kw_only, cls
        assert all(f.type not in ("", None) for f in fields.values()), cls
        assert callable(cls.plot) and any(n.startswith("from_") for n in vars(cls)), cls


def test_compute_once_draw_twice_on_two_axes(runs):
    _, results = runs
    fun = Counted()
    d = plot.ContourDisplay.from_function(fun, paths=results["GD η=0.002"], n=40)
    evaluated = fun.points
    assert evaluated >= 40 * 40 and plt.get_fignums() == []      # computed, nothing drawn
    assert d.ax is None and d.figure is None and d.lines == []
    fig, (left, right) = plt.subplots(1, 2)
    assert d.plot(left) is d and d.ax is left
    first = d.contour
    d.plot(right, filled=False, colorbar=False)
    assert fun.points == evaluated                                # no re-evaluation
    assert d.ax is right and d.ax_ is right and d.figure is fig and d.figure_ is fig
    assert d.contour is not first and np.array_equal(first.levels, d.contour.levels)
    for ax in (left, right):                                      # the same path on both
        path = [ln for ln in ax.lines if ln.get_label() == "path"]
        assert len(path) == 1
        np.testing.assert_array_equal(path[0].get_xydata(), d.trajectories.points["path"])
    assert len(fig.axes) == 3                                     # two maps and one colour bar


def test_the_one_call_function_is_from_then_plot(runs):
    lec, results = runs
    d = plot.contour(lec, paths=results, n=50, levels=12, colorbar=False)
    e = plot.ContourDisplay.from_function(lec, paths=results, n=50, levels=12)
    np.testing.assert_array_equal(d.Z, e.Z)
    np.testing.assert_array_equal(d.levels, e.levels)
    assert d.xlim == e.xlim and d.ylim == e.ylim
    assert list(d.trajectories.points) == list(results)
    for label in results:
        np.testing.assert_array_equal(d.trajectories.points[label],
                                      e.trajectories.points[label])


def test_each_kind_draws_again_on_new_axes(runs):
    _, results = runs
    X, y = st.datasets.moons(40, seed=0)
    net = st.nn.MLP(2, [3, 1], seed=0)
    a = st.tensor(2.0, requires_grad=True)
    out = a * a + a
    out.backward()
    kinds = [
        plot.CurveDisplay.from_runs(results),
        plot.ParameterPathDisplay.from_runs(results),
        plot.TangentDisplay.from_function(lambda x: x ** 2, 1.0, h=[0.5]),
        plot.LineFitDisplay.from_fit(*st.datasets.lecture_line(), [1.0, 0.5]),
        plot.BoundaryDisplay.from_model(net, X, y, n=30),
        plot.NetworkDisplay.from_model(net),
        plot.GraphDisplay.from_tensor(out),
        plot.TrajectoryDisplay.from_runs(results),
    ]
    assert plt.get_fignums() == []
    for d in kinds:
        _, (ax1, ax2) = plt.subplots(1, 2)
        d.plot(ax1)
        n1 = len(ax1.get_children())
        assert d.plot(ax2) is d and d.ax is ax2
        assert len(ax2.get_children()) == n1, type(d).__name__   # the same picture twice


def test_surfaces_lift_paths_and_refuse_flat_ones_on_3d_axes(runs):
    lec, results = runs
    s = plot.SurfaceDisplay.from_quadratic(lec, path=results["GD η=0.002"])
    P = s.paths["path"]
    np.testing.assert_allclose(P[:, 2], [lec(p) for p in P[:, :2]], rtol=1e-9)
    s.plot()
    assert len(s.surfaces) >= 1 and s.lines[0].get_label() == "path"
    flat = plot.TrajectoryDisplay.from_runs(results)
    ax3 = plt.figure().add_subplot(projection="3d")
    with pytest.raises(SteepestError, match="lift=True"):
        flat.plot(ax3)


def test_no_module_level_state_between_calls(runs):
    lec, results = runs
    mutable = (dict, list, set, bytearray, weakref.WeakKeyDictionary,
               weakref.WeakValueDictionary)
    modules = [m for name, m in sys.modules.items()
               if name.startswith("steepest.plot") or name in
               ("steepest.animate.descent", "steepest.animate.calculus")]
    assert len(modules) == 18          # steepest.plot, its fifteen modules, two animations
    found = [(m.__name__, k) for m in modules for k, v in vars(m).items()
             if not k.startswith("__") and isinstance(v, mutable)]
    assert found == []
    # each legend knows its own paths' outlines and markers, from the display that drew them
    d1 = plot.contour(lec, paths=results, n=30)
    d2 = plot.contour(lec, paths=results, n=30)
    for d in (d1, d2):
        parts = d.trajectories.legend_parts
        assert list(parts) == d.lines
        for line, (outline, dots) in parts.items():
            assert outline.axes is d.ax and dots.axes is d.ax and line.axes is d.ax
        handles = d.ax.get_legend().legend_handles
        assert len(handles) == 1 + len(results)                   # the minimum and two runs


def test_repr_savefig_and_the_hand_drawn_record(tmp_path, runs):
    _, results = runs
    d = plot.CurveDisplay.from_runs(results)
    assert repr(d).startswith("CurveDisplay(data, x, diverged, ")
    with pytest.raises(SteepestError, match=r"call \.plot\(\) first"):
        d.savefig(tmp_path / "x.png")
    d.plot().savefig(tmp_path / "x.png")
    assert (tmp_path / "x.png").stat().st_size > 1000
    ax = plt.figure().add_subplot()
    rec = plot.Display(ax, lrs=[1, 2])
    assert rec.ax is ax and rec.figure is ax.figure and rec.lrs == [1, 2]
    assert repr(rec) == "Display(lrs)"


def test_constructors_compute_known_answers():
    t = plot.TangentDisplay.from_function(lambda x: x ** 2, 1.0, h=[0.1, -0.5, 1.0])
    assert t.slope == pytest.approx(2.0) and t.fx == pytest.approx(1.0)
    assert list(t.secant_slopes) == [1.0, -0.5, 0.1]                # largest |h| first
    for h, s in t.secant_slopes.items():                              # ((1 + h)² − 1)/h = 2 + h
        assert s == pytest.approx(2.0 + h) and t.secant_values[h] == pytest.approx((1 + h) ** 2)
    loss = np.array([4.0, 2.0, 1.0, np.inf, np.nan])
    c = plot.CurveDisplay.from_runs({"run": loss})
    np.testing.assert_array_equal(c.data["run"], [4.0, 2.0, 1.0])      # cut at the overflow
    assert c.diverged == {"run": 3} and c.xlabel == "Iteration" and c.labelled
    x, y = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])
    betas = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 2.0]])
    f = plot.LineFitDisplay.from_fit(x, y, betas, step=-2)
    assert f.step == 1 and f.n_steps == 3 and list(f.beta) == [0.5, 1.0]
    path = np.array([[0.0, 1.0], [2.0, 3.0], [np.nan, 1.0], [4.0, 4.0]])
    p = plot.ParameterPathDisplay.from_runs({"a": path}, solution=[9.0, 8.0])
    np.testing.assert_array_equal(p.data["a"], path[:2])
    assert list(p.solution) == [9.0, 8.0]
    net = st.nn.MLP(2, [3, 1], seed=0)
    n = plot.NetworkDisplay.from_model(net)
    assert n.sizes == [2, 3, 1] and n.weights.shape == (2 * 3 + 3 * 1,)
    np.testing.assert_array_equal(n.weights[:2], np.asarray(net.layers[0].weight.data)[0])


def test_figure_level_and_3d_kinds_draw_again(runs):
    lec, results = runs

    def picture(fig):
        return [(type(a).__name__, len(a.get_children())) for a in fig.axes]
    figure_kinds = [plot.FogDisplay.from_function(lec, lec.x0, n_arrows=5),
                    plot.ActivationDisplay.from_activations(("tanh", "relu")),
                    plot.DashboardDisplay.from_runs(results)]
    for d in figure_kinds:
        first = picture(d.plot(plt.figure()).figure)
        assert first and picture(d.plot(plt.figure()).figure) == first, type(d).__name__
    s = plot.SurfaceDisplay.from_quadratic(lec, path=results)
    drawn = [s.plot(plt.figure().add_subplot(projection="3d")).ax for _ in range(2)]
    assert drawn[0] is not drawn[1] and s.ax is drawn[1]
    assert len(drawn[0].get_children()) == len(drawn[1].get_children())


# ---- the Displays of result objects' .plot() --------------------------------------------------

def _pixels(d, ax_args=()):
    """What ``d.plot`` draws on fresh axes of a 5 × 4 figure, as an RGBA array."""
    fig = plt.figure(figsize=(5, 4), dpi=60)
    d.plot(fig.add_subplot(*ax_args))
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


@pytest.fixture(scope="module")
def results():
    """One small result of each kind whose .plot() returns a typed Display."""
    X, y = st.datasets.moons(40, noise=0.2, seed=0)
    net = st.nn.MLP(2, [4, 1], seed=0)
    finder = st.nn.lr_find(net, X, y, loss="bce_with_logits", num_steps=60, end_lr=1e3)
    lam = np.r_[np.linspace(0.1, 1.0, 18), 10.0, 20.0]
    spectrum = st.curvature.spectral_density(lambda x: 0.5 * (x @ (st.tensor(lam) * x)),
                                             np.zeros(20), n_vectors=3, n_lanczos=10,
                                             sigma=0.05, trace_samples=8)
    line = st.landscape.line_1d(net, X, y, loss="bce_with_logits", resolution=7,
                                progress=False)
    return {"finder": finder, "spectrum": spectrum, "line": line, "map": _hand_map(),
            "lam": lam}


def _hand_map():
    """A 2 × 2 trainability map with one run of each extreme: the fastest and the slowest
    trained, one diverged at once and one at the last step."""
    from steepest.curvature.trainability import TrainabilityMap
    from steepest.descent.batch import CONVERGED, DIVERGED
    return TrainabilityMap(
        x=np.array([1e-2, 1e2]), y=np.array([1e-1, 1e3]),
        outcome=np.array([[CONVERGED, CONVERGED], [DIVERGED, DIVERGED]]),
        mean_loss=np.array([[1e-3, 1.0], [np.nan, np.nan]]), final_loss=np.ones((2, 2)),
        diverged_at=np.array([[-1, -1], [0, 20]]), axes=("lr1", "lr2"), steps=20,
        elapsed_s=0.0, settings={})


def test_result_objects_plot_typed_displays_computed_once(results):
    kinds = {
        "finder": (plot.LRFinderDisplay, plot.LRFinderDisplay.from_finder, ("lrs", "smoothed")),
        "spectrum": (plot.SpectralDensityDisplay, plot.SpectralDensityDisplay.from_density,
                     ("grid", "density")),
        "map": (plot.TrainabilityMapDisplay, plot.TrainabilityMapDisplay.from_map, ("image",)),
        "line": (plot.LandscapeLineDisplay, plot.LandscapeLineDisplay.from_landscape,
                 ("alphas", "values")),
    }
    for key, (cls, build, arrays) in kinds.items():
        shown = results[key].plot()                  # the one-call method, unchanged
        assert type(shown) is cls and shown.ax is not None, key
        d = build(results[key])
        assert d.ax is None, key                     # computed, nothing drawn
        for name in arrays:
            np.testing.assert_array_equal(getattr(d, name), getattr(shown, name))
        data = {name: getattr(d, name) for name in arrays}
        first = _pixels(d)
        assert np.array_equal(_pixels(d), first), key   # the same picture twice
        assert all(getattr(d, n) is v for n, v in data.items()), key  # nothing recomputed
    assert results["line"].plot().landscape is results["line"]


def test_lr_finder_display_marks_the_finders_rates(results):
    r = results["finder"]
    d = plot.LRFinderDisplay.from_finder(r)
    assert d.lrs is r.lrs and d.losses is r.losses and d.smoothed is r.smoothed
    assert (d.suggested_lr, d.blowup_lr, d.lr_limit) == (r.suggested_lr, r.blowup_lr,
                                                         r.lr_limit)
    assert r.blowup_lr is not None and r.lr_limit is not None
    ax = d.plot(title="range").ax
    marked = [ln.get_xdata()[0] for ln in ax.lines[2:]]   # after the raw and smoothed losses
    assert marked == [r.suggested_lr, r.blowup_lr, r.lr_limit]
    assert ax.get_xscale() == "log" and ax.get_title() == "range"


def test_spectral_density_display_against_the_spectrum(results):
    sd, lam = results["spectrum"], results["lam"]
    d = plot.SpectralDensityDisplay.from_density(sd)
    assert d.lam_max == pytest.approx(20.0) and d.n == 20
    assert d.slq_trace == pytest.approx(lam.sum(), rel=0.05)      # n·E[λ] = tr H
    assert (d.trace, d.stderr) == tuple(sd.trace)
    ax = d.plot(log=False).ax
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), np.maximum(sd.density,
                                                                      1e-8 * sd.density.max()))
    assert ax.get_yscale() == "linear" and ax.lines[1].get_xdata()[0] == d.lam_max


def test_trainability_display_colours_each_extreme(results):
    d = plot.TrainabilityMapDisplay.from_map(results["map"])
    np.testing.assert_allclose(d.image, [[[0.05, 0.15, 0.55], [0.75, 0.85, 1.0]],  # fast, slow
                                         [[1.0, 0.45, 0.2], [0.55, 0.1, 0.05]]])  # at once, last
    assert d.extent == (-2.0, 2.0, -1.0, 3.0)
    assert d.labels == ("η of layer 1", "η of layers 2–3") and (d.share, d.size) == (0.5, 4)
    ax = d.plot().ax
    assert ax.get_title() == "Trainability: 50% of 4 networks train (20 steps)"
    assert ax.images[0].get_extent() == [-2.0, 2.0, -1.0, 3.0]


def test_landscape_line_display_reads_the_line(results):
    land = results["line"]
    d = plot.LandscapeLineDisplay.from_landscape(land)
    np.testing.assert_array_equal(d.values, land.loss)
    assert d.title == "random directions, filter-normalized" and d.metric == "loss"
    assert d.xlabel == land.directions.labels[0]
    d.plot(log=True)
    np.testing.assert_array_equal(d.line.get_xydata(), np.column_stack([land.alphas,
                                                                        land.loss]))
    assert d.ax.get_yscale() == "log" and d.ax.get_title() == d.title
    with pytest.raises(ValueError, match="'accuracy' was not computed"):
        plot.LandscapeLineDisplay.from_landscape(land, "accuracy")
    assert land.plot().ax.get_yscale() == "linear"  # a curve, as its docstring says
    assert land.plot(log=True).ax.get_yscale() == "log"
