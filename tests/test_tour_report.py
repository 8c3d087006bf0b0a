"""The HTML report builder: self-contained output, offline animation controls, surfaces."""

import base64
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.animation import FuncAnimation

from steepest.report import Progress, Report, offline_jshtml
from steepest.report.builder import _format_number


def _anim(frames=4):
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([], [])
    ax.set_xlim(0, frames)
    ax.set_ylim(0, frames)

    def update(i):
        line.set_data([0, i], [0, i])
        return (line,)

    return FuncAnimation(fig, update, frames=frames)


def test_figure_is_embedded_as_the_png_it_renders():
    report = Report("T")
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    report.section("S").figure(fig, "a line", dpi=50)
    page = report.to_html()
    data = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    png = base64.b64decode(data)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == report._pngs[0][1]
    assert not plt.fignum_exists(fig.number)  # closed after embedding


def test_page_is_self_contained_and_escapes_text():
    report = Report("Title <x>", "sub & co")
    sec = report.section("First", "a < b and `code`")
    sec.numbers({"η": 0.002, "steps": 1000})
    sec.animation(_anim(), "moving")
    page = report.to_html()
    assert "Title &lt;x&gt;" in page and "a &lt; b" in page and "<code>code</code>" in page
    # nothing is fetched from the network: no http(s) sources, links or stylesheets
    assert not re.search(r'(src|href)="https?://', page)
    assert "font-awesome" not in page
    assert page.count('class="animation"') == 1
    assert "1,000" in page and "0.002" in page


def test_offline_jshtml_replaces_every_icon_and_the_cdn_link():
    markup = _anim(3).to_jshtml()
    plt.close("all")
    assert "maxcdn" in markup and 'class="fa ' in markup  # what matplotlib emits
    out = offline_jshtml(markup)
    assert "maxcdn" not in out and 'class="fa ' not in out
    assert out.count('<svg class="anim-icon"') == markup.count('<i class="fa ')


def test_sections_are_numbered_with_a_table_of_contents():
    report = Report("T")
    for title in ("One", "Two", "Three"):
        report.section(title)
    page = report.to_html()
    assert [s.id for s in report.sections] == ["s1-one", "s2-two", "s3-three"]
    for s in report.sections:
        assert f'href="#{s.id}"' in page and f'id="{s.id}"' in page


def test_row_groups_blocks_and_rows_do_not_nest():
    sec = Report("T").section("S")
    with sec.row():
        sec.text("left")
        sec.text("right")
        with pytest.raises(RuntimeError, match="nest"), sec.row():
            pass
    html = sec.to_html()
    assert html.count('class="cell"') == 2 and html.count('class="row"') == 1


def test_surface_checks_shapes_and_embeds_a_static_fallback():
    sec = Report("T").section("S")
    x, y = np.linspace(-1, 1, 4), np.linspace(-2, 2, 3)
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match=r"shape \(len\(y\), len\(x\)\) = \(3, 4\)"):
        sec.surface(x, y, np.zeros((4, 3)), fig)
    sec.surface(x, y, x[None] ** 2 + y[:, None] ** 2, fig, "bowl")
    html = sec.to_html()
    assert "data:image/png;base64," in html  # static image is always there


def test_surface_spec_holds_the_grid_when_plotly_is_installed():
    pytest.importorskip("plotly")
    import json

    report = Report("T")
    x, y = np.linspace(-1, 1, 4), np.linspace(-2, 2, 3)
    Z = x[None] ** 2 + y[:, None] ** 2
    fig, _ = plt.subplots()
    report.section("S").surface(x, y, Z, fig, "bowl", paths=[("p", np.ones((2, 3)))])
    page = report.to_html()
    spec = json.loads(re.search(r'id="plot3d-1-spec">(.*?)</script>', page).group(1))
    np.testing.assert_allclose(spec["data"][0]["z"], Z, rtol=0, atol=1e-5 * Z.max())  # 6 digits
    assert spec["data"][1]["type"] == "scatter3d"
    assert "Plotly" in page  # the bundled library, inline
    # hovers in the axes' names, the path's with its true (unlifted) loss
    named = report.section("N")
    named.surface(x, y, Z, fig, "bowl", labels=("β₀", "β₁", "ℒ"), paths=[("p", np.ones((2, 3)))])
    spec = json.loads(re.search(r'id="plot3d-2-spec">(.*?)</script>', report.to_html()).group(1))
    assert spec["data"][0]["hovertemplate"].startswith("β₀ = %{x:.4g}, β₁ = %{y:.4g}<br>ℒ = %{z")
    assert "ℒ = %{customdata" in spec["data"][1]["hovertemplate"]


