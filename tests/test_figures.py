"""Figures that show what they claim (issue 14): the whole path and the minimum in the frame,
the lecture's loss scale and starts, readable text and labels that name each run."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import steepest as st
from steepest import animate, plot
from steepest.datasets import LECTURE_BOX, lecture_problem, lecture_start


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def lecture_run(lr, steps=1000, reduction="half"):
    """The lecture's run at rate ``lr`` from its start for that rate (its code's step)."""
    return st.minimize(lecture_problem(reduction), np.array(lecture_start(lr)),
                       st.optim.GD(lr=lr), max_steps=steps, on_divergence="ignore")


def inside(ax, pts):
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    pts = np.atleast_2d(pts)
    return bool(np.all((pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0)
                       & (pts[:, 1] <= y1)))


# ---- one loss, one scale --------------------------------------------------------------------
def test_least_squares_reductions_are_the_lecture_loss_and_its_half_and_mean():
    X, y = st.datasets.lecture_line()
    beta = np.array([-8.0, -3.2])
    r = y - X @ beta
    half, full, mean = (st.problems.LeastSquares(X, y, reduction=k)
                        for k in ("half", "sum", "mean"))
    assert full.value(beta) == pytest.approx(r @ r, rel=1e-12)
    assert half.value(beta) == pytest.approx(0.5 * r @ r, rel=1e-12)
    assert mean.value(beta) == pytest.approx(r @ r / 10, rel=1e-12)
    # the gradient the lecture derives, 2XᵀXβ − 2Xᵀy, and the step its code takes, XᵀXβ − Xᵀy
    np.testing.assert_allclose(full.grad(beta), 2 * X.T @ X @ beta - 2 * X.T @ y, rtol=1e-12)
    np.testing.assert_allclose(half.grad(beta), X.T @ X @ beta - X.T @ y, rtol=1e-12)
    np.testing.assert_allclose(st.grad(full)(beta), full.grad(beta), rtol=1e-10)  # autodiff
    np.testing.assert_allclose(full.hessian(), 2 * X.T @ X)
    np.testing.assert_allclose(full.solve(), half.solve())
    # the lecture's log-loss plot starts at log ℒ = 7.844 for its η = 0.002 run
    assert np.log(full.value(lecture_start(0.002))) == pytest.approx(7.844130, abs=1e-6)
    with pytest.raises(ValueError, match="reduction must be one of 'half', 'sum', 'mean'"):
        st.problems.LeastSquares(X, y, reduction="max")


def test_the_lecture_problem_is_framed_on_its_box_and_runs_from_its_starts():
    assert lecture_problem().domain == LECTURE_BOX == ((-12, 12), (-4, 4))
    assert lecture_start(0.002) == (-8.0, -3.2)
    assert lecture_start(0.0065) == lecture_start(0.0055) == (-8.0, -2.0)
    # the lecture's code steps by η(XᵀXβ − Xᵀy): its iterates are GD on reduction="half"
    X, y = st.datasets.lecture_line()
    betas, losses = st.datasets.lecture_gradient_descent(X, y, np.array([-8.0, -3.2]), 0.002)
    run = lecture_run(0.002, reduction="half")
    np.testing.assert_allclose(run.history.x, betas[: len(run.history.x)], rtol=1e-9)
    np.testing.assert_allclose(lecture_problem().value(run.history.x.T),
                               losses[: len(run.history.x)], rtol=1e-9)


# ---- frames that hold the path and the minimum ---------------------------------------------
def test_a_converging_lecture_path_is_drawn_whole_on_the_lecture_box():
    run = lecture_run(0.002)
    d = plot.contour(lecture_problem("half"), paths={"GD η=0.002": run})
    assert d.ax.get_xlim() == (-12, 12) and d.ax.get_ylim() == (-4, 4)
    np.testing.assert_allclose(d.trajectories.paths["GD η=0.002"], run.history.x)
    assert inside(d.ax, run.history.x) and inside(d.ax, lecture_problem().minima)


def test_a_diverging_path_is_followed_until_it_leaves_and_an_arrow_says_where():
    run = lecture_run(0.0065, steps=100)
    P = run.history.x
    d = plot.contour(lecture_problem("half"), paths={"GD η=0.0065": run})
    drawn = d.trajectories.paths["GD η=0.0065"]
    k = len(drawn)
    # shown until it leaves the sensible box: the lecture's box widened by half its size a side
    assert np.all(np.abs(P[:k]) <= [24, 8]) and not np.all(np.abs(P[k]) <= [24, 8])
    assert 40 < k < len(P)
    assert inside(d.ax, drawn) and inside(d.ax, lecture_problem().minima)
    assert d.ax.get_xlim()[0] <= -12 and d.ax.get_xlim()[1] >= 12  # never less than the box
    notes = [t.get_text() for t in d.ax.texts]
    assert any(n.startswith(f"step {k} → ") for n in notes), notes
    arrows = [t for t in d.ax.texts if t.arrow_patch is not None]
    assert arrows and inside(d.ax, np.array(arrows[0].xy))


def test_a_problem_domain_grows_to_hold_a_path_that_overshoots_it():
    f = st.problems.Himmelblau()
    path = np.array([[0.0, 0.0], [6.5, 1.0], [3.0, 2.0]])  # leaves the domain, comes back
    d = plot.contour(f, paths={"GD η=0.1": path})
    assert inside(d.ax, path) and d.ax.get_xlim()[1] > 6.5
    assert len(d.trajectories.paths["GD η=0.1"]) == 3 and not d.ax.texts


def test_descend_animation_frames_show_a_growing_path_and_all_differ(tmp_path):
    from PIL import Image, ImageSequence
    run = lecture_run(0.0065, steps=200)
    a = animate.descent_contour({"GD η=0.0065": run}, lecture_problem("half"), frames=20,
                                progress=False, figsize=(4, 3.2), dpi=60)
    P = a.paths["GD η=0.0065"]
    assert inside(a.ax, P) and 40 < len(P) < len(run.history.x)
    with Image.open(a.save(tmp_path / "d.gif", progress=False)) as im:
        frames = [np.asarray(f.convert("RGB")).tobytes() for f in ImageSequence.Iterator(im)]
    assert len(frames) == 20 and len(set(frames)) == 20


def test_descent_3d_takes_the_surface_from_the_problem():
    run = lecture_run(0.002, steps=300)
    lecture = lecture_problem()
    a = animate.descent_3d({"GD η=0.002": run}, lecture, frames=[0, 10, 300], progress=False,
                           figsize=(3, 3), dpi=50)
    P, z = a.paths["GD η=0.002"]
    np.testing.assert_allclose(z, lecture.value(P.T), rtol=1e-12)  # ‖y − Xβ‖², not its half
    assert a.ax.get_zlim()[1] >= z.max() and a.ax.get_xlim() == (-12, 12)


# ---- names and labels ---------------------------------------------------------------------
def test_no_public_plot_or_animate_name_is_a_module():
    import types
    for pkg in (st.plot, st.animate):
        for name in pkg.__all__:
            assert not isinstance(getattr(pkg, name), types.ModuleType), name
        public_modules = [n for n, v in vars(pkg).items()
                          if isinstance(v, types.ModuleType) and not n.startswith("_")
                          and n in ("history",)]
        assert public_modules == []
    d = st.plot.loss_curve({"GD η=0.002": lecture_run(0.002, steps=20)})
    assert d.ax.get_title() == "Loss per iteration: GD η=0.002"


def test_loss_curve_reevaluates_on_the_lecture_scale():
    run = lecture_run(0.002)
    d = plot.loss_curve({"GD η=0.002": run}, fun=lecture_problem())
    y = d.data["GD η=0.002"]
    assert np.log(y[0]) == pytest.approx(7.844130, abs=1e-6)
    np.testing.assert_allclose(y, 2 * run.history.loss, rtol=1e-9)
