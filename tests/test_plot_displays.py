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
    assert len(DISPLAYS) == 17
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
    assert len(modules) == 14          # steepest.plot, its eleven modules, two animations
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
