"""steepest.minimize: objectives, stopping rules, statuses, divergence handling, bad input."""

import itertools
import warnings

import numpy as np
import pytest

import steepest as st
from steepest import optim
from steepest.descent import divergence
from steepest.minimize import History, Result
from steepest.problems import LeastSquares, Quadratic, Rosenbrock

D = np.array([1.0, 10.0])


def bowl(x):  # steepest ops: ½ Σ dᵢ xᵢ²
    return 0.5 * (D * x * x).sum()


def bowl_np(x):
    return 0.5 * float(D @ (x * x))


def bowl_jac(x):
    return D * x


def test_three_kinds_of_fun_give_the_same_path():
    x0 = [1.0, 1.0]
    a = st.minimize(bowl, x0, optim.GD(lr=0.05), max_steps=50)
    b = st.minimize(bowl_np, x0, optim.GD(lr=0.05), jac=bowl_jac, max_steps=50)
    c = st.minimize(Quadratic(np.diag(D)), x0, optim.GD(lr=0.05), max_steps=50)
    d = st.minimize(lambda x: (bowl_np(x), bowl_jac(x)), x0, optim.GD(lr=0.05), jac=True,
                    max_steps=50)
    for r in (b, c, d):
        np.testing.assert_allclose(r.history.x, a.history.x, rtol=1e-14, atol=1e-300)
        np.testing.assert_allclose(r.history.loss, a.history.loss, rtol=1e-13)
    # and equal to the closed form x_k = (1 − η d)^k x0
    k = np.arange(51)[:, None]
    np.testing.assert_allclose(a.history.x, (1 - 0.05 * D) ** k, rtol=1e-12)
    np.testing.assert_allclose(a.history.grad_norm,
                               np.linalg.norm(D * (1 - 0.05 * D) ** k, axis=1), rtol=1e-12)


def test_result_and_history_fields():
    r = st.minimize(bowl, [1.0, -2.0], optim.GD(lr=0.1), max_steps=7)
    assert isinstance(r, Result) and isinstance(r.history, History)
    assert r.nit == 7 and r.status == "max_steps" and not r.success and r.diverged_at is None
    assert r.history.x.shape == (8, 2) and r.history.loss.shape == (8,)
    assert r.history.grad_norm.shape == (8,) and r.history.lr.shape == (8,)
    np.testing.assert_array_equal(r.history.x[0], [1.0, -2.0])
    np.testing.assert_array_equal(r.x, r.history.x[-1])
    assert r.fun == r.history.loss[-1] == bowl_np(r.x)
    np.testing.assert_allclose(r.grad, D * r.x)
    assert r.nfev == 8 and "status: max_steps" in repr(r)
    assert "max_steps" in r._repr_html_() and "<table>" in r._repr_html_()


def test_problem_default_start_and_autodiff_on_problem():
    r = st.minimize(Rosenbrock(), optimizer=optim.Adam(lr=0.05), max_steps=5)
    np.testing.assert_array_equal(r.history.x[0], Rosenbrock().x0)


def test_gtol_converges_and_is_checked_at_x0():
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.05), gtol=1e-6, max_steps=10_000)
    assert r.status == "converged" and r.success
    assert r.history.grad_norm[-1] <= 1e-6 < r.history.grad_norm[-2]
    r0 = st.minimize(bowl, [0.0, 0.0], optim.GD(lr=0.05), gtol=1e-6)
    assert r0.status == "converged" and r0.nit == 0


def test_ftol_relative_change():
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.05), ftol=1e-10, max_steps=10_000)
    assert r.status == "converged"
    L = r.history.loss
    assert abs(L[-2] - L[-1]) <= 1e-10 * max(abs(L[-2]), abs(L[-1]), 1.0)
    assert all(abs(a - b) > 1e-10 * max(abs(a), abs(b), 1.0)
               for a, b in itertools.pairwise(L[:-1]))


def test_patience_early_stopping():
    # Adagrad's steps shrink, so improvements fall below min_delta eventually
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.05), patience=5, min_delta=1e-3,
                    max_steps=10_000)
    assert r.status == "early_stopped" and r.success
    L = r.history.loss
    best_before = L[:-5].min()
    assert np.all(L[-5:] >= best_before - 1e-3)
    assert "min_delta" in r.message


def test_patience_on_a_plateau_function():
    """A loss that stops improving: f = tanh-like plateau, flat beyond x > 3."""
    f = lambda x: -st.tanh(x).sum()
    r = st.minimize(f, [0.0], optim.GD(lr=0.5), patience=3, min_delta=1e-6, max_steps=10_000)
    assert r.status == "early_stopped" and r.nit < 10_000


