"""steepest.diagnose: the lecture's runs explained, and slow, stalled and saddle runs."""

import numpy as np
import pytest

import steepest as st
from steepest import optim
from steepest.datasets import lecture_line
from steepest.problems import LeastSquares


@pytest.fixture(scope="module")
def lecture():
    X, y = lecture_line()
    return LeastSquares(X, y), np.linalg.eigvalsh(X.T @ X)


def test_diverged_lecture_run(lecture):
    P, w = lecture
    r = st.minimize(P, [-8, -2], optim.GD(lr=0.0065), max_steps=1000)
    d = st.diagnose(r, P)
    assert d.kind == "diverged" and d.diverged_at == r.diverged_at
    assert d.lam_max == pytest.approx(w[-1], rel=1e-10)
    assert d.lr_max == pytest.approx(2 / w[-1], rel=1e-10)
    assert d.multiplier == pytest.approx(1 - 0.0065 * w[-1], rel=1e-10)
    assert abs(d.multiplier) > 1
    assert d.suggested_lr < d.lr_max
    for text in (f"step {r.diverged_at}", "2/λ_max = 0.006401", "1 − ηλ_max = -1.031",
                 "η = 0.0065"):
        assert text in d.message
    assert str(d) == d.message and "diverged" in d._repr_html_()
    # the suggestion is the best fixed step, and it was tried
    assert d.suggested_lr == pytest.approx(2 / (w[0] + w[-1]))
    assert d.trial.lr == d.suggested_lr and d.trial.status != "diverged"
    assert f"tried for {d.trial.steps} steps from x0" in d.message
    ok = st.minimize(P, [-8, -2], optim.GD(lr=d.suggested_lr), max_steps=2000, gtol=1e-6)
    assert ok.status == "converged"


def test_unstable_run_stopped_before_detection_is_diverging(lecture):
    """Written as a plain function (no constant Hessian to know the outcome by), the loss needs
    123 steps to be called diverged: stopped at 100 it is diverging."""
    P, _ = lecture
    r = st.minimize(P.f, [-8, -2], optim.GD(lr=0.0065), max_steps=100)  # a plain function
    d = st.diagnose(r, P)
    assert r.status == "max_steps" and d.kind == "diverging"
    assert "×1.06 per step" in d.message and d.trial.status != "diverged"


def test_divergence_error_carries_the_diagnosis(lecture):
    P, _ = lecture
    with pytest.raises(st.DivergenceError, match="exceeds the stability limit") as info:
        st.minimize(P, [-8, -2], optim.GD(lr=0.0065), on_divergence="raise")
    assert info.value.diagnosis.kind == "diverged"
    assert info.value.result.status == "diverged"


def test_oscillating_lecture_run(lecture):
    P, w = lecture
    r = st.minimize(P, [-8, -3.2], optim.GD(lr=0.0055), max_steps=1000, gtol=1e-6)
    d = st.diagnose(r, P)
    assert r.status == "converged" and d.kind == "oscillating"
    assert d.multiplier == pytest.approx(1 - 0.0055 * w[-1]) and d.multiplier < 0
    assert "flips sign" in d.message and "1 − ηλ_max = -0.7186 < 0" in d.message


def test_slow_run_reports_kappa(lecture):
    P, w = lecture
    r = st.minimize(P, [-8, -3.2], optim.GD(lr=0.0005), max_steps=300)
    d = st.diagnose(r, P)
    assert d.kind == "slow"
    assert d.kappa == pytest.approx(w[-1] / w[0], rel=1e-10)
    assert d.rate == pytest.approx(1 - 0.0005 * w[0], rel=1e-10)
    assert d.steps_needed == pytest.approx(np.log(1e-6) / np.log(d.rate))
    assert d.steps_needed_best < d.steps_needed
    assert "κ = λ_max/λ_min = 57.27" in d.message


def test_stalled_on_a_plateau():
    """σ(w) saturated at w = −12: gradients ≈ 1e-5 barely move it, and the curvature is as
    tiny, so it is a plateau, not a minimum."""
    f = lambda x: ((st.sigmoid(x) - 1.0) ** 2).sum()
    r = st.minimize(f, [-12.0], optim.GD(lr=0.1), max_steps=200)
    d = st.diagnose(r, f)
    assert d.kind == "stalled" and "plateau" in d.message and "not a minimum" in d.message


def test_saddle_point():
    f = lambda x: x[0] ** 2 - x[1] ** 2 + 0.25 * x[1] ** 4
    r = st.minimize(f, [1.0, 0.0], optim.GD(lr=0.1), gtol=1e-10, max_steps=1000)
    d = st.diagnose(r, f)
    assert d.kind == "saddle" and d.lam_min == pytest.approx(-2.0)
    assert "saddle point" in d.message


