"""``steepest tour --quick`` end to end: the page, its sections, and numbers that agree with
independent computations (NumPy closed forms), not with text typed into the report."""

from __future__ import annotations

import json
import re
from html import escape

import numpy as np
import pytest

from steepest.cli import main
from steepest.datasets import lecture_line
from steepest.report.builder import _format_number

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def html(quick_report) -> str:
    return quick_report.read_text(encoding="utf-8")


def _cell(html: str, label: str) -> str:
    """The value next to a row label in one of the page's number tables."""
    m = re.search(r"<th>" + re.escape(escape(label)) + r"</th><td>([^<]*)</td>", html)
    assert m, f"no row {label!r} on the page"
    return m.group(1)


def test_the_page_has_the_seven_sections(html):
    titles = re.findall(r'<h2><span class="num">(\d)</span> ([^<]+)</h2>', html)
    assert [int(n) for n, _ in titles] == list(range(1, 8))
    text = " ".join(t for _, t in titles).lower()
    for word in ("derivative", "surface", "gradient descent", "learning rate", "optimizers",
                 "backpropagation", "landscape"):
        assert word in text


def test_the_page_is_self_contained(html):
    markup = re.sub(r"<script\b.*?</script>", "", html, flags=re.DOTALL)  # (plotly's code has URLs)
    assert not re.search(r'(src|href)="(https?:)?//', markup)
    assert not re.search(r'<link\b', markup)
    assert html.count('<figure class="anim">') >= 3
    assert html.count("data:image/webp;base64,") >= 15  # lossless WebP: half of PNG's bytes


def test_derivative_matches_the_closed_form(html):
    # f(x) = 3x² − 4x + 5 → f'(x) = 6x − 4
    assert float(_cell(html, "f'(−2) (autodiff)")) == 6 * -2 - 4
    # the secant animation sits beside the static figure in section 1, one frame per h
    first = html.split('<section id="s2')[0]
    assert first.count('<figure class="anim">') == 1 and "secant" in first
    player = first.split('<figure class="anim">')[1]
    data = re.search(r'<script type="application/json" id="st\w+_data">(.*?)</script>', player,
                     re.DOTALL).group(1)
    assert len(json.loads(data)["frames"]) == 8  # --quick: 8 values of h
    assert float(_cell(html, "… reaches x")) == pytest.approx(2 / 3, abs=1e-5)


def test_normal_equations_and_gradient_descent_agree_with_numpy(html):
    X, y = lecture_line()
    beta_hat = np.linalg.solve(X.T @ X, X.T @ y)
    shown = _cell(html, "β̂ (normal equations XᵀXβ = Xᵀy)")
    assert shown == _format_number(beta_hat)
    # the lecture's loop, written out in NumPy: β ← β − η(XᵀXβ − Xᵀy) for at most 1000 steps,
    # until ‖g‖ ≤ 1e-5 ‖g₀‖ (the convergence test of `steepest descend`, the lab and the tour)
    beta = np.array([-8.0, -3.2])
    g0 = np.linalg.norm(X.T @ X @ beta - X.T @ y)
    k = 0
    while k < 1000 and (k == 0 or np.linalg.norm(X.T @ X @ beta - X.T @ y) > 1e-5 * g0):
        beta, k = beta - 0.002 * (X.T @ X @ beta - X.T @ y), k + 1
    assert _cell(html, "β after GD") == _format_number(beta)
    assert int(_cell(html, "steps")) == k == 798 and _cell(html, "status") == "converged"


def test_divergence_diagnosis_uses_the_hessian(html):
    X, _ = lecture_line()
    lam = np.linalg.eigvalsh(X.T @ X)[-1]
    assert _cell(html, "critical rate 2/λ_max") == f"{2 / lam:.5f}" == "0.00640"
    assert _cell(html, "η = 0.0065 → status") == "diverged"
    assert _cell(html, "η = 0.002 → status") in ("converged", "max_steps")


