"""steepest.animate: frames rendered headless, saved files decoded and checked."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from PIL import Image

import steepest as st
from steepest import animate


def lecture_gd(beta0, eta, n):
    X, y = st.datasets.lecture_line()
    b = np.array(beta0, float)
    betas = [b]
    for _ in range(n):
        b = b - eta * (X.T @ X @ b - X.T @ y)
        betas.append(b)
    return np.array(betas)


def lecture_quadratic():
    """The lecture's ‖y − Xβ‖² as a problem on its box (the surface is taken from it)."""
    return st.datasets.lecture_problem()


def embedded_frames(html):
    """The frames inside a player snippet: its JSON data's per-frame layers."""
    return player_data(html)["frames"]


def player_data(html):
    """The JSON data of a player snippet (background, sprites, vertex pools, frames)."""
    import json
    import re
    return json.loads(re.search(r'<script type="application/json" id="st\w+_data">(.*?)</script>',
                                html, re.DOTALL).group(1))


def test_frame_schedule_dense_early_sparse_late():
    idx = animate.frame_schedule(1001, 120)
    assert len(idx) == 120 and idx[0] == 0 and idx[-1] == 1000
    assert list(idx[:10]) == list(range(10))
    gaps = np.diff(idx)
    assert np.all(gaps >= 1) and np.all(np.diff(gaps) >= -1)  # gaps grow (up to rounding)
    assert gaps[-1] > 10 * gaps[0]
    np.testing.assert_array_equal(animate.frame_schedule(50, 120), np.arange(50))
    tight = animate.frame_schedule(125, 120)
    assert len(np.unique(tight)) == 120 and tight[-1] == 124
    assert len(animate.LECTURE_FRAMES) == 120 and animate.LECTURE_FRAMES[-1] == 495
    with pytest.raises(ValueError):
        animate.frame_schedule(0)
    with pytest.raises(ValueError, match="frames"):
        animate.frame_schedule(10, 0)


def test_frame_schedule_reaches_the_last_step_with_few_frames():
    """Every small case: 0 first, the last step last, strictly increasing, min(frames, n)
    entries (8 frames of 1,000 steps had stopped at step 7, the quick tour's animations)."""
    for n in range(1, 60):
        for frames in range(1, 25):
            for dense in (0, 1, 3, 10, 40):
                idx = animate.frame_schedule(n, frames, dense)
                assert len(idx) == min(frames, n), (n, frames, dense)
                assert idx[-1] == n - 1 and np.all(np.diff(idx) >= 1), (n, frames, dense)
                assert frames == 1 or idx[0] == 0, (n, frames, dense)
    assert list(animate.frame_schedule(1000, 8)[[0, -1]]) == [0, 999]
    assert list(animate.frame_schedule(1000, 1)) == [999]


def test_descent_3d_updates_one_line_per_run():
    betas = lecture_gd([-8, -3.2], 0.002, 60)
    a = animate.descent_3d(betas, lecture_quadratic(), frames=[0, 5, 60],
                           progress=False, figsize=(3, 3), dpi=60)
    n_lines = len(a.ax.lines)
    frames = list(a.iter_frames(progress=False))
    assert len(frames) == 3 and frames[0].shape == (180, 180, 3)
    assert len(a.ax.lines) == n_lines  # no line added per frame
    x, yy, _z = a.lines[0].get_data_3d()
    np.testing.assert_allclose(np.column_stack([x, yy]), betas)  # last frame: the whole path
    assert not np.array_equal(frames[0], frames[2])


def _full_redraw(anim, step):
    """The frame drawn the slow way: update, then draw the whole figure."""
    anim._update(step)
    for art in anim._animated:
        art.set_animated(False)
    anim.figure.canvas.draw()
    out = np.asarray(anim.figure.canvas.buffer_rgba())[..., :3].copy()
    for art in anim._animated:
        art.set_animated(True)
    return out


def test_blitted_frames_match_full_redraws():
    X, y = st.datasets.lecture_line()
    betas = lecture_gd([-8, -3.2], 0.002, 40)
    a = animate.line_fit(X, y, betas, frames=[0, 3, 40], progress=False, figsize=(3, 3),
                         dpi=60)
    frames = list(a.iter_frames(progress=False))
    for f, step in zip(frames, a.frames):
        full = _full_redraw(a, step)
        assert np.mean(np.abs(f.astype(int) - full.astype(int)) > 8) < 0.002
    xs, ys = a.line.get_data()
    np.testing.assert_allclose(ys, betas[40, 0] + betas[40, 1] * xs)