def test_momentum_and_adam_divergence_messages():
    A = np.diag([1.0, 10.0])
    f = lambda x: 0.5 * (x * (A @ x)).sum()
    r = st.minimize(f, [1.0, 1.0], optim.Momentum(lr=0.5, momentum=0.9), max_steps=500)
    d = st.diagnose(r, f)
    assert d.kind == "diverged" and d.lr_max == pytest.approx(0.38)
    assert "3.8/λ_max" in d.message
    big = st.minimize(f, [1.0, 1.0], optim.Adam(lr=1e30), max_steps=50)
    assert big.status == "diverged"
    da = st.diagnose(big, f)
    # Adam's threshold is on the preconditioned sharpness; its first-step P = |g| + ε makes
    # P⁻¹H = diag(1, 10)/|(1, 10)| = I, so λ_max(P⁻¹H) = 1 and the limit is 38
    assert da.kind == "diverged" and da.sharpness == "λ_max(P⁻¹H)"
    assert da.lam_max == pytest.approx(1.0, rel=1e-6) and da.lr_max == pytest.approx(38, rel=1e-6)
    assert da.trial.status != "diverged"


def test_diagnose_without_fun_uses_history_only(lecture):
    P, _ = lecture
    r = st.minimize(P, [-8, -2], optim.GD(lr=0.0065), max_steps=1000)
    d = st.diagnose(r)
    assert d.kind == "diverged" and d.lam_max is None and "Diverged at step" in d.message


def test_a_period_2_orbit_is_claimed_only_where_the_orbit_stands_still():
    """Rosenbrock at η = 0.0022 > 2/λ_max(1, 1) = 0.001997: after 3,000 steps the run still
    slides along the valley while it zigzags across it (the loss fell 2.08 → 0.0054 over its
    last 100 steps), so it is said to be moving; by 20,000 steps it jumps between two points
    that no longer move (x_{k+2} = x_k to 1e-10): a period-2 orbit, where λ_max midway between
    them is 2/η to a few parts in a thousand."""
    R = st.problems.Rosenbrock()
    early = st.diagnose(st.minimize(R, R.x0, optim.GD(lr=0.0022), max_steps=3000), R,
                        verify=False)
    assert early.kind == "edge_of_stability" and "cannot converge" in early.message
    assert "still moving" in early.message
    assert "period-2" not in early.message and "hovering" not in early.message
    assert early.details["orbit_drift"] > 1
    late_run = st.minimize(R, R.x0, optim.GD(lr=0.0022), max_steps=20000)
    late = st.diagnose(late_run, R, verify=False)
    assert late.kind == "edge_of_stability" and "period-2 orbit" in late.message
    X = late_run.history.x
    assert np.linalg.norm(X[-1] - X[-3]) < 1e-6 * np.linalg.norm(X[-1] - X[-2])
    assert late.details["orbit_drift"] < 1e-6
    assert 0.0022 * late.details["hover_lam_max"] == pytest.approx(2, rel=5e-3)


@pytest.mark.parametrize("lr", [0.19999, 0.1999])
def test_a_quadratic_just_below_its_limit_converges_slowly_it_does_not_hover(lr):
    """λ = 1, 10: at η·10 = 1.9999 the zigzag shrinks by 0.9999 a step — near-periodic over
    any short window, but a quadratic below its limit always converges."""
    q = st.problems.Quadratic(np.diag([1.0, 10.0]), np.zeros(2), 0.0)
    d = st.diagnose(st.minimize(q, [1.0, 1.0], optim.GD(lr=lr), max_steps=3000), q,
                    verify=False)
    assert d.kind == "slow" and "hover" not in d.message
    assert d.rate == pytest.approx(abs(1 - 10 * lr))


def test_adaptive_hover_is_not_called_slow():
    """RMSprop at η = 0.01 on the lecture's line ends in a period-2 orbit (‖∇L‖ stays at 1.74);
    after 300 steps the old diagnosis forecast convergence in ~6,000 steps from a frozen P."""
    X, y = st.datasets.lecture_line()
    P = st.problems.LeastSquares(X, y)
    early = st.diagnose(st.minimize(P, [-8, -2], optim.RMSprop(lr=0.01), max_steps=300), P)
    assert early.kind == "edge_of_stability" and "period-2 orbit" in early.message
    assert "Continued from the same start" in early.message
    late = st.minimize(P, [-8, -2], optim.RMSprop(lr=0.01), max_steps=3000)
    assert late.history.grad_norm[-1] > 1.0  # the orbit is real: it never converges
    d = st.diagnose(late, P)
    assert d.kind == "edge_of_stability" and abs(d.lr_max - 0.01) < 1e-4


