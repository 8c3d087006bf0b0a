"""The explorer's pure parts, without a browser: the lab's runs and figures against the library,
the URL state, uploads (good and bad files), the playground's training steps, the landscape view,
export, and the CLI/extra wiring."""

from __future__ import annotations

import base64
import io
import sys

import numpy as np
import pytest

import steepest as st
from steepest.errors import FileFormatError
from steepest.explore import lab, state, uploads


def _lab(**kw):
    return {**lab.DEFAULTS, **kw}


# ---- descent lab ---------------------------------------------------------------------------
@pytest.mark.parametrize("lr, status", [(0.002, "converged"), (0.0055, "converged"),
                                        (0.0065, "diverged")])
def test_lab_run_is_minimize_and_diagnose_on_the_lecture_line(lr, status):
    run = lab.run(_lab(lr=lr))
    problem = st.problems.LeastSquares(*st.datasets.lecture_line())
    x0 = st.datasets.lecture_start(lr)
    ref = st.minimize(problem, x0, st.optim.GD(lr=lr), max_steps=1000, rtol=lab.RTOL)
    assert run.result.status == ref.status == status
    np.testing.assert_array_equal(run.result.x, ref.x)
    assert run.diagnosis == st.diagnose(ref, problem).message
    np.testing.assert_array_equal(run.path[0], x0)
    assert run.limit == pytest.approx(0.0064, abs=1e-4)  # 2/λ_max of the lecture's line


def test_lab_clicked_start_momentum_and_the_limit_of_heavy_ball():
    s = _lab(problem="quadratic", optimizer="momentum", momentum=0.5, lr=0.05, eig1=1.0,
             eig2=10.0, angle=30.0, start=[2.0, -1.0])
    run = lab.run(s)
    np.testing.assert_array_equal(run.path[0], [2.0, -1.0])
    assert run.result.optimizer.defaults["momentum"] == 0.5
    # heavy ball on a quadratic: (2 + 2β)/λ_max exactly
    assert run.limit == pytest.approx((2 + 2 * 0.5) / 10.0)
    assert run.result.status == "converged"
    np.testing.assert_allclose(run.result.x, [0.0, 0.0], atol=1e-3)


def test_rotated_quadratic_has_the_eigenvalues_and_rotation_asked_for():
    q = lab.rotated_quadratic(2.0, 8.0, 90.0)
    np.testing.assert_allclose(q.eigenvalues, [2.0, 8.0])
    np.testing.assert_allclose(q.A, [[8.0, 0.0], [0.0, 2.0]], atol=1e-12)
    with pytest.raises(ValueError, match="positive"):
        lab.rotated_quadratic(-1.0, 1.0, 0.0)


def test_every_problem_of_the_lab_runs_and_draws():
    for name in lab.problem_names():
        if name.startswith("csv"):
            continue
        s = _lab(problem=name, lr=1e-3, steps=50)
        run = lab.run(s)
        fig = lab.contour_figure(run.problem)
        assert len(fig["data"]) == 7 and len(fig["data"][lab.MAP]["z"]) == lab.GRID  # 3 legend keys
        assert np.isfinite(np.asarray(fig["data"][lab.MAP]["z"], dtype=float)).mean() > 0.95
        assert fig["data"][lab.LINES]["x"].count(None) >= 5, name  # level curves
        tr = lab.path_traces(run)
        assert len(tr["x"]) == len(run.path) == len(tr["z"])


def test_the_path_on_the_map_is_drawn_as_shapes_through_the_iterates():
    run = lab.run(_lab(lr=0.0055))
    tr = lab.path_traces(run)
    shapes = lab.path_shapes(tr["x"], tr["y"], 3)
    pts = [[float(v) for v in p.split(",")] for p in shapes[lab.PATH]["path"][1:].split("L")]
    np.testing.assert_allclose(pts, run.path, rtol=0, atol=1e-12)  # every iterate, 12 decimals
    for i, k in ((lab.START, 0), (lab.MARKER, 3)):
        np.testing.assert_allclose([shapes[i]["xanchor"], shapes[i]["yanchor"]], run.path[k],
                                   rtol=0, atol=1e-12)
    assert len(shapes) == 3 and len(run.path) > 80  # a long path: a line alone
    short = lab.path_shapes(tr["x"][:10], tr["y"][:10], 9)
    assert [(d["xanchor"], d["yanchor"]) for d in short[3:]] == list(zip(tr["x"][:10],
                                                                          tr["y"][:10]))
    assert not lab.path_shapes([], [], 0)[lab.PATH]["visible"]
    # with the map's size: drawn through the iterates a pixel apart, first and last among them
    spans = lab.spans_of(run.problem)
    thin = lab.path_shapes(tr["x"], tr["y"], 3, spans)
    drawn = [[float(v) for v in p.split(",")] for p in thin[lab.PATH]["path"][1:].split("L")]
    keep = lab.thin([tr["x"], tr["y"]], list(spans))
    np.testing.assert_allclose(drawn, run.path[keep], rtol=0, atol=1e-12)
    assert keep[0] == 0 and keep[-1] == len(run.path) - 1 and len(keep) < len(run.path) / 2
    assert thin[lab.START] == shapes[lab.START] and thin[lab.MARKER] == shapes[lab.MARKER]