def test_save_gif_mp4_html_decode(tmp_path):
    betas = lecture_gd([-8, -3.2], 0.002, 30)
    a = animate.descent_3d(betas, lecture_quadratic(), frames=6, progress=False,
                           figsize=(3, 2.5), dpi=50)
    assert len(a) == 6 and a.size == (150, 125)
    gif = a.save(tmp_path / "d.gif")
    with Image.open(gif) as im:
        assert im.n_frames == 6 and im.size == (150, 125)
        assert im.info["duration"] == 100
    html = a.save(tmp_path / "d.html").read_text()
    embedded = player_data(html)
    assert len(embedded["frames"]) == 6 and (embedded["w"], embedded["h"]) == (150, 125)
    png = a.save(tmp_path / "last.png")
    with Image.open(png) as im:
        assert im.size == (150, 125)
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    mp4 = a.save(tmp_path / "d.mp4", fps=5)
    reader = imageio_ffmpeg.read_frames(str(mp4))
    meta = next(reader)
    n = sum(1 for _ in reader)
    assert n == 6 and tuple(meta["size"]) == (150, 126)  # padded to an even height
    with pytest.raises(ValueError, match="unsupported"):
        a.save(tmp_path / "d.avi")


def test_mp4_without_ffmpeg_names_the_extra(monkeypatch, tmp_path):
    import builtins
    import shutil
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "imageio_ffmpeg":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr(shutil, "which", lambda _: None)
    with pytest.raises(RuntimeError, match=r"steepest\[video\]"):
        animate.ffmpeg_executable()


def test_jshtml_subsamples_past_the_embed_limit_with_a_warning():
    betas = lecture_gd([-8, -3.2], 0.002, 20)
    a = animate.descent_contour(betas, lambda b: (b[0] - 1) ** 2 + (b[1] - 0.5) ** 2,
                                xlim=(-10, 3), ylim=(-4, 2), frames=10, progress=False,
                                figsize=(3, 2.5), dpi=50)
    full = a.to_jshtml(embed_limit=None)
    assert len(embedded_frames(full)) == 10
    size_mb = len(full) / 1024 ** 2
    with pytest.warns(UserWarning, match=r"showing \d+ of 10 frames"):
        small = a.to_jshtml(embed_limit=size_mb / 3)
    kept = len(embedded_frames(small))
    assert 2 <= kept < 10
    assert "<script>" in a._repr_html_()


def test_race_on_contour_with_several_runs_and_a_diverging_one():
    f = lambda x: x[0] ** 2 + 10 * x[1] ** 2
    slow = np.array([[2.0, 1.0], [1.8, 0.8], [1.6, 0.6], [1.4, 0.5]])
    wild = np.array([[2.0, 1.0], [-2.0, -3.0], [np.inf, np.inf]])
    a = animate.descent_contour({"GD": slow, "too fast": wild}, f, xlim=(-3, 3),
                                ylim=(-4, 2), progress=False, figsize=(3, 3), dpi=50)
    assert a.frames == [0, 1, 2, 3]
    list(a.iter_frames(progress=False))
    np.testing.assert_allclose(a.lines[0].get_xydata(), slow)
    np.testing.assert_allclose(a.lines[1].get_xydata(), wild[:2])  # stops before inf
    labels = [t.get_text() for t in a.ax.get_legend().get_texts()]
    assert labels[-2:] == ["GD", "too fast"]


def test_descent_3d_on_a_general_function():
    f = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    path = np.array([[-1.5, 2.0], [-1.0, 1.0], [0.5, 0.2], [1.0, 1.0]])
    a = animate.descent_3d({"GD": path, "other": path[::-1]}, f, xlim=(-2, 2), ylim=(-1, 3),
                           progress=False, figsize=(3, 3), dpi=50)
    list(a.iter_frames(progress=False))
    assert len(a.lines) == 2 and a.ax.get_legend() is not None
    with pytest.raises(TypeError, match="pass the problem"):  # no hand-made (Q, b, c)
        animate.descent_3d(path, (np.eye(2), np.zeros(2), 0.0))


