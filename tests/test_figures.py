"""Figures that show what they claim (issue 14): the whole path and the minimum in the frame,
the lecture's loss scale and starts, readable text and labels that name each run."""

import re

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


# ---- the acceptance check: every figure the tour, the CLI and the gallery write --------------
PAGE_WIDTH = 1000  # px: the page's content column (main max-width 1040 px less its padding)
ROW_CELL = 492     # px: one of two figures side by side (a 16 px gap)
_OPTIMIZER = re.compile(r"\b(GD|gd|Momentum|Nesterov|RMSprop|Adam|adam|momentum)\b")


def _texts(fig):
    """The texts drawn: visible, non-empty, not tick labels of axes turned off."""
    from matplotlib.text import Text
    off = {id(t) for ax in fig.axes if not ax.axison or not ax.get_visible()
           for a in (ax.xaxis, ax.yaxis) for t in a.get_ticklabels(which="both")}
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and id(t) not in off]


def _overlap(a, b, pad=0.5):
    return (a.x0 + pad < b.x1 and b.x0 + pad < a.x1 and a.y0 + pad < b.y1 and b.y0 + pad < a.y1)


def figure_problems(fig, display_width, dpi=100):
    """What is wrong with ``fig`` shown ``display_width`` px wide: text under 10 px, points of
    a path or a minimum outside its axes, colliding tick labels, a legend over data, a run
    named without its optimizer's η or by a generic label."""
    fig.set_dpi(dpi)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    width = fig.get_tightbbox(r).width * dpi
    scale = min(1.0, display_width / width)
    out = [f"{t.get_text()[:30]!r}: {t.get_fontsize() * dpi / 72 * scale:.1f} px"
           for t in _texts(fig) if t.get_fontsize() * dpi / 72 * scale < 10 - 1e-6]
    for ax in fig.axes:
        out += _axes_problems(ax, r)
    return out


def _axes_problems(ax, r):
    out = []
    axes = [ax.xaxis, ax.yaxis] + ([ax.zaxis] if ax.name == "3d" else [])
    boxes = [[(t.get_text(), t.get_window_extent(r)) for t in _shown_ticks(a)] for a in axes]
    # 2-D: labels along one axis; 3-D: any two (they share the projected corners)
    groups = [[b for group in boxes for b in group]] if ax.name == "3d" else boxes
    x0, x1 = sorted(ax.get_xlim())
    y0, y1 = sorted(ax.get_ylim())
    for group in groups if ax.axison else []:
        for i, (ta, a) in enumerate(group):
            for tb, b in group[i + 1:]:
                if _overlap(a, b):
                    out.append(f"tick labels {ta!r} and {tb!r} collide")
    if ax.name != "3d" and ax.get_gid() != "zoom":  # a zoom shows part of a path by design
        out += _lines_outside(ax, x0, x1, y0, y1)
        leg = ax.get_legend()
        if leg is not None and leg.get_visible():
            lb = leg.get_window_extent(r)
            for ln in ax.lines:
                if ln.get_transform() != ax.transData or not ln.get_visible():
                    continue
                xy = ln.get_xydata()
                xy = xy[np.all(np.isfinite(xy), axis=1)]
                if not len(xy):
                    continue
                px = ax.transData.transform(xy)
                hit = ((px[:, 0] > lb.x0) & (px[:, 0] < lb.x1) & (px[:, 1] > lb.y0)
                       & (px[:, 1] < lb.y1))
                if hit.any():
                    out.append(f"legend covers {int(hit.sum())} points of {ln.get_label()!r}")
    out += _label_problems(ax)
    return out


def _shown_ticks(axis):
    """The tick labels matplotlib draws: non-empty, at a location inside the view."""
    lo, hi = sorted(axis.get_view_interval())
    return [t for loc, t in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
            if lo <= loc <= hi and t.get_visible() and t.get_text().strip()]