def test_the_2d_views_are_one_figure_each_view_on_its_own_axes():
    """The map, loss, parameters and fitted model are subplots of one figure: each view's
    traces, shapes, title and legend as its own figure has them, on its own axes."""
    pytest.importorskip("dash")
    from dash import Patch

    from steepest.explore.lab_view import clicked_start
    run = lab.run(_lab(lr=0.0055))
    problem = run.problem
    fig = lab.views_figure(problem)
    own = {"map": lab.contour_figure(problem), "loss": lab.loss_figure(),
           "params": lab.params_figure(names=lab.labels_of(problem)),
           "fit": lab.fit_figure(problem)}
    at = 0
    for name in lab.VIEWS:
        n = lab.AXES[name]
        traces = fig["data"][at:at + len(own[name]["data"])]
        at += len(traces)
        assert all(t["xaxis"] == f"x{n}" and t["yaxis"] == f"y{n}" and
                   t["legend"] == f"legend{n}" for t in traces), name
        assert [{k: v for k, v in t.items() if k not in ("xaxis", "yaxis", "legend")}
                for t in traces] == own[name]["data"]
        lay = fig["layout"]
        assert lay[f"xaxis{n}"]["title"] == own[name]["layout"]["xaxis"]["title"]
        assert lay[f"yaxis{n}"]["anchor"] == f"x{n}"
        assert lay["annotations"][lab.TITLES[name]]["text"] == own[name]["layout"]["title"][
            "text"]
    assert at == len(fig["data"]) and len(own["map"]["data"]) == lab.MAP_TRACES
    assert fig["layout"]["yaxis2"]["type"] == "log"
    # the views' cells do not overlap; the map leaves its row's right half to the 3-D surface
    boxes = {name: (fig["layout"][f"xaxis{lab.AXES[name]}"]["domain"],
                    fig["layout"][f"yaxis{lab.AXES[name]}"]["domain"]) for name in lab.VIEWS}
    for a in lab.VIEWS:
        for b in lab.VIEWS:
            if a < b:
                (ax, ay), (bx, by) = boxes[a], boxes[b]
                assert ax[1] <= bx[0] or bx[1] <= ax[0] or ay[1] <= by[0] or by[1] <= ay[0]
    assert boxes["map"][0][1] < 0.5
    # a run's shapes: each view's at its place, on its axes
    loss, params = lab.loss_view(run, 1000), lab.params_view(run, 1000)
    path = lab.path_shapes([1.0, 2.0], [0.0, 1.0], 1)
    fit = lab.fit_shape([0.0, 1.0], [1.0, 2.0])
    shapes = lab.views_shapes(loss["shapes"], params["shapes"], fit, path)
    for name, sub in (("loss", loss["shapes"]), ("params", params["shapes"]), ("fit", [fit]),
                      ("map", path)):
        n = lab.AXES[name]
        for i, sh in enumerate(sub):
            placed = shapes[lab.SHAPES[name] + i]
            assert (placed["xref"], placed["yref"]) == (f"x{n}", f"y{n}")
            assert {k: v for k, v in placed.items() if k not in ("xref", "yref")} == \
                {k: v for k, v in sh.items() if k not in ("xref", "yref")}
    assert len(shapes) == lab.SHAPES["map"] + len(path)
    # without a fit (a test function), its place is held by a hidden shape
    assert lab.views_shapes(loss["shapes"], params["shapes"], None, path)[lab.SHAPES["fit"]][
        "visible"] is False
    assert "xaxis4" not in lab.views_figure(lab.make_problem(_lab(problem="rosenbrock")))[
        "layout"]
    # titles and ranges go where the view's own figure has them
    p = Patch()
    lab.apply_views(p, loss, params)
    shown = apply_patch(fig, p)
    assert shown["layout"]["annotations"][lab.TITLES["loss"]]["text"] == loss["title"]
    assert shown["layout"]["yaxis3"]["range"] == params["yrange"]
    assert shown["layout"]["xaxis2"]["range"] == loss["xrange"]
    # a click sets the start on the map only (the fit's data points click too)
    assert clicked_start({"points": [{"curveNumber": lab.MAP, "x": 1.5, "y": -2.0}]}) == \
        [1.5, -2.0]
    fit_data = lab.MAP_TRACES + len(own["loss"]["data"]) + len(own["params"]["data"])
    assert clicked_start({"points": [{"curveNumber": fit_data, "x": 1.5, "y": -2.0}]}) is None
    assert clicked_start(None) is None and clicked_start({"points": []}) is None


def test_thin_keeps_every_point_within_its_tolerance_of_the_drawn_line():
    rng = np.random.default_rng(3)
    walk = np.cumsum(0.05 * rng.standard_normal((2000, 2)), axis=0)
    walk[500:520] += [[60, -60], [-60, 60]] * 10  # a zigzag: every point of it stays
    spans = list(np.ptp(walk, axis=0))
    keep = lab.thin([walk[:, 0], walk[:, 1]], spans, tol=0.01)
    assert keep[0] == 0 and keep[-1] == len(walk) - 1 and np.all(np.diff(keep) > 0)
    assert len(keep) < len(walk) / 3 and set(range(501, 520)) <= set(keep)
    # each point left out lies within tol × span (per axis) of the last one kept before it
    last = keep[np.searchsorted(keep, np.arange(len(walk)), side="right") - 1]
    assert np.all(np.abs(walk - walk[last]) <= 0.01 * np.asarray(spans) + 1e-12)
    assert list(lab.thin([[1.0, 2.0]], [1.0])) == [0, 1] and not len(lab.thin([[]], [1.0]))


def test_curve_axes_are_round_and_hold_still_while_the_run_fits_them():
    assert lab.nice_range(-8.0, 0.9) == pytest.approx([-8.3, 2.3])  # steps of 2, padded 3 %
    assert lab.log_range(np.array([6.4, 1275.0])) == pytest.approx([-0.12, 4.12])
    assert lab.steps_range(1000) == [-20.0, 1020.0]  # the step marker drawn whole at 0 and 1000
    fresh = [0.0, 3.0]
    assert lab.kept_range(None, fresh, 1.0, 2.0) is fresh
    assert lab.kept_range([-1.0, 4.0], fresh, 0.5, 2.5) == [-1.0, 4.0]  # fits, fills 40 %
    assert lab.kept_range([-1.0, 4.0], fresh, 0.5, 1.5) is fresh        # fills 20 %
    assert lab.kept_range([-1.0, 4.0], fresh, 0.5, 4.5) is fresh        # outgrew it
    # the lecture's two starts either side of η = 0.002: the loss axis of one holds the other
    a, b = lab.run(_lab(lr=0.002)), lab.run(_lab(lr=0.002047))
    va = lab.loss_view(a, 1000)
    vb = lab.loss_view(b, 1000, va["yrange"])
    assert vb["yrange"] == va["yrange"] and va["xrange"] == [-20.0, 1020.0]
    assert lab.loss_view(b, 1000)["yrange"] != va["yrange"]