def _cli_run(name: str, rule: str, lr: float, steps: int = 1000):
    """A run as `steepest run NAME --optimizer RULE --lr LR --max-steps STEPS` makes it."""
    from steepest.cli import default_start, make_optimizer, make_problem
    P = make_problem(name)
    r = st.minimize(P, default_start(name, P, lr), make_optimizer(rule, lr), max_steps=steps,
                    rtol=1e-5)
    return r, P


def test_a_period_two_orbit_is_not_a_plateau():
    """GD at η = 0.1 on the six-hump camel ends on a period-2 orbit with ‖∇L‖ = 3.4: the loss
    does not change, but not because the run crawls; it was called 'stalled' on a plateau."""
    r, P = _cli_run("six-hump-camel", "gd", 0.1)
    d = st.diagnose(r, P, verify=False)
    assert d.kind == "edge_of_stability" and "period-2 orbit" in d.message
    from steepest.curvature.diagnose import ORBIT_DRIFT
    assert d.details["orbit_drift"] <= ORBIT_DRIFT


def test_a_run_thrown_out_of_every_minimum_is_unsettled():
    """Rastrigin, GD η = 0.01: the best loss (17.9) came at step 368, and every loss since is
    above it. At the best point 2/λ_max ≈ 0.00507 < η: it cannot settle there (nor at the global
    minimum, limit 2/396.8). A rate below that limit, tried, converges."""
    r, P = _cli_run("rastrigin", "gd", 0.01)
    d = st.diagnose(r, P)
    h = r.history
    best = int(np.argmin(h.loss))
    assert d.kind == "unsettled" and f"at step {best}" in d.message
    assert min(h.loss[best + 1:]) > h.loss[best]
    lam = st.curvature.sharpness(P, h.x[best], r.optimizer).lam_max
    assert d.lr_max <= 2 / lam < r.optimizer.lr
    assert d.suggested_lr < d.lr_max and d.trial.status == "converged"


def test_a_bounded_chaotic_bounce_is_not_diverging():
    """Rastrigin at η = 0.1 (ηλ ≈ 40) bounces between basins forever, bounded by the quadratic
    term: a rise between two chosen steps is not growth. It was called 'diverging'."""
    r, P = _cli_run("rastrigin", "gd", 0.1)
    d = st.diagnose(r, P, verify=False)
    assert r.status == "max_steps" and max(r.history.loss) < 1e3
    assert d.kind == "unsettled"


def test_no_fixed_rate_is_suggested_where_none_gets_as_low_as_the_run():
    """Ackley at its kink: λ_max at the best point is 1e5, so the rate 'below the limit' is
    ~2e-5, which from the start makes no progress in 1,000 steps: nothing is suggested, and the
    message says why and names the remedy (a decaying rate)."""
    r, P = _cli_run("ackley", "gd", 0.1)
    d = st.diagnose(r, P)
    assert d.kind == "unsettled" and d.suggested_lr is None
    assert "none is suggested" in d.message and "decaying rate" in d.message


def test_a_continued_run_cites_a_forecast_only_where_one_was_given():
    """RMSprop at η = 0.1 on Ackley is not called slow (no rate is quoted), yet the continued
    run's note said 'the rate above predicts 1e-32'. Only a 'slow' diagnosis forecasts."""
    r, P = _cli_run("ackley", "rmsprop", 0.1)
    d = st.diagnose(r, P, verify=False)
    assert "continued from the same start" in d.message
    assert ("the rate above predicts" in d.message) == (d.kind == "slow")
    assert "per step, so reducing the error" in d.message or d.kind != "slow"