def _lines_outside(ax, x0, x1, y0, y1):
    out = []
    tol_x, tol_y = 1e-9 * max(1, x1 - x0), 1e-9 * max(1, y1 - y0)
    for ln in ax.lines:
        if ln.get_transform() != ax.transData:
            continue
        xy = np.asarray(ln.get_xydata(), float).reshape(-1, 2)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        bad = ((xy[:, 0] < x0 - tol_x) | (xy[:, 0] > x1 + tol_x) | (xy[:, 1] < y0 - tol_y)
               | (xy[:, 1] > y1 + tol_y))
        if bad.any():
            out.append(f"{int(bad.sum())} points of {ln.get_label()!r} outside the axes")
    return out


def _label_problems(ax):
    names = [ax.get_title()]
    leg = ax.get_legend()
    if leg is not None:
        names += [t.get_text() for t in leg.get_texts()]
    out = []
    for n in names:
        if "Improvement in Loss Per Iteration" in n or re.fullmatch(r"(loss|path|run) \d+", n):
            out.append(f"generic label {n!r}")
        elif _OPTIMIZER.search(n) and "η" not in n and "eta" not in n:
            out.append(f"{n!r} names an optimizer without its η")
    return out


@pytest.fixture(scope="module")
def tour_figures():
    """Every figure of the quick tour with the width it is shown at on the page, checked as
    the page embeds it."""
    from steepest.report import builder
    from steepest.report.tour import TourConfig, build_tour
    found = {}
    original = builder.Section.figure

    def checked(self, fig, caption="", **kw):
        figure = builder._figure_of(fig)
        width = ROW_CELL if self._row is not None else PAGE_WIDTH
        found[f"{self.number:02d} {kw.get('name') or caption[:40]}"] = \
            figure_problems(figure, width, dpi=kw.get("dpi") or 100)
        return original(self, fig, caption, **kw)
    builder.Section.figure = checked
    try:
        build_tour(TourConfig.make(True, interactive=False))
    finally:
        builder.Section.figure = original
    return found


def test_every_tour_figure_is_readable_framed_and_labelled(tour_figures):
    assert len(tour_figures) >= 20
    bad = {k: v for k, v in tour_figures.items() if v}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())


def _checking_savefig(monkeypatch, found):
    """Check each figure as it is saved (shown at its natural size, as a viewer opens it)."""
    from matplotlib.figure import Figure
    original = Figure.savefig

    def savefig(self, fname, *args, **kw):
        dpi = kw.get("dpi") or 100
        if str(fname).endswith(".png"):
            found[str(fname)] = figure_problems(self, display_width=1e9, dpi=dpi)
        return original(self, fname, *args, **kw)
    monkeypatch.setattr(Figure, "savefig", savefig)


@pytest.mark.parametrize("lr", ["0.0065", "0.002"])
def test_every_descend_figure_is_readable_framed_and_labelled(tmp_path, monkeypatch, lr):
    from steepest.cli import main
    found = {}
    _checking_savefig(monkeypatch, found)
    assert main(["descend", "--lr", lr, "--no-animation", "--out", str(tmp_path)]) == 0
    assert sorted(p.rsplit("/", 1)[1] for p in found) == ["loss.png", "path.png"]
    assert not any(found.values()), found


def test_every_gallery_figure_is_readable_framed_and_labelled(tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path
    path = Path(__file__).parents[1] / "examples" / "gallery.py"
    spec = importlib.util.spec_from_file_location("gallery", path)
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    found = {}
    _checking_savefig(monkeypatch, found)
    assert gallery.main([str(tmp_path)]) == 0
    assert len(found) >= len(list(path.parent.glob("gallery/plot_*.py")))
    bad = {k.rsplit("/", 1)[1]: v for k, v in found.items() if v}
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())