def test_backprop_numbers_match_the_chain_rule(html):
    a, b, c, f = 2.0, -3.0, 10.0, -2.0
    assert float(_cell(html, "L")) == (a * b + c) * f
    assert float(_cell(html, "∂L/∂a = f·b")) == f * b
    assert float(_cell(html, "∂L/∂f = a·b + c")) == a * b + c


def test_figures_are_written_as_pngs(quick_report):
    pngs = sorted((quick_report.parent / "figures").glob("*.png"))
    assert len(pngs) >= 12
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_cli_shows_progress_and_prints_the_page_path(quick_report):
    out = (quick_report.parent / "stdout.txt").read_text(encoding="utf-8")
    err = (quick_report.parent / "stderr.txt").read_text(encoding="utf-8")
    assert out.strip().splitlines()[-1] == str(quick_report.resolve())
    steps = re.findall(r"^\[(\d)/7\] .* s$", err, flags=re.MULTILINE)
    assert steps == [str(k) for k in range(1, 8)], err


def test_tour_refuses_a_file_for_out(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["tour", "--out", str(tmp_path / "page.html")])
    assert exc.value.code == 2
    assert "expected a folder" in capsys.readouterr().err


def test_the_starting_gradient_matches_the_closed_form(html):
    X, y = lecture_line()
    beta = np.array([-8.0, -3.2])
    g = X.T @ X @ beta - X.T @ y
    assert _cell(html, "∇J at the start, by backpropagation") == _format_number(g)
    assert _cell(html, "∇J at the start, XᵀXβ − Xᵀy (= ½∇ℒ)") == _format_number(g)


def test_every_number_says_which_loss_it_is_of(html):
    """ℒ = ‖y − Xβ‖² in the figures, J = ½‖y − Xβ‖² = ℒ/2 where the lecture's step descends
    (gradients, Hessian, the diagnoses' losses): each printed value matches its own name."""
    X, y = lecture_line()
    beta_hat = np.linalg.solve(X.T @ X, X.T @ y)
    r = y - X @ beta_hat
    assert _cell(html, "ℒ(β̂) = ‖y − Xβ̂‖²") == _format_number(r @ r)
    assert _cell(html, "J(β̂) = ½‖y − Xβ̂‖²") == _format_number(r @ r / 2)
    assert float(_cell(html, "λ_max of J's Hessian XᵀX (from Hessian-vector products)")) == \
        pytest.approx(np.linalg.eigvalsh(X.T @ X)[-1], rel=1e-5)
    # the diagnosis speaks of J: its suggested run ends at J(β̂) = 6.43, not ℒ(β̂) = 12.9
    note = re.search(r"Diagnosis of the run on J = ½‖y − Xβ‖²[^<]*", html).group(0)
    end = float(re.search(r"loss [\d.]+ → ([\d.]+) \(converged\)", note).group(1))
    assert end == pytest.approx(r @ r / 2, rel=1e-2)