@pytest.mark.parametrize("name, rule, lr, local", [
    ("rastrigin", "gd", 0.001, True),        # L = 17.9 in a side basin; L* = 0 at (0, 0)
    ("goldstein-price", "rmsprop", 0.1, True),  # L = 30 at (−0.6, −0.4); L* = 3 at (0, −1)
    ("six-hump-camel", "gd", 0.01, True),
    ("goldstein-price", "gd", 1e-5, False),  # L = 3.009: short of L* = 3, in its basin
    ("himmelblau", "gd", 0.01, False),       # one of its four global minima
    ("lecture-line", "gd", 0.002, False),
])
def test_a_converged_run_in_another_basin_is_called_a_local_minimum(name, rule, lr, local):
    """"Converged" on a non-convex function must not read as "found the minimum": where the
    run ends in another basin than the known global minimum, the diagnosis says so — and not
    where the run is merely short of L* inside the global basin (the quadratic model's lowest
    value there reaches L*)."""
    r, P = _cli_run(name, rule, lr, 5000)  # GD at 1e-5 needs them to converge
    d = st.diagnose(r, P)
    assert d.kind in ("converged", "oscillating")
    said = "This is a local minimum, not the global one" in d.message
    assert said == local, d.message
    if local:
        assert r.fun - P.min_value > 1
        assert f"global minimum is L = {P.min_value:.4g}" in d.message
        assert np.min(np.linalg.norm(P.minima - r.x, axis=1)) > 0.3  # truly elsewhere


def test_a_slow_run_above_the_limit_at_its_minimum_is_not_promised_convergence():
    """Rosenbrock GD: 2/λ_max at (1, 1) is 0.001997. At η = 0.0022 the slow run cannot converge
    (the step forecast is refused) and the suggestion is below that limit; at η = 0.0019 the
    best fixed step where it stopped (0.0033) is above the limit, so it is not suggested; at
    0.001 the suggestion is capped at 0.9 × the limit."""
    P = st.problems.Rosenbrock()
    limit = 2 / np.linalg.eigvalsh([[802.0, -400.0], [-400.0, 200.0]]).max()  # H at (1, 1)
    for lr, cannot in ((0.0022, True), (0.0019, False), (0.001, False)):
        r = st.minimize(P, P.x0, st.optim.GD(lr=lr), max_steps=1000)
        d = st.diagnose(r, P)
        assert d.kind == "slow"
        assert d.message.startswith("Slow, and this rate cannot converge:") is cannot
        assert ("this rate cannot converge" in d.message) is cannot
        assert (d.steps_needed is None) is cannot  # no forecast from where it stopped
        if cannot:
            assert "(1, 1)" in d.message and "steps." not in d.message
        if d.suggested_lr is not None:
            assert d.suggested_lr <= 0.9 * limit * (1 + 1e-9)
        assert (d.suggested_lr is None) is (lr == 0.0019)


def test_a_per_step_factor_near_one_is_not_rounded_to_one():
    """RMSprop from 10⁶ on ½xᵀdiag(1, 10)x: P ≈ |∇L| makes P⁻¹H ≈ 10⁻⁶, so the slowest
    direction shrinks by ≈ 1 − 10⁻⁸ per step — four figures would print "shrinks by only 1"."""
    P = st.problems.Quadratic(np.diag([1.0, 10.0]))
    r = st.minimize(P, [1e6, -1e6], st.optim.RMSprop(lr=0.01), max_steps=300)
    d = st.diagnose(r, P)
    assert d.kind == "slow" and 0.99999 < d.rate < 1
    assert f"shrinks by only 1 − {1 - d.rate:.3g} per step" in d.message


def test_a_slow_zigzag_near_the_limit_blames_the_sharpest_direction_and_suggests_a_smaller_rate():
    """The lecture's line at η = 0.0064, a hair below 2/λ_max = 0.006401: the error along the
    top eigenvector is multiplied by 1 − ηλ_max ≈ −0.9998 per step, far slower than the flattest
    direction's 1 − ηλ_min ≈ 0.965 — so the cure is a *smaller* η (the best fixed step
    2/(λ_min + λ_max)), not a better-conditioned problem. At η = 0.002 the flat direction is
    the slow one and the message says so."""
    X, y = st.datasets.lecture_line()
    P = st.problems.LeastSquares(X, y)
    lam_min, lam_max = np.linalg.eigvalsh(X.T @ X)
    r = st.minimize(P, [-8, -2], st.optim.GD(lr=0.0064), max_steps=1000)
    d = st.diagnose(r, P)
    assert d.kind == "slow"
    assert "the sharpest direction is the slowest" in d.message
    assert f"1 − ηλ_max = {1 - 0.0064 * lam_max:.4g} per step" in d.message
    assert d.suggested_lr == pytest.approx(2 / (lam_min + lam_max), rel=1e-6)
    assert d.suggested_lr < 0.0064
    slow = st.diagnose(st.minimize(P, [-8, -3.2], st.optim.GD(lr=0.002), max_steps=100), P)
    assert slow.kind == "slow" and "sharpest direction is the slowest" not in slow.message
    assert f"shrinks by only {1 - 0.002 * lam_min:.4g} per step" in slow.message