@pytest.mark.parametrize("style", ["object", "x"])
def test_callback_stop_iteration(style):
    seen = []
    if style == "object":
        def callback(intermediate_result):
            seen.append(intermediate_result.nit)
            assert intermediate_result.fun == bowl_np(intermediate_result.x)
            if intermediate_result.nit == 3:
                raise StopIteration
    else:
        def callback(xk):
            seen.append(xk.copy())
            if len(seen) == 3:
                raise StopIteration
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.05), callback=callback)
    assert r.status == "callback_stopped" and r.nit == 3 and not r.success
    if style == "object":
        assert seen == [1, 2, 3]
    else:
        np.testing.assert_array_equal(seen[-1], r.x)


def test_keyboard_interrupt_keeps_history():
    def callback(intermediate_result):
        if intermediate_result.nit == 4:
            raise KeyboardInterrupt
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.05), callback=callback)
    assert r.status == "interrupted" and r.nit == 4 and len(r.history) == 5


def test_nonfinite_divergence_without_warnings():
    """GD with η = 1 on x⁴ from 1: x_k = x − 4x³ grows like 3^(3^k) and overflows; even with
    on_divergence="ignore" the run stops there, and no NumPy warning leaks."""
    f = lambda x: (x ** 4).sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = st.minimize(f, [1.0], optim.GD(lr=1.0), max_steps=100, on_divergence="ignore")
        explode = st.minimize(f, [1.0], optim.GD(lr=1.0), max_steps=100)
    assert r.status == "diverged" and r.diverged_at == r.nit < 10
    assert not (np.isfinite(r.history.loss[-1]) and np.isfinite(r.history.grad_norm[-1]))
    assert np.isfinite(r.fun) and np.all(np.isfinite(r.x))
    assert "no longer finite" in r.message
    assert explode.status == "diverged" and explode.diverged_at < r.diverged_at
    assert explode.verdict.rule == "far" and np.isfinite(explode.fun)
    assert "from 1 at the start to 2.487e+82 and stayed more than 10000×" in explode.message


@pytest.mark.parametrize("jump", [1, 301])  # inside the first block of iterate checks, past it
def test_nonfinite_iterate_with_finite_loss_stops_at_its_step(jump):
    """f = eˣ from x = 100 (f' ≈ 2.7e43) with η = 1e300 from step ``jump − 1`` on (η = 0 before):
    x overflows to −∞ where f = 0 and f' = 0 are finite, so only the iterate shows it. The
    block-wise check (no callback) must stop at the same row, with the same result, as the
    per-step check that a callback turns on."""
    def lr(k):
        return 0.0 if k < jump - 1 else 1e300

    runs = [st.minimize(lambda x: float(np.exp(x[0])), [100.0], optim.GD(lr=lr), jac=np.exp,
                        max_steps=1000, callback=cb) for cb in (None, lambda x: None)]
    for r in runs:
        assert r.status == "diverged" and r.diverged_at == r.nit == jump
        assert r.history.x[-1, 0] == -np.inf and np.all(r.history.x[:-1] == 100.0)
        assert r.fun == 0.0 and r.grad[0] == 0.0 and np.isnan(r.history.lr[-1])
        assert r.nfev == jump + 1 and "no longer finite" in r.message
    for name in ("x", "loss", "grad_norm", "lr"):
        np.testing.assert_array_equal(getattr(runs[0].history, name),
                                      getattr(runs[1].history, name))


def test_growth_divergence_window():
    """1 − ηλ_max = 1 − 0.21·10 = −1.1: the loss grows ×1.21 per step. The growth rule fires at
    the first step the loss is GROWTH_LEVEL times its start scale above the best."""
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.21), max_steps=1000)
    assert r.status == "diverged" and r.verdict.rule == "growth"
    L = r.history.loss
    scale = max(L[0] - L.min(), abs(L[0]))
    excess = (L - L.min()) / scale
    first = int(np.argmax(excess > divergence.GROWTH_LEVEL))
    assert r.diverged_at == first == r.nit
    assert r.verdict.growth == pytest.approx(1.21, rel=0.02)
    assert "grew geometrically, ×1.21 per step" in r.message


def test_momentum_divergence_detected():
    # heavy ball is stable iff η λ_max < 2 + 2μ = 3.8 (λ_max = 10)
    ok = st.minimize(bowl, [1.0, 1.0], optim.Momentum(lr=0.37, momentum=0.9), max_steps=3000,
                     gtol=1e-8)
    bad = st.minimize(bowl, [1.0, 1.0], optim.Momentum(lr=0.39, momentum=0.9), max_steps=3000)
    assert ok.status == "converged" and bad.status == "diverged"


def test_on_divergence_raise():
    with pytest.raises(st.DivergenceError, match=r"^Diverged at step") as info:
        st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.25), on_divergence="raise")
    assert info.value.result.status == "diverged"
    assert str(info.value) == info.value.diagnosis.message  # the diagnosis, said once