# ---- the series' next lecture: the 4-sample set and its loop, against PyTorch --------------
def test_the_next_lectures_loop_matches_the_same_loop_in_pytorch():
    torch = pytest.importorskip("torch")
    X, y = st.datasets.lecture_network()
    assert X.shape == (4, 3) and list(y) == [1, -1, -1, 1]
    assert st.nn.Layer is st.nn.Linear  # the lecture's name for a layer of neurons
    net = st.nn.MLP(3, [4, 4, 1], activation="relu", seed=2)  # seed 3: every ReLU dies
    assert net.num_parameters() == 41
    layers = [m for m in net.layers if isinstance(m, st.nn.Layer)]
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4),
                              torch.nn.ReLU(), torch.nn.Linear(4, 1)).double()
    with torch.no_grad():
        for mine, theirs in zip(layers, [ref[0], ref[2], ref[4]]):
            theirs.weight.copy_(torch.from_numpy(np.array(mine.weight.data)))
            theirs.bias.copy_(torch.from_numpy(np.array(mine.bias.data)))
    losses = st.datasets.lecture_network_training(net, X, y, lr=0.01, steps=100)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    expect = []
    for _ in range(100):  # the same loop, in PyTorch
        loss = ((ref(Xt).reshape(-1) - yt) ** 2).sum()
        ref.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in ref.parameters():
                p.sub_(0.01 * p.grad)
        expect.append(loss.item())
    np.testing.assert_allclose(losses, expect, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layers[0].weight.data, ref[0].weight.detach().numpy(),
                               rtol=1e-10, atol=1e-12)
    assert losses[-1] < 0.1 * losses[0]  # it learns the four targets


def test_landscape_contour_maps_use_log_spaced_levels_by_default():
    X, y = st.datasets.moons(n=40, noise=0.1, seed=0)
    net = st.nn.MLP(2, [4, 1], seed=0)
    land = st.landscape.surface_2d(net, X, y, loss="bce_with_logits", resolution=9, seed=0,
                                   progress=False)
    lv = land.plot("contour").levels
    steps = np.diff(lv)
    assert np.all(steps > 0) and steps[-1] > 50 * steps[0]  # geometric, not linear
    lin = land.plot("contour", log=False).levels
    np.testing.assert_allclose(np.diff(lin), np.diff(lin)[0])


def test_the_foggy_mountain_finds_the_steepest_way_down():
    lecture = lecture_problem()
    x = np.array([-8.0, -2.0])
    d = plot.directional_derivative(lecture, x)
    g = lecture.grad(x)
    np.testing.assert_allclose(d.grad, g)
    np.testing.assert_allclose(d.steepest, -g / np.linalg.norm(g))
    k = int(np.argmin(d.slopes))  # the lowest slope over all directions, to the 1° grid
    u = np.array([np.cos(d.angles[k]), np.sin(d.angles[k])])
    assert u @ d.steepest > np.cos(np.radians(1))
    assert d.slopes[k] == pytest.approx(-np.linalg.norm(g), rel=2e-4)
    assert inside(d.ax, x) and not figure_problems(d.figure, PAGE_WIDTH)


def test_kmeans_and_gaussian_mixture_losses_have_their_minimum_twice():
    x = st.problems.clustering.two_clusters()
    km, gm = st.problems.KMeans(x), st.problems.GaussianMixture(x)
    for p in (km, gm):
        a, b = p.minima
        np.testing.assert_allclose(a, b[::-1])  # the labels swap
        assert p.value(a) == pytest.approx(p.value(b), rel=1e-12)
        np.testing.assert_allclose(st.grad(p)(a), 0, atol=1e-8)
        mid = np.full(2, a.mean())  # on the ridge c₁ = c₂ between them: higher
        assert p.value(mid) > p.value(a) + 1
        run = st.minimize(p, p.x0, st.optim.GD(lr=0.005), max_steps=4000)
        assert np.min(np.linalg.norm(p.minima - run.x, axis=1)) < 1e-3
    # k-means' minimum: the two means of the best split of the sorted points
    xs = np.sort(x)
    wcss = [((xs[:k] - xs[:k].mean()) ** 2).sum() + ((xs[k:] - xs[k:].mean()) ** 2).sum()
            for k in range(1, len(xs))]
    assert km.value(km.minima[0]) == pytest.approx(min(wcss), rel=1e-12)
    r = x[:, None] - gm.minima[0]  # the mixture's NLL, written out
    dens = 0.5 * np.exp(-0.5 * r ** 2) / np.sqrt(2 * np.pi)
    assert gm.value(gm.minima[0]) == pytest.approx(-np.log(dens.sum(axis=1)).sum(), rel=1e-12)