def test_save_writes_page_and_figures(tmp_path):
    report = Report("T")
    sec = report.section("Loss surface")
    fig, _ = plt.subplots(figsize=(1, 1))
    sec.figure(fig, "The bowl")
    page = report.save(tmp_path / "deep" / "index.html")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    (png,) = report.save_figures(tmp_path / "figs")
    assert png.name == "01-the-bowl.png" and png.read_bytes()[:4] == b"\x89PNG"


def test_figure_rejects_non_figures():
    with pytest.raises(TypeError, match="matplotlib Figure"):
        Report("T").section("S").figure("not a figure")


@pytest.mark.parametrize("value, text", [
    (0.002, "0.002"), (1000, "1,000"), (0.0064, "0.0064"), (1.5e-7, "1.5e-07"),
    (12.3456789, "12.3457"), (np.array([1.0, 0.5]), "(1, 0.5)"), (True, "yes"),
    (float("nan"), "nan"),
])
def test_number_formatting(value, text):
    assert _format_number(value) == text


def test_progress_prints_one_line_per_step_and_marks_failures():
    import io

    out = io.StringIO()
    p = Progress(2, stream=out)
    with p.step("first"):
        pass
    with pytest.raises(KeyError), p.step("second"):
        raise KeyError("x")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1/2] first") and lines[0].endswith(" s")
    assert lines[1].startswith("[2/2] second") and lines[1].endswith("failed")
    assert [t[0] for t in p.timings] == ["first", "second"]


def test_surface_accepts_a_parametric_mesh_and_writes_holes_as_null():
    pytest.importorskip("plotly")
    import json

    report = Report("T")
    r, t = np.meshgrid(np.linspace(0, 1, 3), np.linspace(0, 2 * np.pi, 5))
    X, Y, Z = r * np.cos(t), r * np.sin(t), r ** 2
    Z[0, 0] = np.nan
    fig, _ = plt.subplots()
    sec = report.section("S")
    with pytest.raises(ValueError, match="one shape"):
        sec.surface(X, Y[:, :2], Z, fig)
    sec.surface(X, Y, Z, fig, "cone")
    spec = json.loads(re.search(r'id="plot3d-1-spec">(.*?)</script>', report.to_html()).group(1))
    trace = spec["data"][0]
    np.testing.assert_allclose(trace["x"], X, rtol=0, atol=1e-5)
    assert trace["z"][0][0] is None and "contours" not in trace  # no contours around holes


def test_surface_falls_back_to_the_static_figure_without_plotly(monkeypatch):
    from steepest.report import builder

    monkeypatch.setattr(builder, "plotly_available", lambda: False)
    report = Report("T")
    x, y = np.linspace(-1, 1, 4), np.linspace(-2, 2, 3)
    fig, _ = plt.subplots()
    report.section("S").surface(x, y, x[None] ** 2 + y[:, None] ** 2, fig, "bowl")
    page = report.to_html()
    assert "plot3d" not in page and "Plotly.newPlot(div" in page  # only the (idle) loader
    assert 'alt="bowl"' in page and 'pip install "steepest[report]"' in page


def test_an_interrupted_tour_keeps_the_finished_sections(tmp_path, monkeypatch):
    from steepest.report import tour

    calls = []

    def fake_section(self):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        self.report.section(f"done {len(calls)}").text("finished")

    for name in tour.SECTIONS:
        monkeypatch.setattr(tour._Tour, name, fake_section)
    monkeypatch.setattr(tour._Tour, "__init__", lambda self, report, cfg: setattr(
        self, "report", report))
    with pytest.raises(KeyboardInterrupt):
        tour.run_tour(tmp_path, quick=True, progress=False)
    page = (tmp_path / "index.partial.html").read_text(encoding="utf-8")
    assert "done 1" in page and "Interrupted" in page and "[PARTIAL]" in page
    assert not (tmp_path / "index.html").exists()


@pytest.mark.parametrize("interactive", [False, True])
def test_tour_loss_surface_section_static_or_interactive(interactive):
    from steepest.report import plotly_available
    from steepest.report.tour import TourConfig, _Tour

    if interactive and not plotly_available():
        pytest.skip("plotly is not installed")
    report = Report("T")
    _Tour(report, TourConfig.make(quick=True, interactive=interactive)).surface()
    page = report.to_html()
    assert ('class="surface3d"' in page) is interactive
    # the static lecture surface is embedded either way (as the figure or as the fallback)
    assert "01-loss-surface" in [stem for stem, _ in report._pngs]  # (section 1 of this page)