def _curve(shape) -> np.ndarray:
    return np.array([[float(v) for v in p.split(",")] for p in shape["path"][1:].split("L")])


def test_loss_and_parameter_curves_are_shapes_through_the_runs_values():
    """Drawn as shapes on set axes (a new run redraws shapes, not the figure); their data, an
    empty trace, is never patched."""
    from dash import Patch
    run = lab.run(_lab(lr=0.0055))
    fig = lab.loss_figure(run, 1000)
    assert fig["data"][0]["x"] == [] and fig["layout"]["yaxis"]["type"] == "log"
    curve = _curve(fig["layout"]["shapes"][lab.LOSS_CURVE])
    k = curve[:, 0].astype(int)
    assert k[0] == 0 and k[-1] == len(run.loss) - 1 and len(k) < len(run.loss)
    np.testing.assert_allclose(curve[:, 1], run.loss[k], rtol=1e-5)
    lo, hi = fig["layout"]["yaxis"]["range"]
    assert 10 ** lo < run.loss.min() and run.loss.max() < 10 ** hi
    end = fig["layout"]["shapes"][lab.LOSS_MARKER]
    assert (end["xanchor"], end["yanchor"]) == (len(run.loss) - 1, run.loss[-1])
    assert fig["layout"]["title"]["text"] == f"loss: converged after {run.result.nit} steps"
    params = lab.params_figure(run, 1000)
    for i in lab.PARAM_CURVES:
        c = _curve(params["layout"]["shapes"][i])
        np.testing.assert_allclose(c[:, 1], run.path[c[:, 0].astype(int), i], rtol=1e-5)
        assert params["layout"]["shapes"][i]["name"] == "β₀β₁"[2 * i:2 * i + 2]
    lo, hi = params["layout"]["yaxis"]["range"]
    assert lo < run.path.min() and run.path.max() < hi
    patch = Patch()
    lab.apply_view(patch, lab.params_view(run, 1000))
    paths = [op["location"] for op in patch.to_plotly_json()["operations"]]
    assert paths and all(p[0] == "layout" for p in paths)


def test_what_is_drawn_as_shapes_is_named_in_the_legend_by_keys_of_its_own_colour():
    """Plotly keys a path shape in the legend by a hexagon whatever it draws; so no shape has a
    legend entry, and each figure has a point-less trace per drawn thing, in its colour."""
    run = lab.run(_lab(lr=0.0055))
    problem = run.problem
    figs = {"map": lab.contour_figure(problem), "loss": lab.loss_figure(run, 1000),
            "params": lab.params_figure(run, 1000), "fit": lab.fit_figure(problem)}
    figs["map"]["layout"]["shapes"] = lab.path_shapes([1.0, 2.0], [0.0, 1.0], 1)
    figs["fit"]["layout"]["shapes"] = [lab.fit_shape([0.0, 1.0], [1.0, 2.0])]
    keys = {}
    for name, fig in figs.items():
        assert not any(sh.get("showlegend") for sh in fig["layout"]["shapes"]), name
        assert fig["layout"]["legend"]["itemclick"] is False  # a click would hide a key alone
        keys[name] = {t["name"]: t for t in fig["data"] if t.get("x") == [None]}
    assert set(keys["map"]) == {"path", "start", "step"}
    assert set(keys["loss"]) == {"loss", "step"} and set(keys["params"]) == {"β₀", "β₁", "step"}
    assert set(keys["fit"]) == {"model"}
    shapes = figs["params"]["layout"]["shapes"]
    for i, name in zip(lab.PARAM_CURVES, ("β₀", "β₁")):
        assert keys["params"][name]["line"]["color"] == shapes[i]["line"]["color"]
    assert keys["map"]["path"]["line"]["color"] == figs["map"]["layout"]["shapes"][0]["line"][
        "color"]
    assert keys["fit"]["model"]["line"]["color"] == figs["fit"]["layout"]["shapes"][0]["line"][
        "color"]
    assert keys["loss"]["step"]["marker"]["symbol"] == "diamond"
    # a figure made before any run names the problem's parameters too
    empty = lab.params_figure(names=lab.labels_of(problem))
    assert [t["name"] for t in empty["data"][1:]] == ["β₀", "β₁", "step"]


def test_the_surface_hovers_in_the_problems_names():
    fig = lab.surface_figure(lab.make_problem(_lab()))
    assert "β₀ = " in fig["data"][0]["hovertemplate"] and "loss = " in fig["data"][0][
        "hovertemplate"]
    assert [t.get("hoverinfo") for t in fig["data"][1:]] == ["name", "name"]


def test_the_surface_mesh_has_the_grids_values_and_skips_non_finite_ones():
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([10.0, 20.0])
    Z = np.array([[1.0, 2.0, 3.0], [4.0, np.inf, 6.0]])  # rows along y
    m = lab.surface_mesh(xs, ys, Z)
    assert list(zip(m["x"], m["y"], m["z"]))[:3] == [(0, 10, 1), (1, 10, 2), (2, 10, 3)]
    assert m["z"][4] == 1.0 and m["intensity"] == m["z"]  # the inf: the lowest finite height
    tris = list(zip(m["i"], m["j"], m["k"]))
    assert tris == [(0, 1, 3)]  # of the 4 triangles, 3 touch the inf (vertex 4)
    full = lab.surface_mesh(xs, ys, np.ones((2, 3)))
    assert len(full["i"]) == 2 * (3 - 1) * (2 - 1)