def test_backoff_records_and_halves():
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.7), on_divergence="backoff",
                    max_steps=2000, gtol=1e-8)
    assert r.status == "converged"
    # 0.7 → 0.35 → 0.175 < 2/λ_max = 0.2
    # both times the loss rose from the start, so both backoffs resume from x0
    assert r.history.backoffs == [0, 0] and r.lr == pytest.approx(0.175)
    assert np.all(r.history.lr == 0.175)
    assert r.nfev > r.nit + 10  # the discarded steps were paid for
    assert "halved 2×" in r.message


def test_schedule_and_plateau_are_driven():
    sched = optim.ExponentialDecay(0.1, 0.9)
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=sched), max_steps=20)
    np.testing.assert_allclose(r.history.lr[:20], 0.1 * 0.9 ** np.arange(20))
    plateau = optim.ReduceLROnPlateau(0.1, factor=0.5, patience=2)
    # a loss whose minimum value GD cannot improve on after convergence: flat lower bound
    f = lambda x: st.maximum((x * x).sum(), 0.01)
    r = st.minimize(f, [1.0, 1.0], optim.GD(lr=plateau), max_steps=60)
    assert r.history.lr[-1] < 0.1 and len(plateau.reductions) >= 2
    halvings = np.log2(0.1 / r.history.lr)
    np.testing.assert_allclose(halvings, np.round(halvings), atol=1e-9)
    assert np.all(np.diff(r.history.lr) <= 0)


def test_line_search_through_minimize():
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=1.0, line_search=True), gtol=1e-8,
                    max_steps=1000)
    assert r.status == "converged"
    assert np.all(np.diff(r.history.loss) < 0)
    assert r.history.lr[0] < 1.0 and r.nfev > r.nit + 1


@pytest.mark.parametrize("opt", [optim.GD(lr=0.05), optim.Momentum(lr=0.02),
                                 optim.Nesterov(lr=0.02), optim.Adagrad(lr=0.5),
                                 optim.RMSprop(lr=0.01), optim.Adam(lr=0.05),
                                 optim.AdamW(lr=0.05, weight_decay=0.0)],
                         ids=lambda o: type(o).__name__)
def test_every_optimizer_solves_a_least_squares_problem(opt):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=40)
    problem = LeastSquares(X, y)
    scale = 1 / problem.eigenvalues[-1]
    if isinstance(opt, (optim.GD, optim.Momentum, optim.Nesterov)):
        opt = type(opt)(lr=scale)
    r = st.minimize(problem, np.zeros(3), opt, max_steps=4000, gtol=1e-5)
    np.testing.assert_allclose(r.x, problem.solve(), atol=1e-3)


def test_progress_bar_runs():
    r = st.minimize(bowl, [1.0, 1.0], optim.GD(lr=0.05), max_steps=250, progress=True)
    assert r.nit == 250


@pytest.mark.parametrize("kwargs,error,match", [
    ({"x0": [[1.0, 2.0]]}, ValueError, "x0 must be a 1-D vector"),
    ({"x0": "a"}, TypeError, "x0 must be an array"),
    ({"x0": [1.0, np.nan]}, ValueError, "x0 contains NaN"),
    ({"max_steps": -1}, ValueError, "max_steps"),
    ({"gtol": -1.0}, ValueError, "gtol"),
    ({"patience": 0}, ValueError, "patience"),
    ({"on_divergence": "explode"}, ValueError, "on_divergence"),
    ({"optimizer": "adam"}, TypeError, "optimizer must be"),
])
def test_bad_arguments(kwargs, error, match):
    args = {"x0": [1.0, 1.0]} | kwargs
    with pytest.raises(error, match=match):
        st.minimize(bowl, **args)


def test_bad_losses_and_lr():
    with pytest.raises(ValueError, match="x0 has shape \\(3,\\) but the problem has dim=2"):
        st.minimize(Rosenbrock(), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"loss must be a scalar.*shape \(2,\)"):
        st.minimize(lambda x: x * x, [1.0, 2.0])
    with pytest.raises(ValueError, match="loss at x0 is nan"):
        st.minimize(lambda x: st.log(x).sum(), [-1.0, 2.0])
    with pytest.raises(ValueError, match="lr must be a non-negative"):
        st.minimize(bowl, [1.0, 1.0], optim.GD(lr=-0.1))
    W = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"evaluating fun at x0 \(shape \(2,\)\) failed"):
        st.minimize(lambda x: (W @ x).sum(), [1.0, 2.0])
    with pytest.raises(TypeError, match="pass its gradient as jac="):
        st.minimize(bowl_np, [1.0, 1.0])
    with pytest.raises(ValueError, match="gradient has shape"):
        st.minimize(bowl_np, [1.0, 1.0], jac=lambda x: np.ones(3))