def test_the_tour_and_the_cli_agree_on_the_lecture_runs(html, capsys, tmp_path):
    """The same rule stops both: η = 0.002 converges in 798 steps, 0.0055 in 307."""
    for eta in (0.002, 0.0055):
        assert main(["descend", "--lr", str(eta), "--steps", "1000", "--no-animation",
                     "--out", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        steps = int(_cell(html, f"η = {eta:g}: steps"))
        assert f"converged after {steps} steps" in out, out
    assert int(_cell(html, "η = 0.002: steps")) == 798
    assert int(_cell(html, "η = 0.0055: steps")) == 307


def test_the_backoff_text_counts_the_steps_it_threw_away(html):
    """0.0065 climbs from its first step: backoff resumes from step 0 at 0.00325, and the 12
    steps it took past the start (diverged at step 12) are dropped — said in words, as the
    CLI says it."""
    text = re.search(r"Here the rate was halved[^<]*", html).group(0)
    assert "resuming from step 0" in text and "0.0065 → 0.00325" in text
    assert "The 12 steps taken past it and thrown away are not counted" in text


def test_the_page_is_light(html):
    """The animations embed their background once and only what moves per frame, surfaces
    their grids to six digits, figures and sprites are lossless WebP: the quick page, plotly's
    own code aside, stays under 3 MB (2.65 MB with the backpropagation players; 4.9 MB with a
    PNG per frame; 3.65 MB with PNG figures) and no player holds more than 400 kB."""
    plotly = re.search(r'<script type="text/plain" id="plotly-source">.*?</script>', html,
                       re.DOTALL)
    rest = len(html) - (len(plotly.group(0)) if plotly else 0)
    assert rest < 3_000_000, f"{rest / 1e6:.2f} MB besides plotly.js"
    players = re.findall(r'<script type="application/json" id="st\w+_data">(.*?)</script>',
                         html, re.DOTALL)
    assert len(players) >= 3 and max(len(p) for p in players) < 400_000


def test_the_trainability_map_on_the_page_is_the_librarys(html, quick_report):
    import steepest as st
    X, y = st.datasets.moons(24, noise=0.1, seed=0)
    m = st.curvature.trainability_map((X - X.mean(0)) / X.std(0), y, resolution=40, steps=150,
                                      progress=False)
    assert f"{m.trainable.mean():.0%} of the grid trains" in html
    assert 0 < m.trainable.mean() < 1  # the map shows a boundary, not one colour
    names = {p.name for p in (quick_report.parent / "figures").glob("*.png")}
    assert {"06-trainability-map.png", "06-trainability-zoom.png"} <= names


def test_the_zooms_words_are_computed_from_the_map():
    from steepest.report.tour import _boundary_words
    t = np.zeros((10, 10), bool)
    t[:5] = True                                   # a straight boundary across the panel
    assert _boundary_words(t).startswith("it is 1.0× as long") and "without islands" in \
        _boundary_words(t)
    t[8, 3] = True                                 # a trained pixel inside the diverged part
    t[1:3, 6:8] = False                            # and a diverged patch in the trained part
    words = _boundary_words(t)
    assert "with 2 islands" in words and "2.2×" in words   # (10 + 4 + 8 pixel edges) / 10


def test_edge_of_stability_loss_words_follow_the_measured_loss():
    """The tour once said the loss 'keeps falling' at the edge of stability while at η = 0.1 it
    ended a spike above its best (0.1165 → 0.1367): the words now follow the numbers."""
    from steepest.report.tour import _eos_loss_words

    falling = _eos_loss_words([1.0, 0.5, 0.4, 0.3, 0.25, 0.6])
    assert "still fell, from 0.3 " in falling and "to 0.25" in falling
    assert falling.endswith("ended at 0.6")
    stalled = _eos_loss_words([1.0, 0.2, 0.4, 0.3, 0.35, 0.6])
    assert "no longer fell below 0.2" in stalled and "still fell" not in stalled


def test_the_pca_plane_caption_says_whether_theta_star_is_its_lowest_point():
    """Full mode's net still descends along PC1 past θ*: the caption must not let the star
    read as the plane's bottom. Both answers, on planes with known lowest points."""
    from types import SimpleNamespace

    from steepest.report.tour import _plane_low_text
    a = b = np.linspace(-2, 2, 5)
    bowl = np.add.outer(a ** 2, b ** 2) + 0.5                       # lowest at (0, 0)
    said = _plane_low_text(SimpleNamespace(alphas=a, betas=b, loss=bowl))
    assert said == "θ* is the lowest point of this plane's grid (ℒ = 0.5)."
    tilted = np.add.outer((a - 1) ** 2, b ** 2) + 0.5               # lowest at (1, 0)
    said = _plane_low_text(SimpleNamespace(alphas=a, betas=b, loss=tilted))
    assert "not the bottom" in said and "ℒ = 0.5 at (PC1, PC2) = (1, 0)" in said
    assert "below ℒ(θ*) = 1.5" in said