def test_adaptive_optimizers_mark_no_limit():
    assert lab.stability_limit(lab.make_problem(_lab()), _lab(optimizer="adam")) is None
    assert "none marked" in __import__("steepest.explore.lab_view", fromlist=["x"]).lr_text(
        0.01, None)


def test_lr_marks_put_the_limit_on_the_slider():
    marks = lab.lr_marks(0.0064, -6, -2)
    assert set(marks) >= {"-6", "-2"}
    key = [k for k in marks if isinstance(marks[k], dict)]
    assert len(key) == 1 and float(key[0]) == pytest.approx(np.log10(0.0064))
    assert lab.lr_range(0.0064) == (-6, -2) and lab.lr_range(None) == (-5, 0)
    # a decade beside the limit keeps its tick, not its label ("▲ 0.0064" "1e-2" side by side
    # read as 0.0064e-2); the others keep theirs
    assert marks["-2"] == "" and marks["-3"] == "1e-3" and marks["-6"] == "1e-6"
    assert lab.lr_marks(0.03, -5, -1)["-2"] == "1e-2" and lab.lr_marks(None, -5, 0)["-1"] == "1e-1"


def test_stability_overlay_is_stability_map_at_the_rate():
    s = _lab(problem="quadratic", lr=0.15, steps=300)  # λ_max = 10: above 2/10 converges? no
    o = lab.stability_overlay(lab.make_problem(s), s, n=5)
    assert np.asarray(o["z"]).shape == (5, 5)
    # on a quadratic every start shares one fate: η = 0.15 < 0.2 converges everywhere
    # (except the minimum itself, which is already converged)
    assert o["shares"]["converged"] == 1.0
    s = _lab(problem="quadratic", lr=0.25, steps=300)
    assert lab.stability_overlay(lab.make_problem(s), s, n=4)["shares"]["diverged"] == 1.0


def test_a_run_with_the_overlay_off_leaves_the_maps_traces_alone():
    """Only turning the overlay off clears it; other runs patch the map's shapes alone (a trace
    patched, even to the same value, makes plotly redraw the whole map)."""
    from dash import Patch

    from steepest.explore.lab_view import _overlay
    run = lab.run(_lab(steps=50))
    fig = lab.contour_figure(run.problem)
    for toggled, ops in ((False, 0), (True, 2)):
        p = Patch()
        assert _overlay(p, run, _lab(overlay=False), toggled) == ""
        assert len(p.to_plotly_json()["operations"]) == ops
    on = Patch()
    assert "converge" in _overlay(on, run, _lab(overlay=True, steps=50), False)
    shown = apply_patch(fig, on)
    assert shown["data"][lab.MAP]["colorscale"] == "Greys"
    assert len(shown["data"][lab.OVERLAY]["z"]) == lab.STABILITY_GRID


def test_csv_problems_fit_a_line_and_a_logistic_curve():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 40)
    y = 1.5 - 0.5 * x + 0.01 * rng.standard_normal(40)
    run = lab.run(_lab(problem="csv-least-squares", lr=0.01, steps=3000),
                  (x.reshape(-1, 1), y))
    np.testing.assert_allclose(run.result.x, run.problem.solve(), atol=1e-3)
    fig = lab.fit_figure(run.problem)
    xs, ys = lab.fit_line(run, run.result.x)
    np.testing.assert_allclose(ys, run.result.x[0] + run.result.x[1] * np.asarray(xs))
    assert fig["data"][0]["x"] == pytest.approx(list(x))
    (x0, _), (_, y1) = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    assert x0 < x.min() and y1 > y.max()  # the data's box
    line = lab.fit_shape(xs, ys)["path"]
    np.testing.assert_allclose([[float(v) for v in p.split(",")] for p in line[1:].split("L")],
                               np.column_stack([xs, ys]))
    assert not lab.fit_shape(xs, [None] * len(xs))["visible"]
    assert lab.fit_figure(lab.make_problem(_lab(problem="rosenbrock"))) is None
    labels = (x + 0.3 * rng.standard_normal(40) > 0).astype(float) * 5 + 2  # values 2 and 7
    run = lab.run(_lab(problem="csv-logistic", lr=0.05, steps=200), (x.reshape(-1, 1), labels))
    assert set(np.unique(run.problem.y)) == {0.0, 1.0}
    _, p = lab.fit_line(run, run.result.x)
    assert 0 < min(p) < 0.5 < max(p) < 1
    with pytest.raises(ValueError, match="upload a CSV"):
        lab.make_problem(_lab(problem="csv-least-squares"))
    with pytest.raises(ValueError, match="exactly 2 columns"):
        lab.make_problem(_lab(problem="csv-logistic"), (np.ones((5, 2)), np.arange(5.0)))


def test_loss_figure_lifts_negative_losses_for_its_log_axis():
    run = lab.run(_lab(problem="styblinski-tang", lr=0.01, steps=100))
    fig = lab.loss_figure(run)
    shown = _curve(fig["layout"]["shapes"][lab.LOSS_CURVE])
    assert shown[:, 1].min() > 0
    # drawn to 6 significant digits (what a curve needs), against the exact shift
    k = shown[:, 0].astype(int)
    np.testing.assert_allclose(shown[:, 1], run.loss[k] + lab.loss_shift(run.loss), rtol=1e-5,
                               atol=0)
    assert lab.loss_shift(run.loss) == pytest.approx(-run.loss.min() + 1e-12, abs=1e-9)
    assert fig["layout"]["yaxis"]["title"]["text"].startswith("loss + ")