def test_decision_boundary_animation_over_snapshots():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)

    class Logistic:
        def __init__(self):
            self.w = np.zeros(3)

        def __call__(self, P):
            return 1 / (1 + np.exp(-(P @ self.w[:2] + self.w[2])))
    m = Logistic()
    snaps = [np.array([0.1, 0.0, 0.5]), np.array([1.0, 0.5, 0.2]), np.array([3.0, 3.0, 0.0])]
    hist = SimpleNamespace(snapshots=snaps, snapshot_epochs=[0, 5, 10])

    def set_params(model, v):
        model.w = np.array(v)
    a = animate.decision_boundary(m, hist, X, y, set_params=set_params, progress=False,
                                  figsize=(3, 3), dpi=50, n=60)
    frames = list(a.iter_frames(progress=False))
    assert len(frames) == 3 and a.epochs == [0, 5, 10]
    verts = np.concatenate([p.vertices for p in a.display.boundary.get_paths()])
    np.testing.assert_allclose(verts[:, 0] + verts[:, 1], 0, atol=0.05)  # the last: x₁ + x₂ = 0
    assert not np.array_equal(frames[0], frames[2])
    with pytest.raises(ValueError, match="snapshots"):
        animate.decision_boundary(m, [], X, y, set_params=set_params)


def test_animation_needs_frames():
    from matplotlib.figure import Figure
    with pytest.raises(ValueError, match="at least one frame"):
        animate.Animation(Figure(), lambda i: [], [])


def test_progress_bar_while_rendering(capsys):
    X, y = st.datasets.lecture_line()
    a = animate.line_fit(X, y, lecture_gd([-8, -3.2], 0.002, 5), frames=[0, 5], figsize=(2, 2),
                         dpi=30)
    list(a.iter_frames())
    assert capsys.readouterr().err == ""  # quiet unless asked
    list(a.iter_frames(progress=True))
    err = capsys.readouterr().err
    assert "rendering" in err and "/2 " in err


def test_secant_turns_into_the_tangent():
    """One frame per h; the secant drawn in frame i has slope (f(x+h) − f(x))/h, which for
    3x² − 4x + 5 at x = −2 is exactly −16 + 3h; the tangent slope −16 comes from autodiff."""
    hs = [3.0, 1.0, 0.1, -0.5]
    a = animate.secant(st.problems.Quadratic1D(), -2.0, hs, progress=False, figsize=(3, 2.5),
                       dpi=40)
    assert len(a) == 4 and len(list(a.iter_frames(progress=False))) == 4
    f = lambda t: 3 * t * t - 4 * t + 5
    expect = np.array([(f(-2 + h) - f(-2)) / h for h in hs])
    np.testing.assert_allclose(expect, -16 + 3 * np.array(hs))
    np.testing.assert_allclose(a.slopes, expect, rtol=1e-12)
    assert a.slope == pytest.approx(-16.0)
    for i, h in enumerate(hs):
        artists = a._update(i)
        (x0, y0), (x1, y1) = a.secant.get_xydata()[[0, -1]]
        assert (y1 - y0) / (x1 - x0) == pytest.approx(expect[i])
        assert np.interp(-2.0, *a.secant.get_data()) == pytest.approx(f(-2.0))  # through x
        caption = next(t.get_text() for t in artists if hasattr(t, "get_text")
                       and "secant slope" in t.get_text())
        assert f"h = {h:g}" in caption and f"= {expect[i]:.4g}" in caption
    cube = animate.secant(lambda t: t ** 3, 1.0, [0.5], xlim=(-2, 2), progress=False)
    assert cube.slope == pytest.approx(3.0) and cube.slopes[0] == pytest.approx(4.75)
    assert len(animate.secant(lambda t: t * t, 0.5, progress=False)) == 30  # default hs
    with pytest.raises(ValueError, match="nonzero"):
        animate.secant(lambda t: t * t, 0.0, [0.1, 0.0], progress=False)
    with pytest.raises(ValueError, match="inside xlim"):
        animate.secant(lambda t: t * t, 3.0, [0.1], xlim=(-1, 1), progress=False)