# ---- a backoff's steps count once, and only a converged run is called converged ------------
@pytest.mark.parametrize("rtol, status", [(1e-5, "converged"), (None, "max_steps")])
def test_a_backoff_run_counts_its_kept_steps_and_its_title_says_its_status(rtol, status):
    from steepest.report.tour import run_verdict
    problem = lecture_problem("half")
    run = st.minimize(problem, np.array(lecture_start(0.0065)), st.optim.GD(lr=0.0065),
                      max_steps=1000, rtol=rtol, on_divergence="backoff")
    assert run.status == status and run.history.backoffs == [0]
    # one step count: the rows kept, the same in nit, the history, the message and the title
    assert run.nit == len(run.history.x) - 1 == len(run.history.loss) - 1
    assert run.discarded == 12  # η = 0.0065 from (−8, −2): diverged for certain at step 12
    if status == "max_steps":
        assert run.nit == 1000 and "reached max_steps=1000" in run.message
        assert run_verdict(run) == "ends max_steps after 1000 steps"
    else:
        assert run.nit < 1000 and run_verdict(run) == f"converges in {run.nit} steps"


# ---- the interactive 3-D surfaces: a path above the surface, a legend clear of it -----------
def _surface_spec(x, y, z, paths):
    import json

    from steepest.report.builder import Report
    pytest.importorskip("plotly")
    report = Report("T")
    fig, _ = plt.subplots()
    report.section("S").surface(x, y, z, fig, "s", paths=paths)
    page = report.to_html()
    body = re.search(r'<script type="application/json" id="plot3d-1-spec">(.*?)</script>', page,
                     re.DOTALL).group(1)
    return json.loads(body)


def test_a_path_on_a_plotly_surface_is_thick_marked_and_lifted_just_above_it():
    from steepest.report.builder import PATH_LIFT
    problem = lecture_problem()
    run = lecture_run(0.002, steps=200)
    bx, by = np.linspace(-12, 12, 25), np.linspace(-4, 4, 9)
    B0, B1 = np.meshgrid(bx, by)
    Z = problem.value(np.stack([B0.ravel(), B1.ravel()])).reshape(B0.shape)
    path = np.column_stack([run.history.x, problem.value(run.history.x.T)])
    spec = _surface_spec(bx, by, Z, [("GD η=0.002", path)])
    trace = spec["data"][1]
    lift = PATH_LIFT * np.ptp(Z)
    np.testing.assert_allclose(trace["z"], path[:, 2] + lift, atol=0.006)  # above, by 1.2 %
    np.testing.assert_allclose(trace["customdata"], path[:, 2], atol=0.006)  # hover: true ℒ
    assert "customdata" in trace["hovertemplate"] and trace["name"] == "GD η=0.002"
    assert trace["mode"] == "lines+markers" and trace["line"]["width"] >= 6
    sizes, symbols = trace["marker"]["size"], trace["marker"]["symbol"]
    assert len(sizes) == len(path) and sizes[0] > sizes[1] and symbols[-1] == "square"
    layout = spec["layout"]
    legend = layout["legend"]  # top left: off the surface and off plotly's buttons (top right)
    assert legend["x"] <= 0.05 and legend["y"] >= 0.95 and legend["xanchor"] == "left"
    # the lecture's 24 × 8 box is drawn wide, not as a cube in the middle of a wide box
    ratio = layout["scene"]["aspectratio"]
    assert ratio["x"] / ratio["y"] == pytest.approx(1.6) and layout["margin"]["t"] == 0
    square = _surface_spec(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5), np.ones((5, 5)), [])
    assert square["layout"]["scene"]["aspectratio"]["x"] == 1.0
    assert not square["layout"]["showlegend"]