# ---- URL state -----------------------------------------------------------------------------
def test_url_round_trip_reproduces_the_settings():
    s = _lab(problem="rosenbrock", lr=0.0022, start=[-1.5, 2.25], overlay=True, steps=500)
    search = state.encode("lab", s)
    view, back = state.decode(search, lab.DEFAULTS)
    assert view == "lab" and back == s
    # hand-edited links: junk values keep the defaults, unknown keys are ignored
    view, back = state.decode("?view=nope&lr=abc&start=1&bogus=3&steps=7", lab.DEFAULTS)
    assert view == "lab" and back["lr"] == lab.DEFAULTS["lr"] and back["steps"] == 7
    assert back["start"] is None and "bogus" not in back


def test_sessions_are_separate_and_bounded():
    sessions = state.Sessions(capacity=2)
    a, b = sessions.new_id(), sessions.new_id()
    sessions.get(a)["model"] = 1
    assert "model" not in sessions.get(b)
    sessions.get(sessions.new_id())
    assert len(sessions) == 2 and "model" not in sessions.get(a)  # a was dropped, new again


# ---- uploads -------------------------------------------------------------------------------
def _upload(data: bytes, kind: str = "text/csv") -> str:
    return f"data:{kind};base64," + base64.b64encode(data).decode()


def test_csv_upload_with_a_header_parses():
    X, y = uploads.parse_table(uploads.decode(_upload(b"x,y\n1,2\n3,4\n5,6.5\n"), "a.csv"),
                               "a.csv")
    np.testing.assert_array_equal(X, [[1], [3], [5]])
    np.testing.assert_array_equal(y, [2, 4, 6.5])


@pytest.mark.parametrize("content, message", [
    (b"a,b\nx,1\n", "comma-separated numbers"),
    (b"1,2\n3,nan\n", "row 2 holds NaN"),
    (b"1,2\n3\n", "comma-separated numbers"),
    (b"1\n2\n3\n", "at least 2 columns"),
    (b"1,2\n", "at least 2 rows"),
    (b"\xff\xfe\x00garbage", "not a text file"),
])
def test_bad_csv_uploads_say_what_is_wrong(content, message):
    with pytest.raises(FileFormatError, match=message):
        uploads.parse_table(uploads.decode(_upload(content), "bad.csv"), "bad.csv")


def test_uploads_are_size_limited_and_never_unpickled():
    huge = "data:text/csv;base64," + "A" * (uploads.MAX_UPLOAD_BYTES * 4 // 3 + 8)
    with pytest.raises(FileFormatError, match="limit"):
        uploads.decode(huge, "big.csv")
    buf = io.BytesIO()
    np.savez(buf, X=np.array([{"evil": 1}, 2], dtype=object), y=np.arange(2))
    with pytest.raises(FileFormatError, match="pickled"):
        uploads.parse_table(buf.getvalue(), "x.npz")
    buf = io.BytesIO()
    np.savez(buf, X=np.ones((4, 2)), y=np.arange(4.0))
    X, y = uploads.parse_table(buf.getvalue(), "ok.npz")
    assert X.shape == (4, 2) and y.tolist() == [0, 1, 2, 3]


def test_model_upload_loads_a_saved_model(tmp_path):
    net = st.nn.MLP(2, [3, 1], seed=0)
    net.save(tmp_path / "m.npz")
    back = uploads.load_model((tmp_path / "m.npz").read_bytes(), "m.npz")
    np.testing.assert_array_equal(st.nn.parameters_to_vector(back),
                                  st.nn.parameters_to_vector(net))
    with pytest.raises(FileFormatError, match="not a steepest model"):
        uploads.load_model(b"not a zip", "m.npz")


# ---- the app, the CLI and the extra ---------------------------------------------------------
def test_explore_without_dash_names_the_extra(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dash", None)
    from steepest import cli
    assert cli.main(["explore", "--no-browser"]) == 1
    assert "pip install 'steepest[explore]'" in capsys.readouterr().err
    with pytest.raises(ImportError, match=r"steepest\[explore\]"):
        st.explore(open_browser=False)


def test_cli_explore_parses_its_options():
    from steepest import cli
    args = cli.build_parser().parse_args(["explore", "--port", "9000", "--no-browser"])
    assert (args.port, args.host, args.no_browser) == (9000, "127.0.0.1", True)


def test_app_serves_its_assets_itself():
    pytest.importorskip("dash")
    app = st.explore.create_app()
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    assert "steepest explore" in page
    assert "https://" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert app.config.serve_locally
    layout = client.get("/_dash-layout").get_json()
    other = client.get("/_dash-layout").get_json()
    assert layout["props"]["children"][1]["props"]["data"] != \
        other["props"]["children"][1]["props"]["data"]  # a session id per page load


def offline(page: str) -> None:
    """Nothing in the page outside its scripts' text points off this machine: no src/href to
    another host (the only URL allowed is the link back to the local app)."""
    import re
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", page, flags=re.S)
    assert "<script src" not in page and "<link" not in markup
    hosts = set(re.findall(r"https?://([^/\s\"'`<>]+)", markup))
    assert hosts <= {"127.0.0.1:8050"}, hosts


def test_export_writes_the_view_through_the_report_module():
    from steepest.explore.export import lab_report
    s = _lab(lr=0.0055)
    page = lab_report(s, link="http://127.0.0.1:8050/?view=lab&lr=0.0055")
    run = lab.run(s)
    assert page.startswith("<!DOCTYPE html>") and run.diagnosis.split(":")[0] in page
    assert "?view=lab&amp;lr=0.0055" in page or "?view=lab&lr=0.0055" in page
    assert page.count("data:image/png;base64,") >= 2
    offline(page)


# ---- network playground --------------------------------------------------------------------
from steepest.explore import playground as pg  # noqa: E402


def test_playground_trains_the_sessions_model_with_fit():
    s = {**pg.DEFAULTS, "points": 200, "optimizer": "adam", "lr": 0.03}
    t = pg.new_trainer(s)
    assert t.epoch == 0 and len(t.rows["loss"]) == 1
    theta0 = st.nn.parameters_to_vector(t.model).copy()
    for _ in range(3):
        pg.train(t)
    # the same run by hand: fit with the same seeds on a fresh copy, epoch by epoch
    ref = st.nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)
    np.testing.assert_array_equal(st.nn.parameters_to_vector(ref), theta0)
    opt = st.optim.Adam(lr=0.03)
    for e in range(3):
        st.nn.fit(ref, t.X, t.y, loss="bce_with_logits", optimizer=opt, epochs=1,
                  batch_size=32, seed=e, progress=False)
    np.testing.assert_allclose(st.nn.parameters_to_vector(t.model),
                               st.nn.parameters_to_vector(ref), rtol=0, atol=1e-12)
    _, acc = pg.evaluate(t, t.X, t.y)
    out = ref(t.X).data.ravel()
    assert acc == np.mean((out > 0) == (t.y > 0.5)) == t.rows["accuracy"][-1]
    assert f"train accuracy {acc:.1%}" in pg.summary(t)
    assert t.rows["epoch"] == [0, 1, 2, 3] and t.rows["loss"][-1] < t.rows["loss"][0]
    assert len(t.grad_norms[-1]) == 3 and all(g > 0 for g in t.grad_norms[-1])


def test_playground_sharpness_against_the_limit_for_gd():
    s = {**pg.DEFAULTS, "points": 120, "optimizer": "gd", "lr": 0.5, "batch": 1000}
    t = pg.new_trainer(s)
    for _ in range(pg.SHARPNESS_EVERY):
        pg.train(t)
    assert [e for e, _, _ in t.sharp] == [pg.SHARPNESS_EVERY]
    f = st.nn.loss_of_parameters(t.model, t.X, t.y, "bce_with_logits")
    lam = st.curvature.hessian_eigs(f, st.nn.parameters_to_vector(t.model)).values[0]
    assert t.sharp[0][1] == pytest.approx(lam, rel=1e-6)  # Lanczos to fit's tracker tolerance
    fig = pg.sharpness_figure(t)
    assert fig["data"][1]["y"] == [2 / 0.5, 2 / 0.5]  # GD's limit: λ_max < 2/η
    assert fig["data"][1]["name"] == "2/η" and fig["data"][0]["name"] == "λ_max"


def test_playground_sharpness_of_adam_is_preconditioned():
    """Adam's stability is on λ_max(P⁻¹H) (Cohen et al. 2022): the panel shows that, against
    (2 + 2β₁)/((1 − β₁)η)·(1 − β₁ᵗ), and the numbers are the optimizer's own."""
    from steepest.curvature.tracking import flat_state
    s = {**pg.DEFAULTS, "points": 120, "optimizer": "adam", "lr": 0.01, "batch": 1000}
    t = pg.new_trainer(s)
    for _ in range(pg.SHARPNESS_EVERY):
        pg.train(t)
    (epoch, lam, limit), = t.sharp
    assert epoch == pg.SHARPNESS_EVERY
    f = st.nn.loss_of_parameters(t.model, t.X, t.y, "bce_with_logits")
    theta = st.nn.parameters_to_vector(t.model)
    state = flat_state(t.optimizer, t.model)
    want = st.curvature.sharpness(f, theta, t.optimizer, state)
    plain = st.curvature.sharpness(f, theta, t.optimizer, preconditioned=False)
    assert lam == pytest.approx(want.lam_max, rel=1e-6)
    assert abs(lam - plain.lam_max) > 0.1 * plain.lam_max  # not the plain Hessian's
    b1, steps = t.optimizer.defaults["betas"][0], t.optimizer.step_count
    assert steps == pg.SHARPNESS_EVERY  # full batch: one step an epoch
    # with Adam's bias correction 1 − β₁ᵗ, which fades as t grows (38/η after ~50 steps)
    assert limit == pytest.approx((2 + 2 * b1) / ((1 - b1) * 0.01) * (1 - b1 ** steps))
    fig = pg.sharpness_figure(t)
    assert fig["data"][0]["name"] == "λ_max(P⁻¹H)"
    assert fig["data"][1]["name"] == f"{limit * 0.01:.3g}/η" == "24.8/η"
    assert fig["layout"]["yaxis"]["type"] == "log"  # λ ≈ 30–60 beside a limit of ~2,500


def test_playground_export_is_the_tabs_network_as_it_is():
    from steepest.explore.export import play_report
    t = pg.new_trainer({**pg.DEFAULTS, "points": 120, "optimizer": "gd", "lr": 0.5})
    for _ in range(10):
        pg.train(t)
    page = play_report(t, link="http://127.0.0.1:8050/?view=play")
    assert page.startswith("<!DOCTYPE html>") and pg.summary(t) in page
    # boundary, network, losses, gradient norms and (GD) the sharpness: five figures
    assert page.count("data:image/png;base64,") == 5 and "2/η" in page
    _, acc = pg.evaluate(t, t.X, t.y)
    assert f"{acc:.1%}" in page and "epoch 10 " in page
    offline(page)


def apply_patch(fig, patch):
    """A dash Patch applied as the page applies it (the operations the explorer sends)."""
    import copy
    fig = copy.deepcopy(fig)
    for op in patch.to_plotly_json()["operations"]:
        *where, last = op["location"]
        node = fig
        for key in where:
            node = node[key]
        value = op["params"]["value"]
        if op["operation"] == "Assign":
            node[last] = value
        elif op["operation"] == "Extend":
            node[last].extend(value)
        elif op["operation"] == "Merge":
            node[last].update(value)
        else:
            raise AssertionError(op)
    return fig


def test_playground_tick_patches_give_the_figures_a_full_redraw_would():
    from dash import no_update

    from steepest.explore.play_view import figures, trained
    t = pg.new_trainer({**pg.DEFAULTS, "points": 100, "optimizer": "momentum", "lr": 0.1})
    shown = list(figures(t))
    for _ in range(SHARPNESS_EVERY := pg.SHARPNESS_EVERY):
        sent = trained(t)
        full = figures(t)
        shown[0] = apply_patch(shown[0], sent[0])  # the boundary's image: every epoch
        assert shown[0] == full[0] and sent[5] == full[5]
        curves = t.epoch % pg.CURVES_EVERY == 0  # network, losses, gradient norms
        assert all((f == g) if curves else f is no_update for f, g in zip(sent[1:4], full[1:4]))
        assert (sent[4] == full[4]) if t.epoch == SHARPNESS_EVERY else sent[4] is no_update
    assert len(t.sharp) == 1 and t.epoch == SHARPNESS_EVERY  # measured at epoch 10: redrawn
    assert SHARPNESS_EVERY % pg.CURVES_EVERY == 0


def test_playground_stops_when_training_diverges():
    t = pg.new_trainer({**pg.DEFAULTS, "optimizer": "gd", "lr": 1e6, "points": 100})
    for _ in range(5):
        pg.train(t)
    assert t.status == "diverged" and "diverged" in pg.summary(t)
    epoch = t.epoch
    pg.train(t)
    assert t.epoch == epoch  # a diverged network is not trained further


# ---- landscape view ------------------------------------------------------------------------
from steepest.explore import landscape_view as lv  # noqa: E402


def _trained():
    X, y = st.datasets.moons(80, seed=0)
    net = st.nn.MLP(2, [4, 1], seed=0)
    st.nn.fit(net, X, y, loss="bce_with_logits", optimizer=st.optim.Adam(lr=0.05), epochs=10,
              progress=False, seed=0)
    return net, X, y


def test_landscape_view_is_surface_2d_through_the_model():
    net, X, y = _trained()
    s = {**lv.DEFAULTS, "resolution": 5, "span": 0.5}
    land = lv.compute(net, X, y, s)
    ref = st.landscape.surface_2d(net, X, y, loss="bce_with_logits", resolution=5,
                                  range=(-0.5, 0.5), seed=0, accuracy=True, progress=False)
    np.testing.assert_array_equal(land.loss, ref.loss)
    loss = float(st.nn.binary_cross_entropy_with_logits(net(X), y).data)
    assert land.loss[2, 2] == pytest.approx(loss, rel=1e-12)
    surface, contour, slices = lv.figures(land)
    assert np.asarray(surface["data"][0]["z"], float).shape == (5, 5)
    assert contour["data"][1]["x"] == [0] and contour["data"][1]["y"] == [0]  # the model
    np.testing.assert_allclose(slices["data"][0]["y"], land.loss[:, 2])
    assert f"loss at the model {loss:.6g}" in lv.summary(land, net, len(y))


def test_landscape_view_hessian_plane_and_bad_settings():
    net, X, y = _trained()
    land = lv.compute(net, X, y, {**lv.DEFAULTS, "directions": "hessian", "resolution": 3})
    f = st.nn.loss_of_parameters(net, X, y, "bce_with_logits")
    top = st.curvature.hessian_eigs(f, st.nn.parameters_to_vector(net), k=2).values
    np.testing.assert_allclose(land.directions.eigenvalues, top, rtol=1e-6)
    assert "Hessian eigenvalues" in lv.summary(land, net, len(y))
    with pytest.raises(ValueError, match="resolution"):
        lv.compute(net, X, y, {**lv.DEFAULTS, "resolution": 500})
    with pytest.raises(ValueError, match="takes 2 inputs"):
        lv.check_data(net, np.ones((4, 3)), "d.csv")


def _trained_with_path(tmp_path):
    X, y = st.datasets.moons(80, noise=0.1, seed=1)
    net = st.nn.MLP(2, [4, 1], seed=0)
    hist = st.nn.fit(net, X, y, loss="bce_with_logits", optimizer=st.optim.Adam(lr=0.05),
                     epochs=12, progress=False, seed=0, snapshot_every=3)
    net.save(tmp_path / "m.npz", snapshots=hist)
    return net, X, y, hist


def test_a_model_file_carries_its_training_path(tmp_path):
    from steepest.explore.uploads import load_model_file
    net, _, _, hist = _trained_with_path(tmp_path)
    model, (S, epochs) = load_model_file((tmp_path / "m.npz").read_bytes(), "m.npz")
    np.testing.assert_array_equal(S, np.stack(hist.snapshots))
    assert epochs.tolist() == [0, 3, 6, 9, 12] == hist.snapshot_epochs
    np.testing.assert_array_equal(st.nn.parameters_to_vector(model), S[-1])  # ends at the model
    net.save(tmp_path / "plain.npz")
    assert load_model_file((tmp_path / "plain.npz").read_bytes(), "p.npz")[1] is None
    with pytest.raises(ValueError, match=r"snapshots must be \(T, 17\)"):
        net.save(tmp_path / "bad.npz", snapshots=np.zeros((3, 5)))
    # a file whose snapshots do not fit its weights is refused, not drawn
    arrays = dict(np.load(tmp_path / "m.npz"))
    arrays["__snapshots__"] = arrays["__snapshots__"][:, :5]
    np.savez(tmp_path / "forged.npz", **arrays)
    with pytest.raises(ValueError, match=r"snapshots must be \(T, 17\) floats"):
        load_model_file((tmp_path / "forged.npz").read_bytes(), "forged.npz")


@pytest.mark.parametrize("directions", ["filter", "hessian", "pca"])
def test_landscape_view_draws_the_projected_training_path(tmp_path, directions):
    net, X, y, hist = _trained_with_path(tmp_path)
    S = np.stack(hist.snapshots)
    s = {**lv.DEFAULTS, "resolution": 5, "span": 0.5, "directions": directions}
    land = lv.compute(net, X, y, s, S)
    ref = st.landscape.project(S, st.nn.parameters_to_vector(net), land.directions)
    surface, contour, _ = lv.figures(land, hist.snapshot_epochs)
    path = contour["data"][lv.PATH_TRACE]
    np.testing.assert_allclose(np.column_stack([path["x"], path["y"]]), ref.coords,
                               rtol=1e-12, atol=1e-12)
    assert path["x"][-1] == pytest.approx(0, abs=1e-12)  # the path ends at the model
    np.testing.assert_allclose(surface["data"][1]["z"], land.trajectory.loss_on_plane)
    real = [float(st.nn.binary_cross_entropy_with_logits(_at(net, v)(X), y).data) for v in S]
    np.testing.assert_allclose(land.trajectory.loss, real, rtol=1e-10)
    assert path["text"][0].startswith(f"epoch 0: loss {real[0]:.4g}")
    assert "training path of 5 points" in lv.summary(land, net, len(y))
    if directions == "pca":  # the plane of the path itself: it lies in it, the grid holds it
        pca = st.landscape.pca_directions(S, centre=S[-1])
        np.testing.assert_allclose(np.abs(land.directions.vectors @ pca.vectors.T), np.eye(2),
                                   atol=1e-9)
        assert np.abs(ref.coords).max() * 1.1 == pytest.approx(land.alphas[-1] / 0.5)
        with pytest.raises(ValueError, match="needs a model file saved with its path"):
            lv.compute(net, X, y, s)


def test_landscape_export_has_the_path_the_page_shows(tmp_path):
    from steepest.explore.export import landscape_report
    net, X, y, hist = _trained_with_path(tmp_path)
    s = {**lv.DEFAULTS, "resolution": 7, "span": 0.5}
    land = lv.compute(net, X, y, s, np.stack(hist.snapshots))
    page = landscape_report(land, net, len(y), s, hist.snapshot_epochs)
    assert lv.summary(land, net, len(y)) in page.replace("&#x27;", "'")
    assert "snapshots are at epochs 0, 3, 6, 9, 12." in page and land.trajectory.summary() in page
    assert page.count("data:image/png;base64,") >= 3  # contour, slices, the surface's fallback
    if "plot3d-1-spec" in page:  # plotly installed: the surface and the path, interactive
        import json
        import re
        spec = json.loads(re.search(r'id="plot3d-1-spec">(.*?)</script>', page, re.S)[1])
        np.testing.assert_allclose(spec["data"][1]["x"], land.trajectory.coords[:, 0],
                                   rtol=1e-5, atol=1e-9)
    offline(page)


def _at(net, v):
    import copy
    other = copy.deepcopy(net)
    st.nn.vector_to_parameters(v, other)
    return other


def test_explore_runs_inline_in_jupyter_and_binds_localhost(monkeypatch):
    dash = pytest.importorskip("dash")
    calls = []
    monkeypatch.setattr(dash.Dash, "run", lambda self, **kw: calls.append(kw))
    app = st.explore(jupyter=True, port=8123)
    assert isinstance(app, dash.Dash)
    assert calls[-1]["jupyter_mode"] == "inline" and calls[-1]["host"] == "127.0.0.1"
    st.explore(jupyter=False, open_browser=False, port=8124)
    assert calls[-1] == {"host": "127.0.0.1", "port": 8124, "debug": False}
    import steepest.explore as module
    assert callable(module)  # steepest.explore() works however it was reached


def test_the_app_imports_the_engine_before_serving_callbacks_in_threads():
    """A fresh interpreter: creating the app leaves no package for a callback thread to import
    (two threads importing at once could see a half-initialized module)."""
    import subprocess
    import sys

    from steepest.explore.app import ENGINE
    code = ("import sys, steepest.explore as e; e.create_app(); print(','.join(n for n in "
            + repr(ENGINE) + " if 'steepest.' + n not in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    assert out.stdout.strip() == ""


def test_a_run_leaves_alone_what_the_page_already_shows():
    pytest.importorskip("dash")
    from dash import no_update

    from steepest.explore.lab_view import _changed
    marks = lab.lr_marks(0.0064, -6, -2)
    assert _changed(lab.lr_marks(0.0064, -6, -2), marks) is no_update
    assert _changed(lab.lr_marks(0.0032, -6, -2), marks) != marks
    assert _changed(798, 798) is no_update and _changed(833, 798) == 833
    assert _changed("", "") is no_update


def test_playground_log_axes_label_their_ticks_as_numbers_and_an_unmeasured_sharpness_says_when():
    """plotly's own log ticks over less than three decades label 0.09 as "9": the playground's
    log axes carry 1-2-5 ticks with plain numbers spanning the data; the sharpness panel before
    its first measurement says when it comes instead of drawing empty axes."""
    assert pg.log_ticks([0.07, 6.0]) == {
        "tickvals": [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0],
        "ticktext": ["0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10"]}
    assert pg.log_ticks([1e-4, 3e2])["ticktext"] == ["0.0001", "0.001", "0.01", "0.1", "1", "10",
                                                      "100", "1000"]  # decades over > 3
    assert pg.log_ticks([0.0, float("nan")]) == {}
    t = pg.new_trainer({**pg.DEFAULTS, "points": 120, "optimizer": "gd", "lr": 0.5})
    pg.train(t)
    fig = pg.sharpness_figure(t)
    assert "the first at epoch 10" in fig["layout"]["annotations"][0]["text"]
    assert fig["layout"]["yaxis"]["visible"] is False
    g = pg.grad_figure(t)["layout"]["yaxis"]
    norms = np.asarray(t.grad_norms[1:], float)
    assert g["type"] == "log" and min(g["tickvals"]) <= norms.min() <= norms.max() <= \
        max(g["tickvals"])
